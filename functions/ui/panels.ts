/**
 * The page's tables, as data: each target's state now and its last hour of probe results, the alert records with
 * what was notified where, the dead letters with their reason. Pure: the stores are read by routes.ts.
 */
import type { Severity } from '../alerts/types';
import type { PeekedLetter } from '../deadletter/file';
import type { Point, Series } from '../dev/store';
import { STANDARD_METRICS } from '../metrics/datums';
import type { ProbeResult } from '../probing/types';
import type { AlertRecord } from '../state/alerts';
import { PHASE_METRICS } from './charts';

/** The strip shows the last hour, as the store keeps it by default. */
export const STRIP_SPAN_MS = 60 * 60_000;
/** At most this many cells (10 s each over an hour): a strip wider than a table column tells nothing more. */
export const STRIP_MAX_CELLS = 360;

/** One cell per stretch of time: 1 all probes succeeded, 0 one failed, null none ran. */
export interface ProbeStrip {
  from: number;
  stepMs: number;
  cells: (0 | 1 | null)[];
}

export function probeStrip(points: readonly Point[], now: number, intervalMs: number): ProbeStrip {
  const count = Math.max(1, Math.min(STRIP_MAX_CELLS, Math.ceil(STRIP_SPAN_MS / Math.max(1, intervalMs))));
  const stepMs = STRIP_SPAN_MS / count;
  const from = now - count * stepMs;
  const cells: (0 | 1 | null)[] = new Array(count).fill(null);
  for (const point of points) {
    const at = Math.floor((point.timestamp - from) / stepMs);
    if (at < 0 || at >= count) continue;
    cells[at] = point.value >= 1 && cells[at] !== 0 ? 1 : 0;
  }
  return { from, stepMs, cells };
}

export type PhaseName = (typeof PHASE_METRICS)[number];

export interface TargetPanel {
  name: string;
  type: string;
  up?: boolean;
  /** Epoch ms of the last probe seen. */
  lastAt?: number;
  durationMs?: number;
  statusCode?: number;
  phases: Partial<Record<PhaseName, number>>;
  /** Why the last probe failed (from this session's rounds only: the store keeps numbers, not reasons). */
  failure?: string;
  strip: ProbeStrip;
}

const PHASE_OF_RESULT: Record<PhaseName, keyof NonNullable<ProbeResult['phases']>> = {
  DnsLookupTime: 'dnsLookupMs',
  ConnectTime: 'connectMs',
  TlsHandshakeTime: 'tlsHandshakeMs',
  TimeToFirstByte: 'timeToFirstByteMs',
  TransferTime: 'transferMs',
};

/** The timing phases a result measured, by metric name. */
export function resultPhases(result: Pick<ProbeResult, 'phases'>): TargetPanel['phases'] {
  const phases: TargetPanel['phases'] = {};
  for (const phase of PHASE_METRICS) {
    const ms = result.phases?.[PHASE_OF_RESULT[phase]];
    if (ms !== undefined) phases[phase] = ms;
  }
  return phases;
}

function latest(series: readonly Series[]): Point | undefined {
  let found: Point | undefined;
  for (const each of series) {
    const last = each.points.at(-1);
    if (last && (!found || last.timestamp > found.timestamp)) found = last;
  }
  return found;
}

/**
 * A target's row: from its stored series (so it survives a restart), and from the last round's result where that
 * is newer (it also says why a probe failed).
 */
export function targetPanel(
  target: { name: string; type: string },
  series: readonly Series[],
  options: { now: number; intervalMs: number; last?: ProbeResult },
): TargetPanel {
  const named = (metric: string) => series.filter((each) => each.metricName === metric);
  const success = named(STANDARD_METRICS.success);
  const up = latest(success);
  const phases: TargetPanel['phases'] = {};
  for (const phase of PHASE_METRICS) {
    const point = latest(named(phase));
    if (point) phases[phase] = point.value;
  }
  const duration = latest(named(STANDARD_METRICS.duration));
  const status = latest(named(STANDARD_METRICS.statusCode));
  const panel: TargetPanel = {
    name: target.name,
    type: target.type,
    ...(up ? { up: up.value >= 1, lastAt: up.timestamp } : {}),
    ...(duration ? { durationMs: duration.value } : {}),
    ...(status ? { statusCode: status.value } : {}),
    phases,
    strip: probeStrip(
      success.flatMap((each) => each.points),
      options.now,
      options.intervalMs,
    ),
  };
  const last = options.last;
  if (last && last.timestamp.getTime() >= (panel.lastAt ?? 0)) {
    panel.up = last.success;
    panel.lastAt = last.timestamp.getTime();
    panel.durationMs = last.durationMs;
    if (last.statusCode !== undefined) panel.statusCode = last.statusCode;
    panel.phases = resultPhases(last);
    if (!last.success) panel.failure = [last.reason, last.detail].filter(Boolean).join(': ');
  }
  return panel;
}

export interface AlertRow {
  fingerprint: string;
  name: string;
  severity: Severity;
  status: AlertRecord['status'];
  summary: string;
  labels: Record<string, string>;
  firingSince: string;
  resolvedAt?: string;
  /** ISO: the latest of its last change and its last message. */
  lastAt: string;
  messages: number;
  inhibitedBy?: string;
  channels: {
    channel: string;
    status?: string;
    at?: string;
    count?: number;
    deadLettered?: boolean;
    pending?: { status: string; dueAt: number; reminder?: boolean };
  }[];
}

/** The notification log: one row per alert record, most recent activity first. */
export function alertRows(records: readonly AlertRecord[], max: number): AlertRow[] {
  return records
    .map((record): AlertRow => {
      const names = [
        ...new Set([...record.channels, ...Object.keys(record.notified), ...Object.keys(record.pending)]),
      ];
      const times = [record.changedAt, ...Object.values(record.notified).map((notified) => notified.at)];
      return {
        fingerprint: record.fingerprint,
        name: record.alert.name,
        severity: record.alert.severity,
        status: record.status,
        summary: record.alert.summary,
        labels: record.alert.labels,
        firingSince: record.firingSince,
        ...(record.resolvedAt ? { resolvedAt: record.resolvedAt } : {}),
        lastAt: times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)),
        messages: record.messages,
        ...(record.inhibitedBy ? { inhibitedBy: record.inhibitedBy } : {}),
        channels: names.map((channel) => {
          const notified = record.notified[channel];
          const pending = record.pending[channel];
          return {
            channel,
            ...(notified
              ? {
                  status: notified.status,
                  at: notified.at,
                  count: notified.count,
                  deadLettered: notified.deadLettered === true,
                }
              : {}),
            ...(pending
              ? {
                  pending: {
                    status: pending.status,
                    dueAt: pending.dueAt,
                    ...(pending.reminder ? { reminder: true } : {}),
                  },
                }
              : {}),
          };
        }),
      };
    })
    .sort((a, b) => Date.parse(b.lastAt) - Date.parse(a.lastAt))
    .slice(0, max);
}

export interface DeadLetterRow {
  id: string;
  at: string;
  channel: string;
  channelType: string;
  alerts: { name: string; status: string; severity: Severity; summary: string }[];
  reason: string;
  message: string;
  attempts: number;
  replays: number;
  claimedUntil?: number;
}

/** Newest first. */
export function deadLetterRows(letters: readonly PeekedLetter[], max: number): DeadLetterRow[] {
  return letters
    .map(
      ({ letter, claimedUntil }): DeadLetterRow => ({
        id: letter.id,
        at: letter.at,
        channel: letter.channel,
        channelType: letter.channelType,
        alerts: letter.alerts.map((alert) => ({
          name: alert.name,
          status: alert.status,
          severity: alert.severity,
          summary: alert.summary,
        })),
        reason: letter.error?.reason ?? 'unknown',
        message: letter.error?.message ?? '',
        attempts: letter.attempts,
        replays: letter.replays,
        ...(claimedUntil === undefined ? {} : { claimedUntil }),
      }),
    )
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, max);
}
