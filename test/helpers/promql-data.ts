/**
 * The series the PromQL differential test feeds both to a real Prometheus and to vigil's engine: counters with
 * steady rates and a reset, missed scrapes, a latency histogram with known bucket rates, non-monotonic and NaN
 * buckets, odd `le` spellings, NaN gauges, a series that appears and vanishes, and node_exporter-style gauges.
 * Samples sit on whole seconds and evaluation instants on half seconds, so no sample ever lies exactly on a
 * window edge (where Prometheus 2.42's closed windows and Prometheus 3's left-open ones differ by design).
 */
import type { SeriesSamples } from '../../functions/promql';
import { random } from './fuzz';

/** 2023-11-14T22:13:20Z, whole seconds; all data fits one 2h TSDB block. */
export const T0 = 1_700_000_000_000;
export const SCRAPE_MS = 15_000;
const MINUTE = 60_000;
export const DURATION_MS = 60 * MINUTE;

/**
 * Evaluation instants, on half seconds: before job_up appears (20m), while it and the counter reset are in the
 * windows (35m), 3m after job_up vanished, still inside the 5m lookback (43m), and in gappy_total's 7m gap (50m).
 */
export const INSTANTS = [
  20 * MINUTE + 7_500,
  35 * MINUTE + 500,
  43 * MINUTE + 30_500,
  50 * MINUTE + 12_500,
].map((offset) => T0 + offset);

const next = random(8);

function scrapeTimes(from = 0, to = DURATION_MS, skip: (offset: number) => boolean = () => false): number[] {
  const times: number[] = [];
  for (let offset = from; offset <= to; offset += SCRAPE_MS) if (!skip(offset)) times.push(T0 + offset);
  return times;
}

/** A counter growing at about `perSecond`, with integer jitter; `resetAt` (offset) restarts it from near zero. */
function counter(
  labels: Record<string, string>,
  perSecond: number,
  options: { resetAt?: number; skip?: (offset: number) => boolean } = {},
): SeriesSamples {
  let value = Math.floor(next() * 1000);
  const samples = scrapeTimes(0, DURATION_MS, options.skip).map((t, i) => {
    if (i > 0) value += Math.round(perSecond * (SCRAPE_MS / 1000) * (0.9 + 0.2 * next()));
    if (options.resetAt !== undefined && t === T0 + options.resetAt) value = Math.floor(next() * 50);
    return { t, v: value };
  });
  return { labels, samples };
}

function gauge(
  labels: Record<string, string>,
  value: (t: number, i: number) => number,
  from = 0,
  to = DURATION_MS,
): SeriesSamples {
  return { labels, samples: scrapeTimes(from, to).map((t, i) => ({ t, v: value(t, i) })) };
}

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
/** Observations per second falling at or below each bucket bound, per instance. */
const BUCKET_RATES: Record<string, number[]> = {
  'a:8080': [5, 20, 60, 200, 500, 900, 1100, 1180, 1195, 1199, 1200, 1200],
  'b:8080': [1, 4, 10, 40, 100, 300, 600, 800, 880, 898, 900, 900],
};

function histogram(): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  for (const [instance, rates] of Object.entries(BUCKET_RATES)) {
    BUCKETS.forEach((le, i) => {
      const name = 'mall_go_http_request_duration_seconds_bucket';
      out.push({
        labels: { __name__: name, instance, le },
        samples: scrapeTimes().map((t) => ({ t, v: Math.round(rates[i]! * ((t - T0) / 1000 + 600)) })),
      });
    });
    out.push(
      gauge(
        { __name__: 'mall_go_http_request_duration_seconds_count', instance },
        (t) => rates[rates.length - 1]! * ((t - T0) / 1000 + 600),
      ),
    );
    out.push(
      gauge(
        { __name__: 'mall_go_http_request_duration_seconds_sum', instance },
        (t) => rates[rates.length - 1]! * 0.07 * ((t - T0) / 1000 + 600),
      ),
    );
  }
  return out;
}

function fixedBuckets(name: string, counts: Record<string, number>): SeriesSamples[] {
  return Object.entries(counts).map(([le, count]) => gauge({ __name__: name, le }, () => count));
}

const minutes = (offset: number) => offset / MINUTE;

export const SERIES: SeriesSamples[] = [
  counter(
    { __name__: 'mall_go_http_requests_total', instance: 'a:8080', method: 'GET', status: '200' },
    1200,
  ),
  counter({ __name__: 'mall_go_http_requests_total', instance: 'a:8080', method: 'GET', status: '500' }, 10),
  counter({ __name__: 'mall_go_http_requests_total', instance: 'a:8080', method: 'GET', status: '503' }, 2),
  counter(
    { __name__: 'mall_go_http_requests_total', instance: 'a:8080', method: 'POST', status: '200' },
    300,
  ),
  counter(
    { __name__: 'mall_go_http_requests_total', instance: 'b:8080', method: 'GET', status: '200' },
    900,
    { resetAt: 30 * MINUTE },
  ),
  counter({ __name__: 'mall_go_http_requests_total', instance: 'b:8080', method: 'GET', status: '500' }, 5, {
    resetAt: 30 * MINUTE,
  }),
  // Missed scrapes: a short gap around 33m and one longer than the 5m lookback from 45m to 52m.
  counter({ __name__: 'gappy_total', job: 'batch' }, 3, {
    skip: (offset) =>
      (minutes(offset) > 32 && minutes(offset) < 34.5) || (minutes(offset) > 45 && minutes(offset) < 52),
  }),
  ...histogram(),
  ...fixedBuckets('broken_seconds_bucket', { '0.1': 10, '0.5': 30, '1': 25, '2': 60, '5': 55, '+Inf': 70 }),
  ...fixedBuckets('weird_bucket', { '0.1': Number.NaN, '0.5': 3, '1': 4, '+Inf': 5 }),
  ...fixedBuckets('odd_bucket', { '0x1p-2': 3, '1_0': 6, '1e400': 100, inf: 10, '+Inf': 10, abc: 7 }),
  gauge({ __name__: 'temperature_celsius', room: 'kitchen' }, (_t, i) =>
    i % 17 === 5 ? Number.NaN : 20 + Math.sin(i / 7) * 2,
  ),
  gauge({ __name__: 'temperature_celsius', room: 'cellar' }, (_t, i) => 12 + (i % 9) * 0.25),
  gauge({ __name__: 'temperature_celsius', room: 'attic' }, (_t, i) =>
    i > 100 && i < 170 ? Number.NaN : 25.5 + (i % 4),
  ),
  // Appears at 25m, vanishes after 40m.
  gauge({ __name__: 'job_up', job: 'cron', instance: 'c:9100' }, () => 1, 25 * MINUTE, 40 * MINUTE),
  gauge({ __name__: 'node_memory_MemTotal_bytes', instance: 'a:9100' }, () => 16_000_000_000),
  gauge({ __name__: 'node_memory_MemTotal_bytes', instance: 'b:9100' }, () => 8_000_000_000),
  gauge(
    { __name__: 'node_memory_MemAvailable_bytes', instance: 'a:9100' },
    (_t, i) => 4_000_000_000 - i * 10_000_000,
  ),
  gauge(
    { __name__: 'node_memory_MemAvailable_bytes', instance: 'b:9100' },
    (_t, i) => 1_000_000_000 + (i % 30) * 20_000_000,
  ),
  gauge({ __name__: 'mall_go_database_connections', state: 'active' }, (_t, i) => 60 + (i % 40)),
  gauge({ __name__: 'mall_go_database_connections', state: 'idle' }, (_t, i) => 20 - (i % 7)),
  gauge({ __name__: 'up', job: 'api', instance: 'a:9100' }, () => 1),
  gauge({ __name__: 'up', job: 'api', instance: 'b:9100' }, (_t, i) => (i > 80 && i < 150 ? 0 : 1)),
  gauge({ __name__: 'up', job: 'db', instance: 'd:9187' }, () => 0),
];

/** Series for the deliberate differences from Prometheus 2.42 (each test names its own instants). */
export const DIVERGENCE = {
  /** Upstream aggregators.test: sum of 2, 8, 1e100, -1e100 is 10 with Kahan summation. */
  kahanAt: T0 + 10 * MINUTE + 500,
  /** A sample exactly `range` before the evaluation instant (on the left window edge) and another at it. */
  edgeAt: T0 + 31 * MINUTE,
  /** A counter whose zero point lies between half an interval and 110% of one before the first sample. */
  zeroCutAt: T0 + 40 * MINUTE + 40_500,
};

export const DIVERGENCE_SERIES: SeriesSamples[] = [
  ...[2, 8, 1e100, -1e100].map((v, i) => gauge({ __name__: 'kahan', point: 'abcd'[i]! }, () => v)),
  ...[-9.988465674311579e307, -9.988465674311579e307, 9.988465674311579e307, 9.988465674311579e307].map(
    (v, i) => gauge({ __name__: 'bigzero', point: 'abcd'[i]! }, () => v),
  ),
  { labels: { __name__: 'edge_gauge' }, samples: [30, 31].map((m) => ({ t: T0 + m * MINUTE, v: m })) },
  {
    labels: { __name__: 'zero_cut_total' },
    samples: [8, 18, 28, 38, 48].map((v, i) => ({ t: T0 + 40 * MINUTE + i * 10_000, v })),
  },
  ...fixedBuckets('tiny_bucket', { '1': 1e6, '2': 1e6 + 1e-7, '4': 2e6, '+Inf': 2e6 }),
  gauge({ __name__: 'multiline', v: 'a\nb' }, () => 1),
  gauge({ __name__: 'dup_left', k: 'x', n: '1' }, () => 1),
  gauge({ __name__: 'dup_left', k: 'x', n: '2' }, () => 1),
  gauge({ __name__: 'dup_right', k: 'x' }, () => 5),
];
