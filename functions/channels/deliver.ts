/**
 * Delivery, outside the channel modules and in one place: secrets resolved right before use, one digest per
 * channel, all channels concurrently, retries with exponential backoff and full jitter that honour Retry-After and
 * stop at the Lambda's deadline. Every message, outcome and log line leaving this file is redacted.
 */
import type { Alert } from '../alerts/types';
import { type ResolveOptions, resolveSecretsDeep } from '../config/secrets';
import { redact, redactValue, registerSecret } from '../logging/redact';
import { type ChannelConfig, type ChannelType, moduleFor } from './registry';
import { type ChannelsConfig, resolveChannel } from './schema';
import { type ChannelModule, DeliveryError, type DeliveryReason, type HttpSend } from './types';

export { fetchHttp } from './http';

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
  /** Epoch ms: the Lambda's remaining time minus a margin. No attempt starts or waits past it. */
  deadline: number;
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
  if (deps.deadline - deps.now().getTime() < MIN_ATTEMPT_MS) {
    const error = new DeliveryError(`${module.type}: no time left before the deadline to attempt delivery`, {
      reason: 'timeout',
      retryable: true,
    });
    log({ level: 'error', message: error.message, attempt: 0, reason: error.reason });
    return { ok: false, attempts: 0, error };
  }
  let attempts = 0;
  for (;;) {
    const remaining = deps.deadline - deps.now().getTime();
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
    if (deps.now().getTime() + waitMs + MIN_ATTEMPT_MS > deps.deadline) {
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
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<DeliveryError>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(
        new DeliveryError(`${module.type}: no answer within ${timeoutMs} ms`, {
          reason: 'timeout',
          retryable: true,
        }),
      );
    }, timeoutMs);
  });
  const sendDeps = {
    http: deps.http,
    now: deps.now,
    signal: controller.signal,
    ...(deps.write === undefined ? {} : { write: deps.write }),
  };
  const sent = Promise.resolve()
    .then(() => module.send(message, config, sendDeps))
    .then(
      () => undefined,
      (error: unknown) => toDeliveryError(error, module.type),
    );
  try {
    return await Promise.race([sent, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function toDeliveryError(error: unknown, type: string): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DeliveryError(`${type}: unexpected error while sending: ${what}`, {
    reason: 'vendor-error',
    retryable: false,
    cause: error,
  });
}

/** A copy whose message, vendor code and cause carry no secret. */
function redactError(error: DeliveryError, suffix = ''): DeliveryError {
  return new DeliveryError(redact(error.message) + suffix, {
    reason: error.reason,
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.vendorCode === undefined ? {} : { vendorCode: redact(error.vendorCode) }),
    ...(error.cause === undefined ? {} : { cause: redactValue(error.cause) }),
  });
}

/** A failure as plain, redacted data: safe to log, to return from a Lambda, to put in a dead-letter message. */
export interface DeliveryErrorInfo {
  message: string;
  reason: DeliveryReason;
  retryable: boolean;
  status?: number;
  vendorCode?: string;
}

export interface DeliveryOutcome {
  channel: string;
  /** 'unknown' when the channel name is not configured. */
  type: ChannelType | 'unknown';
  /** How many alerts the digest covered. */
  alerts: number;
  /** The alerts routed to this channel, for dead-lettering and replay (deliverAll(new Map([[channel, batch]]))). */
  batch: readonly Alert[];
  ok: boolean;
  attempts: number;
  reason?: DeliveryReason;
  error?: DeliveryErrorInfo;
}

export interface DeliverDeps extends Omit<RetryDeps, 'channel'> {
  /** Environment and SSM lookup for ${env:..} / ${ssm:..} placeholders. */
  secrets?: ResolveOptions;
  /** Called as each channel finishes, before the slowest one does. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

/**
 * Delivers each channel's alerts as one digest, all channels concurrently; a failing or hanging channel never
 * holds up another. Channels with no alerts are skipped. Never throws: every failure is an outcome.
 */
export async function deliverAll(
  routed: ReadonlyMap<string, readonly Alert[]>,
  channels: ChannelsConfig,
  deps: DeliverDeps,
): Promise<DeliveryOutcome[]> {
  const jobs = [...routed].filter(([, alerts]) => alerts.length > 0);
  return Promise.all(
    jobs.map(async ([channel, alerts]) => {
      const outcome = await deliverOne(channel, alerts, channels, deps).catch((error: unknown) =>
        failed(
          { channel, type: 'unknown', alerts: alerts.length, batch: alerts },
          0,
          toDeliveryError(error, channel),
        ),
      );
      deps.onOutcome?.(outcome);
      return outcome;
    }),
  );
}

type OutcomeBase = Pick<DeliveryOutcome, 'channel' | 'type' | 'alerts' | 'batch'>;

function failed(base: OutcomeBase, attempts: number, error: DeliveryError): DeliveryOutcome {
  const clean = redactError(error);
  return {
    ...base,
    ok: false,
    attempts,
    reason: clean.reason,
    error: {
      message: clean.message,
      reason: clean.reason,
      retryable: clean.retryable,
      ...(clean.status === undefined ? {} : { status: clean.status }),
      ...(clean.vendorCode === undefined ? {} : { vendorCode: clean.vendorCode }),
    },
  };
}

function configError(message: string, retryable = false): DeliveryError {
  return new DeliveryError(message, { reason: 'config', retryable });
}

async function deliverOne(
  channel: string,
  alerts: readonly Alert[],
  channels: ChannelsConfig,
  deps: DeliverDeps,
): Promise<DeliveryOutcome> {
  const configured = resolveChannel(channel, channels);
  const base: OutcomeBase = {
    channel,
    type: configured?.type ?? 'unknown',
    alerts: alerts.length,
    batch: alerts,
  };
  if (!configured) return failed(base, 0, configError(`channel "${channel}" is not defined under channels:`));
  const module = moduleFor(configured);

  let config: ChannelConfig;
  try {
    const resolved = await beforeDeadline(resolveSecretsDeep(configured, deps.secrets ?? {}), deps, channel);
    const parsed = module.schema.safeParse(resolved);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`,
      );
      return failed(
        base,
        0,
        configError(`channel "${channel}" is invalid once its secrets are resolved: ${problems.join('; ')}`),
      );
    }
    config = parsed.data;
  } catch (error) {
    if (error instanceof DeliveryError) return failed(base, 0, error);
    const why = error instanceof Error ? error.message : String(error);
    return failed(base, 0, configError(`channel "${channel}": secrets could not be resolved: ${why}`));
  }
  // Literal credentials (no ${...}) are hidden too.
  for (const secret of module.secrets?.(config) ?? []) registerSecret(secret);

  let message: unknown;
  try {
    message = module.render(alerts, config, { now: deps.now() });
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return failed(
      base,
      0,
      new DeliveryError(`${config.type}: rendering failed: ${why}`, { reason: 'payload', retryable: false }),
    );
  }

  const result = await sendWithRetry(module, message, config, { ...deps, channel });
  if (result.ok) return { ...base, ok: true, attempts: result.attempts };
  return failed(base, result.attempts, result.error);
}

/** Secret lookups (SSM) must not outlive the deadline either. */
async function beforeDeadline<V>(work: Promise<V>, deps: DeliverDeps, channel: string): Promise<V> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const remaining = Math.max(0, deps.deadline - deps.now().getTime());
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DeliveryError(`channel "${channel}": secrets not resolved before the deadline`, {
            reason: 'timeout',
            retryable: true,
          }),
        ),
      remaining,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
