/**
 * CloudWatch metric-alarm semantics, pure: M out of N datapoints, the four ways of treating missing data, the
 * evaluation range that looks back further when datapoints are missing, and the state reasons CloudWatch writes.
 * `vigil dev` runs it locally over the definitions CloudFormation deploys (definitions.ts), so both agree.
 *
 * The rules follow the CloudWatch user guide ("How alarm state is evaluated when data is missing", "Avoiding
 * premature transitions to alarm state"); the two tables there are test cases in test/unit/alarms/evaluate.test.ts.
 *   1. CloudWatch fetches an evaluation range of more periods than N.
 *   2. With N or more real datapoints in it, the N most recent real ones decide; missing-data treatment is unused.
 *   3. With none, the treatment decides alone: missing → INSUFFICIENT_DATA, ignore → keep the state,
 *      breaching → ALARM, notBreaching → OK.
 *   4. With some: breaching/notBreaching fill the gap up to N (every real datapoint is kept). missing/ignore use
 *      only the real ones: M breaching → ALARM; any non-breaching → OK; otherwise (only breaching, fewer than M)
 *      `missing` goes to ALARM when the oldest breaching datapoint is at least M periods old (nothing but missing
 *      or breaching since then) and to INSUFFICIENT_DATA when not; `ignore` keeps the state.
 */

import type { Datum } from '../metrics/datums';
import {
  type AlarmDefinition,
  type AlarmStatistic,
  comparisonWords,
  EVALUATION_RANGE_EXTRA_PERIODS,
  matchesSelector,
  type TreatMissingData,
} from './definitions';
import { evaluateMath } from './metric-math';
import { breaches } from './threshold';

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export { EVALUATION_RANGE_EXTRA_PERIODS };

/** The parts of a definition evaluation needs. */
export type AlarmRule = Pick<
  AlarmDefinition,
  | 'comparison'
  | 'statistic'
  | 'periodSeconds'
  | 'datapointsToAlarm'
  | 'evaluationPeriods'
  | 'treatMissingData'
>;

/** Raw samples per period: key = period start in epoch ms (a multiple of the period), value = every sample in it. */
export type PeriodValues = ReadonlyMap<number, readonly number[]>;

export interface Evaluation {
  state: AlarmState;
  reason: string;
  /** The most recent real datapoint of the range (the statistic of its period), if any. */
  value?: number;
  /** The range, oldest first: the statistic per period, undefined where missing. */
  datapoints: (number | undefined)[];
  /** True when the state was kept because the alarm is still warming up. */
  warmingUp?: true;
}

/** Start (epoch ms) of the period containing `timestampMs`. */
export function periodStart(timestampMs: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor(timestampMs / periodMs) * periodMs;
}

/** Reduces one period's samples with a CloudWatch statistic; undefined for an empty period. */
export function aggregate(statistic: AlarmStatistic, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'Average':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

/**
 * The alarm state at time `at` (epoch ms): periods that ended by `at` are evaluated, the one still running is not
 * (CloudWatch evaluates complete periods). `current` matters only where `ignore` keeps the state. `warmingUp`:
 * the alarm is in its warm-up period, so it keeps its state until the last N periods all have datapoints.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  periods: PeriodValues,
  { at, current, warmingUp = false }: { at: number; current: AlarmState; warmingUp?: boolean },
): Evaluation {
  const periodMs = rule.periodSeconds * 1000;
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const range = n + EVALUATION_RANGE_EXTRA_PERIODS;
  const newest = periodStart(at, rule.periodSeconds) - periodMs;
  // Newest first, as CloudWatch counts "the last N datapoints".
  const points: (Datapoint | undefined)[] = [];
  for (let index = 0; index < range; index++) {
    const at = newest - index * periodMs;
    const aggregated = aggregate(rule.statistic, periods.get(at) ?? []);
    points.push(aggregated === undefined ? undefined : { value: aggregated, at });
  }
  const datapoints = [...points].reverse().map((point) => point?.value);
  const real = points.filter((point): point is Datapoint => point !== undefined);
  const value = real[0]?.value;
  const result = (state: AlarmState, reason: string): Evaluation => ({
    state,
    reason,
    datapoints,
    ...(value === undefined ? {} : { value }),
  });
  const isBreaching = (point: Datapoint) => breaches(point.value, rule.comparison);

  if (warmingUp && points.slice(0, n).some((point) => point === undefined)) {
    return {
      ...result(current, `Warming up: waiting for ${countWord(n, 'datapoint')} before evaluating.`),
      warmingUp: true,
    };
  }
  if (real.length === 0) return allMissing(rule, current, datapoints);
  if (real.length >= n) return result(...verdict(rule, real.slice(0, n), 0));

  const missingCount = n - real.length;
  switch (rule.treatMissingData) {
    case 'breaching':
    case 'notBreaching':
      return result(...verdict(rule, real, missingCount));
    case 'missing':
    case 'ignore': {
      const breachingCount = real.filter(isBreaching).length;
      if (breachingCount >= m || real.some((point) => !isBreaching(point)))
        return result(...verdict(rule, real, 0));
      // Only breaching datapoints, fewer than M: CloudWatch avoids a premature ALARM on a fresh spike, but does
      // alarm when the breach is old enough and nothing has contradicted it since.
      if (rule.treatMissingData === 'ignore') {
        return result(
          current,
          `Kept ${current}: only ${real.length} of ${n} datapoints were received (missing data is ignored).`,
        );
      }
      let oldestAge = 0;
      points.forEach((point, index) => {
        if (point !== undefined) oldestAge = index + 1;
      });
      if (oldestAge >= m) {
        return result(
          'ALARM',
          `Threshold Crossed: ${countWord(real.length, 'datapoint')} ${formatList(real)} ${real.length === 1 ? 'was' : 'were'} ` +
            `${comparisonWords(rule.comparison.op)} the threshold (${formatValue(rule.comparison.threshold)}) and no datapoint ` +
            `within it arrived in the ${countWord(oldestAge, 'period')} since (minimum ${countWord(m, 'datapoint')} for OK -> ALARM transition).`,
        );
      }
      return result(
        'INSUFFICIENT_DATA',
        `Insufficient Data: only ${countWord(real.length, 'datapoint')} ${formatList(real)} of the last ${n} ${real.length === 1 ? 'was' : 'were'} received, too recent to alarm on.`,
      );
    }
  }
}

/** Builds [state, reason] from the evaluated datapoints plus `filled` missing ones treated per the rule. */
function verdict(rule: AlarmRule, evaluated: readonly Datapoint[], filled: number): [AlarmState, string] {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const words = comparisonWords(rule.comparison.op);
  const threshold = formatValue(rule.comparison.threshold);
  const breaching = evaluated.filter((point) => breaches(point.value, rule.comparison));
  const within = evaluated.filter((point) => !breaches(point.value, rule.comparison));
  const filledBreaching = rule.treatMissingData === 'breaching' ? filled : 0;
  const treatedAs =
    filled === 0
      ? ''
      : `, and ${countWord(filled, 'missing datapoint')} ${filled === 1 ? 'was' : 'were'} treated as [${label(rule.treatMissingData)}]`;
  if (breaching.length + filledBreaching >= m) {
    const listed =
      breaching.length > 0
        ? `${breaching.length} out of the last ${n} datapoints ${formatList(breaching)} ${breaching.length === 1 ? 'was' : 'were'} ${words} the threshold (${threshold})`
        : `no datapoint of the last ${n} was ${words} the threshold (${threshold})`;
    return [
      'ALARM',
      `Threshold Crossed: ${listed}${treatedAs} (minimum ${countWord(m, 'datapoint')} for OK -> ALARM transition).`,
    ];
  }
  const listed =
    within.length > 0
      ? `${countWord(within.length, 'datapoint')} ${formatList(within)} ${within.length === 1 ? 'was' : 'were'} not ${words} the threshold (${threshold})`
      : `${breaching.length} out of the last ${n} datapoints ${formatList(breaching)} ${breaching.length === 1 ? 'was' : 'were'} ${words} the threshold (${threshold})`;
  return ['OK', `Threshold Crossed: ${listed}${treatedAs}.`];
}

function allMissing(rule: AlarmRule, current: AlarmState, datapoints: (number | undefined)[]): Evaluation {
  const n = rule.evaluationPeriods;
  const received = `no datapoints were received for ${countWord(n, 'period')}`;
  const treated = `${countWord(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${label(rule.treatMissingData)}]`;
  switch (rule.treatMissingData) {
    case 'missing':
      return {
        state: 'INSUFFICIENT_DATA',
        reason: `Insufficient Data: ${received} and ${treated}.`,
        datapoints,
      };
    case 'ignore':
      return {
        state: current,
        reason: `Kept ${current}: ${received} and missing data is ignored.`,
        datapoints,
      };
    case 'breaching':
      return { state: 'ALARM', reason: `Threshold Crossed: ${received} and ${treated}.`, datapoints };
    case 'notBreaching':
      return { state: 'OK', reason: `Threshold Crossed: ${received} and ${treated}.`, datapoints };
  }
}

const LABELS: Record<TreatMissingData, string> = {
  missing: 'Missing',
  ignore: 'Ignore',
  breaching: 'Breaching',
  notBreaching: 'NonBreaching',
};

function label(mode: TreatMissingData): string {
  return LABELS[mode];
}

function countWord(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** CloudWatch prints doubles the Java way: 5234.0, 0.5. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** One period's aggregated value and the period's start (epoch ms). */
interface Datapoint {
  value: number;
  at: number;
}

/**
 * CloudWatch's datapoint list, newest first with UTC times: `[5234.0 (22/11/26 01:35:00), 5120.0 (…)]`. The webhook
 * reads the breaching value from exactly this shape, so local reasons must match what AWS writes.
 */
function formatList(points: readonly Datapoint[]): string {
  return `[${points.map((point) => `${formatValue(point.value)} (${formatReasonTime(point.at)})`).join(', ')}]`;
}

function formatReasonTime(ms: number): string {
  const date = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Tracking many alarms over time

/** One value the probe published (the shape of a CloudWatch datum, namespace optional). */
export interface MetricSample {
  namespace?: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  timestamp: Date | number;
  value: number;
}

export interface AlarmTransition {
  alarm: string;
  definition: AlarmDefinition;
  from: AlarmState;
  to: AlarmState;
  at: Date;
  reason: string;
  value?: number;
}

interface Tracked {
  definition: AlarmDefinition;
  periods: Map<number, number[]>;
  /** A metric-math alarm's samples, per query id (definition.math). */
  queries: Map<string, Map<number, number[]>>;
  state: AlarmState;
  /** Warm-up: pending (not started), until (epoch ms), or over (time passed or the window filled). */
  warmUp: 'pending' | 'over' | number;
}

/**
 * One alarm as the evaluator tracks it, in plain data: what a self-evaluating probe keeps between rounds
 * (alarms/self/) so the next round's evaluator picks up exactly where this one stopped.
 */
export interface TrackedAlarm {
  state: AlarmState;
  /** Period start (epoch ms) → the samples in it, for a plain alarm. */
  periods: [number, number[]][];
  /** A metric-math alarm's samples, per query id. */
  queries: Record<string, [number, number[]][]>;
  warmUp: Tracked['warmUp'];
}

/**
 * Feeds samples to the alarms that watch them and reports state changes at each evaluation, as CloudWatch would
 * (new alarms start in INSUFFICIENT_DATA). Keeps only the periods an evaluation can still look at.
 */
export class AlarmEvaluator {
  private readonly tracked = new Map<string, Tracked>();

  /**
   * `createdAt`: when the alarms "were created" (warm-up starts); default: the first evaluation. `restore`: alarms
   * as an earlier evaluator's `snapshot` left them (by name); the others start new.
   */
  constructor(
    definitions: readonly AlarmDefinition[],
    private readonly options: {
      initialState?: AlarmState;
      createdAt?: Date | number;
      restore?: ReadonlyMap<string, TrackedAlarm>;
    } = {},
  ) {
    for (const definition of definitions) {
      const saved = options.restore?.get(definition.name);
      const queries = new Map((definition.math?.queries ?? []).map((query) => [query.id, new Map()]));
      for (const [id, periods] of Object.entries(saved?.queries ?? {}))
        if (queries.has(id)) queries.set(id, new Map(periods));
      this.tracked.set(definition.name, {
        definition,
        periods: new Map(saved?.periods ?? []),
        queries,
        state: saved?.state ?? options.initialState ?? 'INSUFFICIENT_DATA',
        warmUp: saved?.warmUp ?? (definition.warmUpMinutes === undefined ? 'over' : 'pending'),
      });
    }
  }

  /** One alarm's tracked state as plain data (for `restore`), or undefined for an unknown name. */
  snapshot(alarm: string): TrackedAlarm | undefined {
    const entry = this.tracked.get(alarm);
    if (!entry) return undefined;
    return {
      state: entry.state,
      periods: [...entry.periods],
      queries: Object.fromEntries([...entry.queries].map(([id, periods]) => [id, [...periods]])),
      warmUp: entry.warmUp,
    };
  }

  private createdAt: number | undefined;

  /** Adds one sample to every alarm watching its series; returns how many took it. */
  record(sample: MetricSample): number {
    const at = typeof sample.timestamp === 'number' ? sample.timestamp : sample.timestamp.getTime();
    let taken = 0;
    for (const entry of this.tracked.values()) {
      const key = periodStart(at, entry.definition.periodSeconds);
      const add = (periods: Map<number, number[]>) => {
        const values = periods.get(key);
        if (values) values.push(sample.value);
        else periods.set(key, [sample.value]);
        taken++;
      };
      const math = entry.definition.math;
      if (math) {
        for (const query of math.queries)
          if (matchesSelector(query.metric, sample))
            add(entry.queries.get(query.id) as Map<number, number[]>);
      } else if (matchesSelector(entry.definition.metric, sample)) add(entry.periods);
    }
    return taken;
  }

  /** Adds what the probe publishes (`datumsFromResults(...).datums`) for namespace `namespace`. */
  recordDatums(datums: readonly Datum[], namespace?: string): void {
    for (const datum of datums) {
      this.record({
        ...(namespace === undefined ? {} : { namespace }),
        metricName: datum.MetricName,
        dimensions: Object.fromEntries(datum.Dimensions.map(({ Name, Value }) => [Name, Value])),
        timestamp: datum.Timestamp,
        value: datum.Value,
      });
    }
  }

  /** Evaluates every alarm at `at`; returns the transitions, in definition order. */
  evaluate(at: Date | number): AlarmTransition[] {
    const when = typeof at === 'number' ? at : at.getTime();
    const created = this.options.createdAt;
    this.createdAt ??=
      created === undefined ? when : typeof created === 'number' ? created : created.getTime();
    const transitions: AlarmTransition[] = [];
    for (const entry of this.tracked.values()) {
      const { definition } = entry;
      if (entry.warmUp === 'pending')
        entry.warmUp = this.createdAt + (definition.warmUpMinutes ?? 0) * 60_000;
      const warmingUp = typeof entry.warmUp === 'number' && when < entry.warmUp;
      const periods = definition.math ? mathPeriods(definition.math, entry.queries) : entry.periods;
      const outcome = evaluateAlarm(definition, periods, { at: when, current: entry.state, warmingUp });
      // Warm-up ends for good once time is up or the window has filled (the outcome is then a real evaluation).
      if (!outcome.warmingUp) entry.warmUp = 'over';
      if (outcome.state !== entry.state) {
        transitions.push({
          alarm: definition.name,
          definition,
          from: entry.state,
          to: outcome.state,
          at: new Date(when),
          reason: outcome.reason,
          ...(outcome.value === undefined ? {} : { value: outcome.value }),
        });
        entry.state = outcome.state;
      }
      this.prune(entry, when);
    }
    return transitions;
  }

  state(alarm: string): AlarmState | undefined {
    return this.tracked.get(alarm)?.state;
  }

  states(): Record<string, AlarmState> {
    return Object.fromEntries([...this.tracked].map(([name, entry]) => [name, entry.state]));
  }

  private prune(entry: Tracked, at: number): void {
    const { periodSeconds, evaluationPeriods } = entry.definition;
    const oldest =
      periodStart(at, periodSeconds) -
      (evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS) * periodSeconds * 1000;
    for (const periods of [entry.periods, ...entry.queries.values()])
      for (const key of periods.keys()) if (key < oldest) periods.delete(key);
  }
}

/**
 * A metric-math alarm's datapoints: each query's statistic per period, then the expression over them (the very
 * string CloudFormation deploys, metric-math.ts), one value per period.
 */
export function mathPeriods(
  math: NonNullable<AlarmDefinition['math']>,
  samples: ReadonlyMap<string, ReadonlyMap<number, readonly number[]>>,
): PeriodValues {
  const series: Record<string, Map<number, number>> = {};
  for (const query of math.queries) {
    const reduced = new Map<number, number>();
    for (const [at, values] of samples.get(query.id) ?? []) {
      const value = aggregate(query.statistic, values);
      if (value !== undefined) reduced.set(at, value);
    }
    series[query.id] = reduced;
  }
  const result = evaluateMath(math.expression, series);
  return new Map([...result].map(([at, value]) => [at, [value]]));
}
