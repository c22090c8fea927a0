import type { DeliveryError } from '../../../functions/channels/types';
import {
  classifyWecomResponse,
  WECOM_MARKDOWN_MAX_BYTES,
  WECOM_TEXT_MAX_BYTES,
  type WecomConfig,
  type WecomMessage,
  wecom,
} from '../../../functions/channels/wecom';
import { type CnVendorFake, startWecomFake } from '../../fakes/cn-vendors';
import {
  byteLimitedGoldenCases,
  expectCleanCuts,
  expectGolden,
  failure,
  makeAlert,
  NOW,
  sendDeps,
} from './fixtures';

const config = (overrides: Partial<WecomConfig> = {}): WecomConfig =>
  wecom.schema.parse({
    type: 'wecom',
    url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
    mention: ['zhangsan'],
    ...overrides,
  });
const ctx = { now: NOW };

function contentOf(message: WecomMessage): string {
  return message.msgtype === 'markdown' ? message.markdown.content : message.text.content;
}

describe('wecom schema', () => {
  it.each([
    ['the contract example', { type: 'wecom', url: `\${ssm:/vigil/wecom-url}`, mention: ['@all'] }],
    [
      'a literal robot URL with mobiles',
      {
        type: 'wecom',
        url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc',
        mentionMobiles: ['13800000000'],
      },
    ],
  ])('accepts %s', (_name, value) => {
    expect(wecom.schema.safeParse(value).success).toBe(true);
  });

  it.each([
    ['a non-URL', { type: 'wecom', url: 'qyapi.weixin.qq.com' }],
    ['a URL without key=', { type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' }],
    ['an unknown field', { type: 'wecom', url: `\${env:WECOM_URL}`, mentions: ['x'] }],
    ['a bad placeholder', { type: 'wecom', url: `\${vault:/x}` }],
  ])('rejects %s without echoing the URL', (_name, value) => {
    const result = wecom.schema.safeParse(value);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain('qyapi.weixin.qq.com/cgi-bin/webhook/send"');
  });
});

describe('wecom render (golden)', () => {
  it.each(Object.entries(byteLimitedGoldenCases()))('%s', (name, alerts) => {
    const message = wecom.render(alerts, config(), ctx);
    expectGolden(`wecom-${name}`, message);
    expect(message.msgtype).toBe('markdown');
    expect(Buffer.byteLength(contentOf(message))).toBeLessThanOrEqual(WECOM_MARKDOWN_MAX_BYTES);
    const cuts = expectCleanCuts(message);
    if (name === 'cjk-emoji-over-limit') expect(cuts).toBeGreaterThan(0);
    if (name === 'mixed-digest' || name === 'cjk-emoji-over-limit')
      expect(contentOf(message)).toMatch(/\+\d+ more \(/);
  });

  it('mention-all: a text message with mentioned_list, within 2048 bytes', () => {
    const message = wecom.render(
      byteLimitedGoldenCases()['cjk-emoji-over-limit']!,
      config({ mention: ['zhangsan', '@all'] }),
      ctx,
    );
    expectGolden('wecom-mention-all', message);
    expect(message).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['zhangsan', '@all'] } });
    expect(Buffer.byteLength(contentOf(message))).toBeLessThanOrEqual(WECOM_TEXT_MAX_BYTES);
    expect(contentOf(message)).toMatch(/\+\d+ more/);
    expectCleanCuts(message);
  });
});

describe('wecom render', () => {
  it('colours firing "warning" and resolved "info" (green), never anything else', () => {
    const firing = contentOf(wecom.render([makeAlert()], config(), ctx));
    const resolved = contentOf(
      wecom.render([makeAlert({ status: 'resolved', endsAt: '2026-08-23T04:26:00Z' })], config(), ctx),
    );
    expect(firing).toContain('<font color="warning">🔴 FIRING critical: api-5xx-high</font>');
    expect(resolved).toContain('<font color="info">✅ RESOLVED critical: api-5xx-high</font>');
    expect(resolved).not.toContain('warning');
  });

  it('mentions userids inline in markdown while firing, nobody when everything resolved', () => {
    expect(contentOf(wecom.render([makeAlert()], config({ mention: ['zhangsan', 'lisi'] }), ctx))).toMatch(
      /<@zhangsan><@lisi>$/,
    );
    const resolved = wecom.render(
      [makeAlert({ status: 'resolved' })],
      config({ mention: ['@all'], mentionMobiles: ['13800000000'] }),
      ctx,
    );
    expect(resolved.msgtype).toBe('markdown');
    expect(contentOf(resolved)).not.toContain('<@');
  });

  it('pings mobiles with the text msgtype', () => {
    const message = wecom.render(
      [makeAlert()],
      config({ mention: [], mentionMobiles: ['13800000000'] }),
      ctx,
    );
    expect(message).toEqual({
      msgtype: 'text',
      text: { content: expect.any(String), mentioned_mobile_list: ['13800000000'] },
    });
  });

  it('neutralises mentions and colour tags in alert text', () => {
    const content = contentOf(
      wecom.render(
        [makeAlert({ summary: 'hi <@boss> <font color="warning">x</font>' })],
        config({ mention: [] }),
        ctx,
      ),
    );
    expect(content).not.toContain('<@boss>');
    expect(content).toContain('＜@boss>');
  });
});

describe('wecom classify', () => {
  const now = new Date('2026-08-23T04:27:15.000Z');
  const answer = (body: unknown, status = 200) => ({ status, headers: {}, body: JSON.stringify(body) });

  it.each([
    ['-1 busy', -1, 'server-error', true, undefined],
    ['45009 rate limit: until the next minute', 45009, 'rate-limited', true, 45_000],
    ['45033 concurrency', 45033, 'rate-limited', true, undefined],
    ['93000 invalid webhook URL', 93000, 'auth', false, undefined],
    ['40001 invalid credential', 40001, 'auth', false, undefined],
    ['45002 too long', 45002, 'payload', false, undefined],
    ['40058 markdown too long', 40058, 'payload', false, undefined],
    ['40008 bad msgtype', 40008, 'payload', false, undefined],
    ['44004 empty', 44004, 'payload', false, undefined],
    ['40035 other', 40035, 'vendor-error', false, undefined],
  ])('%s', (_name, errcode, reason, retryable, retryAfterMs) => {
    const error = classifyWecomResponse(answer({ errcode, errmsg: 'x' }), now);
    expect(error).toMatchObject({
      reason,
      retryable,
      retryAfterMs,
      vendorCode: String(errcode),
      status: 200,
    });
  });

  it('errcode 0 is success; HTTP 200 without errcode is not', () => {
    expect(classifyWecomResponse(answer({ errcode: 0, errmsg: 'ok' }), now)).toBeUndefined();
    expect(classifyWecomResponse(answer({ ok: true }), now)).toMatchObject({
      reason: 'vendor-error',
      retryable: false,
    });
    expect(classifyWecomResponse({ status: 200, headers: {}, body: '<html>' }, now)).toMatchObject({
      reason: 'vendor-error',
    });
  });

  it.each([
    [502, 'server-error', true],
    [429, 'rate-limited', true],
    [404, 'not-found', false],
  ])('HTTP %i without a body code → %s', (status, reason, retryable) => {
    expect(classifyWecomResponse({ status, headers: {}, body: '' }, now)).toMatchObject({
      reason,
      retryable,
      status,
    });
  });
});

describe('wecom send against the fake robot', () => {
  let fake: CnVendorFake;
  beforeEach(async () => {
    fake = await startWecomFake({ key: 'wecom-key-0123456789' });
  });
  afterEach(() => fake.close());

  it.each(Object.entries(byteLimitedGoldenCases()))('delivers the %s digest', async (_name, alerts) => {
    const cfg = config({ url: fake.url });
    await wecom.send(wecom.render(alerts, cfg, ctx), cfg, sendDeps());
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.answer.body).toMatchObject({ errcode: 0 });
    expect(fake.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
  });

  it('delivers "@all" as a text message with mentioned_list', async () => {
    const cfg = config({ url: fake.url, mention: ['@all'] });
    await wecom.send(wecom.render([makeAlert()], cfg, ctx), cfg, sendDeps());
    expect(fake.requests[0]!.json).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['@all'] } });
  });

  it('a wrong key is a non-retryable auth failure (93000 on HTTP 200)', async () => {
    const cfg = config({ url: fake.url.replace('wecom-key-0123456789', 'wrong-key') });
    const error = await failure(wecom.send(wecom.render([makeAlert()], cfg, ctx), cfg, sendDeps()));
    expect(error).toMatchObject({ reason: 'auth', retryable: false, vendorCode: '93000', status: 200 });
  });

  it('45009 is retryable after the rest of the minute', async () => {
    fake.throttle();
    const cfg = config({ url: fake.url });
    const error = await failure(
      wecom.send(
        wecom.render([makeAlert()], cfg, ctx),
        cfg,
        sendDeps({ now: () => new Date('2026-08-23T04:27:50.000Z') }),
      ),
    );
    expect(error).toMatchObject({
      reason: 'rate-limited',
      retryable: true,
      retryAfterMs: 10_000,
      vendorCode: '45009',
    });
  });

  it('the robot allows 20 messages a minute, then answers 45009', async () => {
    await fake.close();
    fake = await startWecomFake({ now: () => NOW.getTime() }); // a fixed clock: no minute boundary mid-test
    const cfg = config({ url: fake.url });
    const message = wecom.render([makeAlert()], cfg, ctx);
    for (let i = 0; i < 20; i++) await wecom.send(message, cfg, sendDeps());
    const error = await failure(wecom.send(message, cfg, sendDeps()));
    expect(error.vendorCode).toBe('45009');
  });

  it.each([
    [-1, 'server-error', true],
    [45002, 'payload', false],
    [44004, 'payload', false],
  ])('HTTP 200 with errcode %i is a failure (%s)', async (errcode, reason, retryable) => {
    fake.script({ status: 200, body: { errcode, errmsg: 'scripted' } });
    const cfg = config({ url: fake.url });
    const error = await failure(wecom.send(wecom.render([makeAlert()], cfg, ctx), cfg, sendDeps()));
    expect(error).toMatchObject({ reason, retryable, status: 200 });
  });

  it('an oversized hand-made message is rejected by the fake with 45002', async () => {
    const cfg = config({ url: fake.url });
    const message: WecomMessage = { msgtype: 'markdown', markdown: { content: '告'.repeat(1366) } };
    expect(await failure(wecom.send(message, cfg, sendDeps()))).toMatchObject({
      reason: 'payload',
      vendorCode: '45002',
    });
  });

  it('a refused connection is a retryable network failure; an expired attempt a timeout', async () => {
    const cfg = config({ url: fake.url });
    const message = wecom.render([makeAlert()], cfg, ctx);
    await fake.close();
    expect(await failure(wecom.send(message, cfg, sendDeps()))).toMatchObject({
      reason: 'network',
      retryable: true,
    });
    fake = await startWecomFake();
    const expired = sendDeps({ signal: AbortSignal.abort() });
    expect(await failure(wecom.send(message, config({ url: fake.url }), expired))).toMatchObject({
      reason: 'timeout',
      retryable: true,
    });
  });
});

describe('wecom secrets', () => {
  it('lists the URL and its key for redaction', () => {
    expect(
      wecom.secrets?.(config({ url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123' })),
    ).toEqual(['https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123', 'abc-123']);
  });

  it('never puts the URL or key into a DeliveryError message, even when the vendor echoes them', async () => {
    const key = 'a1b2c3d4-e5f6-7788-99aa-bbccddeeff00';
    const fake = await startWecomFake({ key, echoRequestInErrors: true });
    try {
      const errors: DeliveryError[] = [];
      const wrong = config({ url: `${fake.origin}/cgi-bin/webhook/send?key=${key}x` });
      errors.push(await failure(wecom.send(wecom.render([makeAlert()], wrong, ctx), wrong, sendDeps())));
      const right = config({ url: fake.url });
      fake.script({ status: 200, body: { errcode: 40035, errmsg: `bad request to ${fake.url} key ${key}` } });
      errors.push(await failure(wecom.send(wecom.render([makeAlert()], right, ctx), right, sendDeps())));
      const messages = errors.map((error) => `${error.message} ${error.vendorCode}`).join('\n');
      for (const secret of [key, `${key}x`, fake.url, encodeURIComponent(key)])
        expect(messages).not.toContain(secret);
      expect(messages).toContain('***');
    } finally {
      await fake.close();
    }
  });
});
