/**
 * The alarms on vigil itself: is the probe running, is the webhook delivering, is anything waiting in the
 * dead-letter queue. Plain definitions like the per-target ones (definitions.ts), deployed by infra/ and, for the
 * one that watches a metric vigil publishes (the probe's heartbeat), evaluated by `vigil dev` too.
 *
 * The path they take must not depend on what they watch (README "Health of vigil itself"):
 * - what watches the probe, the webhook and the dead letters publishes to the **meta** topic, read by the meta
 *   function (its own code path, role, log group and concurrency), which delivers to `alerts.meta`;
 * - what watches the meta function publishes to the **alerts** topic, read by the webhook. The two paths watch
 *   each other; only both broken at once stays silent (the dashboard still shows it; an e-mail subscription on the
 *   meta topic needs no vigil code at all).
 *
 * Missing data, alarm by alarm (CloudWatch's rules as evaluate.ts implements them):
 * - the heartbeat is `breaching` with M = N = 1: the evaluation range is N + 2 = 3 periods, so one or two missed
 *   rounds (a throttled invocation, a slow metric) still see a real datapoint and stay OK, and the third fires;
 * - Lambda Errors/Throttles and NotificationsFailed exist only when something happened: missing is `notBreaching`;
 * - the queue depth is reported while the queue is in use; missing (an idle, empty queue) is `ignore`.
 */
import type { Severity } from '../alerts/types';
import type { VigilConfig } from '../config/schema';
import { formatDuration } from '../config/units';
import {
  CHANNEL_DIMENSION,
  HEARTBEAT,
  LOCATION_DIMENSION,
  NOTIFICATION_METRICS,
  WEBHOOK_METRICS_SERVICE,
} from '../metrics/datums';
import type { MetricUnit } from '../metrics/units';
import { planShards } from '../probing/fanout/shards';
import {
  type AlarmDefinition,
  type AlarmStatistic,
  type AlarmTopic,
  alarmName,
  alarmPeriodSeconds,
  DEFAULT_SERVICE,
  fitDescription,
  type MetricSelector,
  type TreatMissingData,
  warmUpMinutes,
} from './definitions';
import { COMPARISONS, type ParsedComparison } from './threshold';

/** "Probe shards missing": fewer shards than planned in 2 of the last 3 periods (one late shard is not news). */
const SHARDS_MISSING_DATAPOINTS = 2;
const SHARDS_MISSING_PERIODS = 3;
/** Lambda and SQS publish these at one-minute granularity. */
const SERVICE_PERIOD_SECONDS = 60;
/** SQS queue metrics: every five minutes is what a standard queue reliably reports. */
const QUEUE_PERIOD_SECONDS = 300;

/** Names of what one deployment creates, as osls and infra/ spell them (`<service>-<stage>-…`). */
interface DeploymentNames {
  probeFunction: string;
  webhookFunction: string;
  metaFunction: string;
  deadLetterQueue: string;
  /** The fan-out's queue, when the plan has several shards (infra/fanout.ts). */
  shardQueue: string;
  alertsTopic: string;
  metaTopic: string;
}

export function deploymentNames(options: { stage: string; service?: string }): DeploymentNames {
  const prefix = `${options.service ?? DEFAULT_SERVICE}-${options.stage}`;
  // osls names functions `<service>-<stage>-<key>` (serverless.yml: probe, webhook, meta).
  return {
    probeFunction: `${prefix}-probe`,
    webhookFunction: `${prefix}-webhook`,
    metaFunction: `${prefix}-meta`,
    deadLetterQueue: `${prefix}-dead-letters`,
    shardQueue: `${prefix}-shards`,
    alertsTopic: `${prefix}-alerts`,
    metaTopic: `${prefix}-meta`,
  };
}

/** Channels the webhook can count deliveries for: every configured one, and console when a route uses it. */
export function deliveryChannels(config: Pick<VigilConfig, 'channels' | 'routes' | 'alerts'>): string[] {
  const named = new Set(Object.keys(config.channels));
  const usesConsole =
    config.routes.some((route) => route.channels.includes('console')) ||
    (config.alerts.meta ?? []).includes('console');
  if (usesConsole) named.add('console');
  return [...named];
}

interface HealthDraft {
  kind: 'stalled' | 'service';
  nameParts: string[];
  severity: Severity;
  target: string;
  notify: AlarmTopic;
  metric: Omit<MetricSelector, 'series'>;
  unit: MetricUnit;
  statistic: AlarmStatistic;
  comparison: ParsedComparison;
  periodSeconds: number;
  treatMissingData: TreatMissingData;
  /** M of N; default 1 of 1. */
  datapoints?: { toAlarm: number; of: number };
  sentence: string;
}

interface HealthOptions {
  stage: string;
  service?: string;
  /** Overrides the heartbeat's period (the probe schedule); `vigil dev` uses its interval. */
  periodSeconds?: number;
}

/**
 * The alarms on the probe's heartbeat, per location (one set without `probe.locations`): "probe stalled" pages
 * when no shard of a round reported (the probe stopped); with several shards, "probe shards missing" warns when
 * fewer shards than planned reported in 2 of 3 periods (a shard failing or skipped round after round: its targets
 * are not being watched). Each shard publishes one heartbeat per round, timestamped with the round, so the sum
 * per period is the count of shards that reported. The only health alarms `vigil dev` can evaluate too.
 */
export function probeHeartbeatAlarms(config: VigilConfig, options: HealthOptions): AlarmDefinition[] {
  if (config.targets.length === 0) return [];
  const names = deploymentNames(options);
  const period = options.periodSeconds ?? alarmPeriodSeconds(config.probe.schedule);
  const shards = planShards(config).shards.length;
  const locations: (string | undefined)[] = config.probe.locations ?? [undefined];
  return locations.flatMap((location) => {
    const where = location === undefined ? '' : ` in ${location}`;
    const metric = {
      namespace: config.namespace,
      metricName: HEARTBEAT.metric,
      dimensions: {
        [HEARTBEAT.dimension]: names.probeFunction,
        ...(location === undefined ? {} : { [LOCATION_DIMENSION]: location }),
      },
    };
    const suffix = location === undefined ? [] : [location];
    const stalled = finish(options, {
      kind: 'stalled',
      nameParts: ['probe', 'stalled', ...suffix],
      severity: 'critical',
      target: 'vigil-probe',
      notify: 'meta',
      metric,
      unit: 'Count',
      statistic: 'Sum',
      comparison: { op: '<', threshold: 1 },
      periodSeconds: period,
      treatMissingData: 'breaching',
      sentence:
        `The probe stalled${where} (critical): no round of ${names.probeFunction} reported for 3 periods of ${formatDuration(period * 1000)}, ` +
        `so no target is being watched${location === undefined ? '' : ' from there'}. The targets themselves may be fine: their alarms keep their state meanwhile. ` +
        `Check the probe function's logs, its schedule and its role (throttling, a failed deploy, expired permissions).`,
    });
    if (shards <= 1) return [stalled];
    const missing = finish(options, {
      kind: 'stalled',
      nameParts: ['probe', 'shards', ...suffix],
      severity: 'warning',
      target: 'vigil-probe',
      notify: 'meta',
      metric,
      unit: 'Count',
      statistic: 'Sum',
      comparison: { op: '<', threshold: shards },
      periodSeconds: period,
      // All missing is the stalled alarm's case: this one stays quiet then.
      treatMissingData: 'notBreaching',
      datapoints: { toAlarm: SHARDS_MISSING_DATAPOINTS, of: SHARDS_MISSING_PERIODS },
      sentence:
        `Probe shards are missing${where} (warning): fewer than the ${shards} shards of ${names.probeFunction} reported in ${SHARDS_MISSING_DATAPOINTS} of the last ${SHARDS_MISSING_PERIODS} periods, ` +
        "so some targets are not being probed (their alarms keep their state). The probe function's log says which shard was skipped or failed and why: a timeout, memory, a lease still held by an overrunning round.",
    });
    return [stalled, missing];
  });
}

/** Every alarm on vigil itself, in a stable order. */
export function healthAlarmDefinitions(config: VigilConfig, options: HealthOptions): AlarmDefinition[] {
  const names = deploymentNames(options);
  const lambda = (
    part: 'probe' | 'webhook' | 'meta',
    functionName: string,
    metricName: 'Errors' | 'Throttles',
    severity: Severity,
    notify: AlarmTopic,
    sentence: string,
  ): HealthDraft => ({
    kind: 'service',
    nameParts: [part, metricName.toLowerCase()],
    severity,
    target: `vigil-${part}`,
    notify,
    metric: { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } },
    unit: 'Count',
    statistic: 'Sum',
    comparison: { op: '>', threshold: 0 },
    periodSeconds: SERVICE_PERIOD_SECONDS,
    treatMissingData: 'notBreaching',
    sentence,
  });
  const drafts: HealthDraft[] = [
    lambda(
      'probe',
      names.probeFunction,
      'Errors',
      'warning',
      'meta',
      `A probe round of ${names.probeFunction} failed with an error: its targets were not (all) measured. Read the function's log for the error; if it repeats, the "probe stalled" alarm follows.`,
    ),
    lambda(
      'probe',
      names.probeFunction,
      'Throttles',
      'warning',
      'meta',
      `Lambda throttled ${names.probeFunction}: a probe round did not run. Check the account's concurrency (other functions may use it all) or reserve some for the probe.`,
    ),
    lambda(
      'webhook',
      names.webhookFunction,
      'Errors',
      'critical',
      'meta',
      `The webhook ${names.webhookFunction} failed: alerts may not have been delivered or kept (SNS retries; Alertmanager and Grafana get a 5xx). Read its log; dead letters, if any, wait for vigil replay.`,
    ),
    lambda(
      'webhook',
      names.webhookFunction,
      'Throttles',
      'warning',
      'meta',
      `Lambda throttled the webhook ${names.webhookFunction}: alerts are delayed (SNS and EventBridge retry). Check the account's concurrency or reserve some for the webhook.`,
    ),
    lambda(
      'meta',
      names.metaFunction,
      'Errors',
      'critical',
      'alerts',
      `The meta function ${names.metaFunction}, which delivers the alarms on vigil itself, failed: those alarms may not have reached alerts.meta. Read its log; dead letters, if any, wait for vigil replay.`,
    ),
    lambda(
      'meta',
      names.metaFunction,
      'Throttles',
      'warning',
      'alerts',
      `Lambda throttled the meta function ${names.metaFunction}: alarms on vigil itself are delayed. Check the account's concurrency.`,
    ),
    {
      kind: 'service',
      nameParts: ['dead-letters'],
      severity: 'warning',
      target: 'vigil-dead-letters',
      notify: 'meta',
      metric: {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: names.deadLetterQueue },
      },
      unit: 'Count',
      statistic: 'Maximum',
      comparison: { op: '>', threshold: 0 },
      periodSeconds: QUEUE_PERIOD_SECONDS,
      treatMissingData: 'ignore',
      sentence: `Notifications are waiting in the dead-letter queue ${names.deadLetterQueue}: a channel refused them after retries. Fix the channel, then resend them with vigil replay --queue (they are kept 14 days).`,
    },
    ...deliveryChannels(config).map(
      (channel): HealthDraft => ({
        kind: 'service',
        nameParts: ['notifications-failed', channel],
        severity: 'critical',
        target: 'vigil-webhook',
        notify: 'meta',
        metric: {
          namespace: config.namespace,
          metricName: NOTIFICATION_METRICS.failed,
          // Exactly the dimensions the webhook's EMF carries: Powertools adds `service` to every metric.
          dimensions: { service: WEBHOOK_METRICS_SERVICE, [CHANNEL_DIMENSION]: channel },
        },
        unit: 'Count',
        statistic: 'Sum',
        comparison: { op: '>', threshold: 0 },
        periodSeconds: SERVICE_PERIOD_SECONDS,
        treatMissingData: 'notBreaching',
        sentence: `Channel ${channel} refused a notification after retries: that alert did not arrive there (it waits in the dead-letter queue). Check the channel's URL, token and the vendor's status.`,
      }),
    ),
  ];
  return [...probeHeartbeatAlarms(config, options), ...drafts.map((draft) => finish(options, draft))];
}

function finish(options: HealthOptions, draft: HealthDraft): AlarmDefinition {
  const { nameParts, sentence, metric, datapoints, ...rest } = draft;
  const definition: AlarmDefinition = {
    ...rest,
    name: alarmName(options.service ?? DEFAULT_SERVICE, options.stage, nameParts, draft.severity),
    source: 'alerts.meta',
    metric: { ...metric, series: 'exact' },
    comparisonOperator: COMPARISONS[draft.comparison.op],
    threshold: draft.comparison.threshold,
    datapointsToAlarm: datapoints?.toAlarm ?? 1,
    evaluationPeriods: datapoints?.of ?? 1,
    description: fitDescription(sentence, {
      severity: draft.severity,
      target: draft.target,
      metric: metric.metricName,
    }),
  };
  if (draft.treatMissingData === 'breaching') definition.warmUpMinutes = warmUpMinutes(definition);
  return definition;
}
