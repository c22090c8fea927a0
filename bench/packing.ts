/**
 * PutMetricData packing: requests per 10,000 datums against the lower bound, and packing throughput.
 * Standalone: `npx tsx bench/packing.ts`.
 */
import type { Datum } from '../functions/metrics/datums';
import {
  datumWireBytes,
  PACK_BUDGET_BYTES,
  PUT_METRIC_DATA_MAX_DATUMS,
  packBatches,
  putMetricDataBodyBytes,
} from '../functions/metrics/pack';
import { type BenchSection, runAlone } from './types';

const NS = 'Vigil';
const N = 10_000;
const AT = new Date('2026-11-20T12:00:00Z');
const ORDINARY_RUNS = 21;
const LONG_RUNS = 3;

function ordinary(n: number): Datum[] {
  return Array.from({ length: n }, (_, i) => ({
    MetricName: `Metric${i % 10}`,
    Dimensions: [{ Name: 'Target', Value: `target-${Math.floor(i / 10)}` }],
    Timestamp: AT,
    Value: i * 1.5,
    Unit: 'Milliseconds',
  }));
}

/** 30 dimensions of 1,024 characters (~31.7 KB serialised): the largest valid datum. Shared strings keep RAM low. */
function long(n: number): Datum[] {
  const filler = Array.from({ length: 29 }, (_, d) => ({
    Name: `dim${d + 1}`,
    Value: `${d}`.padEnd(1024, 'x'),
  }));
  return Array.from({ length: n }, (_, i) => ({
    MetricName: 'Wide',
    Dimensions: [{ Name: 'dim0', Value: `${i}`.padEnd(1024, 'y') }, ...filler],
    Timestamp: AT,
    Value: i,
    Unit: 'Count',
  }));
}

/** No packing can do better: the count bound and the byte bound (each request repeats the envelope). */
function lowerBound(datums: readonly Datum[]): number {
  const room = PACK_BUDGET_BYTES - putMetricDataBodyBytes(NS, []) + 1;
  const bytes = datums.reduce((sum, d) => sum + datumWireBytes(d) + 1, 0);
  return Math.max(Math.ceil(datums.length / PUT_METRIC_DATA_MAX_DATUMS), Math.ceil(bytes / room));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Row {
  name: string;
  requests: number;
  bound: number;
  maxBodyBytes: number;
  datumsPerSecond: number;
}

function measure(name: string, datums: readonly Datum[], runs: number): Row {
  let batches: Datum[][] = [];
  const seconds: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    batches = packBatches(NS, datums);
    seconds.push((performance.now() - start) / 1000);
  }
  return {
    name,
    requests: batches.length,
    bound: lowerBound(datums),
    maxBodyBytes: Math.max(...batches.map((b) => putMetricDataBodyBytes(NS, b))),
    datumsPerSecond: datums.length / median(seconds),
  };
}

export async function run(): Promise<BenchSection> {
  const rows = [
    measure(`${N.toLocaleString('en')} ordinary datums (~150 B)`, ordinary(N), ORDINARY_RUNS),
    measure(`${N.toLocaleString('en')} datums, 30 × 1,024-char dimensions (~31.7 KB)`, long(N), LONG_RUNS),
    measure('9,000 ordinary + 1,000 long, mixed', [...ordinary(9000), ...long(1000)], LONG_RUNS),
  ];
  const table = [
    '| datums | requests | lower bound | largest body (bytes) | packing (datums/s) |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.requests} | ${r.bound} | ${r.maxBodyBytes.toLocaleString('en')} | ${Math.round(r.datumsPerSecond).toLocaleString('en')} |`,
    ),
  ];
  return {
    title: 'CloudWatch PutMetricData packing',
    markdown: [
      `Limits: ${PUT_METRIC_DATA_MAX_DATUMS} datums and a ${PACK_BUDGET_BYTES.toLocaleString('en')}-byte body ` +
        '(1,000,000 minus a 16 KiB margin) per request, sizes measured exactly as the SDK serialises. ' +
        'Lower bound = max(⌈datums/1000⌉, ⌈bytes/budget⌉). Throughput is the median of several runs on this machine ' +
        `(Node ${process.versions.node}), including serialising every datum once to size it.`,
      '',
      ...table,
    ].join('\n'),
  };
}

runAlone(module, run);
