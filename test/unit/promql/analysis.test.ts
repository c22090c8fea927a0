import {
  formatPromql,
  historyNeededMs,
  limitSeries,
  metricNamesOf,
  parsePromql,
  resultHasLabels,
  selectorsOf,
  splitComparison,
} from '../../../functions/promql';

describe('selectorsOf and historyNeededMs', () => {
  it.each<[string, { metricName?: string; rangeMs: number; offsetMs: number }[], number]>([
    ['up', [{ metricName: 'up', rangeMs: 0, offsetMs: 0 }], 300_000],
    ['rate(x[5m])', [{ metricName: 'x', rangeMs: 300_000, offsetMs: 0 }], 300_000],
    [
      'rate(x[10m] offset 5m) / y offset 30m',
      [
        { metricName: 'x', rangeMs: 600_000, offsetMs: 300_000 },
        { metricName: 'y', rangeMs: 0, offsetMs: 1_800_000 },
      ],
      2_100_000,
    ],
    ['rate(x[1m])', [{ metricName: 'x', rangeMs: 60_000, offsetMs: 0 }], 60_000],
    ['{job="a"}', [{ rangeMs: 0, offsetMs: 0 }], 300_000],
    ['vector(1)', [], 0],
  ])('%s', (source, expected, needed) => {
    // Arrange
    const expr = parsePromql(source);

    // Act
    const uses = selectorsOf(expr).map(({ matchers: _m, ...rest }) => rest);

    // Assert
    expect(uses).toEqual(expected);
    expect(historyNeededMs(expr)).toBe(needed);
  });

  it('uses the lookback given for instant selectors', () => {
    // Act and Assert
    expect(historyNeededMs(parsePromql('up'), 60_000)).toBe(60_000);
  });
});

describe('metricNamesOf', () => {
  it.each<[string, string[] | undefined]>([
    ['up', ['up']],
    ['sum by (job) (http{code="500"})', ['http']],
    ['rate(a[5m]) / rate(b[5m])', ['a', 'b']],
    ['{__name__="x"}', ['x']],
    ['{__name__=~"x|y"}', ['x', 'y']],
    ['{__name__=~"node_.+"}', undefined],
    ['{__name__=~"(?i)up"}', undefined],
    ['{__name__!="x", job="a"}', undefined],
    ['{job="a"}', undefined],
    ['up + {job="a"}', undefined],
    ['{__name__=~"x|y", __name__="y"}', ['y']],
    ['{"my.metric"}', ['my.metric']],
    ['vector(1)', []],
  ])('%s', (source, expected) => {
    // Act
    const names = metricNamesOf(parsePromql(source));

    // Assert
    expect(names === undefined ? undefined : [...names].sort()).toEqual(expected);
  });
});

describe('resultHasLabels', () => {
  it.each<[string, boolean]>([
    ['up', true],
    ['up == 0', true],
    ['sum(up)', false],
    ['sum by () (up)', false],
    ['sum by (job) (up)', true],
    ['sum without (job) (up)', true],
    ['topk(1, sum(up))', false],
    ['topk(1, up)', true],
    ['sum(rate(a[5m])) / sum(rate(b[5m]))', false],
    ['rate(a[5m]) / rate(b[5m])', true],
    ['histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))', false],
    ['histogram_quantile(0.95, sum by (le, job) (rate(x_bucket[5m])))', true],
    ['histogram_quantile(0.95, rate(x_bucket[5m]))', true],
    ['(1 - sum(a) / sum(b)) > 0.8', false],
    ['sum(a) / on () b', false],
    ['sum by (job) (a) / on (job) b', true],
    ['vector(1)', false],
    ['scalar(up)', false],
    ['1 + 1', false],
    ['time()', false],
    ['absent(up)', false],
    ['absent(up{job="a"})', true],
    ['label_replace(sum(up), "x", "y", "", "")', true],
    ['abs(sum(up))', false],
    ['sum(a) or sum(b)', false],
    ['sum(a) or b', true],
  ])('%s → %p', (source, expected) => {
    // Act and Assert
    expect(resultHasLabels(parsePromql(source))).toBe(expected);
  });
});

describe('splitComparison', () => {
  it.each<[string, [string, string, number] | undefined]>([
    ['rate(mall_go_http_requests_total[5m]) > 1000', ['rate(mall_go_http_requests_total[5m])', '>', 1000]],
    ['1000 < rate(x[5m])', ['rate(x[5m])', '>', 1000]],
    ['0.8 >= x', ['x', '<=', 0.8]],
    ['(1 - (a / b)) > 0.8', ['(1 - (a / b))', '>', 0.8]],
    ['(up == 0)', ['up', '==', 0]],
    ['up != (1)', ['up', '!=', 1]],
    ['x < -5', ['x', '<', -5]],
    ['up > bool 0', undefined],
    ['a > b', undefined],
    ['up', undefined],
    ['up + 1', undefined],
    ['x > 1 and y', undefined],
  ])('%s', (source, expected) => {
    // Act
    const split = splitComparison(parsePromql(source));

    // Assert
    expect(
      split === undefined ? undefined : [formatPromql(split.operand), split.op, split.threshold],
    ).toEqual(expected);
  });
});

describe('limitSeries', () => {
  const series = Array.from({ length: 12 }, (_, i) => ({ labels: { id: `a${11 - i}` }, value: i }));

  it.each<[string, number | undefined, string[], number]>([
    ['keeps the first series in label order', 3, ['a0', 'a1', 'a10'], 9],
    ['defaults to 50', undefined, ['a0'], 0],
    ['cuts nothing under the limit', 12, ['a0'], 0],
  ])('%s', (_name, maxSeries, first, truncated) => {
    // Act
    const result = maxSeries === undefined ? limitSeries(series) : limitSeries(series, maxSeries);

    // Assert
    expect(result.series.slice(0, first.length).map((s) => s.labels.id)).toEqual(first);
    expect(result.truncated).toBe(truncated);
    expect(result.series).toHaveLength(12 - truncated);
  });

  it('orders by label names, then values, then length, as Prometheus does', () => {
    // Arrange
    const mixed = [
      { labels: { b: '1' }, value: 1 },
      { labels: { a: '2', b: '0' }, value: 2 },
      { labels: { a: '2' }, value: 3 },
      { labels: { a: '10' }, value: 4 },
    ];

    // Act
    const { series: ordered } = limitSeries(mixed);

    // Assert
    expect(ordered.map((s) => s.value)).toEqual([4, 3, 2, 1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxSeries %p', (maxSeries) => {
    // Act and Assert
    expect(() => limitSeries(series, maxSeries)).toThrow(RangeError);
  });
});
