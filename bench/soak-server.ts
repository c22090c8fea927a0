/**
 * The soak's server process (bench/soak.ts): the same startWebhookServer as `vigil webhook serve`, console channel
 * written to nowhere (as a pipe nobody reads fast), state and dead letters in a temp dir. Bench-only: on the
 * parent's IPC "measure" it runs a full GC (node --expose-gc) and answers with memoryUsage, so a leak (heap that
 * grows after GC) can be told from an allocator that keeps freed pages (RSS that grows while the heap does not).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../functions/config/load';
import { fileDeadLetterStore } from '../functions/deadletter/file';
import { startWebhookServer } from '../functions/intake/server';
import { sqliteStateStore } from '../functions/state/sqlite';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-soak-'));
  const config = parseConfig(`webhook: { token: soak-token }
alerts: { groupWait: 0 }
routes:
  - channels: [console]
`);
  const server = await startWebhookServer({
    config,
    deadLetters: fileDeadLetterStore(join(dir, 'dead-letters.jsonl')),
    state: sqliteStateStore(join(dir, 'state.db')),
    port: 0,
    write: () => undefined,
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message) => {
    if (message !== 'measure') return;
    gc?.();
    gc?.();
    process.send?.({ memory: process.memoryUsage() });
  });
  process.send?.({ url: server.url });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
