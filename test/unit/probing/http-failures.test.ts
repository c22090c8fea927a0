/**
 * Every failure reason httpProbe reports, each triggered by a real (misbehaving) loopback server, and each
 * finishing within its short timeout. Outcomes are asserted, never timings.
 */
import { type HttpOutcome, httpProbe, type ProbeRequest } from '../../../functions/probing/http';
import { probeRequest as baseRequest, loopbackSuite } from '../../helpers/probe';
import {
  closedPort,
  closeMidBody,
  garbageResponse,
  gzipBomb,
  hangBeforeHeaders,
  hugeBody,
  lyingContentLength,
  redirectChain,
  redirectLoop,
  redirectTo,
  respond,
  startHttpServer,
  startHttpsServer,
  startRawServer,
  staticLookup,
  trickleBody,
} from '../../helpers/servers';

/** Sent with every request: must never show up in a failure's detail. */
const SECRET = 'Bearer do-not-leak-7f3a';
/** Short so the suite stays fast; servers that misbehave by being slow exceed it. */
const TIMEOUT_MS = 400;
const CAP_BYTES = 64 * 1024;

type Failure = Extract<HttpOutcome, { ok: false }>;

interface FailureCase {
  /** Starts what the probe talks to and returns the request to send. */
  arrange: () => Promise<ProbeRequest>;
  expected: Partial<Failure>;
  /** A fragment the detail must contain, so it tells a human what happened. */
  detail: string;
}

const cases: Record<string, FailureCase> = {
  'server never sends headers': {
    arrange: async () => probeRequest((await serve(startHttpServer(hangBeforeHeaders()))).url),
    expected: { reason: 'timeout' },
    detail: 'waiting for the response headers',
  },
  'body trickles in 1 byte/s': {
    arrange: async () => probeRequest((await serve(startHttpServer(trickleBody()))).url),
    expected: { reason: 'timeout', status: 200 },
    detail: 'reading the body',
  },
  'host name does not resolve': {
    arrange: async () => probeRequest('http://no-such-host.test/', { lookup: staticLookup({}) }),
    expected: { reason: 'dns' },
    detail: 'ENOTFOUND',
  },
  'nothing listens on the port': {
    arrange: async () => probeRequest(`http://127.0.0.1:${await closedPort()}/`),
    expected: { reason: 'connect' },
    detail: 'ECONNREFUSED',
  },
  'self-signed certificate without insecureSkipVerify': {
    arrange: async () => probeRequest((await serve(startHttpsServer(() => {}))).url),
    expected: { reason: 'tls' },
    detail: 'self-signed',
  },
  'plain HTTP server on an https URL': {
    arrange: async () => {
      const server = await serve(startHttpServer(() => {}));
      return probeRequest(`https://127.0.0.1:${server.port}/`);
    },
    expected: { reason: 'tls' },
    detail: 'TLS handshake',
  },
  'redirect loop': {
    arrange: async () => probeRequest(`${(await serve(startHttpServer(redirectLoop()))).url}/loop/a`),
    expected: { reason: 'redirects', redirects: 1, status: 302 },
    detail: 'redirect loop',
  },
  'redirect chain longer than maxRedirects': {
    arrange: async () => probeRequest(`${(await serve(startHttpServer(redirectChain()))).url}/chain/5`),
    expected: { reason: 'redirects', redirects: 3, status: 302 },
    detail: 'more than 3 redirects',
  },
  '500 MB body with Content-Length': {
    arrange: async () => probeRequest((await serve(startHttpServer(hugeBody()))).url),
    expected: { reason: 'body-too-large', status: 200 },
    detail: 'Content-Length 524288000',
  },
  '500 MB body, chunked': {
    arrange: async () =>
      probeRequest((await serve(startHttpServer(hugeBody({ declareLength: false })))).url, {
        timeoutMs: 5_000,
      }),
    expected: { reason: 'body-too-large', status: 200 },
    detail: `${CAP_BYTES}-byte cap`,
  },
  'gzip bomb': {
    // A cap above one socket read (64 KiB of bomb ≈ 64 MiB decoded), so the decoded-size cap is what stops it.
    arrange: async () =>
      probeRequest((await serve(startHttpServer(gzipBomb()))).url, {
        timeoutMs: 5_000,
        maxBodyBytes: 1024 * 1024,
      }),
    expected: { reason: 'body-too-large', status: 200 },
    detail: 'body exceeds the 1048576-byte cap',
  },
  'Content-Length longer than the body, then close': {
    arrange: async () => probeRequest((await serve(startRawServer(lyingContentLength('longer')))).url),
    expected: { reason: 'error', status: 200 },
    detail: 'connection closed after 11 body bytes',
  },
  'Content-Length shorter than the body': {
    arrange: async () => probeRequest((await serve(startRawServer(lyingContentLength('shorter')))).url),
    expected: { reason: 'error' },
    detail: 'invalid HTTP response',
  },
  'connection reset mid-body': {
    arrange: async () => probeRequest((await serve(startRawServer(closeMidBody()))).url),
    expected: { reason: 'error', status: 200 },
    detail: 'connection closed after 100 body bytes',
  },
  'response that is not HTTP': {
    arrange: async () => probeRequest((await serve(startRawServer(garbageResponse()))).url),
    expected: { reason: 'error' },
    detail: 'invalid HTTP response',
  },
  'gzip body that is not gzip': {
    arrange: async () =>
      probeRequest(
        (await serve(startHttpServer(respond(200, 'plain text', { 'content-encoding': 'gzip' })))).url,
      ),
    expected: { reason: 'error', status: 200 },
    detail: 'could not decode the gzip body',
  },
  'redirect to a non-HTTP scheme': {
    arrange: async () => probeRequest((await serve(startHttpServer(redirectTo('ftp://127.0.0.1/')))).url),
    expected: { reason: 'error', status: 302, redirects: 0 },
    detail: 'redirects to unsupported scheme ftp:',
  },
  'header value with a line break': {
    arrange: async () =>
      probeRequest('http://127.0.0.1:9/', { headers: { authorization: `${SECRET}\r\nx: y` } }),
    expected: { reason: 'error' },
    detail: 'invalid request',
  },
  'invalid URL': {
    arrange: async () => probeRequest('http://'),
    expected: { reason: 'error' },
    detail: 'invalid URL',
  },
  'unsupported scheme': {
    arrange: async () => probeRequest('ftp://127.0.0.1/file'),
    expected: { reason: 'error' },
    detail: 'unsupported URL scheme ftp:',
  },
  'round deadline passed before the start': {
    arrange: async () => probeRequest('http://127.0.0.1:9/', { signal: AbortSignal.abort() }),
    expected: { reason: 'deadline', redirects: 0 },
    detail: 'before the request started',
  },
  'round deadline reached while the server is thinking': {
    arrange: async () => {
      const controller = new AbortController();
      const server = await serve(startHttpServer(() => controller.abort()));
      return probeRequest(server.url, { signal: controller.signal, timeoutMs: 5_000 });
    },
    expected: { reason: 'deadline' },
    detail: 'waiting for the response headers',
  },
};

// Short limits so the suite stays fast, a fresh connection per probe, and a secret that must never leak.
const probeRequest = (url: string, overrides: Partial<ProbeRequest> = {}) =>
  baseRequest(url, {
    headers: { authorization: SECRET },
    timeoutMs: TIMEOUT_MS,
    maxBodyBytes: CAP_BYTES,
    maxRedirects: 3,
    agent: 'fresh',
    ...overrides,
  });
const serve = loopbackSuite();

describe('httpProbe failures', () => {
  it.each(Object.entries(cases))('%s', async (_name, { arrange, expected, detail }) => {
    const request = await arrange();

    const outcome = await httpProbe(request);

    expect(outcome).toMatchObject({ ok: false, ...expected });
    const failure = outcome as Failure;
    expect(failure.detail).toContain(detail);
    expect(failure.detail).not.toContain(SECRET.split(' ')[1]);
    expect(failure.detail).not.toContain('\n');
    for (const value of Object.values(failure.phases))
      expect(Number.isFinite(value) && value >= 0).toBe(true);
  });

  it('drops the connection rather than draining a body over the cap', async () => {
    const server = await serve(startHttpServer(hugeBody()));

    await httpProbe(probeRequest(server.url, { agent: 'keep-alive' }));

    // The socket was dropped rather than drained: the next probe needs a new connection.
    await httpProbe(probeRequest(server.url, { agent: 'keep-alive' }));
    expect(server.connections()).toBe(2);
  });
});
