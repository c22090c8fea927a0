import type { MetricUnit } from '../metrics/units';
import type { ProbeType } from './kinds';

/** Why a probe failed: short, stable, machine-readable (used as a log field and in the CLI table). */
export const FAILURE_REASONS = [
  'timeout', // the per-target timeout fired (also covers a body that trickles in)
  'dns', // the host name did not resolve
  'connect', // TCP connect refused / reset / unreachable
  'tls', // TLS handshake or certificate verification failed
  'blocked', // the address is link-local / cloud metadata and the target did not allow it
  'redirects', // more redirects than allowed
  'body-too-large', // body exceeded the size cap
  'status', // unexpected HTTP status
  'duration', // took longer than expect.maxDuration
  'condition', // an expect.conditions entry did not hold
  'parse', // the body was not valid JSON / Prometheus text
  'extract', // a metric's path or query found nothing
  'deadline', // the run ended (Lambda deadline) before this target finished
  'secret', // a ${env:…} / ${ssm:…} of the target could not be read (SSM throttled or down, a variable unset)
  'error', // anything else (a bug or an unexpected network error); detail says what
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * Reasons a target was not probed at all — vigil's own trouble, not the target's: nothing is published for it, so
 * its alarms keep their state (missing data is ignored) instead of paging the target as down.
 */
export function notProbed(reason: FailureReason | undefined): boolean {
  return reason === 'deadline' || reason === 'secret';
}

/** HTTP timing phases in milliseconds, summed over redirects (blackbox_exporter semantics). */
export interface Phases {
  dnsLookupMs: number;
  connectMs: number;
  tlsHandshakeMs: number;
  timeToFirstByteMs: number;
  transferMs: number;
}

/**
 * The phases a transport measured: HTTP has all five; tcp has DNS, connect, TLS (STARTTLS), first byte and
 * transfer (until the expected answer); tls has DNS, connect and TLS; dns has DNS (of the resolver's name),
 * connect and first byte (the query's round trip). Only what was measured is published.
 */
export type PhaseTimes = Partial<Phases>;

/** One value extracted from a body: a JSON field or one PromQL result series. */
export interface ExtractedValue {
  metric: string;
  unit: MetricUnit;
  value: number;
  /** Extra dimensions besides Target (e.g. method=GET from `sum by (method)`). */
  dimensions: Record<string, string>;
}

export interface ProbeResult {
  target: string;
  type: ProbeType;
  success: boolean;
  reason?: FailureReason;
  /** Human-readable explanation, e.g. `$.goroutines (5234) < 5000`. Never contains secrets. */
  detail?: string;
  /** When the probe started; every datum of this probe carries it. */
  timestamp: Date;
  durationMs: number;
  statusCode?: number;
  phases?: PhaseTimes;
  certExpiryDays?: number;
  redirects?: number;
  bodyBytes?: number;
  values: ExtractedValue[];
  /** Non-fatal problems worth reporting, e.g. a `by` cut to the cardinality limit. */
  warnings: string[];
}
