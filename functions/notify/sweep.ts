/**
 * The scheduled sweep (EventBridge Scheduler → the sweep Lambda every minute; a timer under `vigil dev` and
 * `vigil webhook serve`): queues reminders for alerts still firing after their route's `repeat`, then flushes
 * everything due — alerts that waited for a rate budget or a blocked robot, and work an invocation that died left
 * claimed. Nothing queued is lost when a Lambda ends: it stays in the state store until a sweep sends it.
 */
import type { VigilConfig } from '../config/schema';
import { fallbackChannels, repeatFor } from '../routing/routes';
import { changeRecord, listRecords, pendingId } from '../state/alerts';
import { levelRules } from '../state/inhibit';
import { maintenanceWindows } from '../state/maintenance';
import { type AlertPolicy, type FlushReport, flush, type NotifyContext } from './flush';

/** How often the sweep runs (the schedule in infra/, the local timer). */
export const SWEEP_INTERVAL_MS = 60_000;

export interface SweepReport extends FlushReport {
  reminders: number;
}

/** The policy the pipeline and the sweep apply, from vigil.yml. */
export function alertPolicy(
  config: Pick<VigilConfig, 'routes' | 'channels' | 'alerts' | 'maintenance'>,
): AlertPolicy {
  return {
    routes: config.routes,
    channels: config.channels,
    inhibit: [...(config.alerts.inhibitLevels ? levelRules() : []), ...config.alerts.inhibit],
    groupWaitMs: config.alerts.groupWait,
    fallback: fallbackChannels(config.routes, config.alerts.fallback),
    maintenance: maintenanceWindows(config.maintenance),
  };
}

/** Queues the reminders that are due, then sends everything due. */
export async function sweep(ctx: NotifyContext): Promise<SweepReport> {
  const now = ctx.deliver.now().getTime();
  let reminders = 0;
  for (const { value: record } of await listRecords(ctx.state)) {
    // Muted (inhibited, silenced): no reminders while it lasts; the flush queues the alert again when it ends.
    if (record.status !== 'firing' || record.inhibitedBy !== undefined || record.silencedBy !== undefined)
      continue;
    for (const [channel, notified] of Object.entries(record.notified)) {
      if (notified.status !== 'firing' || record.pending[channel]) continue;
      const repeat = repeatFor(record.alert, channel, ctx.policy.routes);
      if (repeat === undefined || now - Date.parse(notified.at) < repeat) continue;
      const queued = await changeRecord(ctx.state, record.fingerprint, now, (current) =>
        current.status === 'firing' &&
        !current.pending[channel] &&
        current.notified[channel]?.at === notified.at
          ? {
              ...current,
              pending: {
                ...current.pending,
                [channel]: { status: 'firing', id: pendingId('firing', now), dueAt: now, reminder: true },
              },
            }
          : undefined,
      );
      if (queued) reminders++;
    }
  }
  return { ...(await flush(ctx, undefined, undefined, { joinNearby: false })), reminders };
}
