/**
 * A round's plan and its dispatch: the schedule fires once per period; the planner splits the config into shards
 * (shards.ts) and hands one message per shard to a dispatcher — SQS in Lambda (sqs.ts), workers in this process
 * or in child processes locally (local.ts). A one-shard plan is the single-invocation path: the planner runs the
 * shard itself, no queue involved.
 */
import type { VigilConfig } from '../../config/schema';
import { planShards, type ShardPlan } from './shards';
import type { ShardMessage, ShardOutcome } from './worker';

/**
 * The round that starts at `at` (when the schedule fired: rate schedules are not aligned to the clock, so the
 * round is the planner's start, not a period boundary): one message per shard.
 */
export function planRound(config: VigilConfig, at: number): { plan: ShardPlan; messages: ShardMessage[] } {
  const plan = planShards(config);
  const round = new Date(at).toISOString();
  const messages = plan.shards.map((shard) => ({
    round,
    shard: shard.index,
    shards: plan.shards.length,
    plan: plan.fingerprint,
  }));
  return { plan, messages };
}

export interface DispatchReport {
  /** Messages handed over (to SQS, or to local workers). */
  dispatched: number;
  /** Messages that could not be handed over, with why: their shards are not probed this round. */
  failed: { shard: number; error: string }[];
  /** Local dispatchers run the workers and know how each shard went; SQS does not. */
  outcomes?: ShardOutcome[];
}

/** Hands a round's messages to workers; one interface for SQS, in-process and child-process workers. */
export type Dispatch = (messages: readonly ShardMessage[]) => Promise<DispatchReport>;
