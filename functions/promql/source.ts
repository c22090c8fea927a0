/** Where the evaluator reads samples from, and the in-memory implementation tests and the history store use. */
import type { Matcher } from './ast';
import { METRIC_NAME } from './labels';
import { matchesValue } from './matchers';

/** One sample: `t` in epoch milliseconds. */
export interface Sample {
  t: number;
  v: number;
  /**
   * A staleness marker (Prometheus writes one when a series disappears from a scrape or the target fails):
   * an instant selector finds nothing at or after it within the lookback, and range functions skip it.
   */
  stale?: boolean;
}

/** Label names to values, `__name__` included. */
export type Labels = Readonly<Record<string, string>>;

export interface SeriesSamples {
  labels: Labels;
  /** Ascending by `t`. */
  samples: readonly Sample[];
}

/**
 * Returns the series matching every matcher (a missing label matches as ""), with at least their samples in
 * (startMs, endMs]; returning more series or samples than that is allowed (the evaluator filters again).
 */
export interface SampleSource {
  select(matchers: readonly Matcher[], startMs: number, endMs: number): Iterable<SeriesSamples>;
}

function labelValue(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

/** A SampleSource over series held in memory, indexed by metric name. */
export function memorySource(series: readonly SeriesSamples[]): SampleSource {
  const byName = new Map<string, SeriesSamples[]>();
  for (const entry of series) {
    const name = labelValue(entry.labels, METRIC_NAME);
    const list = byName.get(name);
    if (list) list.push(entry);
    else byName.set(name, [entry]);
  }
  return {
    select(matchers) {
      const named = matchers.find((m) => m.label === METRIC_NAME && m.op === '=');
      const candidates = named === undefined ? series : (byName.get(named.value) ?? []);
      return candidates.filter((entry) =>
        matchers.every((matcher) => matchesValue(matcher, labelValue(entry.labels, matcher.label))),
      );
    },
  };
}
