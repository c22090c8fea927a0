/**
 * A heavy page costs only itself: healthy targets probed in the same round as large Prometheus pages keep their
 * timeouts honest, and a page too heavy for the inspection worker's heap fails its own target only.
 * (bench/heavy-pages.ts measures the same with bigger pages, in a bundled child process.)
 */
import { parseConfig } from '../../functions/config/load';
import { INSPECTION_HEAP_MB } from '../../functions/probing/inspection-pool';
import { runRound } from '../../functions/probing/run';
import { oneFamilyPage } from '../helpers/pages';
import { startHttpServer, type TestServer } from '../helpers/servers';

const HEALTHY = 12;
const HEALTHY_DELAY_MS = 100;
// Healthy targets get 2 s (20× their answer time): parsing the three pages takes ~1.5 s each, so on one event loop
// they would time out; the margin is for CI machines shared with other test runs, which delay every timer a little.
const MB = 1024 * 1024;

/** The most series a byte can buy (`m{b="<base36>"} 1`): ~20× its size as parsed samples, more than the worker's heap. */
function tooHeavyPage(series: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < series; i++) lines.push(`m{b="${i.toString(36)}"} 1\n`);
  return Buffer.from(lines.join(''));
}

let server: TestServer;
const pages = new Map<string, Buffer>();

beforeAll(async () => {
  for (let index = 0; index < 3; index++) pages.set(`/heavy-${index}`, oneFamilyPage(8 * MB));
  pages.set('/too-heavy', tooHeavyPage(900_000));
  server = await startHttpServer((req, res) => {
    const page = pages.get(req.url ?? '');
    if (page) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': page.length });
      res.end(page);
      return;
    }
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"goroutines":12}');
    }, HEALTHY_DELAY_MS);
  });
});

afterAll(() => server.close());

function config(heavyPaths: readonly string[]) {
  const heavy = heavyPaths.map(
    (path, index) => `  - name: heavy-${index}
    url: ${server.url}${path}
    type: prometheus
    timeout: 20s
    maxBodySize: 16MB
    metrics: [{ name: M, query: sum(m) }]`,
  );
  const healthy = Array.from(
    { length: HEALTHY },
    (_, index) => `  - name: healthy-${index}
    url: ${server.url}/healthy-${index}
    type: json
    timeout: 2s
    metrics: [{ name: Goroutines, path: $.goroutines }]`,
  );
  return parseConfig(`targets:\n${[...heavy, ...healthy].join('\n')}\n`);
}

describe('heavy pages cost only themselves', () => {
  it('keeps every healthy target up while three 8 MB pages are parsed and evaluated in the same round', async () => {
    const report = await runRound(config(['/heavy-0', '/heavy-1', '/heavy-2']));
    const healthy = report.results.filter((result) => result.target.startsWith('healthy-'));
    expect(healthy.map((result) => [result.target, result.detail ?? 'ok'])).toEqual(
      healthy.map((result) => [result.target, 'ok']),
    );
    const heavy = report.results.filter((result) => result.target.startsWith('heavy-'));
    expect(heavy.map((result) => result.success)).toEqual([true, true, true]);
    expect(heavy[0]?.values).toEqual([expect.objectContaining({ metric: 'M', value: expect.any(Number) })]);
  }, 60_000);

  it(`fails only the page that needs more than the worker's ${INSPECTION_HEAP_MB} MB, with a reason`, async () => {
    const report = await runRound(config(['/too-heavy', '/heavy-0']));
    const byTarget = Object.fromEntries(report.results.map((result) => [result.target, result]));
    expect(byTarget['heavy-0']).toMatchObject({
      success: false,
      reason: 'parse',
      detail: expect.stringContaining(`needed more than the ${INSPECTION_HEAP_MB} MB`),
    });
    expect(byTarget['heavy-1']).toMatchObject({ success: true });
    const healthy = report.results.filter((result) => result.target.startsWith('healthy-'));
    expect(
      healthy
        .filter((result) => !result.success)
        .map((result) => [result.target, result.reason, result.detail]),
    ).toEqual([]);
  }, 60_000);

  it('ends the round at its deadline, inspections queued or running included: those pages are not probed', async () => {
    const started = Date.now();
    // Three 8 MB pages take ~1.5 s each in the one worker; the round has 2.5 s.
    const report = await runRound(config(['/heavy-0', '/heavy-1', '/heavy-2']), {
      deadline: started + 2_500,
    });
    expect(Date.now() - started).toBeLessThan(2_500 + 1_500);
    const heavy = report.results.filter((result) => result.target.startsWith('heavy-'));
    expect(heavy.some((result) => result.reason === 'deadline')).toBe(true);
    expect(report.unfinished).toEqual(
      heavy.filter((result) => result.reason === 'deadline').map((result) => result.target),
    );
    // Healthy targets answer in 100 ms: none fails for the pages (on a loaded machine the deadline may cut one).
    const healthy = report.results.filter((result) => result.target.startsWith('healthy-'));
    expect(
      healthy
        .filter((result) => !result.success && result.reason !== 'deadline')
        .map((result) => result.target),
    ).toEqual([]);
  }, 60_000);
});
