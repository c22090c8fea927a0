/**
 * `alarms.mode: self` against CloudWatch's own alarms, on the same data: the real probe Lambda runs the same world
 * minute by minute in both modes. CloudWatch-native: the datums the CloudWatch fake received, evaluated as
 * CloudWatch would (the deployed definitions through evaluate.ts, at every minute's end), each state change
 * turned into the message CloudWatch publishes. Self: the probe evaluates itself (state in dynalite), and what it
 * publishes is read back from the SNS fake. Both streams must hold the same state changes with the same reasons,
 * and become the same alerts in the webhook's intake; the story's changes are spelled out once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { AlarmEvaluator } from '../../functions/alarms/evaluate';
import { snsAlarmMessage } from '../../functions/alarms/notification';
import { loadConfig } from '../../functions/config/load';
import { classifyEvent } from '../../functions/intake/detect';
import { definitionsFor } from '../../infra/resources';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { type FakeSns, startFakeSns } from '../fakes/sns';
import { type Dynalite, startDynalite } from '../helpers/dynalite';
import { startHttpServer, type TestServer } from '../helpers/servers';

const MINUTE = 60_000;
/** A minute boundary; each round runs 5 s into its minute. */
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const MINUTES = 11;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:vigil-dev-alerts';
const OPTIONS = { stage: 'dev', region: 'us-east-1' };

/** The world, minute by minute: api's goroutines leak at 3-5, web is down at 4-6. */
const world = (minute: number) => ({
  goroutines: minute >= 3 && minute <= 5 ? 6000 : 800,
  webUp: !(minute >= 4 && minute <= 6),
});

type Change = { alarm: string; from: string; to: string; reason: string };

let api: TestServer;
let web: TestServer;
let minute = 0;
let cloudwatch: FakeCloudWatch;
let sns: FakeSns;
let dynalite: Dynalite;
let restoreEnv: () => void;
const dir = mkdtempSync(join(tmpdir(), 'vigil-self-'));

function configText(mode: 'cloudwatch' | 'self'): string {
  return `alarms:
  mode: ${mode}
${mode === 'self' ? 'publish: { metrics: none, aggregates: true }\n' : ''}targets:
  - name: api
    url: ${api.url}/health
    type: json
    metrics:
      - name: Goroutines
        path: $.goroutines
        unit: Count
        thresholds:
          warning: "> 2000"
          critical: { when: "> 5000", for: 2, of: 3 }
  - name: web
    url: ${web.url}/
`;
}

function lambdaContext(): Context {
  return {
    functionName: 'vigil-dev-probe',
    awsRequestId: `req-${minute}`,
    getRemainingTimeInMillis: () => 50_000,
  } as unknown as Context;
}

/** The probe Lambda of one mode, fresh (its config is cached per container), run once a minute. */
async function runMinutes(
  mode: 'cloudwatch' | 'self',
  atEachMinuteEnd: (end: number) => void,
): Promise<void> {
  const file = join(dir, `${mode}.yml`);
  writeFileSync(file, configText(mode));
  process.env.VIGIL_CONFIG = file;
  process.env.VIGIL_STATE_DIR = mkdtempSync(join(dir, `${mode}-state-`));
  let handler: (event: unknown, context: Context) => Promise<unknown> = async () => undefined;
  jest.isolateModules(() => {
    handler = require('../../functions/probe/handler').handler;
  });
  for (minute = 0; minute < MINUTES; minute++) {
    jest.setSystemTime(T0 + minute * MINUTE + 5_000);
    await handler({ source: 'aws.scheduler' }, lambdaContext());
    atEachMinuteEnd(T0 + (minute + 1) * MINUTE);
  }
}

/** What the webhook's intake makes of a message: the alerts, without the times the two evaluators date differently. */
function alertsOf(message: string) {
  const detected = classifyEvent(
    {
      Records: [{ EventSource: 'aws:sns', Sns: { Type: 'Notification', TopicArn: TOPIC, Message: message } }],
    },
    { now: new Date(T0) },
  );
  if ('error' in detected) throw new Error(detected.error);
  return detected.alerts.map(({ status, name, severity, labels, value, threshold, fingerprint }) => ({
    status,
    name,
    severity,
    labels,
    value,
    threshold,
    fingerprint,
  }));
}

/** `minute`: the round whose data made the change. */
const native: { minute: number; change: Change; message: string }[] = [];
const self: { minute: number; change: Change; message: string }[] = [];

beforeAll(async () => {
  api = await startHttpServer((_req, res) => {
    const body = JSON.stringify({ status: 'ok', goroutines: world(minute).goroutines });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  web = await startHttpServer((_req, res) => {
    res.writeHead(world(minute).webUp ? 200 : 503);
    res.end();
  });
  cloudwatch = await startFakeCloudWatch();
  sns = await startFakeSns({ topics: [TOPIC] });
  dynalite = await startDynalite();
  const table = await dynalite.createTable();
  restoreEnv = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url, SNS: sns.url, DYNAMODB: dynalite.url });
  Object.assign(process.env, {
    VIGIL_ALERTS_TOPIC_ARN: TOPIC,
    VIGIL_ALERT_STATE_TABLE: table,
    VIGIL_STAGE: 'dev',
  });
  // Only the clock is simulated: sockets, timers and the SDK run for real.
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });

  // CloudWatch-native: its alarms, over what it received, evaluated at every minute's end.
  writeFileSync(join(dir, 'native.yml'), configText('cloudwatch'));
  const nativeConfig = loadConfig(join(dir, 'native.yml'));
  const definitions = definitionsFor(nativeConfig, OPTIONS);
  const evaluator = new AlarmEvaluator(definitions);
  let seen = 0;
  await runMinutes('cloudwatch', (end) => {
    for (const datum of cloudwatch.datums.slice(seen))
      evaluator.record({
        namespace: datum.Namespace,
        metricName: datum.MetricName,
        dimensions: Object.fromEntries(datum.Dimensions.map(({ Name, Value }) => [Name, Value])),
        timestamp: datum.Timestamp ?? new Date(end),
        value: datum.Value ?? 0,
      });
    seen = cloudwatch.datums.length;
    for (const transition of evaluator.evaluate(end)) {
      // No InsufficientDataActions: CloudWatch publishes moves to ALARM and to OK only.
      if (transition.to === 'INSUFFICIENT_DATA') continue;
      const message = snsAlarmMessage(transition, {
        region: 'us-east-1',
        regionName: 'us-east-1',
        account: '123456789012',
        topicArn: TOPIC,
        configuredAt: new Date(T0),
      });
      native.push({
        minute: (end - T0) / MINUTE - 1,
        change: {
          alarm: transition.alarm,
          from: transition.from,
          to: transition.to,
          reason: transition.reason,
        },
        message: JSON.stringify(message),
      });
    }
  });
  cloudwatch.datums.length = 0;
  await runMinutes('self', () => undefined);
  for (const published of sns.messages) {
    const message = JSON.parse(published.message) as Record<string, string>;
    self.push({
      minute: Math.floor((Date.parse(message.StateChangeTime!.replace('+0000', 'Z')) - T0) / MINUTE),
      change: {
        alarm: message.AlarmName!,
        from: message.OldStateValue!,
        to: message.NewStateValue!,
        reason: message.NewStateReason!,
      },
      message: published.message,
    });
  }
}, 120_000);

afterAll(async () => {
  jest.useRealTimers();
  restoreEnv();
  for (const name of [
    'VIGIL_CONFIG',
    'VIGIL_STATE_DIR',
    'VIGIL_ALERTS_TOPIC_ARN',
    'VIGIL_ALERT_STATE_TABLE',
    'VIGIL_STAGE',
  ])
    delete process.env[name];
  await Promise.all([api.close(), web.close(), cloudwatch.close(), sns.close(), dynalite.close()]);
});

describe('self-evaluated alarms against CloudWatch-native ones, on the same data', () => {
  it('fire and resolve in the story the world tells', () => {
    const story = native
      .filter(({ change }) => change.from !== 'INSUFFICIENT_DATA')
      .map(({ change }) => `${change.alarm}: ${change.from} -> ${change.to}`);
    expect(story).toEqual([
      'vigil-dev-api-Goroutines-warning: OK -> ALARM', // minute 3
      'vigil-dev-api-Goroutines-critical: OK -> ALARM', // minute 4: 2 of 3
      'vigil-dev-web-down-critical: OK -> ALARM', // minute 5: 2 of 3
      'vigil-dev-api-Goroutines-warning: ALARM -> OK', // minute 6
      'vigil-dev-api-Goroutines-critical: ALARM -> OK',
      'vigil-dev-web-down-critical: ALARM -> OK', // minute 8: 1 of 3
    ]);
    // Every alarm's first evaluation moved it out of INSUFFICIENT_DATA to OK (an OK CloudWatch publishes too).
    expect(native.filter(({ change }) => change.from === 'INSUFFICIENT_DATA')).toHaveLength(4);
  });

  // The changes of one evaluation go out as separate messages, in no particular order (as CloudWatch's do).
  const ordered = (stream: typeof native) =>
    [...stream].sort((a, b) => a.minute - b.minute || a.change.alarm.localeCompare(b.change.alarm));

  it('publish the same state changes, in the same minutes, with the same reasons, to the alerts topic', () => {
    expect(ordered(self).map(({ minute, change }) => ({ minute, ...change }))).toEqual(
      ordered(native).map(({ minute, change }) => ({ minute, ...change })),
    );
  });

  it('become the same alerts in the webhook', () => {
    expect(ordered(self).map(({ message }) => alertsOf(message))).toEqual(
      ordered(native).map(({ message }) => alertsOf(message)),
    );
  });

  it('leave CloudWatch only what publish selects: the heartbeat and the aggregates', () => {
    expect([...new Set(cloudwatch.datums.map((datum) => datum.MetricName))].sort()).toEqual([
      'ProbeHeartbeat',
      'TargetsDown',
      'TargetsUp',
    ]);
    const down = cloudwatch.datums.filter((datum) => datum.MetricName === 'TargetsDown').map((d) => d.Value);
    expect(down).toEqual([0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
  });
});
