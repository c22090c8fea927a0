/**
 * Retry, outside the channel modules and in one place (Alertmanager's retry stage): only `retryable` errors, with
 * exponential backoff and full jitter, honouring the vendor's Retry-After, and never past the deadline. The returned
 * error and every log event are redacted.
 */

import { type ChannelModule, DeliveryError, type DeliveryReason, type HttpSend } from '../channels/types';
import type { Deadline } from '../deadline';
import { redact, redactValue } from '../logging/redact';

export const RETRY_BASE_MS = 500;
export const RETRY_CAP_MS = 10_000;
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** Vendors punish hammering (Slack may disable an app); the deadline usually ends retries before this does. */
export const MAX_ATTEMPTS = 5;
/** Not worth starting an attempt with less time than this before the deadline. */
export const MIN_ATTEMPT_MS = 200;

export interface DeliveryLogEvent {
  level: 'info' | 'warn' | 'error';
  message: string;
  channel?: string;
  type?: string;
  attempt?: number;
  reason?: DeliveryReason;
  waitMs?: number;
}

export interface RetryDeps {
  http: HttpSend;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** [0, 1), for jitter. */
  random: () => number;
  /** The Lambda's remaining time minus a margin (or a local budget). No attempt starts or waits past it. */
  deadline: Deadline;
  /** Per-attempt timeout (also bounded by the deadline). */
  attemptTimeoutMs?: number;
  maxAttempts?: number;
  /** For the console channel. */
  write?: (text: string) => void;
  /** Structured, already redacted log events. */
  log?: (event: DeliveryLogEvent) => void;
  /** Channel name for log events. */
  channel?: string;
}

export type RetryResult =
  | { ok: true; attempts: number }
  | { ok: false; attempts: number; error: DeliveryError };

/**
 * Sends with retries: only `retryable` errors, waiting a full-jitter exponential backoff (base 500 ms, cap 10 s) or
 * the vendor's Retry-After if longer; fails at once when that wait would pass the deadline. `send` is called anew
 * on every attempt (signatures are recomputed). The returned error is redacted.
 */
export async function sendWithRetry<T extends string, C extends { type: T }, M>(
  module: ChannelModule<T, C, M>,
  message: M,
  config: C,
  deps: RetryDeps,
): Promise<RetryResult> {
  const maxAttempts = deps.maxAttempts ?? MAX_ATTEMPTS;
  const log = (event: Omit<DeliveryLogEvent, 'channel' | 'type'>) =>
    deps.log?.(
      redactValue({
        ...event,
        ...(deps.channel === undefined ? {} : { channel: deps.channel }),
        type: module.type,
      }),
    );
  if (deps.deadline.remainingMs() < MIN_ATTEMPT_MS) {
    const error = new DeliveryError(`${module.type}: no time left before the deadline to attempt delivery`, {
      reason: 'timeout',
      retryable: true,
    });
    log({ level: 'error', message: error.message, attempt: 0, reason: error.reason });
    return { ok: false, attempts: 0, error };
  }
  let attempts = 0;
  for (;;) {
    const remaining = deps.deadline.remainingMs();
    attempts++;
    const error = await attemptOnce(
      module,
      message,
      config,
      deps,
      Math.min(deps.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS, remaining),
    );
    if (!error) {
      log({ level: 'info', message: `${module.type}: delivered`, attempt: attempts });
      return { ok: true, attempts };
    }
    const fail = (why: string) => {
      const final = redactError(error, why);
      log({ level: 'error', message: final.message, attempt: attempts, reason: final.reason });
      return { ok: false as const, attempts, error: final };
    };
    if (!error.retryable) return fail('');
    if (attempts >= maxAttempts) return fail(` (gave up after ${attempts} attempts)`);
    const backoff = deps.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
    const waitMs = Math.ceil(Math.max(backoff, error.retryAfterMs ?? 0));
    if (waitMs + MIN_ATTEMPT_MS > deps.deadline.remainingMs()) {
      return fail(` (next attempt in ${waitMs} ms would pass the deadline)`);
    }
    log({ level: 'warn', message: redact(error.message), attempt: attempts, reason: error.reason, waitMs });
    await deps.sleep(waitMs);
  }
}

/** One attempt, bounded by its timeout even when `send` ignores the abort signal. */
async function attemptOnce<T extends string, C extends { type: T }, M>(
  module: ChannelModule<T, C, M>,
  message: M,
  config: C,
  deps: RetryDeps,
  timeoutMs: number,
): Promise<DeliveryError | undefined> {
  const attempt = deps.deadline.within(timeoutMs);
  const sendDeps = {
    http: deps.http,
    now: deps.now,
    signal: attempt.signal,
    ...(deps.write === undefined ? {} : { write: deps.write }),
  };
  const sent = Promise.resolve()
    .then(() => module.send(message, config, sendDeps))
    .then(
      () => undefined,
      (error: unknown) => toDeliveryError(error, module.type),
    );
  return attempt
    .race(
      sent,
      () =>
        new DeliveryError(`${module.type}: no answer within ${timeoutMs} ms`, {
          reason: 'timeout',
          retryable: true,
        }),
    )
    .catch((error: unknown) => toDeliveryError(error, module.type));
}

export function toDeliveryError(error: unknown, type: string): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DeliveryError(`${type}: unexpected error while sending: ${what}`, {
    reason: 'vendor-error',
    retryable: false,
    cause: error,
  });
}

/** A copy whose message, vendor code and cause carry no secret. */
export function redactError(error: DeliveryError, suffix = ''): DeliveryError {
  return new DeliveryError(redact(error.message) + suffix, {
    reason: error.reason,
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.vendorCode === undefined ? {} : { vendorCode: redact(error.vendorCode) }),
    ...(error.cause === undefined ? {} : { cause: redactValue(error.cause) }),
  });
}
