/**
 * The contract every channel module fulfils: schema → pure render → send (the only I/O) → vendor-specific
 * response check. Retries, fan-out, dead-lettering and redaction live outside the modules (notify/deliver.ts, notify/retry.ts, deadletter/).
 */
import type { Alert } from '../alerts/types';
import type * as z from '../zod-mini';

/** Why a delivery failed; metrics and logs use it as a label (after Alertmanager's notify reasons). */
export const DELIVERY_REASONS = [
  'rate-limited', // 429, WeCom 45009, DingTalk 130101, Feishu 11232/9499
  'server-error', // 5xx, vendor "busy" codes
  'network', // connection refused/reset, DNS, TLS
  'timeout', // no answer within the attempt's time
  'auth', // bad token / key / signature / keyword (401, 403, 310000, 19021, 93000 ...)
  'payload', // the vendor rejected the message itself (400, too long, bad card)
  'not-found', // the webhook / chat / flow no longer exists (404, 410)
  'vendor-error', // any other non-success answer
  'config', // the channel cannot be used as configured: unknown name, unresolvable secret, invalid after resolution
] as const;
export type DeliveryReason = (typeof DELIVERY_REASONS)[number];

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly reason: DeliveryReason;
  readonly retryable: boolean;
  /** From Retry-After / retry_after / vendor guidance; the retrier waits at least this long. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  /** The vendor's own error code (errcode, code, error string) when it gave one. */
  readonly vendorCode: string | undefined;

  constructor(
    message: string,
    init: {
      reason: DeliveryReason;
      retryable: boolean;
      retryAfterMs?: number;
      status?: number;
      vendorCode?: string | number;
      cause?: unknown;
    },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.reason = init.reason;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.status = init.status;
    this.vendorCode = init.vendorCode === undefined ? undefined : String(init.vendorCode);
  }
}

export interface HttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

/** Injected HTTP transport (fetch in production, the same against loopback fakes in tests). */
export type HttpSend = (request: HttpRequest, signal: AbortSignal) => Promise<HttpResponse>;

export interface RenderContext {
  /** Rendering is pure: "now" comes from here, never from Date.now(). */
  now: Date;
}

export interface SendDeps {
  http: HttpSend;
  now: () => Date;
  /** Aborted when the attempt's time is up. */
  signal: AbortSignal;
  /** Where local channels (console) print; process.stdout when absent. */
  write?: (text: string) => void;
}

/**
 * One channel type. `C` is its config (secrets already resolved when send() sees it), `M` its rendered message
 * (plain JSON data, so it can be logged redacted and golden-tested).
 */
export interface ChannelModule<T extends string, C extends { type: T }, M> {
  readonly type: T;
  readonly schema: z.ZodMiniType<C>;
  /** Pure: all alerts of one delivery become one message (a digest), within the vendor's limits. */
  render(alerts: readonly Alert[], config: C, ctx: RenderContext): M;
  /** Sends one rendered message; resolves on the vendor's own success signal, throws DeliveryError otherwise. */
  send(message: M, config: C, deps: SendDeps): Promise<void>;
  /**
   * Credential values in a resolved config (webhook URL, token, signing secret, auth headers). notify/deliver.ts registers
   * them for redaction before sending, so they are hidden even when written literally instead of as ${...}.
   */
  secrets?(config: C): readonly string[];
  /**
   * The vendor's rate budget per robot (alerts.md B8), every window enforced at once; absent: none worth keeping
   * (SNS, generic webhooks, the console). Shared across invocations through the state store (state/budgets.ts).
   */
  readonly budget?: readonly RateWindow[];
  /** What identifies the robot the budget belongs to, from the config as written (placeholders unresolved). */
  robot?(config: C): string;
}

/** At most `messages` per `perMs` (state/budgets.ts enforces it). */
export interface RateWindow {
  messages: number;
  perMs: number;
}
