/**
 * Authentication of HTTP intake (`webhook:` config). Pure: the clock comes in as `now`.
 * - `token`: `Authorization: Bearer <token>`. Header only: a `?token=` query parameter would be written to access
 *   logs, proxies and browser history, so it is not accepted.
 * - `hmacSecret`: Grafana's signature, lower-case hex(HMAC-SHA256(secret, [timestamp + ":"] + raw body)) in the
 *   `hmacHeader` header; with `timestampHeader` set, the timestamp (Unix seconds) is signed too and must be within
 *   HMAC_TIMESTAMP_MAX_SKEW_SECONDS of now, so a captured request cannot be replayed later.
 * - Either configured: at least one valid credential is required (both configured: either one suffices).
 * - Neither configured: intake is open. `intakeWarnings` says so; the handler logs it at startup.
 * A configured but empty token or secret never matches (intake closed), rather than silently opening it.
 * Comparisons are constant-time (timingSafeEqual over equal-length digests).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Severity } from '../alerts/types';
import { isRecord } from './normalize';

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

/** Header lookup by lower-case name (HTTP header names are case-insensitive); string values only. */
export function headerMap(headers: unknown): Map<string, string> {
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
export function authenticate(
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
