/**
 * Alert fingerprints: identical for the firing and the resolved notification of one alert, so resolved alerts
 * find what their firing alerts started (state, threads, dedup). Only identity goes in, never state: a
 * source's own fingerprint when it sends one (Alertmanager and Grafana hash the labels the same way for both
 * states), else the alarm ARN (CloudWatch), else the source and the labels as received.
 */
import { createHash } from 'node:crypto';
import type { AlertSource } from './types';

// 64 bits, like Alertmanager's own fingerprints: collisions are irrelevant at alerting volumes.
export const FINGERPRINT_HEX_CHARS = 16;
// A sender's fingerprint longer than this is not a fingerprint; we hash instead of carrying it around.
export const SOURCE_FINGERPRINT_MAX_CHARS = 128;

function digest(parts: readonly unknown[]): string {
  // JSON keeps the parts unambiguous ("a,b"+"c" never equals "a"+"b,c").
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, FINGERPRINT_HEX_CHARS);
}

/** Hash of the source and the label set, independent of key order. */
export function labelsFingerprint(source: AlertSource, labels: Readonly<Record<string, string>>): string {
  // Code-unit order, not localeCompare: the result must not depend on the Lambda's locale.
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return digest([source, entries]);
}

/** CloudWatch: the alarm ARN is the identity, whichever path (SNS, EventBridge, alarm action) delivered it. */
export function alarmFingerprint(alarmArn: string): string {
  return digest(['cloudwatch', alarmArn]);
}

/** The sender's fingerprint when it is a usable one (non-empty, no whitespace, not absurdly long). */
export function sourceFingerprint(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text !== '' && text.length <= SOURCE_FINGERPRINT_MAX_CHARS && !/\s/.test(text) ? text : undefined;
}
