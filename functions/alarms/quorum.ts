/**
 * "Down from at least K of N locations for M of N periods": the down alarm when vigil.yml lists
 * `probe.locations`. Each location publishes ProbeSuccess with its own Location dimension; the alarm reads the
 * Minimum of each (0 when that location saw a failure in the period), and one metric-math expression counts the
 * failing locations, `SUM(1 - METRICS())`: a location with no datapoint (it did not run) adds nothing, so a
 * stalled location never counts as a failing one (its "probe stalled" alarm says so instead). The alarm fires at
 * `>= quorum` in M of N periods, so one flaky location never pages. CloudWatch allows 10 metrics per math alarm,
 * hence at most 10 locations (config/schema.ts); each metric is billed as an alarm metric ($0.10 a month).
 */
import type { VigilConfig } from '../config/schema';
import { LOCATION_DIMENSION, STANDARD_METRICS, TARGET_DIMENSION } from '../metrics/datums';
import type { AlarmMath, MetricSelector } from './definitions';
import { type MathExpr, renderMath } from './metric-math';

/** The expression's id in the alarm's Metrics (ids must start with a lower-case letter). */
const QUORUM_EXPRESSION_ID = 'failing';

/** The default quorum: a majority of the locations. */
export function quorumOf(probe: VigilConfig['probe']): number {
  const locations = probe.locations?.length ?? 1;
  return probe.quorum ?? Math.floor(locations / 2) + 1;
}

/** `SUM(1 - METRICS())`: how many locations saw the target fail in the period. */
const FAILING_LOCATIONS: MathExpr = {
  kind: 'call',
  fn: 'SUM',
  arg: { kind: 'binary', op: '-', left: { kind: 'number', value: 1 }, right: { kind: 'metrics' } },
};

/** The math of one target's quorum down alarm: one Minimum(ProbeSuccess) per location, and the count. */
export function quorumMath(config: VigilConfig, target: string, locations: readonly string[]): AlarmMath {
  return {
    queries: locations.map((location, index) => ({
      id: `l${index + 1}`,
      label: location,
      statistic: 'Minimum',
      metric: {
        namespace: config.namespace,
        metricName: STANDARD_METRICS.success,
        dimensions: { [TARGET_DIMENSION]: target, [LOCATION_DIMENSION]: location },
        series: 'exact',
      } satisfies MetricSelector,
    })),
    id: QUORUM_EXPRESSION_ID,
    expression: renderMath(FAILING_LOCATIONS),
    label: `locations where ${target} failed`,
  };
}
