import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAlarmMeta } from '../../../functions/alarms/definitions';
import { parseConfig } from '../../../functions/config/load';
import { ALERTS_TOPIC_ID } from '../../../infra/alarms';
import { DEAD_LETTER_RETENTION_SECONDS, deploymentSettings, resources } from '../../../infra/resources';
import { validateTemplate } from '../../../infra/validate-template';
import { jsonTargets, OPTIONS, ofType } from './helpers';

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

  it('wires every alarm to the alerts topic for both firing and resolved', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: ALERTS_TOPIC_ID }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: ALERTS_TOPIC_ID }]);
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

  it('keeps a new down alarm quiet until the probe has reported (warm-up)', () => {
    const down = alarms.find(
      ([, resource]) => resource.Properties.AlarmName === 'vigil-dev-one-api-down-critical',
    )?.[1];
    expect(down?.Properties).toMatchObject({
      MetricName: 'ProbeSuccess',
      Statistic: 'Minimum',
      TreatMissingData: 'breaching',
      WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: 5 },
    });
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

  it('passes the resource specification on its own (references into osls resources aside)', () => {
    const problems = validateTemplate(template);
    const outside =
      /"(ProbeLambdaFunction|WebhookLambdaFunction|SweepLambdaFunction|ProbeLogGroup|WebhookLogGroup|SweepLogGroup)"/;
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
