import type { MetricConfig, TargetConfig } from '../../config/schema';
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
}

export interface Inspection {
  /** Set when the body could not be understood at all (reason parse) or a metric found nothing (extract). */
  failure?: { reason: Extract<FailureReason, 'parse' | 'extract'>; detail: string };
  values: ExtractedValue[];
  warnings: string[];
  /** The parsed JSON document, for `$.` conditions. */
  json?: unknown;
}

/**
 * One probe type (http, json, prometheus): how to ask (Accept header) and a pure inspection of the body.
 * Transport, status, conditions and duration checks are common to all kinds and live in run.ts.
 */
export interface ProbeKind<T extends TargetConfig['type']> {
  readonly type: T;
  readonly accept: string;
  inspect(
    target: TargetConfig,
    metrics: readonly MetricConfig[],
    response: ResponseView,
    options: InspectOptions,
  ): Inspection;
}
