/**
 * `vigil status`: what a deployed stack says right now, read through the SDK's standard configuration (region,
 * credentials, `AWS_ENDPOINT_URL_*`): the stack's alarms (DescribeAlarms by the name prefix every vigil alarm
 * carries), each target's last ProbeSuccess and ProbeDuration per location (GetMetricData), notifications that
 * failed in the last hour (the webhook's NotificationsFailed) and dead letters waiting (SQS GetQueueAttributes).
 * A part that cannot be read is reported as a problem; the others are still shown.
 */
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { alarmPeriodSeconds, DEFAULT_SERVICE, parseAlarmMeta } from '../alarms/definitions';
import { deliveryChannels, deploymentNames } from '../alarms/health';
import { SEVERITIES, type Severity } from '../alerts/types';
import type { VigilConfig } from '../config/schema';
import { redact } from '../logging/redact';
import {
  CHANNEL_DIMENSION,
  LOCATION_DIMENSION,
  NOTIFICATION_METRICS,
  STANDARD_METRICS,
  TARGET_DIMENSION,
  WEBHOOK_METRICS_SERVICE,
} from '../metrics/datums';

/** DescribeAlarms' page limit. */
const DESCRIBE_MAX_RECORDS = 100;
/** GetMetricData takes at most this many queries per call. */
const METRIC_QUERIES_MAX = 500;
/** Look this many probe periods back for the last datapoint: one missed round must not read as "no data". */
const LOOKBACK_PERIODS = 5;
/** The window "notifications failed" counts over. */
const FAILED_WINDOW_MS = 60 * 60_000;

export interface AlarmRow {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  severity?: Severity;
  target?: string;
  metric?: string;
  /** ISO time of the last state change. */
  since?: string;
  reason: string;
}

export interface TargetRow {
  target: string;
  location?: string;
  /** The last period's ProbeSuccess (its minimum: one failed probe in the period shows). */
  success?: number;
  /** ISO start of that period. */
  at?: string;
  /** The last period's worst ProbeDuration, ms. */
  latencyMs?: number;
}

export interface StackStatus {
  stack: { service: string; stage: string; region: string; alarmPrefix: string };
  alarms: { total: number; states: Record<AlarmRow['state'], number>; firing: AlarmRow[] };
  targets: TargetRow[];
  notifications: { windowMinutes: number; failed: Record<string, number> };
  deadLetters: { queue: string; waiting?: number; inFlight?: number };
  /** Parts that could not be read, with why (credentials, a missing queue, throttling…). */
  problems: string[];
}

export interface StatusOptions {
  stage: string;
  region: string;
  service?: string;
  now?: () => number;
  /** Slow calls say what they are doing (the CLI shows it on a terminal's stderr). */
  onProgress?: (text: string) => void;
}

const errorText = (what: string, error: unknown) =>
  redact(`${what}: ${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`);

function severityOf(name: string, description: string | undefined): Severity | undefined {
  const meta = description ? parseAlarmMeta(description) : undefined;
  if (meta?.severity) return meta.severity;
  return SEVERITIES.find((severity) => name.endsWith(`-${severity}`));
}

async function describeAlarms(client: CloudWatchClient, prefix: string, progress: (text: string) => void) {
  const rows: AlarmRow[] = [];
  let token: string | undefined;
  let page = 0;
  do {
    progress(`reading alarms${page > 0 ? ` (page ${page + 1})` : ''}…`);
    const answer = await client.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: DESCRIBE_MAX_RECORDS,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
      const name = alarm.AlarmName ?? '';
      const meta = alarm.AlarmDescription ? parseAlarmMeta(alarm.AlarmDescription) : undefined;
      const severity = severityOf(name, alarm.AlarmDescription);
      rows.push({
        name,
        state: (alarm.StateValue ?? 'INSUFFICIENT_DATA') as AlarmRow['state'],
        ...(severity ? { severity } : {}),
        ...(meta?.target ? { target: meta.target } : {}),
        ...(meta?.metric
          ? { metric: meta.metric }
          : 'MetricName' in alarm && alarm.MetricName
            ? { metric: alarm.MetricName }
            : {}),
        ...(alarm.StateUpdatedTimestamp ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
        reason: alarm.StateReason ?? '',
      });
    }
    token = answer.NextToken;
    page++;
  } while (token);
  return rows;
}

/** GetMetricData in chunks of at most METRIC_QUERIES_MAX queries, following NextToken; results by query id. */
async function metricData(
  client: CloudWatchClient,
  queries: MetricDataQuery[],
  range: { start: Date; end: Date },
  progress: (text: string) => void,
): Promise<Map<string, MetricDataResult>> {
  const results = new Map<string, MetricDataResult>();
  for (let at = 0; at < queries.length; at += METRIC_QUERIES_MAX) {
    const chunk = queries.slice(at, at + METRIC_QUERIES_MAX);
    let token: string | undefined;
    do {
      progress(`reading metrics ${Math.min(at + chunk.length, queries.length)}/${queries.length}…`);
      const answer = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: chunk,
          StartTime: range.start,
          EndTime: range.end,
          ScanBy: 'TimestampDescending',
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const result of answer.MetricDataResults ?? []) {
        const id = result.Id ?? '';
        const seen = results.get(id);
        results.set(
          id,
          seen
            ? {
                ...seen,
                Timestamps: [...(seen.Timestamps ?? []), ...(result.Timestamps ?? [])],
                Values: [...(seen.Values ?? []), ...(result.Values ?? [])],
              }
            : result,
        );
      }
      token = answer.NextToken;
    } while (token);
  }
  return results;
}

/** The newest datapoint of a result (ScanBy TimestampDescending puts it first). */
function newest(result: MetricDataResult | undefined): { at: Date; value: number } | undefined {
  const at = result?.Timestamps?.[0];
  const value = result?.Values?.[0];
  return at && value !== undefined ? { at, value } : undefined;
}

export async function collectStatus(
  config: VigilConfig,
  clients: { cloudwatch: CloudWatchClient; sqs: SQSClient },
  options: StatusOptions,
): Promise<StackStatus> {
  const now = options.now ?? Date.now;
  const progress = options.onProgress ?? (() => undefined);
  const service = options.service ?? DEFAULT_SERVICE;
  const alarmPrefix = `${service}-${options.stage}-`;
  const names = deploymentNames({ stage: options.stage, service });
  const problems: string[] = [];
  const status: StackStatus = {
    stack: { service, stage: options.stage, region: options.region, alarmPrefix },
    alarms: { total: 0, states: { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 }, firing: [] },
    targets: [],
    notifications: { windowMinutes: FAILED_WINDOW_MS / 60_000, failed: {} },
    deadLetters: { queue: names.deadLetterQueue },
    problems,
  };

  try {
    const alarms = await describeAlarms(clients.cloudwatch, alarmPrefix, progress);
    status.alarms.total = alarms.length;
    for (const alarm of alarms) status.alarms.states[alarm.state]++;
    const rank = (alarm: AlarmRow) => (alarm.severity ? SEVERITIES.indexOf(alarm.severity) : -1);
    status.alarms.firing = alarms
      .filter((alarm) => alarm.state === 'ALARM')
      .sort((a, b) => rank(b) - rank(a) || (a.name < b.name ? -1 : 1));
  } catch (error) {
    problems.push(errorText('DescribeAlarms', error));
  }

  const periodSeconds = alarmPeriodSeconds(config.probe.schedule);
  const locations: (string | undefined)[] =
    config.probe.locations && config.probe.locations.length > 0 ? config.probe.locations : [undefined];
  const pairs = config.targets.flatMap((target) =>
    locations.map((location) => ({ target: target.name, location })),
  );
  const probeQuery = (index: number, kind: 's' | 'd'): MetricDataQuery => {
    const { target, location } = pairs[index]!;
    return {
      Id: `${kind}${index}`,
      MetricStat: {
        Metric: {
          Namespace: config.namespace,
          MetricName: kind === 's' ? STANDARD_METRICS.success : STANDARD_METRICS.duration,
          Dimensions: [
            { Name: TARGET_DIMENSION, Value: target },
            ...(location ? [{ Name: LOCATION_DIMENSION, Value: location }] : []),
          ],
        },
        Period: periodSeconds,
        Stat: kind === 's' ? 'Minimum' : 'Maximum',
      },
      ReturnData: true,
    };
  };
  const channels = deliveryChannels(config);
  const failedQuery = (index: number): MetricDataQuery => ({
    Id: `f${index}`,
    MetricStat: {
      Metric: {
        Namespace: config.namespace,
        MetricName: NOTIFICATION_METRICS.failed,
        Dimensions: [
          { Name: 'service', Value: WEBHOOK_METRICS_SERVICE },
          { Name: CHANNEL_DIMENSION, Value: channels[index]! },
        ],
      },
      Period: FAILED_WINDOW_MS / 1000,
      Stat: 'Sum',
    },
    ReturnData: true,
  });
  const end = now();
  try {
    const probes = await metricData(
      clients.cloudwatch,
      pairs.flatMap((_, index) => [probeQuery(index, 's'), probeQuery(index, 'd')]),
      { start: new Date(end - LOOKBACK_PERIODS * periodSeconds * 1000), end: new Date(end) },
      progress,
    );
    status.targets = pairs.map(({ target, location }, index) => {
      const success = newest(probes.get(`s${index}`));
      const latency = newest(probes.get(`d${index}`));
      return {
        target,
        ...(location ? { location } : {}),
        ...(success ? { success: success.value, at: success.at.toISOString() } : {}),
        ...(latency ? { latencyMs: latency.value } : {}),
      };
    });
    if (channels.length > 0) {
      const failed = await metricData(
        clients.cloudwatch,
        channels.map((_, index) => failedQuery(index)),
        { start: new Date(end - FAILED_WINDOW_MS), end: new Date(end) },
        progress,
      );
      channels.forEach((channel, index) => {
        const sum = (failed.get(`f${index}`)?.Values ?? []).reduce((total, value) => total + value, 0);
        if (sum > 0) status.notifications.failed[channel] = sum;
      });
    }
  } catch (error) {
    problems.push(errorText('GetMetricData', error));
  }

  try {
    progress('reading the dead-letter queue…');
    const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: names.deadLetterQueue }));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    status.deadLetters.waiting = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    status.deadLetters.inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  } catch (error) {
    problems.push(errorText(`dead-letter queue ${names.deadLetterQueue}`, error));
  }
  return status;
}
