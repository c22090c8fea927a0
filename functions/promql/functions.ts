/**
 * PromQL functions, ported from Prometheus 3 promql/functions.go. Range functions see the float samples of one
 * series inside its window; instant functions map whole vectors. Every function drops `__name__` except
 * last_over_time (which acts like an offset) and label_replace.
 */
import type { Call, Expr } from './ast';
import type { FunctionName } from './catalog';
import { KahanSum, kahanMean } from './kahan';
import {
  BUCKET_LABEL,
  dropLabels,
  dropMetricName,
  getLabel,
  type LabelSet,
  labelKey,
  METRIC_NAME,
  setLabel,
} from './labels';
import { parseGoFloat } from './numbers';
import { type Bucket, bucketQuantile } from './quantile';
import { compileMatcherRegex, expandTemplate } from './regex';
import type { Sample } from './source';
import type { Value, VectorSample, Window } from './values';

type RangeFunction = (points: readonly Sample[], window: Window) => number | undefined;

/** time.Duration.Seconds() for a whole number of milliseconds, rounded as Go rounds it. */
function rangeSeconds(ms: number): number {
  return Math.trunc(ms / 1000) + ((ms % 1000) * 1e6) / 1e9;
}

/**
 * rate, increase and delta (functions.go extrapolatedRate): the increase between the first and last sample,
 * counter resets added back, extrapolated to the window edges when the samples come close enough to them
 * (within 110% of the average interval), else by half an interval; a counter is never extrapolated below zero.
 * Prometheus ≥ 2.51 applies that zero limit after the half-interval choice (commit 7f912db1, "Fix limiting of
 * extrapolation to negative values"); 2.42 applied it first, so a few windows differ there.
 */
function extrapolatedRate(
  points: readonly Sample[],
  window: Window,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const first = points[0]!;
  const last = points[n - 1]!;
  let result = last.v - first.v;
  if (isCounter) {
    for (let i = 1; i < n; i++) {
      const prev = points[i - 1]!.v;
      if (points[i]!.v < prev) result += prev;
    }
  }
  let durationToStart = (first.t - window.startMs) / 1000;
  let durationToEnd = (window.endMs - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter) {
    let durationToZero = durationToStart;
    if (result > 0 && first.v >= 0) durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = 1;
  if (sampledInterval !== 0) factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeSeconds(window.rangeMs);
  return result * factor;
}

/** irate and idelta (functions.go instantValue): the last two samples; for irate a decrease is a reset. */
function instantValue(points: readonly Sample[], isRate: boolean): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const previous = points[n - 2]!;
  const last = points[n - 1]!;
  const sampledInterval = last.t - previous.t;
  if (sampledInterval === 0) return undefined;
  let result = last.v;
  if (!isRate || !(last.v < previous.v)) result = last.v - previous.v;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

function compareOverTime(
  points: readonly Sample[],
  better: (candidate: number, best: number) => boolean,
): number {
  let best = points[0]!.v;
  for (const point of points) if (better(point.v, best)) best = point.v;
  return best;
}

export const RANGE_FUNCTIONS: Partial<Record<FunctionName, RangeFunction>> = {
  rate: (points, window) => extrapolatedRate(points, window, true, true),
  increase: (points, window) => extrapolatedRate(points, window, true, false),
  delta: (points, window) => extrapolatedRate(points, window, false, false),
  irate: (points) => instantValue(points, true),
  idelta: (points) => instantValue(points, false),
  avg_over_time: (points) => kahanMean(points.map((point) => point.v)),
  min_over_time: (points) => compareOverTime(points, (value, best) => value < best || Number.isNaN(best)),
  max_over_time: (points) => compareOverTime(points, (value, best) => value > best || Number.isNaN(best)),
  sum_over_time: (points) => {
    const acc = new KahanSum();
    for (const point of points) acc.add(point.v);
    return Number.isFinite(acc.sum) || Number.isNaN(acc.sum) ? acc.sum + acc.compensation : acc.sum;
  },
  count_over_time: (points) => points.length,
  last_over_time: (points) => points[points.length - 1]!.v,
  changes: (points) => {
    let changes = 0;
    for (let i = 1; i < points.length; i++) {
      const prev = points[i - 1]!.v;
      const cur = points[i]!.v;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
    }
    return changes;
  },
  resets: (points) => {
    let resets = 0;
    for (let i = 1; i < points.length; i++) if (points[i]!.v < points[i - 1]!.v) resets++;
    return resets;
  },
};

/** Range functions whose result keeps the metric name. */
export const KEEPS_METRIC_NAME: ReadonlySet<string> = new Set(['last_over_time']);

/**
 * The labels absent() and absent_over_time() give their one sample (functions.go
 * createLabelsForAbsentFunction): each label an `=` matcher pins, unless a label has several matchers.
 */
export function absentLabels(arg: Expr): LabelSet {
  const selector = arg.kind === 'selector' ? arg : arg.kind === 'range' ? arg.selector : undefined;
  if (selector === undefined) return [];
  let labels: LabelSet = [];
  const has = new Set<string>();
  for (const matcher of selector.matchers) {
    if (matcher.label === METRIC_NAME) continue;
    if (matcher.op === '=' && !has.has(matcher.label)) {
      labels = setLabel(labels, matcher.label, matcher.value);
      has.add(matcher.label);
    } else {
      labels = dropLabels(labels, new Set([matcher.label]));
    }
  }
  return labels;
}

function vectorOf(value: Value | undefined): VectorSample[] {
  return value?.type === 'vector' ? value.samples : [];
}

function scalarOf(value: Value | undefined): number {
  return value?.type === 'scalar' ? value.value : Number.NaN;
}

function stringOf(value: Value | undefined): string {
  return value?.type === 'string' ? value.value : '';
}

function mapValues(value: Value | undefined, f: (v: number) => number): Value {
  return {
    type: 'vector',
    samples: vectorOf(value).map((sample) => ({
      labels: dropMetricName(sample.labels),
      value: f(sample.value),
    })),
  };
}

/** Go's math.Log10 and math.Log2 formulas (not the libm ones JavaScript uses, which round differently). */
function goLog10(x: number): number {
  return Math.log(x) * Math.LOG10E;
}

function goLog2(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log2(x);
  // math.Log2: frexp, exact for powers of two.
  let exp = Math.floor(Math.log2(x));
  let frac = x / 2 ** exp;
  // frexp normalises frac into [0.5, 1).
  while (frac >= 1) {
    frac /= 2;
    exp++;
  }
  while (frac < 0.5) {
    frac *= 2;
    exp--;
  }
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * Math.LOG2E + exp;
}

function clamp(value: Value | undefined, min: number, max: number): Value {
  if (max < min) return { type: 'vector', samples: [] };
  return mapValues(value, (v) => Math.max(min, Math.min(max, v)));
}

function histogramQuantile(q: number, samples: readonly VectorSample[]): Value {
  const groups = new Map<string, { labels: LabelSet; buckets: Bucket[] }>();
  const withoutLe = new Set([BUCKET_LABEL]);
  for (const sample of samples) {
    const upperBound = parseGoFloat(getLabel(sample.labels, BUCKET_LABEL));
    if (upperBound === undefined) continue;
    const labels = dropLabels(sample.labels, withoutLe);
    const key = labelKey(labels);
    const group = groups.get(key);
    if (group) group.buckets.push({ upperBound, count: sample.value });
    else groups.set(key, { labels: dropMetricName(labels), buckets: [{ upperBound, count: sample.value }] });
  }
  return {
    type: 'vector',
    samples: [...groups.values()].map((group) => ({
      labels: group.labels,
      value: bucketQuantile(q, group.buckets),
    })),
  };
}

function labelReplace(args: readonly Value[]): Value {
  const [vector, dst, replacement, src, regex] = args;
  const pattern = compileMatcherRegex(stringOf(regex));
  const target = stringOf(dst);
  const template = stringOf(replacement);
  const source = stringOf(src);
  return {
    type: 'vector',
    samples: vectorOf(vector).map((sample) => {
      const match = pattern.exec(getLabel(sample.labels, source));
      if (match === null) return { labels: sample.labels, value: sample.value };
      return {
        labels: setLabel(sample.labels, target, expandTemplate(template, match)),
        value: sample.value,
      };
    }),
  };
}

type InstantFunction = (args: readonly Value[], call: Call, atMs: number) => Value;

export const INSTANT_FUNCTIONS: Partial<Record<FunctionName, InstantFunction>> = {
  abs: ([v]) => mapValues(v, Math.abs),
  ceil: ([v]) => mapValues(v, Math.ceil),
  floor: ([v]) => mapValues(v, Math.floor),
  sqrt: ([v]) => mapValues(v, Math.sqrt),
  exp: ([v]) => mapValues(v, Math.exp),
  ln: ([v]) => mapValues(v, Math.log),
  log2: ([v]) => mapValues(v, goLog2),
  log10: ([v]) => mapValues(v, goLog10),
  round: ([v, nearest]) => {
    const toNearestInverse = 1 / (nearest === undefined ? 1 : scalarOf(nearest));
    return mapValues(v, (f) => Math.floor(f * toNearestInverse + 0.5) / toNearestInverse);
  },
  clamp: ([v, min, max]) => clamp(v, scalarOf(min), scalarOf(max)),
  clamp_min: ([v, min]) => clamp(v, scalarOf(min), Number.POSITIVE_INFINITY),
  clamp_max: ([v, max]) => clamp(v, Number.NEGATIVE_INFINITY, scalarOf(max)),
  timestamp: ([v], call, atMs) => ({
    type: 'vector',
    samples: vectorOf(v).map((sample) => ({
      labels: dropMetricName(sample.labels),
      // Only a selector argument carries its samples' own timestamps; anything else is at the evaluation time.
      value: (call.args[0]!.kind === 'selector' ? (sample.t ?? atMs) : atMs) / 1000,
    })),
  }),
  absent: ([v], call) =>
    vectorOf(v).length > 0
      ? { type: 'vector', samples: [] }
      : { type: 'vector', samples: [{ labels: absentLabels(call.args[0]!), value: 1 }] },
  scalar: ([v]) => {
    const samples = vectorOf(v);
    return { type: 'scalar', value: samples.length === 1 ? samples[0]!.value : Number.NaN };
  },
  vector: ([s]) => ({ type: 'vector', samples: [{ labels: [], value: scalarOf(s) }] }),
  time: (_args, _call, atMs) => ({ type: 'scalar', value: atMs / 1000 }),
  histogram_quantile: ([q, v]) => histogramQuantile(scalarOf(q), vectorOf(v)),
  label_replace: labelReplace,
};
