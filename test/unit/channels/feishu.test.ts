import {
  classifyFeishuResponse,
  FEISHU_BODY_MAX_BYTES,
  type FeishuConfig,
  type FeishuMessage,
  feishu,
} from '../../../functions/channels/feishu';
import { feishuSign } from '../../../functions/channels/signing';
import type { DeliveryError } from '../../../functions/channels/types';
import { type CnVendorFake, startFeishuFake } from '../../fakes/cn-vendors';
import {
  byteLimitedGoldenCases,
  expectCleanCuts,
  expectGolden,
  failure,
  makeAlert,
  NOW,
  sendDeps,
  stringsOf,
} from './fixtures';

const SECRET = 'fs-signing-secret-9f8e7d6c5b4a';
const TOKEN = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

const config = (overrides: Partial<FeishuConfig> = {}): FeishuConfig =>
  feishu.schema.parse({
    type: 'feishu',
    url: `https://open.feishu.cn/open-apis/bot/v2/hook/${TOKEN}`,
    secret: SECRET,
    keyword: 'vigil',
    ...overrides,
  });
const ctx = { now: NOW };
const resolvedAlert = () => makeAlert({ status: 'resolved', endsAt: '2026-08-23T04:26:30.000Z' });

/** The body send() would post: signature fields next to msg_type (the longest a signature can be). */
const signedBytes = (message: FeishuMessage) =>
  Buffer.byteLength(JSON.stringify({ ...feishuSign(SECRET, 9_999_999_999_000), ...message }));

describe('feishu schema', () => {
  it('accepts the contract example', () => {
    const value = {
      type: 'feishu',
      url: `\${ssm:/vigil/feishu-url}`,
      secret: `\${ssm:/vigil/feishu-secret}`,
    };
    expect(feishu.schema.parse(value)).toEqual(value);
  });

  it.each([
    ['a URL that is not a bot hook', { type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/' }],
    ['an unknown field', { type: 'feishu', url: `\${env:FS}`, keywords: ['a'] }],
  ])('rejects %s', (_name, value) => {
    expect(feishu.schema.safeParse(value).success).toBe(false);
  });
});

describe('feishu render (golden)', () => {
  it.each(Object.entries(byteLimitedGoldenCases()))('%s', (name, alerts) => {
    const message = feishu.render(alerts, config(), ctx);
    expectGolden(`feishu-${name}`, message);
    expect(signedBytes(message)).toBeLessThanOrEqual(FEISHU_BODY_MAX_BYTES);
    const cuts = expectCleanCuts(message);
    if (name === 'cjk-emoji-over-limit') expect(cuts).toBeGreaterThan(0);
    expect(message.card.header.title.content).toContain('vigil');
    if (name === 'mixed-digest' || name === 'cjk-emoji-over-limit') {
      expect(stringsOf(message.card.elements).join('\n')).toMatch(/\+\d+ more \(/);
    }
  });
});

describe('feishu render', () => {
  it.each([
    ['emergency', 'firing', 'red'],
    ['critical', 'firing', 'red'],
    ['warning', 'firing', 'orange'],
    ['info', 'firing', 'yellow'],
    ['critical', 'resolved', 'green'],
    ['emergency', 'resolved', 'green'],
  ] as const)('%s %s → header %s', (severity, status, template) => {
    const message = feishu.render([makeAlert({ severity, status })], config(), ctx);
    expect(message.card.header.template).toBe(template);
  });

  it('takes the colour from status, not from text that says "critical"', () => {
    const message = feishu.render([resolvedAlert(), resolvedAlert()], config(), ctx);
    expect(message.card.header.template).toBe('green');
  });

  it('a digest is as red as its worst firing alert', () => {
    const alerts = [resolvedAlert(), makeAlert({ severity: 'warning' }), makeAlert({ severity: 'info' })];
    expect(feishu.render(alerts, config(), ctx).card.header.template).toBe('orange');
  });

  it('renders fields, link buttons and a note carrying the keyword', () => {
    const message = feishu.render([resolvedAlert()], config({ keyword: '告警' }), ctx);
    expect(message.card.elements).toEqual([
      expect.objectContaining({
        tag: 'div',
        fields: expect.arrayContaining([expect.objectContaining({ is_short: true })]),
      }),
      {
        tag: 'action',
        actions: [
          expect.objectContaining({ type: 'default', url: expect.stringMatching(/^https:\/\/console\.aws/) }),
          expect.objectContaining({ type: 'default', text: { tag: 'plain_text', content: 'Dashboard' } }),
          expect.objectContaining({ type: 'default', text: { tag: 'plain_text', content: 'Runbook' } }),
        ],
      },
      { tag: 'note', elements: [{ tag: 'plain_text', content: '告警 · 2026-08-23 04:27 UTC' }] },
    ]);
    expect(message.card.header.title.content).toMatch(/^\[告警\] ✅ RESOLVED/);
  });

  it("a firing alert's first link is the danger button", () => {
    const [, action] = feishu.render([makeAlert()], config(), ctx).card.elements;
    expect(action).toMatchObject({
      tag: 'action',
      actions: [{ type: 'danger' }, { type: 'default' }, { type: 'default' }],
    });
  });

  it('neutralises <at> tags in alert text', () => {
    const message = feishu.render([makeAlert({ summary: 'ping <at id=all></at>' })], config(), ctx);
    expect(JSON.stringify(message)).not.toContain('<at id=all>');
  });
});

describe('feishu classify', () => {
  const answer = (body: unknown, status = 200, headers: Record<string, string> = {}) => ({
    status,
    headers,
    body: JSON.stringify(body),
  });

  it.each([
    ['11232 frequency limited', 11232, 'rate-limited', true],
    ['9499 (seen as throttle)', 9499, 'rate-limited', true],
    ['19001 token invalid', 19001, 'auth', false],
    ['19021 sign / clock', 19021, 'auth', false],
    ['19022 ip not allowed', 19022, 'auth', false],
    ['19024 keyword not found', 19024, 'auth', false],
    ['19036 too large', 19036, 'payload', false],
    ['19002 other', 19002, 'vendor-error', false],
  ])('%s', (_name, code, reason, retryable) => {
    expect(classifyFeishuResponse(answer({ code, msg: 'x', data: {} }), NOW)).toMatchObject({
      reason,
      retryable,
      vendorCode: String(code),
    });
  });

  it('a code on an HTTP 400 answer still decides (19021 is auth, not payload)', () => {
    expect(classifyFeishuResponse(answer({ code: 19021, msg: 'sign match fail' }, 400), NOW)).toMatchObject({
      reason: 'auth',
      status: 400,
    });
  });

  it('accepts code 0 and the legacy StatusCode 0', () => {
    expect(classifyFeishuResponse(answer({ code: 0, msg: 'success', data: {} }), NOW)).toBeUndefined();
    expect(classifyFeishuResponse(answer({ StatusCode: 0, StatusMessage: 'success' }), NOW)).toBeUndefined();
  });

  it('HTTP 429 is rate-limited, waiting for x-ogw-ratelimit-reset', () => {
    expect(
      classifyFeishuResponse(
        answer({ code: 99991400, msg: 'too many requests' }, 429, { 'x-ogw-ratelimit-reset': '7' }),
        NOW,
      ),
    ).toMatchObject({
      reason: 'rate-limited',
      retryable: true,
      retryAfterMs: 7000,
      status: 429,
    });
  });
});

describe('feishu send against the fake bot', () => {
  let fake: CnVendorFake;
  beforeEach(async () => {
    fake = await startFeishuFake({ token: TOKEN, secret: SECRET, keyword: 'vigil' });
  });
  afterEach(() => fake.close());

  it.each(Object.entries(byteLimitedGoldenCases()))('delivers the signed %s card', async (_name, alerts) => {
    const cfg = config({ url: fake.url });
    await feishu.send(feishu.render(alerts, cfg, ctx), cfg, sendDeps());
    expect(fake.requests.map((request) => request.answer.body)).toEqual([
      expect.objectContaining({ code: 0 }),
    ]);
  });

  it('delivers a resolved-only card through the keyword check', async () => {
    const cfg = config({ url: fake.url });
    await feishu.send(feishu.render([resolvedAlert()], cfg, ctx), cfg, sendDeps());
    expect(fake.requests[0]!.answer.body).toMatchObject({ code: 0 });
  });

  it('signs every send afresh: seconds and sign in the JSON body, next to msg_type', async () => {
    const cfg = config({ url: fake.url });
    const message = feishu.render([makeAlert()], cfg, ctx);
    const start = Date.now();
    await feishu.send(message, cfg, sendDeps({ now: () => new Date(start) }));
    await feishu.send(message, cfg, sendDeps({ now: () => new Date(start + 2000) }));
    const [first, second] = fake.requests.map((request) => request.json as Record<string, unknown>);
    expect(first).toMatchObject({
      timestamp: String(Math.floor(start / 1000)),
      sign: expect.any(String),
      msg_type: 'interactive',
    });
    expect(second!.timestamp).toBe(String(Math.floor(start / 1000) + 2));
    expect(first!.sign).not.toBe(second!.sign);
    expect(fake.requests[0]!.url).toBe(`/open-apis/bot/v2/hook/${TOKEN}`);
  });

  it('a wrong secret is a non-retryable auth failure (19021 on HTTP 200)', async () => {
    const cfg = config({ url: fake.url, secret: 'wrong' });
    const error = await failure(feishu.send(feishu.render([makeAlert()], cfg, ctx), cfg, sendDeps()));
    expect(error).toMatchObject({ reason: 'auth', retryable: false, vendorCode: '19021', status: 200 });
  });

  it('a clock more than an hour off is rejected (19021)', async () => {
    const cfg = config({ url: fake.url });
    const stale = sendDeps({ now: () => new Date(Date.now() + 2 * 3_600_000) });
    expect(await failure(feishu.send(feishu.render([makeAlert()], cfg, ctx), cfg, stale))).toMatchObject({
      vendorCode: '19021',
    });
  });

  it('a card without the keyword is rejected (19024) — the fake checks it', async () => {
    const cfg = config({ url: fake.url, keyword: 'other' });
    expect(await failure(feishu.send(feishu.render([makeAlert()], cfg, ctx), cfg, sendDeps()))).toMatchObject(
      {
        reason: 'auth',
        vendorCode: '19024',
      },
    );
  });

  it('11232 throttling is retryable', async () => {
    fake.throttle();
    const cfg = config({ url: fake.url });
    expect(await failure(feishu.send(feishu.render([makeAlert()], cfg, ctx), cfg, sendDeps()))).toMatchObject(
      {
        reason: 'rate-limited',
        retryable: true,
        vendorCode: '11232',
      },
    );
  });

  it('the bot allows 5 messages a second, then answers 11232', async () => {
    await fake.close();
    fake = await startFeishuFake({ token: TOKEN, now: () => NOW.getTime() }); // fixed clock: one window
    const cfg = config({ url: fake.url, secret: undefined });
    const message = feishu.render([makeAlert()], cfg, ctx);
    for (let i = 0; i < 5; i++) await feishu.send(message, cfg, sendDeps());
    expect((await failure(feishu.send(message, cfg, sendDeps()))).vendorCode).toBe('11232');
  });

  it('HTTP 429 from the gateway is retryable after its reset header', async () => {
    fake.script({
      status: 429,
      headers: { 'x-ogw-ratelimit-reset': '3' },
      body: { code: 99991400, msg: 'request trigger frequency limit' },
    });
    const cfg = config({ url: fake.url });
    expect(await failure(feishu.send(feishu.render([makeAlert()], cfg, ctx), cfg, sendDeps()))).toMatchObject(
      {
        reason: 'rate-limited',
        retryAfterMs: 3000,
      },
    );
  });

  it('an oversized card is rejected with 19036 (payload)', async () => {
    const cfg = config({ url: fake.url });
    const message = feishu.render([makeAlert()], cfg, ctx);
    const oversized: FeishuMessage = {
      ...message,
      card: {
        ...message.card,
        elements: [
          ...message.card.elements,
          { tag: 'div', text: { tag: 'lark_md', content: '告'.repeat(7000) } },
        ],
      },
    };
    expect(await failure(feishu.send(oversized, cfg, sendDeps()))).toMatchObject({
      reason: 'payload',
      vendorCode: '19036',
      status: 200,
    });
  });
});

describe('feishu secrets', () => {
  it('lists URL, token and secret for redaction', () => {
    expect(feishu.secrets?.(config())).toEqual([
      `https://open.feishu.cn/open-apis/bot/v2/hook/${TOKEN}`,
      TOKEN,
      SECRET,
    ]);
  });

  it('never puts URL, token or secret into a DeliveryError message, even when the vendor echoes them', async () => {
    const fake = await startFeishuFake({ token: TOKEN, secret: SECRET, echoRequestInErrors: true });
    try {
      const errors: DeliveryError[] = [];
      const wrongToken = config({ url: `${fake.origin}/open-apis/bot/v2/hook/${TOKEN}0` });
      errors.push(
        await failure(feishu.send(feishu.render([makeAlert()], wrongToken, ctx), wrongToken, sendDeps())),
      );
      const right = config({ url: fake.url });
      fake.script({ status: 200, body: { code: 19002, msg: `bad ${fake.url} secret ${SECRET}`, data: {} } });
      errors.push(await failure(feishu.send(feishu.render([makeAlert()], right, ctx), right, sendDeps())));
      const messages = errors.map((error) => `${error.message} ${error.vendorCode}`).join('\n');
      for (const secret of [TOKEN, SECRET, fake.url]) expect(messages).not.toContain(secret);
    } finally {
      await fake.close();
    }
  });
});
