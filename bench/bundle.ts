import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * `entry` as one minified CJS bundle in a fresh temporary directory, built the way the Lambda's is (so a worker
 * thread it starts loads the bundle too, as in Lambda); returns the bundle's path.
 */
export function bundleLikeLambda(entry: string): string {
  const outfile = join(
    mkdtempSync(join(tmpdir(), 'vigil-bench-bundle-')),
    basename(entry).replace(/\.ts$/, '.cjs'),
  );
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
