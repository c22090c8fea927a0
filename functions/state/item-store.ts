/**
 * The alert state every webhook invocation, the sweep and the local server share: a small item store whose only
 * write is conditional (compare-and-set on a version), so concurrent invocations never overwrite each other and
 * dedup needs no lock. Three implementations behind this one interface: DynamoDB in AWS (dynamodb.ts), node:sqlite
 * for `vigil dev` / `vigil webhook serve` (sqlite.ts), and dynalite in tests (DynamoDB's own conditional semantics
 * on loopback, through dynamodb.ts).
 *
 * Items live in partitions, each a family of records: `alert` (one per alert fingerprint, state/alerts.ts), `budget`
 * (one per chat robot, state/budgets.ts); a later `silence` partition fits the same shape. Values are plain JSON.
 */

/** One item, as read. */
export interface StoredItem<T> {
  key: string;
  value: T;
  /** Set at creation (firstVersion) and grown by one with every write; the condition of the next write. */
  version: number;
  /** Epoch seconds after which the item counts as absent (DynamoDB's TTL attribute deletes it later). */
  expiresAt?: number;
}

/** `expectedVersion` meaning "the item must not exist (or has expired)". */
export const ABSENT = 0;

/**
 * The first version of a newly created item: microseconds of the wall clock plus a random part, so an item deleted
 * and created again never repeats a version an earlier reader (or a cache of parsed values) still holds.
 */
export function firstVersion(): number {
  return Date.now() * 1000 + Math.floor(Math.random() * 1000);
}

export interface AlertStateStore {
  /** For logs and CLI output: a table name or a file path, never a credential. */
  readonly description: string;
  get<T>(partition: string, key: string): Promise<StoredItem<T> | undefined>;
  /**
   * Writes `value` only if the item is at `expectedVersion` (ABSENT: missing or expired). Resolves to the new
   * version, or undefined when another writer got there first (re-read and decide again).
   */
  put<T>(
    partition: string,
    key: string,
    value: T,
    expectedVersion: number,
    expiresAt?: number,
  ): Promise<number | undefined>;
  /** Deletes the item only if it is at `expectedVersion`; false on a conflict. */
  delete(partition: string, key: string, expectedVersion: number): Promise<boolean>;
  /** Every live (unexpired) item of a partition, in key order. */
  list<T>(partition: string): Promise<StoredItem<T>[]>;
  close(): Promise<void>;
}

/** Conflicts in a row before `update` gives up: only a storm of writers to one item gets there. */
export const UPDATE_MAX_CONFLICTS = 20;

export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

/**
 * Read → decide → conditional write, again on a conflict. `decide` returns the new value (and its expiry), or
 * undefined to leave the item alone; it may run several times and must be pure. Resolves to what was written
 * (undefined when nothing was).
 */
export async function update<T>(
  store: AlertStateStore,
  partition: string,
  key: string,
  decide: (current: StoredItem<T> | undefined) => { value: T; expiresAt?: number } | undefined,
): Promise<StoredItem<T> | undefined> {
  for (let conflicts = 0; conflicts < UPDATE_MAX_CONFLICTS; conflicts++) {
    const current = await store.get<T>(partition, key);
    const next = decide(current);
    if (next === undefined) return undefined;
    const version = await store.put(partition, key, next.value, current?.version ?? ABSENT, next.expiresAt);
    if (version !== undefined) return { key, value: next.value, version, ...optionalExpiry(next.expiresAt) };
  }
  throw new StateConflictError(
    `${store.description}: ${partition}/${key} changed ${UPDATE_MAX_CONFLICTS} times while being updated`,
  );
}

function optionalExpiry(expiresAt: number | undefined): { expiresAt?: number } {
  return expiresAt === undefined ? {} : { expiresAt };
}

/** Epoch seconds `ms` after `nowMs`: the expiry attribute's unit (DynamoDB TTL). */
export function expiryAfter(nowMs: number, ms: number): number {
  return Math.ceil((nowMs + ms) / 1000);
}

/**
 * Parsed values by partition, key and version, so that listing a partition again parses only what changed since
 * (every flush lists the active records). The values are shared between reads: callers never mutate them.
 */
export function parsedValues() {
  const cache = new Map<string, { version: number; value: unknown }>();
  return {
    /** `text` is a string, or how to read it when the cache does not hold this version. */
    parse<T>(partition: string, key: string, version: number, text: string | (() => string)): T {
      const id = `${partition}\u0000${key}`;
      const hit = cache.get(id);
      if (hit?.version === version) return hit.value as T;
      const value = JSON.parse(typeof text === 'string' ? text : text()) as T;
      cache.set(id, { version, value });
      return value;
    },
    forget(partition: string, key: string): void {
      cache.delete(`${partition}\u0000${key}`);
    },
  };
}
