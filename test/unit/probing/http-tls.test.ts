import { X509Certificate } from 'node:crypto';
import { type HttpOutcome, httpProbe, type ProbeRequest } from '../../../functions/probing/http';
import {
  type ConnectTrap,
  respond,
  startHttpServer,
  startHttpsServer,
  type TestServer,
  TLS_FIXTURE,
  trapConnections,
} from '../../helpers/servers';

function probeRequest(url: string, overrides: Partial<ProbeRequest> = {}): ProbeRequest {
  return {
    url,
    method: 'GET',
    headers: {},
    timeoutMs: 2_000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    followRedirects: true,
    allowLinkLocal: false,
    insecureSkipVerify: true,
    userAgent: 'vigil/test',
    ...overrides,
  };
}

function expectOk(outcome: HttpOutcome): Extract<HttpOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.reason}: ${outcome.detail}`);
  return outcome;
}

/** Days from now until the fixture certificate expires (it is valid until 2126). */
function fixtureExpiryDays(): number {
  return (Date.parse(new X509Certificate(TLS_FIXTURE.cert).validTo) - Date.now()) / 86_400_000;
}

let trap: ConnectTrap;
const servers: TestServer[] = [];
async function serve(start: Promise<TestServer>): Promise<TestServer> {
  const server = await start;
  servers.push(server);
  return server;
}

beforeAll(() => {
  trap = trapConnections();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => {
  trap.restore();
  expect(trap.refused).toEqual([]);
});

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
