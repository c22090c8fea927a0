/**
 * One worker per shard at a time. A worker takes its shard's lease before probing: an object next to the shard's
 * rate state, written with the state store's conditional write (S3 `If-Match` / `If-None-Match: *`, a lock and
 * compare locally). A second worker for the same shard (an overrunning round meeting the next one, or SQS
 * delivering a message twice) finds it held, or loses the write race, and skips; a round already done for the
 * shard is a duplicate and skips too. A lease expires at its holder's deadline plus LEASE_GRACE_MS, so a worker
 * that died holding it (timeout, out of memory) never blocks its shard beyond that round.
 */
import type { StateObjects } from '../state/types';

/** After its holder's deadline: publishing and returning take a little longer than the deadline itself. */
export const LEASE_GRACE_MS = 5_000;

export interface Lease {
  round: string;
  holder: string;
  /** Epoch ms after which the lease is free whatever its state. */
  until: number;
  state: 'running' | 'done';
}

export type Acquired =
  | { acquired: true }
  | { acquired: false; why: 'held' | 'duplicate' | 'lost-race'; lease?: Lease };

export function leaseKey(prefix: string, shard: string): string {
  return `${prefix}leases/${shard}.json`;
}

function decode(body: Buffer): Lease | undefined {
  try {
    const lease = JSON.parse(body.toString('utf8')) as Partial<Lease>;
    if (
      typeof lease.round === 'string' &&
      typeof lease.holder === 'string' &&
      typeof lease.until === 'number'
    )
      return {
        round: lease.round,
        holder: lease.holder,
        until: lease.until,
        state: lease.state === 'done' ? 'done' : 'running',
      };
  } catch {
    // An unreadable lease is no lease: the write replaces it (and still loses any race).
  }
  return undefined;
}

const encode = (lease: Lease) => Buffer.from(JSON.stringify(lease));

export async function acquireLease(
  objects: StateObjects,
  key: string,
  wanted: { round: string; holder: string; until: number; now: number },
): Promise<Acquired> {
  const found = await objects.get(key);
  const current = found ? decode(found.body) : undefined;
  if (current && current.round === wanted.round && current.state === 'done')
    return { acquired: false, why: 'duplicate', lease: current };
  if (current && current.state === 'running' && current.until > wanted.now)
    return { acquired: false, why: current.round === wanted.round ? 'duplicate' : 'held', lease: current };
  const written = await objects.put(
    key,
    encode({ round: wanted.round, holder: wanted.holder, until: wanted.until, state: 'running' }),
    found ? found.version : { exists: false },
  );
  return written === 'written' ? { acquired: true } : { acquired: false, why: 'lost-race' };
}

/** Marks the round done for the shard, if the lease is still this holder's (an expired one may be another's). */
export async function releaseLease(
  objects: StateObjects,
  key: string,
  held: { round: string; holder: string; now: number },
): Promise<boolean> {
  const found = await objects.get(key);
  const current = found ? decode(found.body) : undefined;
  if (!found || !current || current.holder !== held.holder || current.round !== held.round) return false;
  // Kept until the round could still be redelivered: a duplicate then finds it done.
  const lease: Lease = { ...current, state: 'done', until: Math.max(current.until, held.now) };
  return (await objects.put(key, encode(lease), found.version)) === 'written';
}
