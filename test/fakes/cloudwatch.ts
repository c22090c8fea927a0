/**
 * Loopback CloudWatch for PutMetricData, GetMetricData and DescribeAlarms, answering what
 * `@aws-sdk/client-cloudwatch` sends (AWS JSON 1.0, query-compatible; timestamps as epoch seconds both ways) the way
 * AWS does, limits included. Point the real SDK at `url` via `AWS_ENDPOINT_URL_CLOUDWATCH` (see `setFakeAwsEnv`).
 * GetMetricData reads back what PutMetricData stored (MetricStat queries; metric math is not implemented and is
 * refused, not guessed); alarms are set up by the test (`putAlarm`, `setAlarmState`) and listed by DescribeAlarms.
 */
import { AwsServiceError, type FakeAwsServer, isRecord, startAwsJsonServer } from './aws';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

// The service's limits, written out here rather than imported, so a wrong constant in production code fails
// a test instead of being mirrored by its fake.
const MAX_DATUMS = 1000;
/** "1 MB" read strictly (decimal), measured after gunzip: a fake stricter than AWS can only catch more. */
const MAX_REQUEST_BYTES = 1_000_000;
const MAX_DIMENSIONS = 30;
const MAX_DIMENSION_VALUE_CHARS = 1024;
const MAX_NAME_CHARS = 255;
const MAX_VALUES = 150;
const MAX_MAGNITUDE = 2 ** 360;
const MAX_PAST_MS = 14 * 24 * 3600 * 1000;
const MAX_FUTURE_MS = 2 * 3600 * 1000;
// AWS's list, written out here on purpose rather than imported from functions/metrics/units.ts: the fake must
// encode the service's rules independently, or a mistake in ours would be mirrored instead of caught.
const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);
const ASCII_PRINTABLE_RE = /^[\x20-\x7e]+$/;
// GetMetricData and DescribeAlarms (API reference).
const MAX_QUERIES = 500;
const QUERY_ID_RE = /^[a-z][a-zA-Z0-9_]*$/;
const STATISTICS = new Set(['Minimum', 'Maximum', 'Average', 'Sum', 'SampleCount']);
const HIGH_RESOLUTION_PERIODS = new Set([1, 5, 10, 30]);
const DESCRIBE_MAX_RECORDS = 100;
const DESCRIBE_DEFAULT_RECORDS = 50;
const DESCRIBE_MAX_NAMES = 100;
const ALARM_STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** A metric alarm as DescribeAlarms returns it (the fields vigil reads, and what a test sets). */
export interface FakeAlarm {
  AlarmName: string;
  AlarmDescription?: string;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: string }[];
  Threshold?: number;
  ComparisonOperator?: string;
  StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  StateReason: string;
  /** ms since epoch. */
  StateUpdatedTimestamp: number;
}

/** A datum CloudWatch accepted, with the timestamp back as a Date. */
export interface RecordedDatum {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Timestamp: Date | undefined;
  Value: number | undefined;
  Values: number[] | undefined;
  Counts: number[] | undefined;
  Unit: string | undefined;
  StorageResolution: number | undefined;
}

export interface RecordedRequest {
  namespace: string;
  datums: RecordedDatum[];
  gzip: boolean;
  /** Uncompressed JSON size. */
  bodyBytes: number;
  wireBytes: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface RejectedRequest {
  status: number;
  type: string;
  message: string;
  datums: number;
}

export interface FakeCloudWatch extends FakeAwsServer {
  /** Accepted PutMetricData requests, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every accepted datum, flattened. */
  readonly datums: RecordedDatum[];
  /** Requests answered with an error (throttled, failed or invalid), in arrival order. */
  readonly rejected: RejectedRequest[];
  /** Answer the next `n` requests with `400 Throttling` (Infinity: until reset). */
  throttleNext(n: number): void;
  /** Answer the next `n` requests with `status` (default 500 InternalFailure; Infinity: until reset). */
  failNext(n: number, status?: number): void;
  /** Accept the next `n` requests and never answer them (Infinity: until reset); close() drops them. */
  hangNext(n: number): void;
  /** Requests left hanging so far. */
  readonly hung: number;
  /** Forget recorded requests and pending throttles/failures. */
  reset(): void;
  /** Creates or replaces a metric alarm (as PutMetricAlarm does: a new alarm starts in INSUFFICIENT_DATA). */
  putAlarm(alarm: Omit<FakeAlarm, 'StateValue' | 'StateReason' | 'StateUpdatedTimestamp'>): void;
  /** As SetAlarmState. */
  setAlarmState(name: string, state: FakeAlarm['StateValue'], reason: string): void;
  /** Operations answered, by name, in arrival order (all of them, not only PutMetricData). */
  readonly operations: string[];
}

export interface FakeCloudWatchOptions {
  /** The service clock for the timestamp window; defaults to the real one. */
  now?: () => number;
}

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeCloudWatch(options: FakeCloudWatchOptions = {}): Promise<FakeCloudWatch> {
  const now = options.now ?? Date.now;
  const requests: RecordedRequest[] = [];
  const datums: RecordedDatum[] = [];
  const rejected: RejectedRequest[] = [];
  let throttles = 0;
  let failures = 0;
  let failureStatus = 500;
  let hangs = 0;
  let hung = 0;
  const alarms = new Map<string, FakeAlarm>();
  const operations: string[] = [];

  const server = await startAwsJsonServer({
    contentType: 'application/x-amz-json-1.0',
    signingName: 'monitoring',
    queryCompatible: true,
    handle(request) {
      if (hangs > 0) {
        hangs--;
        hung++;
        return new Promise<never>(() => {});
      }
      const count =
        isRecord(request.body) && Array.isArray(request.body.MetricData) ? request.body.MetricData.length : 0;
      try {
        const reads: Record<string, () => { body: unknown }> = {
          [`${TARGET_PREFIX}GetMetricData`]: () => ({ body: getMetricData(request.body, datums) }),
          [`${TARGET_PREFIX}DescribeAlarms`]: () => ({ body: describeAlarms(request.body, alarms) }),
        };
        if (request.target !== `${TARGET_PREFIX}PutMetricData` && !reads[request.target]) {
          throw new AwsServiceError(400, 'UnknownOperationException', `unknown target ${request.target}`);
        }
        operations.push(request.operation);
        if (throttles > 0) {
          throttles--;
          throw new AwsServiceError(400, 'Throttling', 'Rate exceeded');
        }
        if (failures > 0) {
          failures--;
          throw new AwsServiceError(
            failureStatus,
            failureStatus === 503 ? 'ServiceUnavailable' : 'InternalFailure',
            'Internal failure',
          );
        }
        const read = reads[request.target];
        if (read) return read();
        if (request.bodyBytes > MAX_REQUEST_BYTES) {
          throw new AwsServiceError(
            413,
            'RequestEntityTooLarge',
            `Request size ${request.bodyBytes} exceeded ${MAX_REQUEST_BYTES} bytes`,
          );
        }
        const accepted = validatePutMetricData(request.body, now());
        requests.push({
          namespace: accepted[0]?.Namespace ?? String((request.body as { Namespace?: unknown }).Namespace),
          datums: accepted,
          gzip: request.gzip,
          bodyBytes: request.bodyBytes,
          wireBytes: request.wireBytes,
          headers: { ...request.headers },
        });
        datums.push(...accepted);
        return { body: {} };
      } catch (error) {
        if (error instanceof AwsServiceError) {
          rejected.push({ status: error.status, type: error.type, message: error.message, datums: count });
        }
        throw error;
      }
    },
  });

  return {
    ...server,
    requests,
    datums,
    rejected,
    throttleNext(n) {
      throttles = n;
    },
    failNext(n, status = 500) {
      failures = n;
      failureStatus = status;
    },
    hangNext(n) {
      hangs = n;
    },
    get hung() {
      return hung;
    },
    putAlarm(alarm) {
      alarms.set(alarm.AlarmName, {
        ...alarm,
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        StateUpdatedTimestamp: now(),
      });
    },
    setAlarmState(name, state, reason) {
      const alarm = alarms.get(name);
      if (!alarm) throw new Error(`fake CloudWatch: no alarm ${name}`);
      alarms.set(name, { ...alarm, StateValue: state, StateReason: reason, StateUpdatedTimestamp: now() });
    },
    operations,
    reset() {
      hangs = 0;
      hung = 0;
      requests.length = 0;
      datums.length = 0;
      rejected.length = 0;
      throttles = 0;
      failures = 0;
    },
  };
}

function invalid(message: string): AwsServiceError {
  return new AwsServiceError(400, 'InvalidParameterValue', message);
}

function combination(message: string): AwsServiceError {
  return new AwsServiceError(400, 'InvalidParameterCombination', message);
}

function missing(parameter: string): AwsServiceError {
  return new AwsServiceError(400, 'MissingParameter', `The parameter ${parameter} is required.`);
}

/** Checks a PutMetricData body like the service does; throws the first violation, as AWS reports one. */
function validatePutMetricData(body: unknown, nowMs: number): RecordedDatum[] {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object.');
  const namespace = body.Namespace;
  if (typeof namespace !== 'string') throw missing('Namespace');
  if (namespace.length < 1 || namespace.length > MAX_NAME_CHARS || namespace.startsWith(':')) {
    throw invalid(`The value ${namespace} for parameter Namespace is invalid.`);
  }
  if (namespace.startsWith('AWS/')) {
    throw invalid(
      'The value AWS/ for parameter Namespace is invalid. Namespaces starting with AWS/ are reserved.',
    );
  }
  const data = body.MetricData;
  if (!Array.isArray(data) || data.length === 0) throw missing('MetricData');
  if (data.length > MAX_DATUMS) {
    throw invalid(`The collection MetricData must not have a size greater than ${MAX_DATUMS}.`);
  }
  return data.map((raw, index) => validateDatum(raw, `MetricData.member.${index + 1}`, namespace, nowMs));
}

function validateDatum(raw: unknown, at: string, namespace: string, nowMs: number): RecordedDatum {
  if (!isRecord(raw)) throw invalid(`The parameter ${at} must be a structure.`);
  const name = raw.MetricName;
  if (typeof name !== 'string') throw missing(`${at}.MetricName`);
  if (name.length < 1 || name.length > MAX_NAME_CHARS) {
    throw invalid(`The value for parameter ${at}.MetricName must be 1-${MAX_NAME_CHARS} characters.`);
  }

  const dimensions = raw.Dimensions ?? [];
  if (!Array.isArray(dimensions)) throw invalid(`The parameter ${at}.Dimensions must be a list.`);
  if (dimensions.length > MAX_DIMENSIONS) {
    throw invalid(`The collection ${at}.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
  }
  const dims = dimensions.map((d: unknown, i) => {
    const dimAt = `${at}.Dimensions.member.${i + 1}`;
    if (!isRecord(d) || typeof d.Name !== 'string') throw missing(`${dimAt}.Name`);
    if (typeof d.Value !== 'string') throw missing(`${dimAt}.Value`);
    if (
      d.Name.length < 1 ||
      d.Name.length > MAX_NAME_CHARS ||
      !ASCII_PRINTABLE_RE.test(d.Name) ||
      d.Name.trim() === ''
    ) {
      throw invalid(`The value ${d.Name} for parameter ${dimAt}.Name is invalid.`);
    }
    if (d.Name.startsWith(':')) throw invalid(`The value ${d.Name} for parameter ${dimAt}.Name is invalid.`);
    if (d.Value.length < 1 || d.Value.length > MAX_DIMENSION_VALUE_CHARS) {
      throw invalid(
        `The value for parameter ${dimAt}.Value must be 1-${MAX_DIMENSION_VALUE_CHARS} characters.`,
      );
    }
    if (!ASCII_PRINTABLE_RE.test(d.Value) || d.Value.trim() === '') {
      throw invalid(`The value ${d.Value} for parameter ${dimAt}.Value is invalid.`);
    }
    return { Name: d.Name, Value: d.Value };
  });

  const value = raw.Value;
  if (value !== undefined) checkNumber(value, `${at}.Value`);
  const values = raw.Values;
  const counts = raw.Counts;
  if (values !== undefined) {
    if (!Array.isArray(values)) throw invalid(`The parameter ${at}.Values must be a list.`);
    if (values.length > MAX_VALUES) {
      throw invalid(`The collection ${at}.Values must not have a size greater than ${MAX_VALUES}.`);
    }
    for (const [i, v] of values.entries()) checkNumber(v, `${at}.Values.member.${i + 1}`);
  }
  if (counts !== undefined) {
    if (!Array.isArray(counts)) throw invalid(`The parameter ${at}.Counts must be a list.`);
    if (counts.length > MAX_VALUES) {
      throw invalid(`The collection ${at}.Counts must not have a size greater than ${MAX_VALUES}.`);
    }
    for (const [i, v] of counts.entries()) checkNumber(v, `${at}.Counts.member.${i + 1}`);
    if (!Array.isArray(values) || values.length !== counts.length) {
      throw combination(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`);
    }
  }
  const hasStats = raw.StatisticValues !== undefined;
  if ([value !== undefined, values !== undefined, hasStats].filter(Boolean).length > 1) {
    throw combination(
      `The parameters ${at}.Value, ${at}.Values and ${at}.StatisticValues are mutually exclusive.`,
    );
  }

  const unit = raw.Unit;
  if (unit !== undefined && (typeof unit !== 'string' || !UNITS.has(unit))) {
    throw invalid(`The value ${String(unit)} for parameter ${at}.Unit is invalid.`);
  }
  const resolution = raw.StorageResolution;
  if (resolution !== undefined && resolution !== 1 && resolution !== 60) {
    throw invalid(`The value ${String(resolution)} for parameter ${at}.StorageResolution is invalid.`);
  }

  let timestamp: Date | undefined;
  if (raw.Timestamp !== undefined) {
    // AWS JSON 1.0 carries timestamps as epoch seconds.
    if (typeof raw.Timestamp !== 'number' || !Number.isFinite(raw.Timestamp)) {
      throw invalid(`The value for parameter ${at}.Timestamp is invalid.`);
    }
    const ms = Math.round(raw.Timestamp * 1000);
    if (ms < nowMs - MAX_PAST_MS || ms > nowMs + MAX_FUTURE_MS) {
      throw invalid(
        `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past or two hours in the future.`,
      );
    }
    timestamp = new Date(ms);
  }

  return {
    Namespace: namespace,
    MetricName: name,
    Dimensions: dims,
    Timestamp: timestamp,
    Value: value as number | undefined,
    Values: values as number[] | undefined,
    Counts: counts as number[] | undefined,
    Unit: unit as string | undefined,
    StorageResolution: resolution as number | undefined,
  };
}

/** The SDK writes NaN/±Infinity as the strings "NaN"/"Infinity"/"-Infinity"; CloudWatch refuses them. */
function checkNumber(value: unknown, at: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE) {
    throw invalid(`The value ${String(value)} for parameter ${at} is invalid.`);
  }
}

/** Epoch seconds (what the SDK sends for a timestamp in AWS JSON) → ms. */
function epochMs(value: unknown, parameter: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw missing(parameter);
  return value * 1000;
}

function sameDimensions(a: readonly { Name: string; Value: string }[], b: unknown): boolean {
  const wanted = Array.isArray(b) ? (b as { Name?: unknown; Value?: unknown }[]) : [];
  if (wanted.length !== a.length) return false;
  return wanted.every((dimension) =>
    a.some((own) => own.Name === dimension.Name && own.Value === dimension.Value),
  );
}

function aggregate(stat: string, values: number[]): number {
  switch (stat) {
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'Sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'SampleCount':
      return values.length;
    default:
      return values.reduce((sum, value) => sum + value, 0) / values.length;
  }
}

/** GetMetricData over the datums PutMetricData accepted: one series per exact dimension set, as CloudWatch keys metrics. */
function getMetricData(body: unknown, datums: readonly RecordedDatum[]) {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object.');
  const start = epochMs(body.StartTime, 'StartTime');
  const end = epochMs(body.EndTime, 'EndTime');
  if (start >= end) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const queries = body.MetricDataQueries;
  if (!Array.isArray(queries) || queries.length === 0) throw missing('MetricDataQueries');
  if (queries.length > MAX_QUERIES)
    throw invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  const ids = new Set<string>();
  const descending = body.ScanBy !== 'TimestampAscending';
  const results = [];
  for (const [index, raw] of queries.entries()) {
    const at = `MetricDataQueries.member.${index + 1}`;
    if (!isRecord(raw)) throw invalid(`The parameter ${at} must be a structure.`);
    const id = raw.Id;
    if (typeof id !== 'string' || !QUERY_ID_RE.test(id))
      throw invalid(`The value for parameter ${at}.Id is invalid.`);
    if (ids.has(id))
      throw new AwsServiceError(400, 'InvalidParameterValue', `The value ${id} for ${at}.Id is duplicated.`);
    ids.add(id);
    if (raw.Expression !== undefined)
      throw new AwsServiceError(
        400,
        'InvalidParameterValue',
        'fake CloudWatch: metric math expressions are not implemented',
      );
    const stat = raw.MetricStat;
    if (!isRecord(stat) || !isRecord(stat.Metric)) throw missing(`${at}.MetricStat`);
    const period = stat.Period;
    if (
      typeof period !== 'number' ||
      !(period % 60 === 0 || HIGH_RESOLUTION_PERIODS.has(period)) ||
      period <= 0
    )
      throw invalid(`The parameter ${at}.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60.`);
    if (typeof stat.Stat !== 'string' || !STATISTICS.has(stat.Stat))
      throw invalid(
        `The value ${String(stat.Stat)} for parameter ${at}.MetricStat.Stat is not supported by this fake.`,
      );
    const metric = stat.Metric;
    const buckets = new Map<number, number[]>();
    for (const datum of datums) {
      if (datum.Namespace !== metric.Namespace || datum.MetricName !== metric.MetricName) continue;
      if (!sameDimensions(datum.Dimensions, metric.Dimensions ?? [])) continue;
      const time = datum.Timestamp?.getTime();
      if (time === undefined || time < start || time >= end) continue;
      const bucket = Math.floor(time / (period * 1000)) * period * 1000;
      const values = datum.Values ?? (datum.Value === undefined ? [] : [datum.Value]);
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), ...values]);
    }
    const times = [...buckets.keys()].sort((a, b) => (descending ? b - a : a - b));
    if (raw.ReturnData === false) continue;
    results.push({
      Id: id,
      Label: typeof raw.Label === 'string' ? raw.Label : String(metric.MetricName),
      Timestamps: times.map((time) => time / 1000),
      Values: times.map((time) => aggregate(stat.Stat as string, buckets.get(time)!)),
      StatusCode: 'Complete',
    });
  }
  return { MetricDataResults: results, Messages: [] };
}

/** DescribeAlarms: by names or a name prefix, a state, alarm types; pages of MaxRecords, alphabetical. */
function describeAlarms(body: unknown, alarms: ReadonlyMap<string, FakeAlarm>) {
  const request = isRecord(body) ? body : {};
  const names = request.AlarmNames;
  const prefix = request.AlarmNamePrefix;
  if (names !== undefined && prefix !== undefined)
    throw combination('AlarmNamePrefix and AlarmNames cannot be specified together.');
  if (Array.isArray(names) && names.length > DESCRIBE_MAX_NAMES)
    throw invalid(`The collection AlarmNames must not have a size greater than ${DESCRIBE_MAX_NAMES}.`);
  const max = request.MaxRecords ?? DESCRIBE_DEFAULT_RECORDS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > DESCRIBE_MAX_RECORDS)
    throw invalid(`The value ${String(max)} for parameter MaxRecords is invalid.`);
  if (request.StateValue !== undefined && !ALARM_STATES.has(String(request.StateValue)))
    throw invalid(`The value ${String(request.StateValue)} for parameter StateValue is invalid.`);
  // "If you omit this parameter, only metric alarms are returned."
  const types = Array.isArray(request.AlarmTypes) ? request.AlarmTypes : ['MetricAlarm'];
  const matching = types.includes('MetricAlarm')
    ? [...alarms.values()]
        .filter((alarm) => (Array.isArray(names) ? names.includes(alarm.AlarmName) : true))
        .filter((alarm) => (typeof prefix === 'string' ? alarm.AlarmName.startsWith(prefix) : true))
        .filter((alarm) => request.StateValue === undefined || alarm.StateValue === request.StateValue)
        .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : 1))
    : [];
  const from = typeof request.NextToken === 'string' ? Number(request.NextToken) : 0;
  if (!Number.isInteger(from) || from < 0) throw invalid('The value for parameter NextToken is invalid.');
  const page = matching.slice(from, from + max);
  return {
    MetricAlarms: page.map((alarm) => ({
      ...alarm,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${alarm.AlarmName}`,
      StateUpdatedTimestamp: alarm.StateUpdatedTimestamp / 1000,
    })),
    CompositeAlarms: [],
    ...(from + max < matching.length ? { NextToken: String(from + max) } : {}),
  };
}
