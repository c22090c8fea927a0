/**
 * `vigil status` against loopback CloudWatch and SQS, through the SDK's standard configuration (the env the fakes
 * set): the alarms are the ones `vigil infra render` generates for the config, put into the fake as CloudFormation
 * would create them; the probe metrics come from a real probe round published with PutMetricData.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { main } from '../../functions/cli/main';
import { loadConfig } from '../../functions/config/load';
import { cloudWatchPublisher, probeAndPublish } from '../../functions/probing/cycle';
import { resources } from '../../infra/resources';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { type FakeSqs, startFakeSqs } from '../fakes/sqs';
import { captureIo } from '../helpers/io';
import { closedPort, startHttpServer, type TestServer } from '../helpers/servers';

const STAGE = 'dev';
const DEAD_LETTER_QUEUE = 'vigil-dev-dead-letters';

let cloudwatch: FakeCloudWatch;
let sqs: FakeSqs;
let healthy: TestServer;
let restoreEnv: () => void;
let configFile: string;

beforeAll(async () => {
  cloudwatch = await startFakeCloudWatch();
  sqs = await startFakeSqs({ queues: [DEAD_LETTER_QUEUE] });
  restoreEnv = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url, SQS: sqs.url });
  healthy = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
  configFile = join(dir, 'vigil.yml');
  writeFileSync(
    configFile,
    `namespace: Vigil
targets:
  - { name: shop, url: "${healthy.url}/", type: http }
  - { name: billing, url: "http://127.0.0.1:${await closedPort()}/", type: http }
channels:
  ops-slack: { type: slack, url: "https://hooks.slack.com/services/T000/B000/secret-part" }
routes:
  - channels: [ops-slack]
`,
  );
  const config = loadConfig(configFile);
  // The stack's alarms, as CloudFormation creates them from `vigil infra render`.
  const template = resources(config, { stage: STAGE, region: 'us-east-1' });
  for (const resource of Object.values(template.Resources ?? {}) as {
    Type: string;
    Properties: Record<string, unknown>;
  }[]) {
    if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
    const properties = resource.Properties as {
      AlarmName: string;
      AlarmDescription?: string;
      MetricName?: string;
      Namespace?: string;
    };
    cloudwatch.putAlarm({
      AlarmName: properties.AlarmName,
      ...(properties.AlarmDescription ? { AlarmDescription: properties.AlarmDescription } : {}),
      ...(properties.MetricName ? { MetricName: properties.MetricName } : {}),
      ...(properties.Namespace ? { Namespace: properties.Namespace } : {}),
    });
    cloudwatch.setAlarmState(properties.AlarmName, 'OK', 'Threshold Crossed: no datapoint was breaching');
  }
  // A real round: shop answers, billing refuses the connection.
  await probeAndPublish(config, { publisher: cloudWatchPublisher(config) });
  await new CloudWatchClient({}).send(
    new PutMetricDataCommand({
      Namespace: 'Vigil',
      MetricData: [
        {
          MetricName: 'NotificationsFailed',
          Dimensions: [
            { Name: 'service', Value: 'vigil-webhook' },
            { Name: 'Channel', Value: 'ops-slack' },
          ],
          Value: 2,
          Unit: 'Count',
          Timestamp: new Date(),
        },
      ],
    }),
  );
  const client = new SQSClient({});
  for (const body of ['{"one":1}', '{"two":2}'])
    await client.send(
      new SendMessageCommand({ QueueUrl: sqs.queueUrl(DEAD_LETTER_QUEUE), MessageBody: body }),
    );
});

afterAll(async () => {
  restoreEnv();
  await Promise.all([cloudwatch.close(), sqs.close(), healthy.close()]);
});

async function status(...flags: string[]) {
  const { io, out, err } = captureIo({ ...process.env, NO_COLOR: '1' });
  const code = await main(['status', '--config', configFile, ...flags], io);
  return { code, out: out(), err: err() };
}

describe('vigil status', () => {
  it('exits 0 with nothing firing, and reports every target, failed notifications and dead letters', async () => {
    const { code, out } = await status('--json');
    const report = JSON.parse(out);

    expect(code).toBe(0);
    expect(report.alarms.firing).toEqual([]);
    expect(report.alarms.states.OK).toBe(report.alarms.total);
    expect(report.targets).toEqual([
      expect.objectContaining({ target: 'shop', success: 1, latencyMs: expect.any(Number) }),
      expect.objectContaining({ target: 'billing', success: 0 }),
    ]);
    expect(report.notifications.failed).toEqual({ 'ops-slack': 2 });
    expect(report.deadLetters).toEqual({ queue: DEAD_LETTER_QUEUE, waiting: 2, inFlight: 0 });
    expect(report.problems).toEqual([]);
    expect(cloudwatch.operations).toEqual(expect.arrayContaining(['DescribeAlarms', 'GetMetricData']));
  });

  it('exits 1 when an alarm fires, listing it first by severity in a table', async () => {
    cloudwatch.setAlarmState(
      'vigil-dev-billing-down-critical',
      'ALARM',
      'Threshold Crossed: 3 datapoints were less than 1',
    );

    const { code, out } = await status();

    expect(code).toBe(1);
    expect(out).toMatch(/vigil-dev-\* in us-east-1: \d+ alarm\(s\), 1 firing/);
    expect(out).toMatch(/FIRING\s+SEVERITY\s+TARGET\s+METRIC\s+SINCE\s+REASON/);
    expect(out).toMatch(/vigil-dev-billing-down-critical\s+critical\s+billing\s+ProbeSuccess/);
    expect(out).toMatch(/billing\s+-\s+down/);
    expect(out).toContain('notifications failed (last 60 min): ops-slack 2');
    expect(out).toContain(
      `dead letters waiting in ${DEAD_LETTER_QUEUE}: 2 (replay with vigil replay --queue ${DEAD_LETTER_QUEUE})`,
    );
    cloudwatch.setAlarmState('vigil-dev-billing-down-critical', 'OK', 'recovered');
  });

  it('reads every page of alarms (DescribeAlarms returns at most 100 at a time)', async () => {
    for (let index = 0; index < 120; index++)
      cloudwatch.putAlarm({ AlarmName: `vigil-dev-extra-${index}-warning` });
    cloudwatch.setAlarmState('vigil-dev-extra-117-warning', 'ALARM', 'breaching');

    const { code, out } = await status('--json');
    const report = JSON.parse(out);

    expect(code).toBe(1);
    expect(report.alarms.states.INSUFFICIENT_DATA).toBe(119);
    expect(report.alarms.firing).toEqual([
      expect.objectContaining({ name: 'vigil-dev-extra-117-warning', severity: 'warning' }),
    ]);
    cloudwatch.setAlarmState('vigil-dev-extra-117-warning', 'OK', 'fine');
  });

  it('exits 1 and says what it could not read, showing the rest', async () => {
    const { code, out } = await status('--stage', 'prod');

    expect(code).toBe(1);
    expect(out).toContain('vigil-prod-* in us-east-1: 0 alarm(s)');
    expect(out).toContain('could not read dead-letter queue vigil-prod-dead-letters: QueueDoesNotExist');
  });

  it.each([
    ['an unknown flag', ['--frobnicate'], "Unknown option '--frobnicate'"],
    ['a missing config', ['--config', '/nonexistent/vigil.yml'], 'vigil.yml'],
  ])('exits 2 on %s', async (_name, flags, message) => {
    const { io, err } = captureIo({ ...process.env, NO_COLOR: '1' });

    const code = await main(['status', ...flags], io);

    expect(code).toBe(2);
    expect(err()).toContain(message);
  });
});
