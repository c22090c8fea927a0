/**
 * Local dead-letter store (`vigil webhook serve`, `vigil dev`, `vigil notify test`, and whenever no queue is
 * configured): an append-only journal, .vigil/dead-letters.jsonl, safe with several processes writing and replaying
 * at once. Every change is an appended line under a lock file — a letter, a claim (`{"op":"claim"}`: a replayer
 * holds the letter for a while, as SQS's visibility timeout does) or a removal (`{"op":"remove"}`) — so an append is
 * never lost to a concurrent rewrite, and two replayers never send one letter twice. The journal is compacted
 * (rewritten with the live letters only, then renamed over) under the same lock, when most of it is dead.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DeadLetter, type DeadLetterStore, parseDeadLetter, type StoredLetter } from './types';

export const DEFAULT_DEAD_LETTER_FILE = '.vigil/dead-letters.jsonl';
/** How long a replayer holds the letters it listed (SQS's visibility timeout in the queue store). */
export const FILE_CLAIM_MS = 120_000;
/** A lock older than this belongs to a process that died holding it. */
export const LOCK_STALE_MS = 30_000;
/** Give up waiting for the lock after this long (another process is stuck, not slow). */
export const LOCK_TIMEOUT_MS = 20_000;
/** Compact once the journal holds this many lines more than live letters. */
export const COMPACT_MIN_DEAD_LINES = 1_000;

interface Entry {
  letter: DeadLetter;
  claimUntil?: number;
  claimBy?: string;
}

interface Journal {
  entries: Map<string, Entry>;
  lines: number;
  /** Lines that are neither a letter nor an op: kept through compaction for a person to look at. */
  unreadable: string[];
}

type Op = { op: 'claim'; id: string; until: number; by: string } | { op: 'remove'; id: string };

function parseLine(line: string): DeadLetter | Op | undefined {
  const letter = parseDeadLetter(line);
  if (letter) return letter;
  try {
    const value = JSON.parse(line) as Partial<Op>;
    if (value.op === 'remove' && typeof value.id === 'string') return { op: 'remove', id: value.id };
    if (
      value.op === 'claim' &&
      typeof value.id === 'string' &&
      typeof value.until === 'number' &&
      typeof value.by === 'string'
    )
      return { op: 'claim', id: value.id, until: value.until, by: value.by };
  } catch {
    // a torn last line (a crash mid-append): skipped
  }
  return undefined;
}

/** Handles carry the claim's owner, so a replayer only removes what it holds. */
function handleOf(id: string, by: string): string {
  return `${by}:${id}`;
}
function idOf(handle: string): string {
  const colon = handle.indexOf(':');
  return colon < 0 ? handle : handle.slice(colon + 1);
}

/** The journal replayed: live letters with their claims, line count, unreadable lines. Reading needs no lock. */
async function readJournal(file: string): Promise<Journal> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { entries: new Map(), lines: 0, unreadable: [] };
    throw error;
  }
  const entries = new Map<string, Entry>();
  const unreadable: string[] = [];
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    const item = parseLine(line);
    if (!item) {
      unreadable.push(line);
      continue;
    }
    if ('op' in item) {
      if (item.op === 'remove') entries.delete(item.id);
      else {
        const entry = entries.get(item.id);
        if (entry) entries.set(item.id, { ...entry, claimUntil: item.until, claimBy: item.by });
      }
    } else entries.set(item.id, { letter: item });
  }
  return { entries, lines, unreadable };
}

/** A letter as it stands, for a reader that sends nothing (the `vigil dev` page): `claimedUntil` while a replayer holds it. */
export interface PeekedLetter {
  letter: DeadLetter;
  claimedUntil?: number;
}

/**
 * The live letters, oldest first, without claiming them: `list` claims what it returns (a replayer's visibility
 * timeout), so a page that looked would hold letters back from `vigil replay` for FILE_CLAIM_MS.
 */
export async function peekDeadLetters(file: string, now: () => number = Date.now): Promise<PeekedLetter[]> {
  const at = now();
  return [...(await readJournal(file)).entries.values()].map(({ letter, claimUntil }) =>
    claimUntil !== undefined && claimUntil > at ? { letter, claimedUntil: claimUntil } : { letter },
  );
}

export function fileDeadLetterStore(
  file: string = DEFAULT_DEAD_LETTER_FILE,
  now: () => number = Date.now,
): DeadLetterStore {
  const lockFile = `${file}.lock`;
  const owner = randomUUID();

  // One operation at a time in this process (the lock file serialises processes).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task, task);
    queue = next.catch(() => undefined);
    return next;
  };

  async function lock(): Promise<() => Promise<void>> {
    await mkdir(dirname(file), { recursive: true });
    const token = `${process.pid}:${randomUUID()}`;
    const until = Date.now() + LOCK_TIMEOUT_MS;
    for (let wait = 1; ; wait = Math.min(wait * 2, 25)) {
      try {
        const handle = await open(lockFile, 'wx');
        await handle.writeFile(token);
        await handle.close();
        return async () => {
          // Only our own lock: a stale-lock breaker may have replaced it.
          const held = await readFile(lockFile, 'utf8').catch(() => '');
          if (held === token) await unlink(lockFile).catch(() => undefined);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const age = await stat(lockFile).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await unlink(lockFile).catch(() => undefined);
      else if (Date.now() > until)
        throw new Error(`${lockFile}: held by another process for over ${LOCK_TIMEOUT_MS} ms`);
      else await sleep(wait);
    }
  }

  const locked = <T>(task: () => Promise<T>): Promise<T> =>
    serial(async () => {
      const release = await lock();
      try {
        return await task();
      } finally {
        await release();
      }
    });

  const read = () => readJournal(file);

  const append = (items: readonly (DeadLetter | Op)[]) =>
    items.length === 0
      ? Promise.resolve()
      : appendFile(file, items.map((item) => `${JSON.stringify(item)}\n`).join(''));

  /** Rewrites the journal with the live letters and their claims (under the lock: nobody appends meanwhile). */
  async function compactIfDead(journal: Journal): Promise<void> {
    const deadLines = journal.lines - journal.entries.size - journal.unreadable.length;
    if (deadLines < COMPACT_MIN_DEAD_LINES || deadLines < journal.entries.size) return;
    const lines: string[] = [...journal.unreadable];
    const at = now();
    for (const { letter, claimUntil, claimBy } of journal.entries.values()) {
      lines.push(JSON.stringify(letter));
      if (claimUntil !== undefined && claimBy !== undefined && claimUntil > at)
        lines.push(JSON.stringify({ op: 'claim', id: letter.id, until: claimUntil, by: claimBy }));
    }
    const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temp, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    await rename(temp, file);
  }

  return {
    description: `file ${file}`,
    put: (letters) => (letters.length === 0 ? Promise.resolve() : locked(() => append(letters))),
    list: (max) =>
      locked(async () => {
        const journal = await read();
        const at = now();
        const free = [...journal.entries.values()]
          .filter((entry) => entry.claimUntil === undefined || entry.claimUntil <= at)
          .slice(0, max);
        await append(
          free.map(({ letter }) => ({ op: 'claim', id: letter.id, until: at + FILE_CLAIM_MS, by: owner })),
        );
        return free.map(({ letter }): StoredLetter => ({ letter, handle: handleOf(letter.id, owner) }));
      }),
    remove: (handles) =>
      locked(async () => {
        await append(handles.map((handle) => ({ op: 'remove', id: idOf(handle) })));
        await compactIfDead(await read());
      }),
    requeue: (stored, letter) =>
      locked(async () => {
        // The removal first: a letter requeued under its own id comes back, unclaimed, with replays + 1.
        await append([{ op: 'remove', id: idOf(stored.handle) }, letter]);
      }),
  };
}
