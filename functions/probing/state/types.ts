/**
 * What the probe keeps between rounds so range functions (`rate(x[5m])`) see earlier scrapes: per target and
 * series, the samples its windows need. One object per shard of targets (today the whole round is one shard).
 */

/** One sample: epoch milliseconds and value (the engine's `Sample`). */
export interface TimedSample {
  t: number;
  v: number;
  /** A staleness marker: the series was missing from a successful scrape, or the scrape failed. */
  stale?: boolean;
}

/** One series' recent samples, oldest first; `labels` includes `__name__`. */
export interface SeriesSamples {
  labels: Record<string, string>;
  samples: TimedSample[];
}

export interface TargetHistory {
  series: SeriesSamples[];
}

export interface ShardState {
  /** Epoch ms of the round that wrote it; 0 for an empty state (first round, or a replaced unreadable one). */
  writtenAt: number;
  /** Per target, the hash of its config when its series were recorded: a changed target starts over. */
  configHashes: Record<string, string>;
  targets: Record<string, TargetHistory>;
}

/** Opaque: what the store compares before writing (an S3 ETag, a hash of the file), absent for no object. */
export type StateVersion = { readonly exists: false } | { readonly exists: true; readonly token: string };

export interface StateSnapshot {
  state: ShardState;
  version: StateVersion;
  /** Encoded size of what was read (0 when there was nothing). */
  bytes: number;
  /** Non-fatal: an unreadable object (reported, then treated as empty and replaced on the next write). */
  problems: string[];
}

export interface UpdateReport {
  /** False when every attempt lost the race to other writers (the round's samples are then not kept). */
  written: boolean;
  /** Writes tried: 1 normally, more after lost races (each re-read the state and re-applied the change). */
  attempts: number;
  /** Encoded size of what was written. */
  bytes: number;
  problems: string[];
}

/**
 * The state of one shard, read at the start of a round and updated at its end. `update` applies `change` to the
 * latest state and writes it only if nobody wrote since that state was read (S3 `If-Match` / `If-None-Match: *`,
 * a lock and compare on a file); after a lost race it re-reads and re-applies `change`, so two overlapping rounds
 * both keep their samples and never corrupt the object. `change` must be a pure function of the state.
 */
export interface StateStore {
  read(shard: string): Promise<StateSnapshot>;
  update(
    shard: string,
    change: (current: ShardState) => ShardState,
    basis?: StateSnapshot,
  ): Promise<UpdateReport>;
}

/** Where a store keeps its bytes: one object per key, written only if its version is still the expected one. */
export interface StateObjects {
  get(key: string): Promise<{ body: Buffer; version: StateVersion & { exists: true } } | undefined>;
  /** `conflict` when the object's version is no longer `expected` (another writer came first). */
  put(key: string, body: Buffer, expected: StateVersion): Promise<'written' | 'conflict'>;
  /** How a key is named in messages: `s3://bucket/key`, a file path. */
  describe(key: string): string;
}

export function emptyState(): ShardState {
  return { writtenAt: 0, configHashes: {}, targets: {} };
}
