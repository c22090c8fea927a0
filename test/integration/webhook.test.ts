/**
 * The webhook Lambda end to end: every intake shape from the fixtures → routes → every channel type, each a
 * loopback fake that checks what the real vendor checks (signatures, limits, errcode-on-200). Failures retry
 * until the deadline, land in the SQS dead-letter queue (loopback fake), and `vigil replay` resends them.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { main } from '../../functions/cli/main';
import { clearSecretCache } from '../../functions/config/secrets';
import { webhookHandler } from '../../functions/webhook/handler';
import { setFakeAwsEnv } from '../fakes/aws';
import { type CnVendorFake, startDingtalkFake, startFeishuFake, startWecomFake } from '../fakes/cn-vendors';
import { type FakeSns, startFakeSns } from '../fakes/sns';
import { type FakeSqs, startFakeSqs } from '../fakes/sqs';
import {
  type ChatFake,
  closedOrigin,
  startDiscordFake,
  startSlackFake,
  startTeamsFake,
  startTelegramFake,
  startWebhookFake,
  type TelegramFake,
} from '../fakes/vendors';
import { type Dynalite, startDynalite } from '../helpers/dynalite';
import { captureIo } from '../helpers/io';

const FIXTURES = join(__dirname, '../fixtures/alerts');
/** Slack and Telegram allow one message a second: a resolution right after its firing waits that long. */
const ONE_SECOND_BUDGET_MS = 1_100;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:pager';
const SECRETS = {
  WEBHOOK_TOKEN: 'intake-token-7c1e99d2',
  DINGTALK_SECRET: 'SECdingtalk0123456789abcdef',
  FEISHU_SECRET: 'feishuSecret0123456789',
};

let slack: ChatFake;
let discord: ChatFake;
let teams: ChatFake;
let telegram: TelegramFake;
let hook: ChatFake;
let wecom: CnVendorFake;
let dingtalk: CnVendorFake;
let feishu: CnVendorFake;
let sns: FakeSns;
let sqs: FakeSqs;
let dead: string;
let queueUrl: string;
let restoreEnv: () => void;
let dir: string;
let dynalite: Dynalite;

function channelsYaml(brokenUrl: string) {
  return `channels:
  ops-slack:    { type: slack, url: "${slack.url}" }
  ops-discord:  { type: discord, url: "${discord.url}" }
  ops-teams:    { type: teams, url: "${teams.url}" }
  oncall-tg:    { type: telegram, apiUrl: "${telegram.url}", token: "${telegram.token}", chatId: "${telegram.chatId}" }
  audit:        { type: webhook, url: "${hook.url}" }
  ops-wecom:    { type: wecom, url: "${wecom.url}", mention: ["@all"] }
  ops-dingtalk: { type: dingtalk, url: "${dingtalk.url}", secret: "\${env:DINGTALK_SECRET}", keyword: "vigil" }
  ops-feishu:   { type: feishu, url: "${feishu.url}", secret: "\${env:FEISHU_SECRET}" }
  pager:        { type: sns, topicArn: "${TOPIC}" }
  broken:       { type: slack, url: "${brokenUrl}/services/T1/B1/brokentoken123456" }
`;
}

const ALL = [
  'ops-slack',
  'ops-discord',
  'ops-teams',
  'oncall-tg',
  'audit',
  'ops-wecom',
  'ops-dingtalk',
  'ops-feishu',
  'pager',
];

function writeConfig(name: string, brokenUrl: string, routes: string) {
  const file = join(dir, name);
  writeFileSync(
    file,
    // groupWait 0: each event is sent at once (the group wait has its own stories in test/unit/state).
    `webhook:\n  token: "\${env:WEBHOOK_TOKEN}"\nalerts: { groupWait: 0 }\n${channelsYaml(brokenUrl)}routes:\n${routes}`,
  );
  return file;
}

function requestCounts(): Record<string, number> {
  return {
    'ops-slack': slack.requests.length,
    'ops-discord': discord.requests.length,
    'ops-teams': teams.requests.length,
    'oncall-tg': telegram.requests.length,
    audit: hook.requests.length,
    'ops-wecom': wecom.requests.length,
    'ops-dingtalk': dingtalk.requests.length,
    'ops-feishu': feishu.requests.length,
    pager: sns.messages.length,
  };
}

const context = (remainingMs = 30_000) => {
  const start = Date.now();
  return { getRemainingTimeInMillis: () => remainingMs - (Date.now() - start) };
};

beforeAll(async () => {
  [slack, discord, teams, telegram, hook] = await Promise.all([
    startSlackFake(),
    startDiscordFake(),
    startTeamsFake(),
    startTelegramFake(),
    startWebhookFake(),
  ]);
  [wecom, dingtalk, feishu] = await Promise.all([
    startWecomFake({ perMinute: 1000 }),
    startDingtalkFake({ secret: SECRETS.DINGTALK_SECRET, keyword: 'vigil', perMinute: 1000 }),
    startFeishuFake({ secret: SECRETS.FEISHU_SECRET, perSecond: 1000, perMinute: 1000 }),
  ]);
  sns = await startFakeSns({ topics: [TOPIC] });
  dynalite = await startDynalite();
  sqs = await startFakeSqs({ queues: ['vigil-dlq'] });
  queueUrl = sqs.queueUrl('vigil-dlq');
  dead = await closedOrigin();
  restoreEnv = setFakeAwsEnv({ SNS: sns.url, SQS: sqs.url, DYNAMODB: dynalite.url });
  // The alert state in DynamoDB, as deployed (a fresh table per test where a test needs a clean slate).
  process.env.VIGIL_ALERT_STATE_TABLE = await dynalite.createTable();
  // By name, as serverless.yml passes it: the handler looks the URL up with GetQueueUrl when it needs it.
  Object.assign(process.env, SECRETS, { VIGIL_DLQ_NAME: 'vigil-dlq' });
  dir = mkdtempSync(join(tmpdir(), 'vigil-webhook-'));
  process.env.VIGIL_CONFIG = writeConfig(
    'vigil.yml',
    dead,
    `  - match: { alertname: "~.*[Bb]roken.*" }\n    channels: [broken]\n  - channels: [${ALL.join(', ')}]\n`,
  );
});

afterAll(async () => {
  await Promise.all(
    [slack, discord, teams, telegram, hook, wecom, dingtalk, feishu, sns, sqs, dynalite].map((fake) =>
      fake.close(),
    ),
  );
  restoreEnv();
  for (const name of [...Object.keys(SECRETS), 'VIGIL_DLQ_NAME', 'VIGIL_CONFIG', 'VIGIL_ALERT_STATE_TABLE'])
    delete process.env[name];
  clearSecretCache();
});

const eventFixtures = readdirSync(FIXTURES).filter(
  (file) =>
    file.endsWith('.json') &&
    !file.startsWith('http-') &&
    !file.startsWith('alertmanager') &&
    !file.startsWith('grafana') &&
    !file.startsWith('generic'),
);

describe('webhook Lambda: AWS events', () => {
  it.each(eventFixtures)(
    '%s reaches every channel type as one accepted message (or is skipped with a reason)',
    async (file) => {
      process.env.VIGIL_ALERT_STATE_TABLE = await dynalite.createTable();
      const event = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const before = requestCounts();
      const result = (await webhookHandler(event, context())) as {
        alerts: number;
        rejected?: string;
        deadLettered: number;
        firing?: number;
        'not-a-resolution'?: number;
      };
      expect(result.rejected).toBeUndefined();
      expect(result.deadLettered).toBe(0);
      // On a clean state a firing is a page; a resolution of nothing notified is not announced.
      const sent = (result.firing ?? 0) > 0 ? 1 : 0;
      if (result.alerts > 0 && sent === 0) expect(result['not-a-resolution']).toBe(result.alerts);
      const after = requestCounts();
      for (const channel of ALL)
        expect([channel, after[channel]! - before[channel]!]).toEqual([channel, sent]);
    },
  );

  it.each(eventFixtures.filter((file) => /-ok\.json$/.test(file) && !file.includes('created')))(
    '%s resolves its firing on every channel once the firing was notified',
    async (file) => {
      process.env.VIGIL_ALERT_STATE_TABLE = await dynalite.createTable();
      const ok = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const firing = JSON.parse(
        JSON.stringify(ok).replaceAll('"OK"', '"ALARM"').replaceAll('\\"OK\\"', '\\"ALARM\\"'),
      );
      await webhookHandler(firing, context());
      await sleep(ONE_SECOND_BUDGET_MS);
      const before = requestCounts();
      const result = (await webhookHandler(ok, context())) as { resolved?: number };
      expect(result.resolved).toBe(1);
      const after = requestCounts();
      for (const channel of ALL) expect([channel, after[channel]! - before[channel]!]).toEqual([channel, 1]);
    },
  );

  it('handles most fixtures as alerts, not skips', async () => {
    let withAlerts = 0;
    for (const file of eventFixtures) {
      const event = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const result = (await webhookHandler(event, context())) as { alerts: number };
      if (result.alerts > 0) withAlerts++;
    }
    expect(withAlerts).toBeGreaterThanOrEqual(eventFixtures.length - 3);
  });

  it('signs DingTalk and Feishu requests and keeps the keyword', () => {
    const ding = dingtalk.requests.at(-1)!;
    expect(ding.query.get('sign')).toBeTruthy();
    expect(ding.body).toContain('vigil');
    expect(feishu.requests.at(-1)!.json).toMatchObject({
      sign: expect.any(String),
      timestamp: expect.any(String),
    });
    expect(sns.messages.at(-1)!.attributes.severity).toBeDefined();
  });

  it('answers an unrecognised event with a reason and delivers nothing', async () => {
    const before = requestCounts();
    const result = (await webhookHandler({ hello: 'world' }, context())) as { rejected?: string };
    expect(result.rejected).toMatch(/unrecognised payload/);
    expect(requestCounts()).toEqual(before);
  });
});

describe('webhook Lambda: HTTP intake (Function URL)', () => {
  function httpEvent(body: string, headers: Record<string, string> = {}) {
    return {
      version: '2.0',
      rawPath: '/',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/' } },
    };
  }
  const auth = { authorization: `Bearer ${SECRETS.WEBHOOK_TOKEN}` };

  it.each([
    'alertmanager-v4.json',
    'alertmanager-v4-resolved.json',
    'grafana-v1.json',
    'grafana-v1-resolved.json',
    'generic.json',
    'generic-resolved.json',
  ])('%s is accepted and delivered to every channel', async (file) => {
    process.env.VIGIL_ALERT_STATE_TABLE = await dynalite.createTable();
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    if (file.includes('resolved')) {
      // A resolution is announced where its firing was: send the firing first, and let the 1/s budgets of Slack
      // and Telegram free up.
      const firing = text.replaceAll('"resolved"', '"firing"').replaceAll('"ok"', '"alerting"');
      await webhookHandler(httpEvent(firing, auth), context());
      await sleep(ONE_SECOND_BUDGET_MS);
    }
    const before = requestCounts();
    const response = (await webhookHandler(httpEvent(text, auth), context())) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.channels).toHaveLength(ALL.length);
    expect(body.channels.every((channel: { ok: boolean }) => channel.ok)).toBe(true);
    const after = requestCounts();
    for (const channel of ALL) expect(after[channel]! - before[channel]!).toBe(1);
  });

  it.each([
    ['no credentials', {}, 401],
    ['a wrong token', { authorization: 'Bearer nope' }, 401],
  ])('rejects %s with %s and a reason', async (_name, headers, status) => {
    const response = (await webhookHandler(
      httpEvent('{"alerts":[{"labels":{"alertname":"x"}}]}', headers),
      context(),
    )) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error).toMatch(/\S/);
    expect(response.body).not.toContain(SECRETS.WEBHOOK_TOKEN);
  });

  it('rejects bodies over 1 MB with 413', async () => {
    const response = (await webhookHandler(
      httpEvent(`{"alerts":[],"pad":"${'x'.repeat(1_100_000)}"}`, auth),
      context(),
    )) as { statusCode: number };
    expect(response.statusCode).toBe(413);
  });
});

describe('dead letters and replay', () => {
  it('retries a broken channel until the deadline, then keeps the alerts in the SQS dead-letter queue', async () => {
    const before = sqs.queue('vigil-dlq').length;
    const event = {
      version: '2.0',
      headers: { authorization: `Bearer ${SECRETS.WEBHOOK_TOKEN}` },
      body: JSON.stringify({
        alerts: [
          {
            labels: { alertname: 'BrokenPipe', severity: 'critical' },
            annotations: { summary: 'pipe broke' },
          },
        ],
      }),
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' } },
    };
    const response = (await webhookHandler(event, context(5_000))) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({
      deadLettered: 1,
      channels: [{ channel: 'broken', ok: false, reason: 'network' }],
    });
    expect(body.channels[0].attempts).toBeGreaterThan(1);
    const queue = sqs.queue('vigil-dlq');
    expect(queue.length).toBe(before + 1);
    const letter = JSON.parse(queue.at(-1)!.Body);
    expect(letter).toMatchObject({
      version: 1,
      channel: 'broken',
      channelType: 'slack',
      alerts: [{ name: 'BrokenPipe', severity: 'critical' }],
    });
    expect(queue.at(-1)!.Body).not.toContain('brokentoken123456');
  });

  it('vigil replay resends only to the failed channel once it works, and empties the queue', async () => {
    // The broken channel's URL is fixed in the config: replay renders with the current config.
    const fixed = writeConfig('fixed.yml', slack.origin, '  - channels: [ops-slack]\n');
    const slackBefore = slack.requests.length;
    const othersBefore = requestCounts();
    const out = captureIo();
    const code = await main(['replay', '--config', fixed, '--queue', queueUrl, '--json'], out.streams);
    const report = JSON.parse(out.text());
    // The fixed URL carries a different token than the fake expects, so Slack refuses it: it fails again…
    expect(code).toBe(1);
    expect(report).toMatchObject({ delivered: 0, failed: 1 });
    expect(sqs.queue('vigil-dlq').map((m) => JSON.parse(m.Body).replays)).toContain(1);
    expect(out.text()).not.toContain('brokentoken123456');

    // …and with the right URL it is delivered and removed.
    const right = join(dir, 'right.yml');
    writeFileSync(
      right,
      readFileSync(fixed, 'utf8').replace(`${slack.origin}/services/T1/B1/brokentoken123456`, slack.url),
    );
    const again = captureIo();
    expect(await main(['replay', '--config', right, '--queue', 'vigil-dlq', '--json'], again.streams)).toBe(
      0,
    );
    expect(JSON.parse(again.text())).toMatchObject({ delivered: 1, failed: 0 });
    expect(slack.requests.length).toBe(slackBefore + 2);
    expect(JSON.parse(slack.requests.at(-1)!.body).text).toContain('BrokenPipe');
    expect(sqs.queue('vigil-dlq')).toHaveLength(0);
    const after = requestCounts();
    for (const channel of ALL.filter((name) => name !== 'ops-slack'))
      expect(after[channel]).toBe(othersBefore[channel]);
  });
});
