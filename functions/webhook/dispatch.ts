/**
 * alerts → routes → channels → (failures) dead letters: the part of the webhook after intake, shared by the
 * Lambda, `vigil webhook serve`, `vigil notify test`, `vigil replay` and `vigil dev`.
 */
import { randomUUID } from 'node:crypto';
import type { Alert } from '../alerts/types';
import type { ChannelsConfig } from '../channels/schema';
import type { RouteConfig } from '../config/schema';
import { DEAD_LETTER_VERSION, type DeadLetter, type DeadLetterStore } from '../deadletter/types';
import { type DeliverDeps, type DeliveryOutcome, deliverAll } from '../notify/deliver';
import { route } from '../routing/routes';

export interface DispatchDeps {
  deliver: DeliverDeps;
  deadLetters: DeadLetterStore;
  now: () => Date;
}

export interface DispatchReport {
  alerts: number;
  /** Alerts no route matched: configured to go nowhere, reported so nobody wonders where they went. */
  unrouted: Alert[];
  outcomes: DeliveryOutcome[];
  /** Letters written to the dead-letter store for failed channels. */
  deadLettered: DeadLetter[];
}

/** The dead-letter store itself failed: the alerts are not safe, so the caller must fail loudly (and be retried). */
export class DeadLetterError extends Error {
  override name = 'DeadLetterError';
}

export function deadLetterFor(outcome: DeliveryOutcome, at: Date, replays = 0): DeadLetter {
  return {
    version: DEAD_LETTER_VERSION,
    id: randomUUID(),
    at: at.toISOString(),
    channel: outcome.channel,
    channelType: outcome.type,
    alerts: [...outcome.batch],
    error: {
      reason: outcome.error?.reason ?? 'unknown',
      message: outcome.error?.message ?? 'delivery failed',
    },
    attempts: outcome.attempts,
    replays,
  };
}

/** Delivers already-routed alerts (replay and `notify test` route by hand); failures become dead letters. */
export async function deliverRouted(
  routed: ReadonlyMap<string, readonly Alert[]>,
  channels: ChannelsConfig,
  deps: DispatchDeps,
): Promise<{ outcomes: DeliveryOutcome[]; deadLettered: DeadLetter[] }> {
  const outcomes = await deliverAll(routed, channels, deps.deliver);
  const deadLettered = outcomes
    .filter((outcome) => !outcome.ok)
    .map((outcome) => deadLetterFor(outcome, deps.now()));
  if (deadLettered.length > 0) {
    try {
      await deps.deadLetters.put(deadLettered);
    } catch (error) {
      throw new DeadLetterError(
        `could not keep ${deadLettered.length} failed notification(s) in ${deps.deadLetters.description}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { outcomes, deadLettered };
}

export async function dispatch(
  alerts: readonly Alert[],
  config: { routes: readonly RouteConfig[]; channels: ChannelsConfig },
  deps: DispatchDeps,
): Promise<DispatchReport> {
  const routed = route(alerts, config.routes, Object.keys(config.channels));
  const { outcomes, deadLettered } = await deliverRouted(routed.channels, config.channels, deps);
  return { alerts: alerts.length, unrouted: routed.unrouted, outcomes, deadLettered };
}
