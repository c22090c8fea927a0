/**
 * Grafana unified alerting webhook contact point (version "1", grafana/alerting receivers/webhook/v1): the
 * Alertmanager shape plus per-alert silenceURL, dashboardURL, panelURL, imageURL and the query `values`.
 */
import type { AlertLink } from '../../alerts/types';
import * as z from '../../zod-mini';
import {
  describeIssues,
  httpUrl,
  isRecord,
  type NormalizeContext,
  type NormalizeResult,
  optional,
  optionalNumber,
  optionalString,
} from '../normalize';
import { truncationNotes } from './alertmanager';
import { labelledAlertSchema, normalizeLabelledAlerts } from './labelled';

export const grafanaPayloadSchema = z.looseObject({
  version: z.literal('1'),
  orgId: z.optional(z.unknown()),
  /** "alerting" if any alert fires, else "ok". */
  state: optionalString,
  status: optionalString,
  groupKey: optionalString,
  truncatedAlerts: optionalNumber,
  title: optionalString,
  alerts: z.array(z.unknown()),
});
export type GrafanaPayload = z.output<typeof grafanaPayloadSchema>;

export const grafanaAlertSchema = z.extend(labelledAlertSchema, {
  silenceURL: z.optional(z.unknown()),
  dashboardURL: z.optional(z.unknown()),
  panelURL: z.optional(z.unknown()),
  imageURL: z.optional(z.unknown()),
  /** refId → number, e.g. { B: 44.2, C: 1 }. */
  values: z.optional(z.unknown()),
  /** Older Grafana: "[ var='B' labels={…} value=44.2 ], [ var='C' labels={…} value=1 ]". */
  valueString: z.optional(z.unknown()),
});
export type GrafanaAlert = z.output<typeof grafanaAlertSchema>;

/** Reference A5: version "1" with orgId, or a Grafana state word. */
export function isGrafanaPayload(body: unknown): boolean {
  return (
    isRecord(body) &&
    body.version === '1' &&
    ('orgId' in body || body.state === 'alerting' || body.state === 'ok')
  );
}

// valueString is parsed with a regex; past this length it is not Grafana's and not worth the time.
export const GRAFANA_VALUE_STRING_MAX_CHARS = 10_000;
const VALUE_STRING_RE =
  /var='([^']{0,200})'[^\]]{0,2000}?value=([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)/gi;

function valuesFromString(text: unknown): [string, number][] {
  if (typeof text !== 'string' || text.length > GRAFANA_VALUE_STRING_MAX_CHARS) return [];
  return [...text.matchAll(VALUE_STRING_RE)].map((match): [string, number] => [
    match[1] ?? '',
    Number(match[2]),
  ]);
}

/**
 * The one obvious value of a Grafana alert: the only value, or else the only one that is not 0/1 (a threshold
 * or math condition evaluates to 0/1; the reduced query value is the number a human wants). Else none.
 */
export function obviousValue(values: unknown, valueString?: unknown): number | undefined {
  const entries =
    isRecord(values) && Object.keys(values).length > 0
      ? Object.entries(values).filter((entry): entry is [string, number] => typeof entry[1] === 'number')
      : valuesFromString(valueString);
  const numbers = entries.map(([, value]) => value).filter(Number.isFinite);
  if (numbers.length === 1) return numbers[0];
  const measured = numbers.filter((value) => value !== 0 && value !== 1);
  return measured.length === 1 ? measured[0] : undefined;
}

function grafanaLinks(alert: GrafanaAlert): AlertLink[] {
  const links: AlertLink[] = [];
  const add = (title: string, value: unknown) => {
    const url = httpUrl(value);
    if (url) links.push({ title, url });
  };
  add('Dashboard', alert.dashboardURL);
  add('Panel', alert.panelURL);
  add('Silence', alert.silenceURL);
  add('Image', alert.imageURL);
  return links;
}

/** Grafana payload → alerts. */
export function normalizeGrafana(body: unknown, ctx: NormalizeContext): NormalizeResult {
  const parsed = grafanaPayloadSchema.safeParse(body);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'grafana') };
  const payload = parsed.data;
  return normalizeLabelledAlerts(
    payload.alerts,
    {
      source: 'grafana',
      what: 'grafana',
      schema: grafanaAlertSchema,
      generatorTitle: 'Alert rule',
      ...optional('groupKey', payload.groupKey),
      extras: (alert: GrafanaAlert) => ({
        links: grafanaLinks(alert),
        ...optional('value', obviousValue(alert.values, alert.valueString)),
      }),
    },
    ctx,
    truncationNotes('grafana', payload.truncatedAlerts),
  );
}
