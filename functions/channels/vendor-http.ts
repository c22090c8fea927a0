/**
 * HTTP pieces shared by the webhook-style channels: a JSON POST over the injected transport, and the generic status
 * classification (Alertmanager's Retrier.Check) that vendor classifiers fall back to.
 * No error message built here contains a URL's path, query or userinfo: only its origin, redacted again on top.
 */
import { redact } from '../logging/redact';
import { oneLine } from './text';
import { DeliveryError, type HttpResponse, type SendDeps } from './types';

/** How much of a vendor's answer goes into an error message. */
export const ERROR_BODY_SNIPPET_MAX_CHARS = 200;

/** "https://hooks.slack.com" for logs and errors: the credential-free part of a URL. */
export function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? '(url)' : origin;
  } catch {
    return '(invalid url)';
  }
}

/**
 * The credential-bearing parts of a webhook URL, for `ChannelModule.secrets`: the whole URL, its path and query,
 * the last path segment and every query value that could be a token (8+ characters). Registering them hides a
 * literal (non-${...}) URL even where a vendor or proxy echoes only part of it.
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const parsed = new URL(url);
    const pathAndQuery = parsed.pathname + parsed.search;
    if (pathAndQuery.length > 1) out.push(pathAndQuery);
    const last = parsed.pathname.split('/').filter(Boolean).at(-1);
    if (last && last.length >= 8) out.push(last, decodeURIComponent(last));
    for (const value of parsed.searchParams.values()) if (value.length >= 8) out.push(value);
    if (parsed.password) out.push(parsed.password, decodeURIComponent(parsed.password));
  } catch {
    // Not a URL: the whole string is all there is to hide.
  }
  return [...new Set(out)];
}

/** POSTs `payload` as JSON with the attempt's signal. */
export function postJson(
  url: string,
  payload: unknown,
  deps: SendDeps,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  return deps.http(
    {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(payload),
    },
    deps.signal,
  );
}

/** Retry-After as delta-seconds (fractions allowed) or an HTTP-date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** Seconds (number or numeric string, possibly fractional) → ms. */
export function secondsToMs(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? Math.ceil(seconds * 1000)
    : undefined;
}

/** JSON of a response body, or undefined when it is not JSON. */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The start of a vendor's answer, on one line, redacted: enough to know what went wrong. */
export function bodySnippet(body: string): string {
  const line = oneLine(body);
  const cut =
    line.length > ERROR_BODY_SNIPPET_MAX_CHARS ? `${line.slice(0, ERROR_BODY_SNIPPET_MAX_CHARS)}…` : line;
  return redact(cut);
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The generic HTTP classification every vendor classifier starts from: 2xx success (undefined), 429 rate-limited
 * (Retry-After honoured), 408/5xx retryable, 401/403 auth, 404/410 gone, other 4xx payload, 3xx a moved URL.
 */
export function classifyStatus(
  vendor: string,
  response: HttpResponse,
  now: Date,
  detail: { vendorCode?: string | number; message?: string; retryAfterMs?: number } = {},
): DeliveryError | undefined {
  const { status } = response;
  if (isSuccessStatus(status)) return undefined;
  const said = detail.message ?? bodySnippet(response.body);
  const message = `${vendor} answered HTTP ${status}${said ? `: ${said}` : ''}`;
  const common = {
    status,
    ...(detail.vendorCode === undefined ? {} : { vendorCode: detail.vendorCode }),
  };
  if (status === 429) {
    const retryAfterMs = detail.retryAfterMs ?? parseRetryAfter(response.headers['retry-after'], now);
    return new DeliveryError(message, {
      ...common,
      reason: 'rate-limited',
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 408) return new DeliveryError(message, { ...common, reason: 'timeout', retryable: true });
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
    return new DeliveryError(message, {
      ...common,
      reason: 'server-error',
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 401 || status === 403)
    return new DeliveryError(message, { ...common, reason: 'auth', retryable: false });
  if (status === 404 || status === 410) {
    return new DeliveryError(message, { ...common, reason: 'not-found', retryable: false });
  }
  if (status >= 400) return new DeliveryError(message, { ...common, reason: 'payload', retryable: false });
  if (status >= 300 && status < 400) {
    return new DeliveryError(`${vendor} answered HTTP ${status} (redirect not followed): update the URL`, {
      ...common,
      reason: 'vendor-error',
      retryable: false,
    });
  }
  return new DeliveryError(message, { ...common, reason: 'vendor-error', retryable: false });
}
