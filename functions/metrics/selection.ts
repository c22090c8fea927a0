/**
 * What reaches CloudWatch (`publish.metrics`, `publish.aggregates`): every custom metric costs $0.30 a month, so a
 * team whose alarms the probe evaluates itself (`alarms.mode: self`) may publish only what it wants to graph. Pure.
 *
 * - The heartbeat is always published: "probe stalled" watches it, in CloudWatch, whatever evaluates the rest.
 * - `metrics`: `all` (default), `none`, or a list of names (standard ones, `targets[].metrics[].name`s and the
 *   metrics of rule files' alerting rules).
 * - `aggregates`: per round and location two counts, TargetsUp and TargetsDown, with the heartbeat's dimensions,
 *   so a fleet's health stays on a graph for $0.60 a location.
 */
import type { ConfigIssue } from '../config/load';
import type { PublishConfig, VigilConfig } from '../config/schema';
import { publishedMetrics } from '../rules/metrics';
import { type Datum, HEARTBEAT, STANDARD_METRICS } from './datums';

export const AGGREGATE_METRICS = { up: 'TargetsUp', down: 'TargetsDown' } as const;

/** Is this per-target metric published? */
export function isPublished(publish: PublishConfig, metricName: string): boolean {
  const { metrics } = publish;
  return metrics === 'all' || (metrics !== 'none' && metrics.includes(metricName));
}

/** The datums to send: the selected per-target ones, the heartbeat, and the aggregates when asked for. */
export function selectDatums(publish: PublishConfig, datums: readonly Datum[]): Datum[] {
  const selected: Datum[] = [];
  let up = 0;
  let down = 0;
  let heartbeat: Datum | undefined;
  for (const datum of datums) {
    if (datum.MetricName === HEARTBEAT.metric) {
      heartbeat = datum;
      selected.push(datum);
      continue;
    }
    if (datum.MetricName === STANDARD_METRICS.success) {
      if (datum.Value === 1) up++;
      else down++;
    }
    if (isPublished(publish, datum.MetricName)) selected.push(datum);
  }
  // One-off rounds (`vigil probe --publish`) have no heartbeat, and no round of the fleet to count.
  if (publish.aggregates && heartbeat) {
    const { Dimensions, Timestamp } = heartbeat;
    for (const [MetricName, Value] of [
      [AGGREGATE_METRICS.up, up],
      [AGGREGATE_METRICS.down, down],
    ] as const)
      selected.push({ MetricName, Dimensions, Timestamp, Value, Unit: 'Count' });
  }
  return selected;
}

/**
 * Problems of the selection: names nothing publishes, alarms in CloudWatch reading a metric left out, and a self
 * mode with several locations (a quorum needs every location's results in one place, which CloudWatch is).
 */
export function selectionIssues(config: VigilConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const known = new Set<string>([
    ...Object.values(STANDARD_METRICS),
    ...config.targets.flatMap((target) => publishedMetrics(target).map((metric) => metric.name)),
  ]);
  const { metrics } = config.publish;
  if (Array.isArray(metrics))
    metrics.forEach((name, index) => {
      if (!known.has(name))
        issues.push({
          path: `publish.metrics[${index}]`,
          message: `"${name}" is not a metric vigil publishes: use ${[...Object.values(STANDARD_METRICS)].join(', ')}, a targets[].metrics[].name or a rule's metric (vigil rules check lists them)`,
        });
    });
  if (config.alarms.mode === 'self') {
    if (config.probe.locations)
      issues.push({
        path: 'alarms.mode',
        message:
          "self-evaluated alarms run in one probe, and a quorum over probe.locations needs every location's results in one place: use alarms.mode: cloudwatch with locations",
      });
    return issues;
  }
  // What the template's alarms read (alarms/definitions.ts): the down alarm (alarms.down, or a rule file's
  // `up == 0`), each thresholded metric, each alerting rule's metric.
  const read = new Map<string, string>();
  if (config.alarms.down.enabled) read.set(STANDARD_METRICS.success, 'alarms.down');
  config.targets.forEach((target, targetIndex) => {
    const rules = target.type === 'prometheus' ? target.rules : undefined;
    if (rules?.down?.alarm && !read.has(STANDARD_METRICS.success))
      read.set(STANDARD_METRICS.success, `targets[${targetIndex}].rules (${rules.down.alarm.alert})`);
    for (const metric of rules?.metrics ?? [])
      if (!read.has(metric.name)) read.set(metric.name, `targets[${targetIndex}].rules`);
    target.metrics.forEach((metric, metricIndex) => {
      if (metric.thresholds && !read.has(metric.name))
        read.set(metric.name, `targets[${targetIndex}].metrics[${metricIndex}].thresholds`);
    });
  });
  for (const [name, source] of read)
    if (!isPublished(config.publish, name))
      issues.push({
        path: 'publish.metrics',
        message: `${source} alarms on ${name}, which publish.metrics leaves out: CloudWatch would see no data; publish it, or set alarms.mode: self`,
      });
  return issues;
}
