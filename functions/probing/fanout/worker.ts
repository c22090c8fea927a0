/**
 * One shard of one round: the message the planner sent, the lease (one worker per shard at a time), the probe
 * cycle over the shard's targets (the same probeAndPublish as every other path) within the round's own deadline,
 * the heartbeat timestamped with the round so a late shard still counts in its period. What a worker does not
 * probe it reports as skipped, with why: never as targets down.
 */
import type { SelfEvaluator } from '../../alarms/self/round';
import type { VigilConfig } from '../../config/schema';
import type { Datum } from '../../metrics/datums';
import { type CycleSummary, type Publisher, probeAndPublish } from '../cycle';
import type { RoundOptions } from '../run';
import type { StateObjects, StateStore } from '../state/types';
import { probeTimeoutSeconds } from '../timing';
import { acquireLease, LEASE_GRACE_MS, leaseKey, releaseLease } from './lease';
import { planShards } from './shards';

/** One shard of one round, as the planner sends it. */
export interface ShardMessage {
  /** ISO time the round started (the planner's start): the round's identity and its heartbeat's time. */
  round: string;
  shard: number;
  shards: number;
  /** The planner's ShardPlan fingerprint: a worker with another config says so. */
  plan: string;
}

/** `2026-12-01T10:00:00.000Z`: what planRound writes (Date#toISOString). */
const ROUND_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const MESSAGE_KEYS = ['round', 'shard', 'shards', 'plan'];

/**
 * A message body, or why it is not one (logged, never retried: a retry would not make it valid). Checked by hand,
 * not with zod: four fields do not justify zod's 175 KB in the probe's bundle (infra/bundle.ts).
 */
export function parseShardMessage(body: string): ShardMessage | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { problem: 'the message is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { problem: 'the message is not an object' };
  const message = raw as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(message).filter((key) => !MESSAGE_KEYS.includes(key));
  if (unknown.length > 0) problems.push(`unknown keys ${unknown.map((key) => `"${key}"`).join(', ')}`);
  const { round, shard, shards, plan } = message;
  if (typeof round !== 'string' || !ROUND_RE.test(round) || Number.isNaN(Date.parse(round)))
    problems.push('round must be an ISO time');
  if (!Number.isInteger(shard) || (shard as number) < 0) problems.push('shard must be an integer >= 0');
  if (!Number.isInteger(shards) || (shards as number) < 1) problems.push('shards must be an integer >= 1');
  if (typeof plan !== 'string') problems.push('plan must be a string');
  return problems.length > 0 ? { problem: problems.join('; ') } : (message as unknown as ShardMessage);
}

export interface WorkerDeps {
  config: VigilConfig;
  /** Where leases live: the state store's objects (S3 in Lambda, files locally). */
  leases: { objects: StateObjects; prefix: string };
  /** The rate state: the shard reads and writes its own object (its id), beside its lease. */
  state?: StateStore;
  /** Who holds the lease: the invocation's request id, a process id and counter locally. */
  holder: string;
  /** Epoch ms by which this invocation must be done (Lambda: now + remaining − margin). */
  deadline: number;
  publisher?: Publisher;
  heartbeat?: { probe: string };
  location?: string;
  now?: () => number;
  /** `alarms.mode: self`: the shard's alarms, evaluated over its datums (alarms/self/round.ts). */
  alarms?: SelfEvaluator;
  /** Network injection for tests and the bench (lookup, ca, agent). */
  round?: Pick<RoundOptions, 'lookup' | 'ca' | 'agent' | 'secrets'>;
}

export type SkipReason = 'stale' | 'held' | 'duplicate' | 'lost-race' | 'unknown-shard';
export type ShardOutcome =
  | { status: 'probed'; round: string; shard: string; cycle: CycleSummary; warnings: string[] }
  | { status: 'skipped'; round: string; shard: string; why: SkipReason; detail: string };

/** Kept back from the round's end for logging and returning. */
const ROUND_END_MARGIN_MS = 1_000;

export async function runShard(message: ShardMessage, deps: WorkerDeps): Promise<ShardOutcome> {
  const now = deps.now ?? Date.now;
  const plan = planShards(deps.config);
  const warnings: string[] = [];
  if (message.plan !== plan.fingerprint || message.shards !== plan.shards.length)
    warnings.push(
      `planned with another config (${message.shards} shards, plan ${message.plan}); probing shard ${message.shard} of this one (${plan.shards.length} shards, plan ${plan.fingerprint})`,
    );
  const shard = plan.shards[message.shard];
  const skip = (id: string, why: SkipReason, detail: string): ShardOutcome => ({
    status: 'skipped',
    round: message.round,
    shard: id,
    why,
    detail,
  });
  if (!shard)
    return skip(`shard-${message.shard}`, 'unknown-shard', `this config has ${plan.shards.length} shards`);
  const roundAt = Date.parse(message.round);
  // No probing past the round's own end, whenever the worker started: the next round's worker starts then.
  const roundEnd = roundAt + probeTimeoutSeconds(deps.config.probe.schedule) * 1000 - ROUND_END_MARGIN_MS;
  const deadline = Math.min(deps.deadline, roundEnd);
  if (deadline <= now())
    return skip(
      shard.id,
      'stale',
      `round ${message.round} ended ${Math.round((now() - roundEnd) / 1000)} s ago`,
    );
  const key = leaseKey(deps.leases.prefix, shard.id);
  const lease = await acquireLease(deps.leases.objects, key, {
    round: message.round,
    holder: deps.holder,
    until: deadline + LEASE_GRACE_MS,
    now: now(),
  });
  if (!lease.acquired) {
    const holder = lease.lease
      ? ` (round ${lease.lease.round}, ${lease.lease.holder}, ${lease.lease.state})`
      : '';
    return skip(shard.id, lease.why, `${shard.id} is taken${holder}`);
  }
  try {
    const cycle = await probeAndPublish(deps.config, {
      ...deps.round,
      only: shard.targets,
      deadline,
      shard: shard.id,
      ...(deps.state ? { state: deps.state } : {}),
      ...(deps.publisher ? { publisher: deps.publisher } : {}),
      ...(deps.heartbeat ? { heartbeat: { probe: deps.heartbeat.probe, at: new Date(roundAt) } } : {}),
      ...(deps.location === undefined ? {} : { location: deps.location }),
      ...(deps.alarms
        ? { evaluate: selfEvaluation(deps.alarms, shard, plan.shards.length, roundAt, deps.holder, deadline) }
        : {}),
    });
    return { status: 'probed', round: message.round, shard: shard.id, cycle, warnings };
  } finally {
    await releaseLease(deps.leases.objects, key, { round: message.round, holder: deps.holder, now: now() });
  }
}

/** The shard's alarms evaluated over a round's datums; its state changes claimed until the lease ends. */
function selfEvaluation(
  alarms: SelfEvaluator,
  shard: { id: string; targets: readonly string[] },
  shards: number,
  roundAt: number,
  holder: string,
  deadline: number,
) {
  return (datums: readonly Datum[]) =>
    alarms({
      shard: shard.id,
      shards,
      targets: shard.targets,
      round: new Date(roundAt),
      datums,
      holder,
      claimUntil: deadline + LEASE_GRACE_MS,
    });
}
