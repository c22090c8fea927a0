import { X509Certificate } from 'node:crypto';
import { httpProbe, type ProbeRequest } from '../../../functions/probing/http';
import { probeRequest as baseRequest, expectOk, loopbackSuite } from '../../helpers/probe';
import { respond, startHttpServer, startHttpsServer, TLS_FIXTURE } from '../../helpers/servers';

/** Days from now until the fixture certificate expires (it is valid until 2126). */
function fixtureExpiryDays(): number {
  return (Date.parse(new X509Certificate(TLS_FIXTURE.cert).validTo) - Date.now()) / 86_400_000;
}

// The fixture certificate is self-signed: accept it unless a test is about verification.
const probeRequest = (url: string, overrides: Partial<ProbeRequest> = {}) =>
  baseRequest(url, { insecureSkipVerify: true, ...overrides });
const serve = loopbackSuite();

describe('httpProbe over HTTPS', () => {
  it('refuses a self-signed certificate unless insecureSkipVerify', async () => {
    const server = await serve(startHttpsServer(respond(200, 'secret')));

    const outcome = await httpProbe(probeRequest(server.url, { insecureSkipVerify: false }));

    expect(outcome).toMatchObject({ ok: false, reason: 'tls' });
    expect(server.requests).toEqual([]);
  });

  it.each([
    ['keep-alive', 'keep-alive' as const],
    ['fresh', 'fresh' as const],
  ])(
    'with insecureSkipVerify (%s), succeeds and reports days until the certificate expires',
    async (_name, agent) => {
      const server = await serve(startHttpsServer(respond(200, 'hello')));

      const outcome = expectOk(await httpProbe(probeRequest(server.url, { agent })));

      expect(outcome.body.toString()).toBe('hello');
      expect(outcome.certExpiryDays).toBeCloseTo(fixtureExpiryDays(), 1);
      expect(outcome.phases.tlsHandshakeMs).toBeGreaterThan(0);
    },
  );

  it('reports the expiry on a reused connection too, with no TLS handshake', async () => {
    const server = await serve(startHttpsServer(respond(200)));

    await httpProbe(probeRequest(server.url));
    const second = expectOk(await httpProbe(probeRequest(server.url)));

    expect(server.connections()).toBe(1);
    expect(second.phases.tlsHandshakeMs).toBe(0);
    expect(second.certExpiryDays).toBeCloseTo(fixtureExpiryDays(), 1);
  });

  it("opens a new TLS connection per probe with agent 'fresh'", async () => {
    const server = await serve(startHttpsServer(respond(200)));

    await httpProbe(probeRequest(server.url, { agent: 'fresh' }));
    const second = expectOk(await httpProbe(probeRequest(server.url, { agent: 'fresh' })));

    expect(server.connections()).toBe(2);
    expect(second.phases.tlsHandshakeMs).toBeGreaterThan(0);
  });

  it('reports the expiry of the final hop of a redirect from http to https', async () => {
    const secure = await serve(startHttpsServer(respond(200, 'secure')));
    const plain = await serve(
      startHttpServer((_req, res) => {
        res.writeHead(301, { location: `${secure.url}/`, 'content-length': 0 });
        res.end();
      }),
    );

    const outcome = expectOk(await httpProbe(probeRequest(plain.url)));

    expect(outcome).toMatchObject({ status: 200, redirects: 1 });
    expect(outcome.certExpiryDays).toBeCloseTo(fixtureExpiryDays(), 1);
  });

  it('reports the expiry on a failure after the handshake', async () => {
    const server = await serve(startHttpsServer(respond(200, 'x'.repeat(100))));

    const outcome = await httpProbe(probeRequest(server.url, { maxBodyBytes: 10 }));

    expect(outcome).toMatchObject({ ok: false, reason: 'body-too-large' });
    expect(outcome.certExpiryDays).toBeCloseTo(fixtureExpiryDays(), 1);
  });
});
