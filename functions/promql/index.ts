/**
 * vigil's PromQL engine: the one public entry point. Pure (no I/O, no clock): parse once at config load,
 * evaluate per probe round against a SampleSource.
 *
 *   const expr = parsePromql('sum(rate(http_requests_total{status=~"5.."}[5m]))'); // throws PromqlError
 *   const result = evaluateInstant(expr, memorySource(series), Date.now());          // { type, value | series }
 *
 * Semantics are Prometheus 3's (promql/engine.go, functions.go, quantile.go), proven against a real Prometheus
 * in test/integration/promql-differential.test.ts; where 2.42 (the local reference server) differs, the newer,
 * deliberate behaviour is implemented and the difference is tested and documented in the README.
 *
 * Supported: selectors with = != =~ !~ (regexes fully anchored), `offset` (positive, range + offset within
 * MAX_HISTORY_MS); rate irate increase delta idelta avg/min/max/sum/count/last_over_time changes resets
 * absent_over_time; abs ceil floor round sqrt exp ln log2 log10 clamp clamp_min clamp_max timestamp scalar vector
 * absent time histogram_quantile label_replace; + - * / % ^, == != > < >= <= (with bool), and or unless, with
 * on (...) / ignoring (...) one-to-one matching; sum avg min max count group stddev stdvar topk bottomk quantile
 * with by / without before or after the argument. Everything else (subqueries, @, group_left/right,
 * count_values, atan2, other functions, negative offsets) is a PromqlError with `unsupported` set.
 *
 * The contract, for the sample store, rule files and alarms built on it:
 * - parsePromql(text) → Expr, or PromqlError { position (0-based UTF-16 offset), reason, unsupported? }.
 *   Evaluation problems Prometheus also fails on (duplicate series in a match, topk(NaN, ...)) are PromqlErrors
 *   from evaluateInstant, with the position of the failing node.
 * - evaluateInstant(expr, source, atMs, { lookbackMs = 5m }) → scalar, or vector series sorted in Prometheus'
 *   label order, labels including `__name__` where Prometheus keeps it. Windows are left-open: (t - range, t].
 * - A SampleSource returns matching series with at least their samples in (startMs, endMs], ascending by t;
 *   `Sample.stale` marks a staleness marker (vigil's extension of { t, v }: a series that disappeared).
 *   memorySource(series) is the in-memory one.
 * - selectorsOf / historyNeededMs say which series and how far back a store must keep (never more than
 *   MAX_HISTORY_MS plus the lookback); metricNamesOf feeds the exposition parser's selective mode.
 * - resultHasLabels (false: one unlabelled series or a scalar), splitComparison (`X > 1000` → operand, op,
 *   threshold), formatPromql (canonical text that parses back to the same tree) and limitSeries (the maxSeries
 *   cut, deterministic, with the count cut) serve rule files and alarms.
 */

export {
  historyNeededMs,
  metricNamesOf,
  resultHasLabels,
  resultLabelNames,
  type SelectorUse,
  selectorsOf,
  splitComparison,
  type ThresholdOp,
} from './analysis';
export type { Expr, Matcher, MatchOp } from './ast';
export { PromqlError } from './errors';
export { DEFAULT_LOOKBACK_MS, type EvaluateOptions, evaluateInstant, type InstantValue } from './evaluate';
export { formatPromql } from './format';
export { limitSeries, MAX_SERIES_DEFAULT } from './limit';
export { MAX_HISTORY_MS, parsePromql } from './parser';
export { compileMatcherRegex } from './regex';
export {
  type Labels,
  memorySource,
  type Sample,
  type SampleSource,
  type ScrapedSeries,
  ScrapeSource,
  type SeriesSamples,
  seriesIdentity,
} from './source';
