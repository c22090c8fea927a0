/**
 * The page's charts, as data: which stored series go on which chart, the thresholds drawn on it and the alarms whose
 * ALARM periods shade it, and the points of a time range thinned to what a chart can show. Pure.
 *
 * One chart per metric and target: every series of it (Prometheus `by` labels, probe locations) is a line on that
 * chart, since its alarms watch them together. The five HTTP timing phases share one chart per target. Series
 * without a Target dimension (the probe's heartbeat) get a chart per dimension set, Location aside.
 */
import type { AlarmDefinition, MetricSelector } from '../alarms/definitions';
import { matchesSelector } from '../alarms/definitions';
import type { Severity } from '../alerts/types';
import type { VigilConfig } from '../config/schema';
import type { Point, Series } from '../dev/store';
import { LOCATION_DIMENSION, STANDARD_METRICS, TARGET_DIMENSION } from '../metrics/datums';
import type { MetricUnit } from '../metrics/units';

/** The timing phases, in the order a request goes through them. */
export const PHASE_METRICS = [
  STANDARD_METRICS.dnsLookup,
  STANDARD_METRICS.connect,
  STANDARD_METRICS.tlsHandshake,
  STANDARD_METRICS.timeToFirstByte,
  STANDARD_METRICS.transfer,
] as const;
const PHASES: ReadonlySet<string> = new Set(PHASE_METRICS);
const PHASES_CHART = 'phases';

export interface ChartLine {
  key: string;
  label: string;
}

export interface ChartThreshold {
  alarm: string;
  severity: Severity;
  op: string;
  value: number;
}

export interface ChartSpec {
  id: string;
  title: string;
  target?: string;
  metric: string;
  unit: MetricUnit;
  series: ChartLine[];
  thresholds: ChartThreshold[];
  /** Alarms watching this chart's series: their ALARM periods are shaded. */
  alarms: string[];
}

type SeriesHead = Pick<Series, 'key' | 'namespace' | 'metricName' | 'dimensions' | 'unit'>;

function without(dimensions: Readonly<Record<string, string>>, names: readonly string[]) {
  return Object.entries(dimensions)
    .filter(([name]) => !names.includes(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The chart a series belongs on. */
export function chartIdOf(series: Pick<Series, 'namespace' | 'metricName' | 'dimensions'>): string {
  const target = series.dimensions[TARGET_DIMENSION];
  const metric = target !== undefined && PHASES.has(series.metricName) ? PHASES_CHART : series.metricName;
  const scope = target ?? without(series.dimensions, [LOCATION_DIMENSION]);
  return JSON.stringify([series.namespace, metric, scope]);
}

/** What tells the series of one chart apart: labels and location, and the phase on the phases chart. */
function lineLabel(series: SeriesHead): string {
  const target = series.dimensions[TARGET_DIMENSION];
  const own = without(series.dimensions, target === undefined ? [] : [TARGET_DIMENSION]);
  const parts = (target === undefined ? own.filter(([name]) => name === LOCATION_DIMENSION) : own).map(
    ([name, value]) => `${name}=${value}`,
  );
  if (PHASES.has(series.metricName) && target !== undefined) parts.unshift(series.metricName);
  return parts.length === 0 ? series.metricName : parts.join(' ');
}

function selectors(definition: AlarmDefinition): MetricSelector[] {
  return definition.math ? definition.math.queries.map((query) => query.metric) : [definition.metric];
}

/** Where a target's chart goes: success first, then the config's own metrics, latency, then the rest by name. */
function metricRank(config: VigilConfig, target: string | undefined, metric: string): number {
  if (metric === STANDARD_METRICS.success) return 0;
  const configured =
    config.targets.find((each) => each.name === target)?.metrics.map((each) => each.name) ?? [];
  const at = configured.indexOf(metric);
  if (at >= 0) return 1 + at;
  if (metric === STANDARD_METRICS.duration) return 1_000;
  if (metric === PHASES_CHART) return 1_001;
  return 2_000;
}

/** The charts for the stored series, in page order, with the thresholds and alarms of each. */
export function chartSpecs(
  config: VigilConfig,
  series: readonly SeriesHead[],
  definitions: readonly AlarmDefinition[],
): ChartSpec[] {
  const charts = new Map<string, ChartSpec & { heads: SeriesHead[] }>();
  for (const head of series) {
    const id = chartIdOf(head);
    let chart = charts.get(id);
    if (!chart) {
      const target = head.dimensions[TARGET_DIMENSION];
      const metric = target !== undefined && PHASES.has(head.metricName) ? PHASES_CHART : head.metricName;
      const scope =
        target ??
        without(head.dimensions, [LOCATION_DIMENSION])
          .map(([, value]) => value)
          .join(' ');
      chart = {
        id,
        title: `${scope} · ${metric === PHASES_CHART ? 'latency by phase' : metric}`,
        ...(target === undefined ? {} : { target }),
        metric,
        unit: head.unit,
        series: [],
        thresholds: [],
        alarms: [],
        heads: [],
      };
      charts.set(id, chart);
    }
    chart.series.push({ key: head.key, label: lineLabel(head) });
    chart.heads.push(head);
  }
  for (const chart of charts.values()) {
    chart.series.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    for (const definition of definitions) {
      const watched = selectors(definition).some((selector) =>
        chart.heads.some((head) => matchesSelector(selector, head)),
      );
      if (!watched) continue;
      chart.alarms.push(definition.name);
      // A metric-math alarm's threshold is on its expression (failing locations), not on these series' values.
      if (!definition.math)
        chart.thresholds.push({
          alarm: definition.name,
          severity: definition.severity,
          op: definition.comparison.op,
          value: definition.threshold,
        });
    }
  }
  const targetOrder = (chart: ChartSpec) => {
    const at = config.targets.findIndex((target) => target.name === chart.target);
    return at < 0 ? config.targets.length : at;
  };
  return [...charts.values()]
    .sort(
      (a, b) =>
        targetOrder(a) - targetOrder(b) ||
        metricRank(config, a.target, a.metric) - metricRank(config, b.target, b.metric) ||
        (a.id < b.id ? -1 : 1),
    )
    .map(({ heads: _heads, ...chart }) => chart);
}

/**
 * At most about 2 × `buckets` points of [from, to): the lowest and the highest point of each equal stretch of time,
 * in time order, so a spike or a dip survives thinning (a chart cannot draw more points than it has pixels; an
 * average would hide exactly what a threshold is about). Fewer points than that come back unchanged.
 */
export function thin(
  points: readonly Point[],
  range: { from: number; to: number },
  buckets: number,
): Point[] {
  if (points.length <= 2 * buckets || buckets < 1) return [...points];
  const width = (range.to - range.from) / buckets;
  const out: Point[] = [];
  let bucket = Number.NaN;
  let low: Point | undefined;
  let high: Point | undefined;
  const close = () => {
    if (!low || !high) return;
    if (low === high) out.push(low);
    else if (low.timestamp <= high.timestamp) out.push(low, high);
    else out.push(high, low);
  };
  for (const point of points) {
    const at = Math.floor((point.timestamp - range.from) / width);
    if (at !== bucket) {
      close();
      bucket = at;
      low = point;
      high = point;
      continue;
    }
    if (point.value < low!.value) low = point;
    if (point.value > high!.value) high = point;
  }
  close();
  return out;
}

/** One series on the wire: the first timestamp and then differences (ms), which keeps a day of 5 s data small. */
export interface WireSeries {
  key: string;
  t0: number;
  dt: number[];
  v: number[];
}

export function wireSeries(key: string, points: readonly Point[]): WireSeries {
  const dt: number[] = [];
  for (let index = 1; index < points.length; index++)
    dt.push(points[index]!.timestamp - points[index - 1]!.timestamp);
  return { key, t0: points[0]?.timestamp ?? 0, dt, v: points.map((point) => point.value) };
}
