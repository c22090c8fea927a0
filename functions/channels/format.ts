/**
 * Vendor-neutral pieces every renderer shows the same way: tone (colour/emoji from status and severity, never from
 * rendered text), headline, value vs threshold, labels, context, timing, the facts under a headline, digest order,
 * the "+N more" note, and joining per-alert texts into a digest under a vendor's limit. Pure: "now" is passed in.
 */
import type { Alert } from '../alerts/types';
import { SEVERITIES } from '../alerts/types';
import { type Measure, takeWithinBudget, truncateTo } from './text';

/** What a message looks like: firing alerts by severity, resolved always green. */
export const TONES = {
  emergency: { emoji: '🚨', hex: '#A30000', word: 'EMERGENCY' },
  critical: { emoji: '🔴', hex: '#D00000', word: 'CRITICAL' },
  warning: { emoji: '🟠', hex: '#F2A900', word: 'WARNING' },
  info: { emoji: '🔵', hex: '#2F80ED', word: 'INFO' },
  resolved: { emoji: '✅', hex: '#2EB67D', word: 'RESOLVED' },
} as const;
export type Tone = keyof typeof TONES;

export function toneOf(alert: Alert): Tone {
  return alert.status === 'resolved' ? 'resolved' : alert.severity;
}

/** The tone of a whole digest: the worst firing alert, green only when everything resolved. */
export function digestTone(alerts: readonly Alert[]): Tone {
  let worst = -1;
  for (const alert of alerts) {
    if (alert.status === 'firing') worst = Math.max(worst, SEVERITIES.indexOf(alert.severity));
  }
  return worst < 0 ? 'resolved' : SEVERITIES[worst]!;
}

/** '#D00000' → 13631488 (Discord wants decimal colours). */
export function hexToDecimal(hex: string): number {
  return Number.parseInt(hex.slice(1), 16);
}

export function statusWord(alert: Alert): 'FIRING' | 'RESOLVED' {
  return alert.status === 'firing' ? 'FIRING' : 'RESOLVED';
}

/** "🔴 FIRING critical: api-5xx-high" / "✅ RESOLVED critical: api-5xx-high". */
export function headline(alert: Alert): string {
  return `${TONES[toneOf(alert)].emoji} ${statusWord(alert)} ${alert.severity}: ${alert.name}`;
}

/** Numbers as a human reads them: integers as is, others with at most 6 significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** "37 (threshold > 10)", "37", "threshold > 10", or undefined when the source told neither. */
export function valueVsThreshold(alert: Alert): string | undefined {
  const threshold =
    alert.threshold === undefined
      ? undefined
      : `${alert.comparison ?? ''} ${formatNumber(alert.threshold)}`.trim();
  if (alert.value === undefined) return threshold === undefined ? undefined : `threshold ${threshold}`;
  const value = formatNumber(alert.value);
  return threshold === undefined ? value : `${value} (threshold ${threshold})`;
}

/** "AWS/ApplicationELB HTTPCode_Target_5XX_Count (Sum, 60s)". */
export function metricText(alert: Alert): string | undefined {
  const metric = alert.metric;
  if (!metric) return undefined;
  const name = metric.namespace ? `${metric.namespace} ${metric.name}` : metric.name;
  const how = [
    metric.stat,
    metric.periodSeconds === undefined ? undefined : `${metric.periodSeconds}s`,
  ].filter(Boolean);
  return how.length > 0 ? `${name} (${how.join(', ')})` : name;
}

// Shown in the headline already.
const HIDDEN_LABELS = new Set(['alertname', 'severity']);

/** Labels worth showing, sorted by name so messages are stable. */
export function displayLabels(alert: Alert): [string, string][] {
  return Object.entries(alert.labels)
    .filter(([name]) => !HIDDEN_LABELS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** "env=prod, team=sre": the displayed labels on one line ('' when there are none). */
export function labelsText(alert: Alert): string {
  return displayLabels(alert)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

/** "us-east-1 · 123456789012 · OK → ALARM · cloudwatch". */
export function contextLine(alert: Alert): string {
  return [alert.region, alert.account, alert.transition, alert.source].filter(Boolean).join(' · ');
}

/** "2026-08-23 04:15 UTC"; the input as is when it is not a date. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "45s", "12m", "3h 5m", "2d 4h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "since 2026-08-23 04:15 UTC (12m)" for firing, "resolved 2026-08-23 04:27 UTC after 12m" for resolved. */
export function timing(alert: Alert, now: Date): string {
  const start = Date.parse(alert.startsAt);
  if (alert.status === 'resolved') {
    const endIso = alert.endsAt ?? now.toISOString();
    const end = Date.parse(endIso);
    const lasted = Number.isNaN(start) || Number.isNaN(end) ? '' : ` after ${formatDuration(end - start)}`;
    return `resolved ${formatTime(endIso)}${lasted}`;
  }
  const age = Number.isNaN(start) ? '' : ` (${formatDuration(now.getTime() - start)})`;
  return `since ${formatTime(alert.startsAt)}${age}`;
}

/** Digest order: firing before resolved, worst severity first, otherwise as received (stable). */
export function orderForDigest(alerts: readonly Alert[]): Alert[] {
  const rank = (alert: Alert) =>
    (alert.status === 'firing' ? 0 : SEVERITIES.length) +
    (SEVERITIES.length - 1 - SEVERITIES.indexOf(alert.severity));
  return alerts
    .map((alert, index) => ({ alert, index }))
    .sort((a, b) => rank(a.alert) - rank(b.alert) || a.index - b.index)
    .map(({ alert }) => alert);
}

export function countByStatus(alerts: readonly Alert[]): { firing: number; resolved: number } {
  const firing = alerts.filter((alert) => alert.status === 'firing').length;
  return { firing, resolved: alerts.length - firing };
}

/** "3 firing, 2 resolved" ("3 firing" when nothing resolved, and so on). */
export function statusCounts(alerts: readonly Alert[]): string {
  const { firing, resolved } = countByStatus(alerts);
  const parts = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter(
    Boolean,
  );
  return parts.join(', ');
}

/** "🔴 3 firing, 2 resolved" for a digest; the single alert's headline for one alert. */
export function digestTitle(alerts: readonly Alert[]): string {
  if (alerts.length === 1) return headline(alerts[0]!);
  return `${TONES[digestTone(alerts)].emoji} ${statusCounts(alerts)}`;
}

/** "+4 more (3 firing, 1 resolved)": what a cut digest left out. */
export function moreNote(omitted: readonly Alert[]): string {
  return `+${omitted.length} more (${statusCounts(omitted)})`;
}

/** Links with a usable http(s) URL only: a vendor rejects the whole message for one bad button. */
export function usableLinks(alert: Alert): { title: string; url: string }[] {
  return alert.links.filter((link) => /^https?:\/\/[^\s]+$/i.test(link.url));
}

/**
 * The label/value facts the text channels show under an alert's headline, in this order, empty ones left out:
 * Summary, Details (when it says more than the summary), Metric, Value, Labels, Context, Time. Values are not cut.
 */
export function alertFacts(alert: Alert, now: Date): [string, string][] {
  const facts: [string, string][] = [];
  const add = (label: string, value: string | undefined) => {
    if (value) facts.push([label, value]);
  };
  add('Summary', alert.summary);
  if (alert.description !== alert.summary) add('Details', alert.description);
  add('Metric', metricText(alert));
  add('Value', valueVsThreshold(alert));
  add('Labels', labelsText(alert));
  add('Context', contextLine(alert));
  add('Time', timing(alert, now));
  return facts;
}

/** A markdown link whose title cannot close the brackets and whose URL cannot close the parenthesis. */
export function markdownLink(title: string, url: string): string {
  return `[${title.replace(/[[\]]/g, '')}](${url.replace(/\(/g, '%28').replace(/\)/g, '%29')})`;
}

/** A digest's size limit: `max` by `measure`, and how the "+N more" closing it is written (with its separator). */
export interface DigestLimit {
  max: number;
  measure: Measure;
  /** Default: the separator, then moreNote. */
  note?: (omitted: readonly Alert[], separator: string) => string;
}

/**
 * One text per alert joined by `separator`: whole entries while they fit the limit, then the note for the rest.
 * A single entry too long on its own is cut instead, so something is always said.
 */
export function joinDigest(
  alerts: readonly Alert[],
  toText: (alert: Alert) => string,
  separator: string,
  limit: DigestLimit,
): { text: string; omitted: number } {
  const { max, measure, note = (omitted, sep) => sep + moreNote(omitted) } = limit;
  const items = alerts.map((alert) => ({ alert, text: toText(alert) }));
  type Item = (typeof items)[number];
  const tail = (omitted: readonly Item[]) => {
    const left = omitted.map((item) => item.alert);
    return left.length > 0 ? note(left, separator) : '';
  };
  const join = (kept: readonly Item[], omitted: readonly Item[]) =>
    kept.map((item) => item.text).join(separator) + tail(omitted);
  const { kept, omitted } = takeWithinBudget(items, (k, o) => measure(join(k, o)) <= max);
  const text = join(kept, omitted);
  if (measure(text) <= max) return { text, omitted: omitted.length };
  const cut = truncateTo(kept[0]?.text ?? '', max - measure(tail(omitted)), measure);
  return { text: cut + tail(omitted), omitted: omitted.length };
}

/**
 * Every alert in full, a blank line apart, when they all fit the limit; otherwise one line per alert, so the digest
 * names as many alerts as possible. Either way what did not fit is counted in the closing note.
 */
export function fitDigest(
  alerts: readonly Alert[],
  entry: { full: (alert: Alert) => string; compact: (alert: Alert) => string },
  limit: DigestLimit,
): string {
  const detailed = joinDigest(alerts, entry.full, '\n\n', limit);
  return detailed.omitted === 0 ? detailed.text : joinDigest(alerts, entry.compact, '\n', limit).text;
}
