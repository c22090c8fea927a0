import { SNSClient } from '@aws-sdk/client-sns';
import {
  classifySnsError,
  createSnsChannel,
  SNS_MESSAGE_MAX_BYTES,
  SNS_SUBJECT_MAX_CHARS,
  type SnsConfig,
  type SnsMessage,
  sanitizeSubject,
  sns,
} from '../../../functions/channels/sns';
import { FAKE_CREDENTIALS, setFakeAwsEnv } from '../../fakes/aws';
import { type FakeSns, startFakeSns } from '../../fakes/sns';
import {
  byteLimitedGoldenCases,
  expectCleanCuts,
  expectGolden,
  failure,
  makeAlert,
  NOW,
  sendDeps,
} from './fixtures';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:pager';
const FIFO_TOPIC = 'arn:aws:sns:us-east-1:123456789012:oncall.fifo';
const ctx = { now: NOW };
const config = (topicArn = TOPIC): SnsConfig => sns.schema.parse({ type: 'sns', topicArn });

/** SNS publishes through the AWS SDK: the HTTP transport must stay unused. */
const deps = () => sendDeps({ http: () => Promise.reject(new Error('SNS must not use the HTTP transport')) });

/** What SNS counts: message body plus each attribute's name, type and value. */
function sizeOf(message: SnsMessage): number {
  return Object.entries(message.MessageAttributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue),
    Buffer.byteLength(message.Message),
  );
}

describe('sns schema', () => {
  it.each([
    ['the contract example', TOPIC],
    ['a FIFO topic', FIFO_TOPIC],
    ['a GovCloud topic', 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts'],
    ['a placeholder', `\${env:PAGER_TOPIC_ARN}`],
  ])('accepts %s', (_name, topicArn) => {
    expect(sns.schema.safeParse({ type: 'sns', topicArn }).success).toBe(true);
  });

  it.each([
    ['a queue ARN', 'arn:aws:sqs:us-east-1:123456789012:q'],
    ['a topic name', 'pager'],
    ['a short account', 'arn:aws:sns:us-east-1:1234:pager'],
  ])('rejects %s', (_name, topicArn) => {
    expect(sns.schema.safeParse({ type: 'sns', topicArn }).success).toBe(false);
  });
});

describe('sns render (golden)', () => {
  it.each(Object.entries(byteLimitedGoldenCases()))('%s', (name, alerts) => {
    const message = sns.render(alerts, config(), ctx);
    expectGolden(`sns-${name}`, message);
    expect(sizeOf(message)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(message.Subject).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
    expect(message.Subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
    const cuts = expectCleanCuts(message);
    if (name === 'cjk-emoji-over-limit') expect(cuts).toBeGreaterThan(0);
    if (name === 'cjk-emoji-over-limit') expect(message.Message).toMatch(/\n\n\+\d+ more \(\d+ firing\)$/);
  });
});

describe('sns render', () => {
  it.each([
    ['plain', 'FIRING critical: api-5xx-high', 'FIRING critical: api-5xx-high'],
    ['line breaks and tabs', 'a\nb\r\nc\td', 'a b c d'],
    ['accents and full-width forms', 'café ＡＰＩ', 'cafe API'],
    ['CJK and emoji', '数据库 🔥 down', '? ? down'],
    ['leading spaces', '   x', 'x'],
    ['nothing printable', '数据库', '?'],
    ['empty', '', 'vigil alert'],
    ['too long', 'x'.repeat(150), `${'x'.repeat(96)}...`],
  ])('sanitises a Subject with %s', (_name, input, expected) => {
    expect(sanitizeSubject(input)).toBe(expected);
  });

  it('sets severity (worst firing) and status attributes as String', () => {
    const message = sns.render(
      [makeAlert({ severity: 'warning' }), makeAlert({ severity: 'emergency', status: 'resolved' })],
      config(),
      ctx,
    );
    expect(message.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'warning' },
      status: { DataType: 'String', StringValue: 'firing' },
    });
    const resolved = sns.render([makeAlert({ severity: 'critical', status: 'resolved' })], config(), ctx);
    expect(resolved.MessageAttributes.status.StringValue).toBe('resolved');
    expect(resolved.MessageAttributes.severity.StringValue).toBe('critical');
  });

  it('FIFO: the same group for firing and resolved of the same alerts, a new deduplication id per event', () => {
    const firing = sns.render([makeAlert()], config(FIFO_TOPIC), ctx).fifo;
    const again = sns.render([makeAlert()], config(FIFO_TOPIC), {
      now: new Date(NOW.getTime() + 60_000),
    }).fifo;
    const resolved = sns.render(
      [makeAlert({ status: 'resolved', endsAt: '2026-08-23T04:30:00Z' })],
      config(FIFO_TOPIC),
      ctx,
    ).fifo;
    expect(again).toEqual(firing);
    expect(resolved.MessageGroupId).toBe(firing.MessageGroupId);
    expect(resolved.MessageDeduplicationId).not.toBe(firing.MessageDeduplicationId);
    expect(firing.MessageDeduplicationId.length).toBeLessThanOrEqual(128);
  });
});

describe('sns send (default client, AWS_ENDPOINT_URL_SNS → fake)', () => {
  let fake: FakeSns;
  let restoreEnv: () => void;
  beforeAll(async () => {
    fake = await startFakeSns({ topics: [TOPIC, FIFO_TOPIC] });
    restoreEnv = setFakeAwsEnv({ SNS: fake.url });
  });
  afterAll(async () => {
    await fake.close();
    restoreEnv();
  });
  beforeEach(() => {
    fake.messages.length = 0;
  });

  it.each(Object.entries(byteLimitedGoldenCases()))(
    'publishes the %s digest with its attributes',
    async (_name, alerts) => {
      const message = sns.render(alerts, config(), ctx);
      await sns.send(message, config(), deps());
      expect(fake.messages).toEqual([
        expect.objectContaining({
          topicArn: TOPIC,
          subject: message.Subject,
          message: message.Message,
          messageStructure: undefined,
          groupId: undefined,
          deduplicationId: undefined,
          attributes: message.MessageAttributes,
        }),
      ]);
    },
  );

  it('FIFO topics get group and deduplication ids; a retried Publish is delivered once', async () => {
    const message = sns.render([makeAlert()], config(FIFO_TOPIC), ctx);
    await sns.send(message, config(FIFO_TOPIC), deps());
    await sns.send(message, config(FIFO_TOPIC), deps());
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]).toMatchObject({
      groupId: message.fifo.MessageGroupId,
      deduplicationId: message.fifo.MessageDeduplicationId,
    });
  });

  it('Throttled (400) is retryable rate-limited', async () => {
    fake.throttle();
    const error = await failure(sns.send(sns.render([makeAlert()], config(), ctx), config(), deps()));
    expect(error).toMatchObject({
      reason: 'rate-limited',
      retryable: true,
      vendorCode: 'ThrottledException',
    });
  });

  it.each([
    [{ status: 500, code: 'InternalError', message: 'Internal error' }, 'server-error', true],
    [{ status: 503, code: 'ServiceUnavailable', message: 'Service unavailable' }, 'server-error', true],
    [
      { status: 403, code: 'AuthorizationError', message: 'User is not authorized to perform SNS:Publish' },
      'auth',
      false,
    ],
    [{ status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Subject' }, 'payload', false],
    [{ status: 400, code: 'KMSAccessDenied', message: 'denied' }, 'auth', false],
  ])('%o → %s', async (scripted, reason, retryable) => {
    fake.fail(scripted);
    const error = await failure(sns.send(sns.render([makeAlert()], config(), ctx), config(), deps()));
    expect(error).toMatchObject({ reason, retryable, status: scripted.status });
  });

  it('a topic that does not exist is not-found', async () => {
    const missing = config('arn:aws:sns:us-east-1:123456789012:gone');
    expect(await failure(sns.send(sns.render([makeAlert()], missing, ctx), missing, deps()))).toMatchObject({
      reason: 'not-found',
      retryable: false,
      status: 404,
    });
  });

  it('the fake enforces the real limits: a message over 262,144 bytes with attributes is InvalidParameter', async () => {
    const message = sns.render([makeAlert()], config(), ctx);
    const oversized: SnsMessage = { ...message, Message: 'x'.repeat(SNS_MESSAGE_MAX_BYTES - 30) };
    expect(await failure(sns.send(oversized, config(), deps()))).toMatchObject({
      reason: 'payload',
      retryable: false,
    });
    const badSubject: SnsMessage = { ...message, Subject: 'line\nbreak' };
    expect(await failure(sns.send(badSubject, config(), deps()))).toMatchObject({ reason: 'payload' });
  });
});

describe('sns send (injected client)', () => {
  it('uses the client from the factory, with the topic region', async () => {
    const fake = await startFakeSns({ topics: ['arn:aws:sns:eu-west-1:123456789012:pager'] });
    try {
      const regions: (string | undefined)[] = [];
      const channel = createSnsChannel((region) => {
        regions.push(region);
        return new SNSClient({
          region: region ?? 'us-east-1',
          endpoint: fake.url,
          credentials: FAKE_CREDENTIALS,
          maxAttempts: 1,
        });
      });
      const cfg = channel.schema.parse({ type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:pager' });
      await channel.send(channel.render([makeAlert()], cfg, ctx), cfg, deps());
      expect(regions).toEqual(['eu-west-1']);
      expect(fake.messages).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('a refused connection is a retryable network failure', async () => {
    const fake = await startFakeSns();
    const url = fake.url;
    await fake.close();
    const channel = createSnsChannel(
      (region) =>
        new SNSClient({
          region: region ?? 'us-east-1',
          endpoint: url,
          credentials: FAKE_CREDENTIALS,
          maxAttempts: 1,
        }),
    );
    const error = await failure(channel.send(channel.render([makeAlert()], config(), ctx), config(), deps()));
    expect(error).toMatchObject({ reason: 'network', retryable: true });
  });
});

describe('classifySnsError', () => {
  it.each([
    [{ name: 'ThrottledException', $metadata: { httpStatusCode: 400 } }, 'rate-limited', true],
    [{ name: 'Throttling', $metadata: { httpStatusCode: 400 } }, 'rate-limited', true],
    [{ name: 'SomethingNew', $metadata: { httpStatusCode: 502 } }, 'server-error', true],
    [{ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }, 'not-found', false],
    [{ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } }, 'payload', false],
    [{ name: 'AbortError' }, 'timeout', true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'network', true],
    [{ name: 'OptedOutException', $metadata: { httpStatusCode: 400 } }, 'vendor-error', false],
  ])('%o → %s', (error, reason, retryable) => {
    expect(classifySnsError(error)).toMatchObject({ reason, retryable });
  });
});
