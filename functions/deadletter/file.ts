/**
 * Local dead-letter store: one JSON line per letter in .vigil/dead-letters.jsonl (used by `vigil webhook serve`,
 * `vigil dev` and whenever no queue is configured). Append-only writes; removal rewrites the file atomically.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type DeadLetter, type DeadLetterStore, parseDeadLetter, type StoredLetter } from './types';

export const DEFAULT_DEAD_LETTER_FILE = '.vigil/dead-letters.jsonl';

export function fileDeadLetterStore(file: string = DEFAULT_DEAD_LETTER_FILE): DeadLetterStore {
  // Serialize rewrites against appends within this process.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task, task);
    queue = next.catch(() => undefined);
    return next;
  };

  async function readAll(): Promise<{ line: string; letter: DeadLetter | undefined }[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => ({ line, letter: parseDeadLetter(line) }));
  }

  async function rewrite(
    keep: (letter: DeadLetter | undefined) => boolean,
    extra: readonly DeadLetter[] = [],
  ) {
    const lines = (await readAll()).filter(({ letter }) => keep(letter)).map(({ line }) => line);
    for (const letter of extra) lines.push(JSON.stringify(letter));
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    await rename(temp, file);
  }

  return {
    description: `file ${file}`,
    put: (letters) =>
      serial(async () => {
        if (letters.length === 0) return;
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, letters.map((letter) => `${JSON.stringify(letter)}\n`).join(''));
      }),
    list: (max) =>
      serial(async () =>
        (await readAll())
          .flatMap(({ letter }) => (letter ? [{ letter, handle: letter.id }] : []))
          .slice(0, max),
      ),
    remove: (handles) =>
      serial(async () => {
        const gone = new Set(handles);
        await rewrite((letter) => !letter || !gone.has(letter.id));
      }),
    requeue: (stored: StoredLetter, letter: DeadLetter) =>
      serial(async () => {
        await rewrite((existing) => !existing || existing.id !== stored.handle, [letter]);
      }),
  };
}
