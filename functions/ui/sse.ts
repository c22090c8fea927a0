/**
 * Server-sent events for the page: every open page holds one `GET /ui/api/events` stream and gets each round,
 * alarm change and notification as it happens. EventSource reconnects by itself; the page then reloads its data,
 * so nothing is replayed here.
 */
import type { ServerResponse } from 'node:http';
import { redactValue } from '../logging/redact';

/** Streams open at once: a page per person is plenty on 127.0.0.1; more is a leak (or a loop) to refuse. */
const SSE_MAX_CLIENTS = 32;
/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const SSE_KEEPALIVE_MS = 15_000;
/** EventSource waits this long before reconnecting after the stream ends. */
const SSE_RETRY_MS = 1_000;

export interface EventHub {
  /** Takes over the response; false (and a 503) when too many streams are open. */
  attach(res: ServerResponse): boolean;
  send(event: string, data: unknown): void;
  readonly clients: number;
  close(): void;
}

export function eventHub(): EventHub {
  const clients = new Set<ServerResponse>();
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(': keepalive\n\n');
  }, SSE_KEEPALIVE_MS);
  keepalive.unref();
  return {
    attach(res) {
      if (clients.size >= SSE_MAX_CLIENTS) {
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' })
          .end(JSON.stringify({ error: `too many event streams open (max ${SSE_MAX_CLIENTS})` }));
        return false;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.write(`retry: ${SSE_RETRY_MS}\n\n`);
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return true;
    },
    send(event, data) {
      if (clients.size === 0) return;
      // JSON has no raw newlines, so the payload is one `data:` line; secrets go the way of every other output.
      const frame = `event: ${event}\ndata: ${JSON.stringify(redactValue(data))}\n\n`;
      for (const res of clients) res.write(frame);
    },
    get clients() {
      return clients.size;
    },
    close() {
      clearInterval(keepalive);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
