/**
 * A real Prometheus (Debian's 2.42, installed by .ci/run) loaded with exactly the series a test gives it, for
 * differential tests of vigil's PromQL engine: the samples are written as OpenMetrics, turned into TSDB blocks
 * by `promtool tsdb create-blocks-from openmetrics`, and served by a Prometheus with no scrape targets on a free
 * loopback port, queried through GET /api/v1/query at chosen instants.
 *
 * Backfilled blocks carry no staleness markers (OpenMetrics cannot express them), so series end by running out
 * of samples; the lookback delta (5m, Prometheus' default, as vigil's) then decides how long they stay visible.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InstantValue, SeriesSamples } from '../../functions/promql';
import { freePort, type Peer, startPeer } from './processes';

const run = promisify(execFile);

export type PrometheusAnswer =
  | { ok: true; value: InstantValue }
  | { ok: false; errorType: string; error: string };

export interface PrometheusServer {
  url: string;
  /** Evaluates `expr` as an instant query at `atMs` (epoch ms). */
  query(expr: string, atMs: number): Promise<PrometheusAnswer>;
  /** GET /api/v1/alerts: the alerting rules' active alerts (pending or firing). */
  alerts(): Promise<{ labels: Record<string, string>; state: string; value: string }[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** prometheus.yml (default: no scrape targets); rule files in it are resolved from its own directory. */
  config?: string;
}

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** The samples as one OpenMetrics page with a timestamp on every line (what promtool backfills from). */
export function toOpenMetrics(series: readonly SeriesSamples[]): string {
  const lines: string[] = [];
  for (const { labels, samples } of series) {
    const name = labels.__name__ ?? '';
    if (!LEGACY_NAME.test(name))
      throw new Error(`OpenMetrics backfill needs a plain metric name, got ${JSON.stringify(name)}`);
    const pairs = Object.entries(labels)
      .filter(([label, value]) => label !== '__name__' && value !== '')
      .map(([label, value]) => `${label}="${escapeLabelValue(value)}"`);
    const selector = pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
    for (const sample of samples) {
      // promtool reads timestamps as float seconds and truncates to ms; whole seconds stay exact.
      if (sample.t % 1000 !== 0)
        throw new Error(`sample times must be whole seconds for backfilling, got ${sample.t}`);
      if (sample.stale) throw new Error('staleness markers cannot be backfilled from OpenMetrics');
      lines.push(`${selector} ${formatValue(sample.v)} ${sample.t / 1000}`);
    }
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

function parseSampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

interface ApiResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

function toAnswer(body: ApiResponse): PrometheusAnswer {
  if (body.status !== 'success' || body.data === undefined) {
    return { ok: false, errorType: body.errorType ?? 'unknown', error: body.error ?? '' };
  }
  const { resultType, result } = body.data;
  if (resultType === 'scalar') {
    const [, value] = result as [number, string];
    return { ok: true, value: { type: 'scalar', value: parseSampleValue(value) } };
  }
  if (resultType === 'vector') {
    const series = (result as { metric: Record<string, string>; value: [number, string] }[]).map((entry) => ({
      labels: entry.metric,
      value: parseSampleValue(entry.value[1]),
    }));
    return { ok: true, value: { type: 'vector', series } };
  }
  return { ok: false, errorType: 'unexpected_result', error: `result type ${resultType}` };
}

/**
 * Backfills `series` into a fresh TSDB and starts Prometheus on it (scraping what `options.config` says, nothing by
 * default); stop() removes everything.
 */
export async function startPrometheus(
  series: readonly SeriesSamples[],
  options: PrometheusOptions = {},
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
  let peer: Peer | undefined;
  try {
    const input = join(dir, 'input.om');
    const data = join(dir, 'data');
    writeFileSync(input, toOpenMetrics(series));
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', input, data]);
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, options.config ?? 'scrape_configs: []\n');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    peer = await startPeer(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--query.lookback-delta=5m',
        '--log.level=warn',
      ],
      `${url}/-/ready`,
    );
    const running = peer;
    return {
      url,
      async query(expr, atMs) {
        const params = new URLSearchParams({ query: expr, time: String(atMs / 1000) });
        const response = await fetch(`${url}/api/v1/query?${params}`);
        return toAnswer((await response.json()) as ApiResponse);
      },
      async alerts() {
        const response = await fetch(`${url}/api/v1/alerts`);
        const body = (await response.json()) as {
          data?: { alerts?: { labels: Record<string, string>; state: string; value: string }[] };
        };
        return body.data?.alerts ?? [];
      },
      async stop() {
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
