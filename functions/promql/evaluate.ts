/**
 * Evaluates a parsed expression at one instant against a SampleSource, as a Prometheus instant query does
 * (Prometheus 3 semantics: selector windows are left-open, (t - range, t] and (t - lookback, t]; Prometheus 2.x
 * included the left edge).
 */

import { aggregate } from './aggregate';
import type { Expr, MatrixSelector, VectorSelector } from './ast';
import { scalarBinary, vectorBinary, vectorScalarBinary } from './binary';
import { isSupportedFunction } from './catalog';
import { PromqlError } from './errors';
import { absentLabels, INSTANT_FUNCTIONS, KEEPS_METRIC_NAME, RANGE_FUNCTIONS } from './functions';
import { compareLabelSets, dropMetricName, fromRecord, type LabelSet, labelKey, toRecord } from './labels';
import { matchesLabels } from './matchers';
import type { Labels, Sample, SampleSource } from './source';
import type { RangeSeries, Value, VectorSample } from './values';

/** Prometheus' default --query.lookback-delta: how far back an instant selector looks for a sample. */
export const DEFAULT_LOOKBACK_MS = 300_000;

export interface EvaluateOptions {
  /** How far back an instant selector looks for the latest sample (default 5m). */
  lookbackMs?: number;
}

export type InstantValue =
  | { type: 'scalar'; value: number }
  | { type: 'vector'; series: { labels: Labels; value: number }[] };

interface SelectedSeries {
  labels: LabelSet;
  samples: readonly Sample[];
}

/** The first index with samples[i].t > t (samples ascending by t). */
function firstAfter(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Label sets per source record: a store hands the same record every round, so convert (and sort) it once. */
const labelSets = new WeakMap<Labels, LabelSet>();

function labelSetOf(labels: Labels): LabelSet {
  let set = labelSets.get(labels);
  if (set === undefined) {
    set = fromRecord(labels);
    labelSets.set(labels, set);
  }
  return set;
}

function mergeSamples(a: readonly Sample[], b: readonly Sample[]): Sample[] {
  const merged = [...a, ...b].sort((x, y) => x.t - y.t);
  // Like a TSDB append, the first sample for a timestamp wins.
  return merged.filter((sample, i) => i === 0 || merged[i - 1]!.t !== sample.t);
}

class Evaluator {
  constructor(
    private readonly source: SampleSource,
    private readonly atMs: number,
    private readonly lookbackMs: number,
  ) {}

  /** Series for a selector as storage returns them: label-sorted, one per label set, matchers re-checked. */
  private select(selector: VectorSelector, startMs: number, endMs: number): SelectedSeries[] {
    const byKey = new Map<string, SelectedSeries>();
    for (const series of this.source.select(selector.matchers, startMs, endMs)) {
      const labels = labelSetOf(series.labels);
      if (!matchesLabels(selector.matchers, labels)) continue;
      const key = labelKey(labels);
      const existing = byKey.get(key);
      if (existing) byKey.set(key, { labels, samples: mergeSamples(existing.samples, series.samples) });
      else byKey.set(key, { labels, samples: series.samples });
    }
    return [...byKey.values()].sort((a, b) => compareLabelSets(a.labels, b.labels));
  }

  private instantSelector(selector: VectorSelector): VectorSample[] {
    const refMs = this.atMs - selector.offsetMs;
    const out: VectorSample[] = [];
    for (const series of this.select(selector, refMs - this.lookbackMs, refMs)) {
      const index = firstAfter(series.samples, refMs) - 1;
      const sample = series.samples[index];
      if (sample === undefined || sample.t <= refMs - this.lookbackMs || sample.stale === true) continue;
      out.push({ labels: series.labels, value: sample.v, t: sample.t });
    }
    return out;
  }

  private rangeSelector(range: MatrixSelector): { series: RangeSeries[]; startMs: number; endMs: number } {
    const endMs = this.atMs - range.selector.offsetMs;
    const startMs = endMs - range.rangeMs;
    const series: RangeSeries[] = [];
    for (const selected of this.select(range.selector, startMs, endMs)) {
      const from = firstAfter(selected.samples, startMs);
      const to = firstAfter(selected.samples, endMs);
      const points = selected.samples.slice(from, to).filter((sample) => sample.stale !== true);
      if (points.length > 0) series.push({ labels: selected.labels, points });
    }
    return { series, startMs, endMs };
  }

  private checkUnique(samples: readonly VectorSample[], expr: Expr): void {
    if (samples.length < 2) return;
    const seen = new Set<string>();
    for (const sample of samples) {
      const key = labelKey(sample.labels);
      if (seen.has(key))
        throw new PromqlError(expr.pos.start, 'vector cannot contain metrics with the same labelset');
      seen.add(key);
    }
  }

  eval(expr: Expr): Value {
    const value = this.evalNode(expr);
    if (value.type === 'vector') this.checkUnique(value.samples, expr);
    return value;
  }

  private vector(expr: Expr): VectorSample[] {
    const value = this.eval(expr);
    return value.type === 'vector' ? value.samples : [];
  }

  private evalNode(expr: Expr): Value {
    switch (expr.kind) {
      case 'number':
        return { type: 'scalar', value: expr.value };
      case 'string':
        return { type: 'string', value: expr.value };
      case 'paren':
        return this.eval(expr.expr);
      case 'selector':
        return { type: 'vector', samples: this.instantSelector(expr) };
      case 'range':
        throw new PromqlError(expr.pos.start, 'a range vector cannot be evaluated on its own');
      case 'unary': {
        const value = this.eval(expr.expr);
        if (expr.op === '+') return value;
        if (value.type === 'scalar') return { type: 'scalar', value: -value.value };
        if (value.type !== 'vector') return value;
        return {
          type: 'vector',
          samples: value.samples.map((sample) => ({
            labels: dropMetricName(sample.labels),
            value: -sample.value,
          })),
        };
      }
      case 'binary': {
        const lhs = this.eval(expr.lhs);
        const rhs = this.eval(expr.rhs);
        if (lhs.type === 'scalar' && rhs.type === 'scalar') {
          return { type: 'scalar', value: scalarBinary(expr.op, lhs.value, rhs.value) };
        }
        if (lhs.type === 'vector' && rhs.type === 'scalar') {
          return { type: 'vector', samples: vectorScalarBinary(expr, lhs.samples, rhs.value, false) };
        }
        if (lhs.type === 'scalar' && rhs.type === 'vector') {
          return { type: 'vector', samples: vectorScalarBinary(expr, rhs.samples, lhs.value, true) };
        }
        if (lhs.type === 'vector' && rhs.type === 'vector') {
          return { type: 'vector', samples: vectorBinary(expr, lhs.samples, rhs.samples) };
        }
        throw new PromqlError(
          expr.pos.start,
          'binary expression must contain only scalar and instant vector types',
        );
      }
      case 'aggregation': {
        const param = expr.param === undefined ? Number.NaN : this.scalar(expr.param);
        return { type: 'vector', samples: aggregate(expr, this.vector(expr.expr), param) };
      }
      case 'call':
        return this.call(expr);
    }
  }

  private scalar(expr: Expr): number {
    const value = this.eval(expr);
    return value.type === 'scalar' ? value.value : Number.NaN;
  }

  private call(expr: Extract<Expr, { kind: 'call' }>): Value {
    const { func } = expr;
    if (!isSupportedFunction(func))
      throw new PromqlError(expr.pos.start, `unknown function with name ${JSON.stringify(func)}`);
    const rangeFunction = RANGE_FUNCTIONS[func];
    const rangeArg = expr.args[0];
    if (func === 'absent_over_time' && rangeArg?.kind === 'range') {
      const { series } = this.rangeSelector(rangeArg);
      return {
        type: 'vector',
        samples: series.length > 0 ? [] : [{ labels: absentLabels(rangeArg), value: 1 }],
      };
    }
    if (rangeFunction !== undefined && rangeArg?.kind === 'range') {
      const { series, startMs, endMs } = this.rangeSelector(rangeArg);
      const window = { startMs, endMs, rangeMs: rangeArg.rangeMs };
      const keepName = KEEPS_METRIC_NAME.has(func);
      const samples: VectorSample[] = [];
      for (const entry of series) {
        const value = rangeFunction(entry.points, window);
        if (value === undefined) continue;
        samples.push({ labels: keepName ? entry.labels : dropMetricName(entry.labels), value });
      }
      return { type: 'vector', samples };
    }
    const instantFunction = INSTANT_FUNCTIONS[func];
    if (instantFunction === undefined) {
      throw new PromqlError(expr.pos.start, `${func}() needs a range selector such as x[5m]`);
    }
    return instantFunction(
      expr.args.map((arg) => this.eval(arg)),
      expr,
      this.atMs,
    );
  }
}

/**
 * Evaluates `expr` at `atMs` (epoch ms). A vector result is sorted by labels (Prometheus' label order).
 * Throws PromqlError for what fails at evaluation time in Prometheus too (e.g. duplicate series in a match).
 */
export function evaluateInstant(
  expr: Expr,
  source: SampleSource,
  atMs: number,
  options: EvaluateOptions = {},
): InstantValue {
  const value = new Evaluator(source, atMs, options.lookbackMs ?? DEFAULT_LOOKBACK_MS).eval(expr);
  switch (value.type) {
    case 'scalar':
      return { type: 'scalar', value: value.value };
    case 'vector':
      return {
        type: 'vector',
        series: [...value.samples]
          .sort((a, b) => compareLabelSets(a.labels, b.labels))
          .map((sample) => ({ labels: toRecord(sample.labels), value: sample.value })),
      };
    case 'string':
      throw new PromqlError(expr.pos.start, 'a string expression has no instant value');
  }
}
