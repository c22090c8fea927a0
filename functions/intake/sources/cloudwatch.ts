/**
 * CloudWatch alarms in their three delivery shapes → alerts:
 * - the SNS notification message (a JSON string in `Records[i].Sns.Message`; PascalCase; `Region` is a display name),
 * - the EventBridge "CloudWatch Alarm State Change" event (camelCase; threshold only inside `state.reasonData`),
 * - the direct alarm → Lambda action (`alarmData`: the EventBridge detail without the envelope).
 * All three become the same facts (`AlarmFacts`) and then the same alert, so one alarm looks (and fingerprints) the
 * same whichever way it arrived.
 *
 * States. ALARM → firing, OK → resolved. INSUFFICIENT_DATA is skipped (reported in `skipped`), unless the alarm's
 * `vigil:` line says `"insufficientData":"alert"`; then it fires with the alarm's own severity and labels.
 * - Why not a firing `info` alert for every alarm: labels (and so routes) would then depend on the state, and the
 *   OK that ends it would be routed by the alarm's real severity, away from the info alert it is meant to resolve.
 *   Labels that depend on the alarm alone keep firing and resolved on the same routes.
 * - vigil's down alarm does not opt in: it treats missing data as breaching, so a probe that stops reporting is an
 *   ALARM already, and it sits in INSUFFICIENT_DATA only while warming up after a deploy, which must not page.
 * OK right after creation (previous state INSUFFICIENT_DATA with reason "Unchecked: Initial alarm creation") is
 * skipped as well: nothing fired. Only EventBridge and alarm-action payloads carry that reason; SNS messages do not,
 * so via SNS a new alarm's first OK arrives as a resolved alert with transition "INSUFFICIENT_DATA → OK".
 */
import { COMPARISONS } from '../../alarms/threshold';
import { alarmFingerprint } from '../../alerts/fingerprint';
import type { Alert, AlertLink, AlertMetric, AlertStatus } from '../../alerts/types';
import * as z from '../../zod-mini';
import {
  describeIssues,
  isoTime,
  isRecord,
  lenient,
  type NormalizeContext,
  type NormalizeResult,
  oneLine,
  optional,
  optionalBoolean,
  optionalNumber,
  optionalString,
  reason,
  scalarStrings,
} from '../normalize';
import { parseAlarmDescription, resolveSeverity } from '../severity';

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

// CloudWatch's state reason for an alarm that has never been evaluated.
const CREATION_REASON_PREFIX = 'Unchecked: Initial alarm creation';

// ---------------------------------------------------------------------------------------------------------------
// Schemas. Only what identifies an alarm is required (name, state); every other field is optional and lenient,
// because it is only displayed, and a partial alert beats a lost one.

/** CloudWatch alarm names are never blank; a blank one cannot name an alert. */
const alarmName = z.string().check(z.refine((name) => name.trim() !== '', 'must not be blank'));

/** One entry of a metric-math alarm's metrics, SNS spelling. */
const snsMetricQuerySchema = z.looseObject({
  Id: optionalString,
  Expression: optionalString,
  Label: optionalString,
  ReturnData: optionalBoolean,
  Period: optionalNumber,
  MetricStat: lenient(
    z.looseObject({
      Metric: lenient(
        z.looseObject({
          MetricName: optionalString,
          Namespace: optionalString,
          Dimensions: z.optional(z.unknown()),
        }),
      ),
      Period: optionalNumber,
      Stat: optionalString,
    }),
  ),
});

export const snsAlarmTriggerSchema = z.looseObject({
  MetricName: optionalString,
  Namespace: optionalString,
  StatisticType: optionalString,
  Statistic: optionalString,
  ExtendedStatistic: optionalString,
  /** `[{name, value}]`, lower-case keys. */
  Dimensions: z.optional(z.unknown()),
  Period: optionalNumber,
  EvaluationPeriods: optionalNumber,
  ComparisonOperator: optionalString,
  Threshold: optionalNumber,
  /** Sometimes decorated ("- TreatMissingData: missing"): displayed, never interpreted. */
  TreatMissingData: optionalString,
  /** Metric-math alarms: no MetricName/Namespace/Dimensions above, these instead. */
  Metrics: lenient(z.array(z.unknown())),
});

/** The decoded SNS `Message` of a metric or composite alarm. */
export const snsAlarmMessageSchema = z.looseObject({
  AlarmName: alarmName,
  NewStateValue: z.string(),
  AlarmDescription: optionalString,
  AWSAccountId: optionalString,
  NewStateReason: optionalString,
  StateChangeTime: optionalString,
  /** Display name ("EU (Ireland)"): never used; the region code comes from AlarmArn. */
  Region: optionalString,
  AlarmArn: optionalString,
  OldStateValue: optionalString,
  /** Composite alarms. */
  AlarmRule: optionalString,
  TriggeringChildren: z.optional(z.unknown()),
  /** Missing on composite alarms. */
  Trigger: lenient(snsAlarmTriggerSchema),
});
export type SnsAlarmMessage = z.output<typeof snsAlarmMessageSchema>;

/** One entry of `configuration.metrics`, EventBridge / alarm-action spelling. */
const metricQuerySchema = z.looseObject({
  id: optionalString,
  expression: optionalString,
  label: optionalString,
  returnData: optionalBoolean,
  period: optionalNumber,
  metricStat: lenient(
    z.looseObject({
      metric: lenient(
        z.looseObject({
          namespace: optionalString,
          name: optionalString,
          dimensions: z.optional(z.unknown()),
        }),
      ),
      period: optionalNumber,
      stat: optionalString,
    }),
  ),
});

const alarmStateSchema = z.looseObject({
  value: z.string(),
  reason: optionalString,
  /** A JSON string (sometimes already an object): threshold, recentDatapoints, evaluatedDatapoints … */
  reasonData: z.optional(z.unknown()),
  timestamp: optionalString,
});

/** EventBridge `detail` and alarm-action `alarmData` (the same shape). */
export const alarmDetailSchema = z.looseObject({
  alarmName: alarmName,
  state: alarmStateSchema,
  previousState: lenient(alarmStateSchema),
  configuration: lenient(
    z.looseObject({
      description: optionalString,
      metrics: lenient(z.array(z.unknown())),
      alarmRule: optionalString,
    }),
  ),
  /** With tag propagation enabled: alarm tags, which become labels. */
  alarmTags: z.optional(z.unknown()),
});

export const eventBridgeAlarmEventSchema = z.looseObject({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal(ALARM_STATE_CHANGE),
  id: optionalString,
  account: optionalString,
  /** A region code here. */
  region: optionalString,
  time: optionalString,
  resources: lenient(z.array(z.unknown())),
  detail: alarmDetailSchema,
});
export type EventBridgeAlarmEvent = z.output<typeof eventBridgeAlarmEventSchema>;

export const alarmActionEventSchema = z.looseObject({
  source: z.literal('aws.cloudwatch'),
  alarmArn: optionalString,
  accountId: optionalString,
  region: optionalString,
  time: optionalString,
  alarmData: alarmDetailSchema,
});
export type AlarmActionEvent = z.output<typeof alarmActionEventSchema>;

const reasonDataSchema = z.looseObject({
  threshold: optionalNumber,
  recentDatapoints: lenient(z.array(z.unknown())),
  evaluatedDatapoints: lenient(z.array(z.unknown())),
  /** Composite alarms. */
  triggeringAlarms: lenient(z.array(z.unknown())),
});
type ReasonData = z.output<typeof reasonDataSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Detection (reference A5).

/** A decoded SNS message that is a CloudWatch alarm notification. */
export function isSnsAlarmMessage(value: unknown): boolean {
  return isRecord(value) && 'AlarmName' in value;
}

/** Any event from CloudWatch (state changes, configuration changes, alarm actions). */
export function isCloudWatchEvent(value: unknown): boolean {
  return isRecord(value) && value.source === 'aws.cloudwatch';
}

export function isEventBridgeAlarmEvent(value: unknown): boolean {
  return isCloudWatchEvent(value) && isRecord(value) && value['detail-type'] === ALARM_STATE_CHANGE;
}

export function isAlarmActionEvent(value: unknown): boolean {
  return isCloudWatchEvent(value) && isRecord(value) && 'alarmData' in value;
}

// ---------------------------------------------------------------------------------------------------------------
// Small parsers.

interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
}

// Region codes only: whatever lands in the console URL must not come from free text.
const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_RE = /^\d{12}$/;

export function parseArn(value: string | undefined): Arn | undefined {
  const parts = value?.split(':');
  if (!parts || parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  if (!/^aws[a-z-]*$/.test(partition) || !REGION_RE.test(region)) return undefined;
  return { partition, service, region, account };
}

function regionCode(value: string | undefined): string | undefined {
  return value !== undefined && REGION_RE.test(value) ? value : undefined;
}

function accountId(value: string | undefined): string | undefined {
  return value !== undefined && ACCOUNT_RE.test(value) ? value : undefined;
}

/** The console page of an alarm, in the alarm's partition. */
export function consoleAlarmUrl(region: string, alarmName: string, partition = 'aws'): string {
  const host =
    partition === 'aws-cn'
      ? `${region}.console.amazonaws.cn`
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  // toWellFormed: encodeURIComponent throws on a lone surrogate, and names come from payloads.
  return `https://${host}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName.toWellFormed())}`;
}

const OPERATOR_SYMBOLS: ReadonlyMap<string, string> = new Map(
  Object.entries(COMPARISONS).map(([symbol, operator]) => [operator, symbol]),
);

/** GreaterThanThreshold → '>' …; anomaly-band operators (LessThanLowerOrGreaterThanUpperThreshold) stay as named. */
export function comparisonSymbol(operator: string): string {
  return OPERATOR_SYMBOLS.get(operator) ?? operator;
}

// SNS spells statistics in upper case; show them as the API and console do.
const STATISTIC_NAMES: ReadonlyMap<string, string> = new Map([
  ['SUM', 'Sum'],
  ['AVERAGE', 'Average'],
  ['MAXIMUM', 'Maximum'],
  ['MINIMUM', 'Minimum'],
  ['SAMPLE_COUNT', 'SampleCount'],
  ['SAMPLECOUNT', 'SampleCount'],
]);

function statisticName(stat: string | undefined): string | undefined {
  return stat === undefined || stat === '' ? undefined : (STATISTIC_NAMES.get(stat) ?? stat);
}

/** SNS dimensions `[{name, value}]` → map. */
function dimensionsFromList(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return {};
  const entries = value.flatMap((item): [string, string][] => {
    if (!isRecord(item)) return [];
    const name = item.name ?? item.Name;
    const dimension = item.value ?? item.Value;
    return typeof name === 'string' && (typeof dimension === 'string' || typeof dimension === 'number')
      ? [[name, String(dimension)]]
      : [];
  });
  return Object.fromEntries(entries);
}

// No two quantifiers may compete for the same digits: "\\d+\\.?\\d*" backtracks quadratically on a long digit run.
const NUMBER = '[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?';
// "… 2 datapoints [37.0 (23/08/26 04:14:00), 25.0 (…)] were …" (most recent first) or, older, "1 datapoint (0.204) was …".
const REASON_VALUE_RE = new RegExp(`datapoints? (?:\\[(${NUMBER}) \\(|\\((${NUMBER})\\))`);
const REASON_THRESHOLD_RE = new RegExp(`the threshold \\((${NUMBER})\\)`);
// The alarm's condition, also in OK reasons ("was not greater than the threshold").
const REASON_COMPARISON_RE = /\b(greater|less) than (or equal to )?the threshold\b/;

function finite(text: string | undefined): number | undefined {
  const number = text === undefined ? Number.NaN : Number(text);
  return Number.isFinite(number) ? number : undefined;
}

function valueFromReason(text: string | undefined): number | undefined {
  const match = text === undefined ? null : REASON_VALUE_RE.exec(text);
  return match ? finite(match[1] ?? match[2]) : undefined;
}

function thresholdFromReason(text: string | undefined): number | undefined {
  const match = text === undefined ? null : REASON_THRESHOLD_RE.exec(text);
  return match ? finite(match[1]) : undefined;
}

function comparisonFromReason(text: string | undefined): string | undefined {
  const match = text === undefined ? null : REASON_COMPARISON_RE.exec(text);
  if (!match) return undefined;
  return `${match[1] === 'greater' ? '>' : '<'}${match[2] ? '=' : ''}`;
}

function parseReasonData(value: unknown): ReasonData | undefined {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const parsed = reasonDataSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** The latest evaluated datapoint, else the last of recentDatapoints (they are oldest first). */
function valueFromReasonData(data: ReasonData | undefined): number | undefined {
  let latest: { at: string; value: number } | undefined;
  for (const point of data?.evaluatedDatapoints ?? []) {
    if (!isRecord(point) || typeof point.value !== 'number' || !Number.isFinite(point.value)) continue;
    const at = isoTime(point.timestamp);
    if (at !== undefined && (latest === undefined || at > latest.at)) latest = { at, value: point.value };
  }
  if (latest) return latest.value;
  const recent = (data?.recentDatapoints ?? []).filter(
    (point): point is number => typeof point === 'number' && Number.isFinite(point),
  );
  return recent.at(-1);
}

/** One metric-math entry in either spelling. */
interface MetricQuery {
  id?: string;
  expression?: string;
  label?: string;
  returnData?: boolean;
  period?: number;
  stat?: string;
  metric?: { namespace?: string; name?: string; dimensions: Record<string, string> };
}

function snsMetricQuery(raw: unknown): MetricQuery | undefined {
  const parsed = snsMetricQuerySchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { Id, Expression, Label, ReturnData, Period, MetricStat } = parsed.data;
  const metric = MetricStat?.Metric;
  return {
    ...optional('id', Id),
    ...optional('expression', Expression),
    ...optional('label', Label),
    ...optional('returnData', ReturnData),
    ...optional('period', MetricStat?.Period ?? Period),
    ...optional('stat', MetricStat?.Stat),
    ...optional(
      'metric',
      metric && {
        ...optional('namespace', metric.Namespace),
        ...optional('name', metric.MetricName),
        dimensions: dimensionsFromList(metric.Dimensions),
      },
    ),
  };
}

function metricQuery(raw: unknown): MetricQuery | undefined {
  const parsed = metricQuerySchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { id, expression, label, returnData, period, metricStat } = parsed.data;
  const metric = metricStat?.metric;
  return {
    ...optional('id', id),
    ...optional('expression', expression),
    ...optional('label', label),
    ...optional('returnData', returnData),
    ...optional('period', metricStat?.period ?? period),
    ...optional('stat', metricStat?.stat),
    ...optional(
      'metric',
      metric && {
        ...optional('namespace', metric.namespace),
        ...optional('name', metric.name),
        dimensions: scalarStrings(metric.dimensions),
      },
    ),
  };
}

/**
 * The metric an alarm watches: the entry that returns data; for a math expression its label (else the
 * expression, else its id), with the period of the first plain metric when the expression has none.
 */
function metricFromQueries(
  queries: readonly MetricQuery[],
  fallbackPeriod?: number,
): AlertMetric | undefined {
  const chosen = queries.find((query) => query.returnData === true) ?? queries[0];
  if (!chosen) return undefined;
  if (chosen.metric?.name) {
    return {
      ...optional('namespace', chosen.metric.namespace),
      name: chosen.metric.name,
      dimensions: chosen.metric.dimensions,
      ...optional('stat', statisticName(chosen.stat)),
      ...optional('periodSeconds', chosen.period ?? fallbackPeriod),
    };
  }
  const name = chosen.label || chosen.expression || chosen.id;
  if (!name) return undefined;
  const period =
    chosen.period ?? queries.find((query) => query.period !== undefined)?.period ?? fallbackPeriod;
  return { name, dimensions: {}, ...optional('periodSeconds', period) };
}

/** Alarm names out of ARNs, for "triggered by" on composite alarms. */
function alarmNames(values: readonly unknown[]): string[] {
  return values.flatMap((item) => {
    const arn = isRecord(item) ? (item.Arn ?? item.arn) : item;
    if (typeof arn !== 'string') return [];
    const marker = arn.indexOf(':alarm:');
    return [marker === -1 ? arn : arn.slice(marker + ':alarm:'.length)];
  });
}

/** Alarm tags (object map or [{Key, Value}]) → labels; AWS-reserved `aws:` tags are left out. */
function tagLabels(value: unknown): Record<string, string> {
  const pairs = Array.isArray(value)
    ? Object.fromEntries(
        value.flatMap((item): [string, unknown][] => {
          if (!isRecord(item)) return [];
          const key = item.Key ?? item.key;
          return typeof key === 'string' ? [[key, item.Value ?? item.value]] : [];
        }),
      )
    : value;
  return Object.fromEntries(Object.entries(scalarStrings(pairs)).filter(([key]) => !key.startsWith('aws:')));
}

// ---------------------------------------------------------------------------------------------------------------
// Facts → alert.

/** Everything the three shapes can tell about one alarm state change. */
interface AlarmFacts {
  name: string;
  arn?: string;
  partition?: string;
  region?: string;
  account?: string;
  description?: string;
  state: string;
  previousState?: string;
  previousReason?: string;
  previousTime?: string;
  reason?: string;
  reasonData?: ReasonData;
  time?: string;
  /** Delivery time (SNS Timestamp, event time), when the state change time is missing. */
  deliveredAt?: string;
  metric?: AlertMetric;
  threshold?: number;
  comparison?: string;
  evaluationPeriods?: number;
  tags: Record<string, string>;
  alarmRule?: string;
  triggeredBy: string[];
  treatMissingData?: string;
}

function isAlarmState(value: string): value is AlarmState {
  return (ALARM_STATES as readonly string[]).includes(value);
}

function alarmToAlert(facts: AlarmFacts, ctx: NormalizeContext): Alert | { skipped: string } {
  const { name, state } = facts;
  const parsedDescription = parseAlarmDescription(facts.description);
  const directive = parsedDescription.directive;
  if (!isAlarmState(state)) {
    return { skipped: reason(`cloudwatch: alarm "${name}": unknown state "${state}"`) };
  }
  const noData = state === 'INSUFFICIENT_DATA';
  if (noData && !directive?.alertOnInsufficientData) {
    return {
      skipped: reason(
        `cloudwatch: alarm "${name}": INSUFFICIENT_DATA is not notified (add "insufficientData":"alert" to its vigil: line to be alerted)`,
      ),
    };
  }
  if (
    state === 'OK' &&
    facts.previousState === 'INSUFFICIENT_DATA' &&
    facts.previousReason?.startsWith(CREATION_REASON_PREFIX)
  ) {
    return { skipped: reason(`cloudwatch: alarm "${name}": first OK after creation, nothing was firing`) };
  }
  const status: AlertStatus = state === 'OK' ? 'resolved' : 'firing';

  const { region, account } = facts;
  const target = facts.metric?.dimensions.Target;
  const received: Record<string, string> = {
    ...optional('region', region),
    ...optional('account', account),
    // vigil's probe metrics carry the target as dimension Target: route on it even without a vigil: line.
    ...optional('target', target),
    ...facts.tags,
    ...directive?.labels,
  };
  const { severity } = resolveSeverity({ labels: received, alarmName: name, directive }, ctx.defaultSeverity);
  const labels = { ...received, alertname: name, severity };

  const value = valueFromReasonData(facts.reasonData) ?? valueFromReason(facts.reason);
  const threshold = facts.threshold ?? facts.reasonData?.threshold ?? thresholdFromReason(facts.reason);
  const comparison = facts.comparison ?? comparisonFromReason(facts.reason);

  const humanLine = parsedDescription.text?.split('\n').find((line) => line.trim() !== '');
  const condition =
    facts.metric && comparison !== undefined && threshold !== undefined
      ? `${facts.metric.name} ${comparison} ${threshold}`
      : undefined;
  // Composite alarms have no metric; the children that tripped them say more than the state reason's ARN prose.
  const triggered = facts.triggeredBy.length > 0 ? `Triggered by ${facts.triggeredBy.join(', ')}` : undefined;
  const headline =
    oneLine(humanLine ?? condition ?? triggered ?? facts.reason?.split('\n')[0] ?? name) || name;
  const summary = noData ? `No data: ${headline}` : headline;

  const changedAt = isoTime(facts.time) ?? isoTime(facts.deliveredAt) ?? ctx.now.toISOString();
  // A resolved alert started when the alarm entered ALARM, which only EventBridge/alarm actions tell.
  const startedAt = facts.previousState === 'ALARM' ? isoTime(facts.previousTime) : undefined;

  const links: AlertLink[] = [];
  if (region) links.push({ title: 'CloudWatch alarm', url: consoleAlarmUrl(region, name, facts.partition) });
  links.push(...(directive?.links ?? []));
  const runbook = directive?.links.find((link) => link.title === 'Runbook')?.url;

  const annotations: Record<string, string> = {
    ...optional('description', parsedDescription.text),
    ...optional('reason', facts.reason),
    ...optional('runbook_url', runbook),
    ...optional('alarm_rule', facts.alarmRule),
    ...optional('triggered_by', facts.triggeredBy.length > 0 ? facts.triggeredBy.join(', ') : undefined),
    ...optional('treat_missing_data', facts.treatMissingData),
    ...optional('vigil_line_error', parsedDescription.error),
  };

  const arn =
    facts.arn ??
    (region && account
      ? `arn:${facts.partition ?? 'aws'}:cloudwatch:${region}:${account}:alarm:${name}`
      : undefined);

  return {
    status,
    name,
    severity,
    summary,
    ...optional('description', facts.reason),
    labels,
    annotations,
    ...optional('value', value),
    ...optional('threshold', threshold),
    ...optional('comparison', comparison),
    ...optional('evaluationPeriods', facts.evaluationPeriods),
    ...optional('metric', facts.metric),
    startsAt: status === 'firing' ? changedAt : (startedAt ?? changedAt),
    ...optional('endsAt', status === 'resolved' ? changedAt : undefined),
    links,
    source: 'cloudwatch',
    // Without an ARN (no region/account anywhere) the name is the best identity left.
    fingerprint: alarmFingerprint(arn ?? `name:${name}`),
    ...optional('region', region),
    ...optional('account', account),
    ...optional('transition', facts.previousState ? `${facts.previousState} → ${state}` : undefined),
  };
}

function toResult(result: Alert | { skipped: string }): NormalizeResult {
  return 'skipped' in result ? { alerts: [], skipped: [result.skipped] } : { alerts: [result], skipped: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// The three shapes.

/** Where an SNS message came from: the topic ARN gives the region when the alarm ARN is missing. */
export interface SnsEnvelope {
  topicArn?: string | undefined;
  timestamp?: string | undefined;
}

/** A decoded SNS alarm message → zero or one alert. */
export function normalizeSnsAlarm(
  message: unknown,
  envelope: SnsEnvelope,
  ctx: NormalizeContext,
): NormalizeResult {
  const parsed = snsAlarmMessageSchema.safeParse(message);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'cloudwatch alarm message') };
  const m = parsed.data;
  const arn = parseArn(m.AlarmArn) ?? parseArn(envelope.topicArn);
  const trigger = m.Trigger;
  let metric: AlertMetric | undefined;
  if (trigger?.MetricName) {
    metric = {
      ...optional('namespace', trigger.Namespace),
      name: trigger.MetricName,
      dimensions: dimensionsFromList(trigger.Dimensions),
      ...optional('stat', statisticName(trigger.Statistic ?? trigger.ExtendedStatistic)),
      ...optional('periodSeconds', trigger.Period),
    };
  } else if (trigger?.Metrics) {
    const queries = trigger.Metrics.map(snsMetricQuery).filter((query) => query !== undefined);
    metric = metricFromQueries(queries, trigger.Period);
  }
  return toResult(
    alarmToAlert(
      {
        name: m.AlarmName,
        ...optional('arn', parseArn(m.AlarmArn) ? m.AlarmArn : undefined),
        ...optional('partition', arn?.partition),
        ...optional('region', arn?.region),
        ...optional('account', accountId(m.AWSAccountId) ?? accountId(arn?.account)),
        ...optional('description', m.AlarmDescription),
        state: m.NewStateValue,
        ...optional('previousState', m.OldStateValue),
        ...optional('reason', m.NewStateReason),
        ...optional('time', m.StateChangeTime),
        ...optional('deliveredAt', envelope.timestamp),
        ...optional('metric', metric),
        ...optional('threshold', trigger?.Threshold),
        ...optional(
          'comparison',
          trigger?.ComparisonOperator ? comparisonSymbol(trigger.ComparisonOperator) : undefined,
        ),
        ...optional('evaluationPeriods', trigger?.EvaluationPeriods),
        tags: {},
        ...optional('alarmRule', m.AlarmRule),
        triggeredBy: Array.isArray(m.TriggeringChildren) ? alarmNames(m.TriggeringChildren) : [],
        ...optional('treatMissingData', trigger?.TreatMissingData),
      },
      ctx,
    ),
  );
}

type AlarmDetail = z.output<typeof alarmDetailSchema>;

function detailFacts(
  detail: AlarmDetail,
  envelope: {
    arn?: string | undefined;
    region?: string | undefined;
    account?: string | undefined;
    time?: string | undefined;
  },
): AlarmFacts {
  const arn = parseArn(envelope.arn);
  const region = regionCode(envelope.region) ?? arn?.region;
  const reasonData = parseReasonData(detail.state.reasonData);
  const queries = (detail.configuration?.metrics ?? [])
    .map(metricQuery)
    .filter((query) => query !== undefined);
  const previous = detail.previousState;
  return {
    name: detail.alarmName,
    ...optional('arn', arn ? envelope.arn : undefined),
    ...optional('partition', arn?.partition),
    ...optional('region', region),
    ...optional('account', accountId(envelope.account) ?? accountId(arn?.account)),
    ...optional('description', detail.configuration?.description),
    state: detail.state.value,
    ...optional('previousState', previous?.value),
    ...optional('previousReason', previous?.reason),
    ...optional('previousTime', previous?.timestamp),
    ...optional('reason', detail.state.reason),
    ...optional('reasonData', reasonData),
    ...optional('time', detail.state.timestamp),
    ...optional('deliveredAt', envelope.time),
    ...optional('metric', metricFromQueries(queries)),
    tags: tagLabels(detail.alarmTags),
    ...optional('alarmRule', detail.configuration?.alarmRule),
    triggeredBy: alarmNames(reasonData?.triggeringAlarms ?? []),
  };
}

/** EventBridge "CloudWatch Alarm State Change" → zero or one alert. */
export function normalizeEventBridgeAlarm(event: unknown, ctx: NormalizeContext): NormalizeResult {
  const parsed = eventBridgeAlarmEventSchema.safeParse(event);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'eventbridge') };
  const e = parsed.data;
  const arn = e.resources?.find(
    (item): item is string => typeof item === 'string' && item.includes(':alarm:'),
  );
  return toResult(
    alarmToAlert(detailFacts(e.detail, { arn, region: e.region, account: e.account, time: e.time }), ctx),
  );
}

/** Direct alarm → Lambda action → zero or one alert. */
export function normalizeAlarmAction(event: unknown, ctx: NormalizeContext): NormalizeResult {
  const parsed = alarmActionEventSchema.safeParse(event);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'alarm action') };
  const e = parsed.data;
  return toResult(
    alarmToAlert(
      detailFacts(e.alarmData, { arn: e.alarmArn, region: e.region, account: e.accountId, time: e.time }),
      ctx,
    ),
  );
}
