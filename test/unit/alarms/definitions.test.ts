import { join } from 'node:path';
import {
  ALARM_DESCRIPTION_MAX_CHARS,
  ALARM_NAME_MAX_CHARS,
  type AlarmDefinition,
  alarmDefinitions,
  alarmIssues,
  alarmName,
  matchesSelector,
  parseAlarmMeta,
} from '../../../functions/alarms/definitions';
import { loadConfig, parseConfig } from '../../../functions/config/load';

const options = { stage: 'dev', region: 'eu-west-1' };

function config(metricsYaml: string, extra = '') {
  return parseConfig(`
targets:
  - name: one-api
    url: http://127.0.0.1:3000/health
    type: json
    metrics:
${metricsYaml}
${extra}`);
}

function only(definitions: AlarmDefinition[], severity: string, kind = 'threshold') {
  const found = definitions.filter(
    (definition) => definition.kind === kind && definition.severity === severity,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('alarm definitions', () => {
  it.each([
    ['"> 2000"', 'GreaterThanThreshold', 2000, 1, 1, 'ignore', 'Maximum'],
    ['">= 5"', 'GreaterThanOrEqualToThreshold', 5, 1, 1, 'ignore', 'Maximum'],
    ['"< 0.5"', 'LessThanThreshold', 0.5, 1, 1, 'ignore', 'Minimum'],
    ['"<= -1"', 'LessThanOrEqualToThreshold', -1, 1, 1, 'ignore', 'Minimum'],
    ['{ when: "> 5000", for: 3, of: 5 }', 'GreaterThanThreshold', 5000, 3, 5, 'ignore', 'Maximum'],
    ['{ when: "> 5000", for: 2 }', 'GreaterThanThreshold', 5000, 2, 2, 'ignore', 'Maximum'],
    ['{ when: "> 1", missing: notBreaching }', 'GreaterThanThreshold', 1, 1, 1, 'notBreaching', 'Maximum'],
    ['{ when: "> 1", missing: missing }', 'GreaterThanThreshold', 1, 1, 1, 'missing', 'Maximum'],
  ])(
    'critical: %s → %s %d, %d of %d, missing=%s, %s',
    (level, operator, threshold, m, n, missing, statistic) => {
      const definitions = alarmDefinitions(
        config(`      - name: Goroutines
        path: $.goroutines
        thresholds:
          critical: ${level}`),
        options,
      );
      expect(only(definitions, 'critical')).toMatchObject({
        comparisonOperator: operator,
        threshold,
        datapointsToAlarm: m,
        evaluationPeriods: n,
        treatMissingData: missing,
        statistic,
        periodSeconds: 60,
        metric: {
          namespace: 'Vigil',
          metricName: 'Goroutines',
          dimensions: { Target: 'one-api' },
          series: 'exact',
        },
      });
    },
  );

  it('makes one alarm per level for the example config, named after the severity convention', () => {
    const definitions = alarmDefinitions(loadConfig(join(__dirname, '../../../vigil.yml')), options);
    expect(definitions.map((definition) => definition.name)).toEqual([
      'vigil-dev-one-api-down-critical',
      'vigil-dev-one-api-Goroutines-warning',
      'vigil-dev-one-api-Goroutines-critical',
      'vigil-dev-one-api-Goroutines-emergency',
      'vigil-dev-mall-go-down-critical',
      // The demo's rule file (examples/demo-service/rules.yml).
      'vigil-dev-mall-go-HighErrorRate-critical',
      'vigil-dev-mall-go-HighLatency-warning',
    ]);
  });

  it('writes a human sentence first and the vigil: line last', () => {
    const definitions = alarmDefinitions(loadConfig(join(__dirname, '../../../vigil.yml')), options);
    const critical = definitions.find(
      (definition) => definition.name === 'vigil-dev-one-api-Goroutines-critical',
    )!;
    const [sentence, ...rest] = critical.description.split('\n');
    expect(sentence).toMatch(/^Goroutines of one-api is greater than 5000 \(critical\)/);
    expect(rest).toHaveLength(1);
    expect(rest[0]).toBe(
      'vigil:{"severity":"critical","target":"one-api","metric":"Goroutines","dashboard":"https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/vigil-dev"}',
    );
    expect(parseAlarmMeta(critical.description)).toEqual({
      severity: 'critical',
      target: 'one-api',
      metric: 'Goroutines',
      dashboard: expect.stringContaining('#dashboards/dashboard/vigil-dev'),
    });
  });

  it("gives every target a down alarm: Minimum ProbeSuccess < 1, 2 of 3, missing data ignored (a silent probe is vigil's problem)", () => {
    const down = only(alarmDefinitions(config('      []'), options), 'critical', 'down');
    expect(down).toMatchObject({
      name: 'vigil-dev-one-api-down-critical',
      statistic: 'Minimum',
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      datapointsToAlarm: 2,
      evaluationPeriods: 3,
      treatMissingData: 'ignore',
      notify: 'alerts',
      metric: { metricName: 'ProbeSuccess', dimensions: { Target: 'one-api' }, series: 'exact' },
    });
    expect(down).not.toHaveProperty('warmUpMinutes');
    expect(down.description).toMatch(
      /^one-api is down \(critical\): its probe failed \(ProbeSuccess < 1\) in 2 of/,
    );
    expect(down.description).not.toMatch(/stopped reporting/);
    expect(parseAlarmMeta(down.description)).toMatchObject({
      severity: 'critical',
      target: 'one-api',
      metric: 'ProbeSuccess',
    });
  });

  it('takes the down alarm settings, a runbook and the period from the config', () => {
    const definitions = alarmDefinitions(
      config(
        '      []',
        `probe:
  schedule: 5m
alarms:
  down: { severity: emergency, for: 3, of: 4, missing: notBreaching }
  runbook: https://wiki.example.com/vigil`,
      ),
      options,
    );
    const down = only(definitions, 'emergency', 'down');
    expect(down).toMatchObject({
      name: 'vigil-dev-one-api-down-emergency',
      periodSeconds: 300,
      datapointsToAlarm: 3,
      evaluationPeriods: 4,
      treatMissingData: 'notBreaching',
    });
    expect(parseAlarmMeta(down.description)?.runbook).toBe('https://wiki.example.com/vigil');
  });

  it('switches the down alarm off', () => {
    expect(alarmDefinitions(config('      []', 'alarms:\n  down: { enabled: false }'), options)).toEqual([]);
  });

  it('alarms on every series of a labelled Prometheus metric through Metrics Insights', () => {
    const parsed = parseConfig(`
targets:
  - name: mall-go
    url: http://127.0.0.1:3000/metrics
    type: prometheus
    metrics:
      - name: RequestsByMethod
        query: sum by (method) (http_requests_total)
        thresholds: { warning: "> 100", critical: "< 1" }
      - name: Http5xx
        query: sum(http_requests_total{status=~"5.."})
        thresholds: { warning: "> 0" }
      - name: GoGoroutines
        query: go_goroutines
        thresholds: { warning: "> 10" }
`);
    const byName = Object.fromEntries(
      alarmDefinitions(parsed, options)
        .filter((definition) => definition.kind === 'threshold')
        .map((definition) => [definition.name, definition]),
    );
    expect(byName['vigil-dev-mall-go-RequestsByMethod-warning']).toMatchObject({
      metric: { series: 'all' },
      query: `SELECT MAX("RequestsByMethod") FROM "Vigil" WHERE Target = 'mall-go'`,
    });
    expect(byName['vigil-dev-mall-go-RequestsByMethod-critical']?.query).toBe(
      `SELECT MIN("RequestsByMethod") FROM "Vigil" WHERE Target = 'mall-go'`,
    );
    // An aggregation without `by` is one series with dimension Target only: a plain metric alarm.
    expect(byName['vigil-dev-mall-go-Http5xx-warning']).toMatchObject({ metric: { series: 'exact' } });
    expect(byName['vigil-dev-mall-go-Http5xx-warning']).not.toHaveProperty('query');
    // A bare selector keeps whatever labels its series have.
    expect(byName['vigil-dev-mall-go-GoGoroutines-warning']).toMatchObject({ metric: { series: 'all' } });
  });

  it('leaves the dashboard link out when dashboards are off', () => {
    const [down] = alarmDefinitions(config('      []', 'dashboard: { enabled: false }'), options);
    expect(parseAlarmMeta(down!.description)).toEqual({
      severity: 'critical',
      target: 'one-api',
      metric: 'ProbeSuccess',
    });
  });
});

describe('alarm names and descriptions stay within CloudWatch limits', () => {
  it('hash-shortens long names deterministically and keeps the severity suffix', () => {
    const long = alarmName('vigil', 'production', ['t'.repeat(100), 'm'.repeat(255)], 'warning');
    expect(long.length).toBe(ALARM_NAME_MAX_CHARS);
    expect(long).toMatch(/-[0-9a-f]{8}-warning$/);
    expect(alarmName('vigil', 'production', ['t'.repeat(100), 'm'.repeat(255)], 'warning')).toBe(long);
    expect(alarmName('vigil', 'production', ['t'.repeat(100), `${'m'.repeat(254)}n`], 'warning')).not.toBe(
      long,
    );
  });

  it('fits a description with the longest names into 1024 characters, vigil: line intact', () => {
    const definitions = alarmDefinitions(
      parseConfig(`
targets:
  - name: ${'t'.repeat(100)}
    url: http://127.0.0.1:3000/health
    type: json
    metrics:
      - name: ${'M'.repeat(255)}
        path: $.x
        thresholds: { warning: "> 1" }
alarms:
  runbook: https://wiki.example.com/${'r'.repeat(300)}
`),
      { stage: 'a-rather-long-stage-name', region: 'ap-southeast-2' },
    );
    for (const definition of definitions) {
      expect(definition.name.length).toBeLessThanOrEqual(ALARM_NAME_MAX_CHARS);
      expect(definition.description.length).toBeLessThanOrEqual(ALARM_DESCRIPTION_MAX_CHARS);
      expect(parseAlarmMeta(definition.description)).toMatchObject({ severity: definition.severity });
    }
  });
});

describe('alarm issues', () => {
  it('reports two alarms that would share a name, with the path', () => {
    const parsed = parseConfig(`
targets:
  - name: a-b
    url: http://127.0.0.1:3000/health
    type: json
    metrics: [{ name: c, path: $.c, thresholds: { warning: "> 1" } }]
  - name: a
    url: http://127.0.0.1:3000/health
    type: json
    metrics: [{ name: b-c, path: $.c, thresholds: { warning: "> 1" } }]
`);
    expect(alarmIssues(alarmDefinitions(parsed, options))).toEqual([
      {
        path: 'targets[1].metrics[0].thresholds.warning',
        message: expect.stringMatching(
          /alarm name "vigil-dev-a-b-c-warning" is also generated for targets\[0\]/,
        ),
      },
    ]);
  });

  it.each([
    [
      'a plain alarm over a day at 1-minute periods',
      'path: $.c',
      'of: 1441',
      'targets[0].metrics[0].thresholds.warning.of',
    ],
    [
      'a Metrics Insights alarm over 3 hours',
      'query: x',
      'of: 181',
      'targets[0].metrics[0].thresholds.warning.of',
    ],
  ])('reports %s', (_name, source, of, path) => {
    const type = source.startsWith('query') ? 'prometheus' : 'json';
    const parsed = parseConfig(`
targets:
  - name: t
    url: http://127.0.0.1:3000/health
    type: ${type}
    metrics: [{ name: c, ${source}, thresholds: { warning: { when: "> 1", ${of} } } }]
`);
    expect(alarmIssues(alarmDefinitions(parsed, options))).toEqual([
      { path, message: expect.stringMatching(/lower "of"/) },
    ]);
  });
});

describe('matching samples to the alarms that watch them', () => {
  const exact = {
    namespace: 'Vigil',
    metricName: 'G',
    dimensions: { Target: 't' },
    series: 'exact' as const,
  };
  const all = { ...exact, series: 'all' as const };
  it.each([
    ['exact: same series', exact, { metricName: 'G', dimensions: { Target: 't' } }, true],
    [
      'exact: a labelled series',
      exact,
      { metricName: 'G', dimensions: { Target: 't', method: 'GET' } },
      false,
    ],
    ['exact: other target', exact, { metricName: 'G', dimensions: { Target: 'u' } }, false],
    ['all: a labelled series', all, { metricName: 'G', dimensions: { Target: 't', method: 'GET' } }, true],
    ['all: other metric', all, { metricName: 'H', dimensions: { Target: 't' } }, false],
    ['all: other namespace', all, { namespace: 'X', metricName: 'G', dimensions: { Target: 't' } }, false],
  ])('%s → %s', (_name, selector, sample, expected) => {
    expect(matchesSelector(selector, sample)).toBe(expected);
  });
});

describe('alarms of Prometheus rule files', () => {
  const RULES = join(__dirname, '../../fixtures/rules/mall_go_rules.yml');
  const rulesConfig = (schedule = '1m') =>
    parseConfig(`probe: { schedule: ${schedule} }
targets:
  - name: mall-go
    url: http://127.0.0.1:8080/metrics
    type: prometheus
    rules: ${RULES}
`);

  it('makes one alarm per rule: its level, for: as M = N consecutive periods, missing data not breaching', () => {
    const definitions = alarmDefinitions(rulesConfig(), options);
    const summary = definitions.map((d) => [
      d.name,
      d.comparisonOperator,
      d.threshold,
      d.datapointsToAlarm,
      d.evaluationPeriods,
      d.treatMissingData,
      d.metric.series,
      d.rule,
    ]);
    expect(summary).toEqual([
      // up == 0 (for: 1m): the target's down alarm at the rule's severity; a silent probe is still ignored.
      ['vigil-dev-mall-go-down-critical', 'LessThanThreshold', 1, 2, 2, 'ignore', 'exact', 'ServiceDown'],
      [
        'vigil-dev-mall-go-HighQPS-warning',
        'GreaterThanThreshold',
        1000,
        3,
        3,
        'notBreaching',
        'all',
        'HighQPS',
      ],
      [
        'vigil-dev-mall-go-HighQPS-critical',
        'GreaterThanThreshold',
        5000,
        2,
        2,
        'notBreaching',
        'all',
        'CriticalQPS',
      ],
      [
        'vigil-dev-mall-go-HighResponseTime-warning',
        'GreaterThanThreshold',
        0.1,
        4,
        4,
        'notBreaching',
        'all',
        'HighResponseTime',
      ],
      [
        'vigil-dev-mall-go-HighErrorRate-critical',
        'GreaterThanThreshold',
        0.01,
        3,
        3,
        'notBreaching',
        'all',
        'HighErrorRate',
      ],
      [
        'vigil-dev-mall-go-DatabaseConnectionsHigh-warning',
        'GreaterThanThreshold',
        80,
        6,
        6,
        'notBreaching',
        'all',
        'DatabaseConnectionsHigh',
      ],
      [
        'vigil-dev-mall-go-HighMemoryUsage-warning',
        'GreaterThanThreshold',
        0.8,
        6,
        6,
        'notBreaching',
        'all',
        'HighMemoryUsage',
      ],
    ]);
    const qps = definitions[1]!;
    expect(qps.query).toBe(`SELECT MAX("HighQPS") FROM "Vigil" WHERE Target = 'mall-go'`);
    expect(qps.unit).toBe('Count/Second');
    expect(parseAlarmMeta(qps.description)).toMatchObject({
      rule: 'HighQPS',
      metric: 'HighQPS',
      severity: 'warning',
      target: 'mall-go',
    });
    expect(qps.description.split('\n')[0]).toMatch(
      /^Prometheus rule HighQPS: HighQPS of mall-go is greater than 1000/,
    );
  });

  it('counts periods at the schedule: at 2m, for: 5m is 4 periods', () => {
    const memory = alarmDefinitions(rulesConfig('2m'), options).find((d) => d.rule === 'HighMemoryUsage');
    expect(memory).toMatchObject({ periodSeconds: 120, datapointsToAlarm: 4, evaluationPeriods: 4 });
  });
});
