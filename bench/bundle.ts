import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS } from '../infra/bundle';

/**
 * `entry` as one minified CJS bundle in a fresh temporary directory, built the way the Lambda's is (so a worker
 * thread it starts loads the bundle too, as in Lambda); returns the bundle's path.
 */
export function bundleLikeLambda(entry: string): string {
  const outfile = join(
    mkdtempSync(join(tmpdir(), 'vigil-bench-bundle-')),
    basename(entry).replace(/\.ts$/, '.cjs'),
  );
  // The packaged functions' options (infra/bundle.ts), without the per-config exclusions: a bench's worker reads YAML.
  buildSync({
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    sourcemap: false,
    entryPoints: [entry],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
