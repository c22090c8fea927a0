/**
 * `osls package` of a config with three locations and a sharded plan: the home stack (serverless.yml, us-east-1)
 * and a location stack (serverless.location.yml, eu-west-1), offline. Both pass the CloudFormation specification;
 * the home stack has the quorum alarms, per-location heartbeat alarms, the fan-out and per-location dashboards;
 * the location stack only the probe and what it needs. The quorum alarms, read back from the template, are run
 * minute by minute through CloudWatch's rules: one failing location never pages, two do, once per target.
 * (Moto, which could create the stacks, needs PyPI: unreachable from here. See the report.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnResource, Template } from '../../infra/cfn';
import { validateTemplate } from '../../infra/validate-template';
import { simulate, templateAlarms } from '../helpers/cloudwatch-sim';
import { packageEnv } from '../helpers/package';

const REPO = join(__dirname, '../..');
const PACKAGE_TIMEOUT_MS = 300_000;
const LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
const dir = mkdtempSync(join(tmpdir(), 'vigil-locations-'));
const configFile = join(dir, 'vigil.yml');
writeFileSync(
  configFile,
  `probe: { locations: [${LOCATIONS.join(', ')}], quorum: 2, shardSize: 1 }
webhook: { token: "\${ssm:/vigil/token}" }
targets:
  - { name: shop, url: "https://shop.example.com/health" }
  - { name: db, type: tcp, url: "tcp://db.example.com:5432" }
routes:
  - channels: [console]
`,
);

function packageStack(file: string, region: string): Template & Record<string, unknown> {
  const out = mkdtempSync(join(dir, `${region}-`));
  const env = packageEnv(configFile);
  const result = spawnSync(
    'npx',
    ['osls', 'package', '--config', file, '--stage', 'dev', '--region', region, '--package', out],
    { cwd: REPO, env, encoding: 'utf8', timeout: PACKAGE_TIMEOUT_MS },
  );
  if (result.status !== 0)
    throw new Error(`osls package ${file} failed:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
}

let home: Template & Record<string, unknown>;
let location: Template & Record<string, unknown>;
beforeAll(() => {
  home = packageStack('serverless.yml', 'us-east-1');
  location = packageStack('serverless.location.yml', 'eu-west-1');
}, 2 * PACKAGE_TIMEOUT_MS);

const ofType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type) as [
    string,
    CfnResource,
  ][];
const alarmNames = (template: Template) =>
  ofType(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => String(alarm.Properties.AlarmName));

describe('packaged stacks for three locations', () => {
  it('both pass the CloudFormation resource specification, every resource and reference', () => {
    expect(validateTemplate(home)).toEqual([]);
    expect(validateTemplate(location)).toEqual([]);
  });

  it('home: a quorum down alarm per target, 2 of 3 locations for 2 of 3 periods, in metric math', () => {
    const alarm = ofType(home, 'AWS::CloudWatch::Alarm').find(
      ([, resource]) => resource.Properties.AlarmName === 'vigil-dev-shop-down-critical',
    )?.[1];
    expect(alarm?.Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 2,
      DatapointsToAlarm: 2,
      EvaluationPeriods: 3,
      TreatMissingData: 'ignore',
      Metrics: [
        ...LOCATIONS.map((region, index) => ({
          Id: `l${index + 1}`,
          Label: region,
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'Vigil',
              MetricName: 'ProbeSuccess',
              Dimensions: [
                { Name: 'Target', Value: 'shop' },
                { Name: 'Location', Value: region },
              ],
            },
            Period: 60,
            Stat: 'Minimum',
          },
        })),
        { Id: 'failing', Expression: 'SUM(1 - METRICS())', ReturnData: true },
      ],
    });
    expect(alarm?.Properties.Namespace).toBeUndefined();
  });

  it('home: heartbeat alarms per location, the fan-out, dashboards by location', () => {
    for (const region of LOCATIONS) {
      expect(alarmNames(home)).toContain(`vigil-dev-probe-stalled-${region}-critical`);
      expect(alarmNames(home)).toContain(`vigil-dev-probe-shards-${region}-warning`);
    }
    expect(ofType(home, 'AWS::Lambda::EventSourceMapping')).toHaveLength(1);
    const body = JSON.stringify(ofType(home, 'AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardBody);
    expect(body).toContain('shop: success rate by location (%)');
    expect(body).toContain('shop: duration by location (ms)');
  });

  it('location: the probe, its schedule, role, state bucket and shard queue only; nothing that alarms or delivers', () => {
    const types = new Set(Object.values(location.Resources).map((resource) => resource.Type));
    expect([...types].sort()).toEqual(
      [
        'AWS::IAM::Role',
        'AWS::Lambda::EventInvokeConfig',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Lambda::Function',
        'AWS::Lambda::Version',
        'AWS::Logs::LogGroup',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::SQS::Queue',
        'AWS::Scheduler::Schedule',
      ].sort(),
    );
    const functions = ofType(location, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id)).toEqual(['ProbeLambdaFunction']);
  });

  it('the quorum alarms, read back from the template: one failing location never pages, two do, once per target', () => {
    const quorum = templateAlarms(home).filter((alarm) => alarm.name.endsWith('-down-critical'));
    expect(quorum.map((alarm) => alarm.name).sort()).toEqual([
      'vigil-dev-db-down-critical',
      'vigil-dev-shop-down-critical',
    ]);
    const world =
      (failing: readonly string[]) => (alarm: { dimensions: Record<string, string> }, _minute: number) => [
        failing.includes(alarm.dimensions.Location ?? '') ? 0 : 1,
      ];
    // The first evaluation moves each new alarm from INSUFFICIENT_DATA to OK; nothing ever pages.
    expect(
      simulate(quorum, 15, world(['eu-west-1']))
        .map((event) => [event.minute, event.alarm, event.state])
        .sort(),
    ).toEqual([
      [0, 'vigil-dev-db-down-critical', 'OK'],
      [0, 'vigil-dev-shop-down-critical', 'OK'],
    ]);
    const paged = simulate(quorum, 15, world(['eu-west-1', 'ap-southeast-1'])).filter(
      (event) => event.state === 'ALARM',
    );
    expect(paged.map((event) => [event.minute, event.alarm]).sort()).toEqual([
      [1, 'vigil-dev-db-down-critical'],
      [1, 'vigil-dev-shop-down-critical'],
    ]);
  });
});
