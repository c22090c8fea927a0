/**
 * Live, against a real Prometheus (Debian's 2.42): the issue's rules file, unchanged, loaded by both. A loopback
 * target's counters and histogram move at known rates (linear in real time); Prometheus scrapes it every second
 * and evaluates the file every second, while vigil probes it in rounds with its rate state. At the moments vigil
 * evaluates, every metric vigil publishes agrees with what Prometheus computes for the same expression (within
 * 1%), and the alerting rules active in Prometheus (pending or firing) are exactly those whose vigil metric
 * breaches its threshold.
 *
 * The [5m] windows of the file would take five minutes to fill, so both start with the same five and a half
 * minutes of history, one sample a second: Prometheus backfilled with promtool, vigil's rate state written
 * before its first round. After that everything is live.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../functions/config/load';
import { stateHash, WHOLE_ROUND_SHARD } from '../../functions/probing/round-state';
import { runRound } from '../../functions/probing/run';
import { stateStore } from '../../functions/probing/state';
import type { SeriesSamples } from '../../functions/promql';
import { type PrometheusServer, startPrometheus } from '../helpers/prometheus';
import { startHttpServer, type TestServer } from '../helpers/servers';

const RULES = join(__dirname, '../fixtures/rules/mall_go_rules.yml');
const HISTORY_S = 330;

/** Per second: requests by status, and the share of requests at or below each bucket (a slow service). */
const RATES = { ok: 1188, errors: 12 };
const BUCKETS: [le: string, share: number][] = [
  ['0.05', 0.3],
  ['0.1', 0.5],
  ['0.25', 0.8],
  ['0.5', 0.97],
  ['+Inf', 1],
];
const T0 = Date.now() - 1_000_000;

/** Every series of the target at time `t` (ms): counters grow linearly from far above zero. */
function seriesAt(t: number): { name: string; labels: Record<string, string>; value: number }[] {
  const seconds = (t - T0) / 1000;
  const total = RATES.ok + RATES.errors;
  return [
    { name: 'mall_go_http_requests_total', labels: { status: '200' }, value: 1e6 + RATES.ok * seconds },
    { name: 'mall_go_http_requests_total', labels: { status: '500' }, value: 1e5 + RATES.errors * seconds },
    ...BUCKETS.map(([le, share]) => ({
      name: 'mall_go_http_request_duration_seconds_bucket',
      labels: { le },
      value: 5e5 + total * share * seconds,
    })),
    { name: 'mall_go_database_connections', labels: { state: 'active' }, value: 85 },
    { name: 'node_memory_MemTotal_bytes', labels: {}, value: 8e9 },
    { name: 'node_memory_MemAvailable_bytes', labels: {}, value: 0.8e9 },
  ];
}

function page(t: number): string {
  return `${seriesAt(t)
    .map(({ name, labels, value }) => {
      const pairs = Object.entries(labels).map(([label, v]) => `${label}="${v}"`);
      return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`;
    })
    .join('\n')}\n`;
}

/** The same history for both: one sample a second up to two seconds ago, with the labels a scrape attaches. */
function history(instance: string, until: number): SeriesSamples[] {
  const first = Math.floor(until / 1000) * 1000 - HISTORY_S * 1000;
  const times = Array.from({ length: HISTORY_S - 1 }, (_, i) => first + i * 1000);
  return seriesAt(first).map(({ name, labels }, index) => ({
    labels: { __name__: name, ...labels, job: 'mall-go', instance },
    samples: times.map((t) => ({ t, v: seriesAt(t)[index]!.value })),
  }));
}

let target: TestServer;
let prometheus: PrometheusServer;
let stateDir: string;

beforeAll(async () => {
  target = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(page(Date.now()));
  });
  const instance = `127.0.0.1:${target.port}`;
  prometheus = await startPrometheus(history(instance, Date.now() - 2_000), {
    config: `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${JSON.stringify(RULES)}]
scrape_configs:
  - job_name: mall-go
    static_configs: [{ targets: ['${instance}'] }]
`,
  });
  stateDir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await target?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Waits until Prometheus holds `count` live scrapes of the target (after the backfill). */
async function untilScraped(count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const answer = await prometheus.query('count_over_time(up[1m])', Date.now());
    if (answer.ok && answer.value.type === 'vector' && (answer.value.series[0]?.value ?? 0) >= count) {
      await sleep(1_000);
      return;
    }
    await sleep(250);
  }
  throw new Error('Prometheus did not scrape the target in 20s');
}

const close = (a: number, b: number) => Math.abs(a - b) <= 0.01 * Math.max(Math.abs(a), Math.abs(b));

describe('the issue’s rules file, live, in vigil and in a real Prometheus', () => {
  it('publishes the metrics Prometheus computes (within 1%) and has the same rules active', async () => {
    const config = parseConfig(`targets:
  - name: mall-go
    url: ${target.url}/metrics
    type: prometheus
    rules: ${RULES}
`);
    const mallGo = config.targets[0]!;
    if (mallGo.type !== 'prometheus') throw new Error('expected a prometheus target');
    const store = stateStore({}, stateDir);
    const seeded = history(`127.0.0.1:${target.port}`, Date.now() - 2_000);
    await store.update(WHOLE_ROUND_SHARD, () => ({
      writtenAt: Date.now() - 2_000,
      configHashes: { 'mall-go': stateHash(mallGo) },
      targets: {
        'mall-go': {
          series: seeded.map((series) => ({ labels: { ...series.labels }, samples: [...series.samples] })),
        },
      },
    }));
    // Prometheus' discovery hands targets over every 5s; wait for its first two live scrapes and evaluations.
    await untilScraped(2);

    const compared: string[] = [];
    for (let round = 0; round < 3; round++) {
      const report = await runRound(config, { state: { store } });
      const [result] = report.results;
      expect(result).toMatchObject({ success: true });
      expect(report.state?.problems).toEqual([]);
      const at = result!.timestamp.getTime();
      for (const metric of mallGo.rules?.metrics ?? []) {
        const ours = result!.values.filter((value) => value.metric === metric.name);
        const answer = await prometheus.query(metric.query, at);
        if (!answer.ok || answer.value.type !== 'vector')
          throw new Error(`${metric.query}: ${JSON.stringify(answer)}`);
        const theirs = answer.value.series.map((series) => {
          const { __name__: _n, job: _j, instance: _i, ...dimensions } = series.labels;
          return { dimensions, value: series.value };
        });
        expect(ours.map((value) => value.dimensions)).toEqual(theirs.map((series) => series.dimensions));
        for (const [index, value] of ours.entries()) {
          const expected = theirs[index]!.value;
          if (!close(value.value, expected)) {
            throw new Error(
              `${metric.name} ${JSON.stringify(value.dimensions)}: vigil ${value.value}, Prometheus ${expected}`,
            );
          }
        }
        compared.push(`${metric.name}=${ours.map((value) => value.value.toPrecision(4)).join(',')}`);
      }
      if (round < 2) await sleep(1_000);
    }
    // The known rates (4 digits: the page is served a few ms after the scrape's timestamp): 1188 + 12 a second, a p95 of 0.25 + 0.25 × 180/204, the gauges as served.
    expect(compared.slice(-5)).toEqual([
      'HighQPS=1188,12.00',
      'HighResponseTime=0.4706',
      'HighErrorRate=1.000',
      'DatabaseConnectionsHigh=85.00',
      'HighMemoryUsage=0.9000',
    ]);

    // Active in Prometheus (pending: their `for:` is minutes) ⇔ breaching in vigil.
    const active = new Set((await prometheus.alerts()).map((alert) => alert.labels.alertname));
    const breaching = new Set<string>();
    const last = (await runRound(config, { state: { store } })).results[0]!;
    for (const metric of mallGo.rules?.metrics ?? []) {
      for (const alarm of metric.alarms) {
        const { op, threshold } = alarm.comparison;
        const values = last.values
          .filter((value) => value.metric === metric.name)
          .map((value) => value.value);
        if (
          values.some((value) =>
            op === '>'
              ? value > threshold
              : op === '>='
                ? value >= threshold
                : op === '<'
                  ? value < threshold
                  : value <= threshold,
          )
        ) {
          breaching.add(alarm.alert);
        }
      }
    }
    expect([...breaching].sort()).toEqual([
      'DatabaseConnectionsHigh',
      'HighErrorRate',
      'HighMemoryUsage',
      'HighQPS',
      'HighResponseTime',
    ]);
    expect([...active].sort()).toEqual([...breaching].sort());
  }, 30_000);
});
