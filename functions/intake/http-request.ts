/**
 * HTTP intake (API Gateway HTTP API v2 / Lambda Function URL): method, size, authentication, then classification.
 * Pure: the clock comes in as `now`; never throws, every input ends in alerts or a 4xx with a one-line reason.
 *
 * Authentication: auth.ts.
 *
 * Order of checks: 405 (method) → 413 (size, before hashing anything) → 400 (base64) → 401 (credentials) →
 * 400 (empty, not JSON, unrecognised, invalid). Unauthenticated callers learn nothing about body parsing.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Alert } from '../alerts/types';
import { authenticate, type HttpIntakeConfig, headerMap } from './auth';
import { classifyBody, type PayloadKind } from './detect';
import { isRecord, reason } from './normalize';

// Function URLs accept 6 MB, but no alert payload comes near 1 MB; bigger bodies are mistakes or abuse.
export const HTTP_BODY_MAX_BYTES = 1_048_576;
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

export type { HttpIntakeConfig } from './auth';

export type HttpIntakeResult = HttpIntakeRejection | HttpIntakeAccepted;

function reject(statusCode: HttpIntakeRejection['statusCode'], text: string): HttpIntakeRejection {
  return { statusCode, body: reason(text) };
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
// Largest base64 text that can decode to HTTP_BODY_MAX_BYTES: checked before decoding anything.
const BASE64_MAX_CHARS = Math.ceil(HTTP_BODY_MAX_BYTES / 3) * 4;

/** The raw body bytes (base64 decoded), or a rejection; the Alertmanager API (alertmanager-api.ts) reads its own with it. */
export function rawBodyOf(event: Record<string, unknown>): Buffer | HttpIntakeRejection {
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
