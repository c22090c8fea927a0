/**
 * The notify stage over the alert state: every queued notification that is due goes out, one digest per channel.
 * The webhook invocation that queued a change calls it (after the group wait), the scheduled sweep calls it for
 * everything else (reminders, alerts that waited for a rate budget, work a dead invocation left behind). Per channel:
 *
 *   1. inhibition (state/inhibit.ts) and silences (state/silences.ts: silences and maintenance windows): a muted
 *      firing is dropped from the queue and marked (inhibitedBy, silencedBy); a muted resolution is held until
 *      nothing mutes it, so the breach clears in one message and a silence says nothing while it lasts; a firing
 *      whose muter resolved while it still fires is queued again (it is real now), and one whose silence ended
 *      while it still fires is queued for every channel — those told before the silence too, as Alertmanager
 *      notifies at the first flush after a silence (the silence may have hidden changes; it still fires);
 *   2. claim: each entry is taken with a conditional write and a lease, so two flushes never send one alert twice,
 *      and entries of a flush that died are taken again once the lease passes;
 *   3. the robot's rate budget (state/budgets.ts): no slot → the entries wait until the next one and are merged into
 *      that digest; a vendor's "too fast" (DingTalk 130101, 429) blocks the robot and waits likewise;
 *   4. send; success marks the channel notified, any other failure becomes a dead letter (and counts as said, so
 *      the resolution still follows it).
 */
import type { Alert } from '../alerts/types';
import { moduleFor } from '../channels/registry';
import type { ChannelsConfig } from '../channels/schema';
import { resolveChannel } from '../channels/schema';
import { keepDeadLetters } from '../deadletter/keep';
import type { DeadLetter, DeadLetterStore } from '../deadletter/types';
import type { RouteRule } from '../routing/routes';
import {
  type AlertRecord,
  changeRecord,
  isClaimed,
  type KnownRecord,
  listRecords,
  type Pending,
  pendingId,
} from '../state/alerts';
import { block, reserve, robotKey } from '../state/budgets';
import { type InhibitRule, inhibitionIndex, type Labelled } from '../state/inhibit';
import type { AlertStateStore } from '../state/item-store';
import { listSilences, type Muting, silencer } from '../state/silences';
import { type DeliverDeps, type DeliveryOutcome, deliverAll } from './deliver';

/** A rate-limited answer without Retry-After waits this long before the next try. */
export const RATE_LIMITED_DEFAULT_WAIT_MS = 60_000;
/** A claim outlives the sender's deadline by this much, then another flush may take the entry. */
export const CLAIM_MARGIN_MS = 5_000;

export interface AlertPolicy {
  routes: readonly RouteRule[];
  channels: ChannelsConfig;
  inhibit: readonly InhibitRule[];
  groupWaitMs: number;
  fallback: readonly string[];
  /** The maintenance windows of vigil.yml (silences live in the state). */
  maintenance: readonly Muting[];
}

export interface NotifyContext {
  policy: AlertPolicy;
  state: AlertStateStore;
  deadLetters: DeadLetterStore;
  deliver: DeliverDeps;
}

export interface Deferred {
  channel: string;
  alerts: number;
  /** Epoch ms of the next try. */
  until: number;
  why: 'budget' | 'rate-limited';
}

export interface FlushReport {
  outcomes: DeliveryOutcome[];
  deadLettered: DeadLetter[];
  deferred: Deferred[];
  /** Firing alerts muted by a firing higher level or rule source (never sent). */
  inhibited: number;
  /** Firing alerts muted by a silence or maintenance window (not sent while it lasts). */
  silenced: number;
  /** Resolutions held until what mutes them resolves too. */
  held: number;
}

function labelled(record: AlertRecord): Labelled {
  return { fingerprint: record.fingerprint, labels: record.alert.labels };
}

function firingOf(records: readonly AlertRecord[]): Labelled[] {
  return records.filter((record) => record.status === 'firing').map(labelled);
}

function withPending(record: AlertRecord, channel: string, pending: Pending | undefined): AlertRecord {
  const next = { ...record.pending };
  if (pending) next[channel] = pending;
  else delete next[channel];
  return { ...record, pending: next };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}

/**
 * Brings the muting marks of firing alerts up to date before anything is sent: an alert a silence now covers is
 * marked (no reminders while it lasts); one whose muters are all gone is queued again — every channel when a
 * silence ended, the channels not yet told when only its inhibition did (its muter resolved: it is real now).
 */
async function reconcileMuted(
  ctx: NotifyContext,
  records: KnownRecord[],
  inhibitedBy: (alert: Labelled) => string | undefined,
  silencedBy: (labels: Labelled['labels']) => readonly string[],
  now: number,
): Promise<void> {
  for (const [index, known] of records.entries()) {
    const record = known.value;
    if (record.status !== 'firing') continue;
    const silences = silencedBy(record.alert.labels);
    const inhibitor = record.inhibitedBy === undefined ? undefined : inhibitedBy(labelled(record));
    if (sameIds(silences, record.silencedBy ?? []) && inhibitor === record.inhibitedBy) continue;
    const written = await changeRecord(
      ctx.state,
      record.fingerprint,
      now,
      (current) => {
        if (current.status !== 'firing') return undefined;
        const { inhibitedBy: _inhibited, silencedBy: wasSilenced, ...rest } = current;
        const marks = {
          ...(inhibitor === undefined || current.inhibitedBy === undefined ? {} : { inhibitedBy: inhibitor }),
          ...(silences.length > 0 ? { silencedBy: [...silences] } : {}),
        };
        if (Object.keys(marks).length > 0) return { ...rest, ...marks };
        const everyChannel = wasSilenced !== undefined;
        const pending = { ...current.pending };
        for (const channel of current.channels) {
          if (!pending[channel] && (everyChannel || !current.notified[channel]))
            pending[channel] = { status: 'firing', id: pendingId('firing', now), dueAt: now };
        }
        return { ...rest, pending };
      },
      known,
    );
    if (written) records[index] = written;
  }
}

/**
 * Sends every notification due by `dueBy` (default now) — of `only` these channels, when given. An invocation
 * whose deadline cut its group wait short passes the end of that wait, so what it queued goes out anyway.
 */
export async function flush(
  ctx: NotifyContext,
  only?: ReadonlySet<string>,
  dueBy?: number,
  options: { joinNearby?: boolean } = {},
): Promise<FlushReport> {
  const now = ctx.deliver.now().getTime();
  // Entries due within half a group wait from now join this digest: changes that arrived a moment apart (separate
  // invocations of one evaluation) go out together instead of one message each. Not for the sweep: it runs at any
  // moment of a group wait, and sending early would let the next level of the same breach be a second page.
  const join = options.joinNearby === false ? 0 : ctx.policy.groupWaitMs / 2;
  const horizon = Math.max(now, dueBy ?? now) + join;
  const report: FlushReport = {
    outcomes: [],
    deadLettered: [],
    deferred: [],
    inhibited: 0,
    silenced: 0,
    held: 0,
  };
  const [records, silences] = await Promise.all([listRecords(ctx.state), listSilences(ctx.state, now)]);
  // One index for the whole flush: releasing muted alerts changes what is queued, not what fires.
  const mutedBy = inhibitionIndex(firingOf(records.map((known) => known.value)), ctx.policy.inhibit);
  const silencedBy = silencer(silences, ctx.policy.maintenance, now);
  await reconcileMuted(ctx, records, mutedBy, silencedBy, now);

  const due = new Map<string, KnownRecord[]>();
  for (const known of records) {
    const record = known.value;
    for (const [channel, pending] of Object.entries(record.pending)) {
      if (only && !only.has(channel)) continue;
      if (pending.dueAt > horizon || isClaimed(pending, now)) continue;
      const muter = mutedBy(labelled(record));
      const silences = silencedBy(record.alert.labels);
      if (muter === undefined && silences.length === 0) {
        due.set(channel, [...(due.get(channel) ?? []), known]);
        continue;
      }
      if (pending.status === 'resolved') {
        report.held++;
        continue;
      }
      const dropped = await changeRecord(ctx.state, record.fingerprint, now, (current) =>
        current.pending[channel]?.id === pending.id
          ? {
              ...withPending(current, channel, undefined),
              ...(muter === undefined ? {} : { inhibitedBy: muter }),
              ...(silences.length === 0 ? {} : { silencedBy: [...silences] }),
            }
          : undefined,
      );
      // Alertmanager's order: inhibition first, then silences.
      if (dropped && muter !== undefined) report.inhibited++;
      else if (dropped) report.silenced++;
    }
  }

  // Every channel finishes (sends and marks what it sent) before one's failure is raised: a channel left running
  // behind a rejection could be frozen with its Lambda before marking, and its messages sent again later.
  const settled = await Promise.allSettled(
    [...due].map(([channel, list]) => flushChannel(ctx, channel, list, now)),
  );
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    report.outcomes.push(...outcome.value.outcomes);
    report.deadLettered.push(...outcome.value.deadLettered);
    report.deferred.push(...outcome.value.deferred);
  }
  return report;
}

interface Claimed {
  record: AlertRecord;
  version: number | undefined;
  pending: Pending;
}

async function flushChannel(
  ctx: NotifyContext,
  channel: string,
  records: readonly KnownRecord[],
  now: number,
): Promise<Pick<FlushReport, 'outcomes' | 'deadLettered' | 'deferred'>> {
  const empty = { outcomes: [], deadLettered: [], deferred: [] };
  const leaseUntil = now + ctx.deliver.deadline.remainingMs() + CLAIM_MARGIN_MS;
  const claimed: Claimed[] = [];
  for (const known of records) {
    const wanted = known.value.pending[channel];
    if (!wanted) continue;
    const written = await changeRecord(
      ctx.state,
      known.value.fingerprint,
      now,
      (current) => {
        const pending = current.pending[channel];
        if (!pending || pending.id !== wanted.id || isClaimed(pending, now)) return undefined;
        return withPending(current, channel, { ...pending, claimedUntil: leaseUntil });
      },
      known,
    );
    const pending = written?.value.pending[channel];
    if (written && pending) claimed.push({ record: written.value, version: written.version, pending });
  }
  if (claimed.length === 0) return empty;

  const configured = resolveChannel(channel, ctx.policy.channels);
  const module = configured ? moduleFor(configured) : undefined;
  const robot =
    configured && module ? robotKey(configured.type, module.robot?.(configured) ?? channel) : channel;
  const windows = module?.budget ?? [];
  const slot = await reserve(ctx.state, robot, windows, now);
  if (!slot.ok) {
    await requeue(ctx, channel, claimed, slot.retryAt, now);
    return { ...empty, deferred: [{ channel, alerts: claimed.length, until: slot.retryAt, why: 'budget' }] };
  }

  const alerts: Alert[] = claimed.map(({ record }) => record.alert);
  const [outcome] = await deliverAll(new Map([[channel, alerts]]), ctx.policy.channels, ctx.deliver);
  if (!outcome) return empty;
  if (!outcome.ok && outcome.error?.reason === 'rate-limited') {
    const until = now + (outcome.error.retryAfterMs ?? RATE_LIMITED_DEFAULT_WAIT_MS);
    await block(ctx.state, robot, until, now);
    await requeue(ctx, channel, claimed, until, now);
    return { ...empty, deferred: [{ channel, alerts: claimed.length, until, why: 'rate-limited' }] };
  }
  const deadLettered = outcome.ok ? [] : await keepDeadLetters([outcome], ctx.deadLetters, new Date(now));
  const at = ctx.deliver.now().toISOString();
  for (const { record, version, pending } of claimed) {
    await changeRecord(
      ctx.state,
      record.fingerprint,
      now,
      (current) => {
        const stillOurs = current.pending[channel]?.id === pending.id;
        const before = current.notified[channel];
        return {
          ...(stillOurs ? withPending(current, channel, undefined) : current),
          notified: {
            ...current.notified,
            [channel]: {
              status: pending.status,
              at,
              count: (before?.count ?? 0) + 1,
              ...(outcome.ok ? {} : { deadLettered: true as const }),
            },
          },
          messages: current.messages + 1,
        };
      },
      { value: record, ...(version === undefined ? {} : { version }) },
    );
  }
  return { outcomes: [outcome], deadLettered, deferred: [] };
}

/** Lets go of claimed entries, due again at `dueAt` (the next budget slot, the end of a vendor's block). */
async function requeue(
  ctx: NotifyContext,
  channel: string,
  claimed: readonly Claimed[],
  dueAt: number,
  now: number,
): Promise<void> {
  for (const { record, pending } of claimed) {
    await changeRecord(ctx.state, record.fingerprint, now, (current) => {
      const mine = current.pending[channel];
      if (mine?.id !== pending.id) return undefined;
      const { claimedUntil: _released, ...rest } = mine;
      return withPending(current, channel, {
        ...rest,
        dueAt,
        ...(rest.status === 'firing' ? { owed: true as const } : {}),
      });
    });
  }
}
