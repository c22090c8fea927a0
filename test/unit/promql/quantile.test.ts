/** histogram_quantile over classic buckets, with expectations from Prometheus' quantile.go and histograms.test. */
import { evaluateInstant, memorySource, parsePromql, type SeriesSamples } from '../../../functions/promql';
import { almostEqual, bucketQuantile, quantile } from '../../../functions/promql/quantile';

const AT = 1_700_000_000_000;

function buckets(counts: Record<string, number>, extra: Record<string, string> = {}): SeriesSamples[] {
  return Object.entries(counts).map(([le, v]) => ({
    labels: { __name__: 'h_bucket', le, ...extra },
    samples: [{ t: AT, v }],
  }));
}

function histogramQuantile(
  q: string,
  data: SeriesSamples[],
): { labels: Record<string, string>; value: number }[] {
  const result = evaluateInstant(parsePromql(`histogram_quantile(${q}, h_bucket)`), memorySource(data), AT);
  if (result.type !== 'vector') throw new Error('not a vector');
  return result.series;
}

describe('histogram_quantile', () => {
  // Observations: 10 in (0, 0.1], 20 in (0.1, 0.5], 30 in (0.5, 1], 40 above 1.
  const standard = { '0.1': 10, '0.5': 30, '1': 60, '+Inf': 100 };

  it.each<[string, string, Record<string, number>, number]>([
    ['interpolates inside the bucket holding the rank', '0.5', standard, 0.5 + 0.5 * (20 / 30)],
    ['uses 0 as the lower bound of the first bucket', '0.05', standard, 0.05],
    ['returns the highest finite bound when the rank falls into +Inf', '0.9', standard, 1],
    ['φ = 0', '0', standard, 0],
    ['φ = 1 falls into +Inf', '1', standard, 1],
    ['φ above 1 is +Inf', '1.01', standard, Number.POSITIVE_INFINITY],
    ['φ below 0 is -Inf', '-0.5', standard, Number.NEGATIVE_INFINITY],
    ['φ NaN is NaN', 'NaN', standard, Number.NaN],
    ['no observations is NaN', '0.5', { '0.1': 0, '1': 0, '+Inf': 0 }, Number.NaN],
    ['no +Inf bucket is NaN', '0.5', { '0.1': 1, '1': 2 }, Number.NaN],
    ['only the +Inf bucket is NaN', '0.5', { '+Inf': 5 }, Number.NaN],
    ['a first bucket with a negative bound returns that bound', '0.1', { '-1': 5, '0': 10, '+Inf': 10 }, -1],
    // ensureMonotonic: 25 after 30 is raised to 30, 55 after 60 to 60.
    [
      'repairs non-monotonic buckets',
      '0.5',
      { '0.1': 10, '0.5': 30, '1': 25, '2': 60, '5': 55, '+Inf': 70 },
      1 + (35 - 30) / 30,
    ],
    [
      'sorts buckets by bound, not by order given',
      '0.5',
      { '+Inf': 100, '1': 60, '0.1': 10, '0.5': 30 },
      0.5 + 0.5 * (20 / 30),
    ],
    // smallDeltaTolerance: a 1e-13 relative bump is float noise, so the rank moves to the next bucket.
    [
      'ignores float-noise differences between buckets',
      '0.500000000000025',
      { '1': 1e6, '2': 1e6 + 1e-7, '4': 2e6, '+Inf': 2e6 },
      2 + 2 * (5e-8 / 1e6),
    ],
    // Go's binary search never compares the NaN bucket here: the rank lands in +Inf (as the real Prometheus answers).
    ['a NaN count in a low bucket', '0.9', { '0.1': Number.NaN, '0.5': 3, '1': 4, '+Inf': 5 }, 1],
  ])('%s', (_name, q, counts, expected) => {
    // Act
    const [result] = histogramQuantile(q, buckets(counts));

    // Assert
    if (Number.isFinite(expected)) expect(result!.value).toBeCloseTo(expected, 9);
    else expect(result!.value).toBe(expected);
  });

  it.each<[string, string, number]>([
    ['Go hex floats', '0x1p-2', 0.25],
    ['underscores between digits', '1_0', 10],
    ['lower-case inf', 'inf', Number.POSITIVE_INFINITY],
    ['Infinity', 'Infinity', Number.POSITIVE_INFINITY],
  ])('reads le as Go ParseFloat does: %s', (_name, le, bound) => {
    // Arrange: one finite bucket at `le` holding half of the observations.
    const data = buckets(Number.isFinite(bound) ? { [le]: 5, '+Inf': 10 } : { '1': 5, [le]: 10 });

    // Act
    const [result] = histogramQuantile('0.25', data);

    // Assert
    expect(result!.value).toBeCloseTo(Number.isFinite(bound) ? bound / 2 : 0.5, 9);
  });

  it('skips buckets whose le Go cannot parse, including an overflow', () => {
    // Arrange
    const data = buckets({ '1': 5, abc: 100, '1e400': 100, '': 100, '+Inf': 10 });

    // Act
    const [result] = histogramQuantile('0.25', data);

    // Assert
    expect(result!.value).toBeCloseTo(0.5, 9);
  });

  it('groups by every label but le and drops the metric name', () => {
    // Arrange
    const data = [
      ...buckets(standard, { instance: 'a' }),
      ...buckets({ '1': 1, '+Inf': 2 }, { instance: 'b' }),
    ];

    // Act
    const result = histogramQuantile('0.5', data);

    // Assert
    expect(result.map((s) => s.labels)).toEqual([{ instance: 'a' }, { instance: 'b' }]);
  });

  it('merges buckets with equal bounds', () => {
    // Act
    const value = bucketQuantile(0.5, [
      { upperBound: 1, count: 3 },
      { upperBound: 1, count: 2 },
      { upperBound: Number.POSITIVE_INFINITY, count: 10 },
    ]);

    // Assert
    expect(value).toBe(1);
  });
});

describe('quantile (the aggregation)', () => {
  it.each<[number, number[], number]>([
    [0.5, [1, 2, 3, 4], 2.5],
    [0, [4, 1], 1],
    [1, [4, 1], 4],
    [0.5, [], Number.NaN],
    [Number.NaN, [1], Number.NaN],
  ])('quantile(%p, %j) = %p', (q, values, expected) => {
    // Act and Assert
    expect(quantile(q, values)).toBe(expected);
  });
});

describe('almostEqual (util/almost)', () => {
  it.each<[number, number, boolean]>([
    [1e6, 1e6 + 1e-7, true],
    [1, 1.001, false],
    [0, 1e-320, true],
    [0, 1e-300, false],
    [Number.NaN, Number.NaN, true],
  ])('%p ≈ %p: %p', (a, b, expected) => {
    // Act and Assert
    expect(almostEqual(a, b, 1e-12)).toBe(expected);
  });
});
