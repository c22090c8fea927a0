import type { z } from 'zod';
import { JsonPathDepthError, jsonPathError, selectAll } from '../jsonpath';
import type { ExtractedValue } from '../types';
import type { Inspection, ProbeKind } from './types';

/** Built by the config schema with its zod (kinds/types.ts: the probe itself never builds schemas). */
const jsonMetricFields = (zod: typeof z) => ({
  /** RFC 9535 JSONPath selecting exactly one number (or numeric string, or boolean) of the body. */
  path: zod
    .string({
      error: (issue) =>
        issue.input === undefined ? 'a json target metric needs a path ($.field)' : undefined,
    })
    .superRefine((path, ctx) => {
      const error = jsonPathError(path);
      if (error) ctx.addIssue({ code: 'custom', message: error });
    }),
});

/** Numbers as JSON health endpoints really send them: numbers, numeric strings ("256"), booleans (up: true). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    if (!Number.isNaN(number)) return number;
  }
  return undefined;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** JSON health endpoints: each metric's `path` (RFC 9535 JSONPath) selects one number. */
export const json: ProbeKind<'json', ReturnType<typeof jsonMetricFields>> = {
  type: 'json',
  accept: 'application/json',
  metricFields: jsonMetricFields,
  parsesJson: true,
  // A path selects one value: one series per target.
  seriesOf: () => 'exact',
  inspect(_target, metrics, response): Inspection {
    let document: unknown;
    try {
      document = JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      return {
        failure: { reason: 'parse', detail: `body is not JSON: ${(error as Error).message}` },
        values: [],
        warnings: [],
      };
    }
    const values: ExtractedValue[] = [];
    const problems: string[] = [];
    for (const metric of metrics) {
      const { path } = metric;
      let found: unknown[];
      try {
        found = selectAll(document, path);
      } catch (error) {
        if (!(error instanceof JsonPathDepthError)) throw error;
        problems.push(`${metric.name}: ${error.message}`);
        continue;
      }
      if (found.length === 0) {
        problems.push(`${metric.name}: ${path} matched nothing`);
        continue;
      }
      if (found.length > 1) {
        problems.push(`${metric.name}: ${path} matched ${found.length} values; select exactly one`);
        continue;
      }
      const value = toNumber(found[0]);
      if (value === undefined) {
        problems.push(`${metric.name}: ${path} (${describe(found[0])}) is not a number`);
        continue;
      }
      values.push({ metric: metric.name, unit: metric.unit, value, dimensions: {} });
    }
    return {
      ...(problems.length > 0
        ? { failure: { reason: 'extract' as const, detail: problems.join('; ') } }
        : {}),
      values,
      warnings: [],
      json: document,
    };
  },
};
