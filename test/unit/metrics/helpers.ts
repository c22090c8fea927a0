/** Builders and an independent EMF reader shared by the metrics unit and integration tests. */
import type { Datum } from '../../../functions/metrics/datums';
import type { MetricUnit } from '../../../functions/metrics/units';
import type { ProbeResult } from '../../../functions/probing/types';

export const AT = new Date('2026-11-20T12:00:00.250Z');

export function probeResult(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    target: 'api',
    type: 'http',
    success: true,
    timestamp: AT,
    durationMs: 120.5,
    values: [],
    warnings: [],
    ...overrides,
  };
}

/** `n` datums the size a probe run makes (~150 B each): 10 metrics per target. */
export function ordinaryDatums(n: number, at: Date = AT): Datum[] {
  return Array.from({ length: n }, (_, i) => ({
    MetricName: `Metric${i % 10}`,
    Dimensions: [{ Name: 'Target', Value: `target-${Math.floor(i / 10)}` }],
    Timestamp: at,
    Value: i * 1.5,
    Unit: 'Milliseconds' as MetricUnit,
  }));
}

/** `n` datums with `dims` dimensions of `valueChars`-character values (30 × 1,024 ≈ 31 KB each). */
export function longDimensionDatums(n: number, dims = 30, valueChars = 1024, at: Date = AT): Datum[] {
  return Array.from({ length: n }, (_, i) => ({
    MetricName: 'Wide',
    Dimensions: Array.from({ length: dims }, (_, d) => ({
      Name: `dim${d}`,
      Value: `${i}-${d}-`.padEnd(valueChars, 'x'),
    })),
    Timestamp: at,
    Value: i,
    Unit: 'Count' as MetricUnit,
  }));
}

/** Order-independent identity of a datum (dimension order ignored, as CloudWatch does). */
export function datumKey(d: {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Timestamp: Date | undefined;
  Value: number | undefined;
  Unit: string | undefined;
}): string {
  const dims = [...d.Dimensions]
    .sort((a, b) => (a.Name < b.Name ? -1 : 1))
    .map((x) => `${x.Name}=${x.Value}`);
  return JSON.stringify([d.MetricName, dims, d.Timestamp?.getTime(), d.Value, d.Unit]);
}

export function sortedKeys(datums: readonly Parameters<typeof datumKey>[0][]): string[] {
  return datums.map(datumKey).sort();
}

/**
 * Reads EMF lines back into datums, checking the structure CloudWatch requires (and the limits), so tests
 * can compare what was written with what was meant. Throws on anything CloudWatch would not turn into metrics.
 */
export function readEmf(lines: readonly string[]): { namespace: string; datum: Datum }[] {
  const out: { namespace: string; datum: Datum }[] = [];
  for (const line of lines) {
    if (line.includes('\n')) throw new Error('EMF line contains a newline');
    const root = JSON.parse(line) as Record<string, unknown>;
    const aws = root._aws as { Timestamp: unknown; CloudWatchMetrics: unknown[] };
    if (!Number.isInteger(aws.Timestamp)) throw new Error('_aws.Timestamp must be integer ms');
    for (const directive of aws.CloudWatchMetrics as {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: MetricUnit }[];
    }[]) {
      if (directive.Metrics.length > 100) throw new Error('more than 100 metrics in a directive');
      for (const set of directive.Dimensions) {
        if (set.length > 30) throw new Error('more than 30 dimension keys');
        for (const metric of directive.Metrics) {
          const raw = root[metric.Name];
          const values = Array.isArray(raw) ? raw : [raw];
          if (values.length > 100) throw new Error('more than 100 values');
          for (const value of values) {
            if (typeof value !== 'number') throw new Error(`metric ${metric.Name} has no numeric value`);
            out.push({
              namespace: directive.Namespace,
              datum: {
                MetricName: metric.Name,
                Dimensions: set.map((name) => {
                  const v = root[name];
                  if (typeof v !== 'string') throw new Error(`dimension ${name} has no string value`);
                  return { Name: name, Value: v };
                }),
                Timestamp: new Date(aws.Timestamp as number),
                Value: value,
                Unit: metric.Unit,
              },
            });
          }
        }
      }
    }
  }
  return out;
}
