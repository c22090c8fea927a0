/** `vigil replay`: resend dead letters, each only to the channel that failed, with the current config. */
import type { ChannelsConfig } from '../channels/schema';
import type { DispatchDeps } from '../webhook/dispatch';
import { deliverRouted } from '../webhook/dispatch';
import type { DeadLetterStore } from './types';

export interface ReplayOptions {
  max: number;
  dryRun: boolean;
  channel?: string;
}

export interface ReplayResult {
  id: string;
  channel: string;
  alerts: number;
  at: string;
  status: 'delivered' | 'failed' | 'would-send';
  error?: string;
}

export interface ReplayReport {
  delivered: number;
  failed: number;
  results: ReplayResult[];
}

export async function replayDeadLetters(
  store: DeadLetterStore,
  channels: ChannelsConfig,
  deps: Pick<DispatchDeps, 'deliver'>,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const stored = (await store.list(options.max)).filter(
    ({ letter }) => !options.channel || letter.channel === options.channel,
  );
  const results: ReplayResult[] = [];
  for (const entry of stored) {
    const { letter } = entry;
    const base = { id: letter.id, channel: letter.channel, alerts: letter.alerts.length, at: letter.at };
    if (options.dryRun) {
      results.push({ ...base, status: 'would-send' });
      continue;
    }
    // deliverRouted writes no dead letter: a failed replay requeues the original instead (replays + 1).
    const outcomes = await deliverRouted(new Map([[letter.channel, letter.alerts]]), channels, deps);
    const outcome = outcomes[0];
    if (outcome?.ok) {
      await store.remove([entry.handle]);
      results.push({ ...base, status: 'delivered' });
    } else {
      const error = outcome?.error?.message ?? 'no outcome';
      await store.requeue(entry, {
        ...letter,
        replays: letter.replays + 1,
        error: { reason: outcome?.error?.reason ?? 'unknown', message: error },
      });
      results.push({ ...base, status: 'failed', error });
    }
  }
  return {
    delivered: results.filter((result) => result.status === 'delivered').length,
    failed: results.filter((result) => result.status === 'failed').length,
    results,
  };
}
