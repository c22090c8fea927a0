import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment `osls package` runs in for tests: offline, no credentials, a fresh HOME, `configFile` packaged. */
export function packageEnv(configFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: mkdtempSync(join(tmpdir(), 'vigil-home-')),
    CI: 'true',
  };
  for (const name of Object.keys(env))
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete env[name];
  env.VIGIL_CONFIG = configFile;
  return env;
}
