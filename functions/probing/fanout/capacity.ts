/**
 * How many targets one Lambda invocation can probe within its round, from measured per-target costs. A shard's
 * wall time is bounded by the slowest of three resources:
 *
 * - concurrency slots: each target holds one of `probe.concurrency` slots for its duration. Planning assumes
 *   SLOW_TARGET_SHARE of the targets hang until their timeout (the bound) and the rest answer in
 *   HEALTHY_PROBE_MS, so a target costs `share × timeout + (1 − share) × healthy` slot-milliseconds;
 * - CPU: MEASURED.cpuMsPerTarget on one core of the bench machine, scaled to the vCPU share Lambda gives the
 *   function's memory (1,769 MB = 1 vCPU, per the Lambda docs);
 * - memory: MEASURED.rssMbPerTarget on top of MEASURED.baseRssMb, kept under MEMORY_HEADROOM of the function.
 *
 * The budget is the Lambda's timeout less the publish reserve, the time a worker may wait to be started
 * (SQS_START_ALLOWANCE_MS) and the time it takes to load the whole config at its CPU share. Measured by
 * bench/sharded-round.ts (bench/RESULTS.md, "Sharded round"): one worker of 1,493 targets alone probes in 30.3 s,
 * where the slot model predicts 29.9 s (149 hangs × 10 s + 1,344 × ~5 ms loopback, over 50 slots).
 */
import type { VigilConfig } from '../../config/schema';
import { PUBLISH_RESERVE_MS, probeTimeoutSeconds } from '../timing';

/** bench/sharded-round.ts, 2026-12, Intel Xeon 2 vCPU, Node 24: 10,000 loopback targets in 7 worker processes. */
export const MEASURED = {
  /** CPU per target of a fresh worker process (load, probe, publish), user + system: 2.25-2.32 ms in two runs. */
  cpuMsPerTarget: 2.3,
  /** Peak RSS added per target in a worker (results, sockets, timers, datums): 0.122-0.125 MB. */
  rssMbPerTarget: 0.125,
  /** Peak RSS of a worker with one target (runtime, bundle, SDK clients). */
  baseRssMb: 107,
  /** Loading and validating the config, per target of the whole config (every worker loads all of it): 1.1 s for 10,000. */
  configMsPerTarget: 0.11,
} as const;

/** Planning: the share of targets assumed to hang until their timeout (issue 10's bound). */
export const SLOW_TARGET_SHARE = 0.1;
/** Planning: a healthy target over the internet (DNS, connect, TLS, first byte); loopback is ~1 ms. */
export const HEALTHY_PROBE_MS = 250;
/** The probe function's memory (serverless.yml) and the share of it a worker may fill. */
export const PROBE_MEMORY_MB = 512;
const MEMORY_HEADROOM = 0.7;
/** Lambda gives a function one full vCPU at 1,769 MB, proportionally less below. */
const LAMBDA_MB_PER_VCPU = 1_769;
/**
 * How long after the round starts a worker may begin: the planner's cold start and SQS's event source starting
 * five concurrent invocations at once and adding up to 300 a minute (five a second) beyond them.
 */
export const SQS_START_ALLOWANCE_MS = 10_000;
/** Kept back for logging the summary and returning (handler.ts DEADLINE_MARGIN_MS). */
const RETURN_MARGIN_MS = 1_000;

export interface Capacity {
  /** Targets one invocation can probe in its round. */
  targets: number;
  /** Which resource bounds it, with the numbers (for `vigil validate --json`, the README, logs). */
  limitedBy: 'concurrency' | 'cpu' | 'memory';
  budgetMs: number;
}

/** `targets`: how many the whole config has (each worker loads all of them before probing its own). */
export function shardCapacity(probe: VigilConfig['probe'], targets = 0): Capacity {
  const cpuShare = PROBE_MEMORY_MB / LAMBDA_MB_PER_VCPU;
  const loadMs = Math.ceil((targets * MEASURED.configMsPerTarget) / cpuShare);
  const budgetMs =
    probeTimeoutSeconds(probe.schedule) * 1000 -
    PUBLISH_RESERVE_MS -
    SQS_START_ALLOWANCE_MS -
    RETURN_MARGIN_MS -
    loadMs;
  const slotMs = SLOW_TARGET_SHARE * probe.timeout + (1 - SLOW_TARGET_SHARE) * HEALTHY_PROBE_MS;
  const bySlots = Math.floor((budgetMs * probe.concurrency) / slotMs);
  const byCpu = Math.floor((budgetMs * cpuShare) / MEASURED.cpuMsPerTarget);
  const byMemory = Math.floor(
    (PROBE_MEMORY_MB * MEMORY_HEADROOM - MEASURED.baseRssMb) / MEASURED.rssMbPerTarget,
  );
  const limits = [
    ['concurrency', bySlots],
    ['cpu', byCpu],
    ['memory', byMemory],
  ] as const;
  const [limitedBy, fit] = limits.reduce((least, each) => (each[1] < least[1] ? each : least));
  return { targets: Math.max(1, fit), limitedBy, budgetMs };
}
