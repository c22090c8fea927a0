/**
 * The path of the alarms on vigil itself, end to end on loopback: the meta Lambda takes what CloudWatch publishes
 * to the meta topic and delivers it to `alerts.meta` (real Slack fake, real SQS fake for dead letters); a failure
 * there fails the invocation, which its own Errors alarm reports the other way. And the contract between the
 * webhook's EMF and the NotificationsFailed alarms: the alarm watches exactly the dimensions the metric carries.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthAlarmDefinitions, probeHeartbeatAlarms } from '../../functions/alarms/health';
import { parseConfig } from '../../functions/config/load';
import type { VigilConfig } from '../../functions/config/schema';
import { clearSecretCache } from '../../functions/config/secrets';
import { localSnsContext, snsAlarmEvent } from '../../functions/dev/sns-event';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeSqs, startFakeSqs } from '../fakes/sqs';
import { type ChatFake, startSlackFake } from '../fakes/vendors';

const QUEUE = 'vigil-test-dead-letters';
const CONTEXT = { getRemainingTimeInMillis: () => 10_000 };

let slack: ChatFake;
let sqs: FakeSqs;
let restoreEnv: () => void;
let dir: string;

beforeAll(async () => {
  slack = await startSlackFake();
  sqs = await startFakeSqs({ queues: [QUEUE] });
  restoreEnv = setFakeAwsEnv({ SQS: sqs.url });
  process.env.VIGIL_DLQ_NAME = QUEUE;
  dir = mkdtempSync(join(tmpdir(), 'vigil-meta-'));
});

afterAll(async () => {
  await Promise.all([slack.close(), sqs.close()]);
  restoreEnv();
  delete process.env.VIGIL_DLQ_NAME;
  delete process.env.VIGIL_CONFIG;
  delete process.env.VIGIL_ALERT_STATE_FILE;
  clearSecretCache();
});

function configText(extra: string): string {
  return `targets:
  - { name: api, url: "http://127.0.0.1:1/" }
channels:
  ops-slack: { type: slack, url: "${slack.url}" }
  revoked: { type: slack, url: "${slack.origin}/services/T0000000001/B0000000001/revokedtoken000000000" }
${extra}`;
}

/** The SNS event CloudWatch publishes to the meta topic when "probe stalled" fires (built as vigil dev does). */
function stalledEvent(config: VigilConfig) {
  const definition = probeHeartbeatAlarms(config, { stage: 'dev' })[0]!;
  return snsAlarmEvent(
    {
      alarm: definition.name,
      definition,
      from: 'OK',
      to: 'ALARM',
      at: new Date(),
      reason:
        'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].',
      initial: false,
    },
    localSnsContext(
      { messageId: 'm-1', publishedAt: new Date(), configuredAt: new Date() },
      'us-east-1',
      'meta',
    ),
  );
}

/** The meta handler with its own module state (it loads its config once per container, like the Lambda). */
async function metaWith(extra: string) {
  const file = join(dir, `meta-${Math.random().toString(36).slice(2)}.yml`);
  const text = configText(extra);
  writeFileSync(file, text);
  process.env.VIGIL_CONFIG = file;
  // A fresh alert state per handler: the same "probe stalled" firing twice into one state is a duplicate.
  process.env.VIGIL_ALERT_STATE_FILE = file.replace(/\.yml$/, '.db');
  let module: typeof import('../../functions/meta/handler') | undefined;
  jest.isolateModules(() => {
    module = require('../../functions/meta/handler');
  });
  return { handler: module!.metaHandler, event: stalledEvent(parseConfig(text)) };
}

describe('the meta Lambda', () => {
  it('delivers "probe stalled" to alerts.meta only, whatever the routes say', async () => {
    const { handler, event } = await metaWith(
      'routes:\n  - channels: [revoked]\nalerts:\n  meta: [ops-slack]\n',
    );
    const before = slack.requests.length;

    const result = await handler(event, CONTEXT);

    expect(result).toEqual({ source: 'sns', alerts: 1 });
    const sent = slack.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]?.json)).toContain('vigil-dev-probe-stalled-critical');
  });

  it('without alerts.meta, delivers where the routes send alerts', async () => {
    const { handler, event } = await metaWith('routes:\n  - channels: [ops-slack]\n');
    const before = slack.requests.length;

    await handler(event, CONTEXT);

    expect(slack.requests.length - before).toBe(1);
  });

  it('a channel that refuses it: dead-lettered, then the invocation fails (its Errors alarm goes to the alerts topic)', async () => {
    const { handler, event } = await metaWith(
      'alerts:\n  meta: [revoked]\nroutes:\n  - channels: [ops-slack]\n',
    );
    const letters = sqs.sent.length;

    await expect(handler(event, CONTEXT)).rejects.toThrow(/revoked refused the alert \(kept as dead letters/);

    const kept = sqs.sent.slice(letters);
    expect(kept).toHaveLength(1);
    expect(JSON.parse(kept[0]!.Body)).toMatchObject({ channel: 'revoked' });
  });

  it('an alert that reaches nobody (no routes, no alerts.meta) fails the invocation too', async () => {
    const { handler, event } = await metaWith('');

    await expect(handler(event, CONTEXT)).rejects.toThrow(/matched no route: set alerts.meta/);
  });
});

describe('NotificationsFailed: the alarm watches the metric the webhook emits', () => {
  it('has exactly the namespace, name and dimensions (Powertools service included) of the EMF line', async () => {
    const text = configText('routes:\n  - channels: [revoked]\n');
    const file = join(dir, 'webhook.yml');
    writeFileSync(file, text);
    process.env.VIGIL_CONFIG = file;
    process.env.VIGIL_ALERT_STATE_FILE = join(dir, 'webhook.db');
    let webhook: typeof import('../../functions/webhook/handler') | undefined;
    jest.isolateModules(() => {
      webhook = require('../../functions/webhook/handler');
    });
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n'));
      return true;
    });
    try {
      await webhook!.webhookHandler(stalledEvent(parseConfig(text)), CONTEXT);
    } finally {
      spy.mockRestore();
    }
    const emf = lines
      .filter((line) => line.includes('"_aws"') && line.includes('NotificationsFailed'))
      .map(
        (line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } },
      );
    expect(emf).toHaveLength(1);
    const directive = emf[0]!._aws.CloudWatchMetrics[0] as { Namespace: string; Dimensions: string[][] };
    const emitted = Object.fromEntries(directive.Dimensions[0]!.map((name) => [name, emf[0]![name]]));

    const alarm = healthAlarmDefinitions(parseConfig(text), { stage: 'dev' }).find(
      (definition) => definition.name === 'vigil-dev-notifications-failed-revoked-critical',
    );
    expect(alarm?.metric).toEqual({
      namespace: directive.Namespace,
      metricName: 'NotificationsFailed',
      dimensions: emitted,
      series: 'exact',
    });
  });
});
