/**
 * The same alerts fire in vigil and in Prometheus, proven by Prometheus' own rule tester. The issue's rules file,
 * unchanged, against a scenario (request counters by status, a latency histogram, gauges, an outage) in virtual
 * time: vigil's whole pipeline runs round by round — a loopback target answering each step's page, probe rounds
 * with the rate state, the published datums, the CloudWatch alarm definitions evaluated by functions/alarms/
 * evaluate.ts, the webhook's rendering of the rule's labels and annotations — and predicts, at every evaluation,
 * which alerts are firing with which labels and annotations. Those predictions become a `promtool test rules` file
 * over the same input series (exp_alerts, empty where nothing may fire); promtool (Prometheus 2.42) passing it is
 * the proof. The scenario has a pending alert that dips inside `for:` and must not fire, firing, resolution, two
 * levels of one expression, a `for:` that is not a multiple of the period, and `up == 0`.
 *
 * Rounds and evaluations are 2 minutes apart (probe.schedule: 2m, evaluation_interval: 2m): a [5m] window then
 * never starts exactly on a sample, where Prometheus 2.42's closed windows and vigil's (Prometheus 3's) left-open
 * ones would see different samples by design.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { type AlarmDefinition, alarmDefinitions } from '../../functions/alarms/definitions';
import { AlarmEvaluator } from '../../functions/alarms/evaluate';
import { parseConfig } from '../../functions/config/load';
import { localSnsContext, snsAlarmEvent } from '../../functions/dev/sns-event';
import { classifyEvent } from '../../functions/intake/detect';
import { datumsFromResults } from '../../functions/metrics/datums';
import { runRound } from '../../functions/probing/run';
import { stateStore } from '../../functions/probing/state';
import { targetLabels } from '../../functions/prometheus/target-labels';
import { annotateRuleAlerts } from '../../functions/rules/annotate';
import { expandTemplate } from '../../functions/rules/template';
import { startHttpServer, type TestServer } from '../helpers/servers';

const run = promisify(execFile);
const RULES = join(__dirname, '../fixtures/rules/mall_go_rules.yml');
const PERIOD_MS = 120_000;
const ALERTS = [
  'HighQPS',
  'CriticalQPS',
  'HighResponseTime',
  'HighErrorRate',
  'DatabaseConnectionsHigh',
  'HighMemoryUsage',
  'ServiceDown',
] as const;

/** One 2-minute step: request rates (per second, during the step), latency profile, gauges, and the target up. */
interface Step {
  ok: number;
  errors: number;
  slow: boolean;
  connections: number;
  memoryUsed: number;
  down?: boolean;
}

// rate[5m] at a step is the mean of this step's and the previous step's rates.
const STEPS: Step[] = [
  { ok: 500, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 500, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 500, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  // HighQPS pending (1100 > 1000), then a dip (900) inside its `for: 2m`: it must not fire.
  { ok: 1700, errors: 0, slow: false, connections: 90, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 90, memoryUsed: 0.5 },
  // HighQPS fires on the second breaching evaluation; DatabaseConnectionsHigh (for: 5m → 4 evaluations) fires.
  { ok: 2100, errors: 0, slow: true, connections: 90, memoryUsed: 0.5 },
  { ok: 2100, errors: 0, slow: true, connections: 90, memoryUsed: 0.5 },
  { ok: 2100, errors: 0, slow: true, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.9 },
  // Resolution: HighQPS (mean 100); HighMemoryUsage keeps breaching.
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.9 },
  // CriticalQPS: 5000 exactly does not breach `> 5000`; then two breaching evaluations fire it.
  { ok: 9900, errors: 0, slow: false, connections: 10, memoryUsed: 0.9 },
  { ok: 10100, errors: 0, slow: false, connections: 10, memoryUsed: 0.9 },
  { ok: 10100, errors: 0, slow: false, connections: 10, memoryUsed: 0.9 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  // Errors: every 5xx series' ratio to itself is 1 (the issue's expression), > 0.01 while it moves.
  { ok: 100, errors: 2, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 2, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 2, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  // An outage of two evaluations: ServiceDown (`up == 0`, for: 1m → 2 evaluations) fires, then resolves.
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5, down: true },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5, down: true },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
  { ok: 100, errors: 0, slow: false, connections: 10, memoryUsed: 0.5 },
];

const BUCKETS = ['0.05', '0.1', '0.25', '0.5', '+Inf'] as const;
const FAST = [0.9, 0.97, 0.99, 1, 1];
const SLOW = [0.3, 0.5, 0.8, 0.95, 1];
const MEMORY_TOTAL = 8e9;

/** Cumulative counters and gauges per step: what the target's page says (counters start far from zero). */
function series(): Map<string, (number | 'stale')[]> {
  const out = new Map<string, (number | 'stale')[]>();
  const push = (key: string, value: number | 'stale') => out.set(key, [...(out.get(key) ?? []), value]);
  let ok = 1e6;
  let errors = 1e5;
  const buckets = BUCKETS.map(() => 5e5);
  STEPS.forEach((step, index) => {
    if (index > 0) {
      ok += step.ok * 120;
      errors += step.errors * 120;
      const profile = step.slow ? SLOW : FAST;
      BUCKETS.forEach((_, b) => {
        buckets[b]! += Math.round(step.ok * 120 * profile[b]!);
      });
    }
    const value = (v: number) => (step.down ? 'stale' : v);
    push('mall_go_http_requests_total{status="200"}', value(ok));
    push('mall_go_http_requests_total{status="500"}', value(errors));
    BUCKETS.forEach((le, b) => {
      push(`mall_go_http_request_duration_seconds_bucket{le="${le}"}`, value(buckets[b]!));
    });
    push('mall_go_database_connections{state="active"}', value(step.connections));
    push('node_memory_MemTotal_bytes', value(MEMORY_TOTAL));
    push('node_memory_MemAvailable_bytes', value(MEMORY_TOTAL * (1 - step.memoryUsed)));
    push('up', step.down ? 0 : 1);
  });
  return out;
}

const SERIES = series();

function pageAt(index: number): string | null {
  if (STEPS[index]?.down) return null;
  const lines: string[] = [];
  for (const [key, values] of SERIES) {
    if (key === 'up') continue;
    lines.push(`${key} ${values[index]}`);
  }
  return `${lines.join('\n')}\n`;
}

let server: TestServer;
let page: string | null = '';
const cleanup: string[] = [];

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    if (page === null) {
      res.writeHead(503);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(page);
  });
});
afterAll(async () => {
  await server.close();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

interface Predicted {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** vigil's pipeline, round by round: which alerts it has firing after each evaluation, as the webhook renders them. */
async function vigilPredictions(): Promise<Map<string, Predicted[]>[]> {
  const config = parseConfig(`probe: { schedule: 2m }
targets:
  - name: mall-go
    url: ${server.url}/metrics
    type: prometheus
    rules: ${RULES}
`);
  const target = config.targets[0]!;
  const identity = targetLabels(target);
  const definitions = alarmDefinitions(config, { stage: 'test', region: 'us-east-1' });
  const evaluator = new AlarmEvaluator(definitions);
  const stateDir = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
  cleanup.push(stateDir);
  const store = stateStore({}, stateDir);
  // Minute-aligned and recent (CloudWatch takes datums of the last two weeks); promtool's time 0 is T0.
  const t0 = Math.floor((Date.now() - 3_600_000) / PERIOD_MS) * PERIOD_MS;
  const lastValue = new Map<string, number>();
  const out: Map<string, Predicted[]>[] = [];
  for (let index = 0; index < STEPS.length; index++) {
    page = pageAt(index);
    const at = t0 + index * PERIOD_MS;
    const report = await runRound(config, { now: () => new Date(at), state: { store } });
    expect(report.state?.problems).toEqual([]);
    const { datums } = datumsFromResults(report.results);
    evaluator.recordDatums(datums, config.namespace);
    // CloudWatch evaluates the period once it is over: the state Prometheus has after its evaluation at `at`.
    evaluator.evaluate(at + PERIOD_MS);
    const firing = new Map<string, Predicted[]>();
    for (const definition of definitions) {
      const metricDatums = datums.filter((datum) => datum.MetricName === definition.metric.metricName);
      const breaching = metricDatums.filter((datum) =>
        definition.comparison.op === '>'
          ? datum.Value > definition.threshold
          : datum.Value < definition.threshold,
      );
      if (metricDatums.length > 0) {
        lastValue.set(definition.name, Math.max(...metricDatums.map((datum) => datum.Value)));
      }
      if (evaluator.state(definition.name) !== 'ALARM') continue;
      expect(definition.rule).toBeDefined();
      const alert = render(definition, lastValue.get(definition.name) ?? Number.NaN, at);
      // The series a labelled alarm fires for: the one breaching now (the scenario keeps it to one).
      const dims =
        definition.kind === 'down'
          ? { __name__: 'up' }
          : Object.fromEntries(
              (breaching[0]?.Dimensions ?? [])
                .filter((dimension) => dimension.Name !== 'Target')
                .map((dimension) => [dimension.Name, dimension.Value]),
            );
      if (definition.kind !== 'down') expect(breaching.length).toBeLessThanOrEqual(1);
      const { __name__: _name, ...seriesLabels } = dims as Record<string, string>;
      const ruleAnnotations = Object.keys(ruleOf(target, definition)?.annotations ?? {});
      const predicted: Predicted = {
        labels: { ...identity, ...seriesLabels, alertname: alert.name, severity: alert.labels.severity! },
        annotations: Object.fromEntries(ruleAnnotations.map((key) => [key, alert.annotations[key]!])),
      };
      firing.set(alert.name, [...(firing.get(alert.name) ?? []), predicted]);
    }
    out.push(firing);
  }
  return out;
}

function ruleOf(target: ReturnType<typeof parseConfig>['targets'][number], definition: AlarmDefinition) {
  if (target.type !== 'prometheus') return undefined;
  if (definition.kind === 'down') return target.rules?.down?.alarm;
  return target.rules?.metrics
    .find((metric) => metric.name === definition.metric.metricName)
    ?.alarms.find((alarm) => alarm.level === definition.severity);
}

/** The alert the webhook would send for this alarm in ALARM with `value`, through the real intake pieces. */
function render(definition: AlarmDefinition, value: number, at: number) {
  const event = snsAlarmEvent(
    {
      alarm: definition.name,
      definition,
      from: 'OK',
      to: 'ALARM',
      at: new Date(at),
      reason: `Threshold Crossed: 1 out of the last 1 datapoints [${value} (01/01/26 00:00:00)] was greater than the threshold (${definition.threshold}).`,
      value,
      initial: false,
    },
    localSnsContext({ messageId: 'm', publishedAt: new Date(at), configuredAt: new Date(at) }),
  );
  const detected = classifyEvent(event, { defaultSeverity: 'warning', now: new Date(at) });
  if ('error' in detected) throw new Error(detected.error);
  const config = parseConfig(`targets:
  - name: mall-go
    url: ${server.url}/metrics
    type: prometheus
    rules: ${RULES}
`);
  return annotateRuleAlerts(detected.alerts, config)[0]!;
}

describe('the issue’s rules file fires the same alerts in vigil and in Prometheus (promtool test rules)', () => {
  it('agrees at every evaluation: pending and dip, firing, resolution, levels, up == 0', async () => {
    const predictions = await vigilPredictions();
    const firingAt = (alert: string) =>
      predictions.flatMap((firing, index) => (firing.has(alert) ? [index] : []));

    // What vigil predicts, in steps (2 minutes each): the story the scenario tells.
    expect(firingAt('HighQPS')).toEqual([6, 7, 8, 11, 12, 13]);
    expect(firingAt('CriticalQPS')).toEqual([12, 13]);
    expect(firingAt('DatabaseConnectionsHigh')).toEqual([6]);
    expect(firingAt('HighResponseTime')).toEqual([7, 8]);
    expect(firingAt('HighMemoryUsage')).toEqual([11, 12]);
    expect(firingAt('ServiceDown')).toEqual([24]);
    // HighErrorRate fires on its second evaluation (for: 2m), and resolves once the errors stop (0/0 is NaN: no
    // value). CloudWatch looks back N + 2 periods for N real datapoints, so the alarm resolves two evaluations
    // after Prometheus does (README "Rule files": a round without a value). Those two are asserted here, and
    // promtool is given Prometheus' expectation for them.
    expect(firingAt('HighErrorRate')).toEqual([16, 17, 18, 19, 20]);
    const divergent = new Set(['HighErrorRate@19', 'HighErrorRate@20']);

    const tests = [];
    for (let index = 0; index < STEPS.length; index++) {
      for (const alertname of ALERTS) {
        const known = divergent.has(`${alertname}@${index}`);
        const alerts = known ? [] : (predictions[index]!.get(alertname) ?? []);
        tests.push({
          eval_time: `${index * 2}m`,
          alertname,
          exp_alerts: alerts.map((alert) => ({
            exp_labels: alert.labels,
            exp_annotations: alert.annotations,
          })),
        });
      }
    }
    const instance = `127.0.0.1:${server.port}`;
    const file = {
      rule_files: [RULES],
      evaluation_interval: '2m',
      tests: [
        {
          interval: '2m',
          input_series: [...SERIES].map(([key, values]) => ({
            series: key.includes('{')
              ? key.replace('{', `{job="mall-go",instance="${instance}",`)
              : `${key}{job="mall-go",instance="${instance}"}`,
            values: values.join(' '),
          })),
          alert_rule_test: tests,
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
    const path = join(dir, 'vigil-predictions.test.yml');
    writeFileSync(path, stringify(file));
    const outcome = await run('promtool', ['test', 'rules', path])
      .then(
        ({ stdout }) => ({ ok: true, output: stdout }),
        (error: { stdout?: string; stderr?: string }) => ({
          ok: false,
          output: `${error.stdout}\n${error.stderr}`,
        }),
      )
      .finally(() => rmSync(dir, { recursive: true, force: true }));
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.output).toContain('SUCCESS');
  }, 30_000);
});

/** Templates Prometheus and vigil must render alike (execution errors aside: Go's message carries positions). */
const TEMPLATES: Record<string, string> = {
  value: 'QPS is {{ $value }}',
  dotValue: '{{ .Value }} {{ .Labels.job }}',
  humanize: '{{ $value | humanize }} {{ humanize 0.000123 }} {{ humanize 0 }}',
  humanize1024: '{{ humanize1024 $value }}',
  percentage: '{{ $value | humanizePercentage }}',
  duration: '{{ humanizeDuration $value }} {{ humanizeDuration 0.25 }} {{ humanizeDuration 90061 }}',
  timestamp: '{{ humanizeTimestamp 1700000000 }}',
  printf: '{{ printf "%.2f|%6.1f|%-4s|%04d|%+d|%e|%g" $value $value "ab" 7 3 $value $value }}',
  printfMismatch: '{{ printf "%d %s" $value }}',
  rounding: '{{ printf "%.0f %.0f %.1f %.2f" 0.5 2.5 0.25 2.675 }}',
  labels: '{{ $labels.instance }} [{{ $labels.nope }}] {{ index $labels "job" }}',
  control: '{{ if gt $value 1000.0 }}high{{ else if gt $value 1.0 }}mid{{ else }}low{{ end }}',
  with: '{{ with $labels.job }}job {{ . }}{{ end }}{{ with $labels.nope }}never{{ end }}',
  trims: '{{- $v := printf "%.1f" $value -}}  [ {{- $v -}} ]  {{/* c */}}',
  logic:
    '{{ and 1 "" }}|{{ or "" "x" }}|{{ not $labels.nope }}|{{ if eq $labels.job "api" "web" }}yes{{ end }}',
  strings:
    '{{ toUpper "ab" }} {{ title "hello world" }} {{ $labels.instance | stripPort }} {{ len $labels.job }}',
  regex: '{{ reReplaceAll "(.*):(.*)" "$2" $labels.instance }} {{ match "^db" $labels.instance }}',
  constants: '{{ 5 }} {{ 1e3 }} {{ 2.0 }} {{ 1e21 }}',
};

describe('templates render as Prometheus renders them (promtool test rules)', () => {
  it('gives the same annotations for every template, at several values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-templates-'));
    cleanup.push(dir);
    const values = [1500, 1234567.891, 0.0523, 12.3456, 3725.5];
    const rules = join(dir, 'templates.yml');
    writeFileSync(
      rules,
      stringify({ groups: [{ name: 't', rules: [{ alert: 'T', expr: 'g > 0', annotations: TEMPLATES }] }] }),
    );
    const labels = { instance: 'db-1.example.com:9100', job: 'api' };
    const file = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: values.map((value, index) => ({
            series: `g{instance="${labels.instance}",job="${labels.job}",case="${index}"}`,
            values: String(value),
          })),
          alert_rule_test: [
            {
              eval_time: '0m',
              alertname: 'T',
              exp_alerts: values.map((value, index) => ({
                exp_labels: { ...labels, case: String(index), alertname: 'T' },
                exp_annotations: Object.fromEntries(
                  Object.entries(TEMPLATES).map(([name, text]) => [
                    name,
                    expandTemplate(text, {
                      labels: { __name__: 'g', ...labels, case: String(index) },
                      value,
                    }),
                  ]),
                ),
              })),
            },
          ],
        },
      ],
    };
    const path = join(dir, 'templates.test.yml');
    writeFileSync(path, stringify(file));
    const outcome = await run('promtool', ['test', 'rules', path]).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        output: `${error.stdout}\n${error.stderr}`,
      }),
    );
    expect(outcome).toMatchObject({ ok: true });
  });
});
