/**
 * One probe round: every target (or a chosen few) probed concurrently within the concurrency limit, each within
 * its own hard timeout, the whole round within the caller's deadline (the Lambda's remaining time). Targets the
 * round could not finish are reported with reason `deadline`, never dropped.
 */
import type { LookupFunction } from 'node:net';
import type { TargetConfig, VigilConfig } from '../config/schema';
import { type ResolveOptions, resolveSecrets } from '../config/secrets';
import type { SeriesSamples } from '../promql';
import { USER_AGENT } from '../version';
import { type HttpOutcome, httpProbe } from './http';
import { inspectResponse } from './inspection-pool';
import { kindOf } from './kinds';
import type { Inspection } from './kinds/types';
import { mapWithConcurrency } from './pool';
import { openRoundState, type RoundStateReport } from './round-state';
import type { StateStore } from './state/types';
import { describeStatus, statusMatches } from './status';
import type { FailureReason, ProbeResult } from './types';

export interface RoundOptions {
  /** Only these target names (CLI --target). */
  only?: readonly string[];
  /** Epoch ms by which the round must be over (Lambda: now + remaining time − margin). */
  deadline?: number;
  lookup?: LookupFunction;
  secrets?: ResolveOptions;
  now?: () => Date;
  agent?: 'keep-alive' | 'fresh';
  /** Called as each target finishes (CLI progress). */
  onResult?: (result: ProbeResult) => void;
  /**
   * The rate state (range functions across rounds): read once at the start of the round, written once at its end
   * with a conditional write. `shard` names the object (default: the whole round is one shard).
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

export async function runRound(config: VigilConfig, options: RoundOptions = {}): Promise<RoundReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const state = options.state ? await openRoundState(config, options.state) : undefined;
  const targets = options.only
    ? config.targets.filter((target) => options.only!.includes(target.name))
    : config.targets;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  if (options.deadline !== undefined) {
    const remaining = options.deadline - Date.now();
    if (remaining <= 0) controller.abort();
    else timer = setTimeout(() => controller.abort(), remaining);
  }
  try {
    const results = await mapWithConcurrency(targets, config.probe.concurrency, async (target) => {
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
    return {
      startedAt,
      durationMs: now().getTime() - startedAt.getTime(),
      results,
      unfinished: results.filter((result) => result.reason === 'deadline').map((result) => result.target),
      ...(state ? { state: await state.write(startedAt.getTime()) } : {}),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
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

interface ProbeContext extends RoundOptions {
  signal: AbortSignal;
  now: () => Date;
  /** The target's samples of earlier rounds. */
  history?: readonly SeriesSamples[];
  /** Receives what the rate state should keep of this scrape. */
  record?: (recorded: NonNullable<Inspection['recorded']>) => void;
}

/** Probes one target; never throws (a bug becomes reason `error` for this target only). */
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
      reason: 'error',
      detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      durationMs: ctx.now().getTime() - timestamp.getTime(),
    };
  }
}

async function probe(
  target: TargetConfig,
  config: VigilConfig,
  ctx: ProbeContext,
  timestamp: Date,
): Promise<ProbeResult> {
  const kind = kindOf(target);
  const headers: Record<string, string> = { accept: kind.accept };
  for (const [name, value] of Object.entries(target.headers)) {
    headers[name.toLowerCase()] = await resolveSecrets(value, ctx.secrets);
  }
  const url = await resolveSecrets(target.url, ctx.secrets);
  const body = target.body === undefined ? undefined : await resolveSecrets(target.body, ctx.secrets);

  const outcome: HttpOutcome = await httpProbe({
    url,
    method: target.method,
    headers,
    ...(body === undefined ? {} : { body }),
    timeoutMs: target.timeout ?? config.probe.timeout,
    maxBodyBytes: target.maxBodySize ?? config.probe.maxBodySize,
    maxRedirects: target.maxRedirects ?? config.probe.maxRedirects,
    followRedirects: target.followRedirects,
    allowLinkLocal: target.allowLinkLocal,
    insecureSkipVerify: target.insecureSkipVerify,
    userAgent: USER_AGENT,
    signal: ctx.signal,
    ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
    ...(ctx.agent ? { agent: ctx.agent } : {}),
  });

  const common = {
    target: target.name,
    type: target.type,
    timestamp,
    durationMs: outcome.durationMs,
    phases: outcome.phases,
    redirects: outcome.redirects,
    ...(outcome.status === undefined ? {} : { statusCode: outcome.status }),
    ...(outcome.certExpiryDays === undefined ? {} : { certExpiryDays: outcome.certExpiryDays }),
  };
  if (!outcome.ok) {
    return {
      ...common,
      success: false,
      reason: outcome.reason,
      detail: outcome.detail,
      values: [],
      warnings: [],
    };
  }
  const fail = (reason: FailureReason, detail: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({
    ...common,
    bodyBytes: outcome.bodyBytes,
    values: [],
    warnings: [],
    ...extra,
    success: false,
    reason,
    detail,
  });

  if (!statusMatches(outcome.status, target.expect.status)) {
    return fail('status', `status (${outcome.status}) not in ${describeStatus(target.expect.status)}`);
  }

  const { inspection, failedConditions } = await inspectResponse({
    target,
    response: outcome,
    durationMs: outcome.durationMs,
    maxSeries: target.maxSeries ?? config.probe.maxSeries,
    atMs: timestamp.getTime(),
    history: ctx.history ?? [],
  });
  if (inspection.recorded) ctx.record?.(inspection.recorded);
  const partial = { values: inspection.values, warnings: inspection.warnings };
  if (inspection.failure?.reason === 'parse') return fail('parse', inspection.failure.detail, partial);
  if (failedConditions.length > 0) return fail('condition', failedConditions.join('; '), partial);
  if (inspection.failure) return fail(inspection.failure.reason, inspection.failure.detail, partial);

  const maxDuration = target.expect.maxDuration;
  if (maxDuration !== undefined && outcome.durationMs > maxDuration) {
    return fail('duration', `duration (${Math.round(outcome.durationMs)}ms) > ${maxDuration}ms`, partial);
  }
  return { ...common, bodyBytes: outcome.bodyBytes, success: true, ...partial };
}
