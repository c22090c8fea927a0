// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ssm:..} are vigil's secret placeholders, not templates
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../functions/cli/main';
import { parseConfig } from '../../../functions/config/load';
import { deployWarnings, infraIssues } from '../../../infra/issues';
import { resources } from '../../../infra/resources';
import { jsonTargets, OPTIONS } from './helpers';

describe('deployment problems the schema cannot see', () => {
  it.each([
    [
      'a schedule EventBridge Scheduler cannot run',
      jsonTargets(1, '[]', 'probe: { schedule: 90s }'),
      'probe.schedule',
      /whole minutes/,
    ],
    [
      'an SNS topic given as a placeholder (IAM needs the ARN)',
      jsonTargets(1, '[]', 'channels:\n  pager: { type: sns, topicArn: "${ssm:/vigil/topic}" }'),
      'channels.pager.topicArn',
      /write the ARN itself/,
    ],
    [
      'more alarms than a stack can hold',
      jsonTargets(170, '[{ name: M, path: $.m, thresholds: { warning: "> 1", critical: "> 2" } }]'),
      'targets',
      /CloudFormation resources .* over the limit of 500/,
    ],
    [
      'an alarm window CloudWatch refuses',
      jsonTargets(1, '[{ name: M, path: $.m, thresholds: { warning: { when: "> 1", of: 2000 } } }]'),
      'targets[0].metrics[0].thresholds.warning.of',
      /over the 86400s limit/,
    ],
    [
      'two alarms with one name',
      parseConfig(`
targets:
  - { name: a-b, url: "http://127.0.0.1/", type: json, metrics: [{ name: c, path: $.c, thresholds: { warning: "> 1" } }] }
  - { name: a, url: "http://127.0.0.1/", type: json, metrics: [{ name: b-c, path: $.c, thresholds: { warning: "> 1" } }] }
`),
      'targets[1].metrics[0].thresholds.warning',
      /is also generated for targets\[0\]/,
    ],
    [
      'a target alarm named like an alarm on vigil itself',
      parseConfig(`
targets:
  - { name: probe, url: "http://127.0.0.1/", type: json, metrics: [{ name: stalled, path: $.s, thresholds: { critical: "> 1" } }] }
`),
      'targets[0].metrics[0].thresholds.critical',
      /"vigil-dev-probe-stalled-critical" is also generated for an alarm on vigil itself/,
    ],
  ])('reports %s at its path', (_name, config, path, message) => {
    expect(infraIssues(config, OPTIONS)).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('refuses the repo example only for its open intake: it runs locally (with a warning), not deployed as is', () => {
    const config = parseConfig(readFileSync(join(__dirname, '../../../vigil.yml'), 'utf8'));
    expect(infraIssues(config, OPTIONS)).toEqual([
      { path: 'webhook', message: expect.stringMatching(/^neither token nor hmacSecret is set/) },
    ]);
  });

  it.each([
    ['a token', 'webhook: { token: "${ssm:/vigil/token}" }', []],
    ['an HMAC secret', 'webhook: { hmacSecret: "${env:GRAFANA_SECRET}" }', []],
    ['public: true, on purpose', 'webhook: { public: true }', []],
    ['nothing', '', ['webhook']],
    ['public: false', 'webhook: { public: false }', ['webhook']],
  ])('an intake with %s is %s', (_name, extra, paths) => {
    const config = jsonTargets(1, '[]', extra);
    expect(infraIssues(config, OPTIONS).map((issue) => issue.path)).toEqual(paths);
  });
});

describe('deployment warnings (reported, not refused)', () => {
  it.each([
    ['http://127.0.0.1:3000/health', 'a loopback address'],
    ['http://127.8.9.10/', 'a loopback address'],
    ['http://localhost:8080/', 'a loopback name'],
    ['http://api.localhost/', 'a loopback name'],
    ['http://[::1]:9100/metrics', 'a loopback address'],
    ['http://169.254.169.254/latest/meta-data/', 'a link-local address'],
    ['http://[fe80::1]/', 'a link-local address'],
  ])('%s is %s', (url, what) => {
    const config = parseConfig(
      `targets:\n  - { name: api, url: "${url}", allowLinkLocal: true }\nroutes: [{ channels: [console] }]\n`,
    );
    expect(deployWarnings(config)).toEqual([
      { path: 'targets[0].url', message: expect.stringContaining(`is ${what}: deployed, the probe Lambda`) },
    ]);
  });

  it.each([
    ['https://api.example.com/health'],
    ['http://10.0.0.5/'],
    ['http://[2001:db8::1]/'],
    ['${ssm:/vigil/api-url}'],
  ])('%s may be reachable from Lambda: no warning', (url) => {
    const config = parseConfig(`targets:\n  - { name: api, url: "${url}" }\nalerts: { meta: [console] }\n`);
    expect(deployWarnings(config)).toEqual([]);
  });

  it('says where an ${env:…} would be read from the Lambda environment, which vigil does not fill', () => {
    const config = parseConfig(
      'targets:\n  - { name: api, url: "${env:API_URL}" }\nalerts: { meta: [console] }\nchannels:\n  ops: { type: slack, url: "${env:SLACK_WEBHOOK_URL}" }\nroutes: [{ channels: [ops] }]\n',
    );
    expect(deployWarnings(config)).toEqual([
      {
        path: 'targets[0].url',
        message: expect.stringMatching(/^\$\{env:API_URL\} is read from the Lambda's environment/),
      },
      {
        path: 'channels.ops.url',
        message: expect.stringMatching(
          /add SLACK_WEBHOOK_URL to the functions' environment in serverless\.yml, or use \$\{ssm:/,
        ),
      },
    ]);
  });

  it('says when the alarms on vigil itself would reach nobody (no routes, no alerts.meta)', () => {
    expect(deployWarnings(parseConfig('targets: []\n'))).toEqual([
      { path: 'alerts.meta', message: expect.stringMatching(/would reach nobody/) },
    ]);
    expect(deployWarnings(parseConfig('routes: [{ channels: [console] }]\n'))).toEqual([]);
  });

  it('vigil validate on the repo example: exit 2, naming the open intake and the way out', async () => {
    const { io: streams, err } = io();
    expect(await main(['validate', '--config', join(__dirname, '../../../vigil.yml')], streams)).toBe(2);
    expect(err()).toMatch(/webhook: neither token nor hmacSecret is set: .* or webhook\.public: true/);
  });

  it('vigil validate prints them and still exits 0', async () => {
    const file = configFile(
      'webhook: { token: "${env:T}" }\nroutes: [{ channels: [console] }]\ntargets: [{ name: a, url: "http://127.0.0.1:3000/" }]\n',
    );
    const { io: streams, out, err } = io();
    expect(await main(['validate', '--config', file], streams)).toBe(0);
    expect(out()).toMatch(/is valid/);
    expect(err()).toMatch(/warning: targets\[0\]\.url: 127\.0\.0\.1 is a loopback address/);
  });
});

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const read = (stream: PassThrough) => () => String(stream.read() ?? '');
  return { io: { stdout, stderr, env: {} }, out: read(stdout), err: read(stderr) };
}

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-infra-')), 'vigil.yml');
  writeFileSync(file, text);
  return file;
}

describe('vigil infra render', () => {
  it('prints exactly the generated resources as JSON', async () => {
    const file = join(__dirname, 'fixtures/vigil.yml');
    const { io: streams, out } = io();
    const code = await main(
      ['infra', 'render', '--config', file, '--stage', 'dev', '--region', 'eu-west-1'],
      streams,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out())).toEqual(resources(parseConfig(readFileSync(file, 'utf8')), OPTIONS));
  });

  it('renders a rule file’s alarms and dashboard widgets', async () => {
    const rules = join(__dirname, '../../fixtures/rules/mall_go_rules.yml');
    const file = configFile(
      `webhook: { token: t }\ntargets:\n  - { name: mall-go, url: "http://10.0.0.7:8080/metrics", type: prometheus, rules: ${JSON.stringify(rules)} }\n`,
    );
    const { io: streams, out } = io();
    expect(
      await main(['infra', 'render', '--config', file, '--stage', 'dev', '--region', 'eu-west-1'], streams),
    ).toBe(0);
    const rendered = JSON.parse(out()) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const alarms = Object.values(rendered.Resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => resource.Properties);
    const qps = alarms.find((alarm) => alarm.AlarmName === 'vigil-dev-mall-go-HighQPS-critical');
    expect(qps).toMatchObject({
      DatapointsToAlarm: 2,
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
      Threshold: 5000,
    });
    expect(JSON.stringify(qps?.Metrics)).toContain(
      `SELECT MAX(\\"HighQPS\\") FROM \\"Vigil\\" WHERE Target = 'mall-go'`,
    );
    expect(alarms.find((alarm) => alarm.AlarmName === 'vigil-dev-mall-go-down-critical')).toMatchObject({
      DatapointsToAlarm: 2,
      EvaluationPeriods: 2,
    });
    const dashboards = JSON.stringify(
      Object.values(rendered.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard'),
    );
    expect(dashboards).toContain('mall-go: HighQPS (Count/Second)');
    expect(dashboards).toContain('mall-go: HighResponseTime (Seconds)');
  });

  it('exits 2 and lists deployment problems with their path', async () => {
    const file = configFile('probe: { schedule: 90s }\ntargets: [{ name: a, url: "http://127.0.0.1/" }]\n');
    const { io: streams, err } = io();
    expect(await main(['infra', 'render', '--config', file], streams)).toBe(2);
    expect(err()).toMatch(/probe\.schedule: 90000ms: EventBridge Scheduler runs the probe in whole minutes/);
  });

  it('exits 2 on a usage error', async () => {
    const { io: streams, err } = io();
    expect(await main(['infra', 'deploy'], streams)).toBe(2);
    expect(err()).toMatch(/expected: vigil infra render/);
  });
});

describe('vigil validate reports threshold mistakes with their path', () => {
  it.each([
    ['a comparison that is not one', 'warning: "> abc"', /thresholds\.warning.*"> abc" is not a comparison/],
    ['an unknown level', 'fatal: "> 1"', /thresholds.*unknown key "fatal"/],
    [
      'for greater than of',
      'critical: { when: "> 1", for: 3, of: 2 }',
      /thresholds\.critical.*for \(3\) must not exceed of \(2\)/,
    ],
  ])('%s', async (_name, level, message) => {
    const file = configFile(`targets:
  - name: api
    url: http://127.0.0.1:3000/health
    type: json
    metrics:
      - name: Goroutines
        path: $.goroutines
        thresholds:
          ${level}
`);
    const { io: streams, err } = io();
    expect(await main(['validate', '--config', file], streams)).toBe(2);
    const printed = err();
    expect(printed).toMatch(message);
    expect(printed).toMatch(/targets\[0\]\.metrics\[0\]\.thresholds/);
  });
});
