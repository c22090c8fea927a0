/**
 * Loopback test servers (127.0.0.1, random port), well-behaved and misbehaving, for anything that makes HTTP
 * requests. Every server tracks its sockets and destroys them on close(), so jest sees no open handles.
 *
 *   const server = await startHttpServer(trickleBody());
 *   ... probe `${server.url}/` ...
 *   await server.close();
 */

import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const LOOPBACK = '127.0.0.1';
/** Where the redirect-to-metadata server points: the AWS instance metadata service. */
export const METADATA_URL = 'http://169.254.169.254/latest/meta-data/';

const TLS_DIR = join(__dirname, '..', 'fixtures', 'tls');
/** Self-signed, CN/SAN 127.0.0.1 + localhost, valid until 2126 (see test/fixtures/tls/README.md). */
export const TLS_FIXTURE = {
  key: readFileSync(join(TLS_DIR, 'key.pem')),
  cert: readFileSync(join(TLS_DIR, 'cert.pem')),
};

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` (or https), no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Requests the server received, with their bodies (http and https servers only). */
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Called once the request body has been read. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
/** Raw servers get the socket after the request head and write whatever bytes they like. */
export type RawHandler = (socket: net.Socket, head: string) => void;

export function startHttpServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  return listen(http.createServer(recording(handler, requests)), 'http', requests);
}

export function startHttpsServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  return listen(https.createServer({ ...TLS_FIXTURE }, recording(handler, requests)), 'https', requests);
}

/** A TCP server that reads the request head and hands the socket over, for responses Node's server won't write. */
export function startRawServer(handler: RawHandler): Promise<TestServer> {
  const server = net.createServer((socket) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      handler(socket, head);
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  });
  return listen(server, 'http', []);
}

/** A port on 127.0.0.1 with nothing listening (connects are refused). */
export async function closedPort(): Promise<number> {
  const server = await startRawServer(() => {});
  await server.close();
  return server.port;
}

function recording(handler: Handler, requests: RecordedRequest[]): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
}

function listen(
  server: net.Server,
  scheme: 'http' | 'https',
  requests: RecordedRequest[],
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on('connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `${scheme}://${LOOPBACK}:${port}`,
        port,
        requests,
        connections: () => connections,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers: well-behaved

export function respond(
  status: number,
  body: string | Buffer = '',
  headers: http.OutgoingHttpHeaders = {},
): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
}

/** 302 (or `status`) to `location`. */
export function redirectTo(location: string, status = 302): Handler {
  return (_req, res) => {
    res.writeHead(status, { location, 'content-length': 0 });
    res.end();
  };
}

/** `/chain/<n>` redirects to `/chain/<n-1>`; `/chain/0` answers 200 `end of chain`. Start at `/chain/<N>`. */
export function redirectChain(): Handler {
  return (req, res) => {
    const left = Number(/^\/chain\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    if (left > 0) redirectTo(`/chain/${left - 1}`)(req, res, '');
    else respond(200, 'end of chain')(req, res, '');
  };
}

/** `/loop/a` → `/loop/b` → `/loop/a` → ... */
export function redirectLoop(): Handler {
  return (req, res) => redirectTo(req.url === '/loop/a' ? '/loop/b' : '/loop/a')(req, res, '');
}

/** Redirects to the cloud metadata service; a probe that follows it must be refused before connecting. */
export function redirectToMetadata(): Handler {
  return redirectTo(METADATA_URL);
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers: misbehaving

/** Accepts the request and never answers (until the server closes). */
export function hangBeforeHeaders(): Handler {
  return () => {};
}

/** Sends headers at once, then the body one byte per `intervalMs` (default 1 s). */
export function trickleBody(bytes = 100, intervalMs = 1_000): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': bytes });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++sent === bytes) {
        clearInterval(timer);
        res.end();
      }
    }, intervalMs);
    res.on('close', () => clearInterval(timer));
  };
}

const STREAM_CHUNK = Buffer.alloc(64 * 1024, 'a');
const HUGE_BODY_BYTES = 500 * 1024 * 1024;

/**
 * A body of `bytes` (default 500 MiB) generated on the fly from one 64 KiB chunk, honouring backpressure; with
 * `declareLength` false it is sent chunked, so only a streaming cap can stop it.
 */
export function hugeBody(options: { bytes?: number; declareLength?: boolean } = {}): Handler {
  const { bytes = HUGE_BODY_BYTES, declareLength = true } = options;
  return (_req, res) => {
    res.writeHead(200, declareLength ? { 'content-length': bytes } : {});
    streamRepeated(res, STREAM_CHUNK, bytes);
  };
}

const BOMB_MEMBER_DECODED_BYTES = 1024 * 1024;
const GZIP_BOMB_DECODED_BYTES = 10 * 1024 * 1024 * 1024;
let bombMember: Buffer | undefined;

/**
 * `Content-Encoding: gzip` body that decodes to `decodedBytes` (default 10 GiB) of zeros: one ~1 KiB gzip member
 * (1 MiB of zeros) repeated; gzip decoders concatenate members. Sent lazily, so it costs what the client reads.
 */
export function gzipBomb(decodedBytes = GZIP_BOMB_DECODED_BYTES): Handler {
  bombMember ??= gzipSync(Buffer.alloc(BOMB_MEMBER_DECODED_BYTES), { level: 9 });
  const member = bombMember;
  const members = Math.ceil(decodedBytes / BOMB_MEMBER_DECODED_BYTES);
  return (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
    streamRepeated(res, member, members * member.length);
  };
}

function streamRepeated(res: http.ServerResponse, chunk: Buffer, total: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (sent >= total) res.end();
  };
  pump();
}

/** Raw: declares a Content-Length `longer` or `shorter` than the body it sends, then closes. */
export function lyingContentLength(lie: 'longer' | 'shorter'): RawHandler {
  const body = 'hello world';
  const declared = lie === 'longer' ? body.length + 100 : 5;
  return (socket) => {
    socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n${body}`);
  };
}

/** Raw: headers promising 1000 bytes, 100 bytes of body, then a reset. */
export function closeMidBody(): RawHandler {
  return (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(100)}`, () => socket.destroy());
  };
}

/** Raw: something that is not HTTP at all. */
export function garbageResponse(): RawHandler {
  return (socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Network isolation

/**
 * A dns.lookup-compatible resolver answering only from `hosts` (name → IP); other names fail with ENOTFOUND.
 * Tests inject it so that no real name is ever resolved.
 */
export function staticLookup(hosts: Record<string, string>): net.LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    const address = hosts[hostname];
    process.nextTick(() => {
      if (address === undefined) {
        const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        error.code = 'ENOTFOUND';
        error.syscall = 'getaddrinfo';
        callback(error, '');
        return;
      }
      const family = net.isIP(address);
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    });
  };
  return Object.assign(lookup, { calls });
}

export interface ConnectTrap {
  /** Every address a socket was about to connect to (after lookup), in order. */
  readonly attempts: string[];
  /** The non-loopback ones among them, which the trap refused instead of connecting. */
  readonly refused: string[];
  restore(): void;
}

const isLoopback = (ip: string): boolean =>
  ip.startsWith('127.') || ip === '::1' || ip === '::ffff:127.0.0.1';

/**
 * Watches every outgoing TCP connect in this process and refuses (with an error, before any packet) those to
 * non-loopback addresses. A safety net for tests that exercise address guards: if the guard under test were
 * broken, the test fails instead of reaching the network.
 */
export function trapConnections(): ConnectTrap {
  const attempts: string[] = [];
  const refused: string[] = [];
  // Typed loosely on purpose: connect() has many overloads and we only pass its arguments through.
  const prototype = net.Socket.prototype as unknown as {
    connect: (this: net.Socket, ...args: unknown[]) => net.Socket;
  };
  const original = prototype.connect;

  const check = (socket: net.Socket, address: string): Error | undefined => {
    attempts.push(address);
    if (isLoopback(address)) return undefined;
    refused.push(address);
    return Object.assign(new Error(`test trap: refused a connection to non-loopback ${address}`), {
      code: 'ETESTTRAP',
      socket,
    });
  };

  prototype.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
    // net.connect() passes [normalizedArgs]; direct calls pass (options, listener) or (port, host, listener).
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as net.TcpNetConnectOpts | undefined;
    if (options && typeof options === 'object' && !('path' in options && options.path)) {
      const host = options.host ?? 'localhost';
      if (net.isIP(host)) {
        const error = check(this, host);
        if (error) {
          this.destroy(error);
          return this;
        }
      } else {
        const lookup = options.lookup ?? staticLookup({ localhost: LOOPBACK });
        options.lookup = (hostname, lookupOptions, callback) =>
          lookup(hostname, lookupOptions, (error, address, family) => {
            if (error) {
              callback(error, address, family);
              return;
            }
            const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
            const refusal = addresses.map((ip) => check(this, ip)).find((result) => result !== undefined);
            if (refusal) callback(refusal, '');
            else callback(null, address, family);
          });
      }
    }
    return original.apply(this, args);
  };
  const restore = (): void => {
    prototype.connect = original;
  };
  return { attempts, refused, restore };
}
