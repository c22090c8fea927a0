/**
 * State objects as files under a directory (`vigil probe`, `vigil dev`, tests): the same conditional write as S3's
 * `If-Match`, made safe across processes with a lock file created exclusively (O_EXCL) around compare-and-rename.
 * The version is a hash of the file's bytes; the write is a temporary file renamed over the old one, so a reader
 * sees the old or the new object, never half of one. A lock left by a crashed process is broken after
 * STALE_LOCK_MS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StateObjects, StateVersion } from './types';

/** A write takes milliseconds; a lock this old belongs to a process that died holding it. */
const STALE_LOCK_MS = 10_000;
/** How long a writer waits for another's lock before reporting a conflict (and re-reading). */
const LOCK_WAIT_MS = 5_000;
const LOCK_RETRY_MS = 10;

function versionOf(body: Buffer): StateVersion & { exists: true } {
  return { exists: true, token: createHash('sha256').update(body).digest('hex') };
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Takes `${path}.lock`; resolves with its release, or undefined when it stayed taken for LOCK_WAIT_MS. */
async function lock(path: string): Promise<(() => Promise<void>) | undefined> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await stat(lockPath).catch(() => undefined);
    if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
  }
}

export function fileStateObjects(directory: string): StateObjects {
  const pathOf = (key: string) => join(directory, key);
  return {
    describe: pathOf,
    async get(key) {
      const body = await readIfExists(pathOf(key));
      return body === undefined ? undefined : { body, version: versionOf(body) };
    },
    async put(key, body, expected) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const release = await lock(path);
      if (release === undefined) return 'conflict';
      try {
        const current = await readIfExists(path);
        const matches = expected.exists
          ? current !== undefined && versionOf(current).token === expected.token
          : current === undefined;
        if (!matches) return 'conflict';
        const temporary = `${path}.${randomUUID()}.tmp`;
        await writeFile(temporary, body);
        await rename(temporary, path);
        return 'written';
      } finally {
        await release();
      }
    },
  };
}
