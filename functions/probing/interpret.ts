/**
 * Pure: what a response that passed the status check means — the kind's inspection of the body (parse, extract)
 * and the target's conditions, which may read the parsed JSON. It runs where the inspection pool puts it (on the
 * main thread for small bodies, in a worker for large ones), so it takes and returns only plain data: the JSON
 * document never leaves it.
 */
import type { TargetOfTransport } from '../config/schema';
import type { SeriesSamples } from '../promql';
import { type Condition, evaluateCondition, parseCondition } from './conditions';
import { kindOf } from './kinds';
import type { Inspection, ResponseView } from './kinds/types';

export interface InterpretRequest {
  target: TargetOfTransport<'http'>;
  response: ResponseView;
  /** The probe's duration so far, for `duration` conditions. */
  durationMs: number;
  maxSeries: number;
  /** The scrape time (epoch ms): prometheus pages are stamped and evaluated at it. */
  atMs: number;
  /**
   * The target's samples of earlier rounds (rate state), only those its queries select: structured-cloned into
   * the worker with the request (bench/promql.ts measures it).
   */
  history: readonly SeriesSamples[];
}

export interface Interpretation {
  inspection: Omit<Inspection, 'json'>;
  /** Messages of the conditions that did not hold, in config order. */
  failedConditions: string[];
}

// Conditions were validated at config load; parse each source once per thread, not once per probe.
const conditionCache = new Map<string, Condition>();
function compiledCondition(source: string): Condition {
  let condition = conditionCache.get(source);
  if (!condition) {
    condition = parseCondition(source);
    conditionCache.set(source, condition);
  }
  return condition;
}

export function interpret(request: InterpretRequest): Interpretation {
  const { target, response } = request;
  const { json, ...inspection } = kindOf(target).inspect(target, target.metrics, response, {
    maxSeries: request.maxSeries,
    atMs: request.atMs,
    history: request.history,
  });
  if (inspection.failure?.reason === 'parse') return { inspection, failedConditions: [] };
  const conditions = target.expect.conditions.map(compiledCondition);
  const context = {
    status: response.status,
    // Decoded only when a condition reads it: a 10 MB page would otherwise be copied for nothing.
    body: conditions.some((condition) => condition.operand.kind === 'body')
      ? response.body.toString('utf8')
      : '',
    json,
    headers: response.headers,
    durationMs: request.durationMs,
  };
  const failedConditions: string[] = [];
  for (const condition of conditions) {
    const result = evaluateCondition(condition, context);
    if (!result.ok) failedConditions.push(result.message);
  }
  return { inspection, failedConditions };
}
