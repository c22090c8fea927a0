/**
 * The HTTP probe engine: one HTTP(S) request (plus its redirects) with blackbox_exporter-style timing phases,
 * a hard per-target deadline, a body cap that holds for compressed bodies too, and a guard against link-local /
 * cloud-metadata addresses checked on the resolved address at connect time.
 *
 * Built on node:http/https rather than fetch: undici exposes no DNS/connect/TLS timings and no connect-time hook
 * on the resolved address.
 */
import { lookup as dnsLookup } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import * as zlib from 'node:zlib';
import { certExpiryDays, verificationProblem } from './certificates';
import { BLOCKED_ADDRESS_CODE, BlockedAddressError, guardLookup, isBlockedAddress } from './netguard';
import type { FailureReason, Phases } from './types';

export interface ProbeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Hard per-target deadline: covers DNS, connect, TLS, waiting, and a body that trickles in. */
  timeoutMs: number;
  /** Cap on the (decompressed) body; a Content-Length above the cap fails at once. */
  maxBodyBytes: number;
  maxRedirects: number;
  followRedirects: boolean;
  /** Else link-local / metadata addresses are refused, on the resolved address and on every redirect hop. */
  allowLinkLocal: boolean;
  insecureSkipVerify: boolean;
  /** e.g. vigil/0.1.0; a `user-agent` entry in `headers` wins. */
  userAgent: string;
  /** The whole round's deadline (Lambda remaining time); abort → reason `deadline`. */
  signal?: AbortSignal;
  /** dns.lookup-compatible resolver (tests inject one instead of resolving real names). */
  lookup?: LookupFunction;
  /** Default keep-alive (shared agents); `fresh` opens a new connection (and a full TLS handshake) per probe. */
  agent?: 'keep-alive' | 'fresh';
  /** Certificates to trust instead of Node's bundled roots (a private CA). */
  ca?: readonly (string | Buffer)[];
}

export type HttpOutcome =
  | {
      ok: true;
      status: number;
      headers: http.IncomingHttpHeaders;
      body: Buffer;
      durationMs: number;
      phases: Phases;
      redirects: number;
      certExpiryDays?: number;
      bodyBytes: number;
    }
  | {
      ok: false;
      reason: FailureReason;
      detail: string;
      durationMs: number;
      phases: Phases;
      redirects: number;
      status?: number;
      certExpiryDays?: number;
    };

/** Sends one probe request and follows its redirects; never rejects (every failure is an outcome). */
export function httpProbe(request: ProbeRequest): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    try {
      new Probe(request, resolve).start();
    } catch (error) {
      // Only a malformed request (a bug in the caller) gets here; still an outcome, not a rejection.
      resolve({
        ok: false,
        reason: 'error',
        detail: `probe could not start: ${describeError(error)}`,
        durationMs: 0,
        phases: { dnsLookupMs: 0, connectMs: 0, tlsHandshakeMs: 0, timeToFirstByteMs: 0, transferMs: 0 },
        redirects: 0,
      });
    }
  });
}

/** What we decode; the body cap applies after decoding, so a compression bomb costs only the cap. */
const ACCEPT_ENCODING = 'gzip, deflate, br';
/** Per origin: the round runs up to `probe.concurrency` targets at once, rarely many on one origin. */
const MAX_SOCKETS_PER_ORIGIN = 128;
/** Per agent, all origins together: Lambda allows 1,024 file descriptors; leave room for SDK clients and logs. */
const MAX_SOCKETS_TOTAL = 768;
/**
 * Idle keep-alive sockets close after this: below Node's server default keepAliveTimeout (5 s), so we drop a
 * socket before the server does instead of racing it with a request. Servers that announce a shorter
 * `Keep-Alive: timeout=` are honoured by the agent itself.
 */
const KEEP_ALIVE_IDLE_MS = 4_000;
/** A redirect's body is drained (keeping the socket) up to this size, else the socket is dropped (Go: 2 KiB). */
const REDIRECT_BODY_DRAIN_MAX_BYTES = 4_096;
/**
 * A timer firing later than this was held up by a busy event loop rather than by timer granularity (a few ms):
 * the time it was late is not the target's.
 */
const EVENT_LOOP_STALL_GRACE_MS = 20;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Safe to resend when a reused keep-alive socket turns out dead before any response (Go's isReplayable). */
const REPLAYABLE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** How a keep-alive socket the server already closed shows up on reuse. */
const STALE_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Credentials for one origin must not follow a redirect to another (curl, Go and browsers agree). */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'host'] as const;
const BODY_HEADERS = ['content-type', 'content-length', 'transfer-encoding', 'content-encoding'] as const;

const keepAliveOptions: https.AgentOptions = {
  keepAlive: true,
  maxSockets: MAX_SOCKETS_PER_ORIGIN,
  maxFreeSockets: MAX_SOCKETS_PER_ORIGIN,
  maxTotalSockets: MAX_SOCKETS_TOTAL,
  timeout: KEEP_ALIVE_IDLE_MS,
  // LIFO reuses the most recently used (least likely idle-closed) socket and lets the rest time out.
  scheduling: 'lifo',
};
// Fresh connections measure what a first visitor sees, like blackbox_exporter: no TLS session resumption either.
const freshOptions: https.AgentOptions = {
  keepAlive: false,
  maxSockets: MAX_SOCKETS_PER_ORIGIN,
  maxTotalSockets: MAX_SOCKETS_TOTAL,
  maxCachedSessions: 0,
};
const agentPair = (options: https.AgentOptions) => ({
  http: new http.Agent(options),
  https: new https.Agent(options),
});
// Split by allowLinkLocal and by insecureSkipVerify: a socket vetted under one policy must never serve the other
// (certificates are verified by vigil after the handshake, so Node's pool key no longer tells verified sockets
// from accepted-anyway ones), and an agent that replaces a closed socket for a queued request connects with the
// options of the request that closed it.
type AgentPolicy = `${'guarded' | 'open'}-${'verified' | 'insecure'}`;
const policies = (options: https.AgentOptions) =>
  ({
    'guarded-verified': agentPair(options),
    'guarded-insecure': agentPair(options),
    'open-verified': agentPair(options),
    'open-insecure': agentPair(options),
  }) satisfies Record<AgentPolicy, ReturnType<typeof agentPair>>;
const AGENTS = { 'keep-alive': policies(keepAliveOptions), fresh: policies(freshOptions) } as const;

const guardedDnsLookup = guardLookup(dnsLookup as LookupFunction);

/** Where a hop is; a failure's reason and a timeout's detail follow from it. */
type Stage = 'queued' | 'dns' | 'connect' | 'tls' | 'waiting' | 'transfer';
const STAGE_DESCRIPTIONS: Record<Stage, string> = {
  queued: 'while waiting for a free connection',
  dns: 'while resolving the host name',
  connect: 'while connecting',
  tls: 'during the TLS handshake',
  waiting: 'while waiting for the response headers',
  transfer: 'while reading the body',
};

type Decoder = zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress;
// Lenient flushing like browsers and undici: a body whose compressed stream is cut short still decodes.
const ZLIB_OPTIONS: zlib.ZlibOptions = {
  flush: zlib.constants.Z_SYNC_FLUSH,
  finishFlush: zlib.constants.Z_SYNC_FLUSH,
};
// A Map, not an object: the encoding comes from the server, and `constructor` must not find Object.prototype's.
const DECODERS: ReadonlyMap<string, (first: Buffer) => Decoder> = new Map<string, (first: Buffer) => Decoder>(
  [
    ['gzip', () => zlib.createGunzip(ZLIB_OPTIONS)],
    ['x-gzip', () => zlib.createGunzip(ZLIB_OPTIONS)],
    // Servers send `deflate` both zlib-wrapped (per the RFC) and raw; a zlib header has compression method 8.
    [
      'deflate',
      (first) =>
        ((first[0] ?? 0) & 0x0f) === 0x08
          ? zlib.createInflate(ZLIB_OPTIONS)
          : zlib.createInflateRaw(ZLIB_OPTIONS),
    ],
    [
      'br',
      () =>
        zlib.createBrotliDecompress({
          flush: zlib.constants.BROTLI_OPERATION_FLUSH,
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        }),
    ],
  ],
);

/** One request of the chain (the first, or a redirect). Timestamps are performance.now(); 0 = not reached. */
class Hop {
  readonly created = performance.now();
  stage: Stage = 'queued';
  req: http.ClientRequest | undefined;
  res: http.IncomingMessage | undefined;
  decoder: Decoder | undefined;
  reused = false;
  closed = false;
  lookupStart = 0;
  lookupEnd = 0;
  connectStart = 0;
  connected = 0;
  secured = 0;
  ready = 0;
  firstByte = 0;
  end = 0;
  wireBytes = 0;
  bodyBytes = 0;
  chunks: Buffer[] = [];

  constructor(
    readonly url: URL,
    readonly host: string,
    readonly secure: boolean,
    readonly retried: boolean,
  ) {}
}

class Probe {
  private readonly started = performance.now();
  private readonly phases: Phases = {
    dnsLookupMs: 0,
    connectMs: 0,
    tlsHandshakeMs: 0,
    timeToFirstByteMs: 0,
    transferMs: 0,
  };
  private readonly headers: Record<string, string>;
  private readonly baseLookup: LookupFunction;
  private readonly visited = new Set<string>();
  /** Earlier hops whose small redirect body may still be draining; cut off when the probe settles. */
  private readonly draining: Hop[] = [];
  private method: string;
  private body: string | undefined;
  private hop: Hop | undefined;
  private redirects = 0;
  private status: number | undefined;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => {
    this.fail('deadline', `round deadline reached ${STAGE_DESCRIPTIONS[this.hop?.stage ?? 'queued']}`);
  };

  constructor(
    private readonly request: ProbeRequest,
    private readonly resolve: (outcome: HttpOutcome) => void,
  ) {
    this.method = request.method.toUpperCase();
    this.body = request.body;
    this.headers = { 'user-agent': request.userAgent, accept: '*/*', 'accept-encoding': ACCEPT_ENCODING };
    for (const [name, value] of Object.entries(request.headers)) this.headers[name.toLowerCase()] = value;
    const lookup = request.lookup ?? (dnsLookup as LookupFunction);
    this.baseLookup = request.allowLinkLocal
      ? lookup
      : request.lookup
        ? guardLookup(request.lookup)
        : guardedDnsLookup;
  }

  start(): void {
    const { signal } = this.request;
    if (signal?.aborted) {
      this.fail('deadline', 'round deadline had passed before the request started');
      return;
    }
    let url: URL;
    try {
      url = new URL(this.request.url);
    } catch {
      this.fail('error', 'invalid URL');
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.fail('error', `unsupported URL scheme ${url.protocol} (http and https only)`);
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.armTimeout(this.request.timeoutMs);
    this.visited.add(url.href);
    this.startHop(url, false);
  }

  /**
   * The timeout counts this target's time only. A timer that fires late means the event loop was busy with
   * something else (another target's work) for that long, and this target's bytes may be waiting unread: the
   * stall is given back, so the pending I/O is read before the timeout is decided.
   */
  private armTimeout(ms: number): void {
    const due = performance.now() + ms;
    this.timer = setTimeout(() => {
      const late = performance.now() - due;
      if (late > EVENT_LOOP_STALL_GRACE_MS) {
        this.armTimeout(late);
        return;
      }
      const hop = this.hop;
      const sofar = hop?.stage === 'transfer' ? ` (${hop.wireBytes} bytes so far)` : '';
      this.fail(
        'timeout',
        `timed out after ${this.request.timeoutMs} ms ${STAGE_DESCRIPTIONS[hop?.stage ?? 'queued']}${sofar}`,
      );
    }, ms);
  }

  private startHop(url: URL, retried: boolean): void {
    const secure = url.protocol === 'https:';
    // URL keeps IPv6 literals in brackets; sockets and the guard want the bare address.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const literal = isIP(host) !== 0;
    // An IP literal is never looked up, so the guard runs here instead of in the lookup.
    if (literal && !this.request.allowLinkLocal && isBlockedAddress(host)) {
      this.fail('blocked', new BlockedAddressError(host, host).message);
      return;
    }
    const hop = new Hop(url, host, secure, retried);
    this.hop = hop;
    const mode = retried ? 'fresh' : (this.request.agent ?? 'keep-alive');
    const policy: AgentPolicy = `${this.request.allowLinkLocal ? 'open' : 'guarded'}-${this.request.insecureSkipVerify ? 'insecure' : 'verified'}`;
    const pool = AGENTS[mode][policy];
    const options: https.RequestOptions = {
      hostname: host,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: url.pathname + url.search,
      method: this.method,
      headers: this.headers,
      agent: secure ? pool.https : pool.http,
    };
    if (!literal) options.lookup = this.timedLookup(hop);
    if (secure) {
      // Verified in onSocket after the handshake (certificates.ts), so a refused certificate's expiry is known.
      options.rejectUnauthorized = false;
      if (this.request.ca) options.ca = [...this.request.ca];
    }
    if (url.username !== '' || url.password !== '') {
      options.auth = `${decodeUserinfo(url.username)}:${decodeUserinfo(url.password)}`;
    }

    let req: http.ClientRequest;
    try {
      req = (secure ? https : http).request(options);
    } catch (error) {
      // Node's message names the offending header or method, never its value.
      this.fail('error', `invalid request: ${describeError(error)}`);
      return;
    }
    hop.req = req;
    req.on('socket', (socket) => this.onSocket(hop, socket));
    req.on('response', (res) => this.onResponse(hop, res));
    // Stays attached after settling: a destroyed request may still emit, and an unheard 'error' would crash.
    req.on('error', (error) => this.onRequestError(hop, error));
    req.end(this.body);
  }

  /** Times the lookup of this hop (the agent calls it while creating the socket, before 'socket' fires). */
  private timedLookup(hop: Hop): LookupFunction {
    return (hostname, options, callback) => {
      hop.stage = 'dns';
      hop.lookupStart = performance.now();
      this.baseLookup(hostname, options, (error, address, family) => {
        hop.lookupEnd = performance.now();
        if (!error) {
          hop.stage = 'connect';
          hop.connectStart = hop.lookupEnd;
        }
        callback(error, address, family);
      });
    };
  }

  private onSocket(hop: Hop, socket: Socket): void {
    if (hop !== this.hop || this.settled) return;
    const now = performance.now();
    if (hop.req?.reusedSocket || !socket.connecting) {
      hop.reused = hop.req?.reusedSocket === true;
      hop.ready = now;
      hop.stage = 'waiting';
      return;
    }
    if (hop.stage === 'queued') {
      hop.stage = 'connect';
      hop.connectStart = now;
    }
    socket.once('connect', () => {
      hop.connected = performance.now();
      if (hop.secure) {
        hop.stage = 'tls';
      } else {
        hop.stage = 'waiting';
        hop.ready = hop.connected;
      }
    });
    if (hop.secure) {
      socket.once('secureConnect', () => {
        hop.secured = performance.now();
        hop.ready = hop.secured;
        hop.stage = 'waiting';
        if (this.request.insecureSkipVerify || hop !== this.hop) return;
        const problem = verificationProblem(socket as TLSSocket, hop.host);
        // Node holds the request until now: failing here destroys the socket before a byte of it is sent.
        if (problem) this.fail('tls', `TLS handshake with ${hop.host} failed: ${problem}`);
      });
    }
  }

  private onResponse(hop: Hop, res: http.IncomingMessage): void {
    // Heard even for abandoned hops: a connection cut mid-body emits 'error' on the response.
    res.on('error', (error) => this.onBodyError(hop, error));
    if (hop !== this.hop || this.settled) {
      res.destroy();
      return;
    }
    hop.res = res;
    hop.firstByte = performance.now();
    if (hop.ready === 0) hop.ready = hop.created;
    hop.stage = 'transfer';
    const status = res.statusCode ?? 0;
    this.status = status;
    const location = res.headers.location;
    if (this.request.followRedirects && REDIRECT_STATUSES.has(status) && location !== undefined) {
      this.redirect(hop, res, status, location);
    } else {
      this.readBody(hop, res);
    }
  }

  private redirect(hop: Hop, res: http.IncomingMessage, status: number, location: string): void {
    let next: URL;
    try {
      next = new URL(location, hop.url);
    } catch {
      this.fail('error', `status ${status} redirects to an invalid URL`);
      return;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      this.fail('error', `status ${status} redirects to unsupported scheme ${next.protocol}`);
      return;
    }
    if (this.visited.has(next.href)) {
      this.fail('redirects', `redirect loop: ${describeUrl(next)} was already visited`);
      return;
    }
    if (this.redirects >= this.request.maxRedirects) {
      this.fail('redirects', `more than ${this.request.maxRedirects} redirects (next: ${describeUrl(next)})`);
      return;
    }
    hop.end = hop.firstByte;
    this.closeHop(hop, hop.end);
    this.retire(hop, res);
    // Between hops there is no current one: a failure now (say, a blocked next hop) must not touch this one.
    this.hop = undefined;
    this.redirects++;
    this.visited.add(next.href);
    if ((status === 301 || status === 302 || status === 303) && this.method !== 'HEAD') {
      if (this.method !== 'GET' || this.body !== undefined) {
        this.method = 'GET';
        this.body = undefined;
        for (const name of BODY_HEADERS) delete this.headers[name];
      }
    }
    if (next.origin !== hop.url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete this.headers[name];
    this.startHop(next, false);
  }

  /** A redirect's response: drain a small body so its keep-alive socket returns to the pool, else drop it. */
  private retire(hop: Hop, res: http.IncomingMessage): void {
    const length = Number(res.headers['content-length']);
    if (res.complete || length <= REDIRECT_BODY_DRAIN_MAX_BYTES) {
      res.resume();
      this.draining.push(hop);
    } else {
      hop.req?.destroy();
    }
  }

  private readBody(hop: Hop, res: http.IncomingMessage): void {
    const cap = this.request.maxBodyBytes;
    const declared = res.headers['content-length'];
    if (declared !== undefined && this.method !== 'HEAD' && Number(declared) > cap) {
      this.fail('body-too-large', `Content-Length ${declared} exceeds the ${cap}-byte cap`);
      return;
    }
    const onBody = (chunk: Buffer): void => {
      if (this.settled) return;
      hop.bodyBytes += chunk.length;
      if (hop.bodyBytes > cap) {
        this.fail('body-too-large', `body exceeds the ${cap}-byte cap (${hop.wireBytes} bytes read)`);
        return;
      }
      hop.chunks.push(chunk);
    };
    const encoding = res.headers['content-encoding']?.trim().toLowerCase();
    const createDecoder = encoding === undefined ? undefined : DECODERS.get(encoding);
    if (createDecoder === undefined) {
      res.on('data', (chunk: Buffer) => {
        hop.wireBytes += chunk.length;
        onBody(chunk);
      });
      res.on('end', () => this.finish(hop));
      return;
    }
    res.on('data', (chunk: Buffer) => {
      if (this.settled) return;
      hop.wireBytes += chunk.length;
      // Also cap the wire: a compressed stream of empty blocks decodes to nothing but never ends.
      if (hop.wireBytes > cap) {
        this.fail('body-too-large', `compressed body exceeds the ${cap}-byte cap`);
        return;
      }
      let decoder = hop.decoder;
      if (decoder === undefined) {
        decoder = createDecoder(chunk);
        hop.decoder = decoder;
        decoder.on('data', onBody);
        decoder.on('end', () => this.finish(hop));
        decoder.on('error', (error) =>
          this.fail('error', `could not decode the ${encoding} body: ${describeError(error)}`),
        );
      }
      if (!decoder.write(chunk)) {
        res.pause();
        decoder.once('drain', () => res.resume());
      }
    });
    // An empty body (HEAD, 204) has no decoder: there is nothing to decode.
    res.on('end', () => (hop.decoder ? hop.decoder.end() : this.finish(hop)));
  }

  private finish(hop: Hop): void {
    if (hop !== this.hop || this.settled) return;
    this.settled = true;
    hop.end = performance.now();
    this.closeHop(hop, hop.end);
    const certExpiryDays = this.certExpiryDays(hop);
    this.cleanUp();
    const body =
      hop.chunks.length === 1 ? (hop.chunks[0] as Buffer) : Buffer.concat(hop.chunks, hop.bodyBytes);
    this.resolve({
      ok: true,
      status: this.status ?? 0,
      headers: hop.res?.headers ?? {},
      body,
      durationMs: hop.end - this.started,
      phases: this.phases,
      redirects: this.redirects,
      ...(certExpiryDays === undefined ? {} : { certExpiryDays }),
      bodyBytes: hop.bodyBytes,
    });
  }

  private onRequestError(hop: Hop, error: NodeJS.ErrnoException): void {
    if (hop !== this.hop || this.settled) return;
    const code = error.code ?? '';
    if (
      hop.reused &&
      hop.res === undefined &&
      !hop.retried &&
      STALE_SOCKET_CODES.has(code) &&
      REPLAYABLE_METHODS.has(this.method)
    ) {
      // The server closed this idle socket as we reused it: the request never reached it, send it again.
      hop.closed = true;
      this.startHop(hop.url, true);
      return;
    }
    if (code === BLOCKED_ADDRESS_CODE) {
      this.fail('blocked', error.message);
      return;
    }
    const host = hop.host;
    if (code.startsWith('HPE_')) {
      this.fail('error', `invalid HTTP response from ${host}: ${error.message}`);
      return;
    }
    switch (hop.stage) {
      case 'dns':
        this.fail('dns', `could not resolve ${host}: ${code || error.message}`);
        return;
      case 'connect':
        this.fail('connect', `could not connect to ${host}: ${code || error.message}`);
        return;
      case 'tls':
        this.fail('tls', `TLS handshake with ${host} failed: ${describeError(error)}`);
        return;
      case 'waiting':
        if (STALE_SOCKET_CODES.has(code))
          this.fail('connect', `${host} closed the connection before the response headers`);
        else this.fail('error', `request to ${host} failed: ${describeError(error)}`);
        return;
      case 'transfer':
        this.onBodyError(hop, error);
        return;
      case 'queued':
        this.fail('error', `request to ${host} failed: ${describeError(error)}`);
        return;
    }
  }

  private onBodyError(hop: Hop, error: Error): void {
    if (hop !== this.hop || this.settled) return;
    const reason =
      (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'connection closed' : describeError(error);
    this.fail('error', `${reason} after ${hop.wireBytes} body bytes from ${hop.host}`);
  }

  private fail(reason: FailureReason, detail: string): void {
    if (this.settled) return;
    this.settled = true;
    const now = performance.now();
    const hop = this.hop;
    let certExpiryDays: number | undefined;
    if (hop) {
      this.closeHop(hop, now);
      certExpiryDays = this.certExpiryDays(hop);
      hop.decoder?.destroy();
      hop.req?.destroy();
    }
    this.cleanUp();
    this.resolve({
      ok: false,
      reason,
      detail,
      durationMs: now - this.started,
      phases: this.phases,
      redirects: this.redirects,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(certExpiryDays === undefined ? {} : { certExpiryDays }),
    });
  }

  private cleanUp(): void {
    clearTimeout(this.timer);
    this.request.signal?.removeEventListener('abort', this.onAbort);
    for (const hop of this.draining) if (hop.res?.complete === false) hop.req?.destroy();
  }

  /** Adds this hop's phases to the totals; a phase cut short by a failure counts up to `now`. */
  private closeHop(hop: Hop, now: number): void {
    if (hop.closed) return;
    hop.closed = true;
    const phases = this.phases;
    if (hop.lookupStart) phases.dnsLookupMs += (hop.lookupEnd || now) - hop.lookupStart;
    if (hop.connectStart) phases.connectMs += (hop.connected || now) - hop.connectStart;
    if (hop.secure && hop.connected) phases.tlsHandshakeMs += (hop.secured || now) - hop.connected;
    if (hop.ready) phases.timeToFirstByteMs += (hop.firstByte || now) - hop.ready;
    if (hop.firstByte) phases.transferMs += (hop.end || now) - hop.firstByte;
  }

  private certExpiryDays(hop: Hop): number | undefined {
    if (!hop.secure || !(hop.secured || hop.reused)) return undefined;
    const socket = hop.req?.socket as TLSSocket | null | undefined;
    if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
    return certExpiryDays(socket);
  }
}

/** URL keeps userinfo percent-encoded; a malformed escape is sent as written rather than thrown. */
function decodeUserinfo(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Origin and path only: the query string may carry a token, and details end up in logs and alerts. */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** `<hex>:error:<code>:<library>:<function>:<reason>:<file>:<line>:` inside OpenSSL-backed error messages. */
const OPENSSL_ERROR = /[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/;

/** Node appends advice about its own command-line flags to certificate errors; not useful in a probe result. */
const NODE_CA_HINT = /; if the root CA is installed locally.*$/s;

/** One short line; duck-typed because errors from Node internals may come from another realm (jest's vm). */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('message' in error)) return String(error);
  const { code, reason, message } = error as { code?: unknown; reason?: unknown; message: unknown };
  const text = String(message).replace(NODE_CA_HINT, '');
  const line =
    typeof reason === 'string'
      ? reason
      : (OPENSSL_ERROR.exec(text)?.[1] ?? (text.split('\n', 1)[0] ?? '').trim());
  return typeof code === 'string' && !line.includes(code) ? `${line} (${code})` : line;
}
