/**
 * The one StateStore, over any StateObjects (a file locally, S3 in Lambda): decoding, the report of an unreadable
 * object, and the compare-and-swap loop of `update`. The loser of a race re-reads the winner's state and applies
 * its change again (the change only appends samples after each series' last one, so nothing is lost twice or
 * invented); after STATE_WRITE_ATTEMPTS lost races it gives up and says so — the round's samples are then missing
 * from the history, which shortens the next windows and never invents data.
 */
import { decodeState, encodeState, StateDecodeError } from './codec';
import {
  emptyState,
  type ShardState,
  type StateObjects,
  type StateSnapshot,
  type StateStore,
  type UpdateReport,
} from './types';

/** Enough for a few overlapping rounds; each lost race costs one GET and one PUT more. */
export const STATE_WRITE_ATTEMPTS = 4;

/** Key of a shard's object: `<prefix><shard>.json.gz`. Shard ids are chosen by the probe (`round`, or `shard-<i>` for a fanned-out round: fanout/shards.ts). */
export function stateKey(prefix: string, shard: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(shard))
    throw new RangeError(`bad state shard id ${JSON.stringify(shard)}`);
  return `${prefix}${shard}.json.gz`;
}

export function createStateStore(objects: StateObjects, prefix = ''): StateStore {
  const read = async (shard: string): Promise<StateSnapshot> => {
    const key = stateKey(prefix, shard);
    const found = await objects.get(key);
    if (found === undefined)
      return { state: emptyState(), version: { exists: false }, bytes: 0, problems: [] };
    try {
      return {
        state: decodeState(found.body),
        version: found.version,
        bytes: found.body.length,
        problems: [],
      };
    } catch (error) {
      if (!(error instanceof StateDecodeError)) throw error;
      // Keep the version: the next write replaces the unreadable object (and loses a race like any other).
      return {
        state: emptyState(),
        version: found.version,
        bytes: found.body.length,
        problems: [
          `${objects.describe(key)} is unreadable (${error.message}); starting from an empty history`,
        ],
      };
    }
  };

  const update = async (
    shard: string,
    change: (current: ShardState) => ShardState,
    basis?: StateSnapshot,
  ): Promise<UpdateReport> => {
    const key = stateKey(prefix, shard);
    const problems: string[] = [];
    let snapshot = basis ?? (await read(shard));
    let bytes = 0;
    for (let attempt = 1; attempt <= STATE_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        snapshot = await read(shard);
        problems.push(...snapshot.problems);
      }
      const body = encodeState(change(snapshot.state));
      bytes = body.length;
      if ((await objects.put(key, body, snapshot.version)) === 'written') {
        return { written: true, attempts: attempt, bytes, problems };
      }
    }
    problems.push(
      `${objects.describe(key)}: other rounds wrote it ${STATE_WRITE_ATTEMPTS} times while this one tried; this round's samples were not kept`,
    );
    return { written: false, attempts: STATE_WRITE_ATTEMPTS, bytes, problems };
  };

  return { read, update };
}
