/**
 * The metric math vigil's alarms use, with the semantics of the CloudWatch user guide ("Using metric math"):
 * missing values count as 0 where series combine, a scalar applies to each datapoint a series has, a division by
 * zero drops the datapoint, SUM of an array is one series. And the quorum alarm built from it.
 */
import { alarmDefinitions } from '../../../functions/alarms/definitions';
import {
  evaluateMath,
  MathSyntaxError,
  parseMath,
  renderMath,
  type Series,
} from '../../../functions/alarms/metric-math';
import { quorumOf } from '../../../functions/alarms/quorum';
import { parseConfig } from '../../../functions/config/load';

/** A series from values per minute (undefined: no datapoint). */
const ts = (...values: (number | undefined)[]): Series =>
  new Map(
    values.flatMap((value, minute) => (value === undefined ? [] : [[minute * 60_000, value] as const])),
  );
const values = (series: Series, minutes: number) =>
  Array.from({ length: minutes }, (_, minute) => series.get(minute * 60_000));

describe('metric math', () => {
  it.each([
    [
      'two series: missing counts as 0, on every timestamp either has',
      'm1 + m2',
      { m1: ts(1, 2, undefined), m2: ts(undefined, 3, 4) },
      [1, 5, 4],
    ],
    [
      'a scalar applies to the datapoints a series has',
      '1 - m1',
      { m1: ts(1, undefined, 0) },
      [0, undefined, 1],
    ],
    [
      'SUM of an array, missing as 0',
      'SUM([m1, m2])',
      { m1: ts(1, 2, undefined), m2: ts(undefined, 3, undefined) },
      [1, 5, undefined],
    ],
    [
      'a division by zero drops the datapoint',
      'SUM(100 / [m1, m2])',
      { m1: ts(4, 0), m2: ts(5, 5) },
      [45, 20],
    ],
    [
      'METRICS("text") keeps the metrics whose id contains it',
      'SUM(METRICS("err"))',
      { errA: ts(1), errB: ts(2), ok: ts(100) },
      [3],
    ],
    [
      'MAX and MIN of an array, over the series present',
      'MAX([m1, m2]) - MIN([m1, m2])',
      { m1: ts(1, 7), m2: ts(5) },
      [4, 0],
    ],
    [
      'the quorum: how many locations failed (Minimum 0), a silent location adding nothing',
      'SUM(1 - METRICS())',
      { l1: ts(1, 0, undefined), l2: ts(0, 0, 1), l3: ts(1, undefined, undefined) },
      [1, 2, 0],
    ],
  ])('%s: %s', (_name, expression, metrics, expected) => {
    expect(values(evaluateMath(expression, metrics), expected.length)).toEqual(expected);
  });

  it.each([
    ['SUM(m1', 'expected ")" (at position 6)'],
    [
      'FILL(m1, 0)',
      '"FILL" is not supported (vigil evaluates SUM, MAX, MIN, METRICS, + - * /) (at position 0)',
    ],
    ['m1 > 1', 'unexpected ">" (at position 3)'],
  ])('refuses %s with a position', (source, message) => {
    expect(() => parseMath(source)).toThrow(
      new MathSyntaxError(
        message.replace(/ \(at position \d+\)$/, ''),
        Number(/(\d+)\)$/.exec(message)?.[1]),
      ),
    );
  });

  it('refuses SUM of one series (a scalar over the fetched range, which AWS advises against in alarms)', () => {
    expect(() => evaluateMath('SUM(m1)', { m1: ts(1) })).toThrow(/scalar over the fetched range/);
  });

  it.each(['SUM(1 - METRICS())', 'SUM(100 / [m1, m2])', '-(m1 + m2) * 2', 'METRICS("err")'])(
    'renders %s as it parses',
    (source) => {
      expect(renderMath(parseMath(source))).toBe(source);
    },
  );
});

describe('quorum down alarm', () => {
  const config = (probe: string) =>
    parseConfig(`probe: { ${probe} }\ntargets:\n  - { name: shop, url: "https://shop.example.com/" }\n`);

  it.each([
    ['locations: [us-east-1, eu-west-1, ap-southeast-1]', 2],
    ['locations: [us-east-1, eu-west-1]', 2],
    ['locations: [us-east-1, eu-west-1, ap-southeast-1, us-west-2, eu-central-1]', 3],
    ['locations: [us-east-1, eu-west-1, ap-southeast-1], quorum: 1', 1],
  ])('with %s needs %d failing locations (default: a majority)', (probe, quorum) => {
    expect(quorumOf(config(probe).probe)).toBe(quorum);
    const [down] = alarmDefinitions(config(probe), { stage: 'dev', region: 'us-east-1' });
    expect(down).toMatchObject({
      kind: 'down',
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: quorum,
    });
    expect(down?.math?.expression).toBe('SUM(1 - METRICS())');
  });

  it('says in its description how many locations must agree, and which', () => {
    const [down] = alarmDefinitions(config('locations: [us-east-1, eu-west-1, ap-southeast-1]'), {
      stage: 'dev',
      region: 'us-east-1',
    });
    expect(down?.description.split('\n')[0]).toMatch(
      /^shop is down \(critical\): its probe failed from at least 2 of 3 locations \(us-east-1, eu-west-1, ap-southeast-1\) in 2 of the last 3 periods of 1 minute\. One location alone never fires it/,
    );
  });

  it.each([
    [
      'quorum: 4',
      'locations: [us-east-1, eu-west-1, ap-southeast-1], quorum: 4',
      'probe.quorum (line 1): quorum (4) exceeds the 3 locations',
    ],
    [
      'a quorum without locations',
      'quorum: 2',
      'probe.quorum (line 1): a quorum needs probe.locations (several regions)',
    ],
    [
      'a location twice',
      'locations: [us-east-1, us-east-1]',
      'probe.locations[1] (line 1): us-east-1 is listed twice',
    ],
    [
      'not a region',
      'locations: [mars-1]',
      'probe.locations[0] (line 1): use an AWS region code such as us-east-1',
    ],
  ])('refuses %s with its path', (_name, probe, message) => {
    expect(() => config(probe)).toThrow(message);
  });
});
