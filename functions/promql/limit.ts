/** The cardinality guard callers apply to a vector result before publishing it. */
import { compareLabelSets, fromRecord } from './labels';
import type { Labels } from './source';

/** Series a Prometheus metric publishes by default before the rest are cut and reported. */
export const MAX_SERIES_DEFAULT = 50;

/**
 * Keeps the first `maxSeries` series in Prometheus' label order (deterministic whatever order they come in) and
 * says how many were cut. Throws RangeError unless maxSeries is a positive integer.
 */
export function limitSeries<T extends { labels: Labels }>(
  series: readonly T[],
  maxSeries: number = MAX_SERIES_DEFAULT,
): { series: T[]; truncated: number } {
  if (!Number.isInteger(maxSeries) || maxSeries < 1) {
    throw new RangeError(`maxSeries must be a positive integer, got ${maxSeries}`);
  }
  const sorted = series
    .map((entry) => ({ entry, labels: fromRecord(entry.labels) }))
    .sort((a, b) => compareLabelSets(a.labels, b.labels))
    .map(({ entry }) => entry);
  const truncated = Math.max(0, sorted.length - maxSeries);
  return { series: sorted.slice(0, maxSeries), truncated };
}
