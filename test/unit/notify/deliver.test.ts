// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:..} / ${ssm:..} are vigil's secret placeholders, not templates
/**
 * deliver.ts: sendWithRetry's policy (attempts, timeouts, deadline), deliverAll's isolation between channels and
 * its secret handling, and the fetch transport. Waits are asserted through the injected sleep, order through
 * onOutcome, never by wall time.
 */
import type { Alert } from '../../../functions/alerts/types';
import type { ChannelsConfig } from '../../../functions/channels/schema';
import { type ChannelModule, DeliveryError } from '../../../functions/channels/types';
import { clearSecretCache } from '../../../functions/config/secrets';
import { clearSecrets } from '../../../functions/logging/redact';
import { type DeliveryOutcome, deliverAll } from '../../../functions/notify/deliver';
import { fetchHttp, RESPONSE_BODY_MAX_BYTES } from '../../../functions/notify/post';
import { type DeliveryLogEvent, sendWithRetry } from '../../../functions/notify/retry';
import {
  type ChatFake,
  closedOrigin,
  type FakeVendor,
  reply,
  startFakeVendor,
  startSlackFake,
  startTelegramFake,
  startWebhookFake,
} from '../../fakes/vendors';
import { fakeClock, goldenCases, NOW, retryDeps } from '../channels/fixtures';

const alerts = goldenCases()['single-firing-critical']!;

/** A channel module scripted per attempt: each entry is what send does on that attempt. */
function scriptedModule(steps: (() => Promise<void>)[]) {
  const calls: AbortSignal[] = [];
  const module: ChannelModule<'scripted', { type: 'scripted' }, string> = {
    type: 'scripted',
    schema: undefined as never,
    render: () => 'message',
    send: (_message, _config, deps) => {
      calls.push(deps.signal);
      const step = steps[calls.length - 1] ?? (async () => undefined);
      return step();
    },
  };
  return { module, calls };
}

const retryable = (reason: 'server-error' | 'rate-limited', retryAfterMs?: number) =>
  new DeliveryError(reason, {
    reason,
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('sendWithRetry', () => {
  it('calls send anew on every attempt, each with its own signal', async () => {
    const { module, calls } = scriptedModule([
      () => Promise.reject(retryable('server-error')),
      () => Promise.reject(retryable('server-error')),
      async () => undefined,
    ]);
    const result = await sendWithRetry(module, 'message', { type: 'scripted' }, retryDeps());
    expect(result).toEqual({ ok: true, attempts: 3 });
    expect(new Set(calls).size).toBe(3);
  });

  it('waits at least the vendor Retry-After even when the backoff is shorter', async () => {
    const clock = fakeClock();
    const { module } = scriptedModule([() => Promise.reject(retryable('rate-limited', 7_000))]);
    await sendWithRetry(module, 'message', { type: 'scripted' }, retryDeps(clock));
    expect(clock.waits).toEqual([7_000]);
  });

  it('caps the backoff at 10 s', async () => {
    const clock = fakeClock();
    const failing = Array.from({ length: 7 }, () => () => Promise.reject(retryable('server-error')));
    const { module } = scriptedModule(failing);
    await sendWithRetry(
      module,
      'message',
      { type: 'scripted' },
      retryDeps(clock, { random: () => 1, maxAttempts: 8 }),
    );
    expect(clock.waits).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('times an attempt out even when send ignores its abort signal', async () => {
    const { module, calls } = scriptedModule([() => new Promise<void>(() => undefined)]);
    const result = await sendWithRetry(
      module,
      'message',
      { type: 'scripted' },
      retryDeps(fakeClock(), { attemptTimeoutMs: 50, maxAttempts: 1 }),
    );
    expect(result).toMatchObject({ ok: false, attempts: 1, error: { reason: 'timeout', retryable: true } });
    expect(calls[0]!.aborted).toBe(true);
  });

  it('bounds the attempt timeout by the deadline', async () => {
    const clock = fakeClock();
    const { module } = scriptedModule([() => new Promise<void>(() => undefined)]);
    const result = await sendWithRetry(
      module,
      'message',
      { type: 'scripted' },
      retryDeps(clock, { attemptTimeoutMs: 60_000, deadline: NOW.getTime() + 300 }),
    );
    expect(result).toMatchObject({ ok: false, attempts: 1, error: { reason: 'timeout' } });
    expect(result.ok || result.error.message).toMatch(/within 300 ms/);
  });

  it('does not start when the deadline has passed', async () => {
    const { module, calls } = scriptedModule([]);
    const result = await sendWithRetry(
      module,
      'message',
      { type: 'scripted' },
      retryDeps(fakeClock(), { deadline: NOW.getTime() - 1 }),
    );
    expect(result).toMatchObject({ ok: false, attempts: 0, error: { reason: 'timeout' } });
    expect(calls).toHaveLength(0);
  });

  it('turns an unexpected exception into a non-retryable vendor-error', async () => {
    const { module, calls } = scriptedModule([() => Promise.reject(new TypeError('boom'))]);
    const result = await sendWithRetry(module, 'message', { type: 'scripted' }, retryDeps());
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      error: { reason: 'vendor-error', retryable: false },
    });
    expect(calls).toHaveLength(1);
  });
});

describe('deliverAll', () => {
  const fakes: FakeVendor[] = [];
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });
  const track = <F extends FakeVendor>(fake: F) => {
    fakes.push(fake);
    return fake;
  };

  it('delivers a good channel without waiting for a hanging one', async () => {
    const slackFake = track(await startSlackFake());
    const hanging = track(await startFakeVendor(() => 'hang'));
    const finished: string[] = [];
    const channels: ChannelsConfig = {
      stuck: { type: 'webhook', url: `${hanging.origin}/hooks/x`, maxBodyBytes: 1 << 20 },
      good: { type: 'slack', url: slackFake.url },
    };
    const outcomes = await deliverAll(
      new Map([
        ['stuck', alerts],
        ['good', alerts],
      ]),
      channels,
      retryDeps(fakeClock(), {
        attemptTimeoutMs: 200,
        maxAttempts: 2,
        onOutcome: (o) => finished.push(o.channel),
      }),
    );
    expect(finished).toEqual(['good', 'stuck']);
    expect(outcomes).toEqual([
      expect.objectContaining({
        channel: 'stuck',
        type: 'webhook',
        ok: false,
        attempts: 2,
        reason: 'timeout',
      }),
      expect.objectContaining({ channel: 'good', type: 'slack', ok: true, attempts: 1, alerts: 1 }),
    ]);
    expect(hanging.requests).toHaveLength(2);
  });

  it('isolates a misconfigured channel and carries the alerts for dead-lettering', async () => {
    const slackFake = track(await startSlackFake());
    const many = goldenCases()['mixed-digest']!;
    const outcomes = await deliverAll(
      new Map<string, Alert[]>([
        ['missing', many],
        ['good', many],
        ['empty', []],
      ]),
      { good: { type: 'slack', url: slackFake.url } },
      retryDeps(),
    );
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toMatchObject({
      channel: 'missing',
      type: 'unknown',
      ok: false,
      attempts: 0,
      reason: 'config',
      alerts: 24,
    });
    expect(outcomes[0]!.batch).toBe(many);
    expect(outcomes[1]).toMatchObject({ channel: 'good', ok: true, alerts: 24 });
    expect(slackFake.requests).toHaveLength(1);
  });

  it('prints to the built-in console channel without a config entry', async () => {
    const written: string[] = [];
    const outcomes = await deliverAll(
      new Map([['console', alerts]]),
      {},
      retryDeps(fakeClock(), { write: (t) => written.push(t) }),
    );
    expect(outcomes).toEqual([
      expect.objectContaining({ channel: 'console', type: 'console', ok: true, attempts: 1 }),
    ]);
    expect(written.join('')).toContain('🔴 FIRING critical: api-5xx-high');
  });

  it('resolves ${env:..} and ${ssm:..} secrets right before sending', async () => {
    const telegramFake = track(await startTelegramFake());
    const slackFake = track(await startSlackFake());
    const ssm = jest.fn(async (name: string) =>
      name === '/vigil/telegram-token' ? telegramFake.token : 'nope',
    );
    clearSecretCache();
    const outcomes = await deliverAll(
      new Map([
        ['tg', alerts],
        ['sl', alerts],
      ]),
      {
        tg: {
          type: 'telegram',
          apiUrl: telegramFake.url,
          token: '${ssm:/vigil/telegram-token}',
          chatId: telegramFake.chatId,
        },
        sl: { type: 'slack', url: '${env:SLACK_URL}' },
      },
      retryDeps(fakeClock(), { secrets: { env: { SLACK_URL: slackFake.url }, ssm } }),
    );
    expect(outcomes.map((o) => [o.channel, o.ok])).toEqual([
      ['tg', true],
      ['sl', true],
    ]);
    expect(ssm).toHaveBeenCalledWith('/vigil/telegram-token');
  });

  it('fails only the channel whose secret cannot be resolved', async () => {
    const slackFake = track(await startSlackFake());
    const outcomes = await deliverAll(
      new Map([
        ['broken', alerts],
        ['good', alerts],
      ]),
      {
        broken: { type: 'slack', url: '${env:NOT_SET_ANYWHERE}' },
        good: { type: 'slack', url: slackFake.url },
      },
      retryDeps(fakeClock(), { secrets: { env: {} } }),
    );
    expect(outcomes[0]).toMatchObject({
      channel: 'broken',
      ok: false,
      attempts: 0,
      reason: 'config',
      error: { retryable: false, message: expect.stringMatching(/NOT_SET_ANYWHERE is not set/) },
    });
    expect(outcomes[1]).toMatchObject({ channel: 'good', ok: true });
  });

  it('revalidates a config once its secrets are resolved', async () => {
    const outcomes = await deliverAll(
      new Map([['sl', alerts]]),
      { sl: { type: 'slack', url: '${env:SLACK_URL}' } },
      retryDeps(fakeClock(), { secrets: { env: { SLACK_URL: 'hooks.slack.com/no-scheme' } } }),
    );
    expect(outcomes[0]).toMatchObject({
      ok: false,
      reason: 'config',
      error: { message: expect.stringMatching(/url: not an http\(s\) URL/) },
    });
  });
});

describe('secrets never leak', () => {
  const TOKENS = {
    slack: 'slackSECRETtoken111',
    telegram: '123456:telegramSECRETtoken444',
    webhook: 'webhookSECRETpath555',
    header: 'headerSECRET666',
    env: 'envSECRETvalue777',
  };
  const fakes: (FakeVendor | ChatFake)[] = [];
  beforeEach(() => {
    clearSecrets();
    clearSecretCache();
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });

  it('keeps every token out of outcomes, errors and log lines on every error path', async () => {
    // A chatty proxy that echoes the request (URL, headers, body) into its error answers.
    const echo = await startFakeVendor((request) =>
      reply.text(
        400,
        `rejected ${request.url} auth=${String(request.headers.authorization)} body=${request.body.slice(0, 80)}`,
      ),
    );
    const echo5xx = await startFakeVendor((request) => reply.text(503, `upstream ${request.url} down`));
    const hanging = await startFakeVendor(() => 'hang');
    const resetting = await startFakeVendor(() => 'reset');
    const rateLimited = await startFakeVendor((request) =>
      reply.json(429, { error: `slow down ${request.url}` }, { 'retry-after': '3600' }),
    );
    fakes.push(echo, echo5xx, hanging, resetting, rateLimited);
    const closedPort = await closedOrigin();

    const channels: ChannelsConfig = {
      'slack-echo': { type: 'slack', url: `${echo.origin}/services/T1/B1/${TOKENS.slack}` },
      'slack-5xx': { type: 'slack', url: '${env:SLACK_5XX_URL}' },
      'tg-echo': { type: 'telegram', apiUrl: echo.origin, token: TOKENS.telegram, chatId: 1 },
      'tg-down': { type: 'telegram', apiUrl: closedPort, token: TOKENS.telegram, chatId: 1 },
      'hook-echo': {
        type: 'webhook',
        url: `${echo.origin}/hooks/${TOKENS.webhook}`,
        headers: { Authorization: `Bearer ${TOKENS.header}` },
        maxBodyBytes: 1 << 20,
      },
      'hook-hang': {
        type: 'webhook',
        url: `${hanging.origin}/hooks/${TOKENS.webhook}`,
        maxBodyBytes: 1 << 20,
      },
      'hook-reset': {
        type: 'webhook',
        url: `${resetting.origin}/hooks/${TOKENS.webhook}`,
        maxBodyBytes: 1 << 20,
      },
      'hook-429': {
        type: 'webhook',
        url: `${rateLimited.origin}/hooks/${TOKENS.webhook}`,
        maxBodyBytes: 1 << 20,
      },
      'hook-closed': { type: 'webhook', url: `${closedPort}/hooks/${TOKENS.webhook}`, maxBodyBytes: 1 << 20 },
      'hook-badurl': { type: 'webhook', url: '${env:BAD_URL}', maxBodyBytes: 1 << 20 },
      'discord-echo': { type: 'discord', url: `${echo.origin}/api/webhooks/42/${TOKENS.webhook}` },
      'teams-echo': {
        type: 'teams',
        url: `${echo.origin}/workflows/x/invoke?api-version=1&sig=${TOKENS.header}`,
      },
    };
    const logs: DeliveryLogEvent[] = [];
    const outcomes: DeliveryOutcome[] = await deliverAll(
      new Map(Object.keys(channels).map((name) => [name, alerts])),
      channels,
      retryDeps(fakeClock(), {
        attemptTimeoutMs: 200,
        maxAttempts: 2,
        log: (event) => logs.push(event),
        secrets: {
          env: {
            SLACK_5XX_URL: `${echo5xx.origin}/services/T1/B1/${TOKENS.env}`,
            BAD_URL: `ftp://${TOKENS.env}`,
          },
        },
      }),
    );

    // Every error path was taken.
    const reasons = new Set(outcomes.map((o) => o.reason));
    for (const reason of ['payload', 'server-error', 'network', 'timeout', 'rate-limited', 'config']) {
      expect(reasons).toContain(reason);
    }
    expect(outcomes.every((o) => !o.ok)).toBe(true);

    const everything = JSON.stringify({ outcomes, logs });
    for (const token of Object.values(TOKENS)) expect(everything).not.toContain(token);
    // The echo proxies did see the tokens: the redaction is what kept them out.
    expect(echo.requests.some((r) => r.url.includes(TOKENS.slack))).toBe(true);
  });

  it('redacts the error sendWithRetry returns, including an unexpected exception carrying a token', async () => {
    const fake = await startWebhookFake(TOKENS.webhook);
    fakes.push(fake);
    const module: ChannelModule<'webhook', { type: 'webhook'; url: string }, string> = {
      type: 'webhook',
      schema: undefined as never,
      render: () => '',
      send: async (_m, config) => {
        throw new Error(`could not post to ${config.url}`);
      },
      secrets: (config) => [config.url],
    };
    const config = { type: 'webhook' as const, url: fake.url };
    for (const secret of module.secrets!(config))
      (await import('../../../functions/logging/redact')).registerSecret(secret);
    const result = await sendWithRetry(module, '', config, retryDeps());
    expect(result.ok).toBe(false);
    expect(result.ok || `${result.error.message} ${String(result.error.stack)}`).not.toContain(
      TOKENS.webhook,
    );
  });
});

describe('fetchHttp', () => {
  const fakes: FakeVendor[] = [];
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });
  const post = (url: string, signal = new AbortController().signal) =>
    fetchHttp({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, signal);

  it('returns status, lower-case headers and the body', async () => {
    const fake = await startFakeVendor(() => reply.text(201, 'fine', { 'X-Custom-Thing': 'yes' }));
    fakes.push(fake);
    const response = await post(`${fake.origin}/x`);
    expect(response).toMatchObject({ status: 201, body: 'fine', headers: { 'x-custom-thing': 'yes' } });
  });

  it('reads at most 64 KB of a body', async () => {
    const fake = await startFakeVendor(() => reply.text(200, 'a'.repeat(RESPONSE_BODY_MAX_BYTES * 4)));
    fakes.push(fake);
    const response = await post(`${fake.origin}/x`);
    expect(response.body.length).toBe(RESPONSE_BODY_MAX_BYTES);
  });

  it('does not follow redirects', async () => {
    const target = await startFakeVendor(() => reply.text(200, 'ok'));
    const redirecting = await startFakeVendor(() =>
      reply.empty(307, { location: `${target.origin}/elsewhere` }),
    );
    fakes.push(target, redirecting);
    const response = await post(`${redirecting.origin}/x`);
    expect(response.status).toBe(307);
    expect(target.requests).toHaveLength(0);
  });

  it('maps a refused connection to a retryable network error naming only the origin', async () => {
    const origin = await closedOrigin();
    const error: unknown = await post(`${origin}/services/T/B/tokenInPath123`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ reason: 'network', retryable: true });
    expect((error as Error).message).toBe(`POST ${origin}: connect ECONNREFUSED ${origin.slice(7)}`);
    expect((error as Error).message).not.toContain('tokenInPath123');
  });

  it('maps an abort to a retryable timeout', async () => {
    const fake = await startFakeVendor(() => 'hang');
    fakes.push(fake);
    const controller = new AbortController();
    const pending = post(`${fake.origin}/x`, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ reason: 'timeout', retryable: true });
  });
});
