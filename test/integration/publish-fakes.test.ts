/**
 * The loopback fakes, checked with the real SDK clients: if a fake accepted what AWS refuses (or answered in a
 * shape the SDK misreads), every test built on it would prove nothing.
 */
import {
  CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
  type PutMetricDataInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { FAKE_CREDENTIALS, setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { type FakeSqs, SQS_MESSAGE_MAX_BYTES, startFakeSqs } from '../fakes/sqs';
import { type FakeSsm, startFakeSsm } from '../fakes/ssm';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const HOUR_MS = 3600 * 1000;
const fastRetries = () => new ConfiguredRetryStrategy(3, () => 1);

let cloudwatch: FakeCloudWatch;
let sqs: FakeSqs;
let ssm: FakeSsm;
let restoreEnv: () => void;
let cw: CloudWatchClient;
let sqsClient: SQSClient;
let ssmClient: SSMClient;
let sqsNow = Date.now();

beforeAll(async () => {
  cloudwatch = await startFakeCloudWatch();
  sqs = await startFakeSqs({ queues: ['alerts-dlq', 'limits'], now: () => sqsNow });
  ssm = await startFakeSsm({
    '/vigil/slack-webhook': { value: 'https://hooks.example/T000/B000/XXX', type: 'SecureString' },
    '/vigil/plain': 'hello',
  });
  restoreEnv = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url, SQS: sqs.url, SSM: ssm.url });
  cw = new CloudWatchClient({ retryStrategy: fastRetries() });
  sqsClient = new SQSClient({ retryStrategy: fastRetries() });
  ssmClient = new SSMClient({ retryStrategy: fastRetries() });
});

afterAll(async () => {
  cw.destroy();
  sqsClient.destroy();
  ssmClient.destroy();
  await Promise.all([cloudwatch.close(), sqs.close(), ssm.close()]);
  restoreEnv();
});

beforeEach(() => cloudwatch.reset());

const ok: MetricDatum = {
  MetricName: 'ProbeDuration',
  Dimensions: [{ Name: 'Target', Value: 'api' }],
  Timestamp: NOW,
  Value: 12.5,
  Unit: 'Milliseconds',
};

describe('fake CloudWatch', () => {
  it('answers {} with a request id, and records the datum with its timestamp back as a Date', async () => {
    const out = await cw.send(new PutMetricDataCommand({ Namespace: 'Vigil', MetricData: [ok] }));

    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cloudwatch.datums).toEqual([
      expect.objectContaining({
        Namespace: 'Vigil',
        MetricName: 'ProbeDuration',
        Timestamp: NOW,
        Value: 12.5,
      }),
    ]);
    expect(cloudwatch.requests[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIA.*\/monitoring\//,
    );
  });

  const many = (n: number) => Array.from({ length: n }, () => ok);
  const wide = (dims: number, chars: number) =>
    Array.from({ length: dims }, (_, i) => ({ Name: `d${i}`, Value: 'v'.padEnd(chars, 'v') }));

  it.each<[string, Partial<PutMetricDataInput>, string, RegExp]>([
    ['1,001 datums', { MetricData: many(1001) }, 'InvalidParameterValueException', /size greater than 1000/],
    [
      '31 dimensions',
      { MetricData: [{ ...ok, Dimensions: wide(31, 1) }] },
      'InvalidParameterValueException',
      /Dimensions/,
    ],
    [
      'a 1,025-character dimension value',
      { MetricData: [{ ...ok, Dimensions: wide(1, 1025) }] },
      'InvalidParameterValueException',
      /1-1024 characters/,
    ],
    [
      'an empty dimension value',
      { MetricData: [{ ...ok, Dimensions: [{ Name: 'Target', Value: '' }] }] },
      'InvalidParameterValueException',
      /Dimensions.member.1.Value/,
    ],
    [
      'an empty metric name',
      { MetricData: [{ ...ok, MetricName: '' }] },
      'InvalidParameterValueException',
      /MetricName/,
    ],
    [
      'a 256-character metric name',
      { MetricData: [{ ...ok, MetricName: 'm'.repeat(256) }] },
      'InvalidParameterValueException',
      /MetricName/,
    ],
    [
      'NaN',
      { MetricData: [ok, { ...ok, Value: Number.NaN }] },
      'InvalidParameterValueException',
      /NaN.*member\.2\.Value/,
    ],
    [
      '-Infinity',
      { MetricData: [{ ...ok, Value: Number.NEGATIVE_INFINITY }] },
      'InvalidParameterValueException',
      /-Infinity/,
    ],
    [
      '151 Values',
      { MetricData: [{ ...ok, Value: undefined, Values: Array.from({ length: 151 }, (_, i) => i) }] },
      'InvalidParameterValueException',
      /Values must not have a size greater than 150/,
    ],
    [
      'Counts longer than Values',
      { MetricData: [{ ...ok, Value: undefined, Values: [1, 2], Counts: [1, 1, 1] }] },
      'InvalidParameterCombinationException',
      /same size/,
    ],
    [
      'Value and Values together',
      { MetricData: [{ ...ok, Values: [1] }] },
      'InvalidParameterCombinationException',
      /mutually exclusive/,
    ],
    [
      'StorageResolution 5',
      { MetricData: [{ ...ok, StorageResolution: 5 }] },
      'InvalidParameterValueException',
      /StorageResolution/,
    ],
    [
      'an unknown unit',
      { MetricData: [{ ...ok, Unit: 'Furlongs' as MetricDatum['Unit'] }] },
      'InvalidParameterValueException',
      /Unit/,
    ],
    ['an AWS/ namespace', { Namespace: 'AWS/EC2' }, 'InvalidParameterValueException', /reserved/],
    [
      'a timestamp 15 days old',
      { MetricData: [{ ...ok, Timestamp: new Date(NOW.getTime() - 15 * 24 * HOUR_MS) }] },
      'InvalidParameterValueException',
      /two weeks in the past/,
    ],
    [
      'a timestamp 3 hours ahead',
      { MetricData: [{ ...ok, Timestamp: new Date(NOW.getTime() + 3 * HOUR_MS) }] },
      'InvalidParameterValueException',
      /two hours in the future/,
    ],
  ])('refuses %s with 400, as AWS does (not retried)', async (_name, input, name, message) => {
    const send = cw.send(new PutMetricDataCommand({ Namespace: 'Vigil', MetricData: [ok], ...input }));

    await expect(send).rejects.toMatchObject({
      name,
      message: expect.stringMatching(message),
      $metadata: { attempts: 1 },
    });
    expect(cloudwatch.rejected).toEqual([expect.objectContaining({ status: 400 })]);
    expect(cloudwatch.datums).toEqual([]);
  });

  it.each<[string, MetricDatum]>([
    ['30 dimensions of 1,024 characters', { ...ok, Dimensions: wide(30, 1024) }],
    [
      '150 Values with Counts and high resolution',
      {
        ...ok,
        Value: undefined,
        Values: many(150).map((_, i) => i),
        Counts: many(150).map(() => 2),
        StorageResolution: 1,
      },
    ],
    ['a timestamp 13 days old', { ...ok, Timestamp: new Date(NOW.getTime() - 13 * 24 * HOUR_MS) }],
    ['a value of 2^360', { ...ok, Value: 2 ** 360 }],
  ])('accepts %s (at the limit)', async (_name, datum) => {
    await cw.send(new PutMetricDataCommand({ Namespace: 'Vigil', MetricData: [datum] }));

    expect(cloudwatch.datums).toHaveLength(1);
  });

  it('refuses a body over 1 MB (after gunzip) with 413', async () => {
    const big = Array.from({ length: 40 }, () => ({ ...ok, Dimensions: wide(30, 1024) }));

    await expect(
      cw.send(new PutMetricDataCommand({ Namespace: 'Vigil', MetricData: big })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 413 },
    });
    expect(cloudwatch.requests).toEqual([]);
  });

  it('throttles exactly like AWS: 400, Throttling;Sender, JSON __type', async () => {
    cloudwatch.throttleNext(1);
    const raw = await signedLikeRequest(cloudwatch.url);

    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-query-error')).toBe('Throttling;Sender');
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await raw.json()).toEqual({ __type: 'Throttling', message: 'Rate exceeded' });
  });

  it('refuses requests without a SigV4 authorization header', async () => {
    const raw = await fetch(cloudwatch.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData',
      },
      body: '{}',
    });

    expect(raw.status).toBe(403);
    expect(cloudwatch.requests).toEqual([]);
  });
});

/** A request with the SDK's headers and a syntactically valid signature (the fake checks shape, not the HMAC). */
function signedLikeRequest(url: string): Promise<Response> {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData',
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=${FAKE_CREDENTIALS.accessKeyId}/${date.slice(0, 8)}/us-east-1/monitoring/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    },
    body: JSON.stringify({ Namespace: 'Vigil', MetricData: [{ MetricName: 'x', Value: 1 }] }),
  });
}

describe('fake SQS', () => {
  it('round-trips a message: send, receive (invisible while in flight), delete', async () => {
    const { QueueUrl } = await sqsClient.send(new GetQueueUrlCommand({ QueueName: 'alerts-dlq' }));
    const sent = await sqsClient.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"alert":"api down"}',
        MessageAttributes: { channel: { DataType: 'String', StringValue: 'slack' } },
      }),
    );

    const first = await sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const again = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl }));
    await sqsClient.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }),
    );

    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(first.Messages).toEqual([
      expect.objectContaining({
        MessageId: sent.MessageId,
        Body: '{"alert":"api down"}',
        MessageAttributes: { channel: { DataType: 'String', StringValue: 'slack' } },
        Attributes: expect.objectContaining({ ApproximateReceiveCount: '1' }),
      }),
    ]);
    expect(again.Messages).toBeUndefined();
    expect(sqs.queue('alerts-dlq')).toEqual([]);
    expect(sqs.sent.map((m) => m.Body)).toContain('{"alert":"api down"}');
  });

  it('makes an undeleted message visible again after its visibility timeout', async () => {
    const QueueUrl = sqs.queueUrl('alerts-dlq');
    await sqsClient.send(new SendMessageCommand({ QueueUrl, MessageBody: 'retry me' }));
    await sqsClient.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 30 }));

    sqsNow += 31_000;
    const later = await sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'] }),
    );

    expect(later.Messages?.[0]).toMatchObject({
      Body: 'retry me',
      Attributes: { ApproximateReceiveCount: '2' },
    });
    await sqsClient.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: later.Messages![0]!.ReceiptHandle! }),
    );
  });

  it.each<[string, string, Record<string, { DataType: string; StringValue: string }>, RegExp | undefined]>([
    ['a body of exactly 256 KiB', 'x'.repeat(SQS_MESSAGE_MAX_BYTES), {}, undefined],
    ['a body one byte over', 'x'.repeat(SQS_MESSAGE_MAX_BYTES + 1), {}, /shorter than 262144 bytes/],
    [
      'attributes counted in the size',
      'x'.repeat(SQS_MESSAGE_MAX_BYTES - 10),
      { a: { DataType: 'String', StringValue: 'hello' } },
      /shorter than/,
    ],
    [
      'multi-byte characters counted in UTF-8 bytes',
      'é'.repeat(SQS_MESSAGE_MAX_BYTES / 2 + 1),
      {},
      /shorter than/,
    ],
    ['a character SQS does not allow', 'bell\u0007', {}, /Invalid characters/],
  ])('SendMessage with %s', async (_name, MessageBody, MessageAttributes, error) => {
    const send = sqsClient.send(
      new SendMessageCommand({ QueueUrl: sqs.queueUrl('limits'), MessageBody, MessageAttributes }),
    );

    if (error) await expect(send).rejects.toThrow(error);
    else await expect(send).resolves.toMatchObject({ MessageId: expect.any(String) });
  });

  it('answers QueueDoesNotExist for an unknown queue', async () => {
    await expect(
      sqsClient.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('nope'), MessageBody: 'x' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });
});

describe('fake SSM', () => {
  it.each([
    ['a String parameter', '/vigil/plain', false, 'hello'],
    ['a SecureString, decrypted', '/vigil/slack-webhook', true, 'https://hooks.example/T000/B000/XXX'],
  ])('GetParameter returns %s', async (_name, Name, WithDecryption, value) => {
    const out = await ssmClient.send(new GetParameterCommand({ Name, WithDecryption }));

    expect(out.Parameter).toMatchObject({ Name, Value: value, Version: 1 });
    expect(out.Parameter!.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('does not reveal a SecureString without decryption', async () => {
    const out = await ssmClient.send(new GetParameterCommand({ Name: '/vigil/slack-webhook' }));

    expect(out.Parameter!.Value).not.toContain('hooks.example');
  });

  it('answers ParameterNotFound for anything else, and records what was asked', async () => {
    await expect(ssmClient.send(new GetParameterCommand({ Name: '/vigil/missing' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    expect(ssm.calls.at(-1)).toEqual({ name: '/vigil/missing', withDecryption: false });
  });
});

describe('setFakeAwsEnv', () => {
  it('sets what the SDK reads and restores the previous values, unset ones included', () => {
    const before = { ...process.env };
    process.env.AWS_PROFILE = 'developer';

    const restore = setFakeAwsEnv({ SNS: 'http://127.0.0.1:1' });
    const during = { ...process.env };
    restore();

    expect(during).toMatchObject({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:1' });
    expect(during.AWS_PROFILE).toBeUndefined();
    expect(process.env.AWS_PROFILE).toBe('developer');
    expect(process.env.AWS_ENDPOINT_URL_SNS).toBe(before.AWS_ENDPOINT_URL_SNS);
    delete process.env.AWS_PROFILE;
  });
});
