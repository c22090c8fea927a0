/**
 * vigil.yml → the alarms vigil deploys, as plain data. The CloudFormation generator (infra/alarms.ts) and the local
 * evaluator (evaluate.ts, `vigil dev`) both read these definitions, so what fires locally is what fires in CloudWatch.
 * This file holds the per-target alarms; health.ts the alarms on vigil itself.
 *
 * Decisions (see infra/README.md for the long form):
 * - Statistic: the worst value of the period in the direction of the comparison: Maximum for > and >=, Minimum for
 *   < and <=. With one probe per period it is simply the probe's value; with several (or several series) any
 *   breaching sample counts, which is what a threshold on a gauge means.
 * - Period: the probe schedule (at least 60 s, standard resolution: vigil publishes 60-second datums).
 * - Missing data on every per-target alarm defaults to `ignore`: a datapoint that does not arrive means the probe
 *   did not run (throttled, broken deploy, expired role) or the target did not answer (which ProbeSuccess = 0
 *   reports). Neither is news about the value, so the alarm keeps its state; the one "probe stalled" alarm
 *   (health.ts) pages for the first. `breaching` would page once per target for a vigil outage, `missing` would
 *   leave OK for INSUFFICIENT_DATA and announce the return to OK as a resolution nobody needed, `notBreaching`
 *   would claim a recovery nobody saw.
 * - Metrics with unknown extra dimensions (a Prometheus query with `by`/`without`, or a bare selector whose series
 *   carry labels) cannot be alarmed per label value, because the values are not known when deploying. They get one
 *   alarm per level over a Metrics Insights query, `SELECT MAX("m") FROM "ns" WHERE Target = 't'`: the worst series
 *   of that target decides. A Prometheus aggregation without `by` and every JSON metric have exactly one series
 *   (dimension Target) and get a plain metric alarm.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '../alerts/types';
import { ALARM_LEVELS, type TREAT_MISSING } from '../config/levels';
import type { MetricConfig, TargetConfig, VigilConfig } from '../config/schema';
import { STANDARD_METRICS, TARGET_DIMENSION } from '../metrics/datums';
import type { MetricUnit } from '../metrics/units';
import { kindOf } from '../probing/kinds';
import type { AlarmSeries } from '../probing/kinds/types';
import { parsePromql, resultHasLabels } from '../promql';
import { forPeriods } from '../rules/for-periods';
import { quorumMath, quorumOf } from './quorum';
import { type CloudWatchComparison, COMPARISONS, type ParsedComparison, parseComparison } from './threshold';

// CloudWatch PutMetricAlarm limits.
export const ALARM_NAME_MAX_CHARS = 255;
export const ALARM_DESCRIPTION_MAX_CHARS = 1024;
/** Standard-resolution alarms: 60 s or a multiple of it. */
export const ALARM_PERIOD_MIN_SECONDS = 60;
/** Period × EvaluationPeriods: at most one day for periods under an hour… */
export const ALARM_RANGE_MAX_SECONDS_SHORT_PERIOD = 86_400;
/** …and at most seven days otherwise. */
export const ALARM_RANGE_MAX_SECONDS = 604_800;
export const ALARM_SHORT_PERIOD_BELOW_SECONDS = 3_600;
/** Metrics Insights queries only see the most recent three hours, so an alarm on one cannot look further back. */
export const INSIGHTS_ALARM_RANGE_MAX_SECONDS = 10_800;

/**
 * How many periods beyond N CloudWatch fetches when datapoints are missing. AWS does not publish the number
 * ("depends on the period"); its documented examples (N = 3 → 5 datapoints) fit N + 2, so vigil uses that.
 */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;
/** PutMetricAlarm WarmUpConfiguration: 1 to 2,880 minutes. */
export const ALARM_WARM_UP_MAX_MINUTES = 2_880;

/** The last line of every AlarmDescription: `vigil:` + compact JSON, read by the webhook. */
export const DESCRIPTION_META_PREFIX = 'vigil:';
const NAME_HASH_CHARS = 8;

export type TreatMissingData = (typeof TREAT_MISSING)[number];
/** Per-threshold `missing:` when not given (the down alarm's default is in the schema: the same). */
const DEFAULT_THRESHOLD_MISSING: TreatMissingData = 'ignore';
/**
 * Alarms of Prometheus alerting rules: a round whose expression has no value (no series, NaN, a range not yet
 * filled) is an inactive alert in Prometheus, which resets `for:` and resolves a firing alert; `notBreaching` is
 * exactly that, and makes M = N consecutive periods the same as `for:` (README "Rule files"). The price: a
 * stalled probe resolves firing rule alarms too (the probe-stalled alarm says why).
 */
const RULE_MISSING: TreatMissingData = 'notBreaching';

/**
 * Where an alarm's actions publish: `alerts`, the topic the webhook reads; `meta`, the topic of the alarms on vigil
 * itself, which the meta function reads (so a broken webhook cannot silence its own alarms). See health.ts.
 */
const ALARM_TOPICS = ['alerts', 'meta'] as const;
export type AlarmTopic = (typeof ALARM_TOPICS)[number];
export type AlarmStatistic = 'Maximum' | 'Minimum' | 'Average' | 'Sum' | 'SampleCount';

/** Which series an alarm watches. */
export interface MetricSelector {
  namespace: string;
  metricName: string;
  /** { Target: <target> } for per-target alarms; the service's own (FunctionName, QueueName…) for health ones. */
  dimensions: Readonly<Record<string, string>>;
  /**
   * `exact`: the one series with exactly these dimensions. `all`: every series that has them, whatever other
   * dimensions (Prometheus labels) it carries, reduced by the statistic (a Metrics Insights query in CloudWatch).
   */
  series: AlarmSeries;
}

/**
 * A metric-math alarm (the quorum down alarm, quorum.ts): the metrics it reads and the expression it watches, as
 * CloudWatch takes them; evaluate.ts evaluates the same string (metric-math.ts).
 */
export interface AlarmMath {
  queries: { id: string; label: string; metric: MetricSelector; statistic: AlarmStatistic }[];
  id: string;
  expression: string;
  label: string;
}

export interface AlarmDefinition {
  name: string;
  /** threshold and down: per target; stalled and service: vigil itself (health.ts). */
  kind: 'threshold' | 'down' | 'stalled' | 'service';
  severity: Severity;
  /** The target, or for health alarms the part of vigil watched (`vigil-probe`, `vigil-webhook`…). */
  target: string;
  /** The topic its alarm and OK actions publish to. */
  notify: AlarmTopic;
  /** Where in vigil.yml it comes from, e.g. `targets[0].metrics[0].thresholds.critical`. */
  source: string;
  metric: MetricSelector;
  unit: MetricUnit;
  statistic: AlarmStatistic;
  comparison: ParsedComparison;
  comparisonOperator: CloudWatchComparison;
  threshold: number;
  periodSeconds: number;
  /** M of "M out of N". */
  datapointsToAlarm: number;
  /** N of "M out of N". */
  evaluationPeriods: number;
  treatMissingData: TreatMissingData;
  /**
   * Set where missing data is breaching: a new alarm would otherwise fire before the probe's first datapoints
   * (every deploy of the down alarm would page). CloudWatch keeps it in INSUFFICIENT_DATA for this long, or until
   * N datapoints have arrived.
   */
  warmUpMinutes?: number;
  /** For `series: all`: the Metrics Insights query CloudWatch evaluates. */
  query?: string;
  /** A metric-math alarm: `metric` then only names what it is about; these queries are what it reads. */
  math?: AlarmMath;
  /** Dashboard the target is on, when dashboards are enabled. */
  dashboard?: string;
  runbook?: string;
  /** Human sentence(s), then the `vigil:{...}` line; ≤ ALARM_DESCRIPTION_MAX_CHARS. */
  description: string;
  /** The alerting rule (its `alert` name) this alarm is, when it comes from a rule file. */
  rule?: string;
}

export interface DefinitionOptions {
  stage: string;
  region: string;
  /** Name prefix before the stage (the serverless service name). */
  service?: string;
  /** Overrides the period derived from probe.schedule. */
  periodSeconds?: number;
  /** Which dashboard shows a target (infra/dashboard.ts decides when it splits). Default: `<service>-<stage>`. */
  dashboardOf?: (target: string) => string | undefined;
}

/** Exported for the webhook and tests: the JSON on the description's last line. */
export interface AlarmMeta {
  severity: Severity;
  target: string;
  metric: string;
  /** The alerting rule's name, for alarms from rule files: the webhook renders its labels and annotations. */
  rule?: string;
  dashboard?: string;
  runbook?: string;
}

export const DEFAULT_SERVICE = 'vigil';

/** Every alarm vigil.yml implies: per target a down alarm, per thresholded metric one alarm per level. */
export function alarmDefinitions(config: VigilConfig, options: DefinitionOptions): AlarmDefinition[] {
  const period = options.periodSeconds ?? alarmPeriodSeconds(config.probe.schedule);
  const definitions: AlarmDefinition[] = [];
  config.targets.forEach((target, targetIndex) => {
    const where = `targets[${targetIndex}]`;
    const down = config.alarms.down;
    const locations = config.probe.locations;
    const rules = target.type === 'prometheus' ? target.rules : undefined;
    // A rule file's `up == 0` is this target's down alarm: its severity, its `for:` as consecutive periods.
    const downRule = rules?.down?.alarm;
    if (down.enabled || downRule) {
      const periods = downRule ? forPeriods(downRule.forMs, period * 1000) : undefined;
      definitions.push(
        finish(config, options, target, {
          kind: 'down',
          severity: downRule?.level ?? down.severity,
          source: downRule ? `${where}.rules` : 'alarms.down',
          nameParts: [target.name, 'down'],
          metric: selector(config, target, STANDARD_METRICS.success, 'exact'),
          unit: 'Count',
          // Minimum < 1: at least one failed probe in the period; with locations, at least a quorum of them.
          statistic: 'Minimum',
          ...(locations
            ? {
                comparison: { op: '>=', threshold: quorumOf(config.probe) },
                math: quorumMath(config, target.name, locations),
              }
            : { comparison: { op: '<', threshold: 1 } }),
          periodSeconds: period,
          datapointsToAlarm: periods ?? down.for,
          evaluationPeriods: periods ?? down.of,
          treatMissingData: down.missing,
          ...(downRule ? { rule: downRule.alert } : {}),
        }),
      );
    }
    for (const metric of rules?.metrics ?? []) {
      const series: AlarmSeries = resultHasLabels(parsePromql(metric.query)) ? 'all' : 'exact';
      for (const alarm of metric.alarms) {
        const periods = forPeriods(alarm.forMs, period * 1000);
        definitions.push(
          finish(config, options, target, {
            kind: 'threshold',
            severity: alarm.level,
            source: `${where}.rules`,
            nameParts: [target.name, metric.name],
            metric: selector(config, target, metric.name, series),
            unit: metric.unit,
            statistic: statisticFor(alarm.comparison),
            comparison: alarm.comparison,
            periodSeconds: period,
            datapointsToAlarm: periods,
            evaluationPeriods: periods,
            treatMissingData: RULE_MISSING,
            rule: alarm.alert,
          }),
        );
      }
    }
    target.metrics.forEach((metric, metricIndex) => {
      if (!metric.thresholds) return;
      const series = seriesOf(target, metric);
      for (const level of ALARM_LEVELS) {
        const setting = metric.thresholds[level];
        if (setting === undefined) continue;
        const rule = typeof setting === 'string' ? { when: setting } : setting;
        const comparison = parseComparison(rule.when);
        // The schema has already rejected bad comparisons; this guards callers that skip it.
        if ('error' in comparison)
          throw new Error(`${where}.metrics[${metricIndex}].thresholds.${level}: ${comparison.error}`);
        const datapoints = rule.for ?? 1;
        definitions.push(
          finish(config, options, target, {
            kind: 'threshold',
            severity: level,
            source: `${where}.metrics[${metricIndex}].thresholds.${level}`,
            nameParts: [target.name, metric.name],
            metric: selector(config, target, metric.name, series),
            unit: metric.unit,
            statistic: statisticFor(comparison),
            comparison,
            periodSeconds: period,
            datapointsToAlarm: datapoints,
            evaluationPeriods: rule.of ?? datapoints,
            treatMissingData: rule.missing ?? DEFAULT_THRESHOLD_MISSING,
          }),
        );
      }
    });
  });
  return definitions;
}

/** The alarm period for a probe schedule: whole minutes, at least one. */
export function alarmPeriodSeconds(scheduleMs: number): number {
  const minutes = Math.max(1, Math.ceil(scheduleMs / 60_000));
  return minutes * ALARM_PERIOD_MIN_SECONDS;
}

/** Worst value of the period in the direction of the comparison. */
export function statisticFor(comparison: ParsedComparison): AlarmStatistic {
  return comparison.op === '>' || comparison.op === '>=' ? 'Maximum' : 'Minimum';
}

/** Which series of a metric an alarm watches: the metric's kind knows (one series, or labelled ones). */
export function seriesOf(target: TargetConfig, metric: MetricConfig): AlarmSeries {
  return kindOf(target).seriesOf(metric);
}

/** Does a sample (one datum the probe publishes) belong to the series an alarm watches? */
export function matchesSelector(
  selected: MetricSelector,
  sample: { namespace?: string; metricName: string; dimensions: Readonly<Record<string, string>> },
): boolean {
  if (sample.namespace !== undefined && sample.namespace !== selected.namespace) return false;
  if (sample.metricName !== selected.metricName) return false;
  for (const [name, value] of Object.entries(selected.dimensions))
    if (sample.dimensions[name] !== value) return false;
  return (
    selected.series === 'all' ||
    Object.keys(sample.dimensions).length === Object.keys(selected.dimensions).length
  );
}

const INSIGHTS_FUNCTIONS: Record<AlarmStatistic, string> = {
  Maximum: 'MAX',
  Minimum: 'MIN',
  Average: 'AVG',
  Sum: 'SUM',
  SampleCount: 'COUNT',
};

/** The Metrics Insights query over every series of one target: `SELECT MAX("m") FROM "ns" WHERE Target = 't'`. */
export function insightsQuery(selected: MetricSelector, statistic: AlarmStatistic): string {
  const where = Object.entries(selected.dimensions)
    .map(([name, value]) => `${name} = '${value.replaceAll("'", "''")}'`)
    .join(' AND ');
  const quoted = (identifier: string) => `"${identifier.replaceAll('"', '')}"`;
  return `SELECT ${INSIGHTS_FUNCTIONS[statistic]}(${quoted(selected.metricName)}) FROM ${quoted(selected.namespace)} WHERE ${where}`;
}

/** `<service>-<stage>-<parts…>-<severity>`, hash-shortened to ALARM_NAME_MAX_CHARS keeping the severity suffix. */
export function alarmName(
  service: string,
  stage: string,
  parts: readonly string[],
  severity: Severity,
): string {
  const base = [service, stage, ...parts].join('-');
  const suffix = `-${severity}`;
  if (base.length + suffix.length <= ALARM_NAME_MAX_CHARS) return `${base}${suffix}`;
  // Keep the readable head, make it unique with a hash of the whole base, and keep the suffix the webhook reads.
  const hash = createHash('sha256').update(base).digest('hex').slice(0, NAME_HASH_CHARS);
  const head = base.slice(0, ALARM_NAME_MAX_CHARS - suffix.length - NAME_HASH_CHARS - 1);
  return `${head}-${hash}${suffix}`;
}

/** The console address of a dashboard (commercial, China and GovCloud partitions). */
export function dashboardUrl(region: string, dashboard: string): string {
  const host = region.startsWith('cn-')
    ? `${region}.console.amazonaws.cn`
    : region.startsWith('us-gov-')
      ? `${region}.console.amazonaws-us-gov.com`
      : `${region}.console.aws.amazon.com`;
  return `https://${host}/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard}`;
}

/** The default dashboard name for a stage: `<service>-<stage>` with characters dashboards refuse replaced. */
export function defaultDashboardName(service: string, stage: string): string {
  return `${service}-${stage}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** Parses the `vigil:{...}` line back out of a description (the webhook's side of the convention). */
export function parseAlarmMeta(description: string): AlarmMeta | undefined {
  const line = description
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(DESCRIPTION_META_PREFIX));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(DESCRIPTION_META_PREFIX.length)) as AlarmMeta;
  } catch {
    return undefined;
  }
}

const COMPARISON_WORDS: Record<ParsedComparison['op'], string> = {
  '>': 'greater than',
  '>=': 'greater than or equal to',
  '<': 'less than',
  '<=': 'less than or equal to',
};

/** "greater than", "less than or equal to": how CloudWatch words a comparison in its reasons. */
export function comparisonWords(op: ParsedComparison['op']): string {
  return COMPARISON_WORDS[op];
}

type Draft = Omit<
  AlarmDefinition,
  | 'name'
  | 'target'
  | 'notify'
  | 'comparisonOperator'
  | 'threshold'
  | 'warmUpMinutes'
  | 'query'
  | 'dashboard'
  | 'runbook'
  | 'description'
  | 'rule'
> & { nameParts: string[]; rule?: string };

function finish(
  config: VigilConfig,
  options: DefinitionOptions,
  target: TargetConfig,
  draft: Draft,
): AlarmDefinition {
  const service = options.service ?? DEFAULT_SERVICE;
  const { nameParts, ...rest } = draft;
  const dashboard = config.dashboard.enabled
    ? (options.dashboardOf?.(target.name) ?? defaultDashboardName(service, options.stage))
    : undefined;
  const runbook = config.alarms.runbook;
  const definition: AlarmDefinition = {
    ...rest,
    name: alarmName(service, options.stage, nameParts, draft.severity),
    target: target.name,
    notify: 'alerts',
    comparisonOperator: COMPARISONS[draft.comparison.op],
    threshold: draft.comparison.threshold,
    ...(draft.treatMissingData === 'breaching' ? { warmUpMinutes: warmUpMinutes(draft) } : {}),
    ...(draft.metric.series === 'all' && !draft.math
      ? { query: insightsQuery(draft.metric, draft.statistic) }
      : {}),
    ...(dashboard === undefined ? {} : { dashboard }),
    ...(runbook === undefined ? {} : { runbook }),
    description: '',
  };
  definition.description = describe(definition, options.region);
  return definition;
}

/** Long enough to see the whole evaluation range filled, within CloudWatch's bounds. */
export function warmUpMinutes(rule: { evaluationPeriods: number; periodSeconds: number }): number {
  const minutes = ((rule.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS) * rule.periodSeconds) / 60;
  return Math.min(ALARM_WARM_UP_MAX_MINUTES, Math.max(1, Math.ceil(minutes)));
}

function selector(
  config: VigilConfig,
  target: TargetConfig,
  metricName: string,
  series: MetricSelector['series'],
): MetricSelector {
  return { namespace: config.namespace, metricName, dimensions: { [TARGET_DIMENSION]: target.name }, series };
}

function periodWords(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** A sentence a person reads first, then the machine line; fitted into ALARM_DESCRIPTION_MAX_CHARS. */
function describe(definition: AlarmDefinition, region: string): string {
  const { target, metric, comparison, datapointsToAlarm: m, evaluationPeriods: n } = definition;
  const window = `in ${m} of the last ${n} periods of ${periodWords(definition.periodSeconds)}`;
  const where = definition.dashboard
    ? ` Its row on the ${definition.dashboard} dashboard shows the history.`
    : '';
  const ruleText = definition.rule === undefined ? '' : `Prometheus rule ${definition.rule}: `;
  const sentence =
    ruleText +
    (definition.kind === 'down' && definition.math
      ? `${target} is down (${definition.severity}): its probe failed from at least ${definition.threshold} of ${definition.math.queries.length} locations (${definition.math.queries.map((query) => query.label).join(', ')}) ${window}. ` +
        `One location alone never fires it; the dashboard shows each location's success and latency. Check that ${target} answers, then the probe function's logs in the failing locations.${where}`
      : definition.kind === 'down'
        ? `${target} is down (${definition.severity}): its probe failed (ProbeSuccess < 1) ${window}` +
          `${definition.treatMissingData === 'breaching' ? ', or the probe stopped reporting' : ''}. ` +
          `Check that ${target} answers with the expected status and conditions in time, then the probe function's logs.${where}`
        : `${metric.metricName} of ${target} is ${comparisonWords(comparison.op)} ${comparison.threshold} (${definition.severity}): ` +
          `the ${definition.statistic.toLowerCase()}${metric.series === 'all' ? ' over all its series' : ''} breached ${window}. ` +
          `Look at what drives ${metric.metricName} on ${target}; the alarm resolves when the value is back within the threshold.${where}`);
  return fitDescription(sentence, {
    severity: definition.severity,
    target,
    metric: metric.metricName,
    ...(definition.rule === undefined ? {} : { rule: definition.rule }),
    ...(definition.dashboard ? { dashboard: dashboardUrl(region, definition.dashboard) } : {}),
    ...(definition.runbook ? { runbook: definition.runbook } : {}),
  });
}

/** The human sentence, then the `vigil:` line, within ALARM_DESCRIPTION_MAX_CHARS (links give way first). */
export function fitDescription(sentence: string, meta: AlarmMeta): string {
  const kept: AlarmMeta = { ...meta };
  let line = `${DESCRIPTION_META_PREFIX}${JSON.stringify(kept)}`;
  // Links are the first thing to give up when names are long; severity, target and metric always fit (≤ ~400).
  for (const optional of ['runbook', 'dashboard'] as const) {
    if (line.length < ALARM_DESCRIPTION_MAX_CHARS / 2) break;
    delete kept[optional];
    line = `${DESCRIPTION_META_PREFIX}${JSON.stringify(kept)}`;
  }
  const room = ALARM_DESCRIPTION_MAX_CHARS - line.length - 1;
  const human = sentence.length <= room ? sentence : `${sentence.slice(0, Math.max(0, room - 1))}…`;
  return `${human}\n${line}`;
}

/** A problem the schema cannot see because it depends on the generated alarms (path as in `vigil validate`). */
export interface AlarmIssue {
  path: string;
  message: string;
}

/** Name collisions and CloudWatch limits on the alarms a config implies. */
export function alarmIssues(definitions: readonly AlarmDefinition[]): AlarmIssue[] {
  const issues: AlarmIssue[] = [];
  const owners = new Map<string, AlarmDefinition>();
  for (const definition of definitions) {
    // The down alarm's source is shared by every target; name the target so the message points somewhere.
    const where =
      definition.kind === 'down' ? `alarms.down (target ${definition.target})` : definition.source;
    const first = owners.get(definition.name);
    if (first) {
      // An alarm on vigil itself has no place in vigil.yml: point at the target's side of the clash.
      const own = (candidate: AlarmDefinition) =>
        candidate.kind === 'stalled' || candidate.kind === 'service';
      const blamed = own(definition) ? first : definition;
      const other = blamed === definition ? first : definition;
      issues.push({
        path: blamed.kind === 'down' ? 'alarms.down' : blamed.source,
        message: `alarm name "${definition.name}" is also generated for ${
          other.kind === 'down'
            ? `the down alarm of ${other.target}`
            : own(other)
              ? 'an alarm on vigil itself'
              : other.source
        }: rename the target or the metric so names stay unique`,
      });
    } else owners.set(definition.name, definition);
    const range = definition.periodSeconds * definition.evaluationPeriods;
    const limit =
      definition.metric.series === 'all'
        ? INSIGHTS_ALARM_RANGE_MAX_SECONDS
        : definition.periodSeconds < ALARM_SHORT_PERIOD_BELOW_SECONDS
          ? ALARM_RANGE_MAX_SECONDS_SHORT_PERIOD
          : ALARM_RANGE_MAX_SECONDS;
    if (range > limit) {
      const why =
        definition.metric.series === 'all'
          ? 'Metrics Insights alarms (metrics with labels) see only the last 3 hours'
          : 'CloudWatch evaluates at most that far back';
      issues.push({
        path: definition.kind === 'down' ? 'alarms.down.of' : `${definition.source}.of`,
        message: `${where}: ${definition.evaluationPeriods} periods of ${definition.periodSeconds}s span ${range}s, over the ${limit}s limit (${why}); lower "of"`,
      });
    }
  }
  return issues;
}
