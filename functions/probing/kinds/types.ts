import type { z } from 'zod';
import type { MetricBaseFields } from '../../config/metric';
import type { TargetBaseConfig } from '../../config/schema';
import type { SeriesSamples } from '../../promql';
import type { TransportName } from '../transports/names';
import type { ExtractedValue, FailureReason } from '../types';

/** What a probe kind sees of a response that passed the status check. */
export interface ResponseView {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface InspectOptions {
  /** Cardinality guard for PromQL `by`: at most this many series per metric. */
  maxSeries: number;
  /** The scrape time (the probe's start, epoch ms): samples are stamped and queries evaluated at it. */
  atMs: number;
  /** Samples of earlier rounds the target's queries need (the rate state), `__name__` in the labels. */
  history: readonly SeriesSamples[];
}

/** A series to keep for later rounds, with this round's sample. */
export interface RecordedSample {
  labels: Record<string, string>;
  sample: { t: number; v: number };
}

export interface Inspection {
  /** Set when the body could not be understood at all (reason parse) or a metric found nothing (extract). */
  failure?: { reason: Extract<FailureReason, 'parse' | 'extract' | 'deadline'>; detail: string };
  values: ExtractedValue[];
  warnings: string[];
  /** The parsed JSON document, for `$.` conditions. */
  json?: unknown;
  /** What the rate state keeps of this scrape: the series later windows need, and how far back they reach. */
  recorded?: { retentionMs: number; series: RecordedSample[] };
}

/**
 * Which series an alarm on a metric watches. `exact`: the one series with dimension Target only. `all`: every
 * series of the target, whatever extra dimensions (labels) it carries — unknown until the probe runs.
 */
export type AlarmSeries = 'exact' | 'all';

/** A metric of a kind whose own fields are F: the fields every metric has plus the kind's. */
export type KindMetric<F extends z.ZodRawShape | undefined> = F extends z.ZodRawShape
  ? z.output<z.ZodObject<MetricBaseFields & F>>
  : never;
export type KindMetricInput<F extends z.ZodRawShape | undefined> = F extends z.ZodRawShape
  ? z.input<z.ZodObject<MetricBaseFields & F>>
  : never;

/**
 * One probe type: how it reaches the target (its transport, probing/transports/: HTTP unless it says otherwise),
 * and, for kinds that read an HTTP body, how to ask (Accept header), a pure inspection of the body and the shape
 * of its metrics' series for alarms. Status, conditions and duration checks are common to the HTTP kinds and live
 * in transports/http.ts; tcp, dns and tls kinds judge what their transport saw. Registered once in index.ts.
 */
export interface ProbeKind<
  T extends string,
  F extends z.ZodRawShape | undefined,
  M = KindMetric<F>,
  X extends z.ZodRawShape = Record<never, never>,
> {
  readonly type: T;
  /** Absent: HTTP(S). */
  readonly transport?: TransportName;
  readonly accept: string;
  /**
   * The kind's own metric fields besides name, unit and thresholds, built from the zod the config schema passes
   * (so loading a kind to probe builds no schema, and the probe's bundle needs no zod); undefined: the body yields
   * no metrics.
   */
  readonly metricFields: F extends z.ZodRawShape ? (zod: typeof z) => F : undefined;
  /** The kind's own target fields besides the shared ones (prometheus: `rules`, `job`), built like metricFields. */
  readonly targetFields?: (zod: typeof z) => X;
  /** The body is parsed as JSON, so `$.` conditions can read it. */
  readonly parsesJson: boolean;
  seriesOf(metric: M): AlarmSeries;
  inspect(
    target: TargetBaseConfig & { [K in keyof X]?: z.output<X[K]> },
    metrics: readonly M[],
    response: ResponseView,
    options: InspectOptions,
  ): Inspection;
}
