/**
 * Child of bench/memory.ts, bundled by esbuild: inspects one generated page with one query, in this process's
 * heap (run with --max-old-space-size=N), and exits 0 when it fit, 1 when the inspection failed otherwise. Running
 * out of heap kills the process with V8's own exit code.
 */
import { readFileSync } from 'node:fs';
import { parseConfig } from '../functions/config/load';
import { interpret } from '../functions/probing/interpret';

const [pagePath, query] = process.argv.slice(2);
const body = readFileSync(pagePath!);
const config = parseConfig(
  `targets:\n  - { name: p, url: "http://127.0.0.1:9/metrics", type: prometheus, maxBodySize: 64MB, metrics: [{ name: M, query: ${JSON.stringify(query)} }] }\n`,
);
const target = config.targets[0]!;
if (target.type !== 'prometheus') throw new Error('expected the prometheus target');
const result = interpret({
  target,
  response: { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body },
  durationMs: 1,
  maxSeries: 50,
  atMs: Date.now(),
  history: [],
});
process.exitCode = result.inspection.failure?.reason === 'parse' ? 1 : 0;
