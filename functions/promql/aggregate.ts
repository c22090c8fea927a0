/**
 * Aggregation operators, ported from Prometheus 3 promql/engine.go (`aggregation`, `aggregationK`): groups in
 * first-seen order, Kahan-compensated sum and avg (an incremental mean once the sum would overflow, so avg of
 * ±9.988e307 is 0), Welford's stddev/stdvar, and topk/bottomk through the same heap as container/heap so ties
 * and NaN resolve as in Prometheus.
 */
import type { Aggregation } from './ast';
import { PromqlError } from './errors';
import { KahanSum, kahanMean } from './kahan';
import {
  compareStrings,
  dropLabels,
  dropMetricName,
  fromRecord,
  getLabel,
  keepLabels,
  type LabelSet,
  METRIC_NAME,
} from './labels';
import { quantile } from './quantile';
import { type Labels, labelValue } from './source';
import type { VectorSample } from './values';

const INT64_LIMIT = 2 ** 63;

/**
 * How an aggregation reads its input items: a group key, the group's labels (asked once per group), the value, and
 * the item as a sample (for topk/bottomk, which keep whole samples). Two readers: vector samples (any expression)
 * and source records streamed straight from a selector (no label set built per series).
 */
interface Reader<T> {
  key(item: T): string;
  groupLabels(item: T): LabelSet;
  value(item: T): number;
  sample(item: T): VectorSample;
}

/** A source record streamed from a selector or range function (labels as the source gave them). */
export interface StreamItem {
  labels: Labels;
  value: number;
}

function lengthPrefixed(key: string, part: string): string {
  return `${key}${part.length}:${part}`;
}

function groupNames(expr: Aggregation): {
  names: ReadonlySet<string>;
  by: readonly string[];
  without: boolean;
} {
  const without = expr.grouping?.without === true;
  const names = new Set(expr.grouping?.labels ?? []);
  if (without) names.add(METRIC_NAME);
  // Sorted, so `by (b, a)` and `by (a, b)` group alike.
  return { names, by: [...names].sort(), without };
}

function sampleReader(expr: Aggregation): Reader<VectorSample> {
  const { names, by, without } = groupNames(expr);
  return {
    key(sample) {
      let key = '';
      if (without) {
        for (const [name, value] of sample.labels)
          if (!names.has(name)) key = lengthPrefixed(lengthPrefixed(key, name), value);
      } else {
        for (const name of by) key = lengthPrefixed(key, getLabel(sample.labels, name));
      }
      return key;
    },
    groupLabels: (sample) => (without ? dropLabels(sample.labels, names) : keepLabels(sample.labels, names)),
    value: (sample) => sample.value,
    sample: (sample) => sample,
  };
}

function streamReader(expr: Aggregation, keepsName: boolean): Reader<StreamItem> {
  const { names, by, without } = groupNames(expr);
  const labelSet = (item: StreamItem) =>
    keepsName ? fromRecord(item.labels) : dropMetricName(fromRecord(item.labels));
  const value = (item: StreamItem, name: string) =>
    !keepsName && name === METRIC_NAME ? '' : labelValue(item.labels, name);
  return {
    key(item) {
      let key = '';
      if (without) {
        const kept = Object.keys(item.labels)
          .filter((name) => !names.has(name) && value(item, name) !== '')
          .sort(compareStrings);
        for (const name of kept) key = lengthPrefixed(lengthPrefixed(key, name), value(item, name));
      } else {
        for (const name of by) key = lengthPrefixed(key, value(item, name));
      }
      return key;
    },
    groupLabels: (item) => (without ? dropLabels(labelSet(item), names) : keepLabels(labelSet(item), names)),
    value: (item) => item.value,
    sample: (item) => ({ labels: labelSet(item), value: item.value }),
  };
}

interface Group {
  labels: LabelSet;
  values: number[];
}

function groupValues<T>(items: Iterable<T>, reader: Reader<T>): Group[] {
  const groups = new Map<string, Group>();
  for (const item of items) {
    const key = reader.key(item);
    const group = groups.get(key);
    if (group) group.values.push(reader.value(item));
    else groups.set(key, { labels: reader.groupLabels(item), values: [reader.value(item)] });
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
class SampleHeap<T> {
  readonly items: T[] = [];

  constructor(
    private readonly less: (a: number, b: number) => boolean,
    private readonly score: (item: T) => number,
  ) {}

  private lessAt(i: number, j: number): boolean {
    return this.less(this.score(this.items[i]!), this.score(this.items[j]!));
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

  push(item: T): void {
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  replaceTop(item: T): void {
    this.items[0] = item;
    if (!this.down(0)) this.up(0);
  }
}

const ascending = (a: number, b: number) => Number.isNaN(a) || a < b;
const descending = (a: number, b: number) => Number.isNaN(a) || a > b;

function aggregateK<T>(
  expr: Aggregation,
  items: Iterable<T>,
  param: number,
  reader: Reader<T>,
): VectorSample[] {
  if (param < 1) return [];
  if (Number.isNaN(param)) throw new PromqlError(expr.pos.start, 'Parameter value is NaN');
  if (param >= INT64_LIMIT) throw new PromqlError(expr.pos.start, `Scalar value ${param} overflows int64`);
  const top = expr.op === 'topk';
  const heaps = new Map<string, SampleHeap<T>>();
  const candidates: T[] = [];
  // k is capped at the input's size (Prometheus: min(k, len(vector))), so the input is counted first.
  for (const item of items) candidates.push(item);
  const k = Math.min(Math.trunc(param), candidates.length);
  for (const item of candidates) {
    const key = reader.key(item);
    const value = reader.value(item);
    let heap = heaps.get(key);
    if (heap === undefined) {
      heap = new SampleHeap<T>(top ? ascending : descending, reader.value);
      heaps.set(key, heap);
      heap.push(item);
      continue;
    }
    const head = reader.value(heap.items[0]!);
    if (heap.items.length < k) {
      heap.push(item);
    } else if ((top ? head < value : head > value) || (Number.isNaN(head) && !Number.isNaN(value))) {
      heap.replaceTop(item);
    }
  }
  return [...heaps.values()].flatMap((heap) =>
    heap.items.map((item) => {
      const sample = reader.sample(item);
      return { labels: sample.labels, value: sample.value };
    }),
  );
}

function aggregateWith<T>(
  expr: Aggregation,
  items: Iterable<T>,
  param: number,
  reader: Reader<T>,
): VectorSample[] {
  if (expr.op === 'topk' || expr.op === 'bottomk') return aggregateK(expr, items, param, reader);
  return groupValues(items, reader).map((group) => ({
    labels: group.labels,
    value: aggregateValues(expr.op, group.values, param),
  }));
}

/** Evaluates one aggregation over an instant vector; `param` is topk/bottomk's k or quantile's φ. */
export function aggregate(
  expr: Aggregation,
  samples: readonly VectorSample[],
  param: number,
): VectorSample[] {
  return aggregateWith(expr, samples, param, sampleReader(expr));
}

/**
 * The same over series streamed from a selector (or a range function over one) in the source's order: groups are
 * keyed from the records, and label sets are built once per group (or per kept sample for topk/bottomk).
 */
export function aggregateStream(
  expr: Aggregation,
  items: Iterable<StreamItem>,
  keepsName: boolean,
  param: number,
): VectorSample[] {
  return aggregateWith(expr, items, param, streamReader(expr, keepsName));
}
