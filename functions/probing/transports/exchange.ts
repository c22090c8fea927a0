/**
 * The frame the socket transports (tcp, tls, dns) share: one target's exchange with a hard timeout that counts
 * only its own time (a timer the busy event loop fired late gives the stall back, as http.ts does), the round's
 * abort signal as reason `deadline`, phase timings, and exactly one settlement. A transport drives it with
 * `mark`, `fail` and `succeed`; everything it opened is closed through `onSettle`.
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeType } from '../kinds';
import { BlockedAddressError, guardLookup, isBlockedAddress } from '../netguard';
import type { FailureReason, PhaseTimes, ProbeResult } from '../types';

/** A timer this late was held up by a busy event loop, not by timer granularity: the delay is not the target's. */
const EVENT_LOOP_STALL_GRACE_MS = 20;

export interface ExchangeOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** What the exchange is waiting for at each stage, for timeout details ("while connecting"). */
  describeStage: () => string;
}

export interface ExchangeOutcome {
  ok: boolean;
  reason?: FailureReason;
  detail?: string;
  durationMs: number;
  phases: PhaseTimes;
  certExpiryDays?: number;
  warnings: string[];
}

export class Exchange {
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private readonly cleanups: (() => void)[] = [];
  readonly phases: PhaseTimes = {};
  readonly warnings: string[] = [];
  certExpiryDays: number | undefined;
  readonly done: Promise<ExchangeOutcome>;
  private resolve!: (outcome: ExchangeOutcome) => void;
  private readonly onAbort = () =>
    this.fail('deadline', `round deadline reached ${this.options.describeStage()}`);

  constructor(private readonly options: ExchangeOptions) {
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    if (options.signal.aborted) {
      this.fail('deadline', 'round deadline had passed before the probe started');
      return;
    }
    options.signal.addEventListener('abort', this.onAbort, { once: true });
    this.arm(options.timeoutMs);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Milliseconds since the exchange started. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  /** Runs `cleanup` when the exchange settles (or now, if it already has). */
  onSettle(cleanup: () => void): void {
    if (this.settled) cleanup();
    else this.cleanups.push(cleanup);
  }

  fail(reason: FailureReason, detail: string): void {
    this.settle({ ok: false, reason, detail });
  }

  succeed(): void {
    this.settle({ ok: true });
  }

  private settle(verdict: Pick<ExchangeOutcome, 'ok' | 'reason' | 'detail'>): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.options.signal.removeEventListener('abort', this.onAbort);
    // Last opened, first closed: a TLS socket goes before the TCP socket under it (the reverse crashes Node).
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
    this.resolve({
      ...verdict,
      durationMs: this.elapsed(),
      phases: this.phases,
      ...(this.certExpiryDays === undefined ? {} : { certExpiryDays: this.certExpiryDays }),
      warnings: this.warnings,
    });
  }

  private arm(ms: number): void {
    const due = performance.now() + ms;
    this.timer = setTimeout(() => {
      const late = performance.now() - due;
      if (late > EVENT_LOOP_STALL_GRACE_MS) {
        this.arm(late);
        return;
      }
      this.fail('timeout', `timed out after ${this.options.timeoutMs} ms ${this.options.describeStage()}`);
    }, ms);
  }
}

/** Host and port of a `scheme://host:port` URL; IPv6 literals lose their brackets. */
export function hostAndPort(url: URL, defaultPort?: number): { host: string; port: number } {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === '' ? (defaultPort ?? 0) : Number(url.port) };
}

/**
 * The lookup a socket transport connects with: the injected one or the system's, refusing link-local and
 * metadata addresses unless allowed (netguard.ts), and timing the DNS phase. An IP literal is never looked up,
 * so it is checked here: returns the error message when it is refused.
 */
export function guardedLookup(options: {
  allowLinkLocal: boolean;
  lookup?: LookupFunction;
  exchange: Exchange;
}): LookupFunction {
  const base = options.lookup ?? (dnsLookup as LookupFunction);
  const lookup = options.allowLinkLocal ? base : guardLookup(base);
  return (hostname, lookupOptions, callback) => {
    const started = options.exchange.elapsed();
    lookup(hostname, lookupOptions, (error, address, family) => {
      options.exchange.phases.dnsLookupMs = options.exchange.elapsed() - started;
      callback(error, address, family);
    });
  };
}

/** A refused IP literal's message, or undefined (names are checked when they resolve). */
export function blockedLiteral(host: string, allowLinkLocal: boolean): string | undefined {
  if (allowLinkLocal || isIP(host) === 0 || !isBlockedAddress(host)) return undefined;
  return new BlockedAddressError(host, host).message;
}

/** The probe result of a socket exchange, with `expect.maxDuration` checked like the HTTP kinds do. */
export function exchangeResult(
  outcome: ExchangeOutcome,
  target: { name: string; type: ProbeType; expect: { maxDuration?: number | undefined } },
  timestamp: Date,
): ProbeResult {
  const base: ProbeResult = {
    target: target.name,
    type: target.type,
    timestamp,
    durationMs: outcome.durationMs,
    phases: outcome.phases,
    ...(outcome.certExpiryDays === undefined ? {} : { certExpiryDays: outcome.certExpiryDays }),
    success: outcome.ok,
    values: [],
    warnings: outcome.warnings,
  };
  if (!outcome.ok) return { ...base, reason: outcome.reason ?? 'error', detail: outcome.detail ?? 'failed' };
  const maxDuration = target.expect.maxDuration;
  if (maxDuration !== undefined && outcome.durationMs > maxDuration) {
    return {
      ...base,
      success: false,
      reason: 'duration',
      detail: `duration (${Math.round(outcome.durationMs)}ms) > ${maxDuration}ms`,
    };
  }
  return base;
}
