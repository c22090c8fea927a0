/**
 * The local state store (`vigil dev`, `vigil webhook serve`): one SQLite file through Node's built-in node:sqlite.
 * Why SQLite and not a JSON Lines journal like the metric store: the state is read-modify-written per alert by
 * several writers (the intake server, the sweep timer, a second `vigil webhook serve` on the same directory), and
 * SQLite gives exactly the conditional write this needs across processes (BEGIN IMMEDIATE takes the write lock,
 * WAL lets readers go on meanwhile), survives a crash mid-write, and costs no dependency: node:sqlite ships with
 * Node 24 without the experimental warning of Node 22. A journal would need its own lock and compaction to get
 * the same guarantees. Measured in bench/webhook.ts (state lookups per notification).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ABSENT, type AlertStateStore, firstVersion, parsedValues, type StoredItem } from './item-store';

export const DEFAULT_ALERT_STATE_FILE = '.vigil/alert-state.db';
/** How long a writer waits for another process's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

interface Row {
  key: string;
  value?: string;
  version: number;
  expires_at: number | null;
}

/** Opens (creating if needed) the store at `file`; ':memory:' for a private in-memory one. */
export function sqliteStateStore(
  file: string = DEFAULT_ALERT_STATE_FILE,
  now: () => number = Date.now,
): AlertStateStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  db.exec(`PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS items (
      partition TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
      version INTEGER NOT NULL, expires_at INTEGER,
      PRIMARY KEY (partition, key)
    ) WITHOUT ROWID;`);
  const select = db.prepare(
    'SELECT key, value, version, expires_at FROM items WHERE partition = ? AND key = ?',
  );
  // Listing reads keys and versions only; a value is read when the cache of parsed values lacks its version.
  const selectAll = db.prepare('SELECT key, version, expires_at FROM items WHERE partition = ? ORDER BY key');
  const selectValue = db.prepare('SELECT value FROM items WHERE partition = ? AND key = ?');
  const upsert = db.prepare(
    `INSERT INTO items (partition, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (partition, key) DO UPDATE SET value = excluded.value, version = excluded.version,
       expires_at = excluded.expires_at`,
  );
  const remove = db.prepare('DELETE FROM items WHERE partition = ? AND key = ? AND version = ?');
  const live = (row: Row, at: number) => row.expires_at === null || row.expires_at * 1000 > at;
  const values = parsedValues();
  const item = <T>(partition: string, row: Row): StoredItem<T> => ({
    key: row.key,
    value: values.parse<T>(
      partition,
      row.key,
      row.version,
      row.value ?? (() => (selectValue.get(partition, row.key) as { value: string }).value),
    ),
    version: row.version,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
  });
  // Read-compare-write inside one write transaction: no other process can write in between.
  const transaction = <R>(work: () => R): R => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };
  let open = true;

  return {
    description: `SQLite file ${file}`,
    async get<T>(partition: string, key: string) {
      const row = select.get(partition, key) as Row | undefined;
      return row && live(row, now()) ? item<T>(partition, row) : undefined;
    },
    async put<T>(partition: string, key: string, value: T, expectedVersion: number, expiresAt?: number) {
      const text = JSON.stringify(value);
      return transaction(() => {
        const row = select.get(partition, key) as Row | undefined;
        const current = row === undefined ? undefined : live(row, now()) ? row.version : ABSENT;
        const matches =
          expectedVersion === ABSENT
            ? current === undefined || current === ABSENT
            : current === expectedVersion;
        if (!matches) return undefined;
        // An expired item keeps counting up, so a stale writer holding its old version can never match.
        const version = row === undefined ? firstVersion() : row.version + 1;
        upsert.run(partition, key, text, version, expiresAt ?? null);
        return version;
      });
    },
    async delete(partition, key, expectedVersion) {
      values.forget(partition, key);
      return Number(remove.run(partition, key, expectedVersion).changes) > 0;
    },
    async list<T>(partition: string) {
      // One read transaction: the values read on a cache miss belong to the versions just listed.
      db.exec('BEGIN');
      try {
        const at = now();
        const items: StoredItem<T>[] = [];
        for (const row of selectAll.all(partition) as unknown as Row[])
          if (live(row, at)) items.push(item<T>(partition, row));
        return items;
      } finally {
        db.exec('COMMIT');
      }
    },
    async close() {
      if (open) db.close();
      open = false;
    },
  };
}
