/**
 * A separate process working on a dead-letter journal, for the concurrency test (test/integration/dead-letters.test.ts):
 *   write FILE COUNT PREFIX   puts COUNT letters one by one (as `vigil webhook serve` does on each failure)
 *   replay FILE DONE_FILE     replays (list → "deliver" → remove) until DONE_FILE exists and nothing is left,
 *                             printing the id of every letter it delivered, one per line
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { DEAD_LETTER_VERSION, type DeadLetter } from '../../functions/deadletter/types';

function letter(id: string): DeadLetter {
  return {
    version: DEAD_LETTER_VERSION,
    id,
    at: new Date().toISOString(),
    channel: 'ops',
    channelType: 'webhook',
    alerts: [
      {
        status: 'firing',
        name: id,
        severity: 'critical',
        summary: `${id} ${'x'.repeat(200)}`,
        labels: { alertname: id },
        annotations: {},
        startsAt: new Date().toISOString(),
        links: [],
        source: 'generic',
        fingerprint: id,
      },
    ],
    error: { reason: 'server-error', message: 'HTTP 503' },
    attempts: 5,
    replays: 0,
  };
}

async function main(): Promise<void> {
  const [mode, file, arg, prefix] = process.argv.slice(2);
  if (!file || !arg) throw new Error('usage: write FILE COUNT PREFIX | replay FILE DONE_FILE');
  const store = fileDeadLetterStore(file);
  if (mode === 'write') {
    for (let i = 0; i < Number(arg); i++) await store.put([letter(`${prefix}-${i}`)]);
    return;
  }
  for (;;) {
    const stored = await store.list(25);
    for (const entry of stored) {
      process.stdout.write(`${entry.letter.id}\n`);
      await store.remove([entry.handle]);
    }
    if (stored.length === 0) {
      if (existsSync(arg)) {
        // One last look: the writers finished before DONE_FILE appeared.
        const rest = await store.list(1_000_000);
        for (const entry of rest) {
          process.stdout.write(`${entry.letter.id}\n`);
          await store.remove([entry.handle]);
        }
        if (rest.length === 0) return;
      }
      await sleep(5);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
