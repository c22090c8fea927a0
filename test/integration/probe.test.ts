/**
 * The probe Lambda and `vigil probe --publish` end to end: real HTTP servers on 127.0.0.1 (healthy and
 * misbehaving), the real AWS SDK publishing to the loopback CloudWatch fake, config read from a file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { main } from '../../functions/cli/main';
import { handler } from '../../functions/probe/handler';
import { STATE_BUCKET_ENV, STATE_PREFIX } from '../../functions/probing/state';
import { decodeState } from '../../functions/probing/state/codec';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { type FakeS3, startFakeS3 } from '../fakes/s3';
import { captureIo } from '../helpers/io';
import {
  closedPort,
  hangBeforeHeaders,
  hugeBody,
  respond,
  startHttpServer,
  startHttpsServer,
  type TestServer,
  trickleBody,
} from '../helpers/servers';

const SECRET_TOKEN = 'probe-secret-token-4f9c2a';

const METRICS_PAGE = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
# TYPE http_requests_total counter
http_requests_total{method="GET",status="200"} 900
http_requests_total{method="GET",status="503"} 7
http_requests_total{method="POST",status="200"} 100
http_requests_total{method="POST",status="500"} 3
`;

let servers: TestServer[] = [];
let cloudwatch: FakeCloudWatch;
let s3: FakeS3;
const STATE_BUCKET = 'vigil-probe-state';
let restoreEnv: () => void;
let configFile: string;
let closed: number;

function lambdaContext(remainingMs = 30_000): Context {
  const started = Date.now();
  return {
    functionName: 'vigil-probe',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - started),
  } as unknown as Context;
}

beforeAll(async () => {
  const json = await startHttpServer((req, res) => {
    const body =
      req.url === '/leaking'
        ? { status: 'ok', goroutines: 5234, memory: { alloc_mb: 256.5 } }
        : { status: 'ok', goroutines: 1234, memory: { alloc_mb: 256 } };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  const metrics = await startHttpServer(
    respond(200, METRICS_PAGE, { 'content-type': 'text/plain; version=0.0.4' }),
  );
  const broken = await startHttpServer(respond(500, 'oops'));
  const garbage = await startHttpServer(
    respond(200, '\u0000\u0001{not json', { 'content-type': 'application/json' }),
  );
  const hang = await startHttpServer(hangBeforeHeaders());
  const trickle = await startHttpServer(trickleBody(100, 200));
  const huge = await startHttpServer(hugeBody({ bytes: 500 * 1024 * 1024, declareLength: false }));
  const tls = await startHttpsServer(respond(200, 'ok'));
  servers = [json, metrics, broken, garbage, hang, trickle, huge, tls];
  closed = await closedPort();
  cloudwatch = await startFakeCloudWatch();
  s3 = await startFakeS3([STATE_BUCKET]);
  restoreEnv = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url, S3: s3.url });
  process.env[STATE_BUCKET_ENV] = STATE_BUCKET;
  process.env.PROBE_TOKEN = SECRET_TOKEN;

  const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));
  configFile = join(dir, 'vigil.yml');
  writeFileSync(
    configFile,
    `namespace: VigilTest
probe:
  timeout: 800ms
  maxBodySize: 1MB
targets:
  - name: one-api
    url: ${json.url}/health
    type: json
    headers:
      Authorization: Bearer \${env:PROBE_TOKEN}
    expect:
      status: 200
      conditions:
        - $.status == "ok"
    metrics:
      - name: Goroutines
        path: $.goroutines
        unit: Count
      - name: MemoryAllocMB
        path: $.memory.alloc_mb
        unit: Megabytes
  - name: leaking
    url: ${json.url}/leaking
    type: json
    expect:
      conditions:
        - $.goroutines < 5000
    metrics:
      - name: Goroutines
        path: $.goroutines
  - name: mall-go
    url: ${metrics.url}/metrics
    type: prometheus
    metrics:
      - name: GoGoroutines
        query: go_goroutines
      - name: Http5xx
        query: sum(http_requests_total{status=~"5.."})
      - name: RequestsByMethod
        query: sum by (method) (http_requests_total)
      - name: RequestRate
        query: sum(rate(http_requests_total[5m]))
  - name: broken
    url: ${broken.url}/
  - name: garbage
    url: ${garbage.url}/
    type: json
  - name: hangs
    url: ${hang.url}/
  - name: trickles
    url: ${trickle.url}/
  - name: huge
    url: ${huge.url}/
  - name: refused
    url: http://127.0.0.1:${closed}/?token=\${env:PROBE_TOKEN}
  - name: selfsigned
    url: ${tls.url}/
  - name: selfsigned-allowed
    url: ${tls.url}/
    insecureSkipVerify: true
`,
  );
  process.env.VIGIL_CONFIG = configFile;
  // The round's lease (fanout/lease.ts) in a directory of this run's own.
  process.env.VIGIL_STATE_DIR = mkdtempSync(join(tmpdir(), 'vigil-probe-state-'));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await cloudwatch.close();
  await s3.close();
  restoreEnv();
  delete process.env[STATE_BUCKET_ENV];
  delete process.env.PROBE_TOKEN;
  delete process.env.VIGIL_CONFIG;
  delete process.env.VIGIL_STATE_DIR;
});

function datum(metric: string, target: string, extra: Record<string, string> = {}) {
  const found = cloudwatch.datums.filter(
    (d) =>
      d.MetricName === metric &&
      d.Dimensions.some((dim) => dim.Name === 'Target' && dim.Value === target) &&
      Object.entries(extra).every(([name, value]) =>
        d.Dimensions.some((dim) => dim.Name === name && dim.Value === value),
      ),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('probe Lambda', () => {
  let summary: Extract<Awaited<ReturnType<typeof handler>>, { failures: unknown }>;
  let logs: string;

  beforeAll(async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      summary = (await handler({ source: 'aws.scheduler' }, lambdaContext())) as typeof summary;
    } finally {
      spy.mockRestore();
    }
    logs = writes.join('');
  });

  it.each([
    ['one-api', undefined],
    ['leaking', 'condition'],
    ['mall-go', undefined],
    ['broken', 'status'],
    ['garbage', 'parse'],
    ['hangs', 'timeout'],
    ['trickles', 'timeout'],
    ['huge', 'body-too-large'],
    ['refused', 'connect'],
    ['selfsigned', 'tls'],
    ['selfsigned-allowed', undefined],
  ])('%s ends with reason %s', (target, reason) => {
    const failure = summary.failures.find((f) => f.target === target);
    expect(failure?.reason).toBe(reason);
    expect(datum('ProbeSuccess', target).Value).toBe(reason === undefined ? 1 : 0);
  });

  it('keeps the rate state in the bucket: the first round has no rate (a warning, the target up), its samples kept', () => {
    expect(summary.failures.find((failure) => failure.target === 'mall-go')).toBeUndefined();
    expect(summary.warnings).toContain(
      'mall-go: RequestRate: sum(rate(http_requests_total[5m])) has no value yet (its 5m window holds this round only; it needs two samples)',
    );
    expect(cloudwatch.datums.some((d) => d.MetricName === 'RequestRate')).toBe(false);
    const object = s3.objects(STATE_BUCKET).get(`${STATE_PREFIX}round.json.gz`);
    expect(object).toBeDefined();
    const state = decodeState(object!.body);
    expect(state.targets['mall-go']?.series.map((series) => series.labels.status).sort()).toEqual([
      '200',
      '200',
      '500',
      '503',
    ]);
    expect(summary.state).toMatchObject({ shard: 'round', written: true, attempts: 1 });
  });

  it('says what was seen when a condition fails', () => {
    expect(summary.failures.find((f) => f.target === 'leaking')?.detail).toBe('$.goroutines (5234) < 5000');
  });

  it('publishes extracted JSON values and PromQL series with their dimensions', () => {
    expect(datum('Goroutines', 'one-api')).toMatchObject({
      Value: 1234,
      Unit: 'Count',
      Namespace: 'VigilTest',
    });
    expect(datum('MemoryAllocMB', 'one-api')).toMatchObject({ Value: 256, Unit: 'Megabytes' });
    expect(datum('GoGoroutines', 'mall-go').Value).toBe(42);
    expect(datum('Http5xx', 'mall-go').Value).toBe(10);
    expect(datum('RequestsByMethod', 'mall-go', { method: 'GET' }).Value).toBe(907);
    expect(datum('RequestsByMethod', 'mall-go', { method: 'POST' }).Value).toBe(103);
  });

  it('publishes the standard metrics with the probe time as timestamp', () => {
    const success = datum('ProbeSuccess', 'one-api');
    for (const metric of [
      'ProbeDuration',
      'HttpStatusCode',
      'ConnectTime',
      'TimeToFirstByte',
      'TransferTime',
    ]) {
      expect(datum(metric, 'one-api').Timestamp).toEqual(success.Timestamp);
    }
    expect(datum('HttpStatusCode', 'broken').Value).toBe(500);
    expect(datum('CertExpiryDays', 'selfsigned-allowed').Value).toBeGreaterThan(365);
  });

  it('respects the PutMetricData limits in every request', () => {
    expect(cloudwatch.rejected).toEqual([]);
    for (const request of cloudwatch.requests) {
      expect(request.datums.length).toBeLessThanOrEqual(1000);
      expect(request.bodyBytes).toBeLessThanOrEqual(1_000_000);
    }
    expect(summary.publish).toMatchObject({ viaEmf: 0, failed: [] });
    expect(summary.publish?.sent).toBe(cloudwatch.datums.length);
  });

  it('sends the configured header and identifies itself', () => {
    const request = servers[0]!.requests.find((r) => r.url === '/health')!;
    expect(request.headers.authorization).toBe(`Bearer ${SECRET_TOKEN}`);
    expect(request.headers['user-agent']).toMatch(/^vigil\/\d+\.\d+\.\d+/);
  });

  it('never logs or returns a resolved secret', () => {
    expect(logs).toContain('probe round done');
    expect(logs).not.toContain(SECRET_TOKEN);
    expect(JSON.stringify(summary)).not.toContain(SECRET_TOKEN);
  });
});

describe('vigil probe CLI', () => {
  it('--publish --json sends the same metrics as the Lambda and exits 0 though targets are down', async () => {
    cloudwatch.reset();
    const { io: streams, out } = captureIo();
    const code = await main(
      ['probe', '--config', configFile, '--publish', '--json', '--target', 'one-api', '--target', 'broken'],
      streams,
    );
    expect(code).toBe(0);
    const printed = JSON.parse(out());
    expect(printed.summary).toMatchObject({ targets: 2, up: 1, down: 1 });
    expect(datum('ProbeSuccess', 'one-api').Value).toBe(1);
    expect(datum('ProbeSuccess', 'broken').Value).toBe(0);
    expect(cloudwatch.datums.some((d) => d.Dimensions.some((dim) => dim.Value === 'mall-go'))).toBe(false);
  });

  it('prints a table without --json', async () => {
    const { io: streams, out } = captureIo();
    expect(await main(['probe', '--config', configFile, '--target', 'leaking'], streams)).toBe(0);
    expect(out()).toMatch(/TARGET\s+UP\s+REASON/);
    expect(out()).toMatch(/leaking\s+DOWN\s+condition/);
    expect(out()).toContain('$.goroutines (5234) < 5000');
  });

  it.each([
    [['probe', '--config', '/nonexistent.yml'], /file not found/],
    [['probe', '--target', 'nope'], /unknown target nope/],
    [['probe', '--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 with a reason', async (argv, reason) => {
    const { io: streams, err } = captureIo();
    expect(await main(argv, streams)).toBe(2);
    expect(err()).toMatch(reason);
  });

  it('--help documents the command', async () => {
    const { io: streams, out } = captureIo();
    expect(await main(['probe', '--help'], streams)).toBe(0);
    expect(out()).toContain('Usage: vigil probe');
  });
});
