/**
 * The monthly bill of a config, line by line (`vigil infra cost`): quantities from what vigil really deploys and
 * does — the generated template (alarms and the metrics each reads, dashboards), the shard plan, the PutMetricData
 * requests the probe's packing makes of a round's datums, the bytes a self-evaluated alarm chunk writes, the
 * metrics each kind publishes (metrics/catalog.ts) — priced with infra/prices.ts. What vigil cannot know (how long
 * targets take to answer, how many alerts a month, how often Lambda recycles a container) are options with
 * documented defaults. Pure: the README's cost figures are this function's output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { seriesOf } from '../functions/alarms/definitions';
import { deliveryChannels } from '../functions/alarms/health';
import { type AlarmChunk, advanceChunk } from '../functions/alarms/self/chunk';
import { chunkOf, chunksFor, SELF_ALARMS_PARTITION } from '../functions/alarms/self/round';
import type { TargetConfig, VigilConfig } from '../functions/config/schema';
import { standardMetricsOf } from '../functions/metrics/catalog';
import { type Datum, HEARTBEAT, TARGET_DIMENSION } from '../functions/metrics/datums';
import { packBatches } from '../functions/metrics/pack';
import { AGGREGATE_METRICS, isPublished } from '../functions/metrics/selection';
import { MEASURED as CAPACITY, HEALTHY_PROBE_MS } from '../functions/probing/fanout/capacity';
import { planShards } from '../functions/probing/fanout/shards';
import { REPO_ROOT } from './bundle';
import type { Json } from './cfn';
import { customMetricsUsd, FREE_TIERS, PRICES, type Price, priced } from './prices';
import { definitionsFor, resources } from './resources';

const MONTH_MS = 30 * 24 * 3_600_000;
const HOURS_PER_MONTH = 730;
const LAMBDA_MB_PER_VCPU = 1_769;
/** The sweep runs every minute (serverless.yml). */
const SWEEP_RUNS = MONTH_MS / 60_000;

/**
 * Measured, with where: bench/RESULTS.md ("Cold start and bundle size", "Cost") on the 2-core bench machine, 2026-12.
 * Init: a fresh process requiring the packaged handler (process wall time, Node's own start included), which is
 * what Lambda's INIT phase bills. Logs: bytes a healthy round (per shard) and a delivered state change print, plus
 * Lambda's START/END/REPORT lines (~330 bytes per invocation, from their documented format).
 */
export const MEASURED = {
  initMs: { probe: 115, webhook: 135, meta: 140, sweep: 140 },
  /** Self-evaluating a round's alarms (chunk.ts, SQLite): CPU per alarm on one bench core (0.026 ms measured). */
  selfCpuMsPerAlarm: 0.03,
  /** A healthy shard's round: "probe round done" (Powertools JSON, ~450 B) plus Lambda's platform lines. */
  probeLogBytesPerInvocation: 800,
  /** One delivered state change through the webhook (its log lines and Lambda's), to a webhook channel. */
  webhookLogBytesPerChange: 850,
  sweepLogBytesPerRun: 400,
  /** A webhook invocation beyond its group wait (state, one channel over the network); README "Alert state". */
  webhookWorkMs: 300,
  /** A sweep run with nothing due (one Query); README "Alert state". */
  sweepMs: 200,
} as const;
/** A probe invocation besides probing: config, lease and state requests to S3, publishing (round trips). */
const PROBE_OVERHEAD_MS = 150;
/** Self mode adds one Query and one conditional write per chunk (round trips, in parallel). */
const SELF_STORE_MS = 40;
/** GETs (and as many PUTs) a shard makes of S3 a round: its lease taken and released, its rate state read and written. */
const S3_REQUESTS_PER_SHARD_ROUND = 3;
/** Lambda's SQS event source: five long-polling pollers, each asking every 20 s (AWS Lambda developer guide). */
const SQS_POLLERS = 5;
const SQS_POLLS_PER_MINUTE = 3;
/** The alert state per delivered state change (README "Alert state", measured there). */
const ALERT_STATE_WRU_PER_CHANGE = 7;
const ALERT_STATE_RRU_PER_CHANGE = 8;

export interface CostOptions {
  stage: string;
  region: string;
  /** Scale the config's targets to this many (copies of them, in order). */
  targets?: number;
  /** State changes delivered a month (firing and resolved, every alarm). */
  alertsPerMonth: number;
  /** How long a probe takes (a healthy target over the internet). */
  latencyMs: number;
  /** Cold starts a day per container kept warm (Lambda recycles environments; AWS publishes no rate). */
  coldStartsPerDay: number;
  /** Series a metric with labels (a Prometheus `by`) has: each is a custom metric. */
  labelSeries: number;
}

export const DEFAULT_COST_OPTIONS: Omit<CostOptions, 'stage' | 'region'> = {
  alertsPerMonth: 100,
  latencyMs: HEALTHY_PROBE_MS,
  coldStartsPerDay: 24,
  labelSeries: 10,
};

export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  /** The arithmetic, for a person. */
  how: string;
  usd: number;
}

export interface CostChoice {
  /** What changes, in vigil.yml terms. */
  change: string;
  usd: number;
  /** Total with the change minus total as configured. */
  delta: number;
}

export interface CostReport {
  targets: number;
  shards: number;
  locations: number;
  mode: VigilConfig['alarms']['mode'];
  lines: CostLine[];
  usd: number;
  /** Lambda (init included), requests, Scheduler: the issue's "compute and requests". */
  computeUsd: number;
  choices: CostChoice[];
  assumptions: Record<string, string | number>;
  freeTiers: string;
  prices: Record<string, Price>;
}

/** The config with its targets copied (names suffixed) or cut to `count`. */
export function scaledConfig(config: VigilConfig, count: number): VigilConfig {
  if (config.targets.length === 0) throw new Error('the config has no targets to scale');
  const targets: TargetConfig[] = Array.from({ length: count }, (_, index) => {
    const base = config.targets[index % config.targets.length] as TargetConfig;
    const copy = Math.floor(index / config.targets.length);
    return copy === 0 ? base : { ...base, name: `${base.name}-${copy + 1}` };
  });
  return { ...config, targets };
}

/** Memory per function, as serverless.yml sets it. */
function memoryMb(): Record<'probe' | 'webhook' | 'meta' | 'sweep', number> {
  const functions = (
    parse(readFileSync(join(REPO_ROOT, 'serverless.yml'), 'utf8')) as {
      functions: Record<string, { memorySize: number }>;
    }
  ).functions;
  return {
    probe: functions.probe?.memorySize ?? 0,
    webhook: functions.webhook?.memorySize ?? 0,
    meta: functions.meta?.memorySize ?? 0,
    sweep: functions.sweep?.memorySize ?? 0,
  };
}

const fmt = (value: number) =>
  value >= 1_000_000
    ? `${(value / 1_000_000).toFixed(value >= 10_000_000 ? 0 : 1)} M`
    : value >= 10_000
      ? `${Math.round(value / 1000)} k`
      : value >= 100
        ? Math.round(value).toLocaleString('en-US')
        : String(Number(value.toPrecision(3)));

/** A round's datums for these targets as the probe makes them (healthy), before publish selection. */
function roundDatums(targets: readonly TargetConfig[], labelSeries: number, location?: string) {
  const at = new Date(0);
  const where = location === undefined ? [] : [{ Name: 'Location', Value: location }];
  const datums: Datum[] = [];
  for (const target of targets) {
    const dims = [{ Name: TARGET_DIMENSION, Value: target.name }];
    for (const name of standardMetricsOf(target))
      datums.push({
        MetricName: name,
        Dimensions: [...dims, ...where],
        Timestamp: at,
        Value: 123.456,
        Unit: 'Milliseconds',
      });
    for (const metric of target.metrics) {
      const series = definitionsSeries(target, metric, labelSeries);
      for (let i = 0; i < series; i++)
        datums.push({
          MetricName: metric.name,
          Dimensions: series === 1 ? dims : [...dims, { Name: 'label', Value: `value-${i}` }],
          Timestamp: at,
          Value: 123.456,
          Unit: metric.unit,
        });
    }
  }
  return datums;
}

/** Series one metric of a target publishes: one, or for a metric with labels (the kind says) the assumed count. */
function definitionsSeries(
  target: TargetConfig,
  metric: TargetConfig['metrics'][number],
  labelSeries: number,
): number {
  return seriesOf(target, metric) === 'all' ? labelSeries : 1;
}

/**
 * Bytes one target's alarms take in a chunk in steady state (every period of their range filled), from the real
 * encoding (alarms/self/chunk.ts); what a chunk item adds around them is counted once per chunk (CHUNK_ITEM_BYTES).
 */
function targetChunkBytes(config: VigilConfig, options: CostOptions, target: TargetConfig): number {
  const definitions = definitionsFor({ ...config, targets: [target] }, options);
  if (definitions.length === 0) return 0;
  const periodMs = (definitions[0]?.periodSeconds ?? 60) * 1000;
  const range = Math.max(...definitions.map((d) => d.evaluationPeriods)) + 2;
  let chunk: AlarmChunk | undefined;
  const start = Date.UTC(2026, 11, 1);
  for (let round = 0; round <= range; round++) {
    const at = start + round * periodMs;
    const samples = definitions.flatMap((definition) =>
      (definition.math?.queries.map((query) => query.metric) ?? [definition.metric]).map((metric) => ({
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: metric.dimensions,
        timestamp: at + 5_000,
        value: 1,
      })),
    );
    chunk = advanceChunk(chunk, {
      definitions,
      samples,
      at: at + periodMs,
      now: at + periodMs,
      holder: 'cost',
      claimUntil: 0,
      layout: start,
    }).chunk;
  }
  return JSON.stringify(chunk?.alarms ?? {}).length;
}

/** DynamoDB counts attribute names and values (state/dynamodb.ts: pk, sk, doc, ver, ttl) and the chunk's envelope. */
const CHUNK_ITEM_BYTES =
  'pkskdocverttl'.length + `${SELF_ALARMS_PARTITION}:shard-00`.length + 'chunk-00'.length + 16 + 60;

/** Every alarm in the template with how many metrics it reads (metric math: each; Metrics Insights: its series). */
function templateAlarms(template: ReturnType<typeof resources>, labelSeries: number): number[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
    .map((resource) => {
      const metrics = (resource.Properties as { Metrics?: Json[] }).Metrics;
      if (!metrics) return 1;
      const stats = metrics.filter(
        (query) => typeof query === 'object' && query !== null && 'MetricStat' in query,
      );
      return stats.length > 0 ? stats.length : labelSeries;
    });
}

export function estimateCost(config: VigilConfig, options: CostOptions): CostReport {
  const scaled = options.targets === undefined ? config : scaledConfig(config, options.targets);
  const report = bill(scaled, options);
  report.choices = choices(scaled, options, report.usd);
  return report;
}

function bill(config: VigilConfig, options: CostOptions): CostReport {
  const lines: CostLine[] = [];
  const add = (service: string, item: string, quantity: number, unit: string, price: Price, how: string) =>
    lines.push({ service, item, quantity, unit, how, usd: priced(price, quantity) });
  const memory = memoryMb();
  const rounds = MONTH_MS / config.probe.schedule;
  const locations = config.probe.locations ?? [undefined];
  const L = locations.length;
  const plan = planShards(config);
  const S = plan.shards.length;
  const self = config.alarms.mode === 'self';
  const targetsByName = new Map(config.targets.map((target) => [target.name, target]));
  const shardTargets = plan.shards.map((shard) =>
    shard.targets.map((name) => targetsByName.get(name) as TargetConfig),
  );
  const definitions = definitionsFor(config, options);
  const alarmsOf = new Map<string, number>();
  for (const definition of definitions)
    alarmsOf.set(definition.target, (alarmsOf.get(definition.target) ?? 0) + 1);

  // --- Lambda: the probe
  const probeGb = memory.probe / 1024;
  const cpuShare = memory.probe / LAMBDA_MB_PER_VCPU;
  const shardMs = shardTargets.map((targets) => {
    const alarms = self ? targets.reduce((sum, target) => sum + (alarmsOf.get(target.name) ?? 0), 0) : 0;
    const cpu = (targets.length * CAPACITY.cpuMsPerTarget + alarms * MEASURED.selfCpuMsPerAlarm) / cpuShare;
    const wait = (targets.length * options.latencyMs) / config.probe.concurrency;
    return Math.max(cpu, wait) + PROBE_OVERHEAD_MS + (self ? SELF_STORE_MS : 0);
  });
  const plannerMs =
    S > 1 ? (config.targets.length * CAPACITY.configMsPerTarget) / cpuShare + PROBE_OVERHEAD_MS : 0;
  const roundMs = shardMs.reduce((sum, ms) => sum + ms, 0) + plannerMs;
  const invocations = L * rounds * (S + (S > 1 ? 1 : 0));
  add(
    'Lambda',
    'probe compute',
    (L * rounds * roundMs * probeGb) / 1000,
    'GB-s',
    PRICES.lambdaGbSecond,
    `${fmt(L * rounds)} rounds × ${(roundMs / 1000).toFixed(2)} s (${S} shard${S === 1 ? '' : 's'}${S > 1 ? ' + planner' : ''}: the longer of ${CAPACITY.cpuMsPerTarget} ms CPU per target at ${cpuShare.toFixed(2)} vCPU and ${options.latencyMs} ms per target over ${config.probe.concurrency} slots, + ${PROBE_OVERHEAD_MS} ms${self ? ` + self-evaluation` : ''}) × ${probeGb} GB`,
  );
  const probeContainers = L * (S + (S > 1 ? 1 : 0));
  const probeColdStarts = probeContainers * options.coldStartsPerDay * 30;
  add(
    'Lambda',
    'probe init (billed since 2025-08)',
    (probeColdStarts * MEASURED.initMs.probe * probeGb) / 1000,
    'GB-s',
    PRICES.lambdaGbSecond,
    `${probeContainers} container${probeContainers === 1 ? '' : 's'} × ${options.coldStartsPerDay} cold starts a day × ${MEASURED.initMs.probe} ms × ${probeGb} GB`,
  );
  // --- Lambda: webhook (one invocation per state change), sweep (every minute)
  const webhookGb = memory.webhook / 1024;
  const changeMs = config.alerts.groupWait + MEASURED.webhookWorkMs;
  add(
    'Lambda',
    'webhook (per state change)',
    (options.alertsPerMonth * (changeMs + MEASURED.initMs.webhook) * webhookGb) / 1000,
    'GB-s',
    PRICES.lambdaGbSecond,
    `${fmt(options.alertsPerMonth)} state changes × (${(config.alerts.groupWait / 1000).toFixed(1)} s group wait + ${MEASURED.webhookWorkMs} ms + a cold start of ${MEASURED.initMs.webhook} ms) × ${webhookGb} GB`,
  );
  const sweepGb = memory.sweep / 1024;
  const sweepColdStarts = options.coldStartsPerDay * 30;
  add(
    'Lambda',
    'sweep',
    ((SWEEP_RUNS * MEASURED.sweepMs + sweepColdStarts * MEASURED.initMs.sweep) * sweepGb) / 1000,
    'GB-s',
    PRICES.lambdaGbSecond,
    `${fmt(SWEEP_RUNS)} runs × ${MEASURED.sweepMs} ms + ${sweepColdStarts} cold starts × ${MEASURED.initMs.sweep} ms, × ${sweepGb} GB`,
  );
  add(
    'Lambda',
    'requests',
    invocations + options.alertsPerMonth + SWEEP_RUNS,
    'requests',
    PRICES.lambdaRequest,
    `${fmt(invocations)} probe + ${fmt(options.alertsPerMonth)} webhook + ${fmt(SWEEP_RUNS)} sweep invocations`,
  );
  add(
    'EventBridge Scheduler',
    'probe and sweep schedules',
    L * rounds + SWEEP_RUNS,
    'invocations',
    PRICES.schedulerInvocation,
    `${fmt(L * rounds)} probe + ${fmt(SWEEP_RUNS)} sweep`,
  );
  const computeUsd = lines.reduce((sum, line) => sum + line.usd, 0);

  // --- Fan-out queue
  if (S > 1) {
    const minutes = MONTH_MS / 60_000;
    const requests =
      L * (SQS_POLLERS * SQS_POLLS_PER_MINUTE * minutes + rounds * (2 * S + Math.ceil(S / 10)));
    add(
      'SQS',
      'shard queue',
      requests,
      'requests',
      PRICES.sqsRequest,
      `${SQS_POLLERS} pollers × ${SQS_POLLS_PER_MINUTE}/min long-polling + per round ${S} receives, ${S} deletes, ${Math.ceil(S / 10)} batch sends${L > 1 ? `, × ${L} locations` : ''}`,
    );
  }
  // --- S3: per shard and round, the lease (fanout/lease.ts: a read and a conditional write to take it, the same
  // to release it) and the rate state (probing/state/: one read, one conditional write).
  const s3 = L * rounds * S * S3_REQUESTS_PER_SHARD_ROUND;
  const s3How = `${fmt(L * rounds)} rounds × ${S} shard${S === 1 ? '' : 's'} × ${S3_REQUESTS_PER_SHARD_ROUND} (lease 2, rate state 1)`;
  add('S3', 'leases and rate state: GET', s3, 'requests', PRICES.s3Get, s3How);
  add('S3', 'leases and rate state: PUT', s3, 'requests', PRICES.s3Put, s3How);

  // --- DynamoDB: the alert state (webhook, sweep) and, in self mode, the alarm chunks
  let wru = options.alertsPerMonth * ALERT_STATE_WRU_PER_CHANGE;
  let rru = options.alertsPerMonth * ALERT_STATE_RRU_PER_CHANGE + SWEEP_RUNS;
  let how = `${fmt(options.alertsPerMonth)} state changes × ${ALERT_STATE_WRU_PER_CHANGE} WRU`;
  let readHow = `${fmt(options.alertsPerMonth)} state changes × ${ALERT_STATE_RRU_PER_CHANGE} RRU + ${fmt(SWEEP_RUNS)} sweep Queries`;
  if (self) {
    let roundWru = 0;
    let roundRru = 0;
    const bytesOf = new Map(
      config.targets.map((target) => [target.name, targetChunkBytes(config, options, target)]),
    );
    const definitionsOf = new Map(
      config.targets.map((target) => [
        target.name,
        definitionsFor({ ...config, targets: [target] }, options),
      ]),
    );
    for (const targets of shardTargets) {
      const chunks = chunksFor(targets.flatMap((target) => definitionsOf.get(target.name) ?? []));
      const perChunk = new Array<number>(chunks).fill(CHUNK_ITEM_BYTES);
      for (const target of targets) perChunk[chunkOf(target.name, chunks)]! += bytesOf.get(target.name) ?? 0;
      roundWru += perChunk.reduce((sum, bytes) => sum + Math.ceil(bytes / 1024), 0);
      // One Query of the shard's partition, and a GetItem of the layout (alarms/self/round.ts).
      roundRru += Math.max(1, Math.ceil(perChunk.reduce((sum, bytes) => sum + bytes, 0) / 4096)) + 1;
    }
    wru += rounds * roundWru;
    rru += rounds * roundRru;
    how += ` + ${fmt(rounds)} rounds × ${roundWru} WRU (alarm chunks, ${fmt(Math.round(roundWru * 1024))} B)`;
    readHow += ` + ${fmt(rounds)} rounds × ${roundRru} RRU (a Query and the layout a shard)`;
  }
  add('DynamoDB', 'alert state writes', wru, 'WRU', PRICES.dynamoWrite, how);
  add('DynamoDB', 'alert state reads', rru, 'RRU', PRICES.dynamoRead, readHow);

  // --- CloudWatch: PutMetricData, custom metrics, alarms, dashboards
  let requests = 0;
  const seriesSeen = new Set<string>();
  for (const location of locations) {
    const where = location === undefined ? [] : [{ Name: 'Location', Value: location }];
    // The heartbeat (and the aggregates) of every shard share one series per location.
    const heartbeat: Datum = {
      MetricName: HEARTBEAT.metric,
      Dimensions: [{ Name: HEARTBEAT.dimension, Value: 'vigil-probe' }, ...where],
      Timestamp: new Date(0),
      Value: 1,
      Unit: 'Count',
    };
    for (const targets of shardTargets) {
      const published = [
        ...roundDatums(targets, options.labelSeries, location).filter((datum) =>
          isPublished(config.publish, datum.MetricName),
        ),
        heartbeat,
        ...(config.publish.aggregates
          ? Object.values(AGGREGATE_METRICS).map((MetricName) => ({ ...heartbeat, MetricName }))
          : []),
      ];
      if (config.publish.via === 'cloudwatch') requests += packBatches(config.namespace, published).length;
      for (const datum of published)
        seriesSeen.add(
          `${datum.MetricName}|${datum.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}`,
        );
    }
  }
  const series = seriesSeen.size;
  if (config.publish.via === 'cloudwatch')
    add(
      'CloudWatch',
      'PutMetricData',
      rounds * requests,
      'requests',
      PRICES.putMetricData,
      `${fmt(rounds)} rounds × ${requests} request${requests === 1 ? '' : 's'} (metrics/pack.ts: ≤ 1,000 datums, ~1 MB each)`,
    );
  const channels = deliveryChannels(config).length;
  const notificationHours = Math.min(HOURS_PER_MONTH, options.alertsPerMonth);
  const webhookMetrics = (2 * channels * notificationHours) / HOURS_PER_MONTH;
  lines.push({
    service: 'CloudWatch',
    item: 'custom metrics',
    quantity: series + webhookMetrics,
    unit: 'metric-months',
    how: `${fmt(series)} series (${config.publish.metrics === 'all' ? 'every metric' : 'publish.metrics'}${L > 1 ? `, standard ones per location` : ''}, heartbeat${config.publish.aggregates ? ', aggregates' : ''}) + the webhook's 2 per channel in the hours with deliveries (${webhookMetrics.toFixed(2)}); tiered: $0.30, $0.10 past 10 k`,
    usd: customMetricsUsd(series + webhookMetrics),
  });
  const template = resources(config, options);
  const alarmMetrics = templateAlarms(template, options.labelSeries);
  const alarmCount = alarmMetrics.length;
  const alarmMetricCount = alarmMetrics.reduce((sum, each) => sum + each, 0);
  add(
    'CloudWatch',
    'alarms',
    alarmMetricCount,
    'alarm metrics',
    PRICES.alarmMetric,
    `${alarmCount} alarms in the template (${definitions.length} per target${self ? ', evaluated by the probe instead' : ''}) reading ${alarmMetricCount} metrics`,
  );
  const dashboards = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::CloudWatch::Dashboard',
  ).length;
  if (dashboards > 0)
    add(
      'CloudWatch',
      'dashboards',
      dashboards,
      'dashboards',
      PRICES.dashboard,
      `${dashboards} in the template`,
    );

  // --- Logs
  let logBytes =
    invocations * MEASURED.probeLogBytesPerInvocation +
    options.alertsPerMonth * MEASURED.webhookLogBytesPerChange +
    SWEEP_RUNS * MEASURED.sweepLogBytesPerRun;
  const gb = (bytes: number) => bytes / 1024 ** 3;
  add(
    'CloudWatch Logs',
    'ingestion',
    gb(logBytes),
    'GB',
    PRICES.logIngestion,
    `${fmt(invocations)} probe invocations × ${MEASURED.probeLogBytesPerInvocation} B + ${fmt(options.alertsPerMonth)} state changes × ${MEASURED.webhookLogBytesPerChange} B + ${fmt(SWEEP_RUNS)} sweeps × ${MEASURED.sweepLogBytesPerRun} B`,
  );
  logBytes *= config.logs.retentionDays / 30;
  add(
    'CloudWatch Logs',
    'storage',
    gb(logBytes),
    'GB-months',
    PRICES.logStorage,
    `${config.logs.retentionDays} days kept`,
  );

  // --- SNS: every state change is one publish, by CloudWatch or by the probe
  add(
    'SNS',
    'alarm messages',
    options.alertsPerMonth,
    'publishes',
    PRICES.snsPublish,
    `${fmt(options.alertsPerMonth)} state changes`,
  );

  const usd = lines.reduce((sum, line) => sum + line.usd, 0);
  return {
    targets: config.targets.length,
    shards: S,
    locations: L,
    mode: config.alarms.mode,
    lines,
    usd,
    computeUsd,
    choices: [],
    assumptions: {
      alertsPerMonth: options.alertsPerMonth,
      latencyMs: options.latencyMs,
      coldStartsPerDay: options.coldStartsPerDay,
      labelSeries: options.labelSeries,
      month: '30 days',
    },
    freeTiers: FREE_TIERS,
    prices: PRICES,
  };
}

/** What each config choice costs: the bill again with one thing changed. */
function choices(config: VigilConfig, options: CostOptions, total: number): CostChoice[] {
  const out: CostChoice[] = [];
  const variant = (change: string, changed: VigilConfig) => {
    const usd = bill(changed, options).usd;
    out.push({ change, usd, delta: usd - total });
  };
  if (config.targets.length > 0) {
    const perTarget = total / config.targets.length;
    out.push({ change: 'each target (the average)', usd: perTarget, delta: perTarget });
  }
  if (!config.probe.locations) {
    if (config.alarms.mode === 'cloudwatch')
      variant('alarms.mode: self', { ...config, alarms: { ...config.alarms, mode: 'self' } });
    if (config.publish.metrics !== 'none' || config.alarms.mode !== 'self')
      variant('alarms.mode: self, publish: { metrics: none, aggregates: true }', {
        ...config,
        alarms: { ...config.alarms, mode: 'self' },
        publish: { ...config.publish, metrics: 'none', aggregates: true },
      });
  }
  if (config.alarms.mode === 'self')
    variant('alarms.mode: cloudwatch (every metric published)', {
      ...config,
      alarms: { ...config.alarms, mode: 'cloudwatch' },
      publish: { ...config.publish, metrics: 'all' },
    });
  if (config.alarms.down.enabled)
    variant('alarms.down.enabled: false', {
      ...config,
      alarms: { ...config.alarms, down: { ...config.alarms.down, enabled: false } },
    });
  const levels = new Map<string, number>();
  for (const target of config.targets)
    for (const metric of target.metrics)
      for (const [level, rule] of Object.entries(metric.thresholds ?? {}))
        if (rule !== undefined)
          levels.set(`${metric.name}.${level}`, (levels.get(`${metric.name}.${level}`) ?? 0) + 1);
  for (const [key, count] of levels) {
    const [name, level] = key.split('.') as [string, string];
    variant(`without the ${level} threshold of ${name} (${count} target${count === 1 ? '' : 's'})`, {
      ...config,
      targets: config.targets.map((target) => ({
        ...target,
        metrics: target.metrics.map((metric) =>
          metric.name === name && metric.thresholds
            ? { ...metric, thresholds: { ...metric.thresholds, [level]: undefined } }
            : metric,
        ),
      })) as TargetConfig[],
    });
  }
  if (config.dashboard.enabled)
    variant('dashboard.enabled: false', { ...config, dashboard: { enabled: false } });
  const locations = config.probe.locations;
  if (locations && locations.length > 1) {
    const fewer = locations.slice(0, -1);
    variant(`without location ${locations.at(-1)}`, {
      ...config,
      probe: {
        ...config.probe,
        locations: fewer,
        quorum: Math.min(config.probe.quorum ?? fewer.length, fewer.length),
      },
    });
  }
  return out;
}

/** One size of the mode comparison (`vigil infra cost --compare`). */
export interface ModeComparison {
  targets: number;
  /** alarms.mode cloudwatch, every metric published. */
  cloudwatch: CostReport;
  /** alarms.mode self, every metric still published. */
  self: CostReport;
  /** alarms.mode self, publish.metrics none with the aggregates: the cheapest vigil runs. */
  lean: CostReport;
}

/** The three ways to run the config's alarms, at each of these sizes (copies of its targets). */
export function compareModes(
  config: VigilConfig,
  options: CostOptions,
  sizes: readonly number[],
): ModeComparison[] {
  const as = (mode: 'cloudwatch' | 'self', metrics: 'all' | 'none', targets: number) =>
    bill(
      scaledConfig(
        {
          ...config,
          alarms: { ...config.alarms, mode },
          publish: { ...config.publish, metrics, aggregates: metrics === 'none' },
        },
        targets,
      ),
      options,
    );
  return sizes.map((targets) => ({
    targets,
    cloudwatch: as('cloudwatch', 'all', targets),
    self: as('self', 'all', targets),
    lean: as('self', 'none', targets),
  }));
}
