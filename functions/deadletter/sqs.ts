/**
 * Dead letters in SQS (the deployed webhook: VIGIL_DLQ_NAME, or VIGIL_DLQ_URL). The client comes from the SDK's standard config, so
 * AWS_ENDPOINT_URL_SQS points it at a local stand-in in tests.
 */
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type DeadLetter, type DeadLetterStore, parseDeadLetter, type StoredLetter } from './types';

/** SQS limits: 10 messages per receive, 256 KiB per message. */
export const SQS_RECEIVE_MAX_MESSAGES = 10;
export const SQS_MESSAGE_MAX_BYTES = 262_144;
/** Long enough for a replay to resend and delete before the message reappears. */
const REPLAY_VISIBILITY_TIMEOUT_S = 120;

/** What an alert's summary and each label keep when even the slimmed alert is over the message size. */
const KEPT_TEXT_CHARS = 1_000;

/** Splits a letter whose alerts don't fit one SQS message into several letters that do. */
export function fitLetter(letter: DeadLetter, maxBytes = SQS_MESSAGE_MAX_BYTES): DeadLetter[] {
  if (Buffer.byteLength(JSON.stringify(letter)) <= maxBytes) return [letter];
  if (letter.alerts.length <= 1) {
    // One alert bigger than a message: keep what identifies it and say so, rather than lose it.
    const [alert] = letter.alerts;
    if (!alert) return [letter];
    const slim = {
      ...alert,
      annotations: {},
      description: '(description dropped: alert exceeded the queue message size)',
    };
    const slimmed = { ...letter, alerts: [slim] };
    if (Buffer.byteLength(JSON.stringify(slimmed)) <= maxBytes) return [slimmed];
    // Still too big (a huge summary or label values): cut them down, so the letter is kept at all.
    const cut = (text: string) =>
      text.length > KEPT_TEXT_CHARS ? `${text.slice(0, KEPT_TEXT_CHARS)}…` : text;
    const kept = {
      ...slim,
      summary: cut(slim.summary),
      labels: Object.fromEntries(Object.entries(slim.labels).map(([name, value]) => [cut(name), cut(value)])),
      links: [],
    };
    return [{ ...letter, alerts: [kept] }];
  }
  const middle = Math.ceil(letter.alerts.length / 2);
  return [
    ...fitLetter({ ...letter, id: `${letter.id}-a`, alerts: letter.alerts.slice(0, middle) }, maxBytes),
    ...fitLetter({ ...letter, id: `${letter.id}-b`, alerts: letter.alerts.slice(middle) }, maxBytes),
  ];
}

/** A queue given by URL, or by name (its URL looked up once, when first needed). */
export type QueueRef = { url: string } | { name: string };

/** `--queue` and environment values: a URL, or else a queue name. */
export function queueRef(text: string): QueueRef {
  return /^https?:\/\//.test(text) ? { url: text } : { name: text };
}

export function sqsDeadLetterStore(queue: QueueRef, client: SQSClient = new SQSClient({})): DeadLetterStore {
  let url: Promise<string> | undefined = 'url' in queue ? Promise.resolve(queue.url) : undefined;
  const queueUrl = (): Promise<string> => {
    if (url) return url;
    const { name } = queue as { name: string };
    const lookup = client.send(new GetQueueUrlCommand({ QueueName: name })).then((out) => {
      if (!out.QueueUrl) throw new Error(`SQS has no URL for queue ${name}`);
      return out.QueueUrl;
    });
    url = lookup;
    // A failed lookup is not cached: the next dead letter tries again.
    lookup.catch(() => {
      url = undefined;
    });
    return lookup;
  };
  // One message per call: dead letters are rare, and single sends keep each failure attributable.
  async function send(letters: readonly DeadLetter[]) {
    const QueueUrl = await queueUrl();
    for (const letter of letters.flatMap((each) => fitLetter(each))) {
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(letter) }));
    }
  }
  async function remove(handles: readonly string[]) {
    const QueueUrl = await queueUrl();
    for (const handle of handles)
      await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: handle }));
  }
  return {
    description: `SQS queue ${'url' in queue ? queue.url : queue.name}`,
    put: send,
    remove,
    async list(max) {
      const QueueUrl = await queueUrl();
      const out: StoredLetter[] = [];
      while (out.length < max) {
        const received = await client.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: Math.min(SQS_RECEIVE_MAX_MESSAGES, max - out.length),
            VisibilityTimeout: REPLAY_VISIBILITY_TIMEOUT_S,
            WaitTimeSeconds: 0,
          }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) break;
        for (const message of messages) {
          const letter = message.Body === undefined ? undefined : parseDeadLetter(message.Body);
          if (letter && message.ReceiptHandle) out.push({ letter, handle: message.ReceiptHandle });
        }
      }
      return out;
    },
    async requeue(stored, letter) {
      await send([letter]);
      await remove([stored.handle]);
    },
  };
}
