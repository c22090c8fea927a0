import {
  classifyDingtalkResponse,
  DINGTALK_BODY_MAX_BYTES,
  type DingtalkConfig,
  type DingtalkMessage,
  dingtalk,
} from '../../../functions/channels/dingtalk';
import type { DeliveryError } from '../../../functions/channels/types';
import { type CnVendorFake, startDingtalkFake } from '../../fakes/cn-vendors';
import {
  byteLimitedGoldenCases,
  expectCleanCuts,
  expectGolden,
  failure,
  makeAlert,
  NOW,
  sendDeps,
} from './fixtures';

const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
const TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f';

const config = (overrides: Partial<DingtalkConfig> = {}): DingtalkConfig =>
  dingtalk.schema.parse({
    type: 'dingtalk',
    url: `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
    secret: SECRET,
    keyword: 'vigil',
    atMobiles: ['13800000000'],
    ...overrides,
  });
const ctx = { now: NOW };
const resolvedAlert = () => makeAlert({ status: 'resolved', endsAt: '2026-08-23T04:26:30.000Z' });

describe('dingtalk schema', () => {
  it('accepts the contract example', () => {
    const value = {
      type: 'dingtalk',
      url: `\${ssm:/vigil/dingtalk-url}`,
      secret: `\${ssm:/vigil/dingtalk-secret}`,
      keyword: 'vigil',
    };
    expect(dingtalk.schema.parse(value)).toEqual(value);
  });

  it.each([
    ['a URL without access_token', { type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send' }],
    ['an empty keyword', { type: 'dingtalk', url: `\${env:DT}`, keyword: '' }],
    ['a non-boolean atAll', { type: 'dingtalk', url: `\${env:DT}`, atAll: 'yes' }],
    ['an unknown field', { type: 'dingtalk', url: `\${env:DT}`, isAtAll: true }],
  ])('rejects %s', (_name, value) => {
    expect(dingtalk.schema.safeParse(value).success).toBe(false);
  });
});

describe('dingtalk render (golden)', () => {
  it.each(Object.entries(byteLimitedGoldenCases()))('%s', (name, alerts) => {
    const message = dingtalk.render(alerts, config(), ctx);
    expectGolden(`dingtalk-${name}`, message);
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(DINGTALK_BODY_MAX_BYTES);
    const cuts = expectCleanCuts(message);
    if (name === 'cjk-emoji-over-limit') expect(cuts).toBeGreaterThan(0);
    expect(message.markdown.title).toContain('vigil');
    expect(message.markdown.text).toContain('vigil');
    if (name === 'mixed-digest' || name === 'cjk-emoji-over-limit')
      expect(message.markdown.text).toMatch(/\+\d+ more \(/);
  });
});

describe('dingtalk render', () => {
  it('puts the keyword into title and text of resolved messages too', () => {
    const message = dingtalk.render([resolvedAlert()], config({ keyword: '告警' }), ctx);
    expect(message.markdown.title).toMatch(/^\[告警\] ✅ RESOLVED/);
    expect(message.markdown.text).toContain('告警');
  });

  it('mentions (atMobiles in `at` and @mobile in the text) only while something fires', () => {
    const firing = dingtalk.render([makeAlert()], config({ atAll: true }), ctx);
    expect(firing.at).toEqual({ atMobiles: ['13800000000'], isAtAll: true });
    expect(firing.markdown.text).toMatch(/@13800000000$/);
    const resolved = dingtalk.render([resolvedAlert()], config({ atAll: true }), ctx);
    expect(resolved.at).toEqual({ atMobiles: [], isAtAll: false });
    expect(resolved.markdown.text).not.toContain('@13800000000');
  });

  it('keeps the JSON body within 20,000 bytes even when the text is full of characters JSON escapes', () => {
    const alerts = Array.from({ length: 50 }, (_, i) =>
      makeAlert({ fingerprint: `q${i}`, summary: '"\\"'.repeat(300) }),
    );
    const message = dingtalk.render(alerts, config(), ctx);
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(DINGTALK_BODY_MAX_BYTES);
  });
});

describe('dingtalk classify', () => {
  const answer = (body: unknown) => ({ status: 200, headers: {}, body: JSON.stringify(body) });

  it.each([
    ['130101 send too fast: retry only after the 10-minute block', 130101, 'rate-limited', true, 600_000],
    ['-1 busy', -1, 'server-error', true, undefined],
    ['310000 keyword / sign / ip', 310000, 'auth', false, undefined],
    ['300001 token is not exist', 300001, 'auth', false, undefined],
    ['460101 too long', 460101, 'payload', false, undefined],
    ['101002 too long (old)', 101002, 'payload', false, undefined],
    ['400013 other', 400013, 'vendor-error', false, undefined],
  ])('%s', (_name, errcode, reason, retryable, retryAfterMs) => {
    expect(classifyDingtalkResponse(answer({ errcode, errmsg: 'x' }), NOW)).toMatchObject({
      reason,
      retryable,
      retryAfterMs,
      vendorCode: String(errcode),
    });
  });

  it('errcode 0 is success; HTTP 200 without errcode is not', () => {
    expect(classifyDingtalkResponse(answer({ errcode: 0, errmsg: 'ok' }), NOW)).toBeUndefined();
    expect(classifyDingtalkResponse(answer({ ok: true }), NOW)).toMatchObject({
      reason: 'vendor-error',
      retryable: false,
    });
  });

  it.each([
    [502, 'server-error', true],
    [429, 'rate-limited', true],
    [404, 'not-found', false],
  ])('HTTP %i without a body code → %s', (status, reason, retryable) => {
    expect(classifyDingtalkResponse({ status, headers: {}, body: '<html>' }, NOW)).toMatchObject({
      reason,
      retryable,
      status,
    });
  });
});

describe('dingtalk send against the fake robot', () => {
  let fake: CnVendorFake;
  beforeEach(async () => {
    fake = await startDingtalkFake({ accessToken: TOKEN, secret: SECRET, keyword: 'vigil' });
  });
  afterEach(() => fake.close());

  it.each(Object.entries(byteLimitedGoldenCases()))(
    'delivers the signed %s digest',
    async (_name, alerts) => {
      const cfg = config({ url: fake.url });
      await dingtalk.send(dingtalk.render(alerts, cfg, ctx), cfg, sendDeps());
      expect(fake.requests.map((request) => request.answer.body)).toEqual([{ errcode: 0, errmsg: 'ok' }]);
    },
  );

  it('delivers a resolved-only message through the keyword check', async () => {
    const cfg = config({ url: fake.url });
    await dingtalk.send(dingtalk.render([resolvedAlert()], cfg, ctx), cfg, sendDeps());
    expect(fake.requests[0]!.answer.body).toEqual({ errcode: 0, errmsg: 'ok' });
  });

  it('signs every send afresh (ms timestamp, sign URL-encoded exactly once)', async () => {
    const cfg = config({ url: fake.url });
    const message = dingtalk.render([makeAlert()], cfg, ctx);
    const start = Date.now();
    await dingtalk.send(message, cfg, sendDeps({ now: () => new Date(start) }));
    await dingtalk.send(message, cfg, sendDeps({ now: () => new Date(start + 1234) }));
    const [first, second] = fake.requests.map((request) => request.query);
    expect(first!.get('timestamp')).toBe(String(start));
    expect(second!.get('timestamp')).toBe(String(start + 1234));
    expect(first!.get('sign')).not.toBe(second!.get('sign'));
    for (const request of fake.requests) {
      expect(request.url).toMatch(/[?&]sign=[A-Za-z0-9%]+(&|$)/);
      expect(request.url).not.toMatch(/%25/);
      expect(request.url).toContain(`access_token=${TOKEN}`);
    }
  });

  it('a wrong secret is a non-retryable auth failure (310000 sign not match)', async () => {
    const cfg = config({ url: fake.url, secret: `${SECRET}x` });
    const error = await failure(dingtalk.send(dingtalk.render([makeAlert()], cfg, ctx), cfg, sendDeps()));
    expect(error).toMatchObject({ reason: 'auth', retryable: false, vendorCode: '310000', status: 200 });
    expect(error.message).toContain('sign not match');
  });

  it('a clock more than an hour off is rejected (310000 invalid timestamp)', async () => {
    const cfg = config({ url: fake.url });
    const stale = sendDeps({ now: () => new Date(Date.now() - 2 * 3_600_000) });
    const error = await failure(dingtalk.send(dingtalk.render([makeAlert()], cfg, ctx), cfg, stale));
    expect(error).toMatchObject({ reason: 'auth', vendorCode: '310000' });
    expect(error.message).toContain('invalid timestamp');
  });

  it('a message without the keyword is rejected (310000) — the fake checks it', async () => {
    const cfg = config({ url: fake.url, keyword: 'other' });
    const message: DingtalkMessage = dingtalk.render([makeAlert({ name: 'x' })], cfg, ctx);
    const error = await failure(dingtalk.send(message, cfg, sendDeps()));
    expect(error).toMatchObject({ reason: 'auth', vendorCode: '310000' });
    expect(error.message).toContain('keywords not in content');
  });

  it('130101 is retryable only after 10 minutes (the retrier gives up within a Lambda → DLQ)', async () => {
    fake.throttle();
    const cfg = config({ url: fake.url });
    const error = await failure(dingtalk.send(dingtalk.render([makeAlert()], cfg, ctx), cfg, sendDeps()));
    expect(error).toMatchObject({
      reason: 'rate-limited',
      retryable: true,
      retryAfterMs: 600_000,
      vendorCode: '130101',
    });
  });

  it('the robot allows 20 messages a minute, then blocks for 10 minutes', async () => {
    let now = Date.now();
    await fake.close();
    fake = await startDingtalkFake({ accessToken: TOKEN, now: () => now });
    const cfg = config({ url: fake.url, secret: undefined, keyword: undefined });
    const message = dingtalk.render([makeAlert()], cfg, ctx);
    for (let i = 0; i < 20; i++) await dingtalk.send(message, cfg, sendDeps());
    expect((await failure(dingtalk.send(message, cfg, sendDeps()))).vendorCode).toBe('130101');
    now += 5 * 60_000; // a new minute, still inside the block
    expect((await failure(dingtalk.send(message, cfg, sendDeps()))).vendorCode).toBe('130101');
    now += 6 * 60_000;
    await dingtalk.send(message, cfg, sendDeps());
  });

  it('HTTP 200 with a non-zero errcode is a failure; an oversized body gets 460101', async () => {
    const cfg = config({ url: fake.url });
    const message = dingtalk.render([makeAlert()], cfg, ctx);
    const oversized: DingtalkMessage = {
      ...message,
      markdown: { ...message.markdown, text: `vigil ${'告'.repeat(7000)}` },
    };
    const error = await failure(dingtalk.send(oversized, cfg, sendDeps()));
    expect(error).toMatchObject({ reason: 'payload', retryable: false, vendorCode: '460101', status: 200 });
  });
});

describe('dingtalk secrets', () => {
  it('lists URL, access_token and secret for redaction', () => {
    expect(dingtalk.secrets?.(config())).toEqual([
      `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
      TOKEN,
      SECRET,
    ]);
  });

  it('never puts URL, access_token or secret into a DeliveryError message, even when the vendor echoes them', async () => {
    const fake = await startDingtalkFake({ accessToken: TOKEN, secret: SECRET, echoRequestInErrors: true });
    try {
      const errors: DeliveryError[] = [];
      const wrongSecret = config({ url: fake.url, secret: `${SECRET}x` });
      errors.push(
        await failure(
          dingtalk.send(dingtalk.render([makeAlert()], wrongSecret, ctx), wrongSecret, sendDeps()),
        ),
      );
      const wrongToken = config({ url: fake.url.replace(TOKEN, `${TOKEN}0`) });
      errors.push(
        await failure(dingtalk.send(dingtalk.render([makeAlert()], wrongToken, ctx), wrongToken, sendDeps())),
      );
      const right = config({ url: fake.url });
      fake.script({
        status: 200,
        body: { errcode: 40035, errmsg: `bad ${fake.url} token=${TOKEN} secret=${SECRET}` },
      });
      errors.push(
        await failure(dingtalk.send(dingtalk.render([makeAlert()], right, ctx), right, sendDeps())),
      );
      await fake.close();
      errors.push(
        await failure(dingtalk.send(dingtalk.render([makeAlert()], right, ctx), right, sendDeps())),
      );
      const messages = errors.map((error) => `${error.message} ${error.vendorCode}`).join('\n');
      for (const secret of [TOKEN, SECRET, fake.url, `${fake.origin}/robot/send`])
        expect(messages).not.toContain(secret);
    } finally {
      await fake.close().catch(() => undefined);
    }
  });
});
