import { selectAll } from '../jsonpath';
import type { ExtractedValue } from '../types';
import type { Inspection, ProbeKind } from './types';

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
export const json: ProbeKind<'json'> = {
  type: 'json',
  accept: 'application/json',
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
      const path = metric.path!;
      const found = selectAll(document, path);
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
