/**
 * Heavy pages must cost only themselves (issue 8): a round with a few legal but heavy pages next to healthy
 * targets. Each scenario runs one round in a fresh child process (bench/heavy-round.ts, bundled by esbuild as the
 * Lambda is), so its peak RSS is the round's alone; the pages are served from this process on 127.0.0.1. Healthy targets answer a small page after
 * HEALTHY_DELAY_MS with a HEALTHY_TIMEOUT timeout: any of them failing is a false timeout caused by the others.
 *
 * Standalone: `npx tsx bench/heavy-pages.ts` prints the markdown section.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneFamilyPage } from '../test/helpers/pages';
import { bundleLikeLambda } from './bundle';
import { type BenchSection, runAlone } from './types';

const HEALTHY_TARGETS = 16;
const HEALTHY_DELAY_MS = 150;
const HEALTHY_TIMEOUT = '1s';
const HEAVY_TIMEOUT = '20s';
const MB = 1024 * 1024;

interface Scenario {
  name: string;
  pages: { path: string; body: Buffer; contentType: string }[];
  /** The heavy targets' YAML (under targets:), given the server URL. */
  targets(url: string): string;
}

/** As short as lines get (`m{b="<base36>"} 1`), for a page of `series` series. */
function manySeriesPage(series: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < series; i++) lines.push(`m{a="${i % 7}",b="${i.toString(36)}"} 1\n`);
  return Buffer.from(lines.join(''));
}

/** A JSON document of about `nodes` nodes, every object with an `a`. */
function jsonPage(nodes: number): Buffer {
  const items = [];
  for (let i = 0; i < nodes / 10; i++)
    items.push({ id: i, a: i % 7, tags: ['x', 'y'], nested: { a: i, b: { c: 1 } } });
  return Buffer.from(JSON.stringify({ status: 'ok', items }));
}

const SCENARIOS: Scenario[] = [
  {
    name: 'eight 10 MB Prometheus pages, `sum(m)`',
    pages: Array.from({ length: 8 }, (_, index) => ({
      path: `/heavy-${index}`,
      body: oneFamilyPage(10 * MB - 1024),
      contentType: 'text/plain; version=0.0.4',
    })),
    targets: (url) =>
      Array.from(
        { length: 8 },
        (_, index) => `  - name: heavy-${index}
    url: ${url}/heavy-${index}
    type: prometheus
    timeout: ${HEAVY_TIMEOUT}
    metrics: [{ name: M, query: sum(m) }]`,
      ).join('\n'),
  },
  {
    name: 'one 750k-series page, `count by (a) (m)`',
    pages: [{ path: '/many', body: manySeriesPage(750_000), contentType: 'text/plain; version=0.0.4' }],
    targets: (url) => `  - name: many-series
    url: ${url}/many
    type: prometheus
    timeout: ${HEAVY_TIMEOUT}
    maxBodySize: 32MB
    metrics: [{ name: M, query: count by (a) (m) }]`,
  },
  {
    name: 'one 1.3M-node JSON page, `$..a`',
    pages: [{ path: '/json', body: jsonPage(1_300_000), contentType: 'application/json' }],
    targets: (url) => `  - name: big-json
    url: ${url}/json
    type: json
    timeout: ${HEAVY_TIMEOUT}
    maxBodySize: 64MB
    metrics: [{ name: A, path: $..a }]`,
  },
];

interface RoundOutcome {
  results: { target: string; success: boolean; reason?: string; detail?: string; durationMs: number }[];
  wallMs: number;
  maxRssKb: number;
}

async function serve(pages: Scenario['pages']): Promise<{ url: string; close: () => Promise<void> }> {
  const byPath = new Map(pages.map((page) => [page.path, page]));
  const server = http.createServer((req, res) => {
    const page = byPath.get(req.url ?? '');
    if (page) {
      res.writeHead(200, { 'content-type': page.contentType, 'content-length': page.body.length });
      res.end(page.body);
      return;
    }
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok","goroutines":12}');
    }, HEALTHY_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function runScenario(scenario: Scenario, runner: string): Promise<RoundOutcome> {
  const server = await serve(scenario.pages);
  try {
    const healthy = Array.from(
      { length: HEALTHY_TARGETS },
      (_, index) => `  - name: healthy-${index}
    url: ${server.url}/healthy-${index}
    type: json
    timeout: ${HEALTHY_TIMEOUT}
    metrics: [{ name: Goroutines, path: $.goroutines }]`,
    ).join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-heavy-'));
    const file = join(dir, 'vigil.yml');
    // Heavy targets first: their bodies arrive while the healthy ones wait for their answers.
    writeFileSync(file, `targets:\n${scenario.targets(server.url)}\n${healthy}\n`);
    const child = spawn(process.execPath, [runner, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    await new Promise((resolve) => child.on('exit', resolve));
    return JSON.parse(out) as RoundOutcome;
  } finally {
    await server.close();
  }
}

export async function run(): Promise<BenchSection> {
  const rows: string[] = [];
  const runner = bundleLikeLambda(join(__dirname, 'heavy-round.ts'));
  for (const scenario of SCENARIOS) {
    const outcome = await runScenario(scenario, runner);
    const healthy = outcome.results.filter((result) => result.target.startsWith('healthy-'));
    const heavy = outcome.results.filter((result) => !result.target.startsWith('healthy-'));
    const falseFailures = healthy.filter((result) => !result.success);
    const pageMb =
      scenario.pages.reduce((sum, page) => sum + page.body.length, 0) / scenario.pages.length / MB;
    const heavyOutcome = [...new Set(heavy.map((result) => (result.success ? 'ok' : result.reason)))].join(
      ', ',
    );
    rows.push(
      `| ${scenario.name} | ${pageMb.toFixed(1)} MB | ${falseFailures.length} of ${healthy.length}${
        falseFailures.length > 0
          ? ` (${[...new Set(falseFailures.map((result) => result.reason))].join(', ')})`
          : ''
      } | ${Math.max(...healthy.map((result) => result.durationMs))} ms | ${heavyOutcome} | ${(outcome.maxRssKb / 1024).toFixed(0)} MB | ${(outcome.wallMs / 1000).toFixed(1)} s |`,
    );
  }
  const markdown = [
    `Each row is one probe round in a fresh process: the heavy targets plus ${HEALTHY_TARGETS} healthy JSON targets that answer a small page after ${HEALTHY_DELAY_MS} ms (timeout ${HEALTHY_TIMEOUT}). A healthy target that fails is a false failure caused by the heavy ones. Peak RSS is the round process's (\`process.resourceUsage().maxRSS\`); the probe Lambda has 512 MB. Node ${process.version}.`,
    '',
    '| heavy targets | page size | healthy targets failed | slowest healthy probe | heavy targets | peak RSS | round |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { title: 'Heavy pages next to healthy targets', markdown };
}

runAlone(module, run);
