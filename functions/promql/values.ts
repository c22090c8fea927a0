/** What the evaluator passes between nodes (internal: the public shapes are in source.ts and evaluate.ts). */
import type { LabelSet } from './labels';
import type { Sample } from './source';

export interface VectorSample {
  labels: LabelSet;
  value: number;
  /** Timestamp of the sample a selector picked (timestamp() reads it); absent for computed samples. */
  t?: number;
}

export type Value =
  | { type: 'scalar'; value: number }
  | { type: 'string'; value: string }
  | { type: 'vector'; samples: VectorSample[] };

export interface RangeSeries {
  labels: LabelSet;
  points: readonly Sample[];
}

/** A `[range]` window at one evaluation: samples with startMs < t <= endMs (Prometheus 3's left-open ranges). */
export interface Window {
  startMs: number;
  endMs: number;
  rangeMs: number;
}
