/** Prometheus rules → vigil's metrics and alarms (pure), and the webhook's rendering of a rule alarm's alert. */
import type { Alert } from '../../../functions/alerts/types';
import { parseConfig } from '../../../functions/config/load';
import { parsePromql } from '../../../functions/promql';
import { annotateRuleAlerts } from '../../../functions/rules/annotate';
import { parseRuleFile } from '../../../functions/rules/file';
import { forPeriods } from '../../../functions/rules/for-periods';
import { levelOf, translateRules, unitOf } from '../../../functions/rules/translate';

function translate(text: string, taken: string[] = []) {
  const parsed = parseRuleFile(text);
  expect(parsed.issues).toEqual([]);
  return translateRules([{ file: 'r.yml', groups: parsed.groups }], {
    defaultLevel: 'warning',
    takenNames: new Set(taken),
  });
}

const group = (name: string, rules: string) => `  - name: ${name}\n    rules:\n${rules}`;
const alert = (name: string, expr: string, extra = '') =>
  `      - alert: ${name}\n        expr: ${JSON.stringify(expr)}\n${extra}`;

describe('for: as consecutive periods', () => {
  // Prometheus fires at the evaluation where t - activeAt >= for: the (ceil(for / period) + 1)-th in a row.
  it.each([
    [0, 60, 1],
    [30, 60, 2],
    [60, 60, 2],
    [90, 60, 3],
    [120, 60, 3],
    [300, 60, 6],
    [60, 120, 2],
    [180, 120, 3],
    [300, 120, 4],
    [15, 5, 4],
  ])('for %ss at a %ss period is %s periods', (forSeconds, periodSeconds, periods) => {
    expect(forPeriods(forSeconds * 1000, periodSeconds * 1000)).toBe(periods);
  });
});

describe('units', () => {
  it.each([
    ['rate(http_requests_total[5m])', 'Count/Second'],
    ['sum by (method) (rate(http_requests_total[5m]))', 'Count/Second'],
    ['rate(node_network_receive_bytes_total[5m])', 'Bytes/Second'],
    ['rate(process_cpu_seconds_total[5m])', 'None'],
    ['increase(errors_total[1h])', 'Count'],
    ['histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))', 'Seconds'],
    ['histogram_quantile(0.5, rate(response_size_bytes_bucket[5m]))', 'Bytes'],
    ['histogram_quantile(0.5, rate(queue_depth_bucket[5m]))', 'None'],
    ['sum(rate(e_total[5m])) / sum(rate(r_total[5m]))', 'None'],
    ['(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes))', 'None'],
    ['(1 - (a / b)) * 100', 'Percent'],
    ['node_memory_MemAvailable_bytes', 'Bytes'],
    ['avg_over_time(go_gc_duration_seconds[5m])', 'Seconds'],
    ['count(up)', 'Count'],
    ['mall_go_database_connections{state="active"}', 'None'],
  ])('%s is %s', (expr, unit) => {
    expect(unitOf(parsePromql(expr))).toBe(unit);
  });
});

describe('severity → level', () => {
  it.each([
    ['critical', 'critical', undefined],
    ['WARNING', 'warning', undefined],
    ['emergency', 'emergency', undefined],
    [
      'page',
      'warning',
      'severity "page" is not a vigil level (warning, critical, emergency): warning (the default)',
    ],
    [undefined, 'warning', 'no severity label: warning (the default)'],
  ])('%s → %s', (severity, level, note) => {
    expect(levelOf(severity, 'warning')).toEqual({ level, ...(note ? { note } : {}) });
  });
});

describe('translateRules', () => {
  it('makes rules sharing an expression one metric with a level each, named after the first', () => {
    const out = translate(
      `groups:\n${group('g', `${alert('HighQPS', 'rate(x[5m]) > 1000', '        for: 2m\n        labels: { severity: warning }\n')}${alert('CriticalQPS', 'rate(x[5m]) > 5000', '        labels: { severity: critical }\n')}`)}`,
    );
    expect(out.issues).toEqual([]);
    expect(out.metrics).toEqual([
      expect.objectContaining({
        name: 'HighQPS',
        query: 'rate(x[5m])',
        unit: 'Count/Second',
        alarms: [
          expect.objectContaining({
            alert: 'HighQPS',
            level: 'warning',
            comparison: { op: '>', threshold: 1000 },
            forMs: 120_000,
          }),
          expect.objectContaining({
            alert: 'CriticalQPS',
            level: 'critical',
            comparison: { op: '>', threshold: 5000 },
            forMs: 0,
          }),
        ],
      }),
    ]);
  });

  it('flips a number on the left, turns up == 0 into the down alarm and keeps recording rules in order', () => {
    const out = translate(
      `groups:\n${group('g', `      - record: job:x:rate5m\n        expr: sum(rate(x[5m]))\n        labels: { team: a }\n${alert('Low', '10 > job:x:rate5m')}${alert('Down', 'up == 0', '        for: 1m\n        labels: { severity: critical }\n')}`)}`,
    );
    expect(out.issues).toEqual([]);
    expect(out.recordings).toEqual([
      expect.objectContaining({ record: 'job:x:rate5m', expr: 'sum(rate(x[5m]))', labels: { team: 'a' } }),
    ]);
    expect(out.metrics.map((metric) => [metric.name, metric.query, metric.alarms[0]?.comparison])).toEqual([
      ['Low', 'job:x:rate5m', { op: '<', threshold: 10 }],
    ]);
    expect(out.down?.alarm).toMatchObject({ alert: 'Down', level: 'critical', forMs: 60_000 });
  });

  it('tells apart one alert name with different expressions in two groups: <group>.<alert>', () => {
    const out = translate(
      `groups:\n${group('api', alert('Slow', 'a > 1'))}${group('db', alert('Slow', 'b > 1'))}`,
    );
    expect(out.metrics.map((metric) => metric.name)).toEqual(['api.Slow', 'db.Slow']);
  });

  it.each([
    ['no comparison', alert('A', 'rate(x[5m])'), 'the expression must end in a comparison with a number'],
    [
      'a comparison of two vectors',
      alert('A', 'a > b'),
      'the expression must end in a comparison with a number',
    ],
    ['==', alert('A', 'x == 1'), '== cannot be a CloudWatch alarm'],
    [
      'an infinite threshold',
      alert('A', 'x > Inf'),
      "a CloudWatch alarm's threshold is a finite number, not Infinity",
    ],
    ['a NaN threshold', alert('A', 'x < NaN'), "a CloudWatch alarm's threshold is a finite number, not NaN"],
    [
      'keep_firing_for',
      alert('A', 'x > 1', '        keep_firing_for: 5m\n'),
      'keep_firing_for is not supported',
    ],
    ['up in an expression', alert('A', 'sum(up) < 3'), 'vigil has no `up` series'],
    [
      'unsupported PromQL',
      alert('A', 'predict_linear(x[1h], 3600) < 0'),
      'expression not supported by vigil',
    ],
    ['a syntax error', alert('A', 'rate(x[5m] > 1'), 'could not parse expression'],
    [
      'a templated severity',
      alert('A', 'x > 1', '        labels: { severity: "{{ $labels.sev }}" }\n'),
      'the severity label must be a literal',
    ],
    [
      'two rules at one level',
      `${alert('A', 'x > 1')}${alert('B', 'x > 2')}`,
      'rule "A" already alarms on this expression at level warning',
    ],
    ['another target’s up', alert('A', 'up{job="other"} == 0'), 'selects another target'],
  ])('refuses %s, naming the rule and its line', (_name, rules, reason) => {
    const out = translateRules(
      [{ file: 'r.yml', groups: parseRuleFile(`groups:\n${group('g', rules)}`).groups }],
      { defaultLevel: 'warning', job: 'api' },
    );
    expect(out.issues).toEqual([
      expect.objectContaining({ file: 'r.yml', message: expect.stringContaining(reason) }),
    ]);
    expect(out.issues[0]?.message).toMatch(/^group "g", rule \d "[AB]": /);
    expect(out.issues[0]?.line).toBeGreaterThan(2);
  });

  it('refuses a metric name the target’s metrics: already use', () => {
    const parsed = parseRuleFile(`groups:\n${group('g', alert('Qps', 'x > 1'))}`);
    const out = translateRules([{ file: 'r.yml', groups: parsed.groups }], {
      defaultLevel: 'warning',
      takenNames: new Set(['Qps']),
    });
    expect(out.issues[0]?.message).toContain('the target already has a metric named Qps');
    expect(out.metrics).toEqual([]);
  });
});

describe('the webhook renders a rule alarm’s alert with the rule', () => {
  const rules = `groups:\n${group('g', `${alert('HighErrorRate', 'sum by (instance) (rate(e[5m])) / sum by (instance) (rate(r[5m])) > 0.01', '        labels: { severity: critical, team: "shop-{{ $labels.instance }}" }\n        annotations: { summary: "errors on {{ $labels.instance }}", description: "Error rate is {{ $value | humanizePercentage }}", job: "[{{ $labels.job }}]" }\n')}${alert('Total', 'sum(rate(r[5m])) > 100', '        annotations: { description: "{{ $value }} on [{{ $labels.instance }}]" }\n')}${alert('Down', 'up == 0', '        annotations: { description: "{{ $labels.instance }} of {{ $labels.job }} is down" }\n')}`)}`;
  const config = parseConfig(
    'targets:\n  - { name: shop, url: "http://10.0.0.5:8080/metrics", type: prometheus, job: checkout, rules: r.yml }\n',
    '/config/vigil.yml',
    { readRuleFile: () => rules },
  );
  const base: Alert = {
    status: 'firing',
    name: 'vigil-prod-shop-HighErrorRate-critical',
    severity: 'critical',
    summary: 'HighErrorRate of shop is greater than 0.01',
    labels: { target: 'shop', metric: 'HighErrorRate', rule: 'HighErrorRate', severity: 'critical' },
    annotations: { description: 'the alarm’s own description' },
    value: 0.0512,
    startsAt: '2026-01-01T00:00:00.000Z',
    links: [],
    source: 'cloudwatch',
    fingerprint: 'f',
  };

  it('names it after the rule, adds its labels and annotations, rendered on the alarm’s value', () => {
    const [out] = annotateRuleAlerts([base], config);
    expect(out).toMatchObject({
      name: 'HighErrorRate',
      summary: 'errors on 10.0.0.5:8080',
      description: 'Error rate is 5.12%',
      labels: {
        alertname: 'HighErrorRate',
        severity: 'critical',
        team: 'shop-10.0.0.5:8080',
        instance: '10.0.0.5:8080',
        target: 'shop',
      },
      annotations: {
        summary: 'errors on 10.0.0.5:8080',
        description: 'Error rate is 5.12%',
        // The expression keeps only instance: job is not known for its series.
        job: '[]',
        alarm_name: 'vigil-prod-shop-HighErrorRate-critical',
      },
    });
  });

  it('knows no labels of an aggregated series, and the target’s for up == 0', () => {
    const [total] = annotateRuleAlerts(
      [
        {
          ...base,
          labels: { target: 'shop', metric: 'Total', rule: 'Total', severity: 'warning' },
          severity: 'warning',
          value: 250,
        },
      ],
      config,
    );
    expect(total?.annotations.description).toBe('250 on []');
    const [down] = annotateRuleAlerts(
      [
        {
          ...base,
          labels: { target: 'shop', metric: 'ProbeSuccess', rule: 'Down', severity: 'warning' },
          severity: 'warning',
          value: 0,
        },
      ],
      config,
    );
    expect(down?.annotations.description).toBe('10.0.0.5:8080 of checkout is down');
    expect(down?.name).toBe('Down');
  });

  it.each([
    ['another source', { ...base, source: 'alertmanager' as const }],
    ['no rule label', { ...base, labels: { target: 'shop', metric: 'HighErrorRate' } }],
    ['a rule the config does not have', { ...base, labels: { ...base.labels, rule: 'Gone' } }],
    ['another level', { ...base, severity: 'warning' as const }],
  ])('leaves %s unchanged', (_name, alertIn) => {
    expect(annotateRuleAlerts([alertIn], config)).toEqual([alertIn]);
  });
});
