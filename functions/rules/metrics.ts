/**
 * A target's published metrics as one list: its `metrics:` and, for a prometheus target with rule files, the
 * metric of each alerting expression, its alarms as thresholds (the dashboard draws them, the dev view lists
 * them). The alarms themselves come from alarms/definitions.ts, which reads the rules' `for:`.
 */
import type { MetricConfig, TargetConfig } from '../config/schema';

export function publishedMetrics(target: TargetConfig): MetricConfig[] {
  if (target.type !== 'prometheus' || target.rules === undefined) return target.metrics;
  const fromRules: MetricConfig[] = target.rules.metrics.map((metric) => ({
    name: metric.name,
    query: metric.query,
    unit: metric.unit,
    thresholds: Object.fromEntries(
      metric.alarms.map((alarm) => [alarm.level, `${alarm.comparison.op} ${alarm.comparison.threshold}`]),
    ),
  }));
  return [...fromRules, ...target.metrics];
}
