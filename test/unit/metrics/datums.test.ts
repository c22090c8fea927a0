import { type Datum, datumProblem, datumsFromResults } from '../../../functions/metrics/datums';
import type { MetricUnit } from '../../../functions/metrics/units';
import type { ProbeResult } from '../../../functions/probing/types';
import { AT, probeResult } from './helpers';

const PHASES = { dnsLookupMs: 1, connectMs: 2, tlsHandshakeMs: 3, timeToFirstByteMs: 4, transferMs: 5 };

function summary(datums: Datum[]): [string, number, string][] {
  return datums.map((d) => [d.MetricName, d.Value, d.Unit]);
}

describe('datumsFromResults: standard metrics', () => {
  it.each<[string, Partial<ProbeResult>, [string, number, string][]]>([
    [
      'minimal failed probe: success and duration only',
      { success: false, reason: 'connect', durationMs: 30 },
      [
        ['ProbeSuccess', 0, 'Count'],
        ['ProbeDuration', 30, 'Milliseconds'],
      ],
    ],
    [
      'HTTP probe with status, phases and certificate',
      { statusCode: 200, phases: PHASES, certExpiryDays: 41.5 },
      [
        ['ProbeSuccess', 1, 'Count'],
        ['ProbeDuration', 120.5, 'Milliseconds'],
        ['HttpStatusCode', 200, 'None'],
        ['DnsLookupTime', 1, 'Milliseconds'],
        ['ConnectTime', 2, 'Milliseconds'],
        ['TlsHandshakeTime', 3, 'Milliseconds'],
        ['TimeToFirstByte', 4, 'Milliseconds'],
        ['TransferTime', 5, 'Milliseconds'],
        ['CertExpiryDays', 41.5, 'None'],
      ],
    ],
    [
      'a 503 still reports its status code',
      { success: false, reason: 'status', statusCode: 503 },
      [
        ['ProbeSuccess', 0, 'Count'],
        ['ProbeDuration', 120.5, 'Milliseconds'],
        ['HttpStatusCode', 503, 'None'],
      ],
    ],
  ])('%s', (_name, overrides, expected) => {
    const { datums, dropped } = datumsFromResults([probeResult(overrides)]);

    expect(summary(datums)).toEqual(expected);
    expect(dropped).toEqual([]);
  });

  it('gives every datum the Target dimension and the probe timestamp', () => {
    const { datums } = datumsFromResults([
      probeResult({ target: 'checkout', statusCode: 200, phases: PHASES }),
    ]);

    for (const datum of datums) {
      expect(datum.Dimensions).toEqual([{ Name: 'Target', Value: 'checkout' }]);
      expect(datum.Timestamp).toBe(AT);
    }
  });
});

describe('datumsFromResults: extracted values', () => {
  it('adds Target before the value’s own dimensions and keeps its unit', () => {
    const result = probeResult({
      type: 'prometheus',
      values: [
        {
          metric: 'RequestRate',
          unit: 'Count/Second',
          value: 12,
          dimensions: { method: 'GET', code: '200' },
        },
      ],
    });

    const { datums } = datumsFromResults([result]);

    expect(datums.at(-1)).toEqual({
      MetricName: 'RequestRate',
      Dimensions: [
        { Name: 'Target', Value: 'api' },
        { Name: 'method', Value: 'GET' },
        { Name: 'code', Value: '200' },
      ],
      Timestamp: AT,
      Value: 12,
      Unit: 'Count/Second',
    });
  });
});

const dims = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`d${i}`, 'v']));

describe('datumsFromResults: what CloudWatch would reject is dropped and reported', () => {
  it.each<[string, Partial<ProbeResult>, string, RegExp]>([
    ['NaN duration', { durationMs: Number.NaN }, 'ProbeDuration', /NaN is not a finite number/],
    ['infinite cert expiry', { certExpiryDays: Number.POSITIVE_INFINITY }, 'CertExpiryDays', /Infinity/],
    [
      'NaN extracted value',
      { values: [{ metric: 'Goroutines', unit: 'Count', value: Number.NaN, dimensions: {} }] },
      'Goroutines',
      /NaN/,
    ],
    [
      '-Infinity extracted value',
      { values: [{ metric: 'Lag', unit: 'Seconds', value: Number.NEGATIVE_INFINITY, dimensions: {} }] },
      'Lag',
      /-Infinity/,
    ],
    [
      'value beyond ±2^360',
      { values: [{ metric: 'Huge', unit: 'None', value: 2 ** 361, dimensions: {} }] },
      'Huge',
      /2\^360/,
    ],
    [
      '31 dimensions (Target + 30)',
      { values: [{ metric: 'Wide', unit: 'Count', value: 1, dimensions: dims(30) }] },
      'Wide',
      /31 dimensions exceed the limit of 30/,
    ],
    [
      'dimension value of 1,025 characters',
      { values: [{ metric: 'Long', unit: 'Count', value: 1, dimensions: { path: 'x'.repeat(1025) } }] },
      'Long',
      /1025 characters \(limit 1024\)/,
    ],
    [
      'empty dimension value',
      { values: [{ metric: 'Empty', unit: 'Count', value: 1, dimensions: { method: '' } }] },
      'Empty',
      /"method" has an empty value/,
    ],
    [
      'blank dimension value',
      { values: [{ metric: 'Blank', unit: 'Count', value: 1, dimensions: { method: '   ' } }] },
      'Blank',
      /not blank/,
    ],
    [
      'non-ASCII dimension value',
      { values: [{ metric: 'Accent', unit: 'Count', value: 1, dimensions: { city: 'Zürich' } }] },
      'Accent',
      /printable ASCII/,
    ],
    [
      'dimension named Target',
      { values: [{ metric: 'Clash', unit: 'Count', value: 1, dimensions: { Target: 'other' } }] },
      'Clash',
      /reserved for the target/,
    ],
    [
      'metric name of 256 characters',
      { values: [{ metric: 'm'.repeat(256), unit: 'Count', value: 1, dimensions: {} }] },
      'm'.repeat(256),
      /1-255 characters/,
    ],
    [
      'unit CloudWatch does not know',
      { values: [{ metric: 'Odd', unit: 'Furlongs' as MetricUnit, value: 1, dimensions: {} }] },
      'Odd',
      /unit "Furlongs"/,
    ],
  ])('%s', (_name, overrides, metric, why) => {
    const { datums, dropped } = datumsFromResults([probeResult(overrides)]);

    expect(dropped).toEqual([{ metric, target: 'api', why: expect.stringMatching(why) }]);
    expect(datums.map((d) => d.MetricName)).not.toContain(metric);
    // The rest of the probe's metrics survive.
    expect(datums.map((d) => d.MetricName)).toContain('ProbeSuccess');
  });

  it('drops every metric of a target with an empty name, naming each', () => {
    const { datums, dropped } = datumsFromResults([probeResult({ target: '' })]);

    expect(datums).toEqual([]);
    expect(dropped.map((d) => d.metric)).toEqual(['ProbeSuccess', 'ProbeDuration']);
  });

  it.each<[string, Partial<ProbeResult>]>([
    [
      '30 dimensions (Target + 29)',
      { values: [{ metric: 'W', unit: 'Count', value: 1, dimensions: dims(29) }] },
    ],
    [
      'dimension value of exactly 1,024 characters',
      { values: [{ metric: 'L', unit: 'Count', value: 1, dimensions: { p: 'x'.repeat(1024) } }] },
    ],
    [
      'metric name of 255 characters',
      { values: [{ metric: 'm'.repeat(255), unit: 'Count', value: 1, dimensions: {} }] },
    ],
    [
      'value of exactly 2^360',
      { values: [{ metric: 'Big', unit: 'None', value: 2 ** 360, dimensions: {} }] },
    ],
    [
      'negative zero and tiny values',
      { values: [{ metric: 'Tiny', unit: 'None', value: -0, dimensions: {} }] },
    ],
  ])('keeps %s (at the limit)', (_name, overrides) => {
    const { dropped } = datumsFromResults([probeResult(overrides)]);

    expect(dropped).toEqual([]);
  });
});

describe('datumProblem', () => {
  const ok: Datum = {
    MetricName: 'M',
    Dimensions: [{ Name: 'Target', Value: 'a' }],
    Timestamp: AT,
    Value: 1,
    Unit: 'Count',
  };

  it.each<[string, Partial<Datum>, RegExp | undefined]>([
    ['valid datum', {}, undefined],
    ['no dimensions at all', { Dimensions: [] }, undefined],
    ['invalid date', { Timestamp: new Date(Number.NaN) }, /timestamp is not a valid date/],
    [
      'duplicate dimension names',
      {
        Dimensions: [
          { Name: 'a', Value: '1' },
          { Name: 'a', Value: '2' },
        ],
      },
      /"a" appears twice/,
    ],
    [
      'dimension name starting with a colon',
      { Dimensions: [{ Name: ':x', Value: '1' }] },
      /starting with ":"/,
    ],
    ['dimension name of 256 characters', { Dimensions: [{ Name: 'n'.repeat(256), Value: '1' }] }, /1-255/],
    ['control character in a value', { Dimensions: [{ Name: 'a', Value: 'x\ny' }] }, /x\\ny/],
  ])('%s', (_name, overrides, expected) => {
    const problem = datumProblem({ ...ok, ...overrides });

    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
