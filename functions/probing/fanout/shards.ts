/**
 * Targets → shards, deterministically from the config: one shard when they all fit one invocation (the
 * single-invocation path, no queue), otherwise as few shards as keep each within capacity. A target's shard
 * comes from a jump consistent hash of its name (Lamping & Veach 2014): while the shard count stays, adding or
 * removing a target moves no other; when it grows by one, only the targets the new shard takes move. Its rate
 * state (probing/state/) is kept per shard, so this is what keeps a target's history.
 */
import { createHash } from 'node:crypto';
import type { VigilConfig } from '../../config/schema';
import { WHOLE_ROUND_SHARD } from '../round-state';
import { type Capacity, shardCapacity } from './capacity';

/** Jump hash assigns by chance: a shard may get more than its share, so add shards until none is over. */
const MAX_REBALANCE_STEPS = 64;

export interface Shard {
  /** State and lease key: `shard-<index>`, or WHOLE_ROUND_SHARD. */
  id: string;
  index: number;
  /** Target names, in config order. */
  targets: string[];
}

export interface ShardPlan {
  capacity: Capacity & { configured: boolean };
  shards: Shard[];
  /** Changes whenever any target's shard would: a worker with another plan says so. */
  fingerprint: string;
}

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1n;
  let j = 0n;
  let k = key;
  const mask = (1n << 64n) - 1n;
  while (j < BigInt(buckets)) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & mask;
    j = BigInt(Math.floor(((Number(b) + 1) * 2 ** 31) / Number((k >> 33n) + 1n)));
  }
  return Number(b);
}

/** The 64-bit key a name is hashed to (shards here, alarm chunks in alarms/self/). */
export function targetKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigUInt64BE(0);
}

export function planShards(config: Pick<VigilConfig, 'probe' | 'targets'>): ShardPlan {
  const measured = shardCapacity(config.probe, config.targets.length);
  const size = config.probe.shardSize ?? measured.targets;
  const capacity = { ...measured, targets: size, configured: config.probe.shardSize !== undefined };
  const names = config.targets.map((target) => target.name);
  let count = Math.max(1, Math.ceil(names.length / size));
  const keys = names.map(targetKey);
  let buckets = assign(keys, count);
  for (let step = 0; step < MAX_REBALANCE_STEPS && buckets.some((bucket) => bucket.length > size); step++) {
    count++;
    buckets = assign(keys, count);
  }
  const shards = buckets.map((indexes, index) => ({
    id: shardId(index, count),
    index,
    targets: indexes.map((i) => names[i] as string),
  }));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(shards.map((shard) => shard.targets)))
    .digest('hex')
    .slice(0, 16);
  return { capacity, shards, fingerprint };
}

function shardId(index: number, count: number): string {
  return count === 1 ? WHOLE_ROUND_SHARD : `shard-${index}`;
}

/** The id of the shard a target is in when there are `count` shards (what planShards gives it). */
export function shardOf(target: string, count: number): string {
  return shardId(count === 1 ? 0 : jumpHash(targetKey(target), count), count);
}

function assign(keys: readonly bigint[], count: number): number[][] {
  const buckets: number[][] = Array.from({ length: count }, () => []);
  keys.forEach((key, index) => {
    buckets[count === 1 ? 0 : jumpHash(key, count)]?.push(index);
  });
  return buckets;
}
