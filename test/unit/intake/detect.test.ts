import {
  classifyBody,
  classifyEvent,
  type Detection,
  isHttpEvent,
  PAYLOAD_KINDS,
} from '../../../functions/intake/detect';
import {
  alertProblems,
  fixture,
  fixtureNames,
  httpFixture,
  isOneLineReason,
  NOW,
  snsFixture,
} from './support';

const OPTIONS = { now: NOW };

function summary(detection: Detection) {
  if ('error' in detection) return { error: detection.error };
  return {
    kind: detection.kind,
    alerts: detection.alerts.map((alert) => `${alert.source}:${alert.status}:${alert.name}`),
    skipped: detection.skipped.length,
  };
}

/** Every fixture that is a Lambda event (or a bare body), with what it classifies into. */
const EVENT_FIXTURES: [string, ReturnType<typeof summary>][] = [
  [
    'alertmanager-v4',
    {
      kind: 'alertmanager',
      alerts: ['alertmanager:firing:ProbeFailure', 'alertmanager:resolved:ProbeFailure'],
      skipped: 0,
    },
  ],
  [
    'alertmanager-v4-resolved',
    { kind: 'alertmanager', alerts: ['alertmanager:resolved:ProbeFailure'], skipped: 1 },
  ],
  [
    'cloudwatch-alarm-action',
    { kind: 'alarm-action', alerts: ['cloudwatch:firing:checkout-latency-p99'], skipped: 0 },
  ],
  [
    'cloudwatch-alarm-action-composite',
    { kind: 'alarm-action', alerts: ['cloudwatch:firing:checkout-degraded'], skipped: 0 },
  ],
  ['cloudwatch-sns-alarm', { kind: 'sns', alerts: ['cloudwatch:firing:api-5xx-high'], skipped: 0 }],
  ['cloudwatch-sns-composite', { kind: 'sns', alerts: ['cloudwatch:firing:orders-degraded'], skipped: 0 }],
  ['cloudwatch-sns-insufficient-data', { kind: 'sns', alerts: [], skipped: 1 }],
  [
    'cloudwatch-sns-metric-math',
    { kind: 'sns', alerts: ['cloudwatch:firing:checkout-5xx-rate'], skipped: 0 },
  ],
  ['cloudwatch-sns-ok', { kind: 'sns', alerts: ['cloudwatch:resolved:api-5xx-high'], skipped: 0 }],
  [
    'cloudwatch-sns-vigil',
    { kind: 'sns', alerts: ['cloudwatch:firing:vigil-one-api-Goroutines-critical'], skipped: 0 },
  ],
  [
    'cloudwatch-sns-insufficient-data-opt-in',
    { kind: 'sns', alerts: ['cloudwatch:firing:nightly-export-heartbeat-critical'], skipped: 0 },
  ],
  ['eventbridge-alarm', { kind: 'eventbridge', alerts: ['cloudwatch:firing:ServerCpuTooHigh'], skipped: 0 }],
  ['eventbridge-config-change', { kind: 'eventbridge', alerts: [], skipped: 1 }],
  ['eventbridge-created-ok', { kind: 'eventbridge', alerts: [], skipped: 1 }],
  [
    'eventbridge-no-reason-data',
    { kind: 'eventbridge', alerts: ['cloudwatch:firing:payments-queue-backlog'], skipped: 0 },
  ],
  ['eventbridge-ok', { kind: 'eventbridge', alerts: ['cloudwatch:resolved:ServerCpuTooHigh'], skipped: 0 }],
  [
    'generic',
    { kind: 'generic', alerts: ['generic:firing:DiskFull', 'generic:firing:BackupLate'], skipped: 0 },
  ],
  ['generic-resolved', { kind: 'generic', alerts: ['generic:resolved:DiskFull'], skipped: 0 }],
  ['grafana-v1', { kind: 'grafana', alerts: ['grafana:firing:High memory usage'], skipped: 0 }],
  ['grafana-v1-resolved', { kind: 'grafana', alerts: ['grafana:resolved:High memory usage'], skipped: 0 }],
  ['grafana-v1-valuestring', { kind: 'grafana', alerts: ['grafana:firing:DiskSpaceLow'], skipped: 0 }],
];

describe('classifyEvent over every Lambda-event fixture', () => {
  it.each(EVENT_FIXTURES)('%s', (name, expected) => {
    const detection = classifyEvent(fixture(name), OPTIONS);
    expect(summary(detection)).toEqual(expected);
    if (!('error' in detection)) {
      for (const alert of detection.alerts) expect(alertProblems(alert)).toEqual([]);
      for (const reason of detection.skipped) expect(isOneLineReason(reason)).toBe(true);
    }
  });

  it('the table covers every fixture that is not an HTTP event', () => {
    const events = fixtureNames().filter((name) => !name.startsWith('http-'));
    expect(EVENT_FIXTURES.map(([name]) => name).sort()).toEqual(events);
    for (const [, expected] of EVENT_FIXTURES) expect(PAYLOAD_KINDS).toContain(expected.kind);
  });

  it('refuses HTTP events: they must be authenticated by handleHttpIntake', () => {
    expect(classifyEvent(httpFixture('http-function-url-generic'), OPTIONS)).toEqual({
      error: 'HTTP event: pass it to handleHttpIntake, which authenticates it and decodes the body',
    });
  });

  it.each([
    ['Function URL event', 'http-function-url-generic', true],
    ['HTTP API event', 'http-api-alertmanager-base64', true],
    ['SNS event', 'cloudwatch-sns-alarm', false],
    ['EventBridge event', 'eventbridge-alarm', false],
  ])('isHttpEvent: %s', (_case, name, expected) => {
    expect(isHttpEvent(fixture(name))).toBe(expected);
  });
  it('isHttpEvent: a REST API (v1) event is an HTTP event too', () => {
    expect(isHttpEvent({ httpMethod: 'POST', requestContext: {}, body: '{}' })).toBe(true);
  });
});

describe('SNS records', () => {
  function snsWith(...messages: string[]) {
    const template = snsFixture('cloudwatch-sns-alarm').Records[0]!;
    return { Records: messages.map((Message) => ({ ...template, Sns: { ...template.Sns, Message } })) };
  }

  it('classifies an EventBridge event published to the topic (one level deep)', () => {
    const detection = classifyEvent(snsWith(JSON.stringify(fixture('eventbridge-alarm'))), OPTIONS);
    expect(summary(detection)).toEqual({
      kind: 'sns',
      alerts: ['cloudwatch:firing:ServerCpuTooHigh'],
      skipped: 0,
    });
  });

  it('classifies every record and reports the ones that are not alerts', () => {
    const alarm = snsFixture('cloudwatch-sns-alarm').Records[0]!.Sns.Message;
    const detection = classifyEvent(snsWith('Deployment finished', alarm, '{"hello":"world"}'), OPTIONS);
    expect(detection).toMatchObject({
      kind: 'sns',
      alerts: [{ name: 'api-5xx-high' }],
      skipped: [
        'sns: Records[0]: message is not JSON, so not an alert: ignored',
        expect.stringMatching(
          /^sns: Records\[2\]: message is not an alert \(unrecognised payload: .*\): ignored$/,
        ),
      ],
    });
  });

  it('does not look for SNS inside SNS', () => {
    const detection = classifyEvent(snsWith(JSON.stringify(fixture('cloudwatch-sns-alarm'))), OPTIONS);
    expect(detection).toMatchObject({
      kind: 'sns',
      alerts: [],
      skipped: [expect.stringContaining('not an alert')],
    });
  });

  it('is an error when every record is malformed', () => {
    expect(classifyEvent({ Records: [{ EventSource: 'aws:sns', Sns: { Message: 7 } }] }, OPTIONS)).toEqual({
      error: 'sns: Records[0].Sns.Message: Invalid input: expected string, received number',
    });
  });

  it('is an error when the only alarm message is malformed', () => {
    expect(classifyEvent(snsWith('{"AlarmName":"x"}'), OPTIONS)).toEqual({
      error:
        'sns: Records[0]: cloudwatch alarm message.NewStateValue: Invalid input: expected string, received undefined',
    });
  });
});

describe('first match wins (reference A5)', () => {
  it.each<[string, unknown, string]>([
    ['CloudWatch before generic', { ...(fixture('eventbridge-alarm') as object), alerts: [] }, 'eventbridge'],
    ['Grafana before Alertmanager', { version: '1', orgId: 1, groupKey: 'g', alerts: [] }, 'grafana'],
    ['Grafana by state word without orgId', { version: '1', state: 'alerting', alerts: [] }, 'grafana'],
    [
      'Alertmanager needs version "4" and groupKey',
      { version: '4', groupKey: 'g', alerts: [] },
      'alertmanager',
    ],
    ['version "4" without groupKey is generic', { version: '4', alerts: [] }, 'generic'],
    ['version 4 as a number is generic', { version: 4, groupKey: 'g', alerts: [] }, 'generic'],
    ['version "1" without orgId or state is generic', { version: '1', alerts: [] }, 'generic'],
  ])('%s', (_case, body, kind) => {
    expect(classifyBody(body, OPTIONS)).toMatchObject({ kind });
  });
});

describe('unusable payloads: one-line errors', () => {
  it.each<[string, unknown, string | RegExp]>([
    ['a JSON array', [], 'expected a JSON object, got array'],
    ['null', null, 'expected a JSON object, got null'],
    ['a number', 42, 'expected a JSON object, got number'],
    ['an empty object', {}, /^unrecognised payload: expected a CloudWatch alarm/],
    ['some other JSON', { hello: 'world' }, /^unrecognised payload/],
    [
      'another AWS service event',
      { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} },
      'EventBridge event from aws.ec2 ("EC2 Instance State-change Notification") is not a CloudWatch alarm',
    ],
    [
      'a CloudWatch event without detail-type or alarmData',
      { source: 'aws.cloudwatch' },
      'aws.cloudwatch event without detail-type or alarmData: not an alarm',
    ],
    [
      'an alarm state change without detail',
      { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change' },
      'eventbridge.detail: Invalid input: expected object, received undefined',
    ],
    [
      'an alarm action without a name',
      { source: 'aws.cloudwatch', alarmData: { state: { value: 'ALARM' } } },
      'alarm action.alarmData.alarmName: Invalid input: expected string, received undefined',
    ],
    [
      'an SNS HTTP subscription confirmation',
      {
        Type: 'SubscriptionConfirmation',
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
        SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
      },
      /^SNS HTTP\(S\) subscriptions are not supported/,
    ],
    [
      'an SNS HTTP notification',
      { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: '{}' },
      /^SNS HTTP\(S\) subscriptions are not supported/,
    ],
  ])('%s', (_case, body, error) => {
    const detection = classifyBody(body, OPTIONS);
    expect('error' in detection).toBe(true);
    if ('error' in detection) {
      expect(detection.error).toMatch(error);
      expect(isOneLineReason(detection.error)).toBe(true);
    }
  });

  it('keeps a hostile error one line and bounded', () => {
    const detection = classifyBody({ source: `aws.x\n${'y'.repeat(5000)}`, 'detail-type': 'z' }, OPTIONS);
    expect('error' in detection && isOneLineReason(detection.error)).toBe(true);
  });
});
