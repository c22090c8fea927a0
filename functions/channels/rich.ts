/**
 * A tiny rich-text model of one alert (lines of styled runs), so text channels share one layout and differ only in
 * markup: plain text for the console and Telegram's fallback, HTML for Telegram.
 */
import type { Alert } from '../alerts/types';
import {
  contextLine,
  digestTitle,
  headline,
  labelsText,
  metricText,
  moreNote,
  orderForDigest,
  timing,
  usableLinks,
  valueVsThreshold,
} from './format';
import { type Measure, takeWithinBudget, truncateTo } from './text';

export interface Run {
  text: string;
  style?: 'bold' | 'code' | 'italic';
  /** A link: `text` is its title. */
  url?: string;
}
export type RichLine = Run[];

export interface AlertTextCaps {
  summary: number;
  description: number;
  labels: number;
  measure: Measure;
}

/** The layout every text channel shares: headline, summary, description, value, metric, labels, time, links. */
export function alertLines(alert: Alert, now: Date, caps: AlertTextCaps): RichLine[] {
  const cut = (text: string, max: number) => truncateTo(text, max, caps.measure);
  const lines: RichLine[] = [
    [{ text: headline(alert), style: 'bold' }],
    [{ text: cut(alert.summary, caps.summary) }],
  ];
  if (alert.description) lines.push([{ text: cut(alert.description, caps.description), style: 'italic' }]);
  const value = valueVsThreshold(alert);
  if (value) lines.push([{ text: 'Value: ' }, { text: value, style: 'code' }]);
  const metric = metricText(alert);
  if (metric) lines.push([{ text: `Metric: ${metric}` }]);
  const labels = labelsText(alert);
  if (labels) lines.push([{ text: 'Labels: ' }, { text: cut(labels, caps.labels), style: 'code' }]);
  lines.push([{ text: [timing(alert, now), contextLine(alert)].filter(Boolean).join(' · ') }]);
  const links = usableLinks(alert);
  if (links.length > 0) {
    lines.push(links.flatMap((l, i) => [...(i > 0 ? [{ text: ' · ' }] : []), { text: l.title, url: l.url }]));
  }
  return lines;
}

/** Plain text: links as "title: url". */
export function plainLine(line: RichLine): string {
  return line.map((run) => (run.url ? `${run.text}: ${run.url}` : run.text)).join('');
}

/**
 * A whole plain-text digest under `max` (by `measure`): title, then one block per alert (first line flush, the
 * rest indented), then "+N more". Used by the console and as Telegram's no-markup fallback.
 */
export function plainDigest(
  alerts: readonly Alert[],
  now: Date,
  options: { max: number; caps: AlertTextCaps; indent?: string },
): { text: string; shown: number } {
  const indent = options.indent ?? '  ';
  const ordered = orderForDigest(alerts);
  const blocks = ordered.map((alert) => ({
    alert,
    text: alertLines(alert, now, options.caps)
      .map((line, i) => (i === 0 ? '' : indent) + plainLine(line))
      .join('\n'),
  }));
  const join = (kept: readonly (typeof blocks)[number][], omitted: readonly (typeof blocks)[number][]) =>
    [
      // A single alert's headline is its own title.
      ...(ordered.length > 1 ? [digestTitle(ordered)] : []),
      ...kept.map((block) => block.text),
      ...(omitted.length > 0 ? [moreNote(omitted.map((block) => block.alert))] : []),
    ].join('\n\n');
  const { kept, omitted } = takeWithinBudget(
    blocks,
    (k, o) => options.caps.measure(join(k, o)) <= options.max,
  );
  let text = join(kept, omitted);
  if (options.caps.measure(text) > options.max) text = truncateTo(text, options.max, options.caps.measure);
  return { text, shown: kept.length };
}
