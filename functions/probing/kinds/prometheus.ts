import type { z } from 'zod';
import type { MetricUnit } from '../../metrics/units';
import { type ParsedPage, PrometheusParseError, parsePrometheusPage } from '../../prometheus/parse';
import { targetLabels } from '../../prometheus/target-labels';
import {
  type Expr,
  evaluateInstant,
  limitSeries,
  PromqlError,
  resultHasLabels,
  ScrapeSource,
  selectorsOf,
  seriesIdentity,
} from '../../promql';
import { ruleFilesField } from '../../rules/field';
import type { RuleSet } from '../../rules/types';
import type { ExtractedValue } from '../types';
import { cachedPlan, compiled, evaluateRecordings, type QueryPlan } from './prometheus-queries';
import type { Inspection, KindMetric, ProbeKind, RecordedSample } from './types';

// CloudWatch allows 30 dimensions per metric; Target takes one.
const MAX_LABEL_DIMENSIONS = 29;

/** Built by the config schema with its zod (kinds/types.ts). */
const prometheusMetricFields = (zod: typeof z) => ({
  /** PromQL evaluated against the scraped page. */
  query: zod
    .string({
      error: (issue) => (issue.input === undefined ? 'a prometheus target metric needs a query' : undefined),
    })
    .superRefine((source, ctx) => {
      try {
        compiled(source);
      } catch (error) {
        if (!(error instanceof PromqlError)) throw error;
        ctx.addIssue({ code: 'custom', message: `"${source}": ${error.message}` });
      }
    }),
});

/** Built by the config schema with its zod, like the metric fields. */
const prometheusTargetFields = (zod: typeof z) => ({
  /** Prometheus rule files (one or a list), relative to the config file; read at load (config/rules.ts). */
  rules: ruleFilesField(zod),
  /** The `job` label every scraped series carries, as Prometheus' job_name gives it (default: the target's name). */
  job: zod.string().min(1).optional(),
});

/** The series of this round the rate state keeps: those a window of a later round will read. */
function recordedSamples(plan: QueryPlan, source: ScrapeSource, atMs: number): RecordedSample[] {
  const out: RecordedSample[] = [];
  const seen = new Set<string>();
  for (const use of plan.history) {
    for (const series of source.select(use.matchers, atMs - use.keepMs, atMs)) {
      const now = series.samples.at(-1);
      if (now === undefined || now.t !== atMs || now.stale === true) continue;
      const identity = seriesIdentity(series.labels);
      if (seen.has(identity)) continue;
      seen.add(identity);
      out.push({ labels: { ...series.labels }, sample: { t: now.t, v: now.v } });
    }
  }
  return out;
}

/** The longest window of a query, for the "no value yet" message. */
function longestRangeMs(expr: Expr): number {
  return Math.max(0, ...selectorsOf(expr).map((use) => use.rangeMs + use.offsetMs));
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** Prometheus /metrics pages: each metric's PromQL `query` is evaluated on the page; its labels become dimensions. */
export const prometheus: ProbeKind<
  'prometheus',
  ReturnType<typeof prometheusMetricFields>,
  KindMetric<ReturnType<typeof prometheusMetricFields>>,
  ReturnType<typeof prometheusTargetFields>
> = {
  type: 'prometheus',
  // What Prometheus itself sends; servers that can't do OpenMetrics fall back to text 0.0.4.
  accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1',
  metricFields: prometheusMetricFields,
  targetFields: prometheusTargetFields,
  parsesJson: false,
  seriesOf(metric) {
    // sum(x), sum by () (x), scalars and ratios of such collapse to one unlabelled series; selectors, by (l) and
    // without (l) keep labels.
    return resultHasLabels(compiled(metric.query)) ? 'all' : 'exact';
  },
  inspect(target, metrics, response, options): Inspection {
    const plan = cachedPlan(metrics, target.rules);
    // The server says which format it chose from our Accept header; without a Content-Type the parser detects it.
    const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
    const format = contentType.startsWith('application/openmetrics-text')
      ? ({ format: 'openmetrics' } as const)
      : contentType.startsWith('text/plain')
        ? ({ format: 'prometheus' } as const)
        : {};
    let page: ParsedPage;
    try {
      // Parse only the families the queries need: a node_exporter page has ~1,500 series we'd otherwise build.
      page = parsePrometheusPage(response.body.toString('utf8'), {
        ...format,
        ...(plan.names ? { names: plan.names } : {}),
      });
    } catch (error) {
      if (!(error instanceof PrometheusParseError)) throw error;
      return { failure: { reason: 'parse', detail: error.message }, values: [], warnings: [] };
    }
    const { samples, duplicates } = page;
    const { atMs } = options;
    const identity = targetLabels({ name: target.name, url: target.url, job: target.job });
    // One page is one instant, at the scrape time; earlier rounds come from the rate state.
    const source = new ScrapeSource({ atMs, history: options.history, targetLabels: identity });
    source.addScraped(samples);
    const values: ExtractedValue[] = [];
    const warnings: string[] = [];
    if (duplicates) {
      // What a Prometheus scrape does too: keep the first sample, drop and count the rest, go on.
      warnings.push(
        `${duplicates.count} duplicate series dropped, the first sample of each kept (first at line ${duplicates.firstLine}: ${duplicates.series})`,
      );
    }
    warnings.push(...evaluateRecordings(plan, source, atMs));
    const historyStart = Math.min(atMs, ...options.history.map((series) => series.samples[0]?.t ?? atMs));
    const problems: string[] = [];
    for (const { name, query, expr, fromRule } of plan.metrics) {
      let result: ReturnType<typeof evaluateInstant>;
      try {
        result = evaluateInstant(expr, source, atMs);
      } catch (error) {
        if (!(error instanceof PromqlError)) throw error;
        problems.push(`${name}: ${query} failed: ${error.reason}`);
        continue;
      }
      const all = result.type === 'scalar' ? [{ labels: {}, value: result.value }] : result.series;
      if (all.length === 0) {
        const rangeMs = longestRangeMs(expr);
        if (rangeMs > 0 && atMs - historyStart < rangeMs) {
          // The first rounds: not a failure (the target answered), and nothing is published, never a zero.
          warnings.push(
            `${name}: ${query} has no value yet (its ${formatMs(rangeMs)} window holds ${options.history.length === 0 ? 'this round only' : `${formatMs(atMs - historyStart)} of earlier rounds`}; it needs two samples)`,
          );
        } else if (fromRule || rangeMs > 0) {
          // Prometheus: an expression without series is an inactive alert; vigil publishes nothing (no datapoint).
          if (!fromRule) warnings.push(`${name}: ${query} has no series this round`);
        } else {
          problems.push(`${name}: ${query} matched no series`);
        }
        continue;
      }
      const metric = metricOf(metrics, target.rules, name);
      const { series, truncated } = limitSeries(all, options.maxSeries);
      if (truncated > 0) {
        warnings.push(
          `${name}: ${truncated} series over the limit of ${options.maxSeries} were not published (raise maxSeries or aggregate with by (...))`,
        );
      }
      for (const { labels, value } of series) {
        // job and instance name the target, which the Target dimension already does.
        const entries = Object.entries(labels).filter(
          ([label, labelValue]) =>
            labelValue !== '' &&
            label !== '__name__' &&
            !(label === 'job' && labelValue === identity.job) &&
            !(label === 'instance' && labelValue === identity.instance),
        );
        if (entries.length > MAX_LABEL_DIMENSIONS) {
          warnings.push(
            `${name}: a series has ${entries.length} labels; CloudWatch allows ${MAX_LABEL_DIMENSIONS} besides Target`,
          );
          continue;
        }
        values.push({ metric: name, unit: metric.unit, value, dimensions: Object.fromEntries(entries) });
      }
    }
    return {
      ...(problems.length > 0
        ? { failure: { reason: 'extract' as const, detail: problems.join('; ') } }
        : {}),
      values,
      warnings,
      ...(plan.retentionMs > 0
        ? { recorded: { retentionMs: plan.retentionMs, series: recordedSamples(plan, source, atMs) } }
        : {}),
    };
  },
};

function metricOf(
  metrics: readonly { name: string; unit: MetricUnit }[],
  rules: RuleSet | undefined,
  name: string,
): { unit: MetricUnit } {
  return (
    metrics.find((m) => m.name === name) ?? rules?.metrics.find((m) => m.name === name) ?? { unit: 'None' }
  );
}
