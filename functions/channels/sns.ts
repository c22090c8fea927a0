/**
 * Amazon SNS Publish (alerts.md B6, aws.md): a plain-text digest with `severity` and `status` String attributes, so
 * subscription filter policies can route on them — which is why MessageStructure stays unset: attributes are not
 * delivered for JSON-structured messages. Message + attributes ≤ 262,144 UTF-8 bytes, Subject printable ASCII < 100
 * characters. FIFO topics get a group id (stable per set of alerts, so firing → resolved stay ordered) and a
 * deduplication id (per event, so a retried Publish within SNS' 5-minute window is not delivered twice).
 *
 * The SNS client uses the SDK's standard configuration (credentials, AWS_ENDPOINT_URL_SNS) with the topic's own
 * region, and no SDK-level retries: notify/retry.ts retries every channel in one place, bounded by the Lambda deadline.
 */
import { createHash } from 'node:crypto';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { Alert, Severity } from '../alerts/types';
import { SEVERITIES } from '../alerts/types';
import { PLACEHOLDER_RE, placeholderError } from '../config/secrets';
import { redact } from '../logging/redact';
import * as z from '../zod-mini';
import {
  alertFacts,
  digestTitle,
  headline,
  joinDigest,
  orderForDigest,
  statusCounts,
  statusWord,
  usableLinks,
} from './format';
import { byteLength, charLength, oneLine, truncateBytes, truncateTo } from './text';
import type { ChannelModule, DeliveryReason, RenderContext, SendDeps } from './types';
import { DeliveryError } from './types';

/** Message body plus message attributes (names, types and values), in UTF-8 bytes. */
export const SNS_MESSAGE_MAX_BYTES = 262_144;
/** "Must be less than 100 characters". */
export const SNS_SUBJECT_MAX_CHARS = 99;
/** Per-field cap, so one alert's novel-length description cannot crowd every other alert out. */
const FIELD_MAX_BYTES = 4096;

// -----------------------------------------------------------------------------------------------------------------
// Config

const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;

const topicArn = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = placeholderError(value);
    if (problem) return void ctx.addIssue({ code: 'custom', message: problem });
    if (PLACEHOLDER_RE.test(value)) return;
    if (!TOPIC_ARN_RE.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
      });
    }
  }),
);

export const snsConfigSchema = z.strictObject({
  type: z.literal('sns'),
  topicArn,
});
export type SnsConfig = z.infer<typeof snsConfigSchema>;

export interface SnsStringAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface SnsMessage {
  Subject: string;
  Message: string;
  MessageAttributes: { severity: SnsStringAttribute; status: SnsStringAttribute };
  /** Sent only to FIFO topics (`.fifo`): the ARN may be a placeholder until send. */
  fifo: { MessageGroupId: string; MessageDeduplicationId: string };
}

// -----------------------------------------------------------------------------------------------------------------
// Render (pure)

function render(alerts: readonly Alert[], _config: SnsConfig, ctx: RenderContext): SnsMessage {
  const ordered = orderForDigest(alerts);
  const MessageAttributes = {
    severity: stringAttribute(highestSeverity(ordered)),
    status: stringAttribute(ordered.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved'),
  };
  const header = ordered.length > 1 ? `${digestTitle(ordered)}\n\n` : '';
  const budget = SNS_MESSAGE_MAX_BYTES - attributesBytes(MessageAttributes) - byteLength(header);
  const body = joinDigest(ordered, (alert) => entry(alert, ctx), '\n\n', {
    max: budget,
    measure: byteLength,
  });
  return {
    Subject: subject(ordered),
    Message: header + body.text,
    MessageAttributes,
    fifo: fifoIds(ordered),
  };
}

function stringAttribute(value: string): SnsStringAttribute {
  return { DataType: 'String', StringValue: value };
}

/** What SNS counts against the size limit for each attribute: name, data type and value. */
function attributesBytes(attributes: Record<string, SnsStringAttribute>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum + byteLength(name) + byteLength(value.DataType) + byteLength(value.StringValue),
    0,
  );
}

/** The worst severity among firing alerts (among all when everything resolved): what filter policies page on. */
function highestSeverity(alerts: readonly Alert[]): Severity {
  const firing = alerts.filter((alert) => alert.status === 'firing');
  const pool = firing.length > 0 ? firing : alerts;
  return SEVERITIES[Math.max(0, ...pool.map((alert) => SEVERITIES.indexOf(alert.severity)))]!;
}

function entry(alert: Alert, ctx: RenderContext): string {
  const lines = [clip(headline(alert))];
  for (const [label, value] of alertFacts(alert, ctx.now)) lines.push(`${label}: ${clip(value)}`);
  for (const link of usableLinks(alert)) lines.push(`${clip(link.title)}: ${link.url}`);
  return lines.join('\n');
}

/** "FIRING critical: api-5xx-high" or "2 firing, 1 resolved: api-5xx-high, db-down": ASCII, one line, < 100 chars. */
function subject(alerts: readonly Alert[]): string {
  const first = alerts[0];
  if (!first) return 'vigil: no alerts';
  if (alerts.length === 1) return sanitizeSubject(`${statusWord(first)} ${first.severity}: ${first.name}`);
  const names = [...new Set(alerts.map((alert) => alert.name))].join(', ');
  return sanitizeSubject(`${statusCounts(alerts)}: ${names}`);
}

/**
 * SNS rejects a Subject with non-ASCII, control characters or line breaks, not starting with a letter, number or
 * punctuation, or of 100+ characters. Accents and full-width forms fold to ASCII (NFKD); anything else becomes "?".
 */
export function sanitizeSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]+/g, '?')
    .trim();
  return truncateTo(ascii || 'vigil alert', SNS_SUBJECT_MAX_CHARS, charLength, '...');
}

/**
 * Group: a hash of the alerts' fingerprints, so the firing and the resolved notification of the same alerts share
 * a group and arrive in order. Deduplication: also hashes status and start/end, so a retried Publish is dropped
 * by SNS but a new event (re-fire, resolve) is not.
 */
function fifoIds(alerts: readonly Alert[]): SnsMessage['fifo'] {
  const fingerprints = [...new Set(alerts.map((alert) => alert.fingerprint))].sort();
  const events = alerts
    .map((alert) => `${alert.fingerprint}:${alert.status}:${alert.startsAt}:${alert.endsAt ?? ''}`)
    .sort();
  return {
    MessageGroupId: `vigil-${sha256(fingerprints.join('\n')).slice(0, 40)}`,
    MessageDeduplicationId: sha256(events.join('\n')),
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function clip(text: string): string {
  return truncateBytes(oneLine(text), FIELD_MAX_BYTES);
}

// -----------------------------------------------------------------------------------------------------------------
// Send

/** Builds the SNS client for a topic's region; tests inject one pointed at a fake. */
export type SnsClientFactory = (region: string | undefined) => SNSClient;

const clients = new Map<string, SNSClient>();

/** One client per region for the life of the process; standard SDK config, no SDK retries (notify/retry.ts retries). */
export const defaultSnsClient: SnsClientFactory = (region) => {
  const key = region ?? '';
  let client = clients.get(key);
  if (!client) {
    client = new SNSClient({ ...(region ? { region } : {}), maxAttempts: 1 });
    clients.set(key, client);
  }
  return client;
};

function makeSend(clientFor: SnsClientFactory) {
  return async function send(message: SnsMessage, config: SnsConfig, deps: SendDeps): Promise<void> {
    const region = TOPIC_ARN_RE.exec(config.topicArn)?.[1];
    const input: PublishCommandInput = {
      TopicArn: config.topicArn,
      Subject: message.Subject,
      Message: message.Message,
      MessageAttributes: message.MessageAttributes,
      ...(config.topicArn.endsWith('.fifo') ? message.fifo : {}),
    };
    try {
      await clientFor(region).send(new PublishCommand(input), { abortSignal: deps.signal });
    } catch (error) {
      throw classifySnsError(error, deps.signal);
    }
  };
}

// -----------------------------------------------------------------------------------------------------------------
// Classify

const SNS_ERRORS: ReadonlyMap<string, { reason: DeliveryReason; retryable: boolean }> = new Map([
  ['Throttled', { reason: 'rate-limited', retryable: true }],
  ['Throttling', { reason: 'rate-limited', retryable: true }],
  ['KMSThrottling', { reason: 'rate-limited', retryable: true }],
  ['InternalError', { reason: 'server-error', retryable: true }],
  ['InternalFailure', { reason: 'server-error', retryable: true }],
  ['ServiceUnavailable', { reason: 'server-error', retryable: true }],
  ['AuthorizationError', { reason: 'auth', retryable: false }],
  ['AccessDenied', { reason: 'auth', retryable: false }],
  ['InvalidClientTokenId', { reason: 'auth', retryable: false }],
  ['SignatureDoesNotMatch', { reason: 'auth', retryable: false }],
  ['ExpiredToken', { reason: 'auth', retryable: false }],
  ['CredentialsProviderError', { reason: 'auth', retryable: false }],
  ['KMSAccessDenied', { reason: 'auth', retryable: false }],
  ['NotFound', { reason: 'not-found', retryable: false }],
  ['ResourceNotFound', { reason: 'not-found', retryable: false }],
  ['KMSNotFound', { reason: 'not-found', retryable: false }],
  ['InvalidParameter', { reason: 'payload', retryable: false }],
  ['InvalidParameterValue', { reason: 'payload', retryable: false }],
  ['ParameterValueInvalid', { reason: 'payload', retryable: false }],
  ['Validation', { reason: 'payload', retryable: false }],
  ['ValidationError', { reason: 'payload', retryable: false }],
]);

const SOCKET_ERROR_RE =
  /\b(?:ECONNREFUSED|ECONNRESET|ECONNABORTED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EPIPE|EHOSTUNREACH|ENETUNREACH|EPROTO|UND_ERR\w*|ERR_TLS\w*|CERT_\w+)\b/;

/** Maps what the SDK threw to a DeliveryError: throttling and 5xx retry, configuration and payload errors do not. */
export function classifySnsError(error: unknown, signal?: AbortSignal): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  const text = `SNS Publish failed: ${name}: ${redact(String(e.message ?? error)).slice(0, 300)}`;
  const init = { cause: error, vendorCode: name, ...(status === undefined ? {} : { status }) };
  const known = SNS_ERRORS.get(name.replace(/Exception$/, ''));
  if (known) return new DeliveryError(text, { ...init, ...known });
  if (name === 'AbortError' || name === 'TimeoutError' || signal?.aborted) {
    return new DeliveryError(text, { ...init, reason: 'timeout', retryable: true });
  }
  if (status === 429) return new DeliveryError(text, { ...init, reason: 'rate-limited', retryable: true });
  if (status !== undefined && status >= 500)
    return new DeliveryError(text, { ...init, reason: 'server-error', retryable: true });
  // No HTTP answer at all: connection refused/reset, DNS, TLS. (The SDK sometimes wraps the socket error into a
  // plain Error whose message is all that is left of it.)
  const socketCode = typeof e.code === 'string' ? e.code : String(e.message ?? '');
  if (status === undefined && SOCKET_ERROR_RE.test(socketCode)) {
    return new DeliveryError(text, { ...init, reason: 'network', retryable: true });
  }
  return new DeliveryError(text, { ...init, reason: 'vendor-error', retryable: false });
}

/** The SNS channel with a given client factory (tests point it at a fake; production uses the default). */
export function createSnsChannel(
  clientFor: SnsClientFactory = defaultSnsClient,
): ChannelModule<'sns', SnsConfig, SnsMessage> {
  return { type: 'sns', schema: snsConfigSchema, render, send: makeSend(clientFor) };
}

export const sns: ChannelModule<'sns', SnsConfig, SnsMessage> = createSnsChannel();
