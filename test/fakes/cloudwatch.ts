/**
 * Loopback CloudWatch for PutMetricData, answering what `@aws-sdk/client-cloudwatch` sends (AWS JSON 1.0,
 * query-compatible) the way AWS does, limits included. Point the real SDK at `url` via
 * `AWS_ENDPOINT_URL_CLOUDWATCH` (see `setFakeAwsEnv`).
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
        if (request.target !== `${TARGET_PREFIX}PutMetricData`) {
          throw new AwsServiceError(400, 'UnknownOperationException', `unknown target ${request.target}`);
        }
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
