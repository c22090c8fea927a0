/** Bench children bundled by esbuild as the Lambda is (one CJS file), so an inspection worker loads the bundle. */
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** Bundles bench/<entry>.ts into `dir`; returns the bundle's path. */
export function bundleBenchChild(entry: string, dir: string): string {
  const outfile = join(dir, `${entry}.cjs`);
  buildSync({
    entryPoints: [join(__dirname, `${entry}.ts`)],
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
