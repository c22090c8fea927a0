/**
 * Soak of `vigil webhook serve`'s server at steady load: ROUNDS identical rounds of POSTS Alertmanager posts each
 * (the same alerts every round: after the first, every post is a duplicate the state answers without sending), in a
 * child process. After each round: RSS, and the heap after a full GC. A heap that stays flat while RSS rises is the
 * allocator keeping pages, not a leak. Standalone: `npx tsx bench/soak.ts`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BenchSection, runAlone } from './types';

const ROUNDS = 4;
const POSTS = 2000;
const CONCURRENCY = 20;
const ALERTS_PER_POST = 5;
const MB = 1024 * 1024;

function body(seq: number): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="Soak${seq % 200}"}`,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: `Soak${seq % 200}` },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: Array.from({ length: ALERTS_PER_POST }, (_, i) => ({
      status: 'firing',
      labels: { alertname: `Soak${seq % 200}`, severity: 'warning', instance: `host-${i}` },
      annotations: { summary: `host-${i} is slow ${'x'.repeat(200)}` },
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `${(seq % 200).toString(16)}-${i}`,
    })),
  });
}

type Message = { url?: string; memory?: NodeJS.MemoryUsage };

function next(child: ChildProcess, want: keyof Message): Promise<Message> {
  return new Promise((resolve) => {
    const onMessage = (message: Message) => {
      if (message[want] === undefined) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
}

export async function run(): Promise<BenchSection> {
  const child = fork(join(__dirname, 'soak-server.ts'), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const { url } = await next(child, 'url');
    const measure = async () => {
      const waiting = next(child, 'memory');
      child.send('measure');
      return (await waiting).memory!;
    };
    const rows: string[] = [];
    const start = await measure();
    rows.push(`| start | – | – | ${(start.rss / MB).toFixed(0)} | ${(start.heapUsed / MB).toFixed(1)} |`);
    for (let round = 1; round <= ROUNDS; round++) {
      let sent = 0;
      let failures = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < POSTS) {
            const seq = sent++;
            const response = await fetch(`${url}/alerts`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: 'Bearer soak-token' },
              body: body(seq),
            });
            await response.arrayBuffer();
            if (response.status !== 200) failures++;
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const memory = await measure();
      rows.push(
        `| ${round} | ${(POSTS / seconds).toFixed(0)} | ${failures} | ${(memory.rss / MB).toFixed(0)} | ${(memory.heapUsed / MB).toFixed(1)} |`,
      );
    }
    return {
      title: 'Soak: vigil webhook serve at steady load',
      markdown: `${ROUNDS} identical rounds of ${POSTS} Alertmanager posts (${ALERTS_PER_POST} alerts each, ${CONCURRENCY} in flight) to the server of \`vigil webhook serve\` in its own process (SQLite state: after round 1 every post is a duplicate). Memory after each round, the heap measured after a full GC.

| round | posts/s | failures | RSS MB | heap after GC MB |
|---:|---:|---:|---:|---:|
${rows.join('\n')}`,
    };
  } finally {
    child.kill();
  }
}

runAlone(module, run);
