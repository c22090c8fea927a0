/**
 * The production HTTP transport every channel sends through: POST over global fetch, redirects not followed, the
 * answer read up to RESPONSE_BODY_MAX_BYTES. No error message built here contains a URL's path, query or userinfo:
 * only its origin, redacted again on top.
 */

import { DeliveryError, type HttpSend } from '../channels/types';
import { originOf } from '../channels/vendor-http';
import { redact } from '../logging/redact';

/** Vendors answer with a few hundred bytes; anything beyond this is not read (a misrouted URL serving a page). */
export const RESPONSE_BODY_MAX_BYTES = 64 * 1024;
/** The production transport: POST over global fetch, redirects not followed, body read up to 64 KB. */
export const fetchHttp: HttpSend = async (request, signal) => {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
  } catch (error) {
    throw transportError(error, request.url, signal);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  try {
    const body = await readCapped(response, RESPONSE_BODY_MAX_BYTES);
    return { status: response.status, headers, body };
  } catch (error) {
    throw transportError(error, request.url, signal);
  }
};

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= maxBytes) await reader.cancel().catch(() => undefined);
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

function transportError(error: unknown, url: string, signal: AbortSignal): DeliveryError {
  const where = `POST ${redact(originOf(url))}`;
  const name = errorField(error, 'name');
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    return new DeliveryError(`${where}: no answer before the attempt timed out`, {
      reason: 'timeout',
      retryable: true,
    });
  }
  return new DeliveryError(`${where}: ${redact(describeNetworkError(error))}`, {
    reason: 'network',
    retryable: true,
  });
}

// Duck-typed: undici's errors come from another realm under some runners, so instanceof Error is unreliable.
function errorField(error: unknown, field: 'name' | 'message' | 'code'): string | undefined {
  const value = typeof error === 'object' && error !== null ? Reflect.get(error, field) : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** undici says "fetch failed" and puts the useful part (ECONNREFUSED 127.0.0.1:8080, ENOTFOUND host) in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'cause') : undefined;
  const nested: unknown =
    typeof cause === 'object' && cause !== null ? Reflect.get(cause, 'errors') : undefined;
  const first: unknown = Array.isArray(nested) ? nested[0] : undefined;
  const code = errorField(cause, 'code') ?? errorField(first, 'code');
  const message = errorField(cause, 'message') ?? errorField(first, 'message');
  const detail = message && code && !message.includes(code) ? `${code} ${message}` : (message ?? code);
  return detail ?? errorField(error, 'message') ?? String(error);
}
