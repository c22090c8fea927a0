/**
 * The sharded path end to end on loopback: the planner and workers as Lambda runs them (the probe handler with the
 * real SQS and CloudWatch SDKs against the loopback fakes), in this process (vigil dev), and in child processes
 * (the bench); and the guarantees: every target probed once per round, a failed shard costs only itself, a shard
 * is never worked twice at once (an overrunning round and the next one; a message delivered twice).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { parseConfig } from '../../functions/config/load';
import type { VigilConfig } from '../../functions/config/schema';
import type { Datum } from '../../functions/metrics/datums';
import type { Publisher } from '../../functions/probing/cycle';
import { acquireLease, leaseKey } from '../../functions/probing/fanout/lease';
import {
  childProcessDispatch,
  inProcessDispatch,
  type ProcessOutcome,
} from '../../functions/probing/fanout/local';
import { planRound } from '../../functions/probing/fanout/planner';
import { runShard, type ShardMessage, type WorkerDeps } from '../../functions/probing/fanout/worker';
import { WHOLE_ROUND_SHARD } from '../../functions/probing/round-state';
import { STATE_BUCKET_ENV, STATE_PREFIX, stateObjects, stateStore } from '../../functions/probing/state';
import type { StateObjects } from '../../functions/probing/state/types';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { type FakeS3, startFakeS3 } from '../fakes/s3';
import { type FakeSqs, startFakeSqs } from '../fakes/sqs';
import { hangBeforeHeaders, respond, startHttpServer, type TestServer } from '../helpers/servers';

const TARGETS = 9;
const SHARD_SIZE = 3;
let healthy: TestServer;
let hanging: TestServer;

beforeAll(async () => {
  healthy = await startHttpServer(respond(200, 'ok'));
  hanging = await startHttpServer(hangBeforeHeaders());
});
afterAll(async () => {
  await healthy.close();
  await hanging.close();
});

/** Nine targets, the last hanging to its timeout, three per shard. */
function yaml(extra = ''): string {
  const targets = Array.from({ length: TARGETS }, (_, i) => {
    const url = i === TARGETS - 1 ? `${hanging.url}/hang` : `${healthy.url}/t${i}`;
    return `  - { name: t${i}, url: "${url}" }`;
  });
  return `namespace: VigilFanout\nprobe: { timeout: 300ms, shardSize: ${SHARD_SIZE}${extra} }\ntargets:\n${targets.join('\n')}\n`;
}

function collector(): { publisher: Publisher; datums: Datum[] } {
  const datums: Datum[] = [];
  return {
    datums,
    publisher: async (_namespace, batch) => {
      datums.push(...batch);
      return { requests: 1, sent: batch.length, viaEmf: 0, fallback: [], failed: [] };
    },
  };
}

function localDeps(
  config: VigilConfig,
  dir: string,
  publisher: Publisher,
  holder = 'local',
): (m: ShardMessage) => WorkerDeps {
  return (message) => ({
    config,
    leases: stateObjects({}, dir),
    holder: `${holder}-${message.shard}`,
    deadline: Date.now() + 30_000,
    publisher,
    heartbeat: { probe: 'vigil-test-probe' },
  });
}

const probed = (datums: readonly Datum[]) =>
  datums
    .filter((datum) => datum.MetricName === 'ProbeSuccess')
    .map((datum) => datum.Dimensions.find((d) => d.Name === 'Target')?.Value)
    .sort();

describe('sharded round, workers in this process (vigil dev)', () => {
  it('probes every target exactly once, one heartbeat per shard at the round time, the hang costing only itself', async () => {
    const config = parseConfig(yaml());
    const { datums, publisher } = collector();
    const at = Date.now();
    const { plan, messages } = planRound(config, at);
    expect(plan.shards.length).toBeGreaterThanOrEqual(TARGETS / SHARD_SIZE);

    const report = await inProcessDispatch(
      localDeps(config, mkdtempSync(join(tmpdir(), 'vigil-fanout-')), publisher),
    )(messages);

    expect(report.failed).toEqual([]);
    expect(report.outcomes?.map((outcome) => outcome.status)).toEqual(messages.map(() => 'probed'));
    expect(probed(datums)).toEqual(Array.from({ length: TARGETS }, (_, i) => `t${i}`).sort());
    const beats = datums.filter((datum) => datum.MetricName === 'ProbeHeartbeat');
    expect(beats).toHaveLength(messages.length);
    expect(new Set(beats.map((beat) => beat.Timestamp.getTime()))).toEqual(new Set([at]));
    const down = datums.filter((datum) => datum.MetricName === 'ProbeSuccess' && datum.Value === 0);
    expect(down.map((datum) => datum.Dimensions[0]?.Value)).toEqual([`t${TARGETS - 1}`]);
  });

  it('runs a shard once when an overrunning round meets the next: the second worker skips, held', async () => {
    const config = parseConfig(yaml());
    const dir = mkdtempSync(join(tmpdir(), 'vigil-overlap-'));
    const { datums, publisher } = collector();
    const first = planRound(config, Date.now()).messages[0]!;
    const next = { ...first, round: new Date(Date.parse(first.round) + 1).toISOString() };
    const before = healthy.requests.length + hanging.requests.length;

    const [a, b] = await Promise.all([
      runShard(first, localDeps(config, dir, publisher, 'slow')(first)),
      runShard(next, localDeps(config, dir, publisher, 'next')(next)),
    ]);

    expect([a.status, b.status].sort()).toEqual(['probed', 'skipped']);
    const skipped = [a, b].find((outcome) => outcome.status === 'skipped');
    expect(skipped).toMatchObject({ why: expect.stringMatching(/^(held|lost-race)$/) });
    const shardTargets = probed(datums);
    expect(healthy.requests.length + hanging.requests.length - before).toBe(shardTargets.length);
  });

  it('lets a failing worker fail its own shard only', async () => {
    const config = parseConfig(yaml());
    const { datums, publisher } = collector();
    const { messages } = planRound(config, Date.now());
    const dir = mkdtempSync(join(tmpdir(), 'vigil-broken-'));
    const broken: StateObjects = {
      describe: (key) => key,
      get: async () => {
        throw new Error('lease store unreachable');
      },
      put: async () => 'conflict',
    };
    const deps = (message: ShardMessage) => ({
      ...localDeps(config, dir, publisher)(message),
      ...(message.shard === 0 ? { leases: { objects: broken, prefix: '' } } : {}),
    });

    const report = await inProcessDispatch(deps)(messages);

    expect(report.failed).toEqual([{ shard: 0, error: 'lease store unreachable' }]);
    expect(report.outcomes).toHaveLength(messages.length - 1);
    const shard0 = planRound(config, Date.now()).plan.shards[0]!.targets;
    expect(probed(datums)).toEqual(
      Array.from({ length: TARGETS }, (_, i) => `t${i}`)
        .filter((name) => !shard0.includes(name))
        .sort(),
    );
  });

  it('skips a message for a round that already ended, probing nothing', async () => {
    const config = parseConfig(yaml());
    const { datums, publisher } = collector();
    const old = planRound(config, Date.now() - 120_000).messages[0]!;
    const outcome = await runShard(
      old,
      localDeps(config, mkdtempSync(join(tmpdir(), 'vigil-stale-')), publisher)(old),
    );
    expect(outcome).toMatchObject({ status: 'skipped', why: 'stale' });
    expect(datums).toEqual([]);
  });

  it("keeps each shard's rate state in its own object, holding its own targets only, and reads it back next round", async () => {
    // A counter that grows by 60 on every scrape of any target: each target's rate needs its own earlier sample.
    let scrapes = 0;
    const counter = await startHttpServer((_req, res) => {
      scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`http_requests_total ${scrapes * 60}\n`);
    });
    try {
      const targets = Array.from(
        { length: 6 },
        (_, i) =>
          `  - { name: p${i}, url: "${counter.url}/p${i}", type: prometheus, metrics: [{ name: Qps, query: "sum(rate(http_requests_total[5m]))" }] }`,
      );
      const config = parseConfig(
        `namespace: VigilFanout\nprobe: { timeout: 1s, shardSize: ${SHARD_SIZE} }\ntargets:\n${targets.join('\n')}\n`,
      );
      const dir = mkdtempSync(join(tmpdir(), 'vigil-shard-state-'));
      const store = stateStore({}, dir);
      const round = async () => {
        const { datums, publisher } = collector();
        const { plan, messages } = planRound(config, Date.now());
        const report = await inProcessDispatch((message) => ({
          ...localDeps(config, dir, publisher)(message),
          state: store,
        }))(messages);
        expect(report.outcomes?.map((outcome) => outcome.status)).toEqual(messages.map(() => 'probed'));
        return { plan, datums };
      };

      const first = await round();
      expect(first.plan.shards.length).toBeGreaterThan(1);
      // The first round has no history: no rate anywhere.
      expect(first.datums.filter((datum) => datum.MetricName === 'Qps')).toEqual([]);
      for (const shard of first.plan.shards) {
        const snapshot = await store.read(shard.id);
        expect(snapshot.version.exists).toBe(true);
        expect(Object.keys(snapshot.state.configHashes).sort()).toEqual([...shard.targets].sort());
        expect(Object.keys(snapshot.state.targets).sort()).toEqual([...shard.targets].sort());
      }
      // No whole-round object: every shard wrote its own.
      expect((await store.read(WHOLE_ROUND_SHARD)).version.exists).toBe(false);

      const second = await round();
      const rated = second.datums
        .filter((datum) => datum.MetricName === 'Qps')
        .map((datum) => datum.Dimensions.find((d) => d.Name === 'Target')?.Value)
        .sort();
      expect(rated).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    } finally {
      await counter.close();
    }
  });
});

describe('sharded round, workers in child processes (the bench)', () => {
  it('reports each shard with its process peak RSS and CPU', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-children-'));
    const file = join(dir, 'vigil.yml');
    writeFileSync(file, yaml());
    const config = parseConfig(yaml());
    const { messages } = planRound(config, Date.now());
    const cloudwatch = await startFakeCloudWatch();
    const restore = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url });
    try {
      const outcomes: ProcessOutcome[] = [];
      const report = await childProcessDispatch({
        entry: join(__dirname, '../../functions/probing/fanout/worker-main.ts'),
        config: file,
        execArgv: ['--require', 'tsx/cjs'],
        env: { ...process.env, VIGIL_STATE_DIR: dir },
        onOutcome: (outcome) => outcomes.push(outcome),
      })(messages.slice(0, 2));
      expect(report.failed).toEqual([]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['probed', 'probed']);
      for (const outcome of outcomes) {
        expect(outcome.process.maxRssKb).toBeGreaterThan(10_000);
        expect(outcome.process.cpuMs).toBeGreaterThan(0);
      }
      expect(cloudwatch.datums.filter((datum) => datum.MetricName === 'ProbeSuccess').length).toBe(
        outcomes.reduce(
          (sum, outcome) => sum + (outcome.status === 'probed' ? outcome.cycle.round.results.length : 0),
          0,
        ),
      );
    } finally {
      restore();
      await cloudwatch.close();
    }
  }, 60_000);
});

describe('sharded round in Lambda: Scheduler → planner → SQS → workers', () => {
  let sqs: FakeSqs;
  let cloudwatch: FakeCloudWatch;
  let restore: () => void;
  let handler: typeof import('../../functions/probe/handler').handler;
  const context = (id: string) =>
    ({
      functionName: 'vigil-dev-probe',
      awsRequestId: id,
      getRemainingTimeInMillis: () => 30_000,
    }) as unknown as Context;

  beforeAll(async () => {
    sqs = await startFakeSqs({ queues: ['vigil-dev-shards'] });
    cloudwatch = await startFakeCloudWatch();
    restore = setFakeAwsEnv({ SQS: sqs.url, CLOUDWATCH: cloudwatch.url });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-lambda-fanout-'));
    writeFileSync(join(dir, 'vigil.yml'), yaml());
    process.env.VIGIL_CONFIG = join(dir, 'vigil.yml');
    process.env.VIGIL_STATE_DIR = dir;
    process.env.VIGIL_SHARD_QUEUE_URL = sqs.queueUrl('vigil-dev-shards');
    ({ handler } = await import('../../functions/probe/handler'));
  });
  afterAll(async () => {
    restore();
    for (const name of ['VIGIL_CONFIG', 'VIGIL_STATE_DIR', 'VIGIL_SHARD_QUEUE_URL']) delete process.env[name];
    await sqs.close();
    await cloudwatch.close();
  });

  it('plans on the schedule, works each message once, and calls a redelivery a duplicate', async () => {
    const planned = (await handler({ source: 'aws.scheduler' }, context('plan'))) as {
      shards: number;
      dispatched: number;
    };
    expect(planned.dispatched).toBe(planned.shards);
    const bodies = sqs.queue('vigil-dev-shards').map((message) => message.Body);
    expect(bodies).toHaveLength(planned.shards);

    const event = (body: string, id: string): SQSEvent =>
      ({ Records: [{ messageId: id, body, eventSource: 'aws:sqs' }] }) as unknown as SQSEvent;
    const results = await Promise.all(
      bodies.map((body, i) => handler(event(body, `m${i}`), context(`w${i}`))),
    );
    const again = await handler(event(bodies[0]!, 'm0-again'), context('w0-again'));

    for (const result of results)
      expect(result).toMatchObject({ batchItemFailures: [], outcomes: [{ status: 'probed' }] });
    expect(again).toMatchObject({
      batchItemFailures: [],
      outcomes: [{ status: 'skipped', why: 'duplicate' }],
    });
    const success = cloudwatch.datums.filter((datum) => datum.MetricName === 'ProbeSuccess');
    expect(success).toHaveLength(TARGETS);
    expect(cloudwatch.datums.filter((datum) => datum.MetricName === 'ProbeHeartbeat')).toHaveLength(
      planned.shards,
    );
  });
});

describe('shard lease on S3 (conditional writes, real SDK)', () => {
  let s3: FakeS3;
  let restore: () => void;
  beforeAll(async () => {
    s3 = await startFakeS3(['state']);
    restore = setFakeAwsEnv({ S3: s3.url });
  });
  afterAll(async () => {
    restore();
    await s3.close();
  });

  it('gives a shard to exactly one of several concurrent workers', async () => {
    const { objects, prefix } = stateObjects({ [STATE_BUCKET_ENV]: 'state' }, '/unused');
    expect(prefix).toBe(STATE_PREFIX);
    const key = leaseKey(prefix, 'shard-3');
    const round = new Date().toISOString();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        acquireLease(objects, key, { round, holder: `w${i}`, until: Date.now() + 60_000, now: Date.now() }),
      ),
    );
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
    expect([...s3.objects('state').keys()]).toEqual([`${STATE_PREFIX}leases/shard-3.json`]);
  });
});
