/**
 * One probe round: every target (or a chosen few) probed concurrently within the concurrency limit, each within
 * its own hard timeout, the whole round within the caller's deadline (the Lambda's remaining time). Targets the
 * round could not finish are reported with reason `deadline`, never dropped.
 */
import type { LookupFunction } from 'node:net';
import type { TargetConfig, TargetOfTransport, VigilConfig } from '../config/schema';
import { type ResolveOptions, SecretError } from '../config/secrets';
import { deadlineAt } from '../deadline';
import { transportOf } from './kinds';
import { mapWithConcurrency } from './pool';
import { openRoundState, type RoundStateReport, WHOLE_ROUND_SHARD } from './round-state';
import type { StateStore } from './state/types';
import { TRANSPORTS } from './transports';
import type { TransportName } from './transports/names';
import type { Transport, TransportContext } from './transports/types';
import type { ProbeResult } from './types';

export interface RoundOptions {
  /** Only these target names (CLI --target). */
  only?: readonly string[];
  /** Epoch ms by which the round must be over (Lambda: now + remaining time − margin). */
  deadline?: number;
  lookup?: LookupFunction;
  secrets?: ResolveOptions;
  now?: () => Date;
  agent?: 'keep-alive' | 'fresh';
  /** Certificates to trust instead of Node's bundled roots (see TransportContext). */
  ca?: readonly (string | Buffer)[];
  /** Called as each target finishes (CLI progress). */
  onResult?: (result: ProbeResult) => void;
  /**
   * The rate state (range functions across rounds): read once at the start of the round, written once at its end
   * with a conditional write. `shard` names the object: a fan-out shard (fanout/shards.ts) holds exactly the
   * targets of its round; the default, WHOLE_ROUND_SHARD, holds every target of the config (with `only`, the
   * others keep their history).
   */
  state?: { store: StateStore; shard?: string };
}

export interface RoundReport {
  startedAt: Date;
  durationMs: number;
  results: ProbeResult[];
  /** Targets the deadline cut off (also present in results with reason deadline). */
  unfinished: string[];
  /** What happened to the rate state this round, when the round keeps one. */
  state?: RoundStateReport;
}

/** Targets named in `only` that don't exist: the CLI reports them as a usage error. */
export function unknownTargets(config: VigilConfig, only: readonly string[]): string[] {
  const names = new Set(config.targets.map((target) => target.name));
  return only.filter((name) => !names.has(name));
}

/** The rate state's read may take this long at most: a slow store costs the round its history, not its probes. */
const STATE_READ_MAX_MS = 5_000;
/** Kept back from probing for the state's conditional write (one S3 PUT, and a retry after a lost race). */
const STATE_WRITE_RESERVE_MS = 2_000;
/** Neither may take more than this share of a short round (a 4 s `vigil probe --timeout` still probes). */
const STATE_MAX_SHARE = 0.25;

function stateBudget(maxMs: number, deadline: number | undefined): number {
  if (deadline === undefined) return maxMs;
  return Math.min(maxMs, Math.max(0, (deadline - Date.now()) * STATE_MAX_SHARE));
}

export async function runRound(config: VigilConfig, options: RoundOptions = {}): Promise<RoundReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const targets = options.only
    ? config.targets.filter((target) => options.only!.includes(target.name))
    : config.targets;
  const shard = options.state?.shard ?? WHOLE_ROUND_SHARD;
  const roundDeadline = options.deadline === undefined ? undefined : deadlineAt(options.deadline);
  const state = options.state
    ? await openRoundState(options.state.store, {
        shard,
        targets: shard === WHOLE_ROUND_SHARD ? config.targets : targets,
        ...(roundDeadline
          ? { deadline: roundDeadline.within(stateBudget(STATE_READ_MAX_MS, options.deadline)) }
          : {}),
      })
    : undefined;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  if (options.deadline !== undefined) {
    // Probing stops early enough for the rate state to be written before the round's own deadline.
    const reserve = state ? stateBudget(STATE_WRITE_RESERVE_MS, options.deadline) : 0;
    const remaining = options.deadline - reserve - Date.now();
    if (remaining <= 0) controller.abort();
    else timer = setTimeout(() => controller.abort(), remaining);
  }
  try {
    // A round that can run short starts at another target each round: were it always config order, the same tail
    // would be cut every round, and a target there that is down would never say so.
    const order =
      options.deadline === undefined ? targets : rotate(targets, startedAt.getTime(), config.probe.schedule);
    const probed = await mapWithConcurrency(order, config.probe.concurrency, async (target) => {
      const result = controller.signal.aborted
        ? deadlineResult(target, now())
        : await probeTarget(target, config, {
            ...options,
            signal: controller.signal,
            now,
            history: state?.historyOf(target) ?? [],
            record: (recorded) => state?.record(target, recorded),
          });
      state?.finished(result);
      options.onResult?.(result);
      return result;
    });
    // Reported in config order, whatever order they ran in.
    const byTarget = new Map(probed.map((result) => [result.target, result]));
    const results = targets.map((target) => byTarget.get(target.name) as ProbeResult);
    return {
      startedAt,
      durationMs: now().getTime() - startedAt.getTime(),
      results,
      unfinished: results.filter((result) => result.reason === 'deadline').map((result) => result.target),
      ...(state ? { state: await state.write(startedAt.getTime(), roundDeadline) } : {}),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Knuth's multiplicative hash constant: consecutive rounds start far apart in the list. */
const ROTATION_STRIDE = 2_654_435_761;

/** The targets starting at a round's own offset (the round's index times a stride, modulo their count). */
function rotate<T>(targets: readonly T[], startedAtMs: number, scheduleMs: number): readonly T[] {
  if (targets.length < 2) return targets;
  const round = Math.floor(startedAtMs / scheduleMs);
  const offset = Number((BigInt(round) * BigInt(ROTATION_STRIDE)) % BigInt(targets.length));
  return [...targets.slice(offset), ...targets.slice(0, offset)];
}

function deadlineResult(target: TargetConfig, timestamp: Date): ProbeResult {
  return {
    target: target.name,
    type: target.type,
    success: false,
    reason: 'deadline',
    detail: 'the round ran out of time before this target was probed',
    timestamp,
    durationMs: 0,
    values: [],
    warnings: [],
  };
}

interface ProbeContext extends RoundOptions, TransportContext {
  signal: AbortSignal;
  now: () => Date;
}

/**
 * Probes one target; never throws (a bug becomes reason `error` for this target only, a secret that cannot be read
 * reason `secret`: not probed).
 */
export async function probeTarget(
  target: TargetConfig,
  config: VigilConfig,
  ctx: ProbeContext,
): Promise<ProbeResult> {
  const timestamp = ctx.now();
  const base = { target: target.name, type: target.type, timestamp, values: [], warnings: [] };
  try {
    return await probe(target, config, ctx, timestamp);
  } catch (error) {
    return {
      ...base,
      success: false,
      reason: error instanceof SecretError ? 'secret' : 'error',
      detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      durationMs: ctx.now().getTime() - timestamp.getTime(),
    };
  }
}

/** The target's transport does the probing; the registry's single cast: the target's type picked it. */
function probe(
  target: TargetConfig,
  config: VigilConfig,
  ctx: ProbeContext,
  timestamp: Date,
): Promise<ProbeResult> {
  const transport = TRANSPORTS[transportOf(target)] as Transport<TransportName>;
  return transport.probe(target as TargetOfTransport<TransportName>, config, ctx, timestamp);
}
