/**
 * Everything after intake, in Alertmanager's stage order: routing (routing/) → state: dedup and the outbox
 * (state/alerts.ts) → the group wait → inhibition, rate budgets and delivery (notify/flush.ts) → dead letters.
 * Shared by the Lambda, `vigil webhook serve` and `vigil dev`; `vigil notify test` and `vigil replay` use only
 * `deliverRouted` (no state: they send what they are told to, once).
 */
import type { Alert } from '../alerts/types';
import type { ChannelsConfig } from '../channels/schema';
import type { VigilConfig } from '../config/schema';
import { keepDeadLetters } from '../deadletter/keep';
import type { DeadLetter, DeadLetterStore } from '../deadletter/types';
import { type DeliverDeps, type DeliveryOutcome, deliverAll } from '../notify/deliver';
import { type Deferred, flush } from '../notify/flush';
import { alertPolicy } from '../notify/sweep';
import { route } from '../routing/routes';
import { type Applied, applyAlert } from '../state/alerts';
import type { AlertStateStore } from '../state/item-store';
import { silencer } from '../state/silences';

export interface DispatchDeps {
  deliver: DeliverDeps;
  deadLetters: DeadLetterStore;
  state: AlertStateStore;
  now: () => Date;
}

export interface DispatchReport {
  alerts: number;
  /** Alerts no route matched: they went to the fallback channels (reported so nobody wonders why). */
  unrouted: Alert[];
  /** What the state made of each alert, counted (firing, resolved, duplicate, stale, not-a-resolution …). */
  applied: Partial<Record<Applied, number>>;
  outcomes: DeliveryOutcome[];
  /** Letters written to the dead-letter store for failed channels. */
  deadLettered: DeadLetter[];
  /** Notifications waiting for a rate budget or a blocked robot: the sweep sends them. */
  deferred: Deferred[];
  inhibited: number;
  /** Firing alerts muted by a silence or a maintenance window (recorded, not sent). */
  silenced: number;
  /** Why the state could not be used: the alerts went out without dedup, inhibition or budgets. */
  stateUnavailable?: string;
}

/** Not worth waiting for the group if less than this would be left for sending. */
export const GROUP_WAIT_MIN_SEND_MS = 5_000;

/** Delivers already-routed alerts once, without state (replay, `notify test`). Never throws. */
export function deliverRouted(
  routed: ReadonlyMap<string, readonly Alert[]>,
  channels: ChannelsConfig,
  deps: Pick<DispatchDeps, 'deliver'>,
): Promise<DeliveryOutcome[]> {
  return deliverAll(routed, channels, deps.deliver);
}

export async function dispatch(
  alerts: readonly Alert[],
  config: Pick<VigilConfig, 'routes' | 'channels' | 'alerts' | 'maintenance'>,
  deps: DispatchDeps,
): Promise<DispatchReport> {
  const policy = alertPolicy(config);
  const routed = route(alerts, policy.routes, Object.keys(policy.channels), policy.fallback);
  const channelsOf = new Map<Alert, string[]>();
  for (const [channel, list] of routed.channels)
    for (const alert of list) channelsOf.set(alert, [...(channelsOf.get(alert) ?? []), channel]);

  const now = deps.now().getTime();
  const settled = await Promise.allSettled(
    alerts.map((alert) =>
      applyAlert(deps.state, alert, channelsOf.get(alert) ?? [], { now, groupWaitMs: policy.groupWaitMs }),
    ),
  );
  const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  // The state store is down (not a conflict: those are retried inside): a duplicate page is better than none.
  // Only the alerts it could not take go out as if new, at once, and the report says so; those it did take stay
  // on the stateful path (sent once, below or by the sweep). Failures still become dead letters.
  const unstored = alerts.filter((_, index) => settled[index]?.status === 'rejected');
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  async function deliverWithoutState(list: readonly Alert[]) {
    // The config's maintenance windows need no state: they still mute (the stored silences cannot be read).
    const inMaintenance = silencer([], policy.maintenance, now);
    const unmuted = list.filter(
      (alert) => alert.status !== 'firing' || inMaintenance(alert.labels).length === 0,
    );
    const outcomes = await deliverRouted(
      route(unmuted, policy.routes, Object.keys(policy.channels), policy.fallback).channels,
      policy.channels,
      deps,
    );
    return {
      outcomes,
      deadLettered: await keepDeadLetters(outcomes, deps.deadLetters, deps.now()),
      stateUnavailable: `${deps.state.description}: ${(failure?.reason as Error | undefined)?.message}`,
    };
  }
  const stateless = unstored.length > 0 ? await deliverWithoutState(unstored) : undefined;
  const applied: DispatchReport['applied'] = {};
  const queued = new Set<string>();
  let dueAt = Number.POSITIVE_INFINITY;
  for (const { applied: what, record } of results) {
    applied[what] = (applied[what] ?? 0) + 1;
    if (what !== 'firing' && what !== 'resolved') continue;
    for (const [channel, pending] of Object.entries(record?.pending ?? {})) {
      queued.add(channel);
      dueAt = Math.min(dueAt, pending.dueAt);
    }
  }
  const report: DispatchReport = {
    alerts: alerts.length,
    unrouted: routed.unrouted,
    applied,
    outcomes: stateless?.outcomes ?? [],
    deadLettered: stateless?.deadLettered ?? [],
    deferred: [],
    inhibited: 0,
    silenced: 0,
    ...(stateless ? { stateUnavailable: stateless.stateUnavailable } : {}),
  };
  if (queued.size === 0) return report;

  // The group wait: alarms of one breach (warning, critical, emergency) arrive as separate events within moments;
  // waiting lets the first flush see them all, inhibit the lower levels and send one digest. A deadline too close
  // for the whole wait shortens it (what this invocation queued is sent anyway).
  const wait = Math.min(
    dueAt - deps.now().getTime(),
    deps.deliver.deadline.remainingMs() - GROUP_WAIT_MIN_SEND_MS,
  );
  if (wait > 0) await deps.deliver.sleep(wait);
  const flushed = await flush(
    { policy, state: deps.state, deadLetters: deps.deadLetters, deliver: deps.deliver },
    queued,
    Math.max(dueAt, deps.now().getTime()),
  );
  return {
    ...report,
    ...flushed,
    outcomes: [...report.outcomes, ...flushed.outcomes],
    deadLettered: [...report.deadLettered, ...flushed.deadLettered],
    applied,
    unrouted: routed.unrouted,
    alerts: alerts.length,
  };
}
