/**
 * The evaluator on hand-built series, with expectations worked out from Prometheus' code (functions.go,
 * engine.go) and its own test data (promql/promqltest/testdata), so failures explain themselves without a peer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheus } from '../../../functions/prometheus/parse';
import {
  evaluateInstant,
  type InstantValue,
  memorySource,
  PromqlError,
  parsePromql,
  type Sample,
  type SeriesSamples,
} from '../../../functions/promql';

const AT = 1_700_000_000_000;
const S = 1000;

function series(
  labels: Record<string, string>,
  points: [offsetSeconds: number, value: number][],
): SeriesSamples {
  return { labels, samples: points.map(([t, v]) => ({ t: AT + t * S, v })) };
}

function evaluate(
  source: string,
  data: readonly SeriesSamples[],
  at = AT,
  lookbackMs?: number,
): InstantValue {
  return evaluateInstant(
    parsePromql(source),
    memorySource(data),
    at,
    lookbackMs === undefined ? {} : { lookbackMs },
  );
}

/** The only value of a one-series (or scalar) result; undefined for an empty vector. */
function only(result: InstantValue): number | undefined {
  if (result.type === 'scalar') return result.value;
  if (result.series.length > 1)
    throw new Error(`expected at most one series, got ${JSON.stringify(result.series)}`);
  return result.series[0]?.value;
}

describe('evaluateInstant on one scraped page (what a single probe round sees)', () => {
  const PAGE = `
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200",instance="a"} 10
http_requests_total{method="GET",code="500",instance="a"} 1
http_requests_total{method="POST",code="200",instance="a"} 4
http_requests_total{method="GET",code="200",instance="b"} 20
http_requests_total{method="POST",code="201",instance="b",empty=""} 6
# TYPE temperature gauge
temperature{room="kitchen"} 21.5
temperature{room="cellar"} NaN
temperature{room="attic"} 30
# TYPE other gauge
other{method="GET"} 100
`;
  const data = parsePrometheus(PAGE).map(
    (sample): SeriesSamples => ({
      labels: { ...sample.labels, __name__: sample.name },
      samples: [{ t: AT, v: sample.value }],
    }),
  );

  it.each<[string, string, { labels: Record<string, string>; value: number }[]]>([
    [
      'a bare selector: every series with its name, sorted',
      'http_requests_total{code="200"}',
      [
        { labels: { __name__: 'http_requests_total', code: '200', instance: 'a', method: 'GET' }, value: 10 },
        { labels: { __name__: 'http_requests_total', code: '200', instance: 'a', method: 'POST' }, value: 4 },
        { labels: { __name__: 'http_requests_total', code: '200', instance: 'b', method: 'GET' }, value: 20 },
      ],
    ],
    [
      'empty label values dropped',
      'http_requests_total{code="201"}',
      [{ labels: { __name__: 'http_requests_total', code: '201', instance: 'b', method: 'POST' }, value: 6 }],
    ],
    [
      '=~ anchored',
      'temperature{room=~"k.*|att"}',
      [{ labels: { __name__: 'temperature', room: 'kitchen' }, value: 21.5 }],
    ],
    [
      '!~',
      'temperature{room!~"k.*|c.*"}',
      [{ labels: { __name__: 'temperature', room: 'attic' }, value: 30 }],
    ],
    ['a missing label against a value', 'temperature{floor="1"}', []],
    [
      '__name__ regex across metrics',
      'sum by (method) ({__name__=~"other|http_requests_total", method="GET"})',
      [{ labels: { method: 'GET' }, value: 131 }],
    ],
    ['sum', 'sum(http_requests_total)', [{ labels: {}, value: 41 }]],
    [
      'sum without',
      'sum without (instance, code) (http_requests_total)',
      [
        { labels: { method: 'GET' }, value: 31 },
        { labels: { method: 'POST' }, value: 10 },
      ],
    ],
    [
      'avg by, grouping after the argument',
      'avg(http_requests_total) by (instance)',
      [
        { labels: { instance: 'a' }, value: 5 },
        { labels: { instance: 'b' }, value: 13 },
      ],
    ],
    ['min ignoring NaN', 'min(temperature)', [{ labels: {}, value: 21.5 }]],
    ['max ignoring NaN', 'max(temperature)', [{ labels: {}, value: 30 }]],
    ['sum with NaN: NaN', 'sum(temperature)', [{ labels: {}, value: Number.NaN }]],
    ['count including NaN', 'count(temperature)', [{ labels: {}, value: 3 }]],
    ['no match: no series, not a zero', 'sum(missing_metric)', []],
    [
      'a ratio of sums',
      'sum(http_requests_total{code=~"5.."}) / sum(http_requests_total)',
      [{ labels: {}, value: 1 / 41 }],
    ],
    [
      'a comparison keeps the name and filters',
      'http_requests_total > 9',
      [
        { labels: { __name__: 'http_requests_total', code: '200', instance: 'a', method: 'GET' }, value: 10 },
        { labels: { __name__: 'http_requests_total', code: '200', instance: 'b', method: 'GET' }, value: 20 },
      ],
    ],
    ['a range function with one sample: no value', 'rate(http_requests_total[5m])', []],
  ])('%s', (_name, source, expected) => {
    // Act
    const result = evaluate(source, data);

    // Assert
    expect(result).toEqual({ type: 'vector', series: expected });
  });

  it('evaluates against the captured node_exporter page', () => {
    // Arrange
    const text = readFileSync(join(__dirname, '../../fixtures/prometheus/node_exporter.txt'), 'utf8');
    const page = parsePrometheus(text).map(
      (sample): SeriesSamples => ({
        labels: { ...sample.labels, __name__: sample.name },
        samples: [{ t: AT, v: sample.value }],
      }),
    );

    // Act
    const result = evaluate('count by (mode) (node_cpu_seconds_total)', page);

    // Assert
    expect(result.type === 'vector' && result.series.map((s) => [s.labels.mode, s.value])).toEqual(
      ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'].map((mode) => [mode, 2]),
    );
  });
});

describe('range functions (functions.go extrapolatedRate, instantValue, *_over_time)', () => {
  // 10/s steady, scraped every 15s from 0s to 300s.
  const steady = series(
    { __name__: 'x_total' },
    Array.from({ length: 21 }, (_, i) => [i * 15, 150 * i]),
  );
  // 100, 110, 120 then a restart: 5, 15.
  const reset = series({ __name__: 'r_total' }, [
    [0, 100],
    [10, 110],
    [20, 120],
    [30, 5],
    [40, 15],
  ]);
  // Zero point 8s before the first sample: between half an interval (5s) and 110% of one (11s).
  const zeroCut = series(
    { __name__: 'z_total' },
    [8, 18, 28, 38, 48].map((v, i): [number, number] => [i * 10, v]),
  );
  const gauge = series({ __name__: 'g' }, [
    [0, 5],
    [10, 3],
    [20, Number.NaN],
    [30, 9],
  ]);
  const single = series({ __name__: 'one_total' }, [[0, 42]]);
  const data = [steady, reset, zeroCut, gauge, single];

  it.each<[string, string, number, number | undefined]>([
    // Window (5s, 305s]: 20 samples 15s..300s; 10s to the start (< 110% of 15s), 5s to the end: 2850 × 300/285.
    ['rate extrapolates a steady counter to the window', 'rate(x_total[5m])', 305, 10],
    ['increase over the same window', 'increase(x_total[5m])', 305, 3000],
    // 15 - 100 + 120 (reset) = 35 over 40s; 20s to the start ≥ 11s → 5s; factor 45/40.
    ['rate adds counter resets back', 'increase(r_total[1m])', 40, 39.375],
    ['rate per second of the same', 'rate(r_total[1m])', 40, 39.375 / 60],
    ['resets counts the decrease', 'resets(r_total[1m])', 40, 1],
    ['irate of a reset takes the new value', 'irate(r_total[1m])', 40, 1],
    ['irate is the last two samples', 'irate(x_total[1m])', 305, 10],
    ['idelta is their difference', 'idelta(r_total[1m])', 30, -115],
    // Prometheus ≥ 2.51: start at half an interval (5s), the zero point (8s) is further: 40 × 45.5/40.
    [
      'increase limits extrapolation at the zero point after the half-interval choice',
      'increase(z_total[1m])',
      40.5,
      45.5,
    ],
    ['delta does not treat a decrease as a reset', 'delta(r_total[1m])', 40, (15 - 100) * (45 / 40)],
    ['one sample gives no rate', 'rate(one_total[5m])', 10, undefined],
    ['one sample gives no increase', 'increase(one_total[5m])', 10, undefined],
    ['one sample gives no irate', 'irate(one_total[5m])', 10, undefined],
    ['one sample gives no delta', 'delta(one_total[5m])', 10, undefined],
    ['one sample still counts', 'count_over_time(one_total[5m])', 10, 1],
    ['one sample still averages', 'avg_over_time(one_total[5m])', 10, 42],
    ['no sample in the window: nothing', 'count_over_time(one_total[5m])', 301, undefined],
    ['avg_over_time with NaN', 'avg_over_time(g[1m])', 30, Number.NaN],
    ['max_over_time skips NaN', 'max_over_time(g[1m])', 30, 9],
    ['min_over_time skips NaN', 'min_over_time(g[1m])', 30, 3],
    ['sum_over_time', 'sum_over_time(g[5s])', 30, 9],
    ['sum_over_time with NaN', 'sum_over_time(g[15s])', 30, Number.NaN],
    ['last_over_time', 'last_over_time(g[1m])', 25, Number.NaN],
    ['changes counts NaN to value as a change', 'changes(g[1m])', 30, 3],
    ['the window is left-open: a sample exactly range ago is out', 'count_over_time(g[10s])', 30, 1],
    ['the right edge is in', 'count_over_time(g[11s])', 30, 2],
    ['offset moves the window back', 'count_over_time(x_total[1m] offset 1m)', 305, 4],
    ['absent_over_time with samples: nothing', 'absent_over_time(g[1m])', 30, undefined],
    ['absent_over_time without samples: 1', 'absent_over_time(nothing[1m])', 30, 1],
  ])('%s', (_name, source, atSeconds, expected) => {
    // Act
    const value = only(evaluate(source, data, AT + atSeconds * S));

    // Assert
    if (expected === undefined || Number.isNaN(expected)) expect(value).toEqual(expected);
    else expect(value).toBeCloseTo(expected, 9);
  });

  it('drops the metric name, except for last_over_time', () => {
    // Act
    const rate = evaluate('rate(x_total[5m])', data, AT + 305 * S);
    const last = evaluate('last_over_time(x_total[5m])', data, AT + 305 * S);

    // Assert
    expect(rate.type === 'vector' && rate.series[0]!.labels).toEqual({});
    expect(last.type === 'vector' && last.series[0]!.labels).toEqual({ __name__: 'x_total' });
  });
});

describe('instant selectors: lookback, staleness, offset', () => {
  const samples: Sample[] = [
    { t: AT, v: 1 },
    { t: AT + 60 * S, v: 2 },
  ];
  const withStale: Sample[] = [...samples, { t: AT + 90 * S, v: Number.NaN, stale: true }];

  it.each<[string, readonly Sample[], string, number, number | undefined, number?]>([
    ['the latest sample at or before the instant', samples, 'x', 90, 2],
    ['a sample exactly at the instant', samples, 'x', 60, 2],
    ['still visible just under 5m later', samples, 'x', 60 + 299.999, 2],
    ['gone exactly 5m later (left-open lookback)', samples, 'x', 360, undefined],
    ['a shorter lookback option', samples, 'x', 100, undefined, 30_000],
    ['nothing before the first sample', samples, 'x', -1, undefined],
    ['a staleness marker ends the series at once', withStale, 'x', 95, undefined],
    ['before the marker the series is there', withStale, 'x', 89, 2],
    ['range functions skip the marker', withStale, 'count_over_time(x[5m])', 95, 2],
    ['offset reads an earlier sample', samples, 'x offset 1m', 90, 1],
    ['timestamp() gives the sample time, not the instant', samples, 'timestamp(x)', 90, AT / 1000 + 60],
    ['timestamp() of an expression gives the instant', samples, 'timestamp(x + 0)', 90, AT / 1000 + 90],
    ['time()', samples, 'time()', 90, AT / 1000 + 90],
  ])('%s', (_name, points, source, atSeconds, expected, lookbackMs = undefined) => {
    // Act
    const value = only(
      evaluate(source, [{ labels: { __name__: 'x' }, samples: points }], AT + atSeconds * S, lookbackMs),
    );

    // Assert
    expect(value).toEqual(expected);
  });

  it('merges a series a source returns twice (same labels), first sample winning per timestamp', () => {
    // Arrange
    const data = [
      series({ __name__: 'x', a: '1' }, [[0, 1]]),
      series({ a: '1', __name__: 'x' }, [
        [0, 5],
        [10, 2],
      ]),
    ];

    // Act
    const result = evaluate('count_over_time(x[1m])', data, AT + 20 * S);

    // Assert
    expect(only(result)).toBe(2);
  });
});

describe('aggregations (engine.go aggregation, aggregationK)', () => {
  function values(name: string, list: number[]): SeriesSamples[] {
    return list.map((v, i) => series({ __name__: name, point: String.fromCharCode(97 + i) }, [[0, v]]));
  }
  const data = [
    ...values('ten', [2, 8, 1e100, -1e100]),
    ...values(
      'big',
      [9.988465674311579e307, 9.988465674311579e307, 9.988465674311579e307, 9.988465674311579e307],
    ),
    ...values(
      'bigzero',
      [-9.988465674311579e307, -9.988465674311579e307, 9.988465674311579e307, 9.988465674311579e307],
    ),
    ...values('inf_inf', [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
    ...values('four', [1, 2, 3, 4]),
    ...values('with_nan', [Number.NaN, 1, 5]),
    ...values('ties', [3, 3, 1]),
  ];

  it.each<[string, string, number | undefined]>([
    // aggregators.test: "eval instant at 1m sum(data{test="ten"})" expects 10.
    ['Kahan sum', 'sum(ten)', 10],
    ['Kahan avg', 'avg(ten)', 2.5],
    ['avg of values whose sum overflows', 'avg(big)', 9.988465674311579e307],
    // aggregators.test bigzero: 0, not NaN.
    ['avg of ± huge values', 'avg(bigzero)', 0],
    ['sum of +Inf and -Inf', 'sum(inf_inf)', Number.NaN],
    ['stddev', 'stddev(four)', Math.sqrt(1.25)],
    ['stdvar', 'stdvar(four)', 1.25],
    ['stddev with NaN', 'stddev(with_nan)', Number.NaN],
    ['quantile interpolates', 'quantile(0.5, four)', 2.5],
    ['quantile 0.9', 'quantile(0.9, four)', 3.7],
    ['quantile above 1', 'quantile(1.5, four)', Number.POSITIVE_INFINITY],
    ['quantile below 0', 'quantile(-1, four)', Number.NEGATIVE_INFINITY],
    ['quantile sorts NaN first', 'quantile(0, with_nan)', Number.NaN],
    ['group', 'group(four)', 1],
    ['count', 'count(four)', 4],
    ['min with a NaN first', 'min(with_nan)', 1],
    ['max with a NaN first', 'max(with_nan)', 5],
    ['topk of zero', 'topk(0, four)', undefined],
    ['topk of a fraction below one', 'topk(0.5, four)', undefined],
  ])('%s', (_name, source, expected) => {
    // Act
    const value = only(evaluate(source, data));

    // Assert
    expect(value).toEqual(expected);
  });

  it.each<[string, string, string[]]>([
    ['topk keeps the largest, labels and name intact', 'topk(2, four)', ['c', 'd']],
    ['topk k above the count keeps all', 'topk(10, four)', ['a', 'b', 'c', 'd']],
    ['topk truncates k', 'topk(2.9, four)', ['c', 'd']],
    ['bottomk keeps the smallest', 'bottomk(2, four)', ['a', 'b']],
    ['topk ranks NaN last', 'topk(2, with_nan)', ['b', 'c']],
    ['bottomk ranks NaN last too', 'bottomk(2, with_nan)', ['b', 'c']],
    ['topk keeps the first of equal values', 'topk(1, ties)', ['a']],
    // The reverse heap keeps b over a on equal values, as container/heap does in Prometheus.
    ['bottomk with ties', 'bottomk(2, ties)', ['b', 'c']],
  ])('%s', (_name, source, points) => {
    // Act
    const result = evaluate(source, data);

    // Assert
    expect(result.type === 'vector' && result.series.map((s) => s.labels.point)).toEqual(points);
    expect(result.type === 'vector' && result.series.every((s) => s.labels.__name__ !== undefined)).toBe(
      true,
    );
  });

  it.each([
    ['topk of NaN', 'topk(NaN, four)', 'Parameter value is NaN'],
    ['topk beyond int64', 'topk(1e19, four)', 'overflows int64'],
  ])('%s fails as in Prometheus', (_name, source, reason) => {
    // Act and Assert
    expect(() => evaluate(source, data)).toThrow(reason);
  });
});

describe('binary operators (engine.go VectorBinop, VectorscalarBinop)', () => {
  const data = [
    series({ __name__: 'errors', job: 'api', instance: 'a' }, [[0, 5]]),
    series({ __name__: 'errors', job: 'api', instance: 'b' }, [[0, 0]]),
    series({ __name__: 'requests', job: 'api', instance: 'a' }, [[0, 50]]),
    series({ __name__: 'requests', job: 'api', instance: 'b' }, [[0, 10]]),
    series({ __name__: 'limit', job: 'api' }, [[0, 20]]),
    series({ __name__: 'not_a_number', job: 'api' }, [[0, Number.NaN]]),
  ];

  it.each<[string, string, { labels: Record<string, string>; value: number }[]]>([
    [
      'one-to-one on all labels but the name; the name dropped',
      'errors / requests',
      [
        { labels: { instance: 'a', job: 'api' }, value: 0.1 },
        { labels: { instance: 'b', job: 'api' }, value: 0 },
      ],
    ],
    [
      'on keeps only the matching labels',
      'sum by (job) (errors) / on (job) limit',
      [{ labels: { job: 'api' }, value: 0.25 }],
    ],
    [
      'ignoring removes the ignored labels from the result',
      'sum by (job, instance) (errors{instance="a"}) + ignoring (instance) limit',
      [{ labels: { job: 'api' }, value: 25 }],
    ],
    [
      'a comparison keeps the left value and the name',
      'requests > errors',
      [
        { labels: { __name__: 'requests', instance: 'a', job: 'api' }, value: 50 },
        { labels: { __name__: 'requests', instance: 'b', job: 'api' }, value: 10 },
      ],
    ],
    [
      'bool turns a comparison into 0/1 and drops the name',
      'requests > bool 20',
      [
        { labels: { instance: 'a', job: 'api' }, value: 1 },
        { labels: { instance: 'b', job: 'api' }, value: 0 },
      ],
    ],
    [
      'a scalar on the left of a comparison keeps the vector value',
      '20 < requests',
      [{ labels: { __name__: 'requests', instance: 'a', job: 'api' }, value: 50 }],
    ],
    ['NaN compares false', 'not_a_number == not_a_number', []],
    [
      'NaN != NaN is true',
      'not_a_number != not_a_number',
      [{ labels: { __name__: 'not_a_number', job: 'api' }, value: Number.NaN }],
    ],
    [
      'and keeps left samples with a match',
      'requests and errors > 1',
      [{ labels: { __name__: 'requests', instance: 'a', job: 'api' }, value: 50 }],
    ],
    [
      'unless keeps left samples without one',
      'requests unless errors > 1',
      [{ labels: { __name__: 'requests', instance: 'b', job: 'api' }, value: 10 }],
    ],
    [
      'or adds right samples whose signature is new',
      'limit or on (job) errors',
      [{ labels: { __name__: 'limit', job: 'api' }, value: 20 }],
    ],
    ['unary minus drops the name', '-limit', [{ labels: { job: 'api' }, value: -20 }]],
  ])('%s', (_name, source, expected) => {
    // Act
    const result = evaluate(source, data);

    // Assert
    expect(result).toEqual({ type: 'vector', series: expected });
  });

  it.each<[string, number]>([
    // Go's math.Pow: Pow(1, y) = 1 for any y, Pow(-1, ±Inf) = 1 (JavaScript gives NaN).
    ['1 ^ NaN', 1],
    ['(-1) ^ Inf', 1],
    ['NaN ^ 0', 1],
    ['5 % -3', 2],
    ['-5 % 3', -2],
    ['1 / 0', Number.POSITIVE_INFINITY],
    ['0 / 0', Number.NaN],
  ])('%s = %p', (source, expected) => {
    // Act and Assert
    expect(only(evaluate(source, []))).toBe(expected);
  });

  it.each([
    [
      'a duplicate on the right',
      'limit / on (job) errors',
      'found duplicate series for the match group {job="api"} on the right hand-side',
    ],
    [
      'two left matches for one right',
      'errors / on (job) limit',
      'multiple matches for labels: many-to-one matching must be explicit',
    ],
    [
      'duplicate label sets after dropping the name',
      '{__name__=~"errors|requests"} * 2',
      'vector cannot contain metrics with the same labelset',
    ],
  ])('fails on %s, as Prometheus does', (_name, source, reason) => {
    // Act and Assert
    expect(() => evaluate(source, data)).toThrow(PromqlError);
    expect(() => evaluate(source, data)).toThrow(reason);
  });
});

describe('instant functions', () => {
  const data = [
    series({ __name__: 'v', k: 'neg' }, [[0, -2.5]]),
    series({ __name__: 'v', k: 'pos' }, [[0, 8]]),
    series({ __name__: 'up', instance: 'host-1:9100', job: 'node' }, [[0, 1]]),
  ];

  it.each<[string, string, [string, number][]]>([
    [
      'abs',
      'abs(v)',
      [
        ['neg', 2.5],
        ['pos', 8],
      ],
    ],
    [
      'ceil',
      'ceil(v)',
      [
        ['neg', -2],
        ['pos', 8],
      ],
    ],
    [
      'floor',
      'floor(v)',
      [
        ['neg', -3],
        ['pos', 8],
      ],
    ],
    [
      'round ties up',
      'round(v)',
      [
        ['neg', -2],
        ['pos', 8],
      ],
    ],
    [
      'round to a step',
      'round(v, 3)',
      [
        ['neg', -3],
        ['pos', 9],
      ],
    ],
    [
      'sqrt',
      'sqrt(v)',
      [
        ['neg', Number.NaN],
        ['pos', Math.sqrt(8)],
      ],
    ],
    [
      'log2 exact for powers of two',
      'log2(v)',
      [
        ['neg', Number.NaN],
        ['pos', 3],
      ],
    ],
    [
      'log10',
      'log10(v)',
      [
        ['neg', Number.NaN],
        ['pos', Math.log(8) * Math.LOG10E],
      ],
    ],
    [
      'clamp',
      'clamp(v, -1, 5)',
      [
        ['neg', -1],
        ['pos', 5],
      ],
    ],
    [
      'clamp_min',
      'clamp_min(v, 0)',
      [
        ['neg', 0],
        ['pos', 8],
      ],
    ],
    [
      'clamp_max',
      'clamp_max(v, 0)',
      [
        ['neg', -2.5],
        ['pos', 0],
      ],
    ],
    ['clamp with min over max: nothing', 'clamp(v, 5, 1)', []],
  ])('%s', (_name, source, expected) => {
    // Act
    const result = evaluate(source, data);

    // Assert
    expect(result.type === 'vector' && result.series.map((s) => [s.labels.k, s.value])).toEqual(expected);
    expect(result.type === 'vector' && result.series.some((s) => '__name__' in s.labels)).toBe(false);
  });

  it.each<[string, string, InstantValue]>([
    ['scalar of one series', 'scalar(v{k="pos"})', { type: 'scalar', value: 8 }],
    ['scalar of two series is NaN', 'scalar(v)', { type: 'scalar', value: Number.NaN }],
    ['vector', 'vector(3)', { type: 'vector', series: [{ labels: {}, value: 3 }] }],
    ['absent of something present', 'absent(v)', { type: 'vector', series: [] }],
    [
      'absent keeps the = matchers as labels',
      'absent(missing{job="api", env=~"prod", job2="x", job2="y"})',
      { type: 'vector', series: [{ labels: { job: 'api' }, value: 1 }] },
    ],
    [
      'label_replace with a capture group',
      'label_replace(up, "host", "$1", "instance", "(.*):.*")',
      {
        type: 'vector',
        series: [
          { labels: { __name__: 'up', host: 'host-1', instance: 'host-1:9100', job: 'node' }, value: 1 },
        ],
      },
    ],
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: label_replace's Go template syntax
      'label_replace with a named group and ${}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: label_replace's Go template syntax
      'label_replace(up, "port", "p${port}", "instance", ".*:(?P<port>[0-9]+)")',
      {
        type: 'vector',
        series: [
          { labels: { __name__: 'up', instance: 'host-1:9100', job: 'node', port: 'p9100' }, value: 1 },
        ],
      },
    ],
    [
      'label_replace with no match leaves the series',
      'label_replace(up, "host", "$1", "instance", "nomatch")',
      {
        type: 'vector',
        series: [{ labels: { __name__: 'up', instance: 'host-1:9100', job: 'node' }, value: 1 }],
      },
    ],
    [
      'label_replace to an empty value removes the label',
      'label_replace(up, "job", "", "job", ".*")',
      { type: 'vector', series: [{ labels: { __name__: 'up', instance: 'host-1:9100' }, value: 1 }] },
    ],
  ])('%s', (_name, source, expected) => {
    // Act
    const result = evaluate(source, data);

    // Assert
    expect(result).toEqual(expected);
  });

  it('returns labels as plain records, even for a label named __proto__', () => {
    // Arrange
    const odd = [series({ __name__: 'x', ['__proto__']: 'p' } as Record<string, string>, [[0, 1]])];
    Object.defineProperty(odd[0]!.labels, '__proto__', { value: 'p', enumerable: true });

    // Act
    const result = evaluate('x', odd);

    // Assert
    expect(
      result.type === 'vector' &&
        Object.getOwnPropertyDescriptor(result.series[0]!.labels, '__proto__')?.value,
    ).toBe('p');
  });
});
