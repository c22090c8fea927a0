/**
 * What arrived? Classifies a Lambda event or a parsed HTTP body and normalises it; first match wins (reference A5):
 *
 *   Records[0].EventSource == "aws:sns"                      → sns (each record's Message: CloudWatch alarm, or any
 *                                                              shape below, e.g. an EventBridge event sent via SNS)
 *   source "aws.cloudwatch" + detail-type "…Alarm State Change" → eventbridge
 *   source "aws.cloudwatch" + alarmData                      → alarm-action (direct alarm → Lambda action)
 *   version "1" + orgId (or state alerting|ok)               → grafana
 *   version "4" + groupKey                                   → alertmanager
 *   alerts: [...]                                            → generic
 *
 * Ignorable payloads are recognised but carry nothing to alert on. They classify successfully with no alerts and
 * a reason in `skipped`, so the caller logs them and answers success (a sender must not retry them): CloudWatch
 * events other than alarm state changes (configuration changes, contributor state changes), SNS records whose
 * message is not an alert, INSUFFICIENT_DATA transitions (see intake/sources/cloudwatch.ts).
 *
 * Refused: SNS HTTP(S) subscription envelopes (SubscriptionConfirmation or Notification POSTed to the URL).
 * vigil neither verifies SNS signatures nor visits SubscribeURL; subscribe the Lambda function itself to the
 * topic, which SNS confirms on its own and which needs neither.
 */
import type { Severity } from '../alerts/types';
import * as z from '../zod-mini';
import {
  describeIssues,
  isRecord,
  jsonType,
  type NormalizeContext,
  type Normalized,
  type NormalizeResult,
  optionalString,
  reason,
} from './normalize';
import { isAlertmanagerPayload, normalizeAlertmanager } from './sources/alertmanager';
import {
  isAlarmActionEvent,
  isCloudWatchEvent,
  isEventBridgeAlarmEvent,
  isSnsAlarmMessage,
  normalizeAlarmAction,
  normalizeEventBridgeAlarm,
  normalizeSnsAlarm,
} from './sources/cloudwatch';
import { isGenericPayload, normalizeGeneric } from './sources/generic';
import { isGrafanaPayload, normalizeGrafana } from './sources/grafana';

export const PAYLOAD_KINDS = [
  'sns',
  'eventbridge',
  'alarm-action',
  'alertmanager',
  'grafana',
  'generic',
] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** Same as the config's DEFAULTS.defaultSeverity (kept here so intake does not load the whole config schema). */
export const DEFAULT_SEVERITY: Severity = 'warning';

export interface Detected extends Normalized {
  kind: PayloadKind;
}

/** Alerts (maybe none, with reasons in `skipped`), or one line saying why the payload is unusable. */
export type Detection = Detected | { error: string };

export interface DetectOptions {
  /** `webhook.defaultSeverity`; warning when not given. */
  defaultSeverity?: Severity | undefined;
  /** Stands in for timestamps a payload lacks. */
  now: Date;
}

const UNRECOGNISED =
  'unrecognised payload: expected a CloudWatch alarm (SNS, EventBridge or alarm action), an Alertmanager (version "4") ' +
  'or Grafana (version "1") webhook, or {"alerts":[{"labels":{…}}]}';

const snsRecordSchema = z.looseObject({
  EventSource: z.literal('aws:sns'),
  Sns: z.looseObject({
    Message: z.string(),
    MessageId: optionalString,
    TopicArn: optionalString,
    Timestamp: optionalString,
  }),
});

/** API Gateway HTTP API / Function URL (and REST API) events: they need handleHttpIntake's authentication. */
export function isHttpEvent(event: unknown): boolean {
  return (
    isRecord(event) &&
    isRecord(event.requestContext) &&
    (isRecord(event.requestContext.http) || 'httpMethod' in event)
  );
}

/** The request path of an HTTP event (Function URL / HTTP API v2 `rawPath`, REST API `path`). */
export function httpPath(event: unknown): string {
  if (!isRecord(event)) return '/';
  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const http = isRecord(context.http) ? context.http : {};
  const path = event.rawPath ?? http.path ?? event.path;
  return typeof path === 'string' ? path : '/';
}

function isSnsEvent(value: Record<string, unknown>): boolean {
  const records = value.Records;
  return Array.isArray(records) && isRecord(records[0]) && records[0].EventSource === 'aws:sns';
}

// What SNS POSTs to an HTTP(S) subscription (not what it hands a Lambda subscription).
function isSnsHttpEnvelope(value: Record<string, unknown>): boolean {
  return (
    typeof value.TopicArn === 'string' &&
    (value.Type === 'SubscriptionConfirmation' ||
      value.Type === 'UnsubscribeConfirmation' ||
      value.Type === 'Notification')
  );
}

function withKind(kind: PayloadKind, result: NormalizeResult): Detection {
  return 'error' in result ? result : { kind, ...result };
}

function classifySns(value: Record<string, unknown>, ctx: NormalizeContext): Detection {
  const records = Array.isArray(value.Records) ? value.Records : [];
  const alerts: Detected['alerts'] = [];
  const skipped: string[] = [];
  const problems: string[] = [];
  records.forEach((record, index) => {
    const where = `sns: Records[${index}]`;
    const parsed = snsRecordSchema.safeParse(record);
    if (!parsed.success) {
      problems.push(describeIssues(parsed.error, where));
      return;
    }
    const sns = parsed.data.Sns;
    let message: unknown;
    try {
      message = JSON.parse(sns.Message);
    } catch {
      skipped.push(`${where}: message is not JSON, so not an alert: ignored`);
      return;
    }
    if (isSnsAlarmMessage(message)) {
      const result = normalizeSnsAlarm(message, { topicArn: sns.TopicArn, timestamp: sns.Timestamp }, ctx);
      if ('error' in result) problems.push(reason(`${where}: ${result.error}`));
      else {
        alerts.push(...result.alerts);
        skipped.push(...result.skipped);
      }
      return;
    }
    // EventBridge rules and other senders publish their own JSON to topics; one level deep, never SNS in SNS.
    const inner = classifyObject(message, ctx, false);
    if ('error' in inner) skipped.push(reason(`${where}: message is not an alert (${inner.error}): ignored`));
    else {
      alerts.push(...inner.alerts);
      skipped.push(...inner.skipped);
    }
  });
  if (alerts.length === 0 && skipped.length === 0 && problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more records)` : '';
    return { error: reason(`${problems[0]}${more}`) };
  }
  return { kind: 'sns', alerts, skipped: [...skipped, ...problems] };
}

/** One alert source: how to recognise its payload, and how to turn it into alerts (or a one-line refusal). */
export interface AlertSource {
  kind: PayloadKind | 'refused';
  detect(value: Record<string, unknown>): boolean;
  normalize(value: Record<string, unknown>, ctx: NormalizeContext): Detection;
}

/**
 * The sources in the order they are tried (reference A5): first match wins. SNS is tried only at the top level (an
 * SNS record's message is classified again without it: one level deep, never SNS in SNS). The refusals sit where
 * their shape would otherwise be mistaken for a later source.
 */
export const ALERT_SOURCES: readonly AlertSource[] = [
  { kind: 'sns', detect: isSnsEvent, normalize: (value, ctx) => classifySns(value, ctx) },
  {
    kind: 'eventbridge',
    detect: isEventBridgeAlarmEvent,
    normalize: (v, ctx) => withKind('eventbridge', normalizeEventBridgeAlarm(v, ctx)),
  },
  {
    kind: 'alarm-action',
    detect: isAlarmActionEvent,
    normalize: (v, ctx) => withKind('alarm-action', normalizeAlarmAction(v, ctx)),
  },
  {
    kind: 'eventbridge',
    detect: isCloudWatchEvent,
    normalize: (value) =>
      typeof value['detail-type'] === 'string'
        ? {
            kind: 'eventbridge',
            alerts: [],
            skipped: [reason(`eventbridge: "${value['detail-type']}" events carry no alarm state: ignored`)],
          }
        : { error: 'aws.cloudwatch event without detail-type or alarmData: not an alarm' },
  },
  {
    kind: 'grafana',
    detect: isGrafanaPayload,
    normalize: (v, ctx) => withKind('grafana', normalizeGrafana(v, ctx)),
  },
  {
    kind: 'alertmanager',
    detect: isAlertmanagerPayload,
    normalize: (v, ctx) => withKind('alertmanager', normalizeAlertmanager(v, ctx)),
  },
  {
    kind: 'refused',
    detect: isSnsHttpEnvelope,
    normalize: () => ({
      error:
        'SNS HTTP(S) subscriptions are not supported (no SNS signature verification): subscribe the Lambda function to the topic instead',
    }),
  },
  {
    kind: 'generic',
    detect: isGenericPayload,
    normalize: (v, ctx) => withKind('generic', normalizeGeneric(v, ctx)),
  },
  {
    kind: 'refused',
    detect: (value) => typeof value['detail-type'] === 'string' && typeof value.source === 'string',
    normalize: (value) => ({
      error: reason(
        `EventBridge event from ${String(value.source)} ("${String(value['detail-type'])}") is not a CloudWatch alarm`,
      ),
    }),
  },
];

function classifyObject(value: unknown, ctx: NormalizeContext, allowSns: boolean): Detection {
  if (!isRecord(value)) return { error: `expected a JSON object, got ${jsonType(value)}` };
  for (const source of ALERT_SOURCES) {
    if (source.kind === 'sns' && !allowSns) continue;
    if (source.detect(value)) return source.normalize(value, ctx);
  }
  return { error: UNRECOGNISED };
}

function context(options: DetectOptions): NormalizeContext {
  return { defaultSeverity: options.defaultSeverity ?? DEFAULT_SEVERITY, now: options.now };
}

/**
 * Classifies a Lambda event (SNS, EventBridge, alarm action, or any body shape invoked directly). HTTP events are
 * refused: they must go through handleHttpIntake, so that no caller skips authentication by accident.
 */
export function classifyEvent(event: unknown, options: DetectOptions): Detection {
  if (isHttpEvent(event)) {
    return { error: 'HTTP event: pass it to handleHttpIntake, which authenticates it and decodes the body' };
  }
  return oneLineError(classifyObject(event, context(options), true));
}

/** Classifies a parsed (authenticated) HTTP body: every shape, including ones normally delivered as events. */
export function classifyBody(body: unknown, options: DetectOptions): Detection {
  return oneLineError(classifyObject(body, context(options), true));
}

// Every error is a log line or an HTTP response body: one line, bounded, whatever the payload put in it.
function oneLineError(detection: Detection): Detection {
  return 'error' in detection ? { error: reason(detection.error) } : detection;
}
