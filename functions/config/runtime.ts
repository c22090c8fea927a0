/**
 * The config as a Lambda reads it. Packaged (infra/package-files.ts), VIGIL_CONFIG points at `vigil.config.json`:
 * the config exactly as validated when packaging, so a cold start neither parses YAML nor builds the schema, and
 * the bundles hold neither (infra/bundle.ts leaves load.ts out). Anything else — tests, the CLI's bundled workers,
 * `osls invoke local` on a YAML — is read and validated as `vigil validate` does, with load.ts loaded on demand.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { VERSION } from '../version';
import type * as Load from './load';
import type { VigilConfig } from './schema';

export const DEFAULT_CONFIG_FILE = 'vigil.yml';
/** What packaging writes next to the staged config; VIGIL_CONFIG names it. */
export const PACKAGED_CONFIG_FILE = 'vigil.config.json';
const PACKAGED_FORMAT = 1;

interface PackagedConfig {
  format: typeof PACKAGED_FORMAT;
  /** The vigil that validated it: the same bundle reads it, so another version means a stale package. */
  vigil: string;
  /** The file it was validated from, for error messages. */
  source: string;
  config: VigilConfig;
}

/** The packaged form of a validated config (plain JSON: the schema's output has no functions, dates or maps). */
export function packagedConfigText(config: VigilConfig, source: string): string {
  const packaged: PackagedConfig = { format: PACKAGED_FORMAT, vigil: VERSION, source, config };
  return `${JSON.stringify(packaged)}\n`;
}

/** VIGIL_CONFIG (default ./vigil.yml): the packaged JSON as it is, any other file through the validating loader. */
export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const file = resolve(env.VIGIL_CONFIG ?? DEFAULT_CONFIG_FILE);
  if (!file.endsWith('.json')) return (require('./load') as typeof Load).loadConfig(file);
  const packaged = JSON.parse(readFileSync(file, 'utf8')) as Partial<PackagedConfig>;
  if (packaged.format !== PACKAGED_FORMAT || packaged.vigil !== VERSION || packaged.config === undefined)
    throw new Error(
      `${file}: not a config packaged by vigil ${VERSION} (format ${String(packaged.format)}, vigil ${String(packaged.vigil)}): package and deploy again`,
    );
  return packaged.config;
}
