/**
 * The webhook's HTTP intake on 127.0.0.1 (`vigil webhook serve`, `vigil dev`): each request becomes the same
 * Function URL event the Lambda receives and goes through the same handleWebhookEvent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeadLetterStore } from '../deadletter/types';
import { type Deadline, deadlineIn } from '../deadline';
import { alertPolicy, SWEEP_INTERVAL_MS, type SweepReport, sweep } from '../notify/sweep';
import type { AlertStateStore } from '../state/item-store';
import { productionDispatchDeps } from '../webhook/deps';
import type { DispatchDeps } from '../webhook/dispatch';
import {
  handleWebhookEvent,
  resolveIntakeConfig,
  type WebhookContext,
  type WebhookResult,
} from '../webhook/pipeline';
import { isAlertmanagerApiPath } from './alertmanager-api';
import type { HttpIntakeConfig } from './auth';
import { HTTP_BODY_MAX_BYTES } from './http-request';

/** Local requests get this long to deliver (the Lambda gets its remaining time instead). */
export const LOCAL_DELIVERY_BUDGET_MS = 60_000;
export const INTAKE_PATH = '/alerts';

export interface WebhookServerOptions {
  config: WebhookContext['config'];
  deadLetters: DeadLetterStore;
  /** The alert state shared with the sweep (and any other process on the same file). */
  state: AlertStateStore;
  port: number;
  host?: string;
  /** Where the console channel prints. */
  write?: (text: string) => void;
  /** Test seam: replaces the production dispatch deps (HTTP transport, clock). */
  deps?: (deadline: Deadline) => DispatchDeps;
  onResult?: (result: WebhookResult) => void;
  /** A request to the Alertmanager API (intake/alertmanager-api.ts), answered. */
  onApiRequest?: (request: { method: string; path: string; status: number }) => void;
  /** Run the sweep (reminders, queued alerts) every SWEEP_INTERVAL_MS, as EventBridge Scheduler does in AWS. */
  sweep?: { intervalMs?: number; onReport?: (report: SweepReport) => void };
  /** More routes on the same port (the page, functions/ui/routes.ts): true when it answered the request. */
  routes?: (req: IncomingMessage, res: ServerResponse, intake: HttpIntakeConfig) => boolean;
  /** A request or a sweep that failed unexpectedly (the request was answered 500). */
  onError?: (error: Error) => void;
}

export interface WebhookServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A body this far over the limit is not read to its end: the answer is 413 and the connection is closed. */
export const DRAIN_MAX_BYTES = 16 * HTTP_BODY_MAX_BYTES;

/**
 * Reads at most `limit` bytes; one byte over tells intake the body is too large (413). The rest is read and
 * discarded (up to DRAIN_MAX_BYTES), so the connection stays usable for the next request: stopping mid-body would
 * leave its tail to be parsed as the next request, or tear the socket down under a client still sending.
 */
async function readLimited(req: IncomingMessage, limit: number): Promise<{ body: Buffer; drained: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let seen = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    seen += buffer.length;
    const room = limit - size;
    if (room > 0) {
      chunks.push(buffer.subarray(0, room));
      size += Math.min(buffer.length, room);
    }
    if (seen > DRAIN_MAX_BYTES) return { body: Buffer.concat(chunks), drained: false };
  }
  return { body: Buffer.concat(chunks), drained: true };
}
function toEvent(req: IncomingMessage, body: Buffer) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const text = body.toString('utf8');
  const binary = !Buffer.from(text, 'utf8').equals(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    body: binary ? body.toString('base64') : text,
    isBase64Encoded: binary,
    requestContext: {
      http: { method: req.method ?? 'GET', path: url.pathname, sourceIp: req.socket.remoteAddress ?? '' },
    },
  };
}

/**
 * Starts the intake on 127.0.0.1. Resolves the intake's secrets first: an unset ${env:…} token rejects here with a
 * SecretError naming the variable, before anything listens.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const intake = await resolveIntakeConfig(options.config, undefined);
  const productionDeps = (deadline: Deadline) =>
    productionDispatchDeps({
      deadline,
      deadLetters: options.deadLetters,
      state: options.state,
      ...(options.write ? { write: options.write } : {}),
    });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const api = isAlertmanagerApiPath(path);
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== INTAKE_PATH && !api && options.routes?.(req, res, intake)) return;
    if (path !== INTAKE_PATH && !api) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `not found: POST alerts to ${INTAKE_PATH}` }));
      return;
    }
    (async () => {
      const { body, drained } = await readLimited(req, HTTP_BODY_MAX_BYTES + 1);
      const deadline = deadlineIn(LOCAL_DELIVERY_BUDGET_MS);
      const deps = options.deps?.(deadline) ?? productionDeps(deadline);
      const result = await handleWebhookEvent(toEvent(req, body), { config: options.config, deps, intake });
      if (result.kind === 'http' && api)
        options.onApiRequest?.({ method: req.method ?? 'GET', path, status: result.response.statusCode });
      else options.onResult?.(result);
      if (result.kind !== 'http') throw new Error('HTTP intake answered like an event');
      const { statusCode, body: answer, headers } = result.response;
      res
        .writeHead(statusCode, {
          'content-type': 'application/json',
          ...headers,
          ...(drained ? {} : { connection: 'close' }),
        })
        .end(answer);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `internal error: ${(error as Error).name}` }));
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const sweeper = options.sweep && startSweepTimer(options, productionDeps);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await sweeper?.stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** The same sweep the scheduled Lambda runs, on a timer; one run at a time, never overlapping. */
function startSweepTimer(
  options: WebhookServerOptions,
  productionDeps: (deadline: Deadline) => DispatchDeps,
): { stop(): Promise<void> } {
  const intervalMs = options.sweep?.intervalMs ?? SWEEP_INTERVAL_MS;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(async () => {
      const deadline = deadlineIn(Math.min(intervalMs, LOCAL_DELIVERY_BUDGET_MS));
      const deps = options.deps?.(deadline) ?? productionDeps(deadline);
      try {
        const report = await sweep({
          policy: alertPolicy(options.config),
          state: deps.state,
          deadLetters: deps.deadLetters,
          deliver: deps.deliver,
        });
        options.sweep?.onReport?.(report);
      } catch (error) {
        options.onError?.(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
