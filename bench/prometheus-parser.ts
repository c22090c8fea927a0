/**
 * Throughput of the Prometheus text parser on a captured node_exporter page and on a ~5 MB synthetic page,
 * full and selective (`names`), against the npm package parse-prometheus-text-format in the same process.
 *
 * Standalone: `npx tsx bench/prometheus-parser.ts` prints the markdown section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheus } from '../functions/prometheus/parse';
import { type BenchSection, runAlone } from './types';

// The peer is CommonJS without type declarations; its default export is parse(text).
const parsePeer = require('parse-prometheus-text-format') as (text: string) => unknown;

const NODE_EXPORTER_PAGE = join(__dirname, '../test/fixtures/prometheus/node_exporter.txt');
const SYNTHETIC_PAGE_MIN_BYTES = 5_000_000;
/** Each timed run repeats the parse for at least this long, so a 60 KB page is not timed in microseconds. */
const RUN_MIN_MS = 25;
const WARMUP_MIN_MS = 300;
const TIMED_RUNS = 11;
/** What a probe typically keeps from a node_exporter page. */
const SELECTED_NAMES: ReadonlySet<string> = new Set([
  'node_cpu_seconds_total',
  'node_load1',
  'node_memory_MemAvailable_bytes',
  'node_filesystem_avail_bytes',
]);

interface Page {
  label: string;
  text: string;
  bytes: number;
}

interface Measurement {
  parser: string;
  msPerParse: number;
  mbPerSecond: number;
}

/** Copies the page with every metric name prefixed per copy (copy 0 keeps the real names). */
function syntheticPage(page: string, minBytes: number): string {
  const copies: string[] = [page];
  let size = page.length;
  for (let copy = 1; size < minBytes; copy++) {
    const renamed = page.replace(/^(# (?:HELP|TYPE) )?([a-zA-Z_:])/gm, `$1r${copy}_$2`);
    copies.push(renamed);
    size += renamed.length;
  }
  return copies.join('');
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median milliseconds per call over TIMED_RUNS runs, after a warm-up that lets the JIT settle. */
function timePerCall(fn: () => unknown): number {
  const warmupEnd = performance.now() + WARMUP_MIN_MS;
  let sink = 0;
  do {
    if (fn() !== undefined) sink++;
  } while (performance.now() < warmupEnd);
  const perCall: number[] = [];
  for (let run = 0; run < TIMED_RUNS; run++) {
    const start = performance.now();
    let calls = 0;
    let elapsed = 0;
    do {
      if (fn() !== undefined) sink++;
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < RUN_MIN_MS);
    perCall.push(elapsed / calls);
  }
  if (sink < 0) throw new Error('unreachable: keeps the parse results observable');
  return median(perCall);
}

function measure(page: Page): Measurement[] {
  const parsers: [string, () => unknown][] = [
    ['vigil parsePrometheus', () => parsePrometheus(page.text)],
    ['vigil parsePrometheus({names})', () => parsePrometheus(page.text, { names: SELECTED_NAMES })],
    ['parse-prometheus-text-format', () => parsePeer(page.text)],
  ];
  return parsers.map(([parser, fn]) => {
    const msPerParse = timePerCall(fn);
    return { parser, msPerParse, mbPerSecond: page.bytes / 1e6 / (msPerParse / 1000) };
  });
}

function formatRow(page: Page, measurement: Measurement, peer: Measurement): string {
  const ratio = measurement.mbPerSecond / peer.mbPerSecond;
  return `| ${page.label} | ${measurement.parser} | ${measurement.msPerParse.toFixed(3)} | ${measurement.mbPerSecond.toFixed(1)} | ${ratio.toFixed(2)}× |`;
}

export async function run(): Promise<BenchSection> {
  const nodeExporter = readFileSync(NODE_EXPORTER_PAGE, 'utf8');
  const synthetic = syntheticPage(nodeExporter, SYNTHETIC_PAGE_MIN_BYTES);
  const pages: Page[] = [
    { label: 'node_exporter 1.5 page', text: nodeExporter, bytes: Buffer.byteLength(nodeExporter) },
    { label: 'synthetic page', text: synthetic, bytes: Buffer.byteLength(synthetic) },
  ];
  const rows: string[] = [];
  const notes: string[] = [];
  for (const page of pages) {
    const samples = parsePrometheus(page.text).length;
    const selected = parsePrometheus(page.text, { names: SELECTED_NAMES }).length;
    notes.push(
      `- ${page.label}: ${(page.bytes / 1e6).toFixed(2)} MB, ${lineCount(page.text)} lines, ` +
        `${samples} samples (${selected} kept by \`names\`)`,
    );
    const measurements = measure(page);
    const peer = measurements.at(-1)!;
    for (const measurement of measurements) rows.push(formatRow(page, measurement, peer));
  }
  const markdown = [
    `Node ${process.version}, median of ${TIMED_RUNS} timed runs (each ≥ ${RUN_MIN_MS} ms of repeated parses) ` +
      `after ${WARMUP_MIN_MS} ms of warm-up; MB/s counts UTF-8 bytes of the page. ` +
      `\`names\` keeps ${[...SELECTED_NAMES].join(', ')}.`,
    '',
    ...notes,
    '',
    '| page | parser | ms / parse | MB/s | vigil/peer (throughput) |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { title: 'Prometheus text parser', markdown };
}

runAlone(module, run);
