/**
 * Probe results → CloudWatch datums. Pure. Every datum CloudWatch would reject is dropped here and reported
 * with the reason, because one bad datum makes PutMetricData refuse the whole request it travels in.
 */
import { notProbed, type ProbeResult } from '../probing/types';
import { METRIC_UNITS, type MetricUnit } from './units';

/** One CloudWatch datum; structurally a `MetricDatum` of `@aws-sdk/client-cloudwatch`, with every field set. */
export interface Datum {
  MetricName: string;
  Dimensions: Dimension[];
  Timestamp: Date;
  Value: number;
  Unit: MetricUnit;
}

export interface Dimension {
  Name: string;
  Value: string;
}

export interface DroppedDatum {
  metric: string;
  target: string;
  why: string;
}

// PutMetricData limits (API reference: MetricDatum, Dimension).
export const METRIC_NAME_MAX_CHARS = 255;
export const DIMENSIONS_PER_DATUM_MAX = 30;
export const DIMENSION_NAME_MAX_CHARS = 255;
export const DIMENSION_VALUE_MAX_CHARS = 1024;
/** CloudWatch rejects magnitudes above 2^360 (and NaN/±Infinity, which JSON cannot even carry as numbers). */
export const METRIC_VALUE_MAX_MAGNITUDE = 2 ** 360;

/** The dimension every vigil datum carries: the probe target's name. */
export const TARGET_DIMENSION = 'Target';

/** Standard per-target metric names, after blackbox_exporter's probe_* vocabulary. */
export const STANDARD_METRICS = {
  success: 'ProbeSuccess',
  duration: 'ProbeDuration',
  statusCode: 'HttpStatusCode',
  dnsLookup: 'DnsLookupTime',
  connect: 'ConnectTime',
  tlsHandshake: 'TlsHandshakeTime',
  timeToFirstByte: 'TimeToFirstByte',
  transfer: 'TransferTime',
  certExpiryDays: 'CertExpiryDays',
} as const;

/**
 * What the scheduled probe publishes once per round, whatever its targets did: 1, with dimension Probe = the
 * function's name. Its absence, not a target's, says the probe pipeline stalled (alarms/health.ts).
 */
export const HEARTBEAT = { metric: 'ProbeHeartbeat', dimension: 'Probe' } as const;

/**
 * Where a probe ran, on every standard metric (and the heartbeat) when vigil.yml lists `probe.locations`: the
 * quorum alarm (alarms/quorum.ts) counts failing locations from it. Extracted values carry none: the service's
 * goroutines are the same seen from anywhere, so every location publishes into one series.
 */
export const LOCATION_DIMENSION = 'Location';

/**
 * The webhook's metrics (EMF through Powertools): its `service`, a default dimension of every metric it emits, and
 * the per-channel delivery counters (dimensions: service, Channel). Here, not with the alarms on them (alarms/
 * health.ts), so the webhook's bundle does not pull the alarm definitions in.
 */
export const WEBHOOK_METRICS_SERVICE = 'vigil-webhook';
export const NOTIFICATION_METRICS = { sent: 'NotificationsSent', failed: 'NotificationsFailed' } as const;
export const CHANNEL_DIMENSION = 'Channel';

/** The round's heartbeat datum (one per shard), timestamped like the round's other datums. */
export function heartbeatDatum(probe: string, at: Date, location?: string): Datum {
  return {
    MetricName: HEARTBEAT.metric,
    Dimensions: [
      { Name: HEARTBEAT.dimension, Value: probe },
      ...(location === undefined ? [] : [{ Name: LOCATION_DIMENSION, Value: location }]),
    ],
    Timestamp: at,
    Value: 1,
    Unit: 'Count',
  };
}

const UNITS: ReadonlySet<string> = new Set(METRIC_UNITS);
// ASCII printable, as the Dimension API reference requires (no control characters, no non-ASCII).
const DIMENSION_TEXT_RE = /^[\x20-\x7e]+$/;

/** Turns probe results into datums; what CloudWatch would reject lands in `dropped`, never silently. */
export function datumsFromResults(
  results: readonly ProbeResult[],
  options: { location?: string } = {},
): {
  datums: Datum[];
  dropped: DroppedDatum[];
} {
  const datums: Datum[] = [];
  const dropped: DroppedDatum[] = [];
  const where: Dimension[] =
    options.location === undefined ? [] : [{ Name: LOCATION_DIMENSION, Value: options.location }];
  for (const result of results) {
    for (const candidate of candidates(result, where)) {
      const why = 'why' in candidate ? candidate.why : datumProblem(candidate);
      if (why !== undefined) dropped.push({ metric: candidate.MetricName, target: result.target, why });
      else if (!('why' in candidate)) datums.push(candidate);
    }
  }
  return { datums, dropped };
}

type Candidate = Datum | { MetricName: string; why: string };

function* candidates(result: ProbeResult, where: readonly Dimension[]): Generator<Candidate> {
  // Cut off by the round's deadline, or its secret could not be read: not probed, which is not down. Publishing
  // nothing keeps the target's alarms in their state (missing data is ignored) instead of paging for vigil's trouble.
  if (notProbed(result.reason)) return;
  const target: Dimension = { Name: TARGET_DIMENSION, Value: result.target };
  const at = result.timestamp;
  const standard = (MetricName: string, Value: number, Unit: MetricUnit): Datum => ({
    MetricName,
    Dimensions: [target, ...where],
    Timestamp: at,
    Value,
    Unit,
  });

  yield standard(STANDARD_METRICS.success, result.success ? 1 : 0, 'Count');
  yield standard(STANDARD_METRICS.duration, result.durationMs, 'Milliseconds');
  if (result.statusCode !== undefined) yield standard(STANDARD_METRICS.statusCode, result.statusCode, 'None');
  if (result.phases) {
    const p = result.phases;
    // Only what the transport measured: a tls probe has no first byte, a dns probe no TLS handshake.
    const phases = [
      [STANDARD_METRICS.dnsLookup, p.dnsLookupMs],
      [STANDARD_METRICS.connect, p.connectMs],
      [STANDARD_METRICS.tlsHandshake, p.tlsHandshakeMs],
      [STANDARD_METRICS.timeToFirstByte, p.timeToFirstByteMs],
      [STANDARD_METRICS.transfer, p.transferMs],
    ] as const;
    for (const [name, ms] of phases) if (ms !== undefined) yield standard(name, ms, 'Milliseconds');
  }
  if (result.certExpiryDays !== undefined) {
    yield standard(STANDARD_METRICS.certExpiryDays, result.certExpiryDays, 'None');
  }

  for (const extracted of result.values) {
    const extra = Object.entries(extracted.dimensions);
    // A second Target would make the series ambiguous (and CloudWatch keeps only one value per name).
    if (extra.some(([name]) => name === TARGET_DIMENSION)) {
      yield {
        MetricName: extracted.metric,
        why: `dimension name "${TARGET_DIMENSION}" is reserved for the target`,
      };
      continue;
    }
    yield {
      MetricName: extracted.metric,
      Dimensions: [target, ...extra.map(([Name, Value]) => ({ Name, Value }))],
      Timestamp: at,
      Value: extracted.value,
      Unit: extracted.unit,
    };
  }
}

/**
 * Why CloudWatch would reject this datum, or undefined when it is acceptable. Checks everything that can be
 * decided without a clock (the ±2 weeks / 2 hours timestamp window is left to the service).
 */
export function datumProblem(datum: Datum): string | undefined {
  const { MetricName: name, Value: value } = datum;
  if (typeof name !== 'string' || name.length === 0 || name.length > METRIC_NAME_MAX_CHARS) {
    return `metric name must be 1-${METRIC_NAME_MAX_CHARS} characters (got ${typeof name === 'string' ? name.length : typeof name})`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `value ${String(value)} is not a finite number`;
  }
  if (Math.abs(value) > METRIC_VALUE_MAX_MAGNITUDE) return `value ${value} is outside ±2^360`;
  if (!UNITS.has(datum.Unit)) return `unit "${String(datum.Unit)}" is not a CloudWatch unit`;
  if (!(datum.Timestamp instanceof Date) || Number.isNaN(datum.Timestamp.getTime())) {
    return 'timestamp is not a valid date';
  }
  const dims = datum.Dimensions;
  if (dims.length > DIMENSIONS_PER_DATUM_MAX) {
    return `${dims.length} dimensions exceed the limit of ${DIMENSIONS_PER_DATUM_MAX}`;
  }
  const seen = new Set<string>();
  for (const { Name, Value } of dims) {
    const problem = dimensionProblem(Name, Value);
    if (problem) return problem;
    if (seen.has(Name)) return `dimension "${Name}" appears twice`;
    seen.add(Name);
  }
  return undefined;
}

function dimensionProblem(name: string, value: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > DIMENSION_NAME_MAX_CHARS) {
    return `dimension name must be 1-${DIMENSION_NAME_MAX_CHARS} characters`;
  }
  if (!DIMENSION_TEXT_RE.test(name) || name.trim() === '' || name.startsWith(':')) {
    return `dimension name "${printable(name)}" must be printable ASCII, not blank, not starting with ":"`;
  }
  if (typeof value !== 'string' || value.length === 0) return `dimension "${name}" has an empty value`;
  if (value.length > DIMENSION_VALUE_MAX_CHARS) {
    return `dimension "${name}" value is ${value.length} characters (limit ${DIMENSION_VALUE_MAX_CHARS})`;
  }
  if (!DIMENSION_TEXT_RE.test(value) || value.trim() === '') {
    return `dimension "${name}" value "${printable(value)}" must be printable ASCII and not blank`;
  }
  return undefined;
}

/** A short, log-safe rendering of a rejected string. */
function printable(text: string): string {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return shown.slice(1, -1);
}

/** `ProbeDuration{Target=api,method=GET}`: how datums are named in reports and errors. */
export function describeDatum(datum: Pick<Datum, 'MetricName' | 'Dimensions'>): string {
  const dims = datum.Dimensions.map((d) => `${d.Name}=${printable(d.Value)}`).join(',');
  return `${datum.MetricName}{${dims}}`;
}
