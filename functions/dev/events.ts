/**
 * What happens in a `vigil dev` session, as data: run.ts emits these, the live view (view.ts) folds them into its
 * state, and tests read the same stream.
 */
import type { AlarmState } from '../alarms/evaluate';
import type { Alert, AlertStatus, Severity } from '../alerts/types';
import type { ProbeResult } from '../probing/types';
import type { WebhookResult } from '../webhook/pipeline';
import type { LocalTransition } from './alarms';
import type { Series, StoredSample } from './store';

/** What the table shows, fixed at start: targets and their metrics in config order, and who alarms on what. */
export interface DevLayout {
  targets: { name: string; metrics: string[] }[];
  alarms: { name: string; target: string; metric: string; severity: Severity }[];
}

export interface DevStarted {
  kind: 'started';
  at: number;
  intervalMs: number;
  webhookUrl: string;
  /** The page (functions/ui), on the intake's port. */
  pageUrl?: string;
  storeFile: string;
  demo?: { url: string; cycleMs: number };
  layout: DevLayout;
  /** Retained history, for sparklines that survive a restart. */
  history: Series[];
  alarms: Record<string, AlarmState>;
}

export interface DevRound {
  kind: 'round';
  at: number;
  round: number;
  results: ProbeResult[];
  /** What went into the store. */
  samples: StoredSample[];
  /** The demo service's phase at this round, when it runs. */
  demoPhase?: string;
}

export interface DevTransition {
  kind: 'transition';
  at: number;
  transition: LocalTransition;
  /** Whether it went to the webhook (as the SNS event AWS would deliver). */
  published: boolean;
}

/** One alert of a notification, and where it went. */
export interface NotifiedAlert {
  status: AlertStatus;
  severity: Severity;
  name: string;
  summary: string;
  value?: number;
  threshold?: number;
  comparison?: string;
  channels: { channel: string; ok: boolean }[];
}

export interface DevNotification {
  kind: 'notification';
  at: number;
  /** `alarm`: a local alarm's SNS event; `http`: a POST to the intake (Alertmanager, Grafana, curl); `sweep`: reminders and alerts that waited. */
  via: 'alarm' | 'http' | 'sweep';
  alerts: NotifiedAlert[];
  /** Channels that failed, with why (their alerts went to the dead-letter file). */
  failures: { channel: string; reason: string }[];
  /** Why nothing was sent, when nothing was: skipped payloads, a rejected request. */
  notes: string[];
}

export interface DevLog {
  kind: 'log';
  at: number;
  level: 'info' | 'warn' | 'error';
  text: string;
}

export interface DevStopped {
  kind: 'stopped';
  at: number;
  rounds: number;
}

export type DevEvent = DevStarted | DevRound | DevTransition | DevNotification | DevLog | DevStopped;

function notified(alert: Alert, channels: NotifiedAlert['channels']): NotifiedAlert {
  return {
    status: alert.status,
    severity: alert.severity,
    name: alert.name,
    summary: alert.summary,
    ...(alert.value === undefined ? {} : { value: alert.value }),
    ...(alert.threshold === undefined ? {} : { threshold: alert.threshold }),
    ...(alert.comparison === undefined ? {} : { comparison: alert.comparison }),
    channels,
  };
}

/** The webhook's answer → a notification event: each alert with the channels it reached. */
export function notificationEvent(
  result: WebhookResult,
  via: DevNotification['via'],
  at: number,
): DevNotification {
  const report = result.report;
  const alerts = new Map<string, { alert: Alert; channels: NotifiedAlert['channels'] }>();
  const keyOf = (alert: Alert) => `${alert.fingerprint}/${alert.status}`;
  for (const outcome of report?.outcomes ?? []) {
    for (const alert of outcome.batch) {
      const entry = alerts.get(keyOf(alert)) ?? { alert, channels: [] };
      entry.channels.push({ channel: outcome.channel, ok: outcome.ok });
      alerts.set(keyOf(alert), entry);
    }
  }
  for (const alert of report?.unrouted ?? []) alerts.set(keyOf(alert), { alert, channels: [] });
  const failures = (report?.outcomes ?? [])
    .filter((outcome) => !outcome.ok)
    .map((outcome) => ({
      channel: outcome.channel,
      reason: outcome.error?.message ?? outcome.reason ?? 'delivery failed',
    }));
  const notes = [...result.skipped];
  if (result.kind === 'event' && result.rejected) notes.push(result.rejected);
  if (result.kind === 'http' && result.response.statusCode >= 400)
    notes.push(`answered ${result.response.statusCode}: ${result.response.body}`);
  return {
    kind: 'notification',
    at,
    via,
    alerts: [...alerts.values()].map(({ alert, channels }) => notified(alert, channels)),
    failures,
    notes,
  };
}
