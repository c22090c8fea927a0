/**
 * Rates across rounds: the probe round with the rate state (file store, as `vigil probe` and `vigil dev` keep it;
 * the S3 one is the same StateStore) against a loopback target whose counters the test moves, on a virtual clock
 * one round a minute. What the "when things go wrong" list asks: the first round publishes nothing for a
 * rate and is no failure, a restart is a reset, failed and missed rounds shorten the data, overlapping rounds keep
 * the state whole, vanished series expire, and every series carries `job` / `instance` as Prometheus sets them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import { INLINE_MAX_BYTES } from '../../functions/probing/inspection-pool';
import { type RoundOptions, runRound } from '../../functions/probing/run';
import { stateStore } from '../../functions/probing/state';
import type { StateStore } from '../../functions/probing/state/types';
import type { ProbeResult } from '../../functions/probing/types';
import { startHttpServer, type TestServer } from '../helpers/servers';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12);

let server: TestServer;
/** The page the target answers now; null answers 503. */
let page: string | null = '';

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    if (page === null) {
      res.writeHead(503);
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(page);
  });
});
afterAll(() => server.close());

function config(queries: Record<string, string>) {
  const metrics = Object.entries(queries)
    .map(([name, query]) => `      - { name: ${name}, query: '${query}' }`)
    .join('\n');
  return parseConfig(`targets:
  - name: api
    url: ${server.url}/metrics
    type: prometheus
    metrics:
${metrics}
`);
}

function counters(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([code, value]) => `http_requests_total{code="${code}"} ${value}`)
    .join('\n');
}

/** Runs rounds one a minute (virtual clock), the page of each given by `pageAt(minute)`. */
async function rounds(
  queries: Record<string, string>,
  pages: (string | null)[],
  options: { dir?: string; start?: number } = {},
): Promise<ProbeResult[]> {
  const cfg = config(queries);
  const store = stateStore({}, options.dir ?? mkdtempSync(join(tmpdir(), 'vigil-rates-')));
  const results: ProbeResult[] = [];
  for (const [minute, body] of pages.entries()) {
    page = body;
    const at = new Date((options.start ?? T0) + minute * MINUTE);
    const round: RoundOptions = { now: () => at, state: { store } };
    const report = await runRound(cfg, round);
    expect(report.state?.problems).toEqual([]);
    results.push(report.results[0]!);
  }
  return results;
}

const values = (result: ProbeResult | undefined, metric: string) =>
  result?.values.filter((value) => value.metric === metric).map((value) => value.value);

describe('rates across rounds', () => {
  it('publishes nothing on the first round, without failing the probe, then the rate Prometheus computes', async () => {
    // 60 requests a minute: 1 per second.
    const pages = [0, 1, 2, 3, 4, 5].map((minute) => counters({ 200: 1000 + 60 * minute }));
    const results = await rounds({ Qps: 'sum(rate(http_requests_total[5m]))' }, pages);

    expect(results[0]).toMatchObject({ success: true, values: [] });
    expect(results[0]?.reason).toBeUndefined();
    expect(results[0]?.warnings).toEqual([
      'Qps: sum(rate(http_requests_total[5m])) has no value yet (its 5m window holds this round only; it needs two samples)',
    ]);
    // Minute 1: two samples a minute apart, extrapolated by half an interval at the start (functions.go).
    expect(values(results[1], 'Qps')![0]).toBeCloseTo((60 * 1.5) / 300, 12);
    // Minute 5: the window (0m, 5m] holds minutes 1..5, extrapolated to its start: exactly 1/s.
    expect(values(results[5], 'Qps')![0]).toBeCloseTo(1, 12);
  });

  it('treats a counter that goes down (a restart) as a reset, never a negative rate', async () => {
    const pages = [100, 160, 220, 10, 70, 130].map((value) => counters({ 200: value }));
    const results = await rounds({ Qps: 'sum(rate(http_requests_total[5m]))' }, pages);
    const rates = results.slice(1).map((result) => values(result, 'Qps')![0]!);
    expect(rates.every((rate) => rate > 0)).toBe(true);
    // Minute 5: the window (0m, 5m] holds 160, 220, 10, 70, 130: increases 60, 10 (from 0 after the reset), 60, 60
    // = 190 over 240s, extrapolated to 300s.
    expect(rates[4]).toBeCloseTo((190 * 300) / 240 / 300, 12);
  });

  it('marks the series stale when a scrape fails: the window shortens, nothing is invented', async () => {
    const pages = [counters({ 200: 0 }), counters({ 200: 60 }), null, counters({ 200: 180 })];
    const results = await rounds(
      { Qps: 'sum(rate(http_requests_total[5m]))', Up: 'count(http_requests_total)' },
      pages,
    );
    expect(results[2]).toMatchObject({ success: false, reason: 'status', values: [] });
    // Minute 3: samples at 0, 1 and 3 (the stale marker at 2 is skipped): 180 over 180s. The start is too far for
    // extrapolation (120s ≥ 1.1 × the 90s average), and a counter starting at 0 is not extrapolated below zero.
    expect(values(results[3], 'Qps')![0]).toBeCloseTo(180 / 300, 12);
    expect(values(results[3], 'Up')).toEqual([1]);
  });

  it('forgets a series that vanished, after a staleness marker, once its samples left every window', async () => {
    const both = (minute: number) => counters({ 200: 60 * minute, 500: 6 * minute });
    const only200 = (minute: number) => counters({ 200: 60 * minute });
    const pages = [both(0), both(1), only200(2), only200(3)];
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rates-'));
    const results = await rounds({ ByCode: 'sum by (code) (rate(http_requests_total[5m]))' }, pages, { dir });
    // Minute 2: code 500 is gone from the page, so Prometheus writes a staleness marker; its earlier samples are
    // still in the window, so its rate is still computed from them, as Prometheus computes it.
    expect(results[2]?.values.map((value) => value.dimensions.code)).toEqual(['200', '500']);
    expect(results[3]?.values.map((value) => value.dimensions.code)).toEqual(['200', '500']);
    // Minute 9: its last sample (minute 1) and its marker (minute 2) are older than any 5m window.
    const later = await rounds(
      { ByCode: 'sum by (code) (rate(http_requests_total[5m]))' },
      [only200(9), only200(10)],
      { dir, start: T0 + 9 * MINUTE },
    );
    expect(later[1]?.values.map((value) => value.dimensions.code)).toEqual(['200']);
    const kept = (await stateStore({}, dir).read('round')).state.targets.api?.series;
    expect(kept?.map((series) => series.labels.code)).toEqual(['200']);
  });

  it('hands the history to the inspection worker with a large page (packed), and the rate comes out the same', async () => {
    // Over INLINE_MAX_BYTES: inspected in the worker thread, the history crossing with the request.
    const padding = Array.from({ length: 12_000 }, (_, i) => `padding_gauge{i="${i}"} ${i}`).join('\n');
    const pages = [0, 1, 2, 3, 4, 5].map(
      (minute) => `${counters({ 200: 1000 + 60 * minute })}\n${padding}\n`,
    );
    expect(Buffer.byteLength(pages[0]!)).toBeGreaterThan(INLINE_MAX_BYTES);
    const results = await rounds({ Qps: 'sum(rate(http_requests_total[5m]))' }, pages);
    expect(values(results[5], 'Qps')![0]).toBeCloseTo(1, 12);
  });

  it('keeps both rounds of two that overlap (conditional writes), in time order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rates-'));
    const cfg = config({ Qps: 'sum(rate(http_requests_total[5m]))' });
    const store = stateStore({}, dir);
    page = counters({ 200: 0 });
    await runRound(cfg, { now: () => new Date(T0), state: { store } });
    page = counters({ 200: 60 });
    const [a, b] = await Promise.all([
      runRound(cfg, { now: () => new Date(T0 + MINUTE), state: { store } }),
      runRound(cfg, { now: () => new Date(T0 + 2 * MINUTE), state: { store } }),
    ]);
    expect([a.state?.written?.written, b.state?.written?.written]).toEqual([true, true]);
    const snapshot = await store.read('round');
    const samples = snapshot.state.targets.api?.series[0]?.samples.map((sample) => sample.t);
    // Whichever wrote first, the other re-read and appended only after the last sample: ascending, none twice.
    expect(samples?.[0]).toBe(T0);
    expect([...(samples ?? [])].sort((x, y) => x - y)).toEqual(samples);
    expect(new Set(samples).size).toBe(samples?.length);
  });

  it.each([
    ['read', { read: () => new Promise<never>(() => undefined) }],
    ['write', { update: () => new Promise<never>(() => undefined) }],
  ])(
    'finishes within its deadline when the state store never answers a %s, and says why',
    async (what, hang) => {
      page = counters({ '200': 1 });
      const store = {
        ...stateStore({}, mkdtempSync(join(tmpdir(), 'vigil-rates-hang-'))),
        ...hang,
      } as StateStore;
      const started = Date.now();

      const report = await runRound(config({ Rate: 'rate(http_requests_total[5m])' }), {
        deadline: started + 8_000,
        state: { store },
      });

      expect(Date.now() - started).toBeLessThan(8_000 + 500);
      expect(report.results.map((result) => result.success)).toEqual([true]);
      expect(report.state?.problems.join('\n')).toMatch(
        what === 'read' ? /could not be read \(not read before/ : /could not be written \(not written before/,
      );
    },
  );

  it('gives every series job and instance as a Prometheus scrape does, the page’s own kept as exported_', async () => {
    page = 'm{instance="inner"} 1\n';
    const [result] = await rounds(
      { Labels: 'count by (job, instance, exported_instance) (m)', Name: 'count(m{job="api"})' },
      [page],
    );
    expect(result?.values).toEqual([
      {
        metric: 'Labels',
        unit: 'None',
        value: 1,
        // job and instance are the Target dimension already; what the page called instance is kept.
        dimensions: { exported_instance: 'inner' },
      },
      { metric: 'Name', unit: 'None', value: 1, dimensions: {} },
    ]);
  });
});
