/**
 * One record per alert fingerprint — what a person asks about an alert: when it started firing, its last state, what
 * was notified where and when, how many messages it caused — plus its outbox: the notifications still to send, per
 * channel. Dedup is the record's state machine, applied with a conditional write (state/store.ts `update`):
 *
 *   incoming firing,   record absent/resolved → a new firing: queued for every routed channel
 *   incoming firing,   record firing          → duplicate (SNS/EventBridge retry, Alertmanager re-send): nothing;
 *                                               a later CloudWatch ALARM moves the record's last change (the OK
 *                                               between, if late, is stale); a later Alertmanager/Grafana episode
 *                                               (new startsAt: its resolution never came) is a new firing
 *   incoming resolved, record firing          → a resolution: queued only where the firing was notified (or is in
 *                                               flight); a firing still waiting is withdrawn (it fired and cleared
 *                                               before anything went out: nobody needs either message)
 *   incoming resolved, record absent/resolved → not a resolution (INSUFFICIENT_DATA → OK, a repeated OK): nothing
 *   anything older than the record's last change → stale (a retry overtaken by what followed): nothing
 *
 * A resolution carries the real duration: its startsAt is the record's firingSince (CloudWatch's OK message does
 * not say when the alarm started). Two invocations applying the same change race on the record's version: one wins,
 * the other re-reads and finds a duplicate.
 */
import type { Alert, AlertStatus } from '../alerts/types';
import {
  ABSENT,
  type AlertStateStore,
  expiryAfter,
  StateConflictError,
  UPDATE_MAX_CONFLICTS,
} from './item-store';

export const ALERT_PARTITION = 'alert';
/** Resolved records with nothing left to send: kept for stale retries, never listed. */
export const RESOLVED_PARTITION = 'resolved';
/** A resolved record is kept this long (a late retry of its firing is recognised as stale: Lambda retries async events for up to 6 hours), then expires. */
export const RESOLVED_RETENTION_MS = 24 * 3600_000;
/** A firing record not heard of for this long expires (its source is gone for good). */
export const FIRING_RETENTION_MS = 90 * 24 * 3600_000;

/** What went to one channel for the current firing (and its resolution). */
export interface Notified {
  status: AlertStatus;
  /** ISO time of the last message. */
  at: string;
  /** Messages this alert caused on this channel (firing, reminders, resolution). */
  count: number;
  /** Delivery failed and the message waits in the dead-letter store for `vigil replay`: it still counts as said. */
  deadLettered?: true;
}

/** One queued notification of this alert to one channel (the outbox). */
export interface Pending {
  status: AlertStatus;
  /** Identifies the change it announces (`firing@<ms>`), so a sender only clears what it sent. */
  id: string;
  /** Epoch ms before which it is not sent: the group wait, a rate budget's next slot, a blocked robot. */
  dueAt: number;
  /** Epoch ms until which a sender holds it (a sender that died lets go when this passes). */
  claimedUntil?: number;
  reminder?: true;
  /**
   * A firing whose group wait is over but that could not go out yet (a rate budget's next slot, a blocked robot):
   * were it to resolve first, the resolution still goes out, saying when it fired.
   */
  owed?: true;
}

export interface AlertRecord {
  fingerprint: string;
  status: AlertStatus;
  /** ISO: when the current (or last) firing started. */
  firingSince: string;
  /** ISO: the source's time of the last change applied. */
  changedAt: string;
  resolvedAt?: string;
  /** The alert as last received (a resolution's startsAt set to firingSince). */
  alert: Alert;
  /** Channels the firing was routed to. */
  channels: string[];
  notified: Record<string, Notified>;
  pending: Record<string, Pending>;
  /** Messages about this alert, over every channel and episode. */
  messages: number;
  /** Fingerprint of the alert that muted this one's firing (inhibition), while it does. */
  inhibitedBy?: string;
  /**
   * Ids of the silences (and `maintenance:<name>` windows) muting this firing, sorted, while they do; a resolved
   * record keeps the last ones, so it still says why its firing was never sent.
   */
  silencedBy?: string[];
}

export type Applied =
  | 'firing' // a new firing, queued
  | 'resolved' // a resolution of a notified firing, queued
  | 'withdrawn' // resolved before its firing went out: both dropped
  | 'duplicate'
  | 'stale'
  | 'not-a-resolution';

/** When the change an alert reports happened (firing: its start, resolved: its end). */
export function changeTime(alert: Alert): number {
  const text = alert.status === 'firing' ? alert.startsAt : (alert.endsAt ?? alert.startsAt);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? 0 : ms;
}

export function pendingId(status: AlertStatus, at: number): string {
  return `${status}@${at}`;
}

/** True while a sender holds the entry. */
export function isClaimed(pending: Pending, now: number): boolean {
  return pending.claimedUntil !== undefined && pending.claimedUntil > now;
}

/** Sources whose firing `startsAt` is the start of the episode (the same in every re-send of it). */
const EPISODE_SOURCES: ReadonlySet<Alert['source']> = new Set(['alertmanager', 'grafana']);

export function recordExpiry(record: AlertRecord, now: number): number {
  // A resolution still queued (held by a silence, say) keeps the record as long as a firing would.
  const active = record.status === 'firing' || Object.keys(record.pending).length > 0;
  return expiryAfter(now, active ? FIRING_RETENTION_MS : RESOLVED_RETENTION_MS);
}

/** The pure state machine of the module comment: what the record becomes, and what happened. */
export function decide(
  current: AlertRecord | undefined,
  alert: Alert,
  channels: readonly string[],
  options: { now: number; groupWaitMs: number },
): { applied: Applied; next?: AlertRecord } {
  const at = changeTime(alert);
  const iso = new Date(at).toISOString();
  const dueAt = options.now + options.groupWaitMs;
  if (alert.status === 'firing') {
    if (current?.status === 'firing') {
      const newer = at > Date.parse(current.changedAt);
      // Alertmanager's and Grafana's startsAt names the episode: a later one while the record fires means the
      // resolution between them never came (send_resolved: false, Grafana's disabled resolved message): a new page.
      if (!(newer && EPISODE_SOURCES.has(alert.source))) {
        // A later CloudWatch ALARM: an OK between them is lost or late. Its time becomes the record's last change,
        // so that OK, if it comes, reads as stale instead of resolving an alarm that fires again.
        return newer
          ? { applied: 'duplicate', next: { ...current, changedAt: iso } }
          : { applied: 'duplicate' };
      }
    } else if (current && at <= Date.parse(current.changedAt) && !EPISODE_SOURCES.has(alert.source))
      // A retry overtaken by the resolution: Lambda retries an SNS or EventBridge event for hours. Not so for
      // Alertmanager and Grafana (a synchronous POST, serialised per group): a firing after the resolution, even
      // with the episode's startsAt, is it firing again (Alertmanager resolves on its own when Prometheus goes
      // quiet, and re-fires with the original startsAt when it comes back).
      return { applied: 'stale' };
    const id = pendingId('firing', at);
    return {
      applied: 'firing',
      next: {
        fingerprint: alert.fingerprint,
        status: 'firing',
        firingSince: iso,
        changedAt: iso,
        alert,
        channels: [...channels],
        notified: {},
        pending: Object.fromEntries(channels.map((channel) => [channel, { status: 'firing', id, dueAt }])),
        messages: current?.messages ?? 0,
      },
    };
  }
  if (current === undefined) {
    // Remember it, so that a delayed retry of an older firing is recognised as stale rather than paged.
    return {
      applied: 'not-a-resolution',
      next: {
        fingerprint: alert.fingerprint,
        status: 'resolved',
        firingSince: alert.startsAt,
        changedAt: iso,
        resolvedAt: iso,
        alert,
        channels: [],
        notified: {},
        pending: {},
        messages: 0,
      },
    };
  }
  if (current.status === 'resolved') return { applied: 'not-a-resolution' };
  if (at < Date.parse(current.changedAt)) return { applied: 'stale' };
  const id = pendingId('resolved', at);
  const pending: Record<string, Pending> = {};
  for (const channel of new Set([...current.channels, ...Object.keys(current.notified)])) {
    const waiting = current.pending[channel];
    const said = current.notified[channel]?.status === 'firing';
    const inFlight = waiting?.status === 'firing' && isClaimed(waiting, options.now);
    // Held past its group wait (a rate budget, a blocked robot): it was to be said, so its resolution is.
    const owed = waiting?.status === 'firing' && waiting.owed === true;
    // While its firing is still being sent (retries), the resolution waits for that sender's claim to end: sent
    // meanwhile, it could reach the chat before the firing it resolves.
    const after = inFlight ? Math.max(dueAt, waiting.claimedUntil ?? dueAt) : dueAt;
    if (said || inFlight || owed) pending[channel] = { status: 'resolved', id, dueAt: after };
  }
  const { inhibitedBy: _muted, ...rest } = current;
  return {
    applied: Object.keys(pending).length > 0 ? 'resolved' : 'withdrawn',
    next: {
      ...rest,
      status: 'resolved',
      changedAt: iso,
      resolvedAt: iso,
      // The real duration: CloudWatch's OK says when it ended, the record knows when it started.
      alert: { ...alert, startsAt: current.firingSince, endsAt: alert.endsAt ?? iso },
      pending,
    },
  };
}

/**
 * Changes one record with `change` (undefined: leave it), conditionally, again on a conflict. Records live in two
 * partitions: `alert` holds the active ones (firing, or with something queued), which every flush and sweep reads
 * whole, so it stays as small as what is going on; a resolved record with nothing queued moves to `resolved`, where
 * it waits (for stale retries) until it expires. The move writes `resolved` first and then deletes the active copy
 * at its version: a crash in between leaves both, and the active copy (read first, and settled) wins.
 */
export async function mutateRecord(
  store: AlertStateStore,
  fingerprint: string,
  now: number,
  change: (current: AlertRecord | undefined) => AlertRecord | undefined,
  known?: KnownRecord,
): Promise<KnownRecord | undefined> {
  // Fast path: a caller that holds the record as of `version` (just listed or written) skips the read.
  if (known?.version !== undefined) {
    const next = change(known.value);
    if (next === undefined) return undefined;
    if (!isSettled(next)) {
      const version = await store.put(
        ALERT_PARTITION,
        fingerprint,
        next,
        known.version,
        recordExpiry(next, now),
      );
      if (version !== undefined) return { value: next, version };
    }
  }
  for (let conflicts = 0; conflicts < UPDATE_MAX_CONFLICTS; conflicts++) {
    const active = await store.get<AlertRecord>(ALERT_PARTITION, fingerprint);
    const resolved = active ? undefined : await store.get<AlertRecord>(RESOLVED_PARTITION, fingerprint);
    const next = change(active?.value ?? resolved?.value);
    if (next === undefined) return undefined;
    const expiresAt = recordExpiry(next, now);
    if (!isSettled(next)) {
      const version = await store.put(
        ALERT_PARTITION,
        fingerprint,
        next,
        active?.version ?? ABSENT,
        expiresAt,
      );
      if (version !== undefined) return { value: next, version };
    } else if (active) {
      if (await moveToResolved(store, fingerprint, next, active.version, expiresAt)) return { value: next };
    } else if (resolved) {
      const version = await store.put(RESOLVED_PARTITION, fingerprint, next, resolved.version, expiresAt);
      if (version !== undefined) return { value: next };
    } else {
      // Seen for the first time: created in `alert` whatever it is, so that writers racing to create it conflict
      // on one item; settled, it moves to `resolved` right away.
      const version = await store.put(ALERT_PARTITION, fingerprint, next, ABSENT, expiresAt);
      if (version !== undefined && (await moveToResolved(store, fingerprint, next, version, expiresAt)))
        return { value: next };
    }
  }
  throw new StateConflictError(
    `${store.description}: alert ${fingerprint} changed ${UPDATE_MAX_CONFLICTS} times while being updated`,
  );
}

/** Resolved with nothing left to send: the record leaves the active partition. */
function isSettled(record: AlertRecord): boolean {
  return record.status === 'resolved' && Object.keys(record.pending).length === 0;
}

/** `resolved` gets the record, then the active copy at `version` goes; false when another writer changed it. */
async function moveToResolved(
  store: AlertStateStore,
  fingerprint: string,
  record: AlertRecord,
  version: number,
  expiresAt: number,
): Promise<boolean> {
  const previous = await store.get<AlertRecord>(RESOLVED_PARTITION, fingerprint);
  if (
    (await store.put(RESOLVED_PARTITION, fingerprint, record, previous?.version ?? ABSENT, expiresAt)) ===
    undefined
  )
    return false;
  return store.delete(ALERT_PARTITION, fingerprint, version);
}

/** A record as of a version (undefined once it moved to `resolved`). */
export interface KnownRecord {
  value: AlertRecord;
  version?: number;
}

/** Applies one incoming alert to its record (conditional write, retried on a conflict). */
export async function applyAlert(
  store: AlertStateStore,
  alert: Alert,
  channels: readonly string[],
  options: { now: number; groupWaitMs: number },
): Promise<{ applied: Applied; record?: AlertRecord }> {
  let applied: Applied = 'duplicate';
  const written = await mutateRecord(store, alert.fingerprint, options.now, (current) => {
    const decision = decide(current, alert, channels, options);
    applied = decision.applied;
    return decision.next;
  });
  return written ? { applied, record: written.value } : { applied };
}

/** Changes an existing record (undefined from `change`: leave it); see mutateRecord. */
export function changeRecord(
  store: AlertStateStore,
  fingerprint: string,
  now: number,
  change: (record: AlertRecord) => AlertRecord | undefined,
  known?: KnownRecord,
): Promise<KnownRecord | undefined> {
  return mutateRecord(store, fingerprint, now, (current) => current && change(current), known);
}

/** The active records (firing, or with a notification queued), each with the version it was read at. */
export async function listRecords(store: AlertStateStore): Promise<KnownRecord[]> {
  return (await store.list<AlertRecord>(ALERT_PARTITION)).map((item) => ({
    value: item.value,
    version: item.version,
  }));
}
