/**
 * One alarm state change as CloudWatch publishes it to an alarm's SNS topic (reference alerts.md A1): the `Subject`
 * and the JSON `Message` the webhook reads. Shared by `vigil dev` (dev/sns-event.ts wraps it into the Lambda's SNS
 * event) and the self-evaluated alarms (alarms/self/, which publish it to the alerts topic), so the webhook cannot
 * tell who evaluated. Pure.
 *
 * The `Trigger` is read off the CloudFormation resource infra/ deploys for the alarm (infra/alarms.ts), i.e. the
 * alarm configuration CloudWatch itself would describe in the message.
 */
import { alarmResource } from '../../infra/alarms';
import type { Json } from '../../infra/cfn';
import type { AlarmDefinition } from './definitions';
import type { AlarmState, AlarmTransition } from './evaluate';

/** SNS Publish: Subject is at most 100 characters. */
export const SNS_SUBJECT_MAX_CHARS = 100;

/** Where the message is from and goes. */
export interface AlarmNotificationContext {
  region: string;
  /** What CloudWatch puts in `Region`: a display name, never parsed (the webhook reads the ARN). */
  regionName: string;
  account: string;
  topicArn: string;
  /** When the alarms were "deployed": the message's AlarmConfigurationUpdatedTimestamp. */
  configuredAt: Date;
}

/** CloudWatch's timestamp style in alarm messages: `2026-08-23T04:15:30.123+0000`. */
export function cloudWatchTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '+0000');
}

/** SNS spells statistics in upper case with underscores. */
const SNS_STATISTICS: Readonly<Record<string, string>> = {
  Maximum: 'MAXIMUM',
  Minimum: 'MINIMUM',
  Average: 'AVERAGE',
  Sum: 'SUM',
  SampleCount: 'SAMPLE_COUNT',
};

type JsonObject = { [key: string]: Json };
const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `[{Name, Value}]` (the API) → `[{value, name}]` (the SNS message: lower-case keys). */
function snsDimensions(value: Json | undefined): { value: Json; name: Json }[] {
  return Array.isArray(value)
    ? value
        .filter(isObject)
        .map((dimension) => ({ value: dimension.Value ?? null, name: dimension.Name ?? null }))
    : [];
}

/** The alarm's configuration as CloudWatch writes it into `Trigger`. */
export function snsTrigger(definition: AlarmDefinition): Record<string, Json> {
  const properties = alarmResource(definition).Properties;
  const evaluation: Record<string, Json> = {
    Period: definition.periodSeconds,
    EvaluationPeriods: definition.evaluationPeriods,
    DatapointsToAlarm: definition.datapointsToAlarm,
    ComparisonOperator: definition.comparisonOperator,
    Threshold: definition.threshold,
    TreatMissingData: definition.treatMissingData,
    EvaluateLowSampleCountPercentile: '',
  };
  if (Array.isArray(properties.Metrics)) {
    // Metric-math / Metrics Insights alarm: no top-level metric, the queries instead.
    const metrics = properties.Metrics.filter(isObject).map((query) => ({
      Id: query.Id ?? null,
      ...(query.Expression === undefined ? {} : { Expression: query.Expression }),
      ...(query.Label === undefined ? {} : { Label: query.Label }),
      ReturnData: query.ReturnData ?? true,
      ...(query.Period === undefined ? {} : { Period: query.Period }),
    }));
    return { Metrics: metrics, ...evaluation };
  }
  const statistic = typeof properties.Statistic === 'string' ? properties.Statistic : definition.statistic;
  return {
    MetricName: properties.MetricName ?? definition.metric.metricName,
    Namespace: properties.Namespace ?? definition.metric.namespace,
    StatisticType: 'Statistic',
    Statistic: SNS_STATISTICS[statistic] ?? statistic.toUpperCase(),
    Unit: null,
    Dimensions: snsDimensions(properties.Dimensions),
    ...evaluation,
  };
}

/** The decoded `Message`: what CloudWatch publishes for one alarm state change. */
export function snsAlarmMessage(
  transition: Pick<AlarmTransition, 'definition' | 'from' | 'to' | 'reason' | 'at'>,
  ctx: AlarmNotificationContext,
): Record<string, Json> {
  const { definition } = transition;
  const alarmArn = `arn:aws:cloudwatch:${ctx.region}:${ctx.account}:alarm:${definition.name}`;
  return {
    AlarmName: definition.name,
    AlarmDescription: definition.description,
    AWSAccountId: ctx.account,
    AlarmConfigurationUpdatedTimestamp: cloudWatchTime(ctx.configuredAt),
    NewStateValue: transition.to,
    NewStateReason: transition.reason,
    StateChangeTime: cloudWatchTime(transition.at),
    Region: ctx.regionName,
    AlarmArn: alarmArn,
    OldStateValue: transition.from,
    OKActions: [ctx.topicArn],
    AlarmActions: [ctx.topicArn],
    InsufficientDataActions: [],
    Trigger: snsTrigger(definition),
  };
}

/** `ALARM: "name" in Region`: the SNS Subject CloudWatch sets (at most 100 characters). */
export function snsSubject(state: AlarmState, alarmName: string, regionName: string): string {
  const subject = `${state}: "${alarmName}" in ${regionName}`;
  return subject.length <= SNS_SUBJECT_MAX_CHARS
    ? subject
    : `${subject.slice(0, SNS_SUBJECT_MAX_CHARS - 1)}…`;
}
