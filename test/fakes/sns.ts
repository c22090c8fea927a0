/**
 * A loopback Amazon SNS speaking what `@aws-sdk/client-sns` sends (aws.md): AWS Query protocol, `Action=Publish`
 * form-urlencoded, XML answers. Validates like the real service — topic exists, Subject printable ASCII without line
 * breaks and < 100 characters, message + attributes ≤ 262,144 bytes, FIFO group/deduplication ids — and records
 * every delivered message. A FIFO duplicate within 5 minutes is acknowledged but not delivered, as SNS does.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeAwsServer, readBody } from './aws';

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
  messageStructure: string | undefined;
  attributes: Record<string, { DataType: string; StringValue?: string }>;
  groupId: string | undefined;
  deduplicationId: string | undefined;
}

export interface SnsError {
  status: number;
  code: string;
  message: string;
}

export interface FakeSns extends FakeAwsServer {
  /** Publish calls as received (form fields), delivered or not. */
  readonly requests: Record<string, string>[];
  /** Messages SNS accepted and would fan out. */
  readonly messages: PublishedMessage[];
  /** The next `times` Publish calls fail with `Throttled` (400, as the real service answers). */
  throttle(times?: number): void;
  /** The next calls fail with these errors, in order. */
  fail(...errors: SnsError[]): void;
  /** Topics that exist; Publish to any other ARN is NotFound. */
  addTopic(arn: string): void;
}

export const SNS_FAKE_MESSAGE_MAX_BYTES = 262_144;
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const DEDUP_WINDOW_MS = 5 * 60_000;
const SIGV4_SNS_RE = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/sns\/aws4_request, /;

export const THROTTLED: SnsError = { status: 400, code: 'Throttled', message: 'Rate exceeded' };

export async function startFakeSns(
  options: { topics?: string[]; now?: () => number } = {},
): Promise<FakeSns> {
  const now = options.now ?? Date.now;
  const topics = new Set(options.topics ?? []);
  const requests: Record<string, string>[] = [];
  const messages: PublishedMessage[] = [];
  const scripted: SnsError[] = [];
  const seenDedup = new Map<string, { at: number; messageId: string }>();

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req, 2 * 1024 * 1024);
      const reply = (status: number, xml: string) => {
        res.writeHead(status, {
          'content-type': 'text/xml',
          'content-length': Buffer.byteLength(xml),
          'x-amzn-requestid': randomUUID(),
        });
        res.end(xml);
      };
      const error = (e: SnsError) => reply(e.status, errorXml(e));
      if (raw === undefined)
        return error({ status: 413, code: 'RequestEntityTooLarge', message: 'Request is too large' });
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return error({
          status: 400,
          code: 'InvalidAction',
          message: 'expected a form-urlencoded Query request',
        });
      }
      if (!SIGV4_SNS_RE.test(String(req.headers.authorization ?? ''))) {
        return error({
          status: 403,
          code: 'InvalidClientTokenId',
          message: 'The security token included in the request is invalid.',
        });
      }
      const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
      requests.push(form);
      if (form.Action !== 'Publish')
        return error({ status: 400, code: 'InvalidAction', message: `${form.Action} is not supported` });
      const failure = scripted.shift() ?? validate(form, topics);
      if (failure) return error(failure);

      const topicArn = form.TopicArn!;
      const dedup = form.MessageDeduplicationId;
      const previous = dedup === undefined ? undefined : seenDedup.get(`${topicArn}\n${dedup}`);
      if (previous && now() - previous.at < DEDUP_WINDOW_MS)
        return reply(200, publishXml(previous.messageId));
      const messageId = randomUUID();
      if (dedup !== undefined) seenDedup.set(`${topicArn}\n${dedup}`, { at: now(), messageId });
      messages.push({
        messageId,
        topicArn,
        subject: form.Subject,
        message: form.Message ?? '',
        messageStructure: form.MessageStructure,
        attributes: attributesOf(form),
        groupId: form.MessageGroupId,
        deduplicationId: dedup,
      });
      reply(200, publishXml(messageId));
    })().catch((crash: unknown) => {
      res.writeHead(500, { 'content-type': 'text/xml' });
      res.end(errorXml({ status: 500, code: 'InternalFailure', message: `fake crashed: ${String(crash)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    messages,
    throttle(times = 1) {
      for (let i = 0; i < times; i++) scripted.push(THROTTLED);
    },
    fail(...errors) {
      scripted.push(...errors);
    },
    addTopic(arn) {
      topics.add(arn);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` → a map. */
function attributesOf(form: Record<string, string>): PublishedMessage['attributes'] {
  const out: PublishedMessage['attributes'] = {};
  for (let n = 1; form[`MessageAttributes.entry.${n}.Name`] !== undefined; n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const value = form[`${prefix}.Value.StringValue`];
    out[form[`${prefix}.Name`]!] = {
      DataType: form[`${prefix}.Value.DataType`] ?? '',
      ...(value === undefined ? {} : { StringValue: value }),
    };
  }
  return out;
}

function invalid(what: string): SnsError {
  return { status: 400, code: 'InvalidParameter', message: `Invalid parameter: ${what}` };
}

function validate(form: Record<string, string>, topics: ReadonlySet<string>): SnsError | undefined {
  const arn = form.TopicArn;
  if (!arn) return invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (!topics.has(arn)) return { status: 404, code: 'NotFound', message: 'Topic does not exist' };
  const message = form.Message ?? '';
  if (message === '') return invalid('Empty message');
  const subject = form.Subject;
  // Printable ASCII only (so no line breaks or control characters), starting with a non-space, under 100 characters.
  if (subject !== undefined && (!/^[\x21-\x7e][\x20-\x7e]*$/.test(subject) || subject.length >= 100)) {
    return invalid('Subject');
  }
  const attributes = attributesOf(form);
  let bytes = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    if (!['String', 'String.Array', 'Number', 'Binary'].includes(value.DataType.split('.')[0]!)) {
      return {
        status: 400,
        code: 'ParameterValueInvalid',
        message: `The message attribute '${name}' has an invalid message attribute type`,
      };
    }
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue ?? '');
  }
  if (bytes > SNS_FAKE_MESSAGE_MAX_BYTES) return invalid('Message too long');
  if (form.MessageStructure === 'json') {
    try {
      const parsed: unknown = JSON.parse(message);
      if (typeof (parsed as { default?: unknown }).default !== 'string')
        return invalid('Message Structure - No default entry in JSON message body');
    } catch {
      return invalid('Message Structure - JSON message body failed to parse');
    }
  }
  const fifo = arn.endsWith('.fifo');
  if (fifo && !form.MessageGroupId)
    return invalid('The MessageGroupId parameter is required for FIFO topics');
  if (fifo && !form.MessageDeduplicationId) {
    return invalid(
      'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
  }
  if (!fifo && form.MessageDeduplicationId !== undefined) {
    return invalid(
      'The request includes MessageDeduplicationId parameter that is not valid for this topic type',
    );
  }
  if (form.MessageDeduplicationId !== undefined && form.MessageDeduplicationId.length > 128) {
    return invalid('MessageDeduplicationId Reason: must be at most 128 characters');
  }
  return undefined;
}

function publishXml(messageId: string): string {
  return `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
}

function errorXml(error: SnsError): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
