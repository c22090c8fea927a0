/**
 * CloudWatch dashboards from vigil.yml: an alarm-status widget on top, then per target a row with its success rate,
 * its duration split by phase (stacked) and each extracted metric with its thresholds as horizontal annotations
 * in the level's colour; at the end of the first dashboard, vigil itself: its health alarms and the webhook's
 * deliveries per channel. Split into several dashboards when one would exceed CloudWatch's limits.
 *
 * The body is JSON text; the region and the alarm ARNs are only known at deploy time, so the text is cut where they
 * go and joined back with Fn::Join (Ref AWS::Region, Fn::GetAtt <alarm>.Arn), which also orders the dashboard
 * after its alarms.
 */
import type { AlarmDefinition } from '../functions/alarms/definitions';
import { defaultDashboardName, seriesOf } from '../functions/alarms/definitions';
import { deliveryChannels, healthAlarmDefinitions } from '../functions/alarms/health';
import type { AlarmLevel } from '../functions/config/levels';
import type { MetricConfig, TargetConfig, VigilConfig } from '../functions/config/schema';
import {
  CHANNEL_DIMENSION,
  LOCATION_DIMENSION,
  NOTIFICATION_METRICS,
  STANDARD_METRICS,
  TARGET_DIMENSION,
  WEBHOOK_METRICS_SERVICE,
} from '../functions/metrics/datums';
import { isPublished } from '../functions/metrics/selection';
import { publishedMetrics } from '../functions/rules/metrics';
import { alarmLogicalId } from './alarms';
import { type CfnResource, getAtt, type Json, joined, REGION } from './cfn';

// CloudWatch dashboard limits (CloudWatch service quotas; dashboard body structure reference).
export const DASHBOARD_MAX_METRICS = 2500;
export const WIDGET_MAX_METRICS = 500;
export const DASHBOARD_MAX_WIDGETS = 500;
/** An alarm status widget lists 1-100 alarm ARNs. */
export const ALARM_WIDGET_MAX_ALARMS = 100;
export const DASHBOARD_NAME_MAX_CHARS = 255;
export const GRID_COLUMNS = 24;

const WIDGET_WIDTH = 8;
const WIDGET_HEIGHT = 6;

export const LEVEL_COLOURS: Record<AlarmLevel, string> = {
  warning: '#ff9900',
  critical: '#d13212',
  emergency: '#8b0000',
};

const PHASES = [
  [STANDARD_METRICS.dnsLookup, 'DNS'],
  [STANDARD_METRICS.connect, 'connect'],
  [STANDARD_METRICS.tlsHandshake, 'TLS'],
  [STANDARD_METRICS.timeToFirstByte, 'first byte'],
  [STANDARD_METRICS.transfer, 'transfer'],
] as const;

/** Placeholders cut out of the JSON text and replaced by intrinsics. Target and metric names cannot hold braces. */
const REGION_TOKEN = '{{vigil:region}}';
const alarmToken = (name: string) => `{{vigil:alarm:${name}}}`;
const TOKEN_RE = /\{\{vigil:(region|alarm:[^}]+)\}\}/;

export interface Widget {
  type: 'metric' | 'alarm' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardBody {
  start: string;
  periodOverride: 'auto' | 'inherit';
  widgets: Widget[];
}

/** A target's row before layout: how many metrics each of its widgets shows (for the limits). */
interface RowWidget {
  metrics: number;
  build: (x: number, y: number) => Widget;
}

export interface PlannedDashboard {
  name: string;
  targets: string[];
  metrics: number;
}

export interface DashboardPlan {
  dashboards: PlannedDashboard[];
  /** Which dashboard shows a target (its first widgets, when a huge target spills over). */
  dashboardOf(target: string): string | undefined;
}

export interface DashboardOptions {
  stage: string;
  service?: string;
}

/** The "vigil itself" section of the first dashboard: header, health alarms, notifications per channel. */
interface HealthSection {
  alarms: number;
  channels: string[];
}

function healthSection(config: VigilConfig, options: DashboardOptions): HealthSection {
  return {
    alarms: healthAlarmDefinitions(config, options).length,
    channels: deliveryChannels(config),
  };
}

/** Widgets and metrics the section takes (its alarm widgets are counted with the page's alarms). */
function healthWidgets(section: HealthSection): { widgets: number; metrics: number } {
  const channels = section.channels.length;
  return { widgets: 1 + (channels > 0 ? 1 : 0), metrics: 2 * channels };
}

const isTargetAlarm = (definition: AlarmDefinition) =>
  definition.kind === 'threshold' || definition.kind === 'down';

/** Splits targets over dashboards within the limits; pure, so alarm descriptions can link the right one. */
export function planDashboards(config: VigilConfig, options: DashboardOptions): DashboardPlan {
  const dashboards = paginate(config, options).map(({ name, groups, metrics }) => ({
    name,
    targets: [...new Set(groups.map((group) => group.target))],
    metrics,
  }));
  const owner = new Map<string, string>();
  for (const dashboard of dashboards) {
    for (const target of dashboard.targets) if (!owner.has(target)) owner.set(target, dashboard.name);
  }
  return { dashboards, dashboardOf: (target) => owner.get(target) };
}

/**
 * The dashboards' bodies, as objects with placeholders (tests and previews resolve them with resolveBody).
 * `definitions`: the per-target alarms; the alarms on vigil itself are added to the end of the first dashboard.
 */
export function dashboardBodies(
  config: VigilConfig,
  definitions: readonly AlarmDefinition[],
  options: DashboardOptions,
): { name: string; body: DashboardBody }[] {
  const section = healthSection(config, options);
  const health = healthAlarmDefinitions(config, options);
  return paginate(config, options).map((page, index) => ({
    name: page.name,
    body: layout(page, definitions, index === 0 ? { ...section, definitions: health, config } : undefined),
  }));
}

/** AWS::CloudWatch::Dashboard resources, keyed by logical ID. */
export function dashboardResources(
  config: VigilConfig,
  definitions: readonly AlarmDefinition[],
  options: DashboardOptions,
): Record<string, CfnResource> {
  const out: Record<string, CfnResource> = {};
  const health = healthAlarmDefinitions(config, options);
  dashboardBodies(config, definitions, options).forEach(({ name, body }, index) => {
    out[index === 0 ? 'VigilDashboard' : `VigilDashboard${index + 1}`] = {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: name, DashboardBody: bodyTemplate(body, [...definitions, ...health]) },
    };
  });
  return out;
}

/** Replaces the placeholders with real values: what CloudFormation will store, for tests and previews. */
export function resolveBody(
  body: DashboardBody,
  values: { region: string; alarmArn: (name: string) => string },
): unknown {
  const text = JSON.stringify(body).replace(new RegExp(TOKEN_RE, 'g'), (_match, token: string) =>
    token === 'region' ? values.region : values.alarmArn(token.slice('alarm:'.length)),
  );
  return JSON.parse(text);
}

/** Counts the metrics a widget shows the way the limits do: every metrics entry (a SEARCH counts as its budget). */
export function widgetMetricCount(widget: Widget, searchBudget = WIDGET_MAX_METRICS): number {
  const metrics = widget.properties.metrics;
  if (!Array.isArray(metrics)) return 0;
  return metrics.reduce<number>((sum, entry) => {
    const last = Array.isArray(entry) ? entry.at(-1) : undefined;
    const expression =
      last && typeof last === 'object' ? (last as { expression?: unknown }).expression : undefined;
    return sum + (typeof expression === 'string' && expression.startsWith('SEARCH(') ? searchBudget : 1);
  }, 0);
}

// ---------------------------------------------------------------------------------------------------------------

interface Group {
  target: string;
  widgets: RowWidget[];
  metrics: number;
  /** Alarms of the target (counted from the config, so planning needs no definitions); only on its first group. */
  alarms: number;
}

interface Page {
  name: string;
  groups: Group[];
  metrics: number;
  widgets: number;
  alarms: number;
}

/** Widgets a page needs: alarm widgets, one header per group, the group's widgets. */
function widgetsOf(page: Pick<Page, 'alarms' | 'widgets'>): number {
  return Math.ceil(page.alarms / ALARM_WIDGET_MAX_ALARMS) + page.widgets;
}

function paginate(config: VigilConfig, options: DashboardOptions): Page[] {
  const base = defaultDashboardName(options.service ?? 'vigil', options.stage).slice(
    0,
    DASHBOARD_NAME_MAX_CHARS - 5,
  );
  // A huge target's row is cut into groups that each fit an empty dashboard (with room for its alarm widgets).
  const groups: Group[] = [];
  for (const target of config.targets) {
    const alarms = alarmCount(config, target);
    const row = rowOf(config, target);
    // Nothing published and no alarm (publish.metrics none, alarms.mode self): no row, not an empty header.
    if (row.length === 0 && alarms === 0) continue;
    const widgetRoom = DASHBOARD_MAX_WIDGETS - 1 - Math.ceil(alarms / ALARM_WIDGET_MAX_ALARMS);
    let group: Group = { target: target.name, widgets: [], metrics: 0, alarms };
    for (const widget of row) {
      if (
        group.widgets.length > 0 &&
        (group.metrics + widget.metrics > DASHBOARD_MAX_METRICS || group.widgets.length + 1 > widgetRoom)
      ) {
        groups.push(group);
        group = { target: target.name, widgets: [], metrics: 0, alarms: 0 };
      }
      group.widgets.push(widget);
      group.metrics += widget.metrics;
    }
    groups.push(group);
  }

  const pages: Page[] = [];
  const fresh = (): Page => ({ name: '', groups: [], metrics: 0, widgets: 0, alarms: 0 });
  // The first dashboard also carries vigil's own section: count it before any target.
  const section = healthSection(config, options);
  const own = healthWidgets(section);
  let page: Page = { ...fresh(), metrics: own.metrics, widgets: own.widgets, alarms: section.alarms };
  for (const group of groups) {
    const next = {
      metrics: page.metrics + group.metrics,
      widgets: page.widgets + group.widgets.length + 1,
      alarms: page.alarms + group.alarms,
    };
    if (
      page.groups.length > 0 &&
      (next.metrics > DASHBOARD_MAX_METRICS || widgetsOf(next) > DASHBOARD_MAX_WIDGETS)
    ) {
      pages.push(page);
      page = fresh();
      next.metrics = group.metrics;
      next.widgets = group.widgets.length + 1;
      next.alarms = group.alarms;
    }
    page.groups.push(group);
    Object.assign(page, next);
  }
  pages.push(page);
  return pages.map((each, index) => ({ ...each, name: index === 0 ? base : `${base}-${index + 1}` }));
}

/** How many alarms alarmDefinitions makes for a target (kept in step with it by a test). */
export function alarmCount(config: VigilConfig, target: TargetConfig): number {
  // Self-evaluated alarms are no CloudWatch alarms: nothing to show in an alarm widget.
  if (config.alarms.mode === 'self') return 0;
  const levels = publishedMetrics(target).reduce(
    (sum, metric) =>
      sum + Object.values(metric.thresholds ?? {}).filter((level) => level !== undefined).length,
    0,
  );
  const downRule = target.type === 'prometheus' && target.rules?.down !== undefined;
  return levels + (config.alarms.down.enabled || downRule ? 1 : 0);
}

/** Alarm-status widgets for `alarms`, ≤ ALARM_WIDGET_MAX_ALARMS each, from row `y`; returns the next free row. */
function alarmWidgets(title: string, alarms: readonly AlarmDefinition[], y: number, into: Widget[]): number {
  let row = y;
  for (let start = 0; start < alarms.length; start += ALARM_WIDGET_MAX_ALARMS) {
    const slice = alarms.slice(start, start + ALARM_WIDGET_MAX_ALARMS);
    const height = Math.max(3, Math.ceil(slice.length / 4) + 1);
    const part = alarms.length > ALARM_WIDGET_MAX_ALARMS ? ` (${start / ALARM_WIDGET_MAX_ALARMS + 1})` : '';
    into.push({
      type: 'alarm',
      x: 0,
      y: row,
      width: GRID_COLUMNS,
      height,
      properties: {
        title: `${title}${part}`,
        alarms: slice.map((alarm) => alarmToken(alarm.name)),
        sortBy: 'stateUpdatedTimestamp',
      },
    });
    row += height;
  }
  return row;
}

function layout(
  page: Page,
  definitions: readonly AlarmDefinition[],
  health?: HealthSection & { definitions: readonly AlarmDefinition[]; config: VigilConfig },
): DashboardBody {
  const widgets: Widget[] = [];
  const targets = new Set(page.groups.filter((group) => group.alarms > 0).map((group) => group.target));
  const alarms = definitions.filter(
    (definition) => isTargetAlarm(definition) && targets.has(definition.target),
  );
  let y = alarmWidgets(`${page.name}: alarms`, alarms, 0, widgets);
  const perLine = GRID_COLUMNS / WIDGET_WIDTH;
  for (const group of page.groups) {
    widgets.push({
      type: 'text',
      x: 0,
      y,
      width: GRID_COLUMNS,
      height: 1,
      properties: { markdown: `## ${group.target}`, background: 'transparent' },
    });
    y += 1;
    group.widgets.forEach((widget, position) => {
      widgets.push(
        widget.build((position % perLine) * WIDGET_WIDTH, y + Math.floor(position / perLine) * WIDGET_HEIGHT),
      );
    });
    y += Math.ceil(group.widgets.length / perLine) * WIDGET_HEIGHT;
  }
  if (health) y = healthLayout(health, y, widgets);
  return { start: '-PT6H', periodOverride: 'inherit', widgets };
}

/** vigil itself: a header, its health alarms, and what the webhook delivered (and failed to) per channel. */
function healthLayout(
  health: HealthSection & { definitions: readonly AlarmDefinition[]; config: VigilConfig },
  y: number,
  widgets: Widget[],
): number {
  widgets.push({
    type: 'text',
    x: 0,
    y,
    width: GRID_COLUMNS,
    height: 1,
    properties: { markdown: '## vigil itself', background: 'transparent' },
  });
  let row = alarmWidgets('vigil: probe, webhook, meta, dead letters', health.definitions, y + 1, widgets);
  if (health.channels.length === 0) return row;
  const ns = health.config.namespace;
  // Exactly the dimensions the webhook's EMF carries (Powertools' `service` plus Channel), or the graph is empty.
  const entry = (metric: string, channel: string, word: string) => [
    ns,
    metric,
    CHANNEL_DIMENSION,
    channel,
    'service',
    WEBHOOK_METRICS_SERVICE,
    { label: `${channel} ${word}` },
  ];
  widgets.push({
    type: 'metric',
    x: 0,
    y: row,
    width: GRID_COLUMNS,
    height: WIDGET_HEIGHT,
    properties: {
      title: 'vigil: notifications per channel (sent, failed)',
      view: 'timeSeries',
      region: REGION_TOKEN,
      period: Math.max(60, Math.ceil(health.config.probe.schedule / 60_000) * 60),
      stat: 'Sum',
      stacked: false,
      metrics: health.channels.flatMap((channel) => [
        entry(NOTIFICATION_METRICS.sent, channel, 'sent'),
        entry(NOTIFICATION_METRICS.failed, channel, 'failed'),
      ]),
      yAxis: { left: { min: 0, showUnits: false } },
    },
  });
  row += WIDGET_HEIGHT;
  return row;
}

function rowOf(config: VigilConfig, target: TargetConfig): RowWidget[] {
  const ns = config.namespace;
  const period = Math.max(60, Math.ceil(config.probe.schedule / 60_000) * 60);
  const dims = [TARGET_DIMENSION, target.name] as const;
  const metricWidget =
    (title: string, properties: Record<string, unknown>) =>
    (x: number, y: number): Widget => ({
      type: 'metric',
      x,
      y,
      width: WIDGET_WIDTH,
      height: WIDGET_HEIGHT,
      properties: { title, view: 'timeSeries', region: REGION_TOKEN, period, ...properties },
    });
  const locations = config.probe.locations;
  // Only what reaches CloudWatch (publish.metrics): a widget of a metric nobody publishes would stay empty.
  const published = (metric: string) => isPublished(config.publish, metric);
  const phases = PHASES.filter(([metric]) => published(metric));
  const standard: (RowWidget | false)[] = locations
    ? locationWidgets(ns, target.name, locations, metricWidget, published)
    : [
        published(STANDARD_METRICS.success) && {
          metrics: 2,
          build: metricWidget(`${target.name}: success rate (%)`, {
            stacked: false,
            metrics: [
              [ns, STANDARD_METRICS.success, ...dims, { id: 'm1', stat: 'Average', visible: false }],
              [{ expression: '100 * m1', label: 'success %', id: 'e1' }],
            ],
            yAxis: { left: { min: 0, max: 100, showUnits: false } },
          }),
        },
        phases.length > 0 && {
          metrics: phases.length,
          build: metricWidget(`${target.name}: duration by phase (ms)`, {
            stacked: true,
            stat: 'Average',
            metrics: phases.map(([metric, label]) => [ns, metric, ...dims, { label }]),
            yAxis: { left: { min: 0, showUnits: false } },
          }),
        },
      ];
  const row = standard.filter((widget): widget is RowWidget => widget !== false);
  const maxSeries = Math.min(
    ('maxSeries' in target ? target.maxSeries : undefined) ?? config.probe.maxSeries,
    WIDGET_MAX_METRICS,
  );
  for (const metric of publishedMetrics(target)) {
    if (!published(metric.name)) continue;
    const stat = widgetStatistic(metric);
    const series = seriesOf(target, metric);
    const entry =
      series === 'exact'
        ? [ns, metric.name, ...dims, { label: metric.name }]
        : [
            {
              // Every labelled series of this target (label values are only known at run time).
              expression: `SEARCH('Namespace="${ns}" MetricName="${metric.name}" ${TARGET_DIMENSION}="${target.name}"', '${stat}', ${period})`,
              id: 's1',
              label: '',
            },
          ];
    row.push({
      metrics: series === 'exact' ? 1 : maxSeries,
      build: metricWidget(
        `${target.name}: ${metric.name}${metric.unit === 'None' ? '' : ` (${metric.unit})`}`,
        {
          stacked: false,
          stat,
          metrics: [entry],
          ...annotations(metric),
        },
      ),
    });
  }
  return row;
}

/**
 * With `probe.locations`: success and latency per location, so one failing location is visible without paging
 * (the quorum alarm needs several). The phases are per location too (Location dimension), in the metric browser.
 */
function locationWidgets(
  ns: string,
  target: string,
  locations: readonly string[],
  metricWidget: (title: string, properties: Record<string, unknown>) => (x: number, y: number) => Widget,
  published: (metric: string) => boolean,
): (RowWidget | false)[] {
  const at = (location: string) => [TARGET_DIMENSION, target, LOCATION_DIMENSION, location];
  return [
    published(STANDARD_METRICS.success) && {
      metrics: 2 * locations.length,
      build: metricWidget(`${target}: success rate by location (%)`, {
        stacked: false,
        metrics: locations.flatMap((location, index) => [
          [
            ns,
            STANDARD_METRICS.success,
            ...at(location),
            { id: `m${index + 1}`, stat: 'Average', visible: false },
          ],
          [{ expression: `100 * m${index + 1}`, label: location, id: `e${index + 1}` }],
        ]),
        yAxis: { left: { min: 0, max: 100, showUnits: false } },
      }),
    },
    published(STANDARD_METRICS.duration) && {
      metrics: locations.length,
      build: metricWidget(`${target}: duration by location (ms)`, {
        stacked: false,
        stat: 'Average',
        metrics: locations.map((location) => [
          ns,
          STANDARD_METRICS.duration,
          ...at(location),
          { label: location },
        ]),
        yAxis: { left: { min: 0, showUnits: false } },
      }),
    },
  ];
}

/** Thresholds as horizontal lines in the level's colour, shaded on the breaching side. */
function annotations(metric: MetricConfig): Record<string, unknown> {
  const horizontal: Record<string, unknown>[] = [];
  for (const [level, setting] of Object.entries(metric.thresholds ?? {}) as [AlarmLevel, unknown][]) {
    if (setting === undefined) continue;
    const when = typeof setting === 'string' ? setting : (setting as { when: string }).when;
    const match = /^\s*(>=|<=|>|<)\s*(\S+)\s*$/.exec(when);
    if (!match) continue;
    horizontal.push({
      label: `${level} ${match[1]} ${match[2]}`,
      value: Number(match[2]),
      color: LEVEL_COLOURS[level],
      fill: match[1]!.startsWith('>') ? 'above' : 'below',
    });
  }
  return horizontal.length === 0 ? {} : { annotations: { horizontal } };
}

/** The statistic the metric's alarms use (the worst value of the period), or Average when it has none. */
function widgetStatistic(metric: MetricConfig): string {
  const ops = Object.values(metric.thresholds ?? {}).map((setting) =>
    (typeof setting === 'string' ? setting : (setting?.when ?? '')).trim().charAt(0),
  );
  if (ops.includes('>')) return 'Maximum';
  if (ops.includes('<')) return 'Minimum';
  return 'Average';
}

/** The body text with its placeholders joined back as intrinsics. */
function bodyTemplate(body: DashboardBody, definitions: readonly AlarmDefinition[]): Json {
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const text = JSON.stringify(body);
  const parts: Json[] = [];
  let rest = text;
  for (let match = TOKEN_RE.exec(rest); match; match = TOKEN_RE.exec(rest)) {
    parts.push(rest.slice(0, match.index));
    const token = match[1]!;
    if (token === 'region') parts.push(REGION);
    else {
      const definition = byName.get(token.slice('alarm:'.length));
      if (!definition) throw new Error(`dashboard refers to unknown alarm ${token}`);
      parts.push(getAtt(alarmLogicalId(definition), 'Arn'));
    }
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push(rest);
  return joined(parts);
}
