/**
 * HTTP probe engine vs Prometheus' blackbox_exporter: 1000 probes of a loopback server that answers after 100 ms,
 * 100 at a time. Measures wall time against the latency bound, CPU per probe and peak RSS for vigil (keep-alive
 * and fresh connections) and blackbox_exporter (module http_2xx, a fresh connection per probe).
 *
 * The target server runs in a child process so its CPU is not counted as ours; blackbox_exporter's CPU is read
 * from /proc/<pid>/stat. Run standalone: `npx tsx bench/probe-engine.ts`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { httpProbe, type ProbeRequest } from '../functions/probing/http';
import { mapWithConcurrency } from '../functions/probing/pool';
import { type BenchSection, runAlone } from './types';

const PROBES = 1_000;
const CONCURRENCY = 100;
const SERVER_DELAY_MS = 100;
/** Every probe waits SERVER_DELAY_MS, CONCURRENCY at a time: no engine can finish faster than this. */
const LATENCY_BOUND_MS = (PROBES / CONCURRENCY) * SERVER_DELAY_MS;
/** One unmeasured round first, so JIT compilation and pool start-up are not billed to the measured rounds. */
const WARMUP_PROBES = PROBES;
/** Measured rounds per engine; the table shows the median round (by CPU), as run-to-run noise is ~10 %. */
const ROUNDS = 3;
const RSS_SAMPLE_MS = 10;
const PROBE_TIMEOUT_MS = 5_000;
const BLACKBOX_BIN = '/usr/bin/prometheus-blackbox-exporter';
const BLACKBOX_START_TIMEOUT_MS = 10_000;

/** The target: answers every request after SERVER_DELAY_MS, keeps connections alive, prints its port. */
const TARGET_SERVER_SOURCE = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  setTimeout(() => res.end('ok'), ${SERVER_DELAY_MS});
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', 1024, () => process.stdout.write(server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

interface RunStats {
  label: string;
  connections: string;
  wallMs: number;
  cpuMsPerProbe: number;
  peakRssBytes: number;
  failures: number;
}

export async function run(): Promise<BenchSection> {
  const target = await startTarget();
  try {
    const url = `http://127.0.0.1:${target.port}/`;
    const baselineRssBytes = process.memoryUsage.rss();
    const keepAlive = await measureVigil(url, 'keep-alive');
    const fresh = await measureVigil(url, 'fresh');
    const blackbox = existsSync(BLACKBOX_BIN) ? await measureBlackbox(url) : undefined;
    return {
      title: 'HTTP probe engine vs blackbox_exporter',
      markdown: render({ keepAlive, fresh, baselineRssBytes }, blackbox),
    };
  } finally {
    target.child.kill('SIGTERM');
  }
}

async function startTarget(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', TARGET_SERVER_SOURCE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`target server exited early (code ${code})`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  child.removeAllListeners('exit');
  return { child, port };
}

function probeRequest(url: string, agent: 'keep-alive' | 'fresh'): ProbeRequest {
  return {
    url,
    method: 'GET',
    headers: {},
    timeoutMs: PROBE_TIMEOUT_MS,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 10,
    followRedirects: true,
    allowLinkLocal: false,
    insecureSkipVerify: false,
    userAgent: 'vigil-bench',
    agent,
  };
}

async function measureVigil(url: string, agent: 'keep-alive' | 'fresh'): Promise<VigilResult> {
  const request = probeRequest(url, agent);
  const label = 'vigil `httpProbe`';
  const connections = agent === 'fresh' ? 'fresh per probe' : 'keep-alive';
  const probeAll = async (count: number): Promise<number> => {
    const outcomes = await mapWithConcurrency(Array.from({ length: count }), CONCURRENCY, () =>
      httpProbe(request),
    );
    return outcomes.filter((outcome) => !outcome.ok || outcome.status !== 200).length;
  };
  const cpu = (): number => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const warmup = await measureRound(label, connections, WARMUP_PROBES, probeAll, cpu, () =>
    process.memoryUsage.rss(),
  );
  const rounds: RunStats[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rounds.push(
      await measureRound(label, connections, PROBES, probeAll, cpu, () => process.memoryUsage.rss()),
    );
  }
  return { stats: median(rounds), warmupCpuMsPerProbe: warmup.cpuMsPerProbe };
}

interface VigilResult {
  stats: RunStats;
  /** The unmeasured first round: what a cold process (JIT, empty pool) pays. */
  warmupCpuMsPerProbe: number;
}

/** Runs `probeAll(count)` once, measuring wall time, CPU (via `cpuMs`) and peak RSS (via `rss`). */
async function measureRound(
  label: string,
  connections: string,
  count: number,
  probeAll: (count: number) => Promise<number>,
  cpuMs: () => number,
  rss: () => number,
): Promise<RunStats> {
  const sampler = sampleRss(rss);
  const cpuBefore = cpuMs();
  const started = performance.now();
  const failures = await probeAll(count);
  const wallMs = performance.now() - started;
  const cpuMsPerProbe = (cpuMs() - cpuBefore) / count;
  return { label, connections, wallMs, cpuMsPerProbe, peakRssBytes: sampler.stop(), failures };
}

function median(rounds: RunStats[]): RunStats {
  const sorted = [...rounds].sort((a, b) => a.cpuMsPerProbe - b.cpuMsPerProbe);
  return sorted[Math.floor(sorted.length / 2)] as RunStats;
}

/** Samples `read` every RSS_SAMPLE_MS until stopped; returns the peak seen. */
function sampleRss(read: () => number): { stop: () => number } {
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, RSS_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}

interface BlackboxResult {
  stats: RunStats;
  version: string;
}

async function measureBlackbox(targetUrl: string): Promise<BlackboxResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(
    config,
    [
      'modules:',
      '  http_2xx:',
      '    prober: http',
      `    timeout: ${PROBE_TIMEOUT_MS / 1000}s`,
      '    http:',
      '      preferred_ip_protocol: ip4',
      '      ip_protocol_fallback: false',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    BLACKBOX_BIN,
    [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('blackbox_exporter did not start');
    const base = `http://127.0.0.1:${port}`;
    await waitUntilHealthy(`${base}/-/healthy`);
    // Our side of the conversation uses keep-alive so that only blackbox's own probing opens connections.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const probeUrl = `${base}/probe?module=http_2xx&target=${encodeURIComponent(targetUrl)}`;
    const probeAll = async (count: number): Promise<number> => {
      const bodies = await mapWithConcurrency(Array.from({ length: count }), CONCURRENCY, () =>
        get(probeUrl, agent),
      );
      return bodies.filter((body) => !/^probe_success 1$/m.test(body)).length;
    };
    const label = 'blackbox_exporter `http_2xx`';
    await probeAll(WARMUP_PROBES);
    const rounds: RunStats[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push(
        await measureRound(
          label,
          'fresh per probe',
          PROBES,
          probeAll,
          () => cpuMsOf(pid),
          () => rssOf(pid),
        ),
      );
    }
    agent.destroy();
    return {
      version: execFileSync(BLACKBOX_BIN, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'unknown',
      stats: median(rounds),
    };
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function get(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function waitUntilHealthy(url: string): Promise<void> {
  const deadline = performance.now() + BLACKBOX_START_TIMEOUT_MS;
  const agent = new http.Agent();
  try {
    while (performance.now() < deadline) {
      if (
        await get(url, agent).then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    agent.destroy();
  }
  throw new Error(`blackbox_exporter not healthy after ${BLACKBOX_START_TIMEOUT_MS} ms`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const CLOCK_TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process in ms, from /proc/<pid>/stat (fields 14 and 15, after the `(comm)` field). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

interface VigilResults {
  keepAlive: VigilResult;
  fresh: VigilResult;
  baselineRssBytes: number;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function render(vigil: VigilResults, blackbox: BlackboxResult | undefined): string {
  const { keepAlive, fresh } = vigil;
  const rows = [keepAlive.stats, fresh.stats, ...(blackbox ? [blackbox.stats] : [])].map(
    (stats) =>
      `| ${stats.label} | ${stats.connections} | ${(stats.wallMs / 1000).toFixed(2)} s | ` +
      `${(stats.wallMs / LATENCY_BOUND_MS).toFixed(2)}× | ${stats.cpuMsPerProbe.toFixed(3)} ms | ` +
      `${mb(stats.peakRssBytes)} | ${stats.failures} |`,
  );
  const lines = [
    `${PROBES} HTTP probes of a loopback server (in a child process) that answers after ${SERVER_DELAY_MS} ms, ` +
      `${CONCURRENCY} at a time. Latency bound: ${PROBES}/${CONCURRENCY} × ${SERVER_DELAY_MS} ms = ` +
      `${(LATENCY_BOUND_MS / 1000).toFixed(1)} s. Each engine: one unmeasured warm-up round, then the median of ` +
      `${ROUNDS} measured rounds. Node ${process.version}, ${availableParallelism()} CPUs.`,
    '',
    '| engine | connections | wall | vs bound | CPU / probe | peak RSS | failures |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
  if (blackbox) {
    const peer = blackbox.stats.cpuMsPerProbe;
    lines.push(
      `CPU per probe, vigil/blackbox (lower is better): **${(fresh.stats.cpuMsPerProbe / peer).toFixed(2)}** with ` +
        'fresh connections (like for like: blackbox opens one per probe), ' +
        `${(keepAlive.stats.cpuMsPerProbe / peer).toFixed(2)} with keep-alive.`,
      '',
      `Peer: ${blackbox.version}. Its CPU is utime+stime from /proc/<pid>/stat and includes serving the /probe ` +
        'request and rendering its metrics, which is how it is used.',
    );
  } else {
    lines.push(
      `blackbox_exporter not measured: ${BLACKBOX_BIN} is not installed ` +
        '(`apt-get install prometheus-blackbox-exporter`).',
    );
  }
  lines.push(
    '',
    'vigil CPU is `process.cpuUsage()` of the probing process. A cold process pays more in its first round ' +
      `(JIT, empty pool): ${keepAlive.warmupCpuMsPerProbe.toFixed(3)} ms/probe with keep-alive. Peak RSS is ` +
      `sampled every ${RSS_SAMPLE_MS} ms and covers the whole process (vigil's was ${mb(vigil.baselineRssBytes)} ` +
      'before the first probe, mostly the runtime and the TypeScript loader).',
  );
  return lines.join('\n');
}

runAlone(module, run);
