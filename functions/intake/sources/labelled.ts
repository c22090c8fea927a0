/**
 * The Prometheus data model shared by Alertmanager, Grafana and the generic shape: an alert is a label set plus
 * annotations, a status and start/end times. Each source module adds its own envelope and extras on top.
 */
import { labelsFingerprint, sourceFingerprint } from '../../alerts/fingerprint';
import type { Alert, AlertLink, AlertSource, AlertStatus } from '../../alerts/types';
import * as z from '../../zod-mini';
import {
  describeIssues,
  httpUrl,
  isoTime,
  type NormalizeContext,
  type NormalizeResult,
  oneLine,
  optional,
  optionalStringMap,
  reason,
  stringMap,
} from '../normalize';
import { resolveSeverity } from '../severity';

// Name of alerts that carry no alertname label (generic payloads written by hand).
export const UNNAMED_ALERT = 'alert';

/** Fields every labelled alert may have. Only `labels` is required: it is the alert's identity. */
export const labelledAlertSchema = z.looseObject({
  status: z.optional(z.unknown()),
  labels: stringMap,
  annotations: optionalStringMap,
  startsAt: z.optional(z.unknown()),
  endsAt: z.optional(z.unknown()),
  generatorURL: z.optional(z.unknown()),
  fingerprint: z.optional(z.unknown()),
});
export type LabelledAlert = z.output<typeof labelledAlertSchema>;

/** What a source module adds per alert. */
export interface LabelledExtras {
  links?: AlertLink[];
  value?: number;
}

export interface LabelledOptions<S extends z.ZodMiniType<LabelledAlert, unknown>> {
  source: AlertSource;
  /** Prefix of skip/error reasons, e.g. "alertmanager". */
  what: string;
  schema: S;
  /** Used when an alert has no status of its own (generic payloads); undefined makes status required. */
  defaultStatus?: AlertStatus;
  /** Title of the generatorURL link. */
  generatorTitle: string;
  groupKey?: string;
  extras?: (alert: z.output<S>) => LabelledExtras;
}

function parseStatus(value: unknown, fallback: AlertStatus | undefined): AlertStatus | { error: string } {
  if (value === undefined && fallback) return fallback;
  if (value === 'firing' || value === 'resolved') return value;
  const seen =
    typeof value === 'string' ? `"${value}"` : String(value === undefined ? 'nothing' : typeof value);
  return { error: `status: expected "firing" or "resolved", got ${seen}` };
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((item) => item.trim() !== '');
  return line === undefined ? undefined : oneLine(line);
}

/** Normalises one alert; a string is the reason it was unusable. */
function normalizeOne<S extends z.ZodMiniType<LabelledAlert, unknown>>(
  raw: unknown,
  options: LabelledOptions<S>,
  ctx: NormalizeContext,
): Alert | string {
  const parsed = options.schema.safeParse(raw);
  if (!parsed.success) return describeIssues(parsed.error);
  const alert = parsed.data;
  const status = parseStatus(alert.status, options.defaultStatus);
  if (typeof status !== 'string') return status.error;

  const received = alert.labels;
  const name = received.alertname?.trim() || UNNAMED_ALERT;
  const { severity } = resolveSeverity({ labels: received }, ctx.defaultSeverity);
  const labels = { ...received, alertname: name, severity };
  const annotations = alert.annotations;

  const links: AlertLink[] = [];
  const generator = httpUrl(alert.generatorURL);
  if (generator) links.push({ title: options.generatorTitle, url: generator });
  const runbook = httpUrl(annotations.runbook_url) ?? httpUrl(annotations.runbook);
  if (runbook) links.push({ title: 'Runbook', url: runbook });
  const extras = options.extras?.(alert) ?? {};
  links.push(...(extras.links ?? []));

  const summary =
    firstLine(annotations.summary) ??
    firstLine(annotations.message) ??
    firstLine(annotations.description) ??
    name;
  const startsAt = isoTime(alert.startsAt) ?? ctx.now.toISOString();
  // endsAt of a firing alert is either Go's zero time or Prometheus' resend horizon: neither is an end.
  const endsAt = status === 'resolved' ? isoTime(alert.endsAt) : undefined;

  return {
    status,
    name,
    severity,
    summary,
    ...optional('description', annotations.description),
    labels,
    annotations,
    ...optional('value', extras.value),
    startsAt,
    ...optional('endsAt', endsAt),
    links,
    source: options.source,
    // The labels as received: a later change of webhook.defaultSeverity must not split firing from resolved.
    fingerprint: sourceFingerprint(alert.fingerprint) ?? labelsFingerprint(options.source, received),
    ...optional('groupKey', options.groupKey),
  };
}

/**
 * Normalises a list of labelled alerts. Unusable alerts are skipped with a reason; if none is usable the whole
 * payload is an error, because then the sender should hear about it (a 400 instead of a silent 200).
 */
export function normalizeLabelledAlerts<S extends z.ZodMiniType<LabelledAlert, unknown>>(
  rawAlerts: readonly unknown[],
  options: LabelledOptions<S>,
  ctx: NormalizeContext,
  notes: readonly string[] = [],
): NormalizeResult {
  const alerts: Alert[] = [];
  const skipped: string[] = [...notes];
  const problems: string[] = [];
  rawAlerts.forEach((raw, index) => {
    const result = normalizeOne(raw, options, ctx);
    if (typeof result === 'string') problems.push(reason(`${options.what}: alerts[${index}]: ${result}`));
    else alerts.push(result);
  });
  if (alerts.length === 0 && problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more alerts)` : '';
    return { error: reason(`${problems[0]}${more}`) };
  }
  return { alerts, skipped: [...skipped, ...problems] };
}
