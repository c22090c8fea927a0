/**
 * DEMO ONLY — a stand-in for "a service your team already runs", started by `vigil dev` (and usable alone:
 * `npx tsx examples/demo-service/server.ts --port 3000`). It exposes the two kinds of health endpoint vigil
 * probes: a JSON health endpoint and a Prometheus /metrics page, both following the leak cycle in model.ts. The
 * page's request counter and latency histogram are what rules.yml (its Prometheus alert rules) alarms on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_REQUESTS_PER_SECOND, type DemoState, demoState, LATENCY_BUCKETS, latencyShare } from './model';

export interface DemoService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DemoOptions {
  port?: number;
  host?: string;
  /** Length of one leak-and-recover cycle (default 3 minutes). */
  cycleMs?: number;
  now?: () => number;
}

export const DEFAULT_DEMO_PORT = 3000;
/** Long enough to watch each level fire at a 5 s interval, short enough that a warning shows within ~1 minute. */
export const DEFAULT_CYCLE_MS = 3 * 60_000;

export async function startDemoService(options: DemoOptions = {}): Promise<DemoService> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const cycleMs = options.cycleMs ?? DEFAULT_CYCLE_MS;
  const traffic = new Traffic(startedAt);

  const server: Server = createServer((req, res) => {
    const at = now();
    const state = demoState(at - startedAt, cycleMs);
    traffic.advance(at, state);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/monitor/health') {
      const restarting = state.phase === 'restarting';
      res.writeHead(restarting ? 503 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: restarting ? 'restarting' : 'ok',
          goroutines: state.goroutines,
          memory: { alloc_mb: state.allocMb },
          uptime_s: Math.round((now() - startedAt) / 1000),
        }),
      );
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metricsPage(state, traffic));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /api/monitor/health or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_DEMO_PORT, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Simulated traffic as counters: DEMO_REQUESTS_PER_SECOND requests a second (70% GET), errorRatio of them 5xx,
 * latencies exponential with the state's mean, added up for the time since the last request. A restart resets
 * them, as a restarted process does (rate() sees a counter reset).
 */
class Traffic {
  requests = { get200: 0, get500: 0, post200: 0, post500: 0 };
  buckets = LATENCY_BUCKETS.map(() => 0);
  count = 0;
  sum = 0;
  private phase: DemoState['phase'] = 'steady';

  constructor(private last: number) {}

  advance(at: number, state: DemoState): void {
    if (state.phase === 'restarting' && this.phase !== 'restarting') {
      this.requests = { get200: 0, get500: 0, post200: 0, post500: 0 };
      this.buckets = LATENCY_BUCKETS.map(() => 0);
      this.count = 0;
      this.sum = 0;
    }
    this.phase = state.phase;
    const seconds = Math.max(0, (at - this.last) / 1000);
    this.last = at;
    const total = DEMO_REQUESTS_PER_SECOND * seconds;
    this.requests.get200 += 0.7 * total * (1 - state.errorRatio);
    this.requests.get500 += 0.7 * total * state.errorRatio;
    this.requests.post200 += 0.3 * total * (1 - state.errorRatio);
    this.requests.post500 += 0.3 * total * state.errorRatio;
    LATENCY_BUCKETS.forEach((le, index) => {
      this.buckets[index]! += total * latencyShare(le, state.latencySeconds);
    });
    this.count += total;
    this.sum += total * state.latencySeconds;
  }
}

/** Counters are whole requests, as a client library would count them. */
const whole = (value: number) => Math.round(value);

function metricsPage(state: DemoState, traffic: Traffic): string {
  const requests = traffic.requests;
  return `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines ${state.goroutines}
# HELP go_memstats_alloc_bytes Number of bytes allocated and still in use.
# TYPE go_memstats_alloc_bytes gauge
go_memstats_alloc_bytes ${state.allocMb * 1024 * 1024}
# HELP http_requests_total Total HTTP requests by method and status.
# TYPE http_requests_total counter
http_requests_total{method="GET",status="200"} ${whole(requests.get200)}
http_requests_total{method="GET",status="500"} ${whole(requests.get500)}
http_requests_total{method="POST",status="200"} ${whole(requests.post200)}
http_requests_total{method="POST",status="500"} ${whole(requests.post500)}
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
${LATENCY_BUCKETS.map((le, index) => `http_request_duration_seconds_bucket{le="${le}"} ${whole(traffic.buckets[index]!)}`).join('\n')}
http_request_duration_seconds_bucket{le="+Inf"} ${whole(traffic.count)}
http_request_duration_seconds_sum ${traffic.sum.toFixed(3)}
http_request_duration_seconds_count ${whole(traffic.count)}
# HELP demo_phase Current phase of the demo leak cycle (1 for the active phase).
# TYPE demo_phase gauge
demo_phase{phase="steady"} ${state.phase === 'steady' ? 1 : 0}
demo_phase{phase="leaking"} ${state.phase === 'leaking' ? 1 : 0}
demo_phase{phase="restarting"} ${state.phase === 'restarting' ? 1 : 0}
`;
}

if (require.main === module) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : DEFAULT_DEMO_PORT;
  startDemoService({ port }).then((demo) =>
    console.log(`demo service on ${demo.url} (/api/monitor/health, /metrics)`),
  );
}
