/**
 * `osls package` on the repo's serverless.yml with a deployable config from outside the repo (VIGIL_CONFIG), offline
 * and without AWS credentials; the whole template is checked against the CloudFormation resource specification
 * and against the "done when", and the zips against the config the alarms were built from.
 * Packaged once into a temporary directory (a colleague's `npm run package` keeps its .serverless/).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../functions/cli/main';
import { ALARM_LEVELS } from '../../functions/config/levels';
import { loadConfig } from '../../functions/config/load';
import type { CfnResource, Template } from '../../infra/cfn';
import { SERVERLESS_OWN_RESOURCES } from '../../infra/issues';
import { validateTemplate } from '../../infra/validate-template';
import { probeStallWorld, simulate, templateAlarms } from '../helpers/cloudwatch-sim';
import { packageEnv } from '../helpers/package';

const REPO = join(__dirname, '../..');
const STAGE = 'dev';
const REGION = 'us-east-1';
const PACKAGE_TIMEOUT_MS = 300_000;
const FUNCTIONS = ['probe', 'webhook', 'meta'] as const;

let template: Template & Record<string, unknown>;
let out: string;
let stderr: string;
// Outside the repo, as `VIGIL_CONFIG=/path/other.yml npm run package` would have it.
const configFile = join(mkdtempSync(join(tmpdir(), 'vigil-other-')), 'other.yml');
copyFileSync(join(__dirname, '../fixtures/deploy/vigil.yml'), configFile);
// The rule file it names, at its place relative to the config.
mkdirSync(join(dirname(configFile), 'rules'));
copyFileSync(
  join(__dirname, '../fixtures/rules/mall_go_rules.yml'),
  join(dirname(configFile), 'rules/mall_go_rules.yml'),
);
const config = loadConfig(configFile);

/** A file inside a packaged function's zip. */
function zipped(fn: string, path: string): string {
  const result = spawnSync('unzip', ['-p', join(out, `${fn}.zip`), path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`unzip ${fn}.zip ${path}: ${result.stderr}`);
  return result.stdout;
}

function zipListing(fn: string): string[] {
  const result = spawnSync('unzip', ['-Z1', join(out, `${fn}.zip`)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`unzip -Z1 ${fn}.zip: ${result.stderr}`);
  return result.stdout.trim().split('\n');
}

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'vigil-package-'));
  const env = packageEnv(configFile);
  const result = spawnSync(
    'npx',
    ['osls', 'package', '--stage', STAGE, '--region', REGION, '--package', out],
    {
      cwd: REPO,
      env,
      encoding: 'utf8',
      timeout: PACKAGE_TIMEOUT_MS,
    },
  );
  if (result.status !== 0)
    throw new Error(`osls package failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  stderr = result.stderr;
}, PACKAGE_TIMEOUT_MS);

const ofType = (type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type) as [
    string,
    CfnResource,
  ][];
const alarmNamed = (name: string) =>
  ofType('AWS::CloudWatch::Alarm').find(([, alarm]) => alarm.Properties.AlarmName === name);
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (roleId: string) =>
  (
    template.Resources[roleId]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement);

describe('the packaged CloudFormation template', () => {
  it('passes the CloudFormation resource specification, every resource and reference', () => {
    expect(validateTemplate(template)).toEqual([]);
  });

  it('has, for each thresholded metric, one alarm per level wired to the alerts topic (alarm and OK actions)', () => {
    expect(template.Resources.VigilAlertsTopic?.Type).toBe('AWS::SNS::Topic');
    let checked = 0;
    for (const target of config.targets) {
      for (const metric of target.metrics) {
        for (const level of ALARM_LEVELS) {
          if (metric.thresholds?.[level] === undefined) continue;
          const [, alarm] = alarmNamed(`vigil-${STAGE}-${target.name}-${metric.name}-${level}`) ?? [];
          expect(alarm?.Properties.AlarmActions).toEqual([{ Ref: 'VigilAlertsTopic' }]);
          expect(alarm?.Properties.OKActions).toEqual([{ Ref: 'VigilAlertsTopic' }]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    expect(alarmNamed(`vigil-${STAGE}-one-api-Goroutines-critical`)?.[1].Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5000,
    });
  });

  it("has a down alarm per target on ProbeSuccess, 2 of 3 (a rule's up == 0 for: 1m: 2 of 2), missing data ignored (a silent probe is vigil's problem)", () => {
    for (const target of config.targets) {
      const [, down] = alarmNamed(`vigil-${STAGE}-${target.name}-down-critical`) ?? [];
      const fromRule = target.type === 'prometheus' && target.rules?.down !== undefined;
      expect(down?.Properties).toMatchObject({
        MetricName: 'ProbeSuccess',
        Dimensions: [{ Name: 'Target', Value: target.name }],
        DatapointsToAlarm: 2,
        EvaluationPeriods: fromRule ? 2 : 3,
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: 'VigilAlertsTopic' }],
        OKActions: [{ Ref: 'VigilAlertsTopic' }],
      });
    }
  });

  it('has a dashboard showing every target', () => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards.length).toBeGreaterThanOrEqual(1);
    const text = JSON.stringify(dashboards.map(([, dashboard]) => dashboard.Properties.DashboardBody));
    for (const target of config.targets) expect(text).toContain(`## ${target.name}`);
  });

  it('has the dead-letter queue, given to the webhook and the meta function', () => {
    expect(template.Resources.VigilDeadLetterQueue?.Properties).toMatchObject({
      MessageRetentionPeriod: 1_209_600,
    });
    for (const id of ['WebhookLambdaFunction', 'MetaLambdaFunction']) {
      expect(template.Resources[id]!.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Environment: { Variables: { VIGIL_DLQ_NAME: 'vigil-dev-dead-letters' } },
      });
    }
  });

  it('packages exactly the config the alarms were built from (VIGIL_CONFIG from outside the repo), in every function', () => {
    const original = readFileSync(configFile, 'utf8');
    for (const fn of FUNCTIONS) {
      const id = `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
      const path = (template.Resources[id]!.Properties.Environment as { Variables: { VIGIL_CONFIG: string } })
        .Variables.VIGIL_CONFIG;
      // The functions read the config as validated when packaging (config/runtime.ts), beside the file itself;
      // the rule files' alarms, recordings and annotations are inside it (no function reads a rule file).
      expect(path).toMatch(/^\.vigil-package\/[0-9a-f]{12}\/vigil\.config\.json$/);
      expect([fn, JSON.parse(zipped(fn, path)).config]).toEqual([fn, JSON.parse(JSON.stringify(config))]);
      const yaml = path.replace(/vigil\.config\.json$/, 'other.yml');
      expect([fn, zipped(fn, yaml)]).toEqual([fn, original]);
      // Nothing else that looks like a config: not the repo's example vigil.yml; the rule file it names, beside it.
      const rules = path.replace(/vigil\.config\.json$/, 'rules/mall_go_rules.yml');
      expect(
        zipListing(fn)
          .filter((entry) => /\.ya?ml$/.test(entry))
          .sort(),
      ).toEqual([yaml, rules].sort());
      expect([fn, zipped(fn, rules)]).toEqual([
        fn,
        readFileSync(join(__dirname, '../fixtures/rules/mall_go_rules.yml'), 'utf8'),
      ]);
    }
  });

  it('holds the rule file’s alarms: one per rule, for: as consecutive periods, up == 0 as the down alarm', () => {
    const rule = (name: string) => alarmNamed(name)?.[1].Properties;
    expect(rule('vigil-dev-mall-go-HighQPS-warning')).toMatchObject({
      DatapointsToAlarm: 3,
      EvaluationPeriods: 3,
      Threshold: 1000,
      TreatMissingData: 'notBreaching',
    });
    expect(rule('vigil-dev-mall-go-HighQPS-critical')).toMatchObject({
      DatapointsToAlarm: 2,
      EvaluationPeriods: 2,
      Threshold: 5000,
    });
    expect(rule('vigil-dev-mall-go-HighResponseTime-warning')).toMatchObject({
      DatapointsToAlarm: 4,
      Threshold: 0.1,
    });
    expect(rule('vigil-dev-mall-go-down-critical')).toMatchObject({
      DatapointsToAlarm: 2,
      EvaluationPeriods: 2,
    });
    expect(String(rule('vigil-dev-mall-go-HighErrorRate-critical')?.AlarmDescription)).toContain(
      '"rule":"HighErrorRate"',
    );
  });

  it('warns that the loopback targets would probe the Lambda itself', () => {
    expect(stderr).toMatch(/warning: .*other\.yml: targets\[0\]\.url: 127\.0\.0\.1 is a loopback address/);
    expect(stderr).toMatch(/targets\[1\]\.url: 127\.0\.0\.1 is a loopback address/);
    expect(stderr).not.toMatch(/targets\[2\]/);
  });

  it('subscribes the webhook to the alerts topic, the meta function to the meta topic, and gives the webhook a Function URL', () => {
    const subscriptions = ofType('AWS::SNS::Subscription').map(([, resource]) => resource.Properties);
    expect(subscriptions).toHaveLength(2);
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          TopicArn: { Ref: 'VigilAlertsTopic' },
          Protocol: 'lambda',
          Endpoint: { 'Fn::GetAtt': ['WebhookLambdaFunction', 'Arn'] },
        }),
        expect.objectContaining({
          TopicArn: { Ref: 'VigilMetaTopic' },
          Protocol: 'lambda',
          Endpoint: { 'Fn::GetAtt': ['MetaLambdaFunction', 'Arn'] },
        }),
      ]),
    );
    expect(ofType('AWS::Lambda::Url')).toEqual([
      [
        expect.any(String),
        expect.objectContaining({ Properties: expect.objectContaining({ AuthType: 'NONE' }) }),
      ],
    ]);
  });

  it('runs the probe on arm64 Node 24 from the schedule, through a scheduler-only role', () => {
    expect(template.Resources.ProbeLambdaFunction?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      // The rate-state bucket, which only the probe may use.
      Environment: { Variables: { VIGIL_STATE_BUCKET: { Ref: 'VigilStateBucket' } } },
    });
    expect(template.Resources.WebhookLambdaFunction?.Properties).not.toMatchObject({
      Environment: { Variables: { VIGIL_STATE_BUCKET: expect.anything() } },
    });
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules.map(([id]) => id).sort()).toEqual([
      'ProbeSchedulerSchedule1',
      'SweepSchedulerSchedule1',
    ]);
    expect(template.Resources.ProbeSchedulerSchedule1?.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Target: { RoleArn: { 'Fn::GetAtt': ['VigilProbeSchedulerRole', 'Arn'] } },
    });
  });

  it('runs the sweep every minute through its own scheduler role, with the state table and the DLQ', () => {
    expect(template.Resources.SweepSchedulerSchedule1?.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Target: {
        Arn: { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['VigilSweepSchedulerRole', 'Arn'] },
      },
    });
    const table = template.Resources.VigilAlertStateTable?.Properties as { TableName: string } | undefined;
    expect(template.Resources.VigilAlertStateTable?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    for (const fn of ['WebhookLambdaFunction', 'SweepLambdaFunction']) {
      expect(template.Resources[fn]?.Properties).toMatchObject({
        Environment: { Variables: { VIGIL_ALERT_STATE_TABLE: table?.TableName } },
      });
    }
  });

  it('uses least-privilege roles: no shared role, namespace-bound metrics, DLQ-only SQS, scoped SNS and SSM', () => {
    expect(template.Resources).not.toHaveProperty('IamRoleLambdaExecution');
    expect(template.Resources.ProbeLambdaFunction?.Properties.Role).toEqual({
      'Fn::GetAtt': ['VigilProbeRole', 'Arn'],
    });
    expect(template.Resources.WebhookLambdaFunction?.Properties.Role).toEqual({
      'Fn::GetAtt': ['VigilWebhookRole', 'Arn'],
    });
    expect(template.Resources.MetaLambdaFunction?.Properties.Role).toEqual({
      'Fn::GetAtt': ['VigilMetaRole', 'Arn'],
    });
    const probe = statementsOf('VigilProbeRole');
    const webhook = statementsOf('VigilWebhookRole');
    // The meta function may do what the webhook does, under its own name and log group.
    expect(
      statementsOf('VigilMetaRole').map((statement) => ({
        ...statement,
        Resource: JSON.stringify(statement.Resource),
      })),
    ).toEqual(
      webhook.map((statement) => ({
        ...statement,
        Resource: JSON.stringify(statement.Resource).replace('WebhookLogGroup', 'MetaLogGroup'),
      })),
    );
    expect(probe).toContainEqual(
      expect.objectContaining({
        Action: 'cloudwatch:PutMetricData',
        Condition: { StringEquals: { 'cloudwatch:namespace': config.namespace } },
      }),
    );
    expect(webhook.filter((statement) => String(statement.Action).startsWith('sqs:'))).toEqual([
      expect.objectContaining({
        Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': ['VigilDeadLetterQueue', 'Arn'] },
      }),
    ]);
    const topics = Object.values(config.channels)
      .filter((channel) => channel.type === 'sns')
      .map((channel) => (channel as { topicArn: string }).topicArn);
    const publish = webhook.filter((statement) => statement.Action === 'sns:Publish');
    expect(publish).toEqual(
      topics.length === 0 ? [] : [expect.objectContaining({ Resource: topics.sort() })],
    );
    for (const statement of [...probe, ...webhook]) {
      if (statement.Action !== 'cloudwatch:PutMetricData') expect(statement.Resource).not.toBe('*');
    }
  });

  it.each([
    ['vigil-dev-probe-stalled-critical', 'VigilMetaTopic'],
    ['vigil-dev-probe-errors-warning', 'VigilMetaTopic'],
    ['vigil-dev-probe-throttles-warning', 'VigilMetaTopic'],
    ['vigil-dev-webhook-errors-critical', 'VigilMetaTopic'],
    ['vigil-dev-webhook-throttles-warning', 'VigilMetaTopic'],
    ['vigil-dev-dead-letters-warning', 'VigilMetaTopic'],
    ['vigil-dev-notifications-failed-ops-slack-critical', 'VigilMetaTopic'],
    ['vigil-dev-notifications-failed-pager-critical', 'VigilMetaTopic'],
    ['vigil-dev-notifications-failed-console-critical', 'VigilMetaTopic'],
    // The meta path's own alarms go the other way, so a broken meta function is still heard of.
    ['vigil-dev-meta-errors-critical', 'VigilAlertsTopic'],
    ['vigil-dev-meta-throttles-warning', 'VigilAlertsTopic'],
  ])('has the alarm on vigil itself %s, notifying %s', (name, topic) => {
    const [, alarm] = alarmNamed(name) ?? [];
    expect(alarm?.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    expect(alarm?.Properties.OKActions).toEqual([{ Ref: topic }]);
  });

  it('never retries a failed meta invocation (a retry would page again the channels that did get it), nor a probe round or a sweep (the next one replaces it)', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, config]) => config.Properties);
    expect(configs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ FunctionName: { Ref: 'MetaLambdaFunction' }, MaximumRetryAttempts: 0 }),
        expect.objectContaining({
          FunctionName: { Ref: 'ProbeLambdaFunction' },
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 60,
        }),
        expect.objectContaining({
          FunctionName: { Ref: 'SweepLambdaFunction' },
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 60,
        }),
      ]),
    );
    expect(configs).toHaveLength(3);
  });

  it('watches the functions and the queue osls and infra/ actually create', () => {
    const names = (metric: string) =>
      ofType('AWS::CloudWatch::Alarm')
        .filter(([, alarm]) => alarm.Properties.MetricName === metric)
        .map(([, alarm]) => (alarm.Properties.Dimensions as { Value: string }[])[0]!.Value);
    const functionNames = FUNCTIONS.map(
      (fn) =>
        template.Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`]!.Properties.FunctionName,
    );
    expect(new Set(names('Errors'))).toEqual(new Set(functionNames));
    expect(new Set(names('Throttles'))).toEqual(new Set(functionNames));
    expect(names('ApproximateNumberOfMessagesVisible')).toEqual([
      template.Resources.VigilDeadLetterQueue!.Properties.QueueName,
    ]);
    expect(names('ProbeHeartbeat')).toEqual([
      template.Resources.ProbeLambdaFunction!.Properties.FunctionName,
    ]);
  });

  it.each([
    [2, []],
    [
      3,
      [
        '22: vigil-dev-probe-stalled-critical ALARM → VigilMetaTopic',
        '23: vigil-dev-probe-stalled-critical OK → VigilMetaTopic',
      ],
    ],
    [
      10,
      [
        '22: vigil-dev-probe-stalled-critical ALARM → VigilMetaTopic',
        '30: vigil-dev-probe-stalled-critical OK → VigilMetaTopic',
      ],
    ],
  ])('simulated in CloudWatch, a probe stopped for %i periods publishes exactly %j', (minutes, expected) => {
    const runs = (minute: number) => minute < 20 || minute >= 20 + minutes;
    const published = simulate(templateAlarms(template), 40, probeStallWorld(runs, config.namespace));
    expect(published.filter((entry) => entry.state === 'ALARM' && entry.minute < 20)).toEqual([]);
    expect(
      published
        .filter((entry) => entry.minute >= 15)
        .map(
          (entry) =>
            `${entry.minute}: ${entry.alarm} ${entry.state} → ${(entry.topics as { Ref: string }[])[0]!.Ref}`,
        ),
    ).toEqual(expected);
  });

  it('contains exactly what `vigil infra render` prints', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const code = await main(
      ['infra', 'render', '--config', configFile, '--stage', STAGE, '--region', REGION],
      { stdout, stderr, env: {} },
    );
    expect(code).toBe(0);
    const rendered = JSON.parse(String(stdout.read())) as Template;
    for (const [id, resource] of Object.entries(rendered.Resources))
      expect([id, template.Resources[id]]).toEqual([id, resource]);
    for (const [id, output] of Object.entries(rendered.Outputs))
      expect([id, template.Outputs[id]]).toEqual([id, output]);
    // What the resource-count check (infra/issues.ts) assumes osls adds around vigil's resources.
    expect(Object.keys(template.Resources).length - Object.keys(rendered.Resources).length).toBe(
      SERVERLESS_OWN_RESOURCES,
    );
  });
});
