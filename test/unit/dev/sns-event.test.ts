import type { AlarmDefinition } from '../../../functions/alarms/definitions';
import { AlarmEvaluator } from '../../../functions/alarms/evaluate';
import {
  cloudWatchTime,
  SNS_SUBJECT_MAX_CHARS,
  snsAlarmMessage,
  snsSubject,
} from '../../../functions/alarms/notification';
import type { Alert } from '../../../functions/alerts/types';
import { parseConfig } from '../../../functions/config/load';
import { type LocalTransition, localAlarmDefinitions } from '../../../functions/dev/alarms';
import { isPublished, LOCAL_ACCOUNT, localSnsContext, snsAlarmEvent } from '../../../functions/dev/sns-event';
import { classifyEvent } from '../../../functions/intake/detect';

const CONFIG = parseConfig(`
targets:
  - name: one-api
    url: http://127.0.0.1:3000/api/monitor/health
    type: json
    metrics:
      - name: Goroutines
        path: $.goroutines
        unit: Count
        thresholds:
          warning: "> 2000"
          critical: { when: "> 5000", for: 2, of: 3 }
          emergency: "> 10000"
  - name: mall-go
    url: http://127.0.0.1:3000/metrics
    type: prometheus
    metrics:
      - name: RequestsByMethod
        query: sum by (method) (http_requests_total)
        thresholds:
          warning: "> 100000"
`);
const DEFINITIONS = localAlarmDefinitions(CONFIG, 5_000);
const AT = new Date('2026-11-22T01:27:35.000Z');
const CONTEXT = localSnsContext({
  messageId: '3f1c2a9e-0000-4000-8000-000000000001',
  publishedAt: new Date(AT.getTime() + 40),
  configuredAt: new Date('2026-11-22T01:26:25.000Z'),
});

function definition(name: string): AlarmDefinition {
  const found = DEFINITIONS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no alarm ${name} in ${DEFINITIONS.map((d) => d.name).join(', ')}`);
  return found;
}

// The reasons CloudWatch writes (reference A1): datapoints newest first, each with its time.
const FIRING_REASON =
  'Threshold Crossed: 1 out of the last 1 datapoints [5234.0 (22/11/26 01:27:30)] was greater than the threshold (5000.0) (minimum 1 datapoint for OK -> ALARM transition).';
const OK_REASON =
  'Threshold Crossed: 1 datapoint [812.0 (22/11/26 01:30:30)] was not greater than the threshold (5000.0).';

function transition(name: string, from: LocalTransition['from'], to: LocalTransition['to'], reason: string) {
  return { alarm: name, definition: definition(name), from, to, at: AT, reason, initial: false };
}

function classify(event: unknown): Alert[] {
  const detected = classifyEvent(event, { now: AT });
  if ('error' in detected) throw new Error(detected.error);
  expect(detected.kind).toBe('sns');
  return detected.alerts;
}

describe('snsAlarmEvent', () => {
  it('is an SNS record whose Message is the alarm notification as a JSON string (reference A1)', () => {
    const event = snsAlarmEvent(
      transition('vigil-dev-one-api-Goroutines-critical', 'OK', 'ALARM', FIRING_REASON),
      CONTEXT,
    );

    const record = event.Records[0]!;
    expect(record.EventSource).toBe('aws:sns');
    expect(record.Sns.Type).toBe('Notification');
    expect(record.Sns.TopicArn).toBe(`arn:aws:sns:local:${LOCAL_ACCOUNT}:vigil-dev-alerts`);
    expect(record.Sns.Subject).toBe('ALARM: "vigil-dev-one-api-Goroutines-critical" in Local (vigil dev)');
    expect(record.Sns.Timestamp).toBe('2026-11-22T01:27:35.040Z');
    expect(JSON.parse(record.Sns.Message)).toEqual({
      AlarmName: 'vigil-dev-one-api-Goroutines-critical',
      AlarmDescription: definition('vigil-dev-one-api-Goroutines-critical').description,
      AWSAccountId: LOCAL_ACCOUNT,
      AlarmConfigurationUpdatedTimestamp: '2026-11-22T01:26:25.000+0000',
      NewStateValue: 'ALARM',
      NewStateReason: FIRING_REASON,
      StateChangeTime: '2026-11-22T01:27:35.000+0000',
      Region: 'Local (vigil dev)',
      AlarmArn: `arn:aws:cloudwatch:local:${LOCAL_ACCOUNT}:alarm:vigil-dev-one-api-Goroutines-critical`,
      OldStateValue: 'OK',
      OKActions: [record.Sns.TopicArn],
      AlarmActions: [record.Sns.TopicArn],
      InsufficientDataActions: [],
      Trigger: {
        MetricName: 'Goroutines',
        Namespace: 'Vigil',
        StatisticType: 'Statistic',
        Statistic: 'MAXIMUM',
        Unit: null,
        Dimensions: [{ value: 'one-api', name: 'Target' }],
        Period: 5,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5000,
        TreatMissingData: 'ignore',
        EvaluateLowSampleCountPercentile: '',
      },
    });
  });

  it.each([
    ['warning fires', 'vigil-dev-one-api-Goroutines-warning', 'OK', 'ALARM', 'firing', 'warning'],
    ['critical fires', 'vigil-dev-one-api-Goroutines-critical', 'OK', 'ALARM', 'firing', 'critical'],
    ['emergency fires', 'vigil-dev-one-api-Goroutines-emergency', 'OK', 'ALARM', 'firing', 'emergency'],
    ['critical resolves', 'vigil-dev-one-api-Goroutines-critical', 'ALARM', 'OK', 'resolved', 'critical'],
    [
      'a resolution after missing data',
      'vigil-dev-one-api-Goroutines-emergency',
      'INSUFFICIENT_DATA',
      'OK',
      'resolved',
      'emergency',
    ],
    ['the down alarm fires', 'vigil-dev-one-api-down-critical', 'OK', 'ALARM', 'firing', 'critical'],
  ] as const)('classifies as the webhook will: %s', (_name, alarm, from, to, status, severity) => {
    const reason = to === 'ALARM' ? FIRING_REASON : OK_REASON;

    const [alert, ...rest] = classify(snsAlarmEvent(transition(alarm, from, to, reason), CONTEXT));

    expect(rest).toHaveLength(0);
    expect(alert).toMatchObject({
      source: 'cloudwatch',
      name: alarm,
      status,
      severity,
      transition: `${from} → ${to}`,
      labels: { alertname: alarm, severity, target: 'one-api' },
    });
  });

  it('carries the value and threshold the webhook shows', () => {
    const [firing] = classify(
      snsAlarmEvent(
        transition('vigil-dev-one-api-Goroutines-critical', 'OK', 'ALARM', FIRING_REASON),
        CONTEXT,
      ),
    );
    const [resolved] = classify(
      snsAlarmEvent(transition('vigil-dev-one-api-Goroutines-critical', 'ALARM', 'OK', OK_REASON), CONTEXT),
    );

    expect(firing).toMatchObject({ value: 5234, threshold: 5000, comparison: '>', evaluationPeriods: 3 });
    expect(firing?.metric).toEqual({
      namespace: 'Vigil',
      name: 'Goroutines',
      dimensions: { Target: 'one-api' },
      stat: 'Maximum',
      periodSeconds: 5,
    });
    expect(resolved).toMatchObject({ value: 812, threshold: 5000, status: 'resolved' });
  });

  it('links no CloudWatch console page: the alarm exists only locally', () => {
    const [alert] = classify(
      snsAlarmEvent(
        transition('vigil-dev-one-api-Goroutines-warning', 'OK', 'ALARM', FIRING_REASON),
        CONTEXT,
      ),
    );

    expect(alert?.links).toEqual([]);
  });

  it('describes an alarm over every series of a labelled metric as CloudWatch does a Metrics Insights alarm', () => {
    const message = snsAlarmMessage(
      transition('vigil-dev-mall-go-RequestsByMethod-warning', 'OK', 'ALARM', FIRING_REASON),
      CONTEXT,
    );

    expect(message.Trigger).toEqual({
      Metrics: [
        {
          Id: 'q1',
          Expression: 'SELECT MAX("RequestsByMethod") FROM "Vigil" WHERE Target = \'mall-go\'',
          Label: expect.stringContaining('RequestsByMethod'),
          ReturnData: true,
          Period: 5,
        },
      ],
      Period: 5,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 100000,
      TreatMissingData: 'ignore',
      EvaluateLowSampleCountPercentile: '',
    });
  });
});

describe('isPublished', () => {
  it.each([
    ['any move to ALARM', { to: 'ALARM', initial: false }, true],
    ['a new alarm that starts in ALARM', { to: 'ALARM', initial: true }, true],
    ['a resolution', { to: 'OK', initial: false }, true],
    ['a new alarm settling to OK', { to: 'OK', initial: true }, false],
    [
      'a move to INSUFFICIENT_DATA (no InsufficientDataActions)',
      { to: 'INSUFFICIENT_DATA', initial: false },
      false,
    ],
  ] as const)('%s', (_name, transitionLike, published) => {
    expect(isPublished(transitionLike)).toBe(published);
  });
});

describe('formats', () => {
  it('writes times as CloudWatch does in alarm messages', () => {
    expect(cloudWatchTime(new Date('2026-08-23T04:15:30.123Z'))).toBe('2026-08-23T04:15:30.123+0000');
  });

  it('keeps the SNS subject within its limit', () => {
    const subject = snsSubject('ALARM', 'x'.repeat(300), 'Local (vigil dev)');

    expect(subject).toHaveLength(SNS_SUBJECT_MAX_CHARS);
    expect(subject.startsWith('ALARM: "xxx')).toBe(true);
  });
});

describe('the local evaluator and the webhook agree', () => {
  it('a transition evaluated locally carries its value and threshold all the way into the alert', () => {
    const critical = definition('vigil-dev-one-api-Goroutines-critical');
    const evaluator = new AlarmEvaluator([critical]);
    const start = Date.parse('2026-11-22T01:27:00.000Z');
    for (const [index, value] of [5120, 5234].entries()) {
      evaluator.record({
        namespace: 'Vigil',
        metricName: 'Goroutines',
        dimensions: { Target: 'one-api' },
        timestamp: start + index * 5_000,
        value,
      });
    }
    const fired = evaluator.evaluate(start + 10_000).find((t) => t.to === 'ALARM');
    expect(fired?.reason).toMatch(
      /^Threshold Crossed: 2 out of the last 3 datapoints \[5234\.0 \(22\/11\/26 01:27:05\), 5120\.0/,
    );
    const [alert] = classify(
      snsAlarmEvent({ ...fired!, at: new Date(start + 10_000), initial: false }, CONTEXT),
    );
    expect(alert).toMatchObject({
      status: 'firing',
      severity: 'critical',
      value: 5234,
      threshold: 5000,
      comparison: '>',
    });
  });
});
