/**
 * The webhook's HTTP intake on 127.0.0.1 (`vigil webhook serve`, `vigil dev`): each request becomes the same
 * Function URL event the Lambda receives and goes through the same handleWebhookEvent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeadLetterStore } from '../deadletter/types';
import { type Deadline, deadlineIn } from '../deadline';
import { productionDispatchDeps } from '../webhook/deps';
import type { DispatchDeps } from '../webhook/dispatch';
import { handleWebhookEvent, type WebhookContext, type WebhookResult } from '../webhook/pipeline';
import { HTTP_BODY_MAX_BYTES } from './http-request';

/** Local requests get this long to deliver (the Lambda gets its remaining time instead). */
export const LOCAL_DELIVERY_BUDGET_MS = 60_000;
export const INTAKE_PATH = '/alerts';

export interface WebhookServerOptions {
  config: WebhookContext['config'];
  deadLetters: DeadLetterStore;
  port: number;
  host?: string;
  /** Where the console channel prints. */
  write?: (text: string) => void;
  /** Test seam: replaces the production dispatch deps (HTTP transport, clock). */
  deps?: (deadline: Deadline) => DispatchDeps;
  onResult?: (result: WebhookResult) => void;
}

export interface WebhookServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Reads at most `limit` bytes; one byte over tells intake the body is too large (413) without buffering it all. */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    const room = limit - size;
    if (room <= 0) break;
    chunks.push(buffer.subarray(0, room));
    size += Math.min(buffer.length, room);
  }
  return Buffer.concat(chunks);
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

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== INTAKE_PATH) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `not found: POST alerts to ${INTAKE_PATH}` }));
      return;
    }
    (async () => {
      const body = await readLimited(req, HTTP_BODY_MAX_BYTES + 1);
      const deadline = deadlineIn(LOCAL_DELIVERY_BUDGET_MS);
      const deps =
        options.deps?.(deadline) ??
        productionDispatchDeps({
          deadline,
          deadLetters: options.deadLetters,
          ...(options.write ? { write: options.write } : {}),
        });
      const result = await handleWebhookEvent(toEvent(req, body), { config: options.config, deps });
      options.onResult?.(result);
      if (result.kind !== 'http') throw new Error('HTTP intake answered like an event');
      const { statusCode, body: answer, headers } = result.response;
      res.writeHead(statusCode, { 'content-type': 'application/json', ...headers }).end(answer);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `internal error: ${(error as Error).name}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
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
