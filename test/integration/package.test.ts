/**
 * `osls package` on the repo's serverless.yml and example vigil.yml, offline and without AWS credentials; the whole
 * template is checked against the CloudFormation resource specification and against the "done when".
 * Packaged once per file into a temporary directory (a colleague's `npm run package` keeps its .serverless/).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../functions/cli/main';
import { loadConfig } from '../../functions/config/load';
import { ALARM_LEVELS } from '../../functions/config/schema';
import type { CfnResource, Template } from '../../infra/cfn';
import { validateTemplate } from '../../infra/validate-template';

const REPO = join(__dirname, '../..');
const STAGE = 'dev';
const REGION = 'us-east-1';
const PACKAGE_TIMEOUT_MS = 300_000;

let template: Template & Record<string, unknown>;
const config = loadConfig(join(REPO, 'vigil.yml'));

beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-package-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: mkdtempSync(join(tmpdir(), 'vigil-home-')),
    CI: 'true',
  };
  for (const name of Object.keys(env))
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete env[name];
  delete env.VIGIL_CONFIG;
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
    expect(checked).toBeGreaterThanOrEqual(3);
    expect(alarmNamed(`vigil-${STAGE}-one-api-Goroutines-critical`)?.[1].Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5000,
    });
  });

  it('has a down alarm per target on ProbeSuccess, 2 of 3, missing data breaching', () => {
    for (const target of config.targets) {
      const [, down] = alarmNamed(`vigil-${STAGE}-${target.name}-down-critical`) ?? [];
      expect(down?.Properties).toMatchObject({
        MetricName: 'ProbeSuccess',
        Dimensions: [{ Name: 'Target', Value: target.name }],
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'breaching',
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

  it('has the dead-letter queue, given to the webhook', () => {
    expect(template.Resources.VigilDeadLetterQueue?.Properties).toMatchObject({
      MessageRetentionPeriod: 1_209_600,
    });
    const webhook = template.Resources.WebhookLambdaFunction!;
    expect(webhook.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: { VIGIL_DLQ_NAME: 'vigil-dev-dead-letters', VIGIL_CONFIG: 'vigil.yml' },
      },
    });
  });

  it('subscribes the webhook to the alerts topic and gives it a Function URL', () => {
    const subscriptions = ofType('AWS::SNS::Subscription');
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]![1].Properties).toMatchObject({
      TopicArn: { Ref: 'VigilAlertsTopic' },
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': ['WebhookLambdaFunction', 'Arn'] },
    });
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
    const probe = statementsOf('VigilProbeRole');
    const webhook = statementsOf('VigilWebhookRole');
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

  it('contains exactly what `vigil infra render` prints', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const code = await main(
      ['infra', 'render', '--config', join(REPO, 'vigil.yml'), '--stage', STAGE, '--region', REGION],
      { stdout, stderr, env: {} },
    );
    expect(code).toBe(0);
    const rendered = JSON.parse(String(stdout.read())) as Template;
    for (const [id, resource] of Object.entries(rendered.Resources))
      expect([id, template.Resources[id]]).toEqual([id, resource]);
    for (const [id, output] of Object.entries(rendered.Outputs))
      expect([id, template.Outputs[id]]).toEqual([id, output]);
  });
});
