/**
 * A local alarm transition → the event the webhook Lambda receives when CloudWatch publishes that state change to
 * the alerts topic (reference alerts.md A1): an SNS record whose `Message` is the alarm notification as a JSON
 * string. `vigil dev` hands it to handleWebhookEvent in-process, so detection, routing, rendering and delivery are
 * the deployed code paths. Pure: ids and times come in through the context.
 *
 * The `Trigger` is read off the CloudFormation resource infra/ deploys for the alarm (infra/alarms.ts), i.e. the
 * alarm configuration CloudWatch itself would describe in the message.
 */
import type { SNSEvent } from 'aws-lambda';
import { alarmResource } from '../../infra/alarms';
import type { Json } from '../../infra/cfn';
import type { AlarmDefinition, AlarmTopic } from '../alarms/definitions';
import type { AlarmState } from '../alarms/evaluate';
import { deploymentNames } from '../alarms/health';
import { LOCAL_REGION, LOCAL_STAGE, type LocalTransition } from './alarms';

/** LocalStack's account id: twelve digits, as the webhook expects, and recognisably not a real account. */
export const LOCAL_ACCOUNT = '000000000000';
/** What CloudWatch puts in `Region`: a display name, never parsed (the webhook reads the ARN). */
export const LOCAL_REGION_NAME = 'Local (vigil dev)';
const LOCAL_SUBSCRIPTION_ID = 'vigil-dev-local-subscription';
/** SNS Publish: Subject is at most 100 characters. */
export const SNS_SUBJECT_MAX_CHARS = 100;

export interface SnsContext {
  region: string;
  regionName: string;
  account: string;
  topicArn: string;
  /** SNS MessageId (a UUID in AWS). */
  messageId: string;
  /** When SNS delivered the message (the record's `Timestamp`). */
  publishedAt: Date;
  /** When the alarms were "deployed": the message's AlarmConfigurationUpdatedTimestamp. */
  configuredAt: Date;
}

/** The alerts (or meta) topic of a local stage, as infra/ names it in AWS. */
export function localTopicArn(
  region = LOCAL_REGION,
  account = LOCAL_ACCOUNT,
  stage = LOCAL_STAGE,
  topic: AlarmTopic = 'alerts',
): string {
  const names = deploymentNames({ stage });
  return `arn:aws:sns:${region}:${account}:${topic === 'alerts' ? names.alertsTopic : names.metaTopic}`;
}

export function localSnsContext(
  ids: { messageId: string; publishedAt: Date; configuredAt: Date },
  region = LOCAL_REGION,
  topic: AlarmTopic = 'alerts',
): SnsContext {
  return {
    region,
    regionName: LOCAL_REGION_NAME,
    account: LOCAL_ACCOUNT,
    topicArn: localTopicArn(region, LOCAL_ACCOUNT, LOCAL_STAGE, topic),
    ...ids,
  };
}

/**
 * Which transitions reach SNS. infra/alarms.ts sets AlarmActions and OKActions (no InsufficientDataActions), so a
 * move to INSUFFICIENT_DATA publishes nothing; nor does a new alarm's first OK (see LocalTransition.initial).
 */
export function isPublished(transition: Pick<LocalTransition, 'to' | 'initial'>): boolean {
  return transition.to === 'ALARM' || (transition.to === 'OK' && !transition.initial);
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
export function snsAlarmMessage(transition: LocalTransition, ctx: SnsContext): Record<string, Json> {
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

/** The Lambda event: one SNS record carrying the alarm message as a JSON string. */
export function snsAlarmEvent(transition: LocalTransition, ctx: SnsContext): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${ctx.topicArn}:${LOCAL_SUBSCRIPTION_ID}`,
        Sns: {
          Type: 'Notification',
          MessageId: ctx.messageId,
          TopicArn: ctx.topicArn,
          Subject: snsSubject(transition.to, transition.definition.name, ctx.regionName),
          Message: JSON.stringify(snsAlarmMessage(transition, ctx)),
          Timestamp: ctx.publishedAt.toISOString(),
          SignatureVersion: '1',
          // Lambda subscriptions are not verified by the webhook; locally nothing is signed.
          Signature: 'UNSIGNED',
          SigningCertUrl: `https://sns.${ctx.region}.amazonaws.com/SimpleNotificationService-local.pem`,
          UnsubscribeUrl: `https://sns.${ctx.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${ctx.topicArn}:${LOCAL_SUBSCRIPTION_ID}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
