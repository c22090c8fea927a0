/**
 * Prometheus Alertmanager webhook payloads (version "4", notify/webhook/webhook.go). A payload is a whole group's
 * current membership, firing and resolved alerts mixed; every alert carries its own status and fingerprint.
 */
import * as z from '../../zod-mini';
import {
  describeIssues,
  isRecord,
  type NormalizeContext,
  type NormalizeResult,
  optionalNumber,
  optionalString,
} from '../normalize';
import { labelledAlertSchema, normalizeLabelledAlerts } from './labelled';

export const alertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  status: optionalString,
  receiver: optionalString,
  externalURL: optionalString,
  /** Alerts dropped by the receiver's max_alerts. */
  truncatedAlerts: optionalNumber,
  /** Since Alertmanager v0.32 (new_alerts, repeat_interval …); optional. */
  notification_reason: optionalString,
  alerts: z.array(z.unknown()),
});
export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

export const alertmanagerAlertSchema = labelledAlertSchema;

/** Reference A5: `version == "4"` and a groupKey. */
export function isAlertmanagerPayload(body: unknown): boolean {
  return isRecord(body) && body.version === '4' && 'groupKey' in body;
}

/** Alertmanager payload → alerts (Alertmanager has no value, no metric; links: generatorURL, runbook_url). */
export function normalizeAlertmanager(body: unknown, ctx: NormalizeContext): NormalizeResult {
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'alertmanager') };
  const payload = parsed.data;
  const notes = truncationNotes('alertmanager', payload.truncatedAlerts);
  return normalizeLabelledAlerts(
    payload.alerts,
    {
      source: 'alertmanager',
      what: 'alertmanager',
      schema: alertmanagerAlertSchema,
      generatorTitle: 'Source',
      groupKey: payload.groupKey,
    },
    ctx,
    notes,
  );
}

/** A sender that cut its alert list says so; we report it rather than pretend the list is whole. */
export function truncationNotes(what: string, truncated: number | undefined): string[] {
  return truncated !== undefined && truncated > 0
    ? [`${what}: ${truncated} alerts were left out by the sender (max_alerts)`]
    : [];
}
