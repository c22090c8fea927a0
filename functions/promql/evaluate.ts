/**
 * Evaluates a parsed expression at one instant against a SampleSource, as a Prometheus instant query does
 * (Prometheus 3 semantics: selector windows are left-open, (t - range, t] and (t - lookback, t]; Prometheus 2.x
 * included the left edge).
 */

import { aggregate, aggregateStream, type StreamItem } from './aggregate';
import type { Expr, Matcher, MatrixSelector, VectorSelector } from './ast';
import { scalarBinary, vectorBinary, vectorScalarBinary } from './binary';
import { isSupportedFunction } from './catalog';
import { PromqlError } from './errors';
import { absentLabels, INSTANT_FUNCTIONS, KEEPS_METRIC_NAME, RANGE_FUNCTIONS } from './functions';
import {
  compareLabelSets,
  dropMetricName,
  fromRecord,
  type LabelSet,
  labelKey,
  METRIC_NAME,
  toRecord,
} from './labels';
import { matchesLabels, matchesValue } from './matchers';
import { type Labels, labelValue, type Sample, type SampleSource } from './source';
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

/** The float samples of a series inside (startMs, endMs], staleness markers skipped. */
function windowPoints(samples: readonly Sample[], startMs: number, endMs: number): Sample[] {
  const from = firstAfter(samples, startMs);
  const to = firstAfter(samples, endMs);
  const points: Sample[] = [];
  for (let i = from; i < to; i++) if (samples[i]!.stale !== true) points.push(samples[i]!);
  return points;
}

function matchesRecord(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const matcher of matchers) if (!matchesValue(matcher, labelValue(labels, matcher.label))) return false;
  return true;
}

/** A leaf's series as an aggregation reads them: the source's labels (with `__name__` unless the function drops it). */
interface Stream {
  keepsName: boolean;
  items(): Iterable<StreamItem>;
}

class Evaluator {
  constructor(
    private readonly source: SampleSource,
    private readonly atMs: number,
    private readonly lookbackMs: number,
  ) {}

  /**
   * Series for a selector with their labels as the evaluator keeps them. The source already gives each label set
   * once and in Prometheus' order (SampleSource), so nothing is keyed, merged or sorted here.
   */
  private *select(selector: VectorSelector, startMs: number, endMs: number): Iterable<SelectedSeries> {
    for (const series of this.source.select(selector.matchers, startMs, endMs)) {
      const labels = fromRecord(series.labels);
      if (!matchesLabels(selector.matchers, labels)) continue;
      yield { labels, samples: series.samples };
    }
  }

  /** The latest sample of a series within the lookback before `refMs`, unless it is a staleness marker. */
  private latest(samples: readonly Sample[], refMs: number): Sample | undefined {
    const sample = samples[firstAfter(samples, refMs) - 1];
    if (sample === undefined || sample.t <= refMs - this.lookbackMs || sample.stale === true)
      return undefined;
    return sample;
  }

  /**
   * A selector, or a range function over one, as a stream of (source labels, value) that an aggregation consumes
   * without building a label set per series; undefined when the expression is anything else, or when dropping
   * `__name__` could make two series equal (Prometheus fails on that, so the general path must see it).
   */
  private streamOf(expr: Expr): Stream | undefined {
    if (expr.kind === 'paren') return this.streamOf(expr.expr);
    if (expr.kind === 'selector') {
      const refMs = this.atMs - expr.offsetMs;
      const source = this.source;
      const startMs = refMs - this.lookbackMs;
      const latest = (samples: readonly Sample[]) => this.latest(samples, refMs);
      return {
        keepsName: true,
        *items() {
          for (const series of source.select(expr.matchers, startMs, refMs)) {
            if (!matchesRecord(expr.matchers, series.labels)) continue;
            const sample = latest(series.samples);
            if (sample !== undefined) yield { labels: series.labels, value: sample.v };
          }
        },
      };
    }
    if (expr.kind !== 'call' || expr.func === 'absent_over_time') return undefined;
    const rangeFunction = RANGE_FUNCTIONS[expr.func as keyof typeof RANGE_FUNCTIONS];
    const range = expr.args[0];
    if (rangeFunction === undefined || range?.kind !== 'range') return undefined;
    const keepsName = KEEPS_METRIC_NAME.has(expr.func);
    if (!keepsName && !range.selector.matchers.some((m) => m.label === METRIC_NAME && m.op === '=')) {
      return undefined;
    }
    const endMs = this.atMs - range.selector.offsetMs;
    const window = { startMs: endMs - range.rangeMs, endMs, rangeMs: range.rangeMs };
    const source = this.source;
    return {
      keepsName,
      *items() {
        for (const series of source.select(range.selector.matchers, window.startMs, endMs)) {
          if (!matchesRecord(range.selector.matchers, series.labels)) continue;
          const points = windowPoints(series.samples, window.startMs, endMs);
          if (points.length === 0) continue;
          const value = rangeFunction(points, window);
          if (value !== undefined) yield { labels: series.labels, value };
        }
      },
    };
  }

  private instantSelector(selector: VectorSelector): VectorSample[] {
    const refMs = this.atMs - selector.offsetMs;
    const out: VectorSample[] = [];
    for (const series of this.select(selector, refMs - this.lookbackMs, refMs)) {
      const sample = this.latest(series.samples, refMs);
      if (sample !== undefined) out.push({ labels: series.labels, value: sample.v, t: sample.t });
    }
    return out;
  }

  private rangeSelector(range: MatrixSelector): { series: RangeSeries[]; startMs: number; endMs: number } {
    const endMs = this.atMs - range.selector.offsetMs;
    const startMs = endMs - range.rangeMs;
    const series: RangeSeries[] = [];
    for (const selected of this.select(range.selector, startMs, endMs)) {
      const points = windowPoints(selected.samples, startMs, endMs);
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
    // Selectors (the source's contract), aggregations (one sample per group) and parentheses (checked inside)
    // cannot hold a label set twice; functions, unary minus and operators that drop `__name__` can.
    if (
      value.type === 'vector' &&
      (expr.kind === 'call' || expr.kind === 'unary' || expr.kind === 'binary')
    ) {
      this.checkUnique(value.samples, expr);
    }
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
        const stream = this.streamOf(expr.expr);
        if (stream !== undefined) {
          return { type: 'vector', samples: aggregateStream(expr, stream.items(), stream.keepsName, param) };
        }
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
