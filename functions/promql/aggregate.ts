/**
 * Aggregation operators, ported from Prometheus 3 promql/engine.go (`aggregation`, `aggregationK`): groups in
 * first-seen order, Kahan-compensated sum and avg (an incremental mean once the sum would overflow, so avg of
 * ±9.988e307 is 0), Welford's stddev/stdvar, and topk/bottomk through the same heap as container/heap so ties
 * and NaN resolve as in Prometheus.
 */
import type { Aggregation } from './ast';
import { PromqlError } from './errors';
import { KahanSum, kahanMean } from './kahan';
import { dropLabels, keepLabels, type LabelSet, labelKey, METRIC_NAME } from './labels';
import { quantile } from './quantile';
import type { VectorSample } from './values';

const INT64_LIMIT = 2 ** 63;

interface Group {
  labels: LabelSet;
  samples: VectorSample[];
}

function groupSamples(expr: Aggregation, samples: readonly VectorSample[]): Group[] {
  const names = new Set(expr.grouping?.labels ?? []);
  const without = expr.grouping?.without === true;
  if (without) names.add(METRIC_NAME);
  const groups = new Map<string, Group>();
  for (const sample of samples) {
    const labels = without ? dropLabels(sample.labels, names) : keepLabels(sample.labels, names);
    const key = labelKey(labels);
    const group = groups.get(key);
    if (group) group.samples.push(sample);
    else groups.set(key, { labels, samples: [sample] });
  }
  return [...groups.values()];
}

function sum(values: readonly number[]): number {
  const acc = new KahanSum(values[0]);
  for (let i = 1; i < values.length; i++) acc.add(values[i]!);
  return acc.sum + acc.compensation;
}

function variance(values: readonly number[]): number {
  const first = values[0]!;
  let m2 = Number.isNaN(first) || !Number.isFinite(first) ? Number.NaN : 0;
  let mean = first;
  let count = 1;
  for (let i = 1; i < values.length; i++) {
    const f = values[i]!;
    count++;
    const delta = f - mean;
    mean += delta / count;
    m2 += delta * (f - mean);
  }
  return m2 / count;
}

function extreme(values: readonly number[], better: (candidate: number, best: number) => boolean): number {
  let best = values[0]!;
  for (let i = 1; i < values.length; i++) if (better(values[i]!, best)) best = values[i]!;
  return best;
}

function aggregateValues(op: Aggregation['op'], values: readonly number[], param: number): number {
  switch (op) {
    case 'sum':
      return sum(values);
    case 'avg':
      return kahanMean(values);
    case 'count':
      return values.length;
    case 'group':
      return 1;
    case 'min':
      return extreme(values, (f, best) => best > f || Number.isNaN(best));
    case 'max':
      return extreme(values, (f, best) => best < f || Number.isNaN(best));
    case 'stdvar':
      return variance(values);
    case 'stddev':
      return Math.sqrt(variance(values));
    case 'quantile':
      return quantile(param, values);
    case 'topk':
    case 'bottomk':
      throw new Error(`${op} is selected by aggregateK`);
  }
}

/** container/heap over samples with Prometheus' Less (vectorByValueHeap / vectorByReverseValueHeap). */
class SampleHeap {
  readonly items: VectorSample[] = [];

  constructor(private readonly less: (a: number, b: number) => boolean) {}

  private lessAt(i: number, j: number): boolean {
    return this.less(this.items[i]!.value, this.items[j]!.value);
  }

  private swap(i: number, j: number): void {
    const items = this.items;
    [items[i], items[j]] = [items[j]!, items[i]!];
  }

  private up(start: number): void {
    let j = start;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.lessAt(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private down(start: number): boolean {
    const n = this.items.length;
    let i = start;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.lessAt(j2, j1)) j = j2;
      if (!this.lessAt(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return i > start;
  }

  push(sample: VectorSample): void {
    this.items.push(sample);
    this.up(this.items.length - 1);
  }

  replaceTop(sample: VectorSample): void {
    this.items[0] = sample;
    if (!this.down(0)) this.up(0);
  }
}

const ascending = (a: number, b: number) => Number.isNaN(a) || a < b;
const descending = (a: number, b: number) => Number.isNaN(a) || a > b;

function aggregateK(expr: Aggregation, samples: readonly VectorSample[], param: number): VectorSample[] {
  if (param < 1) return [];
  if (Number.isNaN(param)) throw new PromqlError(expr.pos.start, 'Parameter value is NaN');
  if (param >= INT64_LIMIT) throw new PromqlError(expr.pos.start, `Scalar value ${param} overflows int64`);
  const k = Math.min(Math.trunc(param), samples.length);
  const top = expr.op === 'topk';
  const heaps = new Map<string, SampleHeap>();
  const names = new Set(expr.grouping?.labels ?? []);
  const without = expr.grouping?.without === true;
  if (without) names.add(METRIC_NAME);
  for (const sample of samples) {
    const key = labelKey(without ? dropLabels(sample.labels, names) : keepLabels(sample.labels, names));
    let heap = heaps.get(key);
    if (heap === undefined) {
      heap = new SampleHeap(top ? ascending : descending);
      heaps.set(key, heap);
      heap.push(sample);
      continue;
    }
    const head = heap.items[0]!.value;
    if (heap.items.length < k) {
      heap.push(sample);
    } else if (
      (top ? head < sample.value : head > sample.value) ||
      (Number.isNaN(head) && !Number.isNaN(sample.value))
    ) {
      heap.replaceTop(sample);
    }
  }
  return [...heaps.values()].flatMap((heap) => heap.items);
}

/** Evaluates one aggregation over an instant vector; `param` is topk/bottomk's k or quantile's φ. */
export function aggregate(
  expr: Aggregation,
  samples: readonly VectorSample[],
  param: number,
): VectorSample[] {
  if (expr.op === 'topk' || expr.op === 'bottomk') {
    return aggregateK(expr, samples, param).map((sample) => ({ labels: sample.labels, value: sample.value }));
  }
  return groupSamples(expr, samples).map((group) => ({
    labels: group.labels,
    value: aggregateValues(
      expr.op,
      group.samples.map((sample) => sample.value),
      param,
    ),
  }));
}
