/**
 * Cost of vigil's PromQL engine per probe round: 20 typical alert-rule expressions evaluated against a
 * node_exporter page plus an application latency histogram, with 15 rounds (one a minute) of history so the
 * [5m]/[10m] windows are full, against the cost of parsing the page itself (what a round pays anyway). The round's
 * own path: the parsed page and the rate state's history in a ScrapeSource, as the prometheus kind builds it; and
 * what handing that history to the inspection worker costs (a structured clone, as postMessage makes). Parsing
 * the rules happens once at config load and is shown separately.
 *
 * Standalone: `npx tsx bench/promql.ts` prints the markdown section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packHistory, unpackHistory } from '../functions/probing/history-transfer';
import { parsePrometheus } from '../functions/prometheus/parse';
import {
  type Expr,
  evaluateInstant,
  parsePromql,
  ScrapeSource,
  type SeriesSamples,
} from '../functions/promql';
import { type BenchSection, runAlone } from './types';

const NODE_EXPORTER_PAGE = join(__dirname, '../test/fixtures/prometheus/node_exporter.txt');
const ROUND_MS = 60_000;
const HISTORY_ROUNDS = 15;
const TIMED_RUNS = 11;
/** Each timed run repeats the work for at least this long, so sub-millisecond work is not timed alone. */
const RUN_MIN_MS = 50;
const WARMUP_MIN_MS = 300;

/** Alert rules as teams write them for node_exporter and a Go service (awesome-prometheus-alerts style). */
export const RULES = [
  'up == 0',
  '(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)) > 0.8',
  '100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100) > 80',
  'node_load1 / count without (cpu, mode) (node_cpu_seconds_total{mode="idle"}) > 2',
  'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes < 0.1',
  'node_filesystem_files_free / node_filesystem_files < 0.1',
  'rate(node_network_receive_bytes_total[5m]) > 1e8',
  'rate(node_network_transmit_errs_total[5m]) / rate(node_network_transmit_packets_total[5m]) > 0.01',
  'rate(node_disk_io_time_seconds_total[5m]) > 0.9',
  'rate(node_vmstat_pgmajfault[5m]) > 1000',
  'increase(node_context_switches_total[5m]) > 1e6',
  'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))',
  'topk(3, rate(node_disk_read_bytes_total[5m]))',
  'avg_over_time(node_load1[10m]) > 4',
  'max_over_time(node_memory_MemAvailable_bytes[10m]) < 1e9',
  'changes(node_boot_time_seconds[10m]) > 0',
  'absent(node_exporter_build_info)',
  'rate(http_requests_total{code=~"5.."}[5m]) / ignoring (code) group_sum_requests > 0.01',
  'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.1',
  'histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket[5m])))',
];

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const HANDLERS = ['/api/orders', '/api/users', '/api/cart', '/healthz'];

/** The page's samples as counters moving a little every round, plus a Go service's histogram and requests. */
function history(now: number): SeriesSamples[] {
  const page = parsePrometheus(readFileSync(NODE_EXPORTER_PAGE, 'utf8'));
  const rounds = Array.from({ length: HISTORY_ROUNDS }, (_, i) => now - (HISTORY_ROUNDS - 1 - i) * ROUND_MS);
  const series: SeriesSamples[] = page.map((sample) => ({
    labels: { ...sample.labels, __name__: sample.name },
    samples: rounds.map((t, i) => ({
      t,
      v: sample.name.endsWith('_total') ? sample.value + i * 10 : sample.value,
    })),
  }));
  for (const handler of HANDLERS) {
    BUCKETS.forEach((le, b) => {
      series.push({
        labels: { __name__: 'http_request_duration_seconds_bucket', handler, le },
        samples: rounds.map((t, i) => ({ t, v: (b + 1) * 100 * i })),
      });
    });
    for (const code of ['200', '500']) {
      series.push({
        labels: { __name__: 'http_requests_total', handler, code },
        samples: rounds.map((t, i) => ({ t, v: (code === '200' ? 1000 : 7) * i })),
      });
    }
    series.push({
      labels: { __name__: 'group_sum_requests', handler },
      samples: rounds.map((t) => ({ t, v: 1000 })),
    });
  }
  return series;
}

interface Cost {
  wallMs: number;
  cpuMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall and CPU (user + system) milliseconds per call, after a warm-up that lets the JIT settle. */
function costPerCall(fn: () => unknown): Cost {
  const warmupEnd = performance.now() + WARMUP_MIN_MS;
  const sink: unknown[] = [];
  do sink[0] = fn();
  while (performance.now() < warmupEnd);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < TIMED_RUNS; run++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let calls = 0;
    do {
      sink[0] = fn();
      calls++;
    } while (performance.now() - start < RUN_MIN_MS);
    const used = process.cpuUsage(cpuStart);
    wall.push((performance.now() - start) / calls);
    cpu.push((used.user + used.system) / 1000 / calls);
  }
  if (sink.length !== 1) throw new Error('unreachable: keeps results observable');
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/** A round's source: this scrape (the last round's samples) and the history of the rounds before, as the kind builds it. */
function roundSource(data: readonly SeriesSamples[], now: number): ScrapeSource {
  const past = data.map((series) => ({ labels: series.labels, samples: series.samples.slice(0, -1) }));
  const source = new ScrapeSource({ atMs: now, history: past });
  source.addScraped(
    data.map((series) => {
      const { __name__: name, ...labels } = series.labels;
      return { name: name ?? '', labels, value: series.samples.at(-1)!.v };
    }),
  );
  return source;
}

export async function run(): Promise<BenchSection> {
  const now = 1_700_000_000_000;
  const data = history(now);
  const text = readFileSync(NODE_EXPORTER_PAGE, 'utf8');
  const rules: Expr[] = RULES.map((rule) => parsePromql(rule));
  const samples = data.reduce((total, s) => total + s.samples.length, 0);
  const results = rules.map((rule) => evaluateInstant(rule, roundSource(data, now), now));
  const series = results.reduce((total, r) => total + (r.type === 'vector' ? r.series.length : 1), 0);
  const past = data.map((entry) => ({ labels: entry.labels, samples: entry.samples.slice(0, -1) }));

  const pageParse = costPerCall(() => parsePrometheus(text));
  const ruleParse = costPerCall(() => RULES.map((rule) => parsePromql(rule)));
  // A fresh source each time, as each round builds one: its families are sorted on first use.
  const evaluation = costPerCall(() => {
    const source = roundSource(data, now);
    return rules.map((rule) => evaluateInstant(rule, source, now));
  });
  const transfer = costPerCall(() => structuredClone(past));
  const packed = costPerCall(() => unpackHistory(structuredClone(packHistory(past))));
  const perRule = RULES.map((rule, i) => ({
    rule,
    cost: costPerCall(() => evaluateInstant(rules[i]!, roundSource(data, now), now)),
  }));
  perRule.sort((a, b) => b.cost.cpuMs - a.cost.cpuMs);

  const row = (what: string, cost: Cost) =>
    `| ${what} | ${cost.cpuMs.toFixed(3)} | ${cost.wallMs.toFixed(3)} | ${(cost.cpuMs / pageParse.cpuMs).toFixed(2)}× |`;
  const markdown = [
    `Node ${process.version}, median of ${TIMED_RUNS} timed runs (each ≥ ${RUN_MIN_MS} ms of repeated calls) after ` +
      `${WARMUP_MIN_MS} ms of warm-up; CPU is user + system time from process.cpuUsage(). Data: the node_exporter ` +
      `fixture (${parsePrometheus(text).length} series) plus a 4-handler latency histogram, ${data.length} series × ` +
      `${HISTORY_ROUNDS} rounds one minute apart = ${samples} samples; the ${RULES.length} rules return ${series} series.`,
    '',
    '| work per probe round | ms CPU | ms wall | vs. parsing the page |',
    '| --- | ---: | ---: | ---: |',
    row('parse the node_exporter page (parsePrometheus)', pageParse),
    row(
      `evaluate ${RULES.length} rules over this scrape + 14 rounds of history (ScrapeSource, evaluateInstant)`,
      evaluation,
    ),
    row(
      `hand the history to the inspection worker as objects (structuredClone of ${past.length} series × ${HISTORY_ROUNDS - 1} samples)`,
      transfer,
    ),
    row('the same packed in typed arrays (pack, clone, unpack: what the inspection pool does)', packed),
    row(`parse ${RULES.length} rules (parsePromql; once at config load)`, ruleParse),
    '',
    'Costliest rules (ms CPU per evaluation):',
    '',
    ...perRule.slice(0, 5).map(({ rule, cost }) => `- \`${rule}\`: ${cost.cpuMs.toFixed(3)}`),
  ].join('\n');
  return { title: 'PromQL engine', markdown };
}

runAlone(module, run);
