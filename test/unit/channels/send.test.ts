/**
 * send + classify + sendWithRetry of the Slack, Discord, Teams, Telegram and webhook channels against loopback fakes
 * that behave like the vendors. Waits are asserted through the injected sleep, never by wall time.
 */

import { discord } from '../../../functions/channels/discord';
import { webhook } from '../../../functions/channels/generic-webhook';
import type { ChannelConfig } from '../../../functions/channels/registry';
import { slack } from '../../../functions/channels/slack';
import { teams } from '../../../functions/channels/teams';
import { telegram } from '../../../functions/channels/telegram';
import type { ChannelModule } from '../../../functions/channels/types';
import { sendWithRetry } from '../../../functions/notify/retry';
import {
  type ChatFake,
  startDiscordFake,
  startSlackFake,
  startTeamsFake,
  startTelegramFake,
  startWebhookFake,
} from '../../fakes/vendors';
import { fakeClock, goldenCases, NOW, retryDeps } from './fixtures';

interface Vendor {
  name: string;
  start: () => Promise<ChatFake>;
  module: ChannelModule<string, ChannelConfig, unknown>;
  config: (fake: ChatFake) => ChannelConfig;
  /** A rate-limit wait the vendor expresses, in seconds (Discord uses fractions). */
  rateLimitSeconds: number;
}

const as = <C, M>(module: ChannelModule<string, C & { type: string }, M>) =>
  module as unknown as ChannelModule<string, ChannelConfig, unknown>;

const VENDORS: Vendor[] = [
  {
    name: 'slack',
    start: () => startSlackFake(),
    module: as(slack),
    config: (fake) => ({ type: 'slack', url: fake.url }),
    rateLimitSeconds: 3,
  },
  {
    name: 'discord',
    start: () => startDiscordFake(),
    module: as(discord),
    config: (fake) => ({ type: 'discord', url: fake.url }),
    rateLimitSeconds: 1.5,
  },
  {
    name: 'teams',
    start: () => startTeamsFake(),
    module: as(teams),
    config: (fake) => ({ type: 'teams', url: fake.url }),
    rateLimitSeconds: 7,
  },
  {
    name: 'telegram',
    start: () => startTelegramFake(),
    module: as(telegram),
    config: (fake) => ({
      type: 'telegram',
      apiUrl: fake.url,
      token: (fake as ChatFake & { token: string }).token,
      chatId: (fake as ChatFake & { chatId: number }).chatId,
    }),
    rateLimitSeconds: 5,
  },
  {
    name: 'webhook',
    start: () => startWebhookFake(),
    module: as(webhook),
    config: (fake) => ({ type: 'webhook', url: fake.url, maxBodyBytes: 1 << 20 }),
    rateLimitSeconds: 2,
  },
];

const cases = goldenCases();

describe.each(VENDORS)(
  '$name channel against its fake',
  ({ start, module, config: configFor, rateLimitSeconds }) => {
    let fake: ChatFake;
    beforeEach(async () => {
      fake = await start();
    });
    afterEach(() => fake.close());

    const render = (name = 'mixed-digest') => module.render(cases[name]!, configFor(fake), { now: NOW });

    it.each(Object.keys(cases))('delivers the %s case in one accepted request', async (name) => {
      const result = await sendWithRetry(module, render(name), configFor(fake), retryDeps());
      expect(result).toEqual({ ok: true, attempts: 1 });
      expect(fake.requests).toHaveLength(1);
    });

    it('waits the Retry-After the vendor asked for, then succeeds', async () => {
      const clock = fakeClock();
      fake.rateLimit(rateLimitSeconds);
      const result = await sendWithRetry(module, render(), configFor(fake), retryDeps(clock));
      expect(result).toEqual({ ok: true, attempts: 2 });
      expect(clock.waits).toHaveLength(1);
      expect(clock.waits[0]).toBeGreaterThanOrEqual(rateLimitSeconds * 1000);
      expect(fake.requests).toHaveLength(2);
    });

    it('retries a server error', async () => {
      fake.serverError();
      const result = await sendWithRetry(module, render(), configFor(fake), retryDeps());
      expect(result).toEqual({ ok: true, attempts: 2 });
    });

    it('does not retry a rejected payload', async () => {
      fake.badRequest();
      const clock = fakeClock();
      const result = await sendWithRetry(module, render(), configFor(fake), retryDeps(clock));
      expect(result).toMatchObject({
        ok: false,
        attempts: 1,
        error: { reason: 'payload', retryable: false, status: 400 },
      });
      expect(clock.waits).toEqual([]);
      expect(fake.requests).toHaveLength(1);
    });

    it('stops when the requested wait would pass the deadline', async () => {
      fake.rateLimit(30);
      const clock = fakeClock();
      const result = await sendWithRetry(
        module,
        render(),
        configFor(fake),
        retryDeps(clock, { deadline: NOW.getTime() + 10_000 }),
      );
      expect(result).toMatchObject({
        ok: false,
        attempts: 1,
        error: { reason: 'rate-limited', retryable: true },
      });
      expect(result.ok || result.error.message).toMatch(/would pass the deadline/);
      expect(clock.waits).toEqual([]);
    });

    it('gives up after the maximum attempts with backoff between them', async () => {
      for (let i = 0; i < 5; i++) fake.serverError();
      const clock = fakeClock();
      const result = await sendWithRetry(
        module,
        render(),
        configFor(fake),
        retryDeps(clock, { random: () => 0.5 }),
      );
      expect(result).toMatchObject({ ok: false, attempts: 5, error: { reason: 'server-error' } });
      expect(result.ok || result.error.message).toMatch(/gave up after 5 attempts/);
      // Full jitter: random() × min(10 s, 500 ms × 2^(n-1)).
      expect(clock.waits).toEqual([250, 500, 1000, 2000]);
    });

    it('reports a wrong credential as auth or not-found, not retried', async () => {
      const wrong = { ...configFor(fake) } as Record<string, unknown>;
      if (typeof wrong.url === 'string') wrong.url = wrong.url.replace(/[A-Za-z0-9]{6}(?=$|\?|&)/, 'WRONG0');
      if (typeof wrong.token === 'string') wrong.token = '999:WRONG';
      const result = await sendWithRetry(
        module,
        render('single-firing-critical'),
        wrong as ChannelConfig,
        retryDeps(),
      );
      expect(result.ok).toBe(false);
      expect(result.ok || [result.error.reason, result.error.retryable]).toEqual([
        expect.stringMatching(/^(auth|not-found)$/),
        false,
      ]);
    });
  },
);

describe('slack specifics', () => {
  it.each([
    { name: 'ok', status: 200, body: 'ok', headers: {}, expected: undefined },
    {
      name: 'invalid_payload',
      status: 400,
      body: 'invalid_payload',
      headers: {},
      expected: ['payload', false, 'invalid_payload'],
    },
    {
      name: 'invalid_blocks',
      status: 400,
      body: 'invalid_blocks',
      headers: {},
      expected: ['payload', false, 'invalid_blocks'],
    },
    {
      name: 'action_prohibited',
      status: 403,
      body: 'action_prohibited',
      headers: {},
      expected: ['auth', false, 'action_prohibited'],
    },
    {
      name: 'channel_not_found',
      status: 404,
      body: 'channel_not_found',
      headers: {},
      expected: ['not-found', false, 'channel_not_found'],
    },
    {
      name: 'archived',
      status: 410,
      body: 'channel_is_archived',
      headers: {},
      expected: ['not-found', false, 'channel_is_archived'],
    },
    {
      name: 'rollup_error',
      status: 500,
      body: 'rollup_error',
      headers: {},
      expected: ['server-error', true, 'rollup_error'],
    },
    {
      name: 'rate limited (JSON body)',
      status: 429,
      body: '{"retry_after":1,"ok":false,"error":"rate_limited"}',
      headers: { 'retry-after': '4' },
      expected: ['rate-limited', true, 'rate_limited'],
    },
    {
      name: '200 but not ok',
      status: 200,
      body: 'something else',
      headers: {},
      expected: ['vendor-error', false, undefined],
    },
  ])('classifies $name', ({ status, body, headers, expected }) => {
    const { classifySlackResponse } = jest.requireActual<typeof import('../../../functions/channels/slack')>(
      '../../../functions/channels/slack',
    );
    const error = classifySlackResponse({ status, body, headers }, NOW);
    expect(error && [error.reason, error.retryable, error.vendorCode]).toEqual(expected);
  });

  it('takes the wait from the body when Retry-After is missing', async () => {
    const { classifySlackResponse } = await import('../../../functions/channels/slack');
    const error = classifySlackResponse(
      { status: 429, body: '{"ok":false,"error":"rate_limited","retry_after":2}', headers: {} },
      NOW,
    );
    expect(error?.retryAfterMs).toBe(2000);
  });

  it('answers 400 for a block over the vendor limit (the fake enforces it)', async () => {
    const fake = await startSlackFake();
    try {
      const message = {
        text: 'x',
        attachments: [
          {
            color: '#D00000',
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }],
          },
        ],
      };
      const result = await sendWithRetry(
        slack,
        message as never,
        { type: 'slack', url: fake.url },
        retryDeps(),
      );
      expect(result).toMatchObject({ ok: false, error: { reason: 'payload', vendorCode: 'invalid_blocks' } });
    } finally {
      await fake.close();
    }
  });
});

describe('discord specifics', () => {
  it('waits the longest of retry_after, X-RateLimit-Reset-After and Retry-After', async () => {
    const { classifyDiscordResponse } = await import('../../../functions/channels/discord');
    const error = classifyDiscordResponse(
      {
        status: 429,
        body: '{"message":"You are being rate limited.","retry_after":1.25,"global":false}',
        headers: { 'x-ratelimit-reset-after': '2.5', 'retry-after': '2' },
      },
      NOW,
    );
    expect(error).toMatchObject({ reason: 'rate-limited', retryable: true, retryAfterMs: 2500 });
  });

  it('posts into a thread and never allows mentions', async () => {
    const fake = await startDiscordFake();
    try {
      const config = { type: 'discord' as const, url: fake.url, threadId: '998877', username: 'vigil' };
      const message = discord.render(cases['single-firing-critical']!, config, { now: NOW });
      expect(await sendWithRetry(discord, message, config, retryDeps())).toEqual({ ok: true, attempts: 1 });
      expect(fake.requests[0]!.query.get('thread_id')).toBe('998877');
      expect(fake.requests[0]!.json).toMatchObject({ allowed_mentions: { parse: [] }, username: 'vigil' });
    } finally {
      await fake.close();
    }
  });

  it.each([
    {
      status: 400,
      body: '{"code":50035,"message":"Invalid Form Body","errors":{}}',
      expected: ['payload', false, '50035'],
    },
    {
      status: 401,
      body: '{"message":"Invalid Webhook Token","code":50027}',
      expected: ['auth', false, '50027'],
    },
    {
      status: 404,
      body: '{"message":"Unknown Webhook","code":10015}',
      expected: ['not-found', false, '10015'],
    },
    { status: 503, body: 'upstream connect error', expected: ['server-error', true, undefined] },
    { status: 204, body: '', expected: undefined },
  ])('classifies HTTP $status', async ({ status, body, expected }) => {
    const { classifyDiscordResponse } = await import('../../../functions/channels/discord');
    const error = classifyDiscordResponse({ status, body, headers: {} }, NOW);
    expect(error && [error.reason, error.retryable, error.vendorCode]).toEqual(expected);
  });
});

describe('teams specifics', () => {
  it.each([
    { name: 'Workflows accepted', status: 202, body: '', expected: undefined },
    { name: 'legacy success', status: 200, body: '1', expected: undefined },
    {
      name: 'legacy 200 quoting a 429',
      status: 200,
      body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId ...',
      expected: ['rate-limited', true],
    },
    {
      name: 'legacy 200 quoting a 413',
      status: 200,
      body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413',
      expected: ['payload', false],
    },
    {
      name: 'too large',
      status: 413,
      body: '{"error":{"code":"MessageTooLarge"}}',
      expected: ['payload', false],
    },
    {
      name: 'flow deleted',
      status: 404,
      body: '{"error":{"code":"WorkflowNotFound"}}',
      expected: ['not-found', false],
    },
  ])('classifies $name', async ({ status, body, expected }) => {
    const { classifyTeamsResponse } = await import('../../../functions/channels/teams');
    const error = classifyTeamsResponse({ status, body, headers: {} }, NOW);
    expect(error && [error.reason, error.retryable]).toEqual(expected);
  });
});

describe('telegram specifics', () => {
  let fake: Awaited<ReturnType<typeof startTelegramFake>>;
  beforeEach(async () => {
    fake = await startTelegramFake();
  });
  afterEach(() => fake.close());
  const configFor = () => ({
    type: 'telegram' as const,
    apiUrl: fake.url,
    token: fake.token,
    chatId: fake.chatId,
    threadId: 42,
  });

  it('resends once as plain text after "can\'t parse entities"', async () => {
    const config = configFor();
    const message = telegram.render(cases['mixed-digest']!, config, { now: NOW });
    fake.script({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: "Bad Request: can't parse entities: Unsupported start tag",
      },
    });
    const result = await sendWithRetry(telegram, message, config, retryDeps());
    expect(result).toEqual({ ok: true, attempts: 1 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.json).toMatchObject({ parse_mode: 'HTML', message_thread_id: 42 });
    expect(fake.requests[1]!.json).not.toHaveProperty('parse_mode');
    expect(fake.requests[1]!.json).toMatchObject({ text: message.plainText, message_thread_id: 42 });
  });

  it('does not retry when the plain resend fails too', async () => {
    const config = configFor();
    const cantParse = {
      status: 400,
      body: { ok: false, error_code: 400, description: "Bad Request: can't parse entities: x" },
    };
    fake.script(cantParse, cantParse);
    const result = await sendWithRetry(
      telegram,
      telegram.render(cases.resolved!, config, { now: NOW }),
      config,
      retryDeps(),
    );
    expect(result).toMatchObject({ ok: false, attempts: 1, error: { reason: 'payload' } });
    expect(fake.requests).toHaveLength(2);
  });

  it('names the new chat id of a migrated group', async () => {
    const config = configFor();
    fake.script({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: -1009999 },
      },
    });
    const result = await sendWithRetry(
      telegram,
      telegram.render(cases.resolved!, config, { now: NOW }),
      config,
      retryDeps(),
    );
    expect(result.ok || result.error.message).toMatch(/set chatId to -1009999/);
  });

  it.each([
    {
      status: 403,
      description: 'Forbidden: bot was kicked from the supergroup chat',
      expected: ['auth', false],
    },
    { status: 401, description: 'Unauthorized', expected: ['auth', false] },
    { status: 400, description: 'Bad Request: chat not found', expected: ['payload', false] },
    { status: 502, description: 'Bad Gateway', expected: ['server-error', true] },
  ])('classifies $status $description', async ({ status, description, expected }) => {
    const { classifyTelegramResponse } = await import('../../../functions/channels/telegram');
    const body = JSON.stringify({ ok: false, error_code: status, description });
    const error = classifyTelegramResponse({ status, body, headers: {} }, NOW);
    expect(error && [error.reason, error.retryable]).toEqual(expected);
  });
});

describe('webhook specifics', () => {
  it('sends the configured headers and the normalized alerts', async () => {
    const fake = await startWebhookFake('hookSecret123456', { authorization: 'Bearer tok-abc-123' });
    try {
      const config = {
        type: 'webhook' as const,
        url: fake.url,
        headers: { Authorization: 'Bearer tok-abc-123' },
        maxBodyBytes: 1 << 20,
      };
      const alerts = cases['mixed-digest']!;
      const result = await sendWithRetry(
        webhook,
        webhook.render(alerts, config, { now: NOW }),
        config,
        retryDeps(),
      );
      expect(result).toEqual({ ok: true, attempts: 1 });
      expect(fake.requests[0]!.json).toMatchObject({ version: '1', status: 'firing', truncatedAlerts: 0 });
      expect((fake.requests[0]!.json as { alerts: unknown[] }).alerts).toHaveLength(alerts.length);
    } finally {
      await fake.close();
    }
  });

  it('reports a missing authorization as auth', async () => {
    const fake = await startWebhookFake('hookSecret123456', { authorization: 'Bearer right' });
    try {
      const config = { type: 'webhook' as const, url: fake.url, maxBodyBytes: 1 << 20 };
      const result = await sendWithRetry(
        webhook,
        webhook.render(cases.resolved!, config, { now: NOW }),
        config,
        retryDeps(),
      );
      expect(result).toMatchObject({ ok: false, attempts: 1, error: { reason: 'auth', status: 401 } });
    } finally {
      await fake.close();
    }
  });
});
