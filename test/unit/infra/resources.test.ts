import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAlarmMeta } from '../../../functions/alarms/definitions';
import { parseConfig } from '../../../functions/config/load';
import { ALERTS_TOPIC_ID, META_TOPIC_ID } from '../../../infra/alarms';
import { DEAD_LETTER_RETENTION_SECONDS, deploymentSettings, resources } from '../../../infra/resources';
import { validateTemplate } from '../../../infra/validate-template';
import { jsonTargets, OPTIONS, OSLS_OWNED_REFERENCE, ofType } from './helpers';

const FIXTURE = join(__dirname, 'fixtures/vigil.yml');
const GOLDEN = join(__dirname, 'golden/render.json');

describe('generated resources', () => {
  const config = parseConfig(readFileSync(FIXTURE, 'utf8'));
  const template = resources(config, OPTIONS);
  const alarms = ofType(template.Resources, 'AWS::CloudWatch::Alarm');

  // Regenerate deliberately: UPDATE_GOLDEN=1 npx jest test/unit/infra/resources.test.ts, then review the diff.
  it('matches the golden render of the fixture config', () => {
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, `${JSON.stringify(template, null, 2)}\n`);
    expect(template).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it("wires every alarm to its topic for both firing and resolved: the meta function's own to the alerts topic, the rest of vigil's health to the meta topic", () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) {
      const name = String(alarm.Properties.AlarmName);
      const health =
        /^vigil-dev-(probe-(stalled|errors|throttles)|webhook-|dead-letters|notifications-failed-)/.test(
          name,
        );
      const topic = health ? META_TOPIC_ID : ALERTS_TOPIC_ID;
      expect([name, alarm.Properties.AlarmActions]).toEqual([name, [{ Ref: topic }]]);
      expect([name, alarm.Properties.OKActions]).toEqual([name, [{ Ref: topic }]]);
      expect(parseAlarmMeta(String(alarm.Properties.AlarmDescription))).toMatchObject({
        severity: expect.stringMatching(/^(warning|critical|emergency)$/),
      });
      expect(String(alarm.Properties.AlarmName)).toMatch(/^vigil-dev-.+-(warning|critical|emergency)$/);
    }
  });

  it.each([
    ['vigil-dev-one-api-Goroutines-warning', 'GreaterThanThreshold', 2000, 1, 1],
    ['vigil-dev-one-api-Goroutines-critical', 'GreaterThanThreshold', 5000, 3, 5],
    ['vigil-dev-one-api-Goroutines-emergency', 'GreaterThanThreshold', 10000, 1, 1],
    ['vigil-dev-one-api-down-critical', 'LessThanThreshold', 1, 2, 3],
    ['vigil-dev-mall-go-down-critical', 'LessThanThreshold', 1, 2, 3],
  ])('%s: %s %d, %d of %d', (name, operator, threshold, m, n) => {
    const alarm = alarms.find(([, resource]) => resource.Properties.AlarmName === name)?.[1];
    expect(alarm?.Properties).toMatchObject({
      ComparisonOperator: operator,
      Threshold: threshold,
      DatapointsToAlarm: m,
      EvaluationPeriods: n,
    });
  });

  it('alarms on a labelled Prometheus metric through one Metrics Insights query', () => {
    const alarm = alarms.find(
      ([, resource]) => resource.Properties.AlarmName === 'vigil-dev-mall-go-RequestsByMethod-warning',
    )?.[1];
    expect(alarm?.Properties).toMatchObject({
      Metrics: [
        {
          Id: 'q1',
          Expression: `SELECT MAX("RequestsByMethod") FROM "Vigil" WHERE Target = 'mall-go'`,
          Period: 60,
          ReturnData: true,
        },
      ],
    });
    expect(alarm?.Properties).not.toHaveProperty('MetricName');
  });

  it('lets a down alarm keep its state when the probe does not report (the stalled alarm says so instead)', () => {
    const down = alarms.find(
      ([, resource]) => resource.Properties.AlarmName === 'vigil-dev-one-api-down-critical',
    )?.[1];
    expect(down?.Properties).toMatchObject({
      MetricName: 'ProbeSuccess',
      Statistic: 'Minimum',
      TreatMissingData: 'ignore',
    });
    expect(down?.Properties).not.toHaveProperty('WarmUpConfiguration');
  });

  it("pages once when the probe's heartbeat stops: missing is breaching, 1 of 1, quiet until the first rounds (warm-up)", () => {
    const stalled = alarms.find(
      ([, resource]) => resource.Properties.AlarmName === 'vigil-dev-probe-stalled-critical',
    )?.[1];
    expect(stalled?.Properties).toMatchObject({
      Namespace: 'Vigil',
      MetricName: 'ProbeHeartbeat',
      Dimensions: [{ Name: 'Probe', Value: 'vigil-dev-probe' }],
      Statistic: 'Sum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      Period: 60,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
      WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: 3 },
      AlarmActions: [{ Ref: META_TOPIC_ID }],
    });
  });

  it.each([
    [
      'vigil-dev-probe-errors-warning',
      'AWS/Lambda',
      'Errors',
      { FunctionName: 'vigil-dev-probe' },
      'notBreaching',
    ],
    [
      'vigil-dev-probe-throttles-warning',
      'AWS/Lambda',
      'Throttles',
      { FunctionName: 'vigil-dev-probe' },
      'notBreaching',
    ],
    [
      'vigil-dev-webhook-errors-critical',
      'AWS/Lambda',
      'Errors',
      { FunctionName: 'vigil-dev-webhook' },
      'notBreaching',
    ],
    [
      'vigil-dev-webhook-throttles-warning',
      'AWS/Lambda',
      'Throttles',
      { FunctionName: 'vigil-dev-webhook' },
      'notBreaching',
    ],
    [
      'vigil-dev-meta-errors-critical',
      'AWS/Lambda',
      'Errors',
      { FunctionName: 'vigil-dev-meta' },
      'notBreaching',
    ],
    [
      'vigil-dev-meta-throttles-warning',
      'AWS/Lambda',
      'Throttles',
      { FunctionName: 'vigil-dev-meta' },
      'notBreaching',
    ],
    [
      'vigil-dev-dead-letters-warning',
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: 'vigil-dev-dead-letters' },
      'ignore',
    ],
    [
      'vigil-dev-notifications-failed-pager-critical',
      'Vigil',
      'NotificationsFailed',
      { service: 'vigil-webhook', Channel: 'pager' },
      'notBreaching',
    ],
  ])('alarms on vigil itself: %s (%s %s > 0)', (name, namespace, metric, dimensions, missing) => {
    const alarm = alarms.find(([, resource]) => resource.Properties.AlarmName === name)?.[1];
    expect(alarm?.Properties).toMatchObject({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      TreatMissingData: missing,
    });
    expect(parseAlarmMeta(String(alarm?.Properties.AlarmDescription))?.severity).toBe(name.split('-').at(-1));
  });

  it("creates the meta topic (CloudWatch-only policy) and the meta function's role, beside the webhook's", () => {
    expect(template.Resources.VigilMetaTopic?.Properties).toEqual({
      TopicName: 'vigil-dev-meta',
      DisplayName: 'vigil health (dev)',
    });
    expect(template.Resources.VigilMetaTopicPolicy?.Properties).toMatchObject({
      Topics: [{ Ref: META_TOPIC_ID }],
      PolicyDocument: { Statement: [{ Principal: { Service: 'cloudwatch.amazonaws.com' } }] },
    });
    expect(template.Resources.VigilMetaRole?.Type).toBe('AWS::IAM::Role');
    expect(template.Outputs.VigilMetaTopicArn?.Value).toEqual({ Ref: META_TOPIC_ID });
  });

  it('creates the alerts topic, its CloudWatch-only policy and a 14-day dead-letter queue', () => {
    expect(template.Resources.VigilAlertsTopic?.Type).toBe('AWS::SNS::Topic');
    expect(template.Resources.VigilAlertsTopicPolicy?.Properties).toMatchObject({
      PolicyDocument: {
        Statement: [{ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }],
      },
    });
    expect(template.Resources.VigilDeadLetterQueue?.Properties).toMatchObject({
      MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS,
      SqsManagedSseEnabled: true,
    });
    expect(DEAD_LETTER_RETENTION_SECONDS).toBe(1_209_600);
  });

  it('keeps the probe state in a private, encrypted, TLS-only bucket whose stale objects expire', () => {
    const [[id, bucket] = []] = ofType(template.Resources, 'AWS::S3::Bucket');
    expect(id).toBe('VigilStateBucket');
    expect(bucket).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            expect.objectContaining({ Status: 'Enabled', Prefix: 'probe-state/', ExpirationInDays: 7 }),
          ],
        },
      },
    });
    expect(bucket?.Properties).not.toHaveProperty('VersioningConfiguration');
    const [[, policy] = []] = ofType(template.Resources, 'AWS::S3::BucketPolicy');
    expect(policy?.Properties).toMatchObject({
      Bucket: { Ref: 'VigilStateBucket' },
      PolicyDocument: {
        Statement: [
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
    expect(deploymentSettings(config, OPTIONS).stateBucket).toEqual({ Ref: 'VigilStateBucket' });
  });

  it('passes the resource specification on its own (references into osls resources aside)', () => {
    const problems = validateTemplate(template);
    const outside = OSLS_OWNED_REFERENCE;
    expect(problems.filter((problem) => !outside.test(problem.message))).toEqual([]);
  });
});

describe('options in vigil.yml', () => {
  it('adds the EventBridge rule for the account’s other alarms only when asked, leaving vigil’s own out', () => {
    expect(ofType(resources(jsonTargets(1), OPTIONS).Resources, 'AWS::Events::Rule')).toEqual([]);
    const on = resources(jsonTargets(1, '[]', 'alarms: { accountAlarms: true }'), OPTIONS).Resources;
    const rules = ofType(on, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1];
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ 'anything-but': { prefix: 'vigil-dev-' } }] },
    });
    expect(ofType(on, 'AWS::Lambda::Permission')).toHaveLength(1);
  });

  it('leaves dashboards out when disabled', () => {
    const out = resources(jsonTargets(2, '[]', 'dashboard: { enabled: false }'), OPTIONS);
    expect(ofType(out.Resources, 'AWS::CloudWatch::Dashboard')).toEqual([]);
    expect(out.Outputs).not.toHaveProperty('VigilDashboardUrl');
  });

  it.each([
    ['1m', 'rate(1 minute)', 55],
    ['5m', 'rate(5 minutes)', 295],
    ['30m', 'rate(30 minutes)', 900],
  ])('schedule %s → %s, probe timeout %ds', (schedule, rate, timeout) => {
    const settings = deploymentSettings(jsonTargets(1, '[]', `probe: { schedule: ${schedule} }`), {
      stage: 'dev',
      region: 'us-east-1',
    });
    expect(settings).toMatchObject({ scheduleRate: rate, probeTimeout: timeout });
  });

  it('takes the log retention from logs.retentionDays', () => {
    expect(
      deploymentSettings(jsonTargets(1, '[]', 'logs: { retentionDays: 14 }'), {
        stage: 'dev',
        region: 'us-east-1',
      }).logRetentionDays,
    ).toBe(14);
  });
});
