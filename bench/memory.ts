/**
 * Memory a prometheus target's inspection needs, as a multiple of its body: the smallest V8 heap
 * (--max-old-space-size, found by bisection in a fresh bundled process per try) in which the page is parsed and
 * the query evaluated. The inspection worker's cap is 128 MB (functions/probing/inspection-pool.ts).
 *
 * Standalone: `npx tsx bench/memory.ts` prints the markdown section.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneFamilyPage } from '../test/helpers/pages';
import { bundleLikeLambda } from './bundle';
import { type BenchSection, runAlone } from './types';

const MB = 1024 * 1024;
const MIN_HEAP_MB = 8;
const MAX_HEAP_MB = 1024;
const RESOLUTION_MB = 4;

/** node_exporter's series, each repeated with a `shard` label until the page is about `bytes` long. */
function ordinaryPage(bytes: number): Buffer {
  const lines = readFileSync(join(__dirname, '../test/fixtures/prometheus/node_exporter.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
  const out: string[] = [];
  let size = 0;
  for (let shard = 0; size < bytes; shard++) {
    for (const line of lines) {
      const brace = line.indexOf('{');
      const space = line.indexOf(' ');
      const withShard =
        brace >= 0 && brace < space
          ? `${line.slice(0, brace + 1)}shard="${shard}",${line.slice(brace + 1)}`
          : `${line.slice(0, space)}{shard="${shard}"}${line.slice(space)}`;
      out.push(withShard);
      size += withShard.length + 1;
    }
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

function fits(runner: string, page: string, query: string, heapMb: number): boolean {
  const result = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, runner, page, query], {
    stdio: 'ignore',
  });
  return result.status === 0;
}

/** The smallest heap (MB, to RESOLUTION_MB) the inspection fits in. */
function neededHeapMb(runner: string, page: string, query: string): number {
  let low = MIN_HEAP_MB;
  let high = MAX_HEAP_MB;
  if (!fits(runner, page, query, high)) return Number.POSITIVE_INFINITY;
  while (high - low > RESOLUTION_MB) {
    const middle = Math.floor((low + high) / 2);
    if (fits(runner, page, query, middle)) high = middle;
    else low = middle;
  }
  return high;
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-memory-'));
  const runner = bundleLikeLambda(join(__dirname, 'memory-probe.ts'));
  const shortest = join(dir, 'shortest.txt');
  const shortestBody = oneFamilyPage(8 * MB);
  writeFileSync(shortest, shortestBody);
  const ordinary = join(dir, 'ordinary.txt');
  const ordinaryBody = ordinaryPage(8 * MB);
  writeFileSync(ordinary, ordinaryBody);
  const cases = [
    { page: shortest, body: shortestBody, what: 'shortest lines (`m{a="1",b="123"} 1`)', query: 'sum(m)' },
    { page: shortest, body: shortestBody, what: 'shortest lines', query: 'count by (a) (m)' },
    { page: shortest, body: shortestBody, what: 'shortest lines', query: 'm' },
    {
      page: ordinary,
      body: ordinaryBody,
      what: 'node_exporter lines, repeated by a `shard` label',
      query: 'sum by (mode) (node_cpu_seconds_total)',
    },
    {
      page: ordinary,
      body: ordinaryBody,
      what: 'node_exporter lines',
      query: 'count({__name__=~"node_.+"})',
    },
  ];
  const rows = cases.map((entry) => {
    const series = entry.body
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '').length;
    const heap = neededHeapMb(runner, entry.page, entry.query);
    return `| ${entry.what}, ${series.toLocaleString('en-US')} series | ${(entry.body.length / MB).toFixed(1)} MB | \`${entry.query}\` | ${Number.isFinite(heap) ? `${heap} MB` : `> ${MAX_HEAP_MB} MB`} | ${Number.isFinite(heap) ? `${(heap / (entry.body.length / MB)).toFixed(1)}×` : '-'} |`;
  });
  const markdown = [
    `The smallest V8 old-generation heap (\`--max-old-space-size\`, bisected to ${RESOLUTION_MB} MB, a fresh bundled process per try) in which one page is parsed and one query evaluated (no history). The inspection worker's cap is 128 MB. Node ${process.version}.`,
    '',
    '| page | body | query | heap needed | × body |',
    '| --- | ---: | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { title: 'Memory per prometheus target', markdown };
}

runAlone(module, run);
