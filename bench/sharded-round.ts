/**
 * The sharded path as deployed, on this machine: 10,000 loopback HTTP targets, 10% of them hanging until their
 * timeout (10 s, the default), planned by the planner and worked by one child process per shard (the bundled
 * worker, as Lambda runs the bundle: worker-main.ts), publishing to the loopback CloudWatch fake through the real
 * SDK. Reports the round's wall time against the schedule's bound, CPU per target, peak RSS per worker, and the
 * figures capacity.ts plans with; then the same 10,000 targets in one invocation, for contrast.
 *
 * Standalone: `npx tsx bench/sharded-round.ts` prints the markdown section.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../functions/config/load';
import { MEASURED, shardCapacity } from '../functions/probing/fanout/capacity';
import { childProcessDispatch, type ProcessOutcome } from '../functions/probing/fanout/local';
import { planRound } from '../functions/probing/fanout/planner';
import { probeTimeoutSeconds } from '../functions/probing/timing';
import { setFakeAwsEnv } from '../test/fakes/aws';
import { startFakeCloudWatch } from '../test/fakes/cloudwatch';
import { bundleLikeLambda } from './bundle';
import { type BenchSection, runAlone } from './types';

const TARGETS = 10_000;
const HANGING_EVERY = 10;
const TIMEOUT = '10s';

/**
 * Healthy paths answer at once; /hang/* never answers (the probe's timeout ends it). In a child process, so the
 * targets' side neither competes with the bench's event loop nor counts as the workers' CPU.
 */
async function serve(): Promise<{ url: string; close: () => Promise<void> }> {
  const source = `const http = require('node:http');
const server = http.createServer((req, res) => { if (req.url.startsWith('/hang/')) return; res.end('ok'); });
server.listen(0, '127.0.0.1', 4096, () => process.stdout.write(server.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (data) => resolve(Number(String(data).trim()))),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      child.kill();
    },
  };
}

function configYaml(url: string, targets: number, shardSize?: number): string {
  const lines = Array.from({ length: targets }, (_, i) =>
    i % HANGING_EVERY === HANGING_EVERY - 1
      ? `  - { name: t${i}, url: "${url}/hang/${i}" }`
      : `  - { name: t${i}, url: "${url}/ok/${i}" }`,
  );
  return `namespace: VigilBench\nprobe: { timeout: ${TIMEOUT}${shardSize ? `, shardSize: ${shardSize}` : ''} }\ntargets:\n${lines.join('\n')}\n`;
}

interface RoundFigures {
  shards: number;
  wallMs: number;
  outcomes: ProcessOutcome[];
}

async function round(
  url: string,
  worker: string,
  targets: number,
  shardSize?: number,
): Promise<RoundFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-shards-'));
  const file = join(dir, 'vigil.yml');
  const yaml = configYaml(url, targets, shardSize);
  writeFileSync(file, yaml);
  const started = performance.now();
  const { messages } = planRound(parseConfig(yaml), Date.now());
  const outcomes: ProcessOutcome[] = [];
  const report = await childProcessDispatch({
    entry: worker,
    config: file,
    env: { ...process.env, VIGIL_STATE_DIR: dir, VIGIL_PROBE_NAME: 'vigil-bench-probe' },
    onOutcome: (outcome) => outcomes.push(outcome),
  })(messages);
  if (report.failed.length > 0) throw new Error(`workers failed: ${JSON.stringify(report.failed)}`);
  return { shards: messages.length, wallMs: performance.now() - started, outcomes };
}

const mb = (kb: number) => kb / 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function run(): Promise<BenchSection> {
  const server = await serve();
  const cloudwatch = await startFakeCloudWatch();
  const restore = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url });
  try {
    const worker = bundleLikeLambda(join(__dirname, '../functions/probing/fanout/worker-main.ts'));
    // Base RSS of a worker: one target.
    const base = await round(server.url, worker, 1);
    const sharded = await round(server.url, worker, TARGETS);
    // Today's single invocation, for contrast: every target in one worker, cut off by the same deadline.
    const single = await round(server.url, worker, TARGETS, TARGETS);
    const config = parseConfig(`probe: { timeout: ${TIMEOUT} }`);
    const capacity = shardCapacity(config.probe, TARGETS);
    const boundS = probeTimeoutSeconds(config.probe.schedule);

    const results = (figures: RoundFigures) =>
      figures.outcomes.flatMap((outcome) => (outcome.status === 'probed' ? outcome.cycle.round.results : []));
    const describe = (figures: RoundFigures) => {
      const all = results(figures);
      const hanging = all.filter((result) => /^t\d*9$/.test(result.target));
      const healthy = all.filter((result) => !/^t\d*9$/.test(result.target));
      const cpu = figures.outcomes.reduce((sum, outcome) => sum + outcome.process.cpuMs, 0);
      const rss = figures.outcomes.map((outcome) => mb(outcome.process.maxRssKb));
      return {
        probed: all.filter((result) => result.reason !== 'deadline').length,
        notProbed: all.filter((result) => result.reason === 'deadline').length,
        falseFailures: healthy.filter((result) => !result.success && result.reason !== 'deadline').length,
        hangingTimedOut: hanging.filter((result) => result.reason === 'timeout').length,
        cpuPerTarget: cpu / Math.max(1, all.filter((result) => result.reason !== 'deadline').length),
        maxRss: Math.max(...rss),
        medianRss: median(rss),
        targetsPerShard: Math.max(
          ...figures.outcomes.map((o) => (o.status === 'probed' ? o.cycle.round.results.length : 0)),
        ),
      };
    };
    const s = describe(sharded);
    const one = describe(single);
    const baseRss = mb(base.outcomes[0]?.process.maxRssKb ?? 0);
    const slowest = sharded.outcomes.reduce(
      (worst, outcome) => {
        const probeMs = outcome.status === 'probed' ? outcome.cycle.round.durationMs : 0;
        return probeMs > worst.probeMs ? { probeMs, wallMs: outcome.process.wallMs } : worst;
      },
      { probeMs: 0, wallMs: 0 },
    );
    const rssPerTarget = (s.maxRss - baseRss) / s.targetsPerShard;
    const row = (name: string, figures: RoundFigures, d: typeof s) =>
      `| ${name} | ${figures.shards} | ${d.targetsPerShard} | ${(figures.wallMs / 1000).toFixed(1)} s | ${((figures.wallMs / 1000 / boundS) * 100).toFixed(0)}% | ${d.probed} | ${d.notProbed} | ${d.falseFailures} | ${d.hangingTimedOut} | ${d.cpuPerTarget.toFixed(3)} ms | ${d.medianRss.toFixed(0)} / ${d.maxRss.toFixed(0)} MB |`;
    const markdown = [
      `${TARGETS.toLocaleString('en')} loopback HTTP targets, every ${HANGING_EVERY}th hanging until its ${TIMEOUT} timeout, \`probe.concurrency\` 50, a 1-minute schedule (the round must end within the Lambda's ${boundS} s). The planner plans the round; each shard runs in its own process from the esbuild bundle of the worker (as Lambda runs it), all at once on this machine's ${'2'} cores, publishing through the real SDK to the loopback CloudWatch fake. CPU is each worker process's user + system time (\`process.resourceUsage()\`), summed and divided by the targets it probed; RSS is each worker's peak. Node ${process.version}.`,
      '',
      '| path | invocations | targets per invocation | round wall | of the bound | probed | not probed (deadline) | healthy targets failed | hanging → timeout | CPU per target | peak RSS per worker (median / max) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('sharded (planned)', sharded, s),
      row('one invocation', single, one),
      '',
      `Planning figures (functions/probing/fanout/capacity.ts) against this run: CPU ${s.cpuPerTarget.toFixed(3)} ms per target (plans with ${MEASURED.cpuMsPerTarget}), RSS ${rssPerTarget.toFixed(3)} MB per target over a ${baseRss.toFixed(0)} MB worker (plans with ${MEASURED.rssMbPerTarget} over ${MEASURED.baseRssMb}). Capacity at the defaults for ${TARGETS.toLocaleString('en')} targets: ${capacity.targets} per invocation, bound by ${capacity.limitedBy} (budget ${(capacity.budgetMs / 1000).toFixed(1)} s). Slowest worker: ${(slowest.probeMs / 1000).toFixed(1)} s probing, ${(slowest.wallMs / 1000).toFixed(1)} s in all (start, config load, publish); on 2 shared cores the ${sharded.shards} workers contend, on Lambda each has its own CPU share.`,
    ].join('\n');
    return { title: 'Sharded round: 10,000 targets per minute', markdown };
  } finally {
    restore();
    await cloudwatch.close();
    await server.close();
  }
}

runAlone(module, run);
