import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmDefinitions, parseAlarmMeta } from '../../../functions/alarms/definitions';
import { parseConfig } from '../../../functions/config/load';
import type { VigilConfig } from '../../../functions/config/schema';
import {
  ALARM_WIDGET_MAX_ALARMS,
  alarmCount,
  DASHBOARD_MAX_METRICS,
  DASHBOARD_MAX_WIDGETS,
  type DashboardBody,
  dashboardBodies,
  GRID_COLUMNS,
  LEVEL_COLOURS,
  planDashboards,
  resolveBody,
  WIDGET_MAX_METRICS,
  type Widget,
  widgetMetricCount,
} from '../../../infra/dashboard';
import { definitionsFor, resources } from '../../../infra/resources';
import { jsonTargets, OPTIONS, ofType, prometheusTargets } from './helpers';

const fixture = parseConfig(readFileSync(join(__dirname, 'fixtures/vigil.yml'), 'utf8'));

function bodiesOf(config: VigilConfig) {
  const definitions = definitionsFor(config, OPTIONS);
  return dashboardBodies(config, definitions, OPTIONS).map(({ name, body }) => ({
    name,
    body: resolveBody(body, {
      region: 'eu-west-1',
      alarmArn: (alarm) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarm}`,
    }) as DashboardBody,
  }));
}

/** The CloudWatch dashboard body structure: what PutDashboard checks, as far as a test can. */
function expectValidBody(body: DashboardBody) {
  expect(Array.isArray(body.widgets)).toBe(true);
  for (const widget of body.widgets) {
    expect(['metric', 'alarm', 'text']).toContain(widget.type);
    for (const key of ['x', 'y', 'width', 'height'] as const)
      expect(Number.isInteger(widget[key])).toBe(true);
    expect(widget.x).toBeGreaterThanOrEqual(0);
    expect(widget.width).toBeGreaterThanOrEqual(1);
    expect(widget.x + widget.width).toBeLessThanOrEqual(GRID_COLUMNS);
    expect(widget.height).toBeGreaterThanOrEqual(1);
    expect(typeof widget.properties).toBe('object');
    if (widget.type === 'metric') expectValidMetricWidget(widget);
    if (widget.type === 'alarm') {
      const alarms = widget.properties.alarms as string[];
      expect(alarms.length).toBeGreaterThanOrEqual(1);
      expect(alarms.length).toBeLessThanOrEqual(ALARM_WIDGET_MAX_ALARMS);
      for (const arn of alarms)
        expect(arn).toMatch(/^arn:aws:cloudwatch:eu-west-1:123456789012:alarm:vigil-dev-/);
    }
    if (widget.type === 'text') expect(typeof widget.properties.markdown).toBe('string');
  }
}

function expectValidMetricWidget(widget: Widget) {
  const { metrics, region, period, annotations } = widget.properties as {
    metrics: unknown[][];
    region: string;
    period: number;
    annotations?: { horizontal: { value: number; color: string; label: string }[] };
  };
  expect(region).toBe('eu-west-1');
  expect(period % 60).toBe(0);
  expect(metrics.length).toBeGreaterThanOrEqual(1);
  for (const entry of metrics) {
    expect(Array.isArray(entry)).toBe(true);
    const last = entry.at(-1);
    const options = typeof last === 'object' ? (last as Record<string, unknown>) : undefined;
    const names = options ? entry.slice(0, -1) : entry;
    if (options && 'expression' in options) {
      // An expression entry is [ { expression, id, … } ] alone.
      expect(names).toEqual([]);
      expect(options.id).toMatch(/^[a-z][A-Za-z0-9_]*$/);
    } else {
      // [namespace, metricName, dimensionName, dimensionValue, …, { options }]
      expect(names.length % 2).toBe(0);
      expect(names.every((part) => typeof part === 'string' && part.length > 0)).toBe(true);
    }
  }
  for (const line of annotations?.horizontal ?? []) {
    expect(typeof line.value).toBe('number');
    expect(line.color).toMatch(/^#[0-9a-f]{6}$/);
  }
}

function metricsOn(body: DashboardBody, maxSeries = 50) {
  return body.widgets.reduce((sum, widget) => sum + widgetMetricCount(widget, maxSeries), 0);
}

describe('dashboard body', () => {
  const [dashboard, ...others] = bodiesOf(fixture);

  it('is one valid dashboard for the fixture', () => {
    expect(others).toEqual([]);
    expect(dashboard!.name).toBe('vigil-dev');
    expectValidBody(dashboard!.body);
  });

  it('starts with the alarm status widget listing every alarm', () => {
    const [first] = dashboard!.body.widgets;
    expect(first).toMatchObject({ type: 'alarm', x: 0, y: 0, width: GRID_COLUMNS });
    const names = alarmDefinitions(fixture, OPTIONS).map((definition) => definition.name);
    expect((first!.properties.alarms as string[]).map((arn) => arn.split(':alarm:')[1])).toEqual(names);
  });

  it('gives every target a row: header, success rate, stacked phases, its metrics', () => {
    const titles = dashboard!.body.widgets.map(
      (widget) => widget.properties.title ?? widget.properties.markdown,
    );
    expect(titles).toEqual([
      'vigil-dev: alarms',
      '## one-api',
      'one-api: success rate (%)',
      'one-api: duration by phase (ms)',
      'one-api: Goroutines (Count)',
      'one-api: MemoryAllocMB (Megabytes)',
      '## mall-go',
      'mall-go: success rate (%)',
      'mall-go: duration by phase (ms)',
      'mall-go: Http5xx',
      'mall-go: RequestsByMethod',
      '## vigil itself',
      'vigil: probe, webhook, meta, dead letters',
      'vigil: notifications per channel (sent, failed)',
    ]);
    const phases = dashboard!.body.widgets.find(
      (widget) => widget.properties.title === 'one-api: duration by phase (ms)',
    )!;
    expect(phases.properties.stacked).toBe(true);
    expect((phases.properties.metrics as unknown[][]).map((entry) => entry[1])).toEqual([
      'DnsLookupTime',
      'ConnectTime',
      'TlsHandshakeTime',
      'TimeToFirstByte',
      'TransferTime',
    ]);
  });

  it('draws thresholds as horizontal annotations in the level colour', () => {
    const goroutines = dashboard!.body.widgets.find(
      (widget) => widget.properties.title === 'one-api: Goroutines (Count)',
    )!;
    expect(goroutines.properties.annotations).toEqual({
      horizontal: [
        { label: 'warning > 2000', value: 2000, color: LEVEL_COLOURS.warning, fill: 'above' },
        { label: 'critical > 5000', value: 5000, color: LEVEL_COLOURS.critical, fill: 'above' },
        { label: 'emergency > 10000', value: 10000, color: LEVEL_COLOURS.emergency, fill: 'above' },
      ],
    });
    expect(goroutines.properties.stat).toBe('Maximum');
  });

  it('shows every series of a labelled metric with a SEARCH expression', () => {
    const byMethod = dashboard!.body.widgets.find(
      (widget) => widget.properties.title === 'mall-go: RequestsByMethod',
    )!;
    expect(byMethod.properties.metrics).toEqual([
      [
        {
          expression: `SEARCH('Namespace="Vigil" MetricName="RequestsByMethod" Target="mall-go"', 'Maximum', 60)`,
          id: 's1',
          label: '',
        },
      ],
    ]);
  });

  it('becomes one Fn::Join string whose alarm ARNs are Fn::GetAtt of the alarms', () => {
    const template = resources(fixture, OPTIONS);
    const dashboards = ofType(template.Resources, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = dashboards[0]![1].Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const parts = body['Fn::Join'][1];
    const alarmIds = new Set(ofType(template.Resources, 'AWS::CloudWatch::Alarm').map(([id]) => id));
    for (const part of parts) {
      if (typeof part === 'string') continue;
      const intrinsic = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (intrinsic.Ref) expect(intrinsic.Ref).toBe('AWS::Region');
      else
        expect(alarmIds.has(intrinsic['Fn::GetAtt']![0]) && intrinsic['Fn::GetAtt']![1] === 'Arn').toBe(true);
    }
  });
});

describe('dashboard limits', () => {
  it.each([
    // 70 labelled metrics × a SEARCH budget of 50 series = 3,500 metrics: over 2,500, two dashboards.
    ['labelled metrics over the metric limit', prometheusTargets(70)],
    // 400 targets × (header + 2 widgets) plus alarm widgets: over 500 widgets.
    ['many small targets over the widget limit', jsonTargets(400)],
  ])('splits %s, within every limit, showing every target once', (_name, config) => {
    const bodies = bodiesOf(config);
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.map((each) => each.name)).toEqual(
      bodies.map((_, index) => (index === 0 ? 'vigil-dev' : `vigil-dev-${index + 1}`)),
    );
    const seen: string[] = [];
    for (const { body } of bodies) {
      expectValidBody(body);
      expect(metricsOn(body)).toBeLessThanOrEqual(DASHBOARD_MAX_METRICS);
      expect(body.widgets.length).toBeLessThanOrEqual(DASHBOARD_MAX_WIDGETS);
      for (const widget of body.widgets)
        expect(widgetMetricCount(widget, 50)).toBeLessThanOrEqual(WIDGET_MAX_METRICS);
      for (const widget of body.widgets)
        if (widget.type === 'text') seen.push(String(widget.properties.markdown).slice(3));
    }
    // vigil's own section closes the first dashboard, whatever follows.
    const own = seen.indexOf('vigil itself');
    expect(seen.filter((header) => header === 'vigil itself')).toHaveLength(1);
    expect(own).toBe(bodies[0]!.body.widgets.filter((widget) => widget.type === 'text').length - 1);
    expect(seen.filter((header) => header !== 'vigil itself')).toEqual(
      config.targets.map((target) => target.name),
    );
  });

  it('links each alarm to the dashboard that shows its target', () => {
    const config = prometheusTargets(70);
    const plan = planDashboards(config, OPTIONS);
    const definitions = definitionsFor(config, OPTIONS);
    for (const definition of definitions) {
      const url = parseAlarmMeta(definition.description)?.dashboard;
      expect(url?.endsWith(`#dashboards/dashboard/${plan.dashboardOf(definition.target)}`)).toBe(true);
    }
    const bodies = bodiesOf(config);
    for (const { name, body } of bodies) {
      // The alarms on vigil itself have no target: their own widget on the first dashboard.
      const listed = body.widgets.flatMap((widget) =>
        widget.type === 'alarm' && !String(widget.properties.title).startsWith('vigil:')
          ? (widget.properties.alarms as string[])
          : [],
      );
      for (const arn of listed) {
        const definition = definitions.find((each) => arn.endsWith(`:alarm:${each.name}`))!;
        expect(plan.dashboardOf(definition.target)).toBe(name);
      }
    }
  });

  it('spreads more than 100 alarms over several alarm widgets', () => {
    const config = jsonTargets(60, '[{ name: M, path: $.m, thresholds: { warning: "> 1" } }]');
    const [first] = bodiesOf(config);
    const alarmWidgets = first!.body.widgets.filter((widget) => widget.type === 'alarm');
    // 120 per-target alarms, then vigil's own (8 without channels: probe, webhook, meta, dead letters).
    expect(alarmWidgets.map((widget) => (widget.properties.alarms as string[]).length)).toEqual([100, 20, 8]);
  });

  it('counts alarms per target the way alarmDefinitions makes them', () => {
    const config = parseConfig(readFileSync(join(__dirname, 'fixtures/vigil.yml'), 'utf8'));
    const definitions = alarmDefinitions(config, OPTIONS);
    for (const target of config.targets) {
      expect(alarmCount(config, target)).toBe(
        definitions.filter((definition) => definition.target === target.name).length,
      );
    }
  });
});
