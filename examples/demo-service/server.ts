/**
 * DEMO ONLY — a stand-in for "a service your team already runs", started by `vigil dev` (and usable alone:
 * `npx tsx examples/demo-service/server.ts --port 3000`). It exposes the two kinds of health endpoint vigil
 * probes: a JSON health endpoint and a Prometheus /metrics page, both following the leak cycle in model.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoState } from './model';

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
  const requests = { get200: 0, get500: 0, post200: 0, post500: 0 };

  const server: Server = createServer((req, res) => {
    const state = demoState(now() - startedAt, cycleMs);
    // Simulated traffic: each probe stands for 1,000 requests of which errorRatio failed.
    requests.get200 += Math.round(700 * (1 - state.errorRatio));
    requests.get500 += Math.round(700 * state.errorRatio);
    requests.post200 += Math.round(300 * (1 - state.errorRatio));
    requests.post500 += Math.round(300 * state.errorRatio);
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
      res.end(metricsPage(state, requests));
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

function metricsPage(state: ReturnType<typeof demoState>, requests: Record<string, number>): string {
  return `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines ${state.goroutines}
# HELP go_memstats_alloc_bytes Number of bytes allocated and still in use.
# TYPE go_memstats_alloc_bytes gauge
go_memstats_alloc_bytes ${state.allocMb * 1024 * 1024}
# HELP http_requests_total Total HTTP requests by method and status.
# TYPE http_requests_total counter
http_requests_total{method="GET",status="200"} ${requests.get200}
http_requests_total{method="GET",status="500"} ${requests.get500}
http_requests_total{method="POST",status="200"} ${requests.post200}
http_requests_total{method="POST",status="500"} ${requests.post500}
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
