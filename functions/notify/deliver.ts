/**
 * Per-channel delivery: secrets resolved right before use, one digest per channel, all channels concurrently, each
 * sent through the retry stage (retry.ts) within the deadline. Every message, outcome and log line leaving this file
 * is redacted.
 */
import type { Alert } from '../alerts/types';
import { type AnyChannelModule, type ChannelConfig, type ChannelType, moduleFor } from '../channels/registry';
import { type ChannelsConfig, resolveChannel } from '../channels/schema';
import { neutralizeDeep } from '../channels/text';
import { DeliveryError, type DeliveryReason } from '../channels/types';
import { type ResolveOptions, resolveSecretsDeep } from '../config/secrets';
import { registerSecret } from '../logging/redact';
import { type RetryDeps, redactError, sendWithRetry, toDeliveryError } from './retry';

/** A failure as plain, redacted data: safe to log, to return from a Lambda, to put in a dead-letter message. */
export interface DeliveryErrorInfo {
  message: string;
  reason: DeliveryReason;
  retryable: boolean;
  status?: number;
  vendorCode?: string;
  /** The vendor's "wait this long" (Retry-After, DingTalk's 10-minute block): the budget honours it. */
  retryAfterMs?: number;
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
      ...(clean.retryAfterMs === undefined ? {} : { retryAfterMs: clean.retryAfterMs }),
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
    message = renderSafely(module, alerts, config, deps.now());
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

/**
 * What the channel sends: labels and annotations are the sender's text, so no escape sequence, control character
 * or bidi override reaches a terminal or a chat client (every channel renders neutralised alerts).
 */
export function renderSafely(
  module: AnyChannelModule,
  alerts: readonly Alert[],
  config: ChannelConfig,
  now: Date,
): unknown {
  return module.render(neutralizeDeep(alerts), config, { now });
}

/** Secret lookups (SSM) must not outlive the deadline either. */
function beforeDeadline<V>(work: Promise<V>, deps: DeliverDeps, channel: string): Promise<V> {
  return deps.deadline.race(
    work,
    () =>
      new DeliveryError(`channel "${channel}": secrets not resolved before the deadline`, {
        reason: 'timeout',
        retryable: true,
      }),
  );
}
