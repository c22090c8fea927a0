/**
 * `vigil infra cost` (infra/cost.ts) on small configs, against bills worked out by hand from the price list:
 * 43,200 rounds a month at the default 1-minute schedule, 30 days, no free tier.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { comparisonTable } from '../../../functions/cli/commands/infra';
import { main } from '../../../functions/cli/main';
import { loadConfig, parseConfig } from '../../../functions/config/load';
import {
  type CostOptions,
  type CostReport,
  compareModes,
  DEFAULT_COST_OPTIONS,
  estimateCost,
  scaledConfig,
} from '../../../infra/cost';
import { customMetricsUsd } from '../../../infra/prices';

const ROUNDS = 43_200;
const OPTIONS: CostOptions = {
  stage: 'dev',
  region: 'us-east-1',
  alertsPerMonth: 0,
  latencyMs: 250,
  coldStartsPerDay: 0,
  labelSeries: 10,
};
const HTTP = '  - { name: a, url: "http://example.com/" }\n';
/** vigil's own alarms with no channel routed: probe stalled, errors and throttles of three functions, dead letters. */
const HEALTH_ALARMS = 8;

function line(report: CostReport, item: string) {
  const found = report.lines.find((each) => each.item === item);
  if (!found) throw new Error(`no line "${item}" in ${report.lines.map((each) => each.item).join(', ')}`);
  return found;
}

describe('the monthly bill', () => {
  it.each([
    [
      'one http target, CloudWatch alarms',
      `targets:\n${HTTP}`,
      {
        // 8 standard metrics (catalog.ts) + the heartbeat = 9 datums: one PutMetricData a round.
        PutMetricData: [ROUNDS, ROUNDS * 0.00001],
        'custom metrics': [9, 9 * 0.3],
        // The down alarm and vigil's own.
        alarms: [1 + HEALTH_ALARMS, (1 + HEALTH_ALARMS) * 0.1],
        dashboards: [1, 3],
        // Lease: read + write to take it, read + write to release it; rate state: read + write; every round.
        'leases and rate state: GET': [3 * ROUNDS, 3 * ROUNDS * 0.0000004],
        'leases and rate state: PUT': [3 * ROUNDS, 3 * ROUNDS * 0.000005],
        'probe and sweep schedules': [2 * ROUNDS, 2 * ROUNDS * 0.000001],
        requests: [2 * ROUNDS, 2 * ROUNDS * 0.0000002],
        // max(2.3 ms / (512/1769) vCPU, 250 ms / 50 slots) + 150 ms, × 0.5 GB, every round.
        'probe compute': [
          (ROUNDS * (2.3 / (512 / 1769) + 150) * 0.5) / 1000,
          ((ROUNDS * (2.3 / (512 / 1769) + 150) * 0.5) / 1000) * 0.0000133334,
        ],
      },
    ],
    [
      'a json target with two threshold levels',
      'targets:\n  - name: a\n    url: "http://example.com/"\n    type: json\n    metrics:\n      - { name: Queue, path: $.queue, thresholds: { warning: "> 10", critical: "> 50" } }\n',
      {
        PutMetricData: [ROUNDS, ROUNDS * 0.00001],
        'custom metrics': [10, 3],
        alarms: [3 + HEALTH_ALARMS, (3 + HEALTH_ALARMS) * 0.1],
      },
    ],
    [
      'self-evaluated, nothing but the heartbeat published',
      `alarms: { mode: self }\npublish: { metrics: none }\ntargets:\n${HTTP}`,
      {
        PutMetricData: [ROUNDS, ROUNDS * 0.00001],
        'custom metrics': [1, 0.3],
        alarms: [HEALTH_ALARMS, HEALTH_ALARMS * 0.1],
        // One alarm's chunk is well under 1 KB: one write unit a round; a round reads it and the layout item, the
        // sweep reads once a minute.
        'alert state writes': [ROUNDS, ROUNDS * 0.000000625],
        'alert state reads': [3 * ROUNDS, 3 * ROUNDS * 0.000000125],
      },
    ],
    [
      'an https target from two locations',
      `probe: { locations: [us-east-1, eu-west-1] }\ntargets:\n  - { name: a, url: "https://example.com/" }\n`,
      {
        // Each location publishes 9 standard metrics (Location dimension) and its heartbeat.
        'custom metrics': [2 * 10, 20 * 0.3],
        PutMetricData: [2 * ROUNDS, 2 * ROUNDS * 0.00001],
        // The quorum alarm reads one metric per location; a stalled alarm per location; 7 others.
        alarms: [2 + 2 + 7, 11 * 0.1],
      },
    ],
  ])('%s', (_name, yaml, expected) => {
    const report = estimateCost(parseConfig(yaml), OPTIONS);
    for (const [item, [quantity, usd]] of Object.entries(expected)) {
      expect([item, line(report, item).quantity]).toEqual([item, expect.closeTo(quantity as number, 6)]);
      expect([item, line(report, item).usd]).toEqual([item, expect.closeTo(usd as number, 6)]);
    }
    expect(report.usd).toBeCloseTo(
      report.lines.reduce((sum, each) => sum + each.usd, 0),
      9,
    );
  });

  it('counts the fan-out queue from the shard plan', () => {
    const report = estimateCost(
      parseConfig(`probe: { shardSize: 1 }\ntargets:\n${HTTP}  - { name: b, url: "http://example.com/" }\n`),
      OPTIONS,
    );
    const shards = report.shards;
    expect(shards).toBeGreaterThan(1);
    // Five long-polling pollers three times a minute, and per round a receive and a delete per shard, sends by ten.
    expect(line(report, 'shard queue').quantity).toBe(
      5 * 3 * ROUNDS + ROUNDS * (2 * shards + Math.ceil(shards / 10)),
    );
    // Every shard and the planner are invocations.
    expect(line(report, 'requests').quantity).toBe(ROUNDS * (shards + 1) + ROUNDS);
  });

  it('shows what each choice costs as the bill with that one change', () => {
    const report = estimateCost(
      parseConfig(
        'targets:\n  - name: a\n    url: "http://example.com/"\n    type: json\n    metrics:\n      - { name: Queue, path: $.queue, thresholds: { warning: "> 10" } }\n',
      ),
      { ...OPTIONS, targets: 10 },
    );
    const choice = (change: string) => report.choices.find((each) => each.change === change);
    expect(choice('without the warning threshold of Queue (10 targets)')?.delta).toBeCloseTo(-1, 6);
    expect(choice('alarms.down.enabled: false')?.delta).toBeCloseTo(-1, 6);
    expect(choice('dashboard.enabled: false')?.delta).toBeCloseTo(-3, 6);
    expect(choice('each target (the average)')?.usd).toBeCloseTo(report.usd / 10, 9);
  });

  it('copies targets under new names to scale a config', () => {
    const scaled = scaledConfig(
      parseConfig(`targets:\n${HTTP}  - { name: b, url: "http://example.com/" }\n`),
      5,
    );
    expect(scaled.targets.map((target) => target.name)).toEqual(['a', 'b', 'a-2', 'b-2', 'a-3']);
  });

  it.each([
    [0, 0],
    [10_000, 3_000],
    [10_001, 3_000.1],
    [250_000, 27_000],
    [1_000_001, 64_500.02],
  ])('prices %d custom metrics in tiers: $%d', (metrics, usd) => {
    expect(customMetricsUsd(metrics)).toBeCloseTo(usd, 6);
  });
});

describe('vigil infra cost', () => {
  async function run(...args: string[]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk) => {
      out += chunk;
    });
    stderr.on('data', (chunk) => {
      err += chunk;
    });
    const code = await main(['infra', 'cost', ...args], { stdout, stderr, env: {} });
    return { code, out, err };
  }

  it('prints the bill and the choices as a table, and warns what keeps the config from deploying', async () => {
    const { code, out, err } = await run('--config', 'vigil.yml', '--targets', '10');
    expect(code).toBe(0);
    expect(out).toMatch(/^vigil infra cost: 10 targets, 1 shard, 1 location, alarms\.mode cloudwatch/);
    expect(out).toMatch(/CloudWatch\s+custom metrics\s+\$\d/);
    expect(out).toMatch(/total \$[\d,.]+ a month/);
    expect(out).toMatch(/alarms\.mode: self, publish: \{ metrics: none, aggregates: true \}/);
    expect(err).toMatch(/warning: .* cannot be deployed as is: webhook: neither token nor hmacSecret/);
  });

  it('prints the same bill as JSON', async () => {
    const { code, out } = await run('--config', 'vigil.yml', '--targets', '10', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as CostReport;
    expect(report.targets).toBe(10);
    expect(report.usd).toBeCloseTo(
      report.lines.reduce((sum, each) => sum + each.usd, 0),
      6,
    );
    expect(report.prices.putMetricData).toMatchObject({ usd: 0.01, per: 1000 });
  });

  it.each([
    [['--targets', '0'], /--targets "0": a whole number of at least 1/],
    [['--latency', 'soon'], /--latency "soon": a duration/],
    [['--region', 'eu-west-1'], /prices are us-east-1's only/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with exit 2', async (args, message) => {
    const { code, err } = await run('--config', 'vigil.yml', ...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('the README', () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const rows = compareModes(
    loadConfig(join(__dirname, '../../../vigil.yml')),
    { ...DEFAULT_COST_OPTIONS, stage: 'dev', region: 'us-east-1' },
    [10, 100, 1000],
  );

  it('quotes `vigil infra cost --compare` as it prints it (regenerate the block with that command)', () => {
    const block =
      /<!-- vigil infra cost --config vigil\.yml --compare 10,100,1000 -->\n([\s\S]*?)\n<!-- \/vigil infra cost -->/.exec(
        readme,
      )?.[1];
    // Cell by cell: the README's formatter aligns the columns.
    const cells = (table: string | undefined) =>
      (table ?? '')
        .split('\n')
        .filter((row) => !/^[\s|:-]+$/.test(row))
        .map((row) => row.split('|').map((cell) => cell.trim()));
    expect(cells(block)).toEqual(cells(comparisonTable(rows)));
  });

  it('states the goal figures of the 1,000-target row', () => {
    const thousand = rows[2]!;
    const dollars = (value: number) => `$${value.toFixed(2)}`;
    const goals = readme.slice(readme.indexOf("The issue's goals"), readme.indexOf('## Cold start'));
    for (const figure of [thousand.cloudwatch.computeUsd, thousand.self.computeUsd, thousand.lean.usd])
      expect(goals).toContain(dollars(figure));
  });
});
