/**
 * `alarms.mode: self` and `publish:` in what infra/ generates and what reaches CloudWatch: no per-target alarm in
 * the template (vigil's own stay), the probe's rights and environment, dashboards of what is published only, the
 * datums the selection sends, and the config problems it refuses.
 */
import { join } from 'node:path';
import { parseConfig } from '../../../functions/config/load';
import type { Datum } from '../../../functions/metrics/datums';
import { selectDatums, selectionIssues } from '../../../functions/metrics/selection';
import { PROBE_ROLE_ID } from '../../../infra/iam';
import { deploymentSettings, resources } from '../../../infra/resources';
import { validateTemplate } from '../../../infra/validate-template';
import { OPTIONS, OSLS_OWNED_REFERENCE, ofType, statementsOf } from './helpers';

const TARGETS = `targets:
  - name: api
    url: https://example.com/health
    type: json
    metrics:
      - { name: Queue, path: $.queue, thresholds: { warning: "> 10", critical: "> 50" } }
  - { name: web, url: https://example.com/ }
`;

describe('self-evaluated alarms in the template', () => {
  const self = parseConfig(`alarms: { mode: self }\npublish: { metrics: [ProbeSuccess] }\n${TARGETS}`);
  const template = resources(self, OPTIONS);
  const names = ofType(template.Resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) =>
    String(alarm.Properties.AlarmName),
  );

  it('holds vigil’s own alarms and none per target', () => {
    expect(names).toContain('vigil-dev-probe-stalled-critical');
    expect(names.filter((name) => /-(api|web)-/.test(name))).toEqual([]);
    const cloudwatch = resources(parseConfig(TARGETS), OPTIONS);
    expect(ofType(cloudwatch.Resources, 'AWS::CloudWatch::Alarm').length - names.length).toBe(4);
  });

  it('lets the probe publish to the alerts topic and keep alarm state, and tells it where', () => {
    const actions = statementsOf(template.Resources[PROBE_ROLE_ID]).flatMap((statement) =>
      [statement.Action].flat(),
    );
    expect(actions).toEqual(expect.arrayContaining(['sns:Publish', 'dynamodb:UpdateItem', 'dynamodb:Query']));
    expect(deploymentSettings(self, OPTIONS)).toMatchObject({
      selfAlarmsTopicArn: { Ref: 'VigilAlertsTopic' },
      selfAlarmsTable: 'vigil-dev-alert-state',
    });
    const cloudwatch = parseConfig(TARGETS);
    expect(deploymentSettings(cloudwatch, OPTIONS)).toMatchObject({
      selfAlarmsTopicArn: '',
      selfAlarmsTable: '',
    });
    expect(
      statementsOf(resources(cloudwatch, OPTIONS).Resources[PROBE_ROLE_ID]).flatMap((s) => [s.Action].flat()),
    ).not.toContain('sns:Publish');
  });

  it('graphs only what is published', () => {
    const [, dashboard] = ofType(template.Resources, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toMatch(/success rate/);
    expect(body).not.toMatch(/duration by phase|Queue/);
  });

  it('graphs only what is published from several locations too', () => {
    const located = parseConfig(
      `probe: { locations: [us-east-1, eu-west-1] }\npublish: { metrics: [ProbeSuccess] }\nalarms: { down: { enabled: true } }\n${TARGETS.replace(/thresholds: \{[^}]*\} /, '')}`,
    );
    const body = ofType(resources(located, OPTIONS).Resources, 'AWS::CloudWatch::Dashboard')
      .map(([, dashboard]) => JSON.stringify(dashboard.Properties.DashboardBody))
      .join('\n');
    expect(body).toMatch(/success rate by location/);
    expect(body).not.toMatch(/duration by location/);
  });

  it('passes the resource specification', () => {
    const problems = validateTemplate(template);
    expect(problems.filter((problem) => !OSLS_OWNED_REFERENCE.test(problem.message))).toEqual([]);
  });
});

describe('what reaches CloudWatch', () => {
  const at = new Date('2026-12-01T10:00:05Z');
  const datum = (MetricName: string, Value: number, target?: string): Datum => ({
    MetricName,
    Dimensions: target ? [{ Name: 'Target', Value: target }] : [{ Name: 'Probe', Value: 'vigil-dev-probe' }],
    Timestamp: at,
    Value,
    Unit: 'Count',
  });
  const round = [
    datum('ProbeSuccess', 1, 'api'),
    datum('ProbeDuration', 12, 'api'),
    datum('ProbeSuccess', 0, 'web'),
    datum('Queue', 7, 'api'),
    datum('ProbeHeartbeat', 1),
  ];
  const names = (datums: Datum[]) => datums.map((each) => `${each.MetricName}=${each.Value}`);

  it.each([
    [
      'all',
      { via: 'cloudwatch', metrics: 'all', aggregates: false },
      ['ProbeSuccess=1', 'ProbeDuration=12', 'ProbeSuccess=0', 'Queue=7', 'ProbeHeartbeat=1'],
    ],
    ['a list', { via: 'cloudwatch', metrics: ['Queue'], aggregates: false }, ['Queue=7', 'ProbeHeartbeat=1']],
    [
      'none, with the aggregates',
      { via: 'cloudwatch', metrics: 'none', aggregates: true },
      ['ProbeHeartbeat=1', 'TargetsUp=1', 'TargetsDown=1'],
    ],
  ] as const)('publish.metrics %s', (_name, publish, expected) => {
    const selected = selectDatums(
      {
        ...publish,
        metrics:
          publish.metrics === 'all' || publish.metrics === 'none' ? publish.metrics : [...publish.metrics],
      },
      round,
    );
    expect(names(selected)).toEqual(expected);
  });

  it('sends no aggregates for a one-off round (no heartbeat: nothing to count a fleet by)', () => {
    expect(selectDatums({ via: 'cloudwatch', metrics: 'none', aggregates: true }, round.slice(0, 4))).toEqual(
      [],
    );
  });

  it.each([
    [
      'an unknown metric name',
      `publish: { metrics: [ProbeSucess] }\n${TARGETS}`,
      'publish.metrics[0]',
      /"ProbeSucess" is not a metric vigil publishes/,
    ],
    [
      'CloudWatch alarms on a metric left out',
      `publish: { metrics: [ProbeSuccess] }\n${TARGETS}`,
      'publish.metrics',
      /thresholds alarms on Queue, which publish\.metrics leaves out/,
    ],
    [
      'the down alarm without ProbeSuccess',
      `publish: { metrics: none }\n${TARGETS}`,
      'publish.metrics',
      /alarms\.down alarms on ProbeSuccess/,
    ],
    [
      'self mode with locations',
      `alarms: { mode: self }\nprobe: { locations: [us-east-1, eu-west-1] }\n${TARGETS}`,
      'alarms.mode',
      /quorum over probe\.locations/,
    ],
  ])('refuses %s', (_name, yaml, path, message) => {
    const issues = selectionIssues(parseConfig(yaml));
    expect(issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });

  // The issue's rule file (test/fixtures/rules/), beside a config in test/fixtures.
  const RULES_CONFIG = join(__dirname, '../../fixtures/selection.yml');
  const RULE_TARGET = `targets:
  - { name: mall-go, url: "http://127.0.0.1:3000/metrics", type: prometheus, rules: rules/mall_go_rules.yml }
`;

  it.each([
    [
      "a rule file's alarms without their metrics",
      `publish: { metrics: [ProbeSuccess] }\n${RULE_TARGET}`,
      /targets\[0\]\.rules alarms on \w+, which publish\.metrics leaves out/,
    ],
    [
      "a rule file's up == 0 without ProbeSuccess, alarms.down off",
      `alarms: { down: { enabled: false } }\npublish: { metrics: none }\n${RULE_TARGET}`,
      /targets\[0\]\.rules \(ServiceDown\) alarms on ProbeSuccess/,
    ],
  ])('refuses %s (CloudWatch alarms)', (_name, yaml, message) => {
    const issues = selectionIssues(parseConfig(yaml, RULES_CONFIG));
    expect(issues).toEqual(
      expect.arrayContaining([{ path: 'publish.metrics', message: expect.stringMatching(message) }]),
    );
  });

  it("accepts a rule file's metrics by name in publish.metrics, and then its alarms are fed", () => {
    const config = parseConfig(`publish: { metrics: [ProbeSuccess] }\n${RULE_TARGET}`, RULES_CONFIG);
    const ruleMetrics =
      config.targets[0]?.type === 'prometheus' ? (config.targets[0].rules?.metrics ?? []) : [];
    expect(ruleMetrics.length).toBeGreaterThan(3);
    const listed = parseConfig(
      `publish: { metrics: [ProbeSuccess, ${ruleMetrics.map((metric) => metric.name).join(', ')}] }\n${RULE_TARGET}`,
      RULES_CONFIG,
    );
    expect(selectionIssues(listed)).toEqual([]);
  });

  it('accepts self mode publishing nothing per target', () => {
    expect(
      selectionIssues(parseConfig(`alarms: { mode: self }\npublish: { metrics: none }\n${TARGETS}`)),
    ).toEqual([]);
  });
});
