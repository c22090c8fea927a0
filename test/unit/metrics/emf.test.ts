import type { Datum } from '../../../functions/metrics/datums';
import {
  EMF_LINE_MAX_BYTES,
  EMF_METRICS_PER_DIRECTIVE_MAX,
  EMF_VALUES_PER_METRIC_MAX,
  emfProblem,
  toEmfLines,
} from '../../../functions/metrics/emf';
import { AT, datumKey, longDimensionDatums, ordinaryDatums, readEmf, sortedKeys } from './helpers';

const NS = 'Vigil';

function datum(overrides: Partial<Datum> = {}): Datum {
  return {
    MetricName: 'ProbeDuration',
    Dimensions: [{ Name: 'Target', Value: 'api' }],
    Timestamp: new Date(1767225600000),
    Value: 12.5,
    Unit: 'Milliseconds',
    ...overrides,
  };
}

describe('toEmfLines: format', () => {
  it('writes the documented EMF shape, timestamp in ms', () => {
    expect(toEmfLines(NS, [datum()])).toEqual([
      '{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"Vigil","Dimensions":[["Target"]],' +
        '"Metrics":[{"Name":"ProbeDuration","Unit":"Milliseconds"}]}]},"Target":"api","ProbeDuration":12.5}',
    ]);
  });

  it('puts repeated values of one metric into an array', () => {
    const [line] = toEmfLines(NS, [datum({ Value: 1 }), datum({ Value: 2 }), datum({ Value: 3 })]);

    expect(JSON.parse(line!).ProbeDuration).toEqual([1, 2, 3]);
  });

  it('keeps a dimension named __proto__ as an ordinary key', () => {
    const lines = toEmfLines(NS, [datum({ Dimensions: [{ Name: '__proto__', Value: 'x' }] })]);

    expect(readEmf(lines).map((r) => r.datum.Dimensions)).toEqual([[{ Name: '__proto__', Value: 'x' }]]);
  });
});

describe('toEmfLines: grouping', () => {
  it.each<[string, Datum[], number]>([
    [
      'one target, one timestamp, several metrics',
      [datum(), datum({ MetricName: 'ProbeSuccess', Unit: 'Count' })],
      1,
    ],
    ['two targets', [datum(), datum({ Dimensions: [{ Name: 'Target', Value: 'web' }] })], 2],
    ['two timestamps', [datum(), datum({ Timestamp: new Date(1767225660000) })], 2],
    [
      'same dimension set in another order is the same metric',
      [
        datum({
          Dimensions: [
            { Name: 'Target', Value: 'api' },
            { Name: 'method', Value: 'GET' },
          ],
        }),
        datum({
          MetricName: 'Other',
          Dimensions: [
            { Name: 'method', Value: 'GET' },
            { Name: 'Target', Value: 'api' },
          ],
        }),
      ],
      1,
    ],
    ['one name with two units cannot share a definition', [datum(), datum({ Unit: 'Seconds' })], 2],
  ])('%s → %i line(s)', (_name, datums, expected) => {
    const lines = toEmfLines(NS, datums);

    expect(lines).toHaveLength(expected);
    expect(sortedKeys(readEmf(lines).map((r) => r.datum))).toEqual(sortedKeys(datums));
  });
});

describe('toEmfLines: limits', () => {
  const distinctMetrics = (n: number) => Array.from({ length: n }, (_, i) => datum({ MetricName: `M${i}` }));
  const repeatedValues = (n: number) => Array.from({ length: n }, (_, i) => datum({ Value: i }));

  it.each<[string, Datum[], number]>([
    [`${EMF_METRICS_PER_DIRECTIVE_MAX} metrics fit one directive`, distinctMetrics(100), 1],
    ['250 metrics → 3 directives (100/100/50)', distinctMetrics(250), 3],
    [`${EMF_VALUES_PER_METRIC_MAX} values fit one array`, repeatedValues(100), 1],
    ['250 values → 3 arrays', repeatedValues(250), 3],
    ['10,000 ordinary datums of 1,000 targets', ordinaryDatums(10_000), 1000],
  ])('%s', (_name, datums, expectedLines) => {
    const lines = toEmfLines(NS, datums);

    expect(lines).toHaveLength(expectedLines);
    for (const line of lines) {
      const parsed = JSON.parse(line);
      const directive = parsed._aws.CloudWatchMetrics[0];
      expect(directive.Metrics.length).toBeLessThanOrEqual(EMF_METRICS_PER_DIRECTIVE_MAX);
      for (const metric of directive.Metrics) {
        expect([parsed[metric.Name]].flat().length).toBeLessThanOrEqual(EMF_VALUES_PER_METRIC_MAX);
      }
    }
    expect(sortedKeys(readEmf(lines).map((r) => r.datum))).toEqual(sortedKeys(datums));
  });

  // One group (same dimensions and timestamp) of 300 metrics × 6 values with 253-character names.
  const heavy = (dimensions: Datum['Dimensions']) =>
    Array.from({ length: 1800 }, (_, i) =>
      datum({ Dimensions: dimensions, MetricName: `${'n'.repeat(250)}${i % 300}`, Value: i / 7 }),
    );

  it.each([
    [
      'the default 1 MB, widest dimensions (30 × 1,024 chars)',
      heavy(longDimensionDatums(1)[0]!.Dimensions),
      undefined,
    ],
    ['a 64 KB cap, widest dimensions', heavy(longDimensionDatums(1)[0]!.Dimensions), 65_536],
    ['a 4 KB cap, one short dimension', heavy([{ Name: 'Target', Value: 'api' }]), 4_096],
  ])('every line within %s', (_name, datums, maxLineBytes) => {
    const options = maxLineBytes === undefined ? {} : { maxLineBytes };

    const lines = toEmfLines(NS, datums, options);

    for (const line of lines) {
      expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(maxLineBytes ?? EMF_LINE_MAX_BYTES);
    }
    expect(sortedKeys(readEmf(lines).map((r) => r.datum))).toEqual(sortedKeys(datums));
  });

  it('carries every value exactly once (no merging of equal values)', () => {
    const datums = [datum({ Value: 7 }), datum({ Value: 7 }), datum({ Value: 7 })];

    const read = readEmf(toEmfLines(NS, datums));

    expect(read.map((r) => datumKey(r.datum))).toEqual(datums.map(datumKey));
  });
});

describe('emfProblem', () => {
  it.each<[string, Partial<Datum>, RegExp | undefined]>([
    ['ordinary datum', {}, undefined],
    ['no dimensions', { Dimensions: [] }, undefined],
    ['metric named like its dimension', { MetricName: 'Target' }, /same name/],
    ['metric named _aws', { MetricName: '_aws' }, /reserved by EMF/],
    ['dimension named _aws', { Dimensions: [{ Name: '_aws', Value: 'x' }] }, /reserved by EMF/],
  ])('%s', (_name, overrides, expected) => {
    const problem = emfProblem(datum(overrides));

    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it('toEmfLines refuses such datums instead of writing a wrong line', () => {
    expect(() => toEmfLines(NS, [datum({ MetricName: 'Target' })])).toThrow(/same name/);
  });
});

it('uses the datum timestamp, not the clock', () => {
  const [line] = toEmfLines(NS, [datum({ Timestamp: AT })]);

  expect(JSON.parse(line!)._aws.Timestamp).toBe(AT.getTime());
});
