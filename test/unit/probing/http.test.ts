import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { httpProbe, type ProbeRequest } from '../../../functions/probing/http';
import { expectOk, loopbackSuite, probeRequest } from '../../helpers/probe';
import {
  redirectChain,
  redirectTo,
  respond,
  startHttpServer,
  startRawServer,
  staticLookup,
  type TestServer,
} from '../../helpers/servers';

const serve = loopbackSuite();

describe('httpProbe: a plain request', () => {
  it('returns status, headers, body and every phase', async () => {
    const server = await serve(startHttpServer(respond(200, 'hello', { 'x-served-by': 'test' })));

    const outcome = expectOk(await httpProbe(probeRequest(`${server.url}/health`)));

    expect(outcome).toMatchObject({ status: 200, redirects: 0, bodyBytes: 5 });
    expect(outcome.body.toString()).toBe('hello');
    expect(outcome.headers['x-served-by']).toBe('test');
    for (const value of Object.values(outcome.phases))
      expect(Number.isFinite(value) && value >= 0).toBe(true);
    expect(outcome.phases.tlsHandshakeMs).toBe(0);
    expect(outcome.certExpiryDays).toBeUndefined();
  });

  it('sends method, body, headers, User-Agent and Accept-Encoding', async () => {
    const server = await serve(startHttpServer(respond(201)));

    await httpProbe(
      probeRequest(`${server.url}/items?x=1`, {
        method: 'post',
        headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'k1' },
        body: '{"a":1}',
      }),
    );

    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/items?x=1',
        body: '{"a":1}',
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'x-api-key': 'k1',
          'user-agent': 'vigil/test',
          'accept-encoding': 'gzip, deflate, br',
          'content-length': '7',
        }),
      }),
    ]);
  });

  it('lets a User-Agent header override the default', async () => {
    const server = await serve(startHttpServer(respond(200)));

    await httpProbe(probeRequest(server.url, { headers: { 'User-Agent': 'custom/1' } }));

    expect(server.requests[0]?.headers['user-agent']).toBe('custom/1');
  });

  it('returns a non-2xx status as an outcome for the caller to judge', async () => {
    const server = await serve(startHttpServer(respond(503, 'down')));

    const outcome = expectOk(await httpProbe(probeRequest(server.url)));

    expect(outcome.status).toBe(503);
    expect(outcome.body.toString()).toBe('down');
  });

  it('resolves host names through the injected lookup and sends the name as Host', async () => {
    const server = await serve(startHttpServer(respond(200, 'ok')));
    const lookup = staticLookup({ 'svc.test': '127.0.0.1' });

    const outcome = await httpProbe(
      probeRequest(`http://svc.test:${server.port}/`, { lookup, agent: 'fresh' }),
    );

    expect(expectOk(outcome).status).toBe(200);
    expect(lookup.calls).toEqual(['svc.test']);
    expect(server.requests[0]?.headers.host).toBe(`svc.test:${server.port}`);
  });

  it('resolves with reason error, never rejects, for a malformed request', async () => {
    const malformed = { ...probeRequest('http://127.0.0.1:9/'), headers: null } as unknown as ProbeRequest;

    await expect(httpProbe(malformed)).resolves.toMatchObject({ ok: false, reason: 'error' });
  });

  it('sends credentials in the URL as basic auth', async () => {
    const server = await serve(startHttpServer(respond(200)));

    await httpProbe(probeRequest(`http://user:p%40ss@127.0.0.1:${server.port}/`));

    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    );
  });
});

describe('httpProbe: bodies', () => {
  const text = 'compressible '.repeat(1000);
  it.each([
    ['gzip', gzipSync(text)],
    ['deflate (zlib-wrapped)', deflateSync(text)],
    ['deflate (raw)', deflateRawSync(text)],
    ['br', brotliCompressSync(text)],
  ])('decodes a %s body', async (name, encoded) => {
    const encoding = name.split(' ')[0] ?? name;
    const server = await serve(startHttpServer(respond(200, encoded, { 'content-encoding': encoding })));

    const outcome = expectOk(await httpProbe(probeRequest(server.url)));

    expect(outcome.body.toString()).toBe(text);
    expect(outcome.bodyBytes).toBe(text.length);
  });

  it('applies the cap to the decoded size of a compressed body', async () => {
    const server = await serve(startHttpServer(respond(200, gzipSync(text), { 'content-encoding': 'gzip' })));

    const outcome = await httpProbe(probeRequest(server.url, { maxBodyBytes: text.length - 1 }));

    expect(outcome).toMatchObject({ ok: false, reason: 'body-too-large', status: 200 });
  });

  it.each([
    ['unknown', 'x-custom'],
    ['object-prototype name', 'constructor'],
    ['stacked', 'gzip, identity'],
  ])('passes a body with an %s encoding through undecoded', async (_name, encoding) => {
    const server = await serve(startHttpServer(respond(200, 'opaque', { 'content-encoding': encoding })));

    const outcome = expectOk(await httpProbe(probeRequest(server.url)));

    expect(outcome.body.toString()).toBe('opaque');
  });

  it('accepts a body of exactly the cap', async () => {
    const server = await serve(startHttpServer(respond(200, 'x'.repeat(64))));

    const outcome = expectOk(await httpProbe(probeRequest(server.url, { maxBodyBytes: 64 })));

    expect(outcome.bodyBytes).toBe(64);
  });

  it('ignores Content-Length for HEAD, which has no body', async () => {
    const server = await serve(startHttpServer(respond(200, 'x'.repeat(1000))));

    const outcome = expectOk(await httpProbe(probeRequest(server.url, { method: 'HEAD', maxBodyBytes: 10 })));

    expect(outcome).toMatchObject({ status: 200, bodyBytes: 0 });
  });
});

describe('httpProbe: redirects', () => {
  /** `/start` answers `status` to `/end`; `/end` answers 200. */
  function redirectingServer(status: number): Promise<TestServer> {
    return serve(
      startHttpServer((req, res, body) =>
        req.url === '/start'
          ? redirectTo('/end', status)(req, res, body)
          : respond(200, 'end')(req, res, body),
      ),
    );
  }

  it.each([
    [301, 'GET', ''],
    [302, 'GET', ''],
    [303, 'GET', ''],
    [307, 'POST', 'payload'],
    [308, 'POST', 'payload'],
  ])('follows a %i from POST as %s', async (status, method, body) => {
    const server = await redirectingServer(status);

    const outcome = expectOk(
      await httpProbe(
        probeRequest(`${server.url}/start`, {
          method: 'POST',
          body: 'payload',
          headers: { 'content-type': 'text/plain' },
        }),
      ),
    );

    expect(outcome).toMatchObject({ status: 200, redirects: 1 });
    expect(server.requests[1]).toMatchObject({ method, url: '/end', body });
    expect(server.requests[1]?.headers['content-type']).toBe(body === '' ? undefined : 'text/plain');
  });

  it('keeps HEAD a HEAD across a 302', async () => {
    const server = await redirectingServer(302);

    await httpProbe(probeRequest(`${server.url}/start`, { method: 'HEAD' }));

    expect(server.requests.map((request) => request.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('resolves a relative Location against the current URL', async () => {
    const server = await serve(
      startHttpServer((req, res, body) =>
        req.url === '/a/b' ? redirectTo('next?q=1')(req, res, body) : respond(200)(req, res, body),
      ),
    );

    await httpProbe(probeRequest(`${server.url}/a/b`));

    expect(server.requests.map((request) => request.url)).toEqual(['/a/b', '/a/next?q=1']);
  });

  it('follows a chain up to maxRedirects', async () => {
    const server = await serve(startHttpServer(redirectChain()));

    const outcome = expectOk(await httpProbe(probeRequest(`${server.url}/chain/3`, { maxRedirects: 3 })));

    expect(outcome).toMatchObject({ status: 200, redirects: 3 });
    expect(outcome.body.toString()).toBe('end of chain');
  });

  it('returns the redirect itself when followRedirects is off', async () => {
    const server = await serve(startHttpServer(redirectTo('/elsewhere')));

    const outcome = expectOk(await httpProbe(probeRequest(server.url, { followRedirects: false })));

    expect(outcome).toMatchObject({ status: 302, redirects: 0 });
    expect(outcome.headers.location).toBe('/elsewhere');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['drops', 'another origin', true],
    ['keeps', 'the same origin', false],
  ])('%s Authorization and Cookie on a redirect to %s', async (_verb, _where, crossOrigin) => {
    const target = await serve(startHttpServer(respond(200)));
    const entry = await serve(
      startHttpServer((req, res, body) =>
        req.url === '/start'
          ? redirectTo(crossOrigin ? `${target.url}/landing` : '/landing')(req, res, body)
          : respond(200)(req, res, body),
      ),
    );
    const landing = crossOrigin ? target : entry;

    await httpProbe(
      probeRequest(`${entry.url}/start`, {
        headers: { Authorization: 'Bearer t0ken', Cookie: 'session=s3cret', 'X-Trace': 'kept' },
      }),
    );

    const received = landing.requests.find((request) => request.url === '/landing')?.headers;
    expect(received?.authorization).toBe(crossOrigin ? undefined : 'Bearer t0ken');
    expect(received?.cookie).toBe(crossOrigin ? undefined : 'session=s3cret');
    expect(received?.['x-trace']).toBe('kept');
  });
});

describe('httpProbe: connections', () => {
  it('reuses a keep-alive connection, with no DNS, connect or TLS time the second time', async () => {
    const server = await serve(startHttpServer(respond(200, 'ok')));

    expectOk(await httpProbe(probeRequest(server.url)));
    const second = expectOk(await httpProbe(probeRequest(server.url)));

    expect(server.connections()).toBe(1);
    expect(second.phases).toMatchObject({ dnsLookupMs: 0, connectMs: 0, tlsHandshakeMs: 0 });
  });

  it("opens a new connection per probe with agent 'fresh'", async () => {
    const server = await serve(startHttpServer(respond(200, 'ok')));

    expectOk(await httpProbe(probeRequest(server.url, { agent: 'fresh' })));
    expectOk(await httpProbe(probeRequest(server.url, { agent: 'fresh' })));

    expect(server.connections()).toBe(2);
  });

  it('resends an idempotent request once on a fresh connection when the reused one turns out dead', async () => {
    // Answers the first request of each connection, then resets it when a second arrives.
    const server = await serve(
      startRawServer((socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok');
        socket.once('data', () => socket.resetAndDestroy());
      }),
    );

    expectOk(await httpProbe(probeRequest(server.url)));
    const second = expectOk(await httpProbe(probeRequest(server.url)));

    expect(second.body.toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });
});
