/** Running real peer binaries (Alertmanager, exporters) on loopback for tests and benches, always cleaned up. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free loopback port (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Peer {
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `binary` and resolves once `readyUrl` answers 200; fails with the peer's own output otherwise. */
export async function startPeer(
  binary: string,
  args: string[],
  readyUrl: string,
  timeoutMs = 15_000,
): Promise<Peer> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // The SIGKILL fallback must not outlive a clean exit (it would hold the test process open).
      const fallback = new AbortController();
      await Promise.race([
        exited,
        sleep(5_000, undefined, { signal: fallback.signal }).then(
          () => child.kill('SIGKILL'),
          () => undefined,
        ),
      ]);
      fallback.abort();
    }
  };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(readyUrl);
      if (response.ok) return { process: child, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`${binary} was not ready within ${timeoutMs} ms:\n${output}`);
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => T | undefined,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Debian's prometheus-alertmanager on a free loopback port with `config` (YAML or JSON text), its storage in a
 * fresh directory, no gossip port; resolves once it is ready.
 */
export async function startAlertmanager(config: string): Promise<Peer & { url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const peer = await startPeer(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no gossip port: loopback only
    ],
    `${url}/-/ready`,
  );
  return { ...peer, url };
}
