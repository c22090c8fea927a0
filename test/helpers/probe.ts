/** Shared setup for the HTTP probe engine's tests. */
import type { HttpOutcome, ProbeRequest } from '../../functions/probing/http';
import { type ConnectTrap, type TestServer, trapConnections } from './servers';

/** A complete request with test-friendly limits; each suite overrides what it is about. */
export function probeRequest(url: string, overrides: Partial<ProbeRequest> = {}): ProbeRequest {
  return {
    url,
    method: 'GET',
    headers: {},
    timeoutMs: 2_000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    followRedirects: true,
    allowLinkLocal: false,
    insecureSkipVerify: false,
    userAgent: 'vigil/test',
    ...overrides,
  };
}

export function expectOk(outcome: HttpOutcome): Extract<HttpOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.reason}: ${outcome.detail}`);
  return outcome;
}

/**
 * Registers the suite's hooks: every outgoing connect is trapped (a non-loopback one is refused, and the suite
 * fails at the end if any was attempted), and servers started through `serve` are closed after each test.
 */
export function loopbackSuite(): (start: Promise<TestServer>) => Promise<TestServer> {
  let trap: ConnectTrap;
  const servers: TestServer[] = [];
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
  return async (start) => {
    const server = await start;
    servers.push(server);
    return server;
  };
}
