/// <reference lib="dom" />
// (The functions passed to page.evaluate run in the browser: they need the DOM types.)
/**
 * The page with a day of 5-second data for 50 series (10 targets × 5 metrics, 864,000 points): the bytes its data
 * endpoints send, the server's time to answer, and the time until headless Chromium has drawn every chart. Then
 * the charting library on its own, uPlot against Chart.js (the most used canvas alternative), each drawing the
 * same raw day (17,280 points × 50 charts) in the same browser, and the bytes each library costs the page.
 *
 * Standalone: `npx tsx bench/ui.ts` prints the markdown section.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '../functions/config/load';
import { localAlarmDefinitions } from '../functions/dev/alarms';
import { SampleIndex } from '../functions/dev/store';
import type { AlertStateStore } from '../functions/state/item-store';
import { openAlarmHistory } from '../functions/ui/alarm-history';
import { createUi } from '../functions/ui/routes';
import { openBrowser } from '../test/helpers/browser';
import { type BenchSection, runAlone } from './types';

const TARGETS = 10;
const METRICS = ['ProbeSuccess', 'ProbeDuration', 'Goroutines', 'MemoryAllocMB', 'Http5xx'] as const;
const INTERVAL_MS = 5_000;
const DAY_MS = 24 * 3600_000;
const POINTS = DAY_MS / INTERVAL_MS;
const RUNS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function dayOfData(now: number): SampleIndex {
  const index = new SampleIndex();
  for (let target = 0; target < TARGETS; target++)
    for (const [m, metric] of METRICS.entries())
      for (let point = 0; point < POINTS; point++) {
        const timestamp = now - DAY_MS + point * INTERVAL_MS;
        const wave = Math.sin((point + target * 97 + m * 13) / 400);
        index.add({
          namespace: 'Vigil',
          metricName: metric,
          dimensions: { Target: `service-${target}` },
          unit: 'Count',
          timestamp,
          value: metric === 'ProbeSuccess' ? (point % 997 === 0 ? 0 : 1) : Math.round(1000 + 800 * wave),
        });
      }
  return index;
}

const emptyState: AlertStateStore = {
  description: 'none',
  get: async () => undefined,
  put: async () => undefined,
  delete: async () => false,
  list: async () => [],
  close: async () => undefined,
};

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

/** A page drawing the raw day with one library; reports the ms from data ready to two frames after the last chart. */
function libraryPage(library: 'uplot' | 'chartjs' | 'chartjs-decimated'): string {
  const script =
    library === 'uplot'
      ? '<link rel="stylesheet" href="/uplot.css"><script src="/uplot.js"></script>'
      : '<script src="/chart.js"></script>';
  const draw =
    library === 'uplot'
      ? `new uPlot({ width: 600, height: 170, series: [{}, { stroke: 'green', points: { show: false } }] }, [xs, ys], holder);`
      : `const canvas = document.createElement('canvas'); holder.append(canvas);
         new Chart(canvas, { type: 'line', data: { datasets: [{ data: xs.map((x, i) => ({ x, y: ys[i] })), borderWidth: 1.5, pointRadius: 0 }] },
           options: { animation: false, parsing: false, normalized: true, responsive: false, spanGaps: true,
             scales: { x: { type: 'linear' } }, plugins: { legend: { display: false }${library === 'chartjs-decimated' ? ", decimation: { enabled: true, algorithm: 'min-max' }" : ''} } } });
         canvas.width = 600; canvas.height = 170;`;
  return `<!doctype html><html><body>${script}<script>
    const xs = Array.from({ length: ${POINTS} }, (_, i) => 1.7e9 + i * 5);
    const series = Array.from({ length: ${TARGETS * METRICS.length} }, (_, s) => xs.map((_, i) => Math.round(1000 + 800 * Math.sin((i + s * 97) / 400))));
    const started = performance.now();
    for (const ys of series) { const holder = document.createElement('div'); document.body.append(holder); ${draw} }
    requestAnimationFrame(() => requestAnimationFrame(() => { document.body.dataset.ms = String(performance.now() - started); }));
  </script></body></html>`;
}

export async function run(): Promise<BenchSection> {
  const now = Date.now();
  const index = dayOfData(now);
  const config = parseConfig(
    `targets:\n${Array.from({ length: TARGETS }, (_, i) => `  - { name: service-${i}, url: "http://127.0.0.1:1/", type: http }`).join('\n')}\nroutes:\n  - channels: [console]\n`,
  );
  const history = await openAlarmHistory(join(tmpdir(), 'vigil-ui-bench-history.jsonl'), {
    retentionMs: 0,
    now: () => now,
  });
  const ui = createUi({
    mode: 'dev',
    config,
    state: emptyState,
    deadLetters: {
      store: {
        description: 'none',
        put: async () => undefined,
        list: async () => [],
        remove: async () => undefined,
        requeue: async () => undefined,
      },
      file: join(tmpdir(), 'vigil-ui-bench-none.jsonl'),
    },
    metrics: {
      store: { series: () => index.series(), file: 'memory' },
      definitions: localAlarmDefinitions(config, INTERVAL_MS),
      states: () => ({}),
      since: () => ({}),
      history,
      intervalMs: INTERVAL_MS,
    },
    now: () => now,
  });
  const server = createServer((req, res) => {
    if (!ui.handle(req, res, { hmacHeader: 'x' })) res.writeHead(404).end();
  });
  const base = await listen(server);

  const query = `from=${now - DAY_MS}&to=${now + 1}&points=700`;
  const timed = async (path: string) => {
    const start = performance.now();
    const body = await (await fetch(`${base}${path}`)).text();
    return { ms: performance.now() - start, bytes: Buffer.byteLength(body), gzip: gzipSync(body).length };
  };
  const seriesRuns = [];
  for (let i = 0; i < RUNS; i++) seriesRuns.push(await timed(`/ui/api/series?${query}`));
  const overview = await timed('/ui/api/overview');
  const raw = await timed(`/ui/api/series?from=${now - DAY_MS}&to=${now + 1}&points=5000`);

  const browser = await openBrowser({ width: 1400, height: 1000 });
  const pageRuns: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await browser.page.goto(`${base}/`);
      await browser.page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      await browser.page.waitForFunction(
        () =>
          [...document.querySelectorAll<HTMLElement>('.chart')].every(
            (chart) => Number(chart.dataset.points) > 0,
          ),
        undefined,
        { timeout: 60_000 },
      );
      pageRuns.push(performance.now() - start);
    }
  } finally {
    await browser.close();
    server.close();
    await ui.close();
  }

  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const chartJs = readFileSync(join(require.resolve('chart.js'), '..', 'chart.umd.min.js'));
  const libServer = createServer((req, res) => {
    const files: Record<string, [Buffer | string, string]> = {
      '/uplot.js': [uplotJs, 'text/javascript'],
      '/uplot.css': [readFileSync(require.resolve('uplot/dist/uPlot.min.css')), 'text/css'],
      '/chart.js': [chartJs, 'text/javascript'],
      '/uplot': [libraryPage('uplot'), 'text/html'],
      '/chartjs': [libraryPage('chartjs'), 'text/html'],
      '/chartjs-decimated': [libraryPage('chartjs-decimated'), 'text/html'],
    };
    const file = files[req.url ?? ''];
    if (file) res.writeHead(200, { 'content-type': file[1] }).end(file[0]);
    else res.writeHead(404).end();
  });
  const libBase = await listen(libServer);
  const libraries: Record<string, number[]> = { uplot: [], chartjs: [], 'chartjs-decimated': [] };
  const libBrowser = await openBrowser({ width: 1400, height: 1000 });
  try {
    for (let i = 0; i < RUNS; i++)
      for (const name of Object.keys(libraries)) {
        await libBrowser.page.goto(`${libBase}/${name}`);
        const ms = await libBrowser.page.waitForFunction(() => document.body.dataset.ms, undefined, {
          timeout: 120_000,
        });
        libraries[name]!.push(Number(await ms.jsonValue()));
      }
  } finally {
    await libBrowser.close();
    libServer.close();
  }

  const u = median(libraries.uplot!);
  const c = median(libraries.chartjs!);
  const cd = median(libraries['chartjs-decimated']!);
  const s = seriesRuns.at(-1)!;
  return {
    title: 'Page: a day of 5 s data × 50 series',
    markdown: `${TARGETS} targets × ${METRICS.length} metrics at a 5 s interval for 24 h: ${(TARGETS * METRICS.length * POINTS).toLocaleString('en-US')} points in the metric store's index. Median of ${RUNS} runs, headless Chromium (Debian's) on this machine, loopback.

| what | bytes | gzip | time |
| --- | ---: | ---: | ---: |
| \`/ui/api/series\` for the day, 700 buckets per chart (lowest + highest point each) | ${kb(s.bytes)} | ${kb(s.gzip)} | ${median(seriesRuns.map((run) => run.ms)).toFixed(0)} ms |
| \`/ui/api/series\` for the day, 5,000 buckets (the most a zoom asks for) | ${kb(raw.bytes)} | ${kb(raw.gzip)} | ${raw.ms.toFixed(0)} ms |
| \`/ui/api/overview\` (targets, strips, alarms, 50 chart specs) | ${kb(overview.bytes)} | ${kb(overview.gzip)} | ${overview.ms.toFixed(0)} ms |
| the page: navigation until all 50 charts have drawn their data | | | ${median(pageRuns).toFixed(0)} ms |

The charting library alone, drawing the raw day (17,280 points per chart, 50 charts, no thinning), from data in memory to two frames after the last chart:

| library | minified | gzip | draw 50 × 17,280 points | vs uPlot |
| --- | ---: | ---: | ---: | ---: |
| uPlot 1.6 (chosen) | ${kb(uplotJs.length)} | ${kb(gzipSync(uplotJs).length)} | ${u.toFixed(0)} ms | 1.00× |
| Chart.js 4.6, linear x axis, animation off | ${kb(chartJs.length)} | ${kb(gzipSync(chartJs).length)} | ${c.toFixed(0)} ms | ${(c / u).toFixed(2)}× |
| Chart.js 4.6 with its min-max decimation plugin | ${kb(chartJs.length)} | ${kb(gzipSync(chartJs).length)} | ${cd.toFixed(0)} ms | ${(cd / u).toFixed(2)}× |

The page never sends the raw day: the series endpoint thins each line to the lowest and highest point per bucket (a spike survives), and a zoom asks for the zoomed range again. uPlot is also the smaller download; Chart.js would need a date adapter on top for a time axis (the linear axis above is the generous comparison).`,
  };
}

runAlone(module, run);
