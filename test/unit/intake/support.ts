/** Shared by the alert intake tests: fixture loading, the fixed clock, and what every normalised alert satisfies. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  APIGatewayProxyEventV2,
  CloudWatchAlarmData,
  CloudWatchAlarmEvent,
  EventBridgeEvent,
  SNSEvent,
} from 'aws-lambda';
import { ALERT_SOURCES, type Alert, SEVERITIES } from '../../../functions/alerts/types';
import { classifyEvent } from '../../../functions/intake/detect';
import { type NormalizeContext, REASON_MAX_CHARS } from '../../../functions/intake/normalize';

export const FIXTURES_DIR = join(__dirname, '../../fixtures/alerts');

/** The clock every test runs at: shortly after the HTTP fixtures were "sent". */
export const NOW = new Date('2026-08-23T05:00:00Z');
export const CTX: NormalizeContext = { defaultSeverity: 'warning', now: NOW };

/** Secrets the HTTP fixtures were signed / authorised with. */
export const TEST_TOKEN = 'vigil-test-token';
export const TEST_HMAC_SECRET = 'vigil-test-secret';

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''))
    .sort();
}

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8');
}

export function fixture(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

// Typed views of the fixtures: the @types/aws-lambda shapes they are meant to be.
export const snsFixture = (name: string) => fixture(name) as SNSEvent;
export const eventBridgeFixture = (name: string) =>
  fixture(name) as EventBridgeEvent<'CloudWatch Alarm State Change', CloudWatchAlarmData>;
export const alarmActionFixture = (name: string) => fixture(name) as CloudWatchAlarmEvent;
export const httpFixture = (name: string) => fixture(name) as APIGatewayProxyEventV2;

/** The decoded SNS message of record 0. */
export function snsMessage(name: string): Record<string, unknown> {
  return JSON.parse(snsFixture(name).Records[0]!.Sns.Message) as Record<string, unknown>;
}

function isIso(value: unknown): boolean {
  return (
    typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value
  );
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Every broken promise of the Alert contract, as readable strings (empty when the alert is sound). */
export function alertProblems(alert: Alert): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  check(alert.status === 'firing' || alert.status === 'resolved', `status ${String(alert.status)}`);
  check(typeof alert.name === 'string' && alert.name.trim() !== '', 'name empty');
  check(SEVERITIES.includes(alert.severity), `severity ${String(alert.severity)}`);
  check(
    typeof alert.summary === 'string' && alert.summary !== '' && !/[\r\n]/.test(alert.summary),
    'summary not one line',
  );
  check(alert.labels.alertname === alert.name, 'labels.alertname !== name');
  check(alert.labels.severity === alert.severity, 'labels.severity !== severity');
  check(
    Object.values(alert.labels).every((value) => typeof value === 'string'),
    'label values not all strings',
  );
  check(
    Object.values(alert.annotations).every((value) => typeof value === 'string'),
    'annotation values not all strings',
  );
  check(isIso(alert.startsAt), `startsAt ${String(alert.startsAt)}`);
  check(alert.endsAt === undefined || isIso(alert.endsAt), `endsAt ${String(alert.endsAt)}`);
  check(alert.endsAt === undefined || alert.status === 'resolved', 'endsAt on a firing alert');
  check(typeof alert.fingerprint === 'string' && /^\S{1,128}$/.test(alert.fingerprint), 'fingerprint');
  check(ALERT_SOURCES.includes(alert.source), `source ${String(alert.source)}`);
  check(
    alert.links.every((link) => typeof link.title === 'string' && isHttpUrl(link.url)),
    'a link is not http(s)',
  );
  for (const key of ['value', 'threshold', 'evaluationPeriods'] as const) {
    const value = alert[key];
    check(
      value === undefined || (typeof value === 'number' && Number.isFinite(value)),
      `${key} ${String(value)}`,
    );
  }
  for (const [key, value] of Object.entries(alert))
    check(value !== undefined, `${key} present but undefined`);
  return problems;
}

/** A reason/error/HTTP body: non-empty, one line, bounded. */
export function isOneLineReason(text: unknown): boolean {
  return (
    typeof text === 'string' && text.trim() !== '' && !/[\r\n]/.test(text) && text.length <= REASON_MAX_CHARS
  );
}

/** The alerts a fixture (a Lambda event or a bare body) classifies into; throws on a classification error. */
export function alertsOf(name: string, defaultSeverity: Alert['severity'] = 'warning'): Alert[] {
  const detected = classifyEvent(fixture(name), { now: NOW, defaultSeverity });
  if ('error' in detected) throw new Error(detected.error);
  return detected.alerts;
}

/** Firing and resolved notifications of the same alert: [case, firing fixture, resolved fixture], every source. */
export const FIRING_RESOLVED_PAIRS: [string, string, string][] = [
  ['cloudwatch via SNS', 'cloudwatch-sns-alarm', 'cloudwatch-sns-ok'],
  ['cloudwatch via EventBridge', 'eventbridge-alarm', 'eventbridge-ok'],
  ['alertmanager', 'alertmanager-v4', 'alertmanager-v4-resolved'],
  ['grafana', 'grafana-v1', 'grafana-v1-resolved'],
  ['generic', 'generic', 'generic-resolved'],
];

function sortedLabels(alert: Alert): string {
  return JSON.stringify(Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The firing alert of `firingFixture` and the alert of `resolvedFixture` that resolves it. They are paired by
 * identical labels: finding a pair at all proves normalisation gives both states the same labels.
 */
export function pairOf(firingFixture: string, resolvedFixture: string): [Alert, Alert] {
  const resolved = alertsOf(resolvedFixture).find((alert) => alert.status === 'resolved');
  const firing = alertsOf(firingFixture).find(
    (alert) =>
      alert.status === 'firing' && resolved !== undefined && sortedLabels(alert) === sortedLabels(resolved),
  );
  if (!firing || !resolved)
    throw new Error(`no firing/resolved pair in ${firingFixture} / ${resolvedFixture}`);
  return [firing, resolved];
}
