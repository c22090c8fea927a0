/**
 * Dead letters survive concurrency: two processes append to the journal (as `vigil webhook serve` does) while two
 * other processes replay it (as `vigil replay --file` does). Every letter is delivered exactly once: nothing lost
 * (the bug this replaces lost 22,330 letters to a replay's rewrite), nothing doubled.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_CLAIM_MS, fileDeadLetterStore } from '../../functions/deadletter/file';

const TSX = join(__dirname, '../../node_modules/.bin/tsx');
const WORKER = join(__dirname, '../helpers/dead-letter-worker.ts');
const PER_WRITER = 600;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`worker ${args[0]} exited ${code}: ${err}`)),
    );
  });
}

describe('file dead letters under concurrent writers and replayers', () => {
  it('delivers every letter exactly once while two processes write and two replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-dlq-race-'));
    const file = join(dir, 'dead-letters.jsonl');
    const done = join(dir, 'writers.done');
    const replayers = [run(['replay', file, done]), run(['replay', file, done])];
    await Promise.all([
      run(['write', file, String(PER_WRITER), 'a']),
      run(['write', file, String(PER_WRITER), 'b']),
    ]);
    writeFileSync(done, '');
    const delivered = (await Promise.all(replayers)).flatMap((out) => out.split('\n').filter(Boolean));

    const expected = ['a', 'b'].flatMap((prefix) =>
      Array.from({ length: PER_WRITER }, (_, i) => `${prefix}-${i}`),
    );
    const counts = new Map<string, number>();
    for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(expected.filter((id) => !counts.has(id))).toEqual([]);
    expect([...counts].filter(([, count]) => count > 1)).toEqual([]);
    expect(delivered).toHaveLength(expected.length);
    // And the journal is empty: every letter was removed after its delivery.
    expect(await fileDeadLetterStore(file, () => Date.now() + FILE_CLAIM_MS + 1).list(10_000)).toEqual([]);
  }, 120_000);
});
