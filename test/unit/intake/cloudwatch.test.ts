import { alarmFingerprint } from '../../../functions/alerts/fingerprint';
import type { Alert } from '../../../functions/alerts/types';
import type { NormalizeResult } from '../../../functions/intake/normalize';
import {
  comparisonSymbol,
  consoleAlarmUrl,
  normalizeAlarmAction,
  normalizeEventBridgeAlarm,
  normalizeSnsAlarm,
} from '../../../functions/intake/sources/cloudwatch';
import {
  alarmActionFixture,
  alertProblems,
  CTX,
  eventBridgeFixture,
  snsFixture,
  snsMessage,
} from './support';

function normalizeSnsFixture(name: string): NormalizeResult {
  const sns = snsFixture(name).Records[0]!.Sns;
  return normalizeSnsAlarm(snsMessage(name), { topicArn: sns.TopicArn, timestamp: sns.Timestamp }, CTX);
}

function onlyAlert(result: NormalizeResult): Alert {
  if ('error' in result) throw new Error(`unexpected error: ${result.error}`);
  expect(result.skipped).toEqual([]);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0]!;
}

const API_REASON =
  'Threshold Crossed: 2 out of the last 2 datapoints [37.0 (23/08/26 04:14:00), 25.0 (23/08/26 04:13:00)] were greater than the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).';
const API_OK_REASON =
  'Threshold Crossed: 2 out of the last 2 datapoints [3.0 (23/08/26 04:31:00), 4.0 (23/08/26 04:30:00)] were not greater than the threshold (10.0) (minimum 2 datapoints for ALARM -> OK transition).';
const API_METRIC = {
  namespace: 'AWS/ApplicationELB',
  name: 'HTTPCode_Target_5XX_Count',
  dimensions: { LoadBalancer: 'app/prod-api/0123456789abcdef' },
  stat: 'Sum',
  periodSeconds: 60,
};
const API_LINK = {
  title: 'CloudWatch alarm',
  url: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/api-5xx-high',
};
const CPU_METRIC = {
  namespace: 'AWS/EC2',
  name: 'CPUUtilization',
  dimensions: { InstanceId: 'i-12345678901234567' },
  stat: 'Average',
  periodSeconds: 300,
};
const CPU_LINK = {
  title: 'CloudWatch alarm',
  url: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/ServerCpuTooHigh',
};

describe('CloudWatch via SNS', () => {
  it.each<[string, string, Alert]>([
    [
      'metric alarm, OK → ALARM',
      'cloudwatch-sns-alarm',
      {
        status: 'firing',
        name: 'api-5xx-high',
        severity: 'warning',
        summary: 'Target 5xx > 10/min',
        description: API_REASON,
        labels: {
          region: 'us-east-1',
          account: '123456789012',
          alertname: 'api-5xx-high',
          severity: 'warning',
        },
        annotations: {
          description: 'Target 5xx > 10/min',
          reason: API_REASON,
          treat_missing_data: 'notBreaching',
        },
        value: 37,
        threshold: 10,
        comparison: '>',
        evaluationPeriods: 2,
        metric: API_METRIC,
        startsAt: '2026-08-23T04:15:30.123Z',
        links: [API_LINK],
        source: 'cloudwatch',
        fingerprint: alarmFingerprint('arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx-high'),
        region: 'us-east-1',
        account: '123456789012',
        transition: 'OK → ALARM',
      },
    ],
    [
      'the same alarm, ALARM → OK',
      'cloudwatch-sns-ok',
      {
        status: 'resolved',
        name: 'api-5xx-high',
        severity: 'warning',
        summary: 'Target 5xx > 10/min',
        description: API_OK_REASON,
        labels: {
          region: 'us-east-1',
          account: '123456789012',
          alertname: 'api-5xx-high',
          severity: 'warning',
        },
        annotations: {
          description: 'Target 5xx > 10/min',
          reason: API_OK_REASON,
          treat_missing_data: 'notBreaching',
        },
        value: 3,
        threshold: 10,
        comparison: '>',
        evaluationPeriods: 2,
        metric: API_METRIC,
        // SNS does not say when ALARM began: both ends are the OK transition time.
        startsAt: '2026-08-23T04:32:10.456Z',
        endsAt: '2026-08-23T04:32:10.456Z',
        links: [API_LINK],
        source: 'cloudwatch',
        fingerprint: alarmFingerprint('arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx-high'),
        region: 'us-east-1',
        account: '123456789012',
        transition: 'ALARM → OK',
      },
    ],
  ])('%s', (_case, name, expected) => {
    expect(onlyAlert(normalizeSnsFixture(name))).toEqual(expected);
  });

  it.each<[string, string, Partial<Alert>]>([
    [
      'metric math: the returnData expression label names the metric; no MetricName anywhere',
      'cloudwatch-sns-metric-math',
      {
        name: 'checkout-5xx-rate',
        summary: 'Checkout 5xx error rate above 5% for 10 minutes',
        value: 7.316017316017316,
        threshold: 5,
        comparison: '>=',
        evaluationPeriods: 2,
        metric: { name: '5xx error rate (%)', dimensions: {}, periodSeconds: 300 },
        region: 'eu-west-1',
        account: '210987654321',
        annotations: expect.objectContaining({
          treat_missing_data: '- TreatMissingData:                    missing',
        }),
      },
    ],
    [
      'composite: no Trigger, summary from the triggering child',
      'cloudwatch-sns-composite',
      {
        name: 'orders-degraded',
        summary: 'Triggered by orders-5xx-high',
        annotations: expect.objectContaining({
          alarm_rule: 'ALARM(orders-5xx-high) OR ALARM(orders-latency-p99)',
          triggered_by: 'orders-5xx-high',
        }),
        region: 'ap-northeast-1',
        links: [
          {
            title: 'CloudWatch alarm',
            url: 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/orders-degraded',
          },
        ],
      },
    ],
    [
      'vigil convention: severity, labels and links from the vigil: line; region code from the ARN',
      'cloudwatch-sns-vigil',
      {
        name: 'vigil-one-api-Goroutines-critical',
        severity: 'critical',
        summary: 'one-api runs too many goroutines (leak?)',
        labels: {
          region: 'eu-west-1',
          account: '345678901234',
          target: 'one-api',
          metric: 'Goroutines',
          team: 'platform',
          alertname: 'vigil-one-api-Goroutines-critical',
          severity: 'critical',
        },
        value: 5234,
        threshold: 5000,
        metric: {
          namespace: 'Vigil',
          name: 'Goroutines',
          dimensions: { Target: 'one-api' },
          stat: 'Maximum',
          periodSeconds: 60,
        },
        links: [
          {
            title: 'CloudWatch alarm',
            url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/vigil-one-api-Goroutines-critical',
          },
          { title: 'Runbook', url: 'https://runbooks.example.org/one-api/goroutines' },
          { title: 'Dashboard', url: 'https://grafana.example.org/d/vigil-one-api' },
        ],
        annotations: expect.objectContaining({
          description: 'one-api runs too many goroutines (leak?)',
          runbook_url: 'https://runbooks.example.org/one-api/goroutines',
        }),
      },
    ],
    [
      'INSUFFICIENT_DATA of an alarm that opts in: fires with its own severity and labels',
      'cloudwatch-sns-insufficient-data-opt-in',
      {
        status: 'firing',
        severity: 'critical',
        summary: 'No data: The nightly export stopped sending heartbeats',
        labels: expect.objectContaining({
          target: 'nightly-export',
          metric: 'Heartbeat',
          severity: 'critical',
        }),
        metric: {
          namespace: 'Batch',
          name: 'Heartbeat',
          dimensions: { Job: 'nightly-export' },
          stat: 'SampleCount',
          periodSeconds: 3600,
        },
        comparison: '<',
        threshold: 1,
        transition: 'OK → INSUFFICIENT_DATA',
      },
    ],
  ])('%s', (_case, name, expected) => {
    const alert = onlyAlert(normalizeSnsFixture(name));
    expect(alert).toMatchObject(expected);
    expect(alertProblems(alert)).toEqual([]);
  });

  it('skips INSUFFICIENT_DATA of an ordinary alarm, saying why', () => {
    expect(normalizeSnsFixture('cloudwatch-sns-insufficient-data')).toEqual({
      alerts: [],
      skipped: [
        'cloudwatch: alarm "api-5xx-high": INSUFFICIENT_DATA is not notified (add "insufficientData":"alert" to its vigil: line to be alerted)',
      ],
    });
  });

  it('takes the region from the topic ARN when the alarm ARN is missing (Region is only a display name)', () => {
    const message = { AlarmName: 'x', NewStateValue: 'ALARM', Region: 'EU (Ireland)' };
    const alert = onlyAlert(
      normalizeSnsAlarm(message, { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' }, CTX),
    );
    expect(alert).toMatchObject({ region: 'eu-west-1', account: '123456789012' });
    // The ARN vigil reconstructs is the real one, so the fingerprint matches other deliveries of the alarm.
    expect(alert.fingerprint).toBe(alarmFingerprint('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x'));
  });

  it('keeps a bare alarm (name and state only): no region, no links, times from the envelope', () => {
    const alert = onlyAlert(
      normalizeSnsAlarm(
        { AlarmName: 'bare', NewStateValue: 'ALARM' },
        { timestamp: '2026-08-23T04:00:00.000Z' },
        CTX,
      ),
    );
    expect(alert).toEqual({
      status: 'firing',
      name: 'bare',
      severity: 'warning',
      summary: 'bare',
      labels: { alertname: 'bare', severity: 'warning' },
      annotations: {},
      startsAt: '2026-08-23T04:00:00.000Z',
      links: [],
      source: 'cloudwatch',
      fingerprint: alarmFingerprint('name:bare'),
    });
  });

  it.each<[string, unknown, string]>([
    ['no AlarmName', { NewStateValue: 'ALARM' }, 'cloudwatch alarm message.AlarmName:'],
    ['empty AlarmName', { AlarmName: '', NewStateValue: 'ALARM' }, 'cloudwatch alarm message.AlarmName:'],
    ['no state', { AlarmName: 'x' }, 'cloudwatch alarm message.NewStateValue:'],
    ['not an object', 'ALARM', 'cloudwatch alarm message: '],
  ])('rejects a message with %s', (_case, message, prefix) => {
    const result = normalizeSnsAlarm(message, {}, CTX);
    expect('error' in result && result.error.startsWith(prefix)).toBe(true);
  });

  it('skips an unknown state', () => {
    expect(normalizeSnsAlarm({ AlarmName: 'x', NewStateValue: 'BROKEN' }, {}, CTX)).toEqual({
      alerts: [],
      skipped: ['cloudwatch: alarm "x": unknown state "BROKEN"'],
    });
  });

  it('drops wrongly typed display fields instead of the alarm', () => {
    const message = {
      ...snsMessage('cloudwatch-sns-alarm'),
      AlarmDescription: 42,
      StateChangeTime: 'yesterday',
      Trigger: { MetricName: 7, Threshold: 'ten', ComparisonOperator: 'GreaterThanThreshold' },
    };
    const alert = onlyAlert(normalizeSnsAlarm(message, { timestamp: '2026-08-23T04:15:30.178Z' }, CTX));
    expect(alert).toMatchObject({
      name: 'api-5xx-high',
      startsAt: '2026-08-23T04:15:30.178Z',
      comparison: '>',
    });
    // The threshold still comes from the reason text.
    expect(alert.threshold).toBe(10);
    expect(alert.metric).toBeUndefined();
  });
});

describe('state reasons', () => {
  it.each<[string, string, Pick<Alert, 'value' | 'threshold' | 'comparison'>]>([
    [
      'several datapoints: the most recent (first) one',
      API_REASON,
      { value: 37, threshold: 10, comparison: '>' },
    ],
    [
      'one datapoint, >=',
      'Threshold Crossed: 1 datapoint [1500.0 (23/08/26 02:09:00)] was greater than or equal to the threshold (1000.0).',
      { value: 1500, threshold: 1000, comparison: '>=' },
    ],
    [
      'OK reason: the condition is still the alarm condition',
      'Threshold Crossed: 1 datapoint [1.0 (08/12/18 19:55:00)] was not less than the threshold (1.0).',
      { value: 1, threshold: 1, comparison: '<' },
    ],
    [
      'less than or equal, scientific notation',
      'Threshold Crossed: 1 out of the last 1 datapoints [3.4E-4 (23/04/24 20:44:00)] was less than or equal to the threshold (2.0E-3).',
      { value: 0.00034, threshold: 0.002, comparison: '<=' },
    ],
    [
      'old format with parentheses',
      'Threshold Crossed: 1 datapoint (0.20400000000000001) was less than the threshold (10.0).',
      { value: 0.20400000000000001, threshold: 10, comparison: '<' },
    ],
  ])('%s', (_case, reasonText, expected) => {
    const alert = onlyAlert(
      normalizeSnsAlarm({ AlarmName: 'x', NewStateValue: 'ALARM', NewStateReason: reasonText }, {}, CTX),
    );
    expect({ value: alert.value, threshold: alert.threshold, comparison: alert.comparison }).toEqual(
      expected,
    );
  });

  it.each([
    'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].',
    'Alarm set by operator',
  ])('has no value when the reason names none: %s', (reasonText) => {
    const alert = onlyAlert(
      normalizeSnsAlarm({ AlarmName: 'x', NewStateValue: 'ALARM', NewStateReason: reasonText }, {}, CTX),
    );
    expect(alert.value).toBeUndefined();
    expect(alert.summary).toBe(reasonText);
  });

  it.each([
    ['GreaterThanThreshold', '>'],
    ['GreaterThanOrEqualToThreshold', '>='],
    ['LessThanThreshold', '<'],
    ['LessThanOrEqualToThreshold', '<='],
    ['LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerOrGreaterThanUpperThreshold'],
    ['GreaterThanUpperThreshold', 'GreaterThanUpperThreshold'],
  ])('maps %s to %s', (operator, symbol) => {
    expect(comparisonSymbol(operator)).toBe(symbol);
  });
});

describe('console links', () => {
  it.each([
    [
      'aws',
      'us-east-1',
      'api 5xx/high',
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/api%205xx%2Fhigh',
    ],
    [
      'aws-cn',
      'cn-north-1',
      'a',
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a',
    ],
    [
      'aws-us-gov',
      'us-gov-west-1',
      'a',
      'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/a',
    ],
  ])('%s %s %s', (partition, region, name, url) => {
    expect(consoleAlarmUrl(region, name, partition)).toBe(url);
  });
});

describe('CloudWatch via EventBridge', () => {
  const CPU_REASON =
    'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).';

  it('ALARM with reasonData: value and threshold from reasonData, comparison from the reason', () => {
    expect(onlyAlert(normalizeEventBridgeAlarm(eventBridgeFixture('eventbridge-alarm'), CTX))).toEqual({
      status: 'firing',
      name: 'ServerCpuTooHigh',
      severity: 'warning',
      summary: 'Goes into alarm when server CPU utilization is too high!',
      description: CPU_REASON,
      labels: {
        region: 'us-east-1',
        account: '123456789012',
        alertname: 'ServerCpuTooHigh',
        severity: 'warning',
      },
      annotations: {
        description: 'Goes into alarm when server CPU utilization is too high!',
        reason: CPU_REASON,
      },
      value: 99.50160229693434,
      threshold: 50,
      comparison: '>',
      metric: CPU_METRIC,
      startsAt: '2019-10-02T17:04:40.989Z',
      links: [CPU_LINK],
      source: 'cloudwatch',
      fingerprint: alarmFingerprint('arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'),
      region: 'us-east-1',
      account: '123456789012',
      transition: 'OK → ALARM',
    } satisfies Alert);
  });

  it('OK: the latest evaluated datapoint, and startsAt from when ALARM began', () => {
    const alert = onlyAlert(normalizeEventBridgeAlarm(eventBridgeFixture('eventbridge-ok'), CTX));
    expect(alert).toMatchObject({
      status: 'resolved',
      value: 12.25,
      threshold: 50,
      comparison: '>',
      startsAt: '2019-10-02T17:04:40.989Z',
      endsAt: '2019-10-02T17:34:40.915Z',
      transition: 'ALARM → OK',
      metric: CPU_METRIC,
      links: [CPU_LINK],
    });
  });

  it('without reasonData: everything from the reason text; alarm tags become labels (severity tag wins)', () => {
    const alert = onlyAlert(normalizeEventBridgeAlarm(eventBridgeFixture('eventbridge-no-reason-data'), CTX));
    expect(alert).toMatchObject({
      severity: 'critical',
      labels: {
        region: 'ap-southeast-2',
        account: '456789012345',
        severity: 'critical',
        team: 'payments',
        alertname: 'payments-queue-backlog',
      },
      value: 1500,
      threshold: 1000,
      comparison: '>=',
      transition: 'INSUFFICIENT_DATA → ALARM',
    });
    expect(alert.labels).not.toHaveProperty('aws:cloudformation:stack-name');
  });

  it('skips the first OK after alarm creation', () => {
    expect(normalizeEventBridgeAlarm(eventBridgeFixture('eventbridge-created-ok'), CTX)).toEqual({
      alerts: [],
      skipped: ['cloudwatch: alarm "payments-dlq-not-empty": first OK after creation, nothing was firing'],
    });
  });
});

describe('CloudWatch direct alarm action', () => {
  it('metric alarm: extended statistic, latest evaluated datapoint, vigil: line with a synonym', () => {
    const alert = onlyAlert(
      normalizeAlarmAction(alarmActionFixture('cloudwatch-alarm-action'), {
        ...CTX,
        defaultSeverity: 'info',
      }),
    );
    expect(alert).toMatchObject({
      name: 'checkout-latency-p99',
      severity: 'warning',
      summary: 'Checkout p99 latency above 2 s',
      labels: {
        region: 'us-west-2',
        account: '444455556666',
        team: 'checkout',
        alertname: 'checkout-latency-p99',
        severity: 'warning',
      },
      value: 2750,
      threshold: 2000,
      comparison: '>',
      metric: {
        namespace: 'AWS/ApiGateway',
        name: 'Latency',
        dimensions: { ApiName: 'checkout', Stage: 'prod' },
        stat: 'p99',
        periodSeconds: 60,
      },
      startsAt: '2026-08-23T13:20:15.490Z',
      transition: 'OK → ALARM',
      fingerprint: alarmFingerprint('arn:aws:cloudwatch:us-west-2:444455556666:alarm:checkout-latency-p99'),
    });
  });

  it('composite alarm in aws-cn: China console link, triggering alarms from reasonData', () => {
    const alert = onlyAlert(
      normalizeAlarmAction(alarmActionFixture('cloudwatch-alarm-action-composite'), CTX),
    );
    expect(alert).toMatchObject({
      name: 'checkout-degraded',
      summary: 'Triggered by checkout-5xx',
      region: 'cn-north-1',
      links: [
        {
          title: 'CloudWatch alarm',
          url: 'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/checkout-degraded',
        },
      ],
      annotations: expect.objectContaining({ alarm_rule: 'ALARM(checkout-5xx) OR ALARM(checkout-latency)' }),
      fingerprint: alarmFingerprint('arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:checkout-degraded'),
    });
    expect(alert.metric).toBeUndefined();
  });
});

describe('one alarm, three delivery paths', () => {
  it('gets the same fingerprint and labels via SNS, EventBridge and the alarm action', () => {
    const viaSns = onlyAlert(normalizeSnsFixture('cloudwatch-sns-alarm'));
    const message = snsMessage('cloudwatch-sns-alarm');
    const detail = {
      alarmName: message.AlarmName,
      state: { value: 'ALARM', reason: message.NewStateReason, timestamp: message.StateChangeTime },
      previousState: { value: 'OK', timestamp: '2026-08-22T00:00:00.000+0000' },
      configuration: { description: message.AlarmDescription, metrics: [] },
    };
    const viaEventBridge = onlyAlert(
      normalizeEventBridgeAlarm(
        {
          source: 'aws.cloudwatch',
          'detail-type': 'CloudWatch Alarm State Change',
          account: '123456789012',
          region: 'us-east-1',
          resources: [message.AlarmArn],
          detail,
        },
        CTX,
      ),
    );
    const viaAction = onlyAlert(
      normalizeAlarmAction(
        {
          source: 'aws.cloudwatch',
          alarmArn: message.AlarmArn,
          accountId: '123456789012',
          region: 'us-east-1',
          alarmData: detail,
        },
        CTX,
      ),
    );
    expect(viaEventBridge.fingerprint).toBe(viaSns.fingerprint);
    expect(viaAction.fingerprint).toBe(viaSns.fingerprint);
    expect(viaEventBridge.labels).toEqual(viaSns.labels);
    expect(viaAction.labels).toEqual(viaSns.labels);
  });
});
