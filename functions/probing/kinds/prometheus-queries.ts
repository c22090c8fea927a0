/**
 * What a prometheus target evaluates each round, in order: its rule files' recording rules (each result added to
 * the round's source under the rule's name, so later expressions select it), then the metrics — the alerting
 * rules' operands and the `metrics:` queries. Also which series the rate state must keep for it, and how long.
 * Plain functions of the target config, cached per query text (the worker thread gets a copy of the config).
 */
import {
  DEFAULT_LOOKBACK_MS,
  type Expr,
  evaluateInstant,
  type InstantValue,
  type Matcher,
  metricNamesOf,
  PromqlError,
  parsePromql,
  type ScrapeSource,
  type SelectorUse,
  selectorsOf,
} from '../../promql';
import type { RuleSet } from '../../rules/types';

const queryCache = new Map<string, Expr>();

/** The parsed query (parsed once per thread; config load has already validated it). */
export function compiled(source: string): Expr {
  let query = queryCache.get(source);
  if (!query) {
    query = parsePromql(source);
    queryCache.set(source, query);
  }
  return query;
}

export interface PlannedMetric {
  name: string;
  query: string;
  expr: Expr;
  /** From a rule file: an empty result means the alert is inactive (Prometheus' semantics), not a failure. */
  fromRule: boolean;
}

export interface PlannedRecording {
  record: string;
  expr: Expr;
  query: string;
  labels: Record<string, string>;
  where: string;
}

/** A selector whose series the state keeps, and for how long before the evaluation time. */
export interface HistorySelector {
  matchers: readonly Matcher[];
  keepMs: number;
}

export interface QueryPlan {
  recordings: PlannedRecording[];
  metrics: PlannedMetric[];
  /** Metric names to parse from the page; undefined when a selector's names are open. */
  names: ReadonlySet<string> | undefined;
  history: HistorySelector[];
  /** How far back the longest window reaches (0: no query needs earlier rounds). */
  retentionMs: number;
}

/**
 * How long a selector needs samples of earlier rounds: a range reaches back `range + offset`; an instant selector
 * with an offset `offset + lookback`; one without reads only this scrape (a series missing from it has a staleness
 * marker, so the lookback finds nothing older anyway).
 */
function keepMsOf(use: SelectorUse): number {
  if (use.rangeMs > 0) return use.rangeMs + use.offsetMs;
  return use.offsetMs > 0 ? use.offsetMs + DEFAULT_LOOKBACK_MS : 0;
}

export function queryPlan(
  metrics: readonly { name: string; query: string }[],
  rules: RuleSet | undefined,
): QueryPlan {
  const recordings: PlannedRecording[] = (rules?.recordings ?? []).map((rule) => ({
    record: rule.record,
    expr: compiled(rule.expr),
    query: rule.expr,
    labels: rule.labels,
    where: `${rule.origin.file}: group "${rule.origin.group}", rule ${rule.origin.index} "${rule.record}"`,
  }));
  const planned: PlannedMetric[] = [
    ...(rules?.metrics ?? []).map((metric) => ({
      name: metric.name,
      query: metric.query,
      expr: compiled(metric.query),
      fromRule: true,
    })),
    ...metrics.map((metric) => ({
      name: metric.name,
      query: metric.query,
      expr: compiled(metric.query),
      fromRule: false,
    })),
  ];
  const exprs = [...recordings.map((r) => r.expr), ...planned.map((m) => m.expr)];
  const recorded = new Set(recordings.map((r) => r.record));
  let names: Set<string> | undefined = new Set();
  const history: HistorySelector[] = [];
  for (const expr of exprs) {
    const needed = metricNamesOf(expr);
    if (needed === undefined) names = undefined;
    else if (names) for (const name of needed) if (!recorded.has(name)) names.add(name);
    for (const use of selectorsOf(expr)) {
      const keepMs = keepMsOf(use);
      if (keepMs > 0) history.push({ matchers: use.matchers, keepMs });
    }
  }
  return {
    recordings,
    metrics: planned,
    names,
    history,
    retentionMs: Math.max(0, ...history.map((use) => use.keepMs)),
  };
}

/** Plans per target, keyed by the query texts (the worker sees a new copy of the target every round). */
const plans = new Map<string, QueryPlan>();
const PLAN_CACHE_MAX = 1_000;

export function cachedPlan(
  metrics: readonly { name: string; query: string }[],
  rules: RuleSet | undefined,
): QueryPlan {
  const key = JSON.stringify([
    metrics.map((m) => [m.name, m.query]),
    rules?.recordings.map((r) => [r.record, r.expr, r.labels]) ?? [],
    rules?.metrics.map((m) => [m.name, m.query]) ?? [],
  ]);
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = queryPlan(metrics, rules);
    if (plans.size >= PLAN_CACHE_MAX) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

/**
 * Evaluates the recording rules in order, adding each result to the source at the round's time (Prometheus:
 * `lb.Set` of the rule's labels over the result's, `__name__` the record; a scalar is a series without labels).
 * Returns the problems, each naming the rule; a failed rule records nothing this round.
 */
export function evaluateRecordings(plan: QueryPlan, source: ScrapeSource, atMs: number): string[] {
  const problems: string[] = [];
  for (const rule of plan.recordings) {
    let result: InstantValue;
    try {
      result = evaluateInstant(rule.expr, source, atMs);
    } catch (error) {
      if (!(error instanceof PromqlError)) throw error;
      problems.push(`${rule.where}: ${error.reason}`);
      continue;
    }
    const vector = result.type === 'scalar' ? [{ labels: {}, value: result.value }] : result.series;
    const seen = new Set<string>();
    const series = [];
    let duplicate = false;
    for (const { labels, value } of vector) {
      const out: Record<string, string> = {};
      for (const [name, labelValue] of Object.entries(labels))
        if (name !== '__name__') out[name] = labelValue;
      for (const [name, labelValue] of Object.entries(rule.labels)) {
        if (labelValue === '') delete out[name];
        else out[name] = labelValue;
      }
      const key = JSON.stringify(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      if (seen.has(key)) duplicate = true;
      seen.add(key);
      series.push({ name: rule.record, labels: out, value });
    }
    if (duplicate) {
      problems.push(
        `${rule.where}: vector contains metrics with the same labelset after applying rule labels`,
      );
      continue;
    }
    source.addRecorded(series);
  }
  return problems;
}
