import type { AlarmDefinition, TreatMissingData } from '../../../functions/alarms/definitions';
import {
  AlarmEvaluator,
  type AlarmRule,
  type AlarmState,
  evaluateAlarm,
  formatValue,
} from '../../../functions/alarms/evaluate';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function rule(overrides: Partial<AlarmRule> = {}): AlarmRule {
  return {
    comparison: { op: '>', threshold: 3 },
    statistic: 'Maximum',
    periodSeconds: 60,
    datapointsToAlarm: 3,
    evaluationPeriods: 3,
    treatMissingData: 'missing',
    ...overrides,
  };
}

/** "0 - X - X", oldest first, one character per minute ending just before `at`: 0 within, X breaching, - missing. */
function periodsOf(pattern: string, at: number): Map<number, number[]> {
  const points = pattern.split(' ');
  const periods = new Map<number, number[]>();
  points.forEach((point, index) => {
    const start = at - (points.length - index) * MINUTE;
    if (point === '0') periods.set(start, [1]);
    if (point === 'X') periods.set(start, [5]);
  });
  return periods;
}

describe('CloudWatch missing-data tables (user guide, "How alarm state is evaluated when data is missing")', () => {
  const modes: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
  const KEEP = 'keep';
  // Datapoints to alarm 3, evaluation periods 3: the evaluation range is 5 datapoints.
  it.each([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', KEEP, 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - - - X', ['INSUFFICIENT_DATA', KEEP, 'ALARM', 'OK']],
    ['X - - - -', ['ALARM', KEEP, 'ALARM', 'OK']],
  ])('3 of 3, %s → missing/ignore/breaching/notBreaching = %j', (pattern, expected) => {
    modes.forEach((mode, index) => {
      const current: AlarmState = 'OK';
      const outcome = evaluateAlarm(rule({ treatMissingData: mode }), periodsOf(pattern, T0), {
        at: T0,
        current,
      });
      expect([mode, outcome.state]).toEqual([mode, expected[index] === KEEP ? current : expected[index]]);
    });
  });

  it.each([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', KEEP, 'ALARM', 'OK']],
  ])('2 of 3, %s → missing/ignore/breaching/notBreaching = %j', (pattern, expected) => {
    modes.forEach((mode, index) => {
      const current: AlarmState = 'ALARM';
      const outcome = evaluateAlarm(
        rule({ datapointsToAlarm: 2, treatMissingData: mode }),
        periodsOf(pattern, T0),
        {
          at: T0,
          current,
        },
      );
      expect([mode, outcome.state]).toEqual([mode, expected[index] === KEEP ? current : expected[index]]);
    });
  });

  it('keeps INSUFFICIENT_DATA with ignore when nothing ever arrived', () => {
    const outcome = evaluateAlarm(rule({ treatMissingData: 'ignore' }), new Map(), {
      at: T0,
      current: 'INSUFFICIENT_DATA',
    });
    expect(outcome.state).toBe('INSUFFICIENT_DATA');
  });
});

describe('evaluation details', () => {
  it('does not evaluate the period still running', () => {
    const periods = new Map([[T0, [5]]]);
    expect(
      evaluateAlarm(rule({ datapointsToAlarm: 1, evaluationPeriods: 1 }), periods, {
        at: T0 + 30_000,
        current: 'OK',
      }).state,
    ).toBe('INSUFFICIENT_DATA');
    expect(
      evaluateAlarm(rule({ datapointsToAlarm: 1, evaluationPeriods: 1 }), periods, {
        at: T0 + MINUTE,
        current: 'OK',
      }).state,
    ).toBe('ALARM');
  });

  it.each([
    ['Maximum', [1, 9, 2], '> 5', 'ALARM'],
    ['Minimum', [1, 9, 2], '> 5', 'OK'],
    ['Average', [1, 9, 2], '> 5', 'OK'],
    ['Sum', [1, 9, 2], '> 5', 'ALARM'],
    ['SampleCount', [1, 9, 2], '> 2', 'ALARM'],
  ] as const)('%s of %j %s → %s', (statistic, values, text, expected) => {
    const threshold = Number(text.slice(2));
    const outcome = evaluateAlarm(
      rule({ statistic, comparison: { op: '>', threshold }, datapointsToAlarm: 1, evaluationPeriods: 1 }),
      new Map([[T0 - MINUTE, values]]),
      { at: T0, current: 'OK' },
    );
    expect(outcome.state).toBe(expected);
  });

  it.each([
    [5234, '5234.0'],
    [0.5, '0.5'],
    [-1, '-1.0'],
  ])('formats %d like CloudWatch: %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

function definition(overrides: Partial<AlarmDefinition>): AlarmDefinition {
  return {
    name: 'vigil-dev-one-api-Goroutines-critical',
    kind: 'threshold',
    severity: 'critical',
    target: 'one-api',
    notify: 'alerts',
    source: 'targets[0].metrics[0].thresholds.critical',
    metric: {
      namespace: 'Vigil',
      metricName: 'Goroutines',
      dimensions: { Target: 'one-api' },
      series: 'exact',
    },
    unit: 'Count',
    statistic: 'Maximum',
    comparison: { op: '>', threshold: 5000 },
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 5000,
    periodSeconds: 60,
    datapointsToAlarm: 2,
    evaluationPeriods: 3,
    treatMissingData: 'missing',
    description: '',
    ...overrides,
  };
}

/** Feeds one value per minute (undefined: the probe published nothing) and evaluates after each minute. */
function story(alarm: AlarmDefinition, values: (number | undefined)[], metricName = alarm.metric.metricName) {
  const evaluator = new AlarmEvaluator([alarm]);
  const log: string[] = [];
  values.forEach((value, minute) => {
    const at = T0 + minute * MINUTE;
    if (value !== undefined)
      evaluator.record({ metricName, dimensions: { Target: alarm.target }, timestamp: at + 5_000, value });
    for (const transition of evaluator.evaluate(at + MINUTE)) {
      log.push(`${minute}: ${transition.from} -> ${transition.to} (${transition.reason})`);
    }
  });
  return log;
}

describe('AlarmEvaluator stories', () => {
  it('2 of 3 above 5000 fires, then recovers', () => {
    expect(story(definition({}), [1200, 5234, 900, 5120, 800, 700])).toEqual([
      '0: INSUFFICIENT_DATA -> OK (Threshold Crossed: 1 datapoint [1200.0 (01/11/26 12:00:00)] was not greater than the threshold (5000.0).)',
      '3: OK -> ALARM (Threshold Crossed: 2 out of the last 3 datapoints [5120.0 (01/11/26 12:03:00), 5234.0 (01/11/26 12:01:00)] were greater than the threshold (5000.0) (minimum 2 datapoints for OK -> ALARM transition).)',
      '4: ALARM -> OK (Threshold Crossed: 2 datapoints [800.0 (01/11/26 12:04:00), 900.0 (01/11/26 12:02:00)] were not greater than the threshold (5000.0).)',
    ]);
  });

  it('a single spike does not fire a 2 of 3 alarm', () => {
    expect(story(definition({}), [100, 9000, 100, 100])).toEqual([
      expect.stringMatching(/^0: INSUFFICIENT_DATA -> OK/),
    ]);
  });

  it('missing: the probe stops reporting → INSUFFICIENT_DATA once the whole range is empty', () => {
    const log = story(definition({ datapointsToAlarm: 1, evaluationPeriods: 1 }), [
      100,
      undefined,
      undefined,
      undefined,
      100,
    ]);
    expect(log).toEqual([
      expect.stringMatching(/^0: INSUFFICIENT_DATA -> OK/),
      // Range = N + 2 = 3 periods: the last real datapoint keeps deciding for two more minutes.
      '3: OK -> INSUFFICIENT_DATA (Insufficient Data: no datapoints were received for 1 period and 1 missing datapoint was treated as [Missing].)',
      expect.stringMatching(/^4: INSUFFICIENT_DATA -> OK/),
    ]);
  });

  it('ignore: a firing alarm stays firing while data is missing', () => {
    const alarm = definition({ datapointsToAlarm: 1, evaluationPeriods: 1, treatMissingData: 'ignore' });
    expect(story(alarm, [9000, undefined, undefined, undefined, undefined, 10])).toEqual([
      expect.stringMatching(/^0: INSUFFICIENT_DATA -> ALARM/),
      expect.stringMatching(/^5: ALARM -> OK/),
    ]);
  });

  it('breaching (the down alarm): a probe that stops reporting goes to ALARM', () => {
    const down = definition({
      name: 'vigil-dev-one-api-down-critical',
      kind: 'down',
      metric: {
        namespace: 'Vigil',
        metricName: 'ProbeSuccess',
        dimensions: { Target: 'one-api' },
        series: 'exact',
      },
      statistic: 'Minimum',
      comparison: { op: '<', threshold: 1 },
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      treatMissingData: 'breaching',
      warmUpMinutes: 5,
    });
    const log = story(down, [1, 1, 1, undefined, undefined, undefined, undefined, undefined, 1, 1, 1]);
    expect(log).toEqual([
      // Warm-up keeps it in INSUFFICIENT_DATA until 3 datapoints have arrived.
      expect.stringMatching(/^2: INSUFFICIENT_DATA -> OK/),
      // Three real datapoints in the 5-period range keep it OK until only one remains; then the fill breaches.
      '6: OK -> ALARM (Threshold Crossed: no datapoint of the last 3 was less than the threshold (1.0), and 2 missing datapoints were treated as [Breaching] (minimum 2 datapoints for OK -> ALARM transition).)',
      expect.stringMatching(/^9: ALARM -> OK/),
    ]);
  });

  it('breaching: failed probes fire after 2 of 3 and recover after the failures age out', () => {
    const down = definition({
      metric: {
        namespace: 'Vigil',
        metricName: 'ProbeSuccess',
        dimensions: { Target: 'one-api' },
        series: 'exact',
      },
      statistic: 'Minimum',
      comparison: { op: '<', threshold: 1 },
      treatMissingData: 'breaching',
      warmUpMinutes: 5,
    });
    expect(story(down, [1, 0, 1, 0, 1, 1, 1])).toEqual([
      expect.stringMatching(/^2: INSUFFICIENT_DATA -> OK/),
      expect.stringMatching(
        /^3: OK -> ALARM \(Threshold Crossed: 2 out of the last 3 datapoints \[0.0 \(01\/11\/26 12:03:00\), 0.0 \(01\/11\/26 12:01:00\)\] were less than/,
      ),
      expect.stringMatching(/^4: ALARM -> OK/),
    ]);
  });

  it('breaching without warm-up: a brand-new alarm with no data fires at once (as in CloudWatch)', () => {
    expect(story(definition({ treatMissingData: 'breaching' }), [undefined])).toEqual([
      expect.stringMatching(
        /^0: INSUFFICIENT_DATA -> ALARM \(Threshold Crossed: no datapoints were received for 3 periods/,
      ),
    ]);
  });

  it('breaching with warm-up: no data at all fires once the warm-up period is over', () => {
    const alarm = definition({ treatMissingData: 'breaching', warmUpMinutes: 3 });
    expect(story(alarm, [undefined, undefined, undefined, undefined])).toEqual([
      // Created at the first evaluation (minute 0 + 1), warm for 3 minutes.
      expect.stringMatching(/^3: INSUFFICIENT_DATA -> ALARM/),
    ]);
  });

  it('notBreaching: silence resolves', () => {
    const alarm = definition({
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
    });
    expect(story(alarm, [9000, undefined, undefined, undefined])).toEqual([
      expect.stringMatching(/^0: INSUFFICIENT_DATA -> ALARM/),
      expect.stringMatching(
        /^3: ALARM -> OK \(Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as \[NonBreaching\]\.\)/,
      ),
    ]);
  });

  it('a Metrics Insights alarm takes every labelled series of its target (the worst decides)', () => {
    const alarm = definition({
      metric: {
        namespace: 'Vigil',
        metricName: 'RequestsByMethod',
        dimensions: { Target: 'one-api' },
        series: 'all',
      },
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
    });
    const evaluator = new AlarmEvaluator([alarm]);
    expect(
      evaluator.record({
        metricName: 'RequestsByMethod',
        dimensions: { Target: 'one-api', method: 'GET' },
        timestamp: T0,
        value: 10,
      }),
    ).toBe(1);
    evaluator.record({
      metricName: 'RequestsByMethod',
      dimensions: { Target: 'one-api', method: 'POST' },
      timestamp: T0,
      value: 6000,
    });
    evaluator.record({
      metricName: 'RequestsByMethod',
      dimensions: { Target: 'other', method: 'POST' },
      timestamp: T0,
      value: 1,
    });
    expect(evaluator.evaluate(T0 + MINUTE)).toEqual([
      expect.objectContaining({ alarm: alarm.name, from: 'INSUFFICIENT_DATA', to: 'ALARM', value: 6000 }),
    ]);
    expect(evaluator.state(alarm.name)).toBe('ALARM');
  });

  it('takes the datums the probe publishes', () => {
    const evaluator = new AlarmEvaluator([definition({ datapointsToAlarm: 1, evaluationPeriods: 1 })]);
    evaluator.recordDatums(
      [
        {
          MetricName: 'Goroutines',
          Dimensions: [{ Name: 'Target', Value: 'one-api' }],
          Timestamp: new Date(T0),
          Value: 5234,
          Unit: 'Count',
        },
        {
          MetricName: 'ProbeSuccess',
          Dimensions: [{ Name: 'Target', Value: 'one-api' }],
          Timestamp: new Date(T0),
          Value: 1,
          Unit: 'Count',
        },
      ],
      'Vigil',
    );
    expect(evaluator.evaluate(T0 + MINUTE)).toEqual([
      expect.objectContaining({
        to: 'ALARM',
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [5234.0 (01/11/26 12:00:00)] was greater than the threshold (5000.0) (minimum 1 datapoint for OK -> ALARM transition).',
      }),
    ]);
  });

  it('ignores samples of other series', () => {
    const evaluator = new AlarmEvaluator([definition({})]);
    expect(
      evaluator.record({
        metricName: 'Goroutines',
        dimensions: { Target: 'one-api', x: 'y' },
        timestamp: T0,
        value: 1,
      }),
    ).toBe(0);
    expect(
      evaluator.record({ metricName: 'Other', dimensions: { Target: 'one-api' }, timestamp: T0, value: 1 }),
    ).toBe(0);
  });
});
