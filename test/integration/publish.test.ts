/**
 * publishDatums with the real @aws-sdk/client-cloudwatch against the loopback fake. The endpoint reaches the
 * SDK only through AWS_ENDPOINT_URL_CLOUDWATCH, as in Lambda; the injected client differs only in fast retries.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { type Datum, datumsFromResults } from '../../functions/metrics/datums';
import {
  PACK_BUDGET_BYTES,
  PUT_METRIC_DATA_MAX_DATUMS,
  putMetricDataBodyBytes,
} from '../../functions/metrics/pack';
import {
  PUBLISH_BISECT_MAX_REQUESTS,
  type PublishOptions,
  type PublishReport,
  publishDatums,
} from '../../functions/metrics/publish';
import type { MetricUnit } from '../../functions/metrics/units';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, type RecordedDatum, startFakeCloudWatch } from '../fakes/cloudwatch';
import {
  longDimensionDatums,
  ordinaryDatums,
  probeResult,
  readEmf,
  sortedKeys,
} from '../unit/metrics/helpers';

const NS = 'Vigil';
// Within CloudWatch's window (2 weeks back, 2 hours ahead) whatever day the suite runs.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const fastRetries = () => new ConfiguredRetryStrategy(3, () => 1);

let cloudwatch: FakeCloudWatch;
let restoreEnv: () => void;
let client: CloudWatchClient;

beforeAll(async () => {
  cloudwatch = await startFakeCloudWatch();
  restoreEnv = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url });
  client = new CloudWatchClient({ retryStrategy: fastRetries() });
});

afterAll(async () => {
  client.destroy();
  await cloudwatch.close();
  restoreEnv();
});

beforeEach(() => cloudwatch.reset());

async function publish(datums: readonly Datum[], options: PublishOptions = {}) {
  const lines: string[] = [];
  const report = await publishDatums(NS, datums, {
    client,
    writeLine: (line) => lines.push(line),
    ...options,
  });
  // Nothing silently lost: every datum is sent, written as EMF, or reported.
  expect(report.sent + report.viaEmf + report.failed.reduce((n, f) => n + f.datums, 0)).toBe(datums.length);
  return { report, lines };
}

function asDatum(d: RecordedDatum): Datum {
  return { ...d, Timestamp: d.Timestamp!, Value: d.Value!, Unit: d.Unit as MetricUnit };
}

/** What a probe run really produces: 250 targets with status, phases, certificates and extracted values. */
function probeRunDatums(targets: number): Datum[] {
  const results = Array.from({ length: targets }, (_, i) =>
    probeResult({
      target: `target-${i}`,
      timestamp: NOW,
      statusCode: 200,
      phases: { dnsLookupMs: 1, connectMs: 2, tlsHandshakeMs: 3, timeToFirstByteMs: i, transferMs: 0.5 },
      certExpiryDays: 30,
      values: [{ metric: 'QueueDepth', unit: 'Count', value: i, dimensions: { queue: 'jobs' } }],
    }),
  );
  return datumsFromResults(results).datums;
}

describe('wire format', () => {
  it.each([
    ['5 datums (< 10 KB) go uncompressed', 5, false],
    ['200 datums (≥ 10 KB) go gzip-compressed', 200, true],
  ])('%s', async (_name, n, gzip) => {
    await publish(ordinaryDatums(n, NOW));

    expect(cloudwatch.requests).toHaveLength(1);
    expect(cloudwatch.requests[0]!.gzip).toBe(gzip);
    expect(cloudwatch.requests[0]!.headers['x-amz-target']).toBe(
      'GraniteServiceVersion20100801.PutMetricData',
    );
  });

  it.each<[string, Datum[]]>([
    ['ordinary datums', ordinaryDatums(1000, NOW)],
    ['30 long dimensions each', longDimensionDatums(30, 30, 1024, NOW)],
    [
      'no dimensions, odd characters in names',
      ordinaryDatums(3, NOW).map((d) => ({ ...d, Dimensions: [], MetricName: 'a"b\\c/é' })),
    ],
  ])('the packer’s byte count equals the body the SDK sends: %s', async (_name, datums) => {
    await publish(datums);

    for (const request of cloudwatch.requests) {
      expect(request.bodyBytes).toBe(putMetricDataBodyBytes(NS, request.datums.map(asDatum)));
    }
  });

  it('needs no endpoint in code: the SDK’s standard config (AWS_ENDPOINT_URL_CLOUDWATCH) finds the fake', async () => {
    const report = await publishDatums(NS, ordinaryDatums(3, NOW), { writeLine: () => {} });

    expect(report).toEqual({ requests: 1, sent: 3, viaEmf: 0, failed: [], fallback: [] });
    expect(cloudwatch.datums).toHaveLength(3);
  });
});

describe('limits', () => {
  it('25,000 datums: 25 requests, each within 1,000 datums and 1 MB, every datum delivered once', async () => {
    const datums = ordinaryDatums(25_000, NOW);

    const { report } = await publish(datums);

    expect(report).toEqual({ requests: 25, sent: 25_000, viaEmf: 0, failed: [], fallback: [] });
    for (const request of cloudwatch.requests) {
      expect(request.datums.length).toBeLessThanOrEqual(PUT_METRIC_DATA_MAX_DATUMS);
      expect(request.bodyBytes).toBeLessThanOrEqual(PACK_BUDGET_BYTES);
    }
    expect(sortedKeys(cloudwatch.datums)).toEqual(sortedKeys(datums));
  });

  it('long dimension values: the 1 MB bound splits the requests and holds', async () => {
    const datums = longDimensionDatums(300, 30, 1024, NOW);

    const { report } = await publish(datums);

    expect(report.sent).toBe(300);
    expect(report.requests).toBe(Math.ceil(putMetricDataBodyBytes(NS, datums) / PACK_BUDGET_BYTES));
    for (const request of cloudwatch.requests)
      expect(request.bodyBytes).toBeLessThanOrEqual(PACK_BUDGET_BYTES);
  });
});

describe('retries and fallback', () => {
  it.each([
    ['Throttling', (n: number) => cloudwatch.throttleNext(n), 'Throttling'],
    ['500', (n: number) => cloudwatch.failNext(n, 500), 'InternalFailure'],
    ['503', (n: number) => cloudwatch.failNext(n, 503), 'ServiceUnavailable'],
  ])('%s twice is retried by the SDK, then succeeds', async (_name, refuse, type) => {
    refuse(2);

    const { report, lines } = await publish(ordinaryDatums(10, NOW));

    expect(report).toEqual({ requests: 1, sent: 10, viaEmf: 0, failed: [], fallback: [] });
    expect(cloudwatch.rejected.map((r) => r.type)).toEqual([type, type]);
    expect(lines).toEqual([]);
  });

  it('persistent 500: every datum goes out as EMF lines carrying the same metrics', async () => {
    cloudwatch.failNext(Number.POSITIVE_INFINITY);
    const datums = probeRunDatums(250);

    const { report, lines } = await publish(datums);

    expect(report).toEqual({
      requests: 3,
      sent: 0,
      viaEmf: datums.length,
      failed: [],
      fallback: [{ error: expect.stringMatching(/^InternalFailure/), datums: datums.length }],
    });
    const read = readEmf(lines);
    expect(new Set(read.map((r) => r.namespace))).toEqual(new Set([NS]));
    expect(sortedKeys(read.map((r) => r.datum))).toEqual(sortedKeys(datums));
  });

  it('persistent throttling on some requests only: those datums, and only those, go to EMF', async () => {
    const datums = ordinaryDatums(3000, NOW);
    cloudwatch.throttleNext(3); // the first request's three attempts

    const { report, lines } = await publish(datums, { concurrency: 1 });

    expect(report).toMatchObject({ requests: 3, sent: 2000, viaEmf: 1000 });
    const emf = readEmf(lines).map((r) => r.datum);
    expect(sortedKeys([...emf, ...cloudwatch.datums])).toEqual(sortedKeys(datums));
  });

  it("mode 'emf' writes EMF only and never calls CloudWatch", async () => {
    const datums = probeRunDatums(20);

    const { report, lines } = await publish(datums, { mode: 'emf' });

    expect(report).toEqual({ requests: 0, sent: 0, viaEmf: datums.length, failed: [], fallback: [] });
    expect(cloudwatch.requests).toEqual([]);
    expect(cloudwatch.rejected).toEqual([]);
    expect(sortedKeys(readEmf(lines).map((r) => r.datum))).toEqual(sortedKeys(datums));
  });
});

describe('invalid datums never take the others down', () => {
  const threeWeeksAgo = new Date(NOW.getTime() - 21 * 24 * 3600 * 1000);

  it.each<[string, (datums: Datum[]) => void, RegExp, boolean]>([
    [
      'a timestamp CloudWatch refuses (3 weeks old), found by bisecting',
      (d) => {
        d[417] = { ...d[417]!, Timestamp: threeWeeksAgo };
      },
      /Metric7\{Target=target-41\}: CloudWatch refused it: InvalidParameterValueException: .*Timestamp/,
      true,
    ],
    [
      'a NaN value, caught before sending',
      (d) => {
        d[3] = { ...d[3]!, Value: Number.NaN };
      },
      /Metric3\{Target=target-0\}: value NaN is not a finite number/,
      false,
    ],
    [
      'a 1,025-character dimension value, caught before sending',
      (d) => {
        d[999] = { ...d[999]!, Dimensions: [{ Name: 'Target', Value: 'x'.repeat(1025) }] };
      },
      /1025 characters/,
      false,
    ],
  ])('%s', async (_name, spoil, error, reachedCloudWatch) => {
    const datums = ordinaryDatums(1000, NOW);
    spoil(datums);

    const { report, lines } = await publish(datums);

    expect(report.sent).toBe(999);
    expect(report.viaEmf).toBe(0);
    expect(report.failed).toEqual([{ error: expect.stringMatching(error), datums: 1 }]);
    expect(cloudwatch.datums).toHaveLength(999);
    expect(cloudwatch.rejected.length > 0).toBe(reachedCloudWatch);
    expect(lines).toEqual([]);
  });

  it('a refusal of everything (clock off by weeks) is bisected within a budget, then reported whole', async () => {
    const datums = ordinaryDatums(3000, threeWeeksAgo);

    const { report } = await publish(datums);

    expect(report.sent).toBe(0);
    expect(report.requests).toBeLessThanOrEqual(3 + PUBLISH_BISECT_MAX_REQUESTS);
    expect(report.failed.reduce((n, f) => n + f.datums, 0)).toBe(3000);
    expect(report.failed.map((f) => f.error)).toContainEqual(
      expect.stringMatching(/not bisected further.*Timestamp/),
    );
  });

  it('a reserved namespace fails everything up front, without a request', async () => {
    const report = await publishDatums('AWS/EC2', ordinaryDatums(5, NOW), { client, writeLine: () => {} });

    expect(report).toEqual({
      requests: 0,
      sent: 0,
      viaEmf: 0,
      failed: [{ error: expect.stringMatching(/AWS\/ prefix is reserved/), datums: 5 }],
      fallback: [],
    });
    expect(cloudwatch.rejected).toEqual([]);
  });

  it('a datum EMF cannot express is reported when CloudWatch is down, not dropped', async () => {
    cloudwatch.failNext(Number.POSITIVE_INFINITY);
    const clash: Datum = { ...ordinaryDatums(1, NOW)[0]!, MetricName: 'Target' };

    const { report } = await publish([clash, ...ordinaryDatums(4, NOW)]);

    expect(report.viaEmf).toBe(4);
    expect(report.failed).toEqual([{ error: expect.stringMatching(/not sent, and .*same name/), datums: 1 }]);
  });
});

describe('deadline and concurrency', () => {
  it('an expired deadline sends nothing and writes everything as EMF', async () => {
    const datums = ordinaryDatums(2500, NOW);

    const { report, lines } = await publish(datums, { signal: AbortSignal.abort() });

    expect(report).toEqual({
      requests: 0,
      sent: 0,
      viaEmf: 2500,
      failed: [],
      fallback: [{ error: 'the deadline passed before the request was sent', datums: 2500 }],
    });
    expect(sortedKeys(readEmf(lines).map((r) => r.datum))).toEqual(sortedKeys(datums));
  });

  it('the deadline cuts retries short: throttled datums end up in EMF', async () => {
    const patient = new CloudWatchClient({ retryStrategy: new ConfiguredRetryStrategy(10_000, () => 5) });
    cloudwatch.throttleNext(Number.POSITIVE_INFINITY);
    const datums = ordinaryDatums(1500, NOW);
    try {
      const { report, lines } = await publish(datums, { client: patient, signal: AbortSignal.timeout(50) });

      expect(report).toMatchObject({
        sent: 0,
        viaEmf: 1500,
        failed: [],
        fallback: [
          { error: expect.stringMatching(/^the deadline passed while waiting for CloudWatch/), datums: 1500 },
        ],
      });
      expect(readEmf(lines)).toHaveLength(1500);
    } finally {
      patient.destroy();
    }
  });

  it.each([1, 3, 8])('at most %i requests in flight', async (concurrency) => {
    const counted = new CloudWatchClient({ retryStrategy: fastRetries() });
    let inFlight = 0;
    let peak = 0;
    counted.middlewareStack.add(
      (next) => async (args) => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize' },
    );
    try {
      const { report } = await publish(ordinaryDatums(10_000, NOW), { client: counted, concurrency });

      expect(report.sent).toBe(10_000);
      expect(peak).toBe(concurrency);
    } finally {
      counted.destroy();
    }
  });
});

it('reports the same shape for an empty run', async () => {
  const { report } = await publish([]);

  expect(report).toEqual<PublishReport>({ requests: 0, sent: 0, viaEmf: 0, failed: [], fallback: [] });
});
