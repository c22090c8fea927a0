import { z } from 'zod';
import { type ParsedPage, PrometheusParseError, parsePrometheusPage } from '../../prometheus/parse';
import {
  type Expr,
  evaluateInstant,
  limitSeries,
  metricNamesOf,
  PromqlError,
  parsePromql,
  resultHasLabels,
  ScrapeSource,
  selectorsOf,
} from '../../promql';
import type { ExtractedValue } from '../types';
import type { Inspection, ProbeKind } from './types';

// CloudWatch allows 30 dimensions per metric; Target takes one.
const MAX_LABEL_DIMENSIONS = 29;

const queryCache = new Map<string, Expr>();

function compiled(source: string): Expr {
  let query = queryCache.get(source);
  if (!query) {
    query = parsePromql(source);
    queryCache.set(source, query);
  }
  return query;
}

const PROMETHEUS_METRIC_FIELDS = {
  /** PromQL evaluated against the scraped page. */
  query: z
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
};

/** Prometheus /metrics pages: each metric's PromQL `query` is evaluated on the page; its labels become dimensions. */
export const prometheus: ProbeKind<'prometheus', typeof PROMETHEUS_METRIC_FIELDS> = {
  type: 'prometheus',
  // What Prometheus itself sends; servers that can't do OpenMetrics fall back to text 0.0.4.
  accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1',
  metricFields: PROMETHEUS_METRIC_FIELDS,
  parsesJson: false,
  seriesOf(metric) {
    // sum(x), sum by () (x), scalars and ratios of such collapse to one unlabelled series; selectors, by (l) and
    // without (l) keep labels.
    return resultHasLabels(compiled(metric.query)) ? 'all' : 'exact';
  },
  inspect(_target, metrics, response, options): Inspection {
    const queries = metrics.map((metric) => ({ metric, query: compiled(metric.query) }));
    // Parse only the families the queries need: a node_exporter page has ~1,500 series we'd otherwise build.
    let names: Set<string> | undefined = new Set();
    for (const { query } of queries) {
      const needed = metricNamesOf(query);
      if (!needed) {
        names = undefined;
        break;
      }
      for (const name of needed) names.add(name);
    }
    // The server says which format it chose from our Accept header; without a Content-Type the parser detects it.
    const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
    const format = contentType.startsWith('application/openmetrics-text')
      ? ({ format: 'openmetrics' } as const)
      : contentType.startsWith('text/plain')
        ? ({ format: 'prometheus' } as const)
        : {};
    let page: ParsedPage;
    try {
      page = parsePrometheusPage(response.body.toString('utf8'), { ...format, ...(names ? { names } : {}) });
    } catch (error) {
      if (!(error instanceof PrometheusParseError)) throw error;
      return { failure: { reason: 'parse', detail: error.message }, values: [], warnings: [] };
    }
    const { samples, duplicates } = page;
    // One page is one instant: every sample at the scrape time. Range functions (rate, ...) need the samples of
    // earlier rounds, which a history store will add to this source; until then they have no value.
    const scrapedAt = Date.now();
    const source = new ScrapeSource({ atMs: scrapedAt });
    source.addScraped(samples);
    const values: ExtractedValue[] = [];
    const warnings: string[] = [];
    if (duplicates) {
      // What a Prometheus scrape does too: keep the first sample, drop and count the rest, go on.
      warnings.push(
        `${duplicates.count} duplicate series dropped, the first sample of each kept (first at line ${duplicates.firstLine}: ${duplicates.series})`,
      );
    }
    const problems: string[] = [];
    for (const { metric, query } of queries) {
      let result: ReturnType<typeof evaluateInstant>;
      try {
        result = evaluateInstant(query, source, scrapedAt);
      } catch (error) {
        if (!(error instanceof PromqlError)) throw error;
        problems.push(`${metric.name}: ${metric.query} failed: ${error.reason}`);
        continue;
      }
      const all = result.type === 'scalar' ? [{ labels: {}, value: result.value }] : result.series;
      if (all.length === 0) {
        const needsHistory = selectorsOf(query).some((use) => use.rangeMs > 0);
        problems.push(
          needsHistory
            ? `${metric.name}: ${metric.query} has no value yet (its range needs samples from earlier rounds)`
            : `${metric.name}: ${metric.query} matched no series`,
        );
        continue;
      }
      const { series, truncated } = limitSeries(all, options.maxSeries);
      if (truncated > 0) {
        warnings.push(
          `${metric.name}: ${truncated} series over the limit of ${options.maxSeries} were not published (raise maxSeries or aggregate with by (...))`,
        );
      }
      for (const { labels, value } of series) {
        const entries = Object.entries(labels).filter(
          ([name, labelValue]) => labelValue !== '' && name !== '__name__',
        );
        if (entries.length > MAX_LABEL_DIMENSIONS) {
          warnings.push(
            `${metric.name}: a series has ${entries.length} labels; CloudWatch allows ${MAX_LABEL_DIMENSIONS} besides Target`,
          );
          continue;
        }
        values.push({
          metric: metric.name,
          unit: metric.unit,
          value,
          dimensions: Object.fromEntries(entries),
        });
      }
    }
    return {
      ...(problems.length > 0
        ? { failure: { reason: 'extract' as const, detail: problems.join('; ') } }
        : {}),
      values,
      warnings,
    };
  },
};
