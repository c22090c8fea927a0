/**
 * The link-local guard, end to end: targets and redirects that lead to cloud metadata addresses are refused
 * before any connect. A connect trap watches every socket: had the guard let one through, the trap would refuse
 * it (so no test ever reaches the network) and record it (so the test fails).
 */
import { httpProbe, type ProbeRequest } from '../../../functions/probing/http';
import {
  type ConnectTrap,
  METADATA_URL,
  redirectTo,
  redirectToMetadata,
  startHttpServer,
  staticLookup,
  type TestServer,
  trapConnections,
} from '../../helpers/servers';

const METADATA_IP = '169.254.169.254';

function probeRequest(url: string, overrides: Partial<ProbeRequest> = {}): ProbeRequest {
  return {
    url,
    method: 'GET',
    headers: {},
    timeoutMs: 500,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    followRedirects: true,
    allowLinkLocal: false,
    insecureSkipVerify: false,
    userAgent: 'vigil/test',
    agent: 'fresh',
    ...overrides,
  };
}

let trap: ConnectTrap;
const servers: TestServer[] = [];
async function serve(start: Promise<TestServer>): Promise<TestServer> {
  const server = await start;
  servers.push(server);
  return server;
}

beforeEach(() => {
  trap = trapConnections();
});
afterEach(async () => {
  trap.restore();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Maps names to link-local addresses (and loopback), so nothing real is resolved. */
const lookup = staticLookup({
  'metadata.test': METADATA_IP,
  'metadata6.test': 'fd00:ec2::254',
  'mapped.test': '::ffff:169.254.169.254',
  'loopback.test': '127.0.0.1',
});

describe('link-local guard', () => {
  it.each([
    ['IPv4 metadata address', `http://${METADATA_IP}/latest/meta-data/`],
    ['IPv6 link-local literal', 'http://[fe80::1]/'],
    ['AWS IPv6 metadata literal', 'http://[fd00:ec2::254]/'],
    ['IPv4-mapped literal', 'http://[::ffff:169.254.169.254]/'],
    ['decimal IPv4 (the URL parser normalises it)', 'http://2852039166/'],
    ['https URL', `https://${METADATA_IP}/`],
  ])('refuses a direct target: %s', async (_name, url) => {
    const outcome = await httpProbe(probeRequest(url));

    expect(outcome).toMatchObject({ ok: false, reason: 'blocked', redirects: 0 });
    expect(trap.attempts).toEqual([]);
  });

  it.each([
    ['IPv4', 'metadata.test', METADATA_IP],
    ['IPv6', 'metadata6.test', 'fd00:ec2::254'],
    ['IPv4-mapped IPv6', 'mapped.test', '::ffff:169.254.169.254'],
  ])('refuses a name that resolves to a link-local %s address', async (_name, host, address) => {
    const outcome = await httpProbe(probeRequest(`http://${host}/`, { lookup }));

    expect(outcome).toMatchObject({ ok: false, reason: 'blocked' });
    expect(outcome.ok || outcome.detail).toContain(`${host} resolved to link-local address ${address}`);
    expect(trap.attempts).toEqual([]);
  });

  it.each([
    ['the metadata IP', redirectToMetadata()],
    ['a name resolving to it', redirectTo('http://metadata.test/latest/meta-data/')],
  ])('refuses a redirect to %s', async (_name, handler) => {
    const server = await serve(startHttpServer(handler));

    const outcome = await httpProbe(probeRequest(server.url, { lookup }));

    expect(outcome).toMatchObject({ ok: false, reason: 'blocked', redirects: 1, status: 302 });
    expect(server.requests).toHaveLength(1);
    expect(trap.attempts).toEqual(['127.0.0.1']);
  });

  it('checks the address at connect time, so a name that rebinds to metadata is refused', async () => {
    const server = await serve(startHttpServer((_req, res) => res.end('ok')));
    let answer = '127.0.0.1';
    const rebinding = staticLookup({});
    const lookupThenRebind: typeof rebinding = Object.assign(
      (
        hostname: string,
        options: Parameters<typeof rebinding>[1],
        callback: Parameters<typeof rebinding>[2],
      ) => staticLookup({ [hostname]: answer })(hostname, options, callback),
      { calls: [] },
    );
    const request = probeRequest(`http://rebind.test:${server.port}/`, { lookup: lookupThenRebind });

    const first = await httpProbe(request);
    answer = METADATA_IP;
    const second = await httpProbe(request);

    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, reason: 'blocked' });
    expect(trap.attempts).toEqual(['127.0.0.1']);
  });

  it('lets loopback names through', async () => {
    const server = await serve(startHttpServer((_req, res) => res.end('ok')));

    const outcome = await httpProbe(probeRequest(`http://loopback.test:${server.port}/`, { lookup }));

    expect(outcome.ok).toBe(true);
  });

  it.each([
    ['a direct target', METADATA_URL],
    ['a name resolving to it', 'http://metadata.test/'],
  ])('with allowLinkLocal, goes on to connect to %s (which the trap refuses here)', async (_name, url) => {
    const outcome = await httpProbe(probeRequest(url, { lookup, allowLinkLocal: true }));

    expect(outcome.ok).toBe(false);
    expect(outcome.ok || outcome.reason).not.toBe('blocked');
    expect(trap.refused).toEqual([METADATA_IP]);
  });
});
