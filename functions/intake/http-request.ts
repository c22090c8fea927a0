/**
 * HTTP intake (API Gateway HTTP API v2 / Lambda Function URL): method, size, authentication, then classification.
 * Pure: the clock comes in as `now`; never throws, every input ends in alerts or a 4xx with a one-line reason.
 *
 * Authentication (`webhook:` config):
 * - `token`: `Authorization: Bearer <token>`. Header only: a `?token=` query parameter would be written to access
 *   logs, proxies and browser history, so it is not accepted.
 * - `hmacSecret`: Grafana's signature, lower-case hex(HMAC-SHA256(secret, [timestamp + ":"] + raw body)) in the
 *   `hmacHeader` header; with `timestampHeader` set, the timestamp (Unix seconds) is signed too and must be within
 *   HMAC_TIMESTAMP_MAX_SKEW_SECONDS of now, so a captured request cannot be replayed later.
 * - Either configured: at least one valid credential is required (both configured: either one suffices).
 * - Neither configured: intake is open. `intakeWarnings` says so; the handler logs it at startup.
 * A configured but empty token or secret never matches (intake closed), rather than silently opening it.
 * Comparisons are constant-time (timingSafeEqual over equal-length digests).
 *
 * Order of checks: 405 (method) → 413 (size, before hashing anything) → 400 (base64) → 401 (credentials) →
 * 400 (empty, not JSON, unrecognised, invalid). Unauthenticated callers learn nothing about body parsing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Alert, Severity } from '../alerts/types';
import { classifyBody, type PayloadKind } from './detect';
import { isRecord, reason } from './normalize';

// Function URLs accept 6 MB, but no alert payload comes near 1 MB; bigger bodies are mistakes or abuse.
export const HTTP_BODY_MAX_BYTES = 1_048_576;
// Grafana's recommendation for its timestamp header; also tolerates that much clock skew.
export const HMAC_TIMESTAMP_MAX_SKEW_SECONDS = 300;

/** The `webhook:` section of vigil.yml (secrets resolved). */
export interface HttpIntakeConfig {
  token?: string | undefined;
  hmacSecret?: string | undefined;
  hmacHeader: string;
  timestampHeader?: string | undefined;
  defaultSeverity?: Severity | undefined;
}

/** The parts of an HTTP API v2 / Function URL event that intake reads. */
export type HttpIntakeEvent = Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'> & {
  requestContext: { http: { method: string } };
};

export interface HttpIntakeRejection {
  statusCode: 400 | 401 | 405 | 413;
  /** One line, no secrets. */
  body: string;
}

export interface HttpIntakeAccepted {
  kind: PayloadKind;
  alerts: Alert[];
  /** Parts of the payload that produced no alert, and why (log them). */
  skipped: string[];
}

export type HttpIntakeResult = HttpIntakeRejection | HttpIntakeAccepted;

/** Problems with the webhook config worth a warning at startup. */
export function intakeWarnings(config: HttpIntakeConfig): string[] {
  const warnings: string[] = [];
  if (config.token === undefined && config.hmacSecret === undefined) {
    warnings.push(
      'webhook intake is open: anyone who knows the URL can post alerts; set webhook.token or webhook.hmacSecret',
    );
  }
  if (config.token === '') warnings.push('webhook.token is empty: no request can authenticate with it');
  if (config.hmacSecret === '')
    warnings.push('webhook.hmacSecret is empty: no request can authenticate with it');
  if (config.timestampHeader !== undefined && config.hmacSecret === undefined) {
    warnings.push('webhook.timestampHeader is set without webhook.hmacSecret: it has no effect');
  }
  return warnings;
}

function reject(statusCode: HttpIntakeRejection['statusCode'], text: string): HttpIntakeRejection {
  return { statusCode, body: reason(text) };
}

/** Header lookup by lower-case name (HTTP header names are case-insensitive); string values only. */
function headerMap(headers: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!isRecord(headers)) return map;
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (typeof value === 'string' && !map.has(key)) map.set(key, value);
  }
  return map;
}

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Constant-time string equality: compares digests, so lengths never leak either. */
function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

const BEARER_RE = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function checkToken(headers: Map<string, string>, token: string): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization === undefined) return 'no Authorization: Bearer header';
  const match = BEARER_RE.exec(authorization);
  if (!match) return 'Authorization header is not "Bearer <token>"';
  return token !== '' && sameSecret(match[1]!, token) ? undefined : 'invalid bearer token';
}

const TIMESTAMP_RE = /^\d{1,12}$/;
const SIGNATURE_RE = /^(?:sha256=)?([0-9a-f]{64})$/i;

function checkSignature(
  headers: Map<string, string>,
  rawBody: Buffer,
  config: HttpIntakeConfig & { hmacSecret: string },
  now: Date,
): string | undefined {
  const headerName = config.hmacHeader;
  const presented = headers.get(headerName.toLowerCase());
  if (presented === undefined) return `no ${headerName} header`;
  const signature = SIGNATURE_RE.exec(presented.trim());
  if (!signature) return `${headerName} is not a hex SHA-256 HMAC`;

  let prefix = '';
  if (config.timestampHeader !== undefined) {
    const timestamp = headers.get(config.timestampHeader.toLowerCase())?.trim();
    if (timestamp === undefined) return `no ${config.timestampHeader} header`;
    if (!TIMESTAMP_RE.test(timestamp)) return `${config.timestampHeader} is not Unix seconds`;
    const skew = Math.round(Math.abs(now.getTime() / 1000 - Number(timestamp)));
    if (skew > HMAC_TIMESTAMP_MAX_SKEW_SECONDS) {
      return `stale ${config.timestampHeader}: ${skew}s from now (max ${HMAC_TIMESTAMP_MAX_SKEW_SECONDS}s)`;
    }
    prefix = `${timestamp}:`;
  }
  const expected = createHmac('sha256', config.hmacSecret).update(prefix).update(rawBody).digest();
  const given = Buffer.from(signature[1]!, 'hex');
  return config.hmacSecret !== '' && timingSafeEqual(given, expected) ? undefined : 'invalid signature';
}

/** undefined when authenticated (or intake is open), else the 401 reason. */
function authenticate(
  headers: Map<string, string>,
  rawBody: Buffer,
  config: HttpIntakeConfig,
  now: Date,
): string | undefined {
  const { token, hmacSecret } = config;
  if (token === undefined && hmacSecret === undefined) return undefined;
  const failures: string[] = [];
  if (token !== undefined) {
    const failure = checkToken(headers, token);
    if (failure === undefined) return undefined;
    failures.push(failure);
  }
  if (hmacSecret !== undefined) {
    const failure = checkSignature(headers, rawBody, { ...config, hmacSecret }, now);
    if (failure === undefined) return undefined;
    failures.push(failure);
  }
  return `unauthorized: ${failures.join('; ')}`;
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
// Largest base64 text that can decode to HTTP_BODY_MAX_BYTES: checked before decoding anything.
const BASE64_MAX_CHARS = Math.ceil(HTTP_BODY_MAX_BYTES / 3) * 4;

/** The raw body bytes, or a rejection. */
function rawBodyOf(event: Record<string, unknown>): Buffer | HttpIntakeRejection {
  const body = event.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body !== 'string')
    return reject(400, 'body is not a string: not an HTTP API v2 / Function URL event');
  const tooLarge = () => reject(413, `body exceeds ${HTTP_BODY_MAX_BYTES} bytes`);
  if (event.isBase64Encoded === true) {
    if (body.length > BASE64_MAX_CHARS) return tooLarge();
    if (body.length % 4 !== 0 || !BASE64_RE.test(body))
      return reject(400, 'body is marked base64 but is not base64');
    const bytes = Buffer.from(body, 'base64');
    return bytes.length > HTTP_BODY_MAX_BYTES ? tooLarge() : bytes;
  }
  // Cheap bound first: a UTF-8 string never has fewer bytes than UTF-16 code units.
  if (body.length > HTTP_BODY_MAX_BYTES || Buffer.byteLength(body, 'utf8') > HTTP_BODY_MAX_BYTES)
    return tooLarge();
  return Buffer.from(body, 'utf8');
}

function methodOf(event: Record<string, unknown>): string | undefined {
  const context = event.requestContext;
  const http = isRecord(context) ? context.http : undefined;
  const method = isRecord(http) ? http.method : undefined;
  return typeof method === 'string' ? method.toUpperCase() : undefined;
}

/** Authenticates and classifies one HTTP request. */
export function handleHttpIntake(
  event: HttpIntakeEvent,
  config: HttpIntakeConfig,
  now: Date,
): HttpIntakeResult {
  // The declared type is what API Gateway promises; the checks below hold for anything at all.
  const request: unknown = event;
  if (!isRecord(request)) return reject(400, 'not an HTTP API v2 / Function URL event');
  const method = methodOf(request);
  if (method === undefined)
    return reject(400, 'not an HTTP API v2 / Function URL event (no requestContext.http.method)');
  if (method !== 'POST') return reject(405, `method ${method} not allowed: POST alerts`);

  const rawBody = rawBodyOf(request);
  if (!Buffer.isBuffer(rawBody)) return rawBody;

  const headers = headerMap(request.headers);
  const unauthorized = authenticate(headers, rawBody, config, now);
  if (unauthorized !== undefined) return reject(401, unauthorized);

  // A UTF-8 byte order mark is not JSON whitespace; some senders add one anyway.
  const text = rawBody.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return reject(400, 'empty body: POST a JSON alert payload');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return reject(400, `body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const detected = classifyBody(body, { defaultSeverity: config.defaultSeverity, now });
  if ('error' in detected) return reject(400, detected.error);
  return detected;
}
