/**
 * What a month costs per 1,000 targets probed every minute from one location, in both alarm modes, from what
 * `vigil infra cost` computes (infra/cost.ts) with the example vigil.yml's targets copied to 1,000 — beside the
 * list prices of CloudWatch Synthetics and Checkly for the same 43.2 M checks. And the measurements the model
 * takes as constants, made again here so a drift shows: the CPU self-evaluation costs per alarm and round, the
 * bytes a chunk writes, the bytes the probe and the webhook log. Standalone: `npx tsx bench/cost.ts`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { selfEvaluator } from '../functions/alarms/self/round';
import { comparisonTable, usd } from '../functions/cli/commands/infra';
import { loadConfig } from '../functions/config/load';
import type { VigilConfig } from '../functions/config/schema';
import type { Datum } from '../functions/metrics/datums';
import type { AlertStateStore } from '../functions/state/item-store';
import { sqliteStateStore } from '../functions/state/sqlite';
import { REPO_ROOT } from '../infra/bundle';
import { compareModes, DEFAULT_COST_OPTIONS, MEASURED, scaledConfig } from '../infra/cost';
import { PRICES, priced } from '../infra/prices';
import { definitionsFor } from '../infra/resources';
import { setFakeAwsEnv } from '../test/fakes/aws';
import { startFakeCloudWatch } from '../test/fakes/cloudwatch';
import { reply, startFakeVendor } from '../test/fakes/vendors';
import { startHttpServer } from '../test/helpers/servers';
import { type BenchSection, runAlone } from './types';

const TARGETS = 1_000;
const ROUNDS_PER_MONTH = 43_200;
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const WARM_ROUNDS = 3;
const MEASURED_ROUNDS = 10;
const OPTIONS = { ...DEFAULT_COST_OPTIONS, stage: 'dev', region: 'us-east-1' };

/** Self-evaluation of `config`'s alarms over rounds of healthy samples: CPU per alarm and round, bytes per round. */
async function selfEvaluation(config: VigilConfig) {
  const store: AlertStateStore = sqliteStateStore(
    join(mkdtempSync(join(tmpdir(), 'vigil-bench-self-')), 'state.db'),
  );
  let now = T0;
  const evaluate = selfEvaluator(config, {
    store,
    publish: async () => undefined,
    stage: 'dev',
    region: 'us-east-1',
    account: '123456789012',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:vigil-dev-alerts',
    now: () => now,
  });
  const definitions = definitionsFor(config, OPTIONS);
  const targets = config.targets.map((target) => target.name);
  let cpu = 0;
  for (let round = 0; round < WARM_ROUNDS + MEASURED_ROUNDS; round++) {
    const at = new Date(T0 + round * MINUTE + 5_000);
    now = at.getTime() + 1_000;
    const datums: Datum[] = definitions.flatMap((definition) =>
      (definition.math?.queries.map((query) => query.metric) ?? [definition.metric]).map((metric) => ({
        MetricName: metric.metricName,
        Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Timestamp: at,
        Value: 1,
        Unit: 'Count' as const,
      })),
    );
    const started = process.cpuUsage();
    await evaluate({
      shard: 'round',
      shards: 1,
      targets,
      round: at,
      datums,
      holder: `r${round}`,
      claimUntil: now + 50_000,
    });
    const used = process.cpuUsage(started);
    if (round >= WARM_ROUNDS) cpu += (used.user + used.system) / 1000;
  }
  const bytes = (await store.list<unknown>('self-alarms:round')).reduce(
    (sum, item) => sum + JSON.stringify(item.value).length,
    0,
  );
  await store.close();
  return { alarms: definitions.length, cpuMsPerAlarm: cpu / MEASURED_ROUNDS / definitions.length, bytes };
}

/** Bytes written to stdout while `run` runs (Powertools logs there, as Lambda's log does). */
async function stdoutBytes(run: () => Promise<unknown>): Promise<number> {
  const write = process.stdout.write.bind(process.stdout);
  let bytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return bytes;
}

/** What a healthy round of 100 loopback targets logs, and one delivered state change through the webhook. */
async function logBytes() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-logs-'));
  const target = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok","goroutines":800}');
  });
  const cloudwatch = await startFakeCloudWatch();
  const vendor = await startFakeVendor(() => reply.text(200, 'ok'));
  const restore = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url });
  const file = join(dir, 'vigil.yml');
  const targets = Array.from(
    { length: 100 },
    (_, i) =>
      `  - { name: t${i}, type: json, url: "${target.url}/", metrics: [{ name: Goroutines, path: $.goroutines }] }`,
  );
  writeFileSync(
    file,
    `alerts: { groupWait: 0 }\nchannels:\n  hook: { type: webhook, url: "${vendor.origin}/hook" }\nroutes:\n  - channels: [hook]\ntargets:\n${targets.join('\n')}\n`,
  );
  Object.assign(process.env, {
    VIGIL_CONFIG: file,
    VIGIL_STATE_DIR: join(dir, 'state'),
    VIGIL_ALERT_STATE_FILE: join(dir, 'alert-state.db'),
  });
  const context = {
    functionName: 'vigil-dev-probe',
    awsRequestId: 'bench',
    getRemainingTimeInMillis: () => 50_000,
  } as unknown as Context;
  try {
    const { handler: probe } = await import('../functions/probe/handler');
    await stdoutBytes(() => probe({ source: 'aws.scheduler' }, context)); // the first round: a cold start
    const probeBytes = await stdoutBytes(() => probe({ source: 'aws.scheduler' }, context));
    const { handler: webhook } = await import('../functions/webhook/handler');
    const event = {
      version: '2.0',
      headers: {},
      body: '{"alerts":[{"labels":{"alertname":"Bench","severity":"critical"},"annotations":{"summary":"a page"}}]}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' } },
    };
    const webhookBytes = await stdoutBytes(() =>
      webhook(event, { ...context, functionName: 'vigil-dev-webhook' }),
    );
    return { probeBytes, webhookBytes };
  } finally {
    restore();
    await Promise.all([target.close(), cloudwatch.close(), vendor.close()]);
  }
}

/** Lambda writes START, END and REPORT per invocation (~330 bytes with the request id and the figures). */
const PLATFORM_LOG_BYTES = 330;

export async function run(): Promise<BenchSection> {
  const example = loadConfig(join(REPO_ROOT, 'vigil.yml'));
  const thousand = scaledConfig(example, TARGETS);
  const self = await selfEvaluation({ ...thousand, alarms: { ...thousand.alarms, mode: 'self' } });
  const logs = await logBytes();
  const [row] = compareModes(example, OPTIONS, [TARGETS]);
  if (!row) throw new Error('no comparison');
  const checks = TARGETS * ROUNDS_PER_MONTH;
  const synthetics = priced(PRICES.syntheticsCanaryRun, checks);
  const checkly = priced(PRICES.checklyApiCheckRun, checks);
  const ratio = (peer: number, ours: number) => `${Math.round(peer / ours).toLocaleString('en-US')}×`;
  return {
    title: 'Cost',
    markdown: `\`vigil infra cost\` (infra/cost.ts) for the example vigil.yml's targets copied to ${TARGETS.toLocaleString('en-US')}, probed every
minute from one location (us-east-1 list prices, no free tier, a 30-day month; probes of ${OPTIONS.latencyMs} ms, ${OPTIONS.alertsPerMonth}
state changes a month). Per month:

${comparisonTable([row])}

| For the same ${(checks / 1e6).toFixed(1)} M checks a month | per month | × vigil, self-evaluated, no per-target metrics |
| --- | --: | --: |
| CloudWatch Synthetics canaries ($${PRICES.syntheticsCanaryRun.usd} a run) | ${usd(synthetics)} | ${ratio(synthetics, row.lean.usd)} |
| Checkly API checks ($${PRICES.checklyApiCheckRun.usd} per 10,000 runs) | ${usd(checkly)} | ${ratio(checkly, row.lean.usd)} |
| vigil, CloudWatch alarms and every metric | ${usd(row.cloudwatch.usd)} | ${(row.cloudwatch.usd / row.lean.usd).toFixed(0)}× |

The model's measured inputs, measured again in this run (infra/cost.ts MEASURED holds the figures it uses):

| Input | this run | the model |
| --- | --: | --: |
| self-evaluation CPU per alarm and round (${self.alarms.toLocaleString('en-US')} alarms, SQLite store, one bench core) | ${self.cpuMsPerAlarm.toFixed(3)} ms | ${MEASURED.selfCpuMsPerAlarm} ms |
| alarm chunks written per round (${self.alarms.toLocaleString('en-US')} alarms) | ${Math.round(self.bytes / 1024)} KB | – |
| probe log per healthy invocation (100 targets) + Lambda's ${PLATFORM_LOG_BYTES} B | ${(logs.probeBytes + PLATFORM_LOG_BYTES).toLocaleString('en-US')} B | ${MEASURED.probeLogBytesPerInvocation.toLocaleString('en-US')} B |
| webhook log per delivered state change + Lambda's ${PLATFORM_LOG_BYTES} B | ${(logs.webhookBytes + PLATFORM_LOG_BYTES).toLocaleString('en-US')} B | ${MEASURED.webhookLogBytesPerChange.toLocaleString('en-US')} B |

Compute and requests for ${TARGETS.toLocaleString('en-US')} targets: ${usd(row.cloudwatch.computeUsd)} (CloudWatch alarms), ${usd(row.lean.computeUsd)} (self-evaluated): the issue's
goal is ≤ $5. The cheapest mode all-in: ${usd(row.lean.usd)} (goal ≤ $50).`,
  };
}

runAlone(module, run);
