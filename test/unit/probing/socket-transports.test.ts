/**
 * The tcp, tls and dns transports against real loopback servers (test/helpers/socket-servers.ts), through the
 * whole round (config → registry → transport → result), with the metric vocabulary of the HTTP kinds and the same
 * guards. Certificates come from the test CA, trusted through the round's injected `ca`.
 */
import { X509Certificate } from 'node:crypto';
import { type ConfigError, parseConfig } from '../../../functions/config/load';
import { runRound } from '../../../functions/probing/run';
import type { ProbeResult } from '../../../functions/probing/types';
import {
  CERTS,
  type CertName,
  startDnsServer,
  startSmtpServer,
  startTcpServer,
  startTlsServer,
} from '../../helpers/socket-servers';

const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((server) => server.close()));
});
async function serve<T extends { close(): Promise<void> }>(start: Promise<T>): Promise<T> {
  const server = await start;
  closing.push(server);
  return server;
}

/** One target (YAML under `targets:`), probed in a round that trusts the test CA. */
async function probeOne(target: string, options: { trustCa?: boolean } = {}): Promise<ProbeResult> {
  const config = parseConfig(`probe: { timeout: 1s }\ntargets:\n${target}`);
  const report = await runRound(config, options.trustCa === false ? {} : { ca: [CERTS.ca] });
  const result = report.results[0];
  if (!result) throw new Error('no result');
  return result;
}

const daysUntil = (cert: CertName) =>
  (Date.parse(new X509Certificate(CERTS[cert].cert).validTo) - Date.now()) / 86_400_000;

describe('tls targets', () => {
  it('succeed on a trusted chain for the host, with the handshake timed and the expiry reported', async () => {
    const server = await serve(startTlsServer('leaf'));
    const result = await probeOne(`  - { name: t, type: tls, url: "tls://127.0.0.1:${server.port}" }`);
    expect(result).toMatchObject({ success: true, type: 'tls' });
    expect(result.certExpiryDays).toBeCloseTo(daysUntil('leaf'), 1);
    expect(result.phases?.tlsHandshakeMs).toBeGreaterThan(0);
    expect(result.phases?.connectMs).toBeGreaterThanOrEqual(0);
    expect(result.phases?.timeToFirstByteMs).toBeUndefined();
    expect(server.received.join('')).toBe('');
  });

  it.each([
    ['expired', 'expired' as const, true, /certificate has expired/],
    ['for another host', 'otherHost' as const, true, /not valid for 127\.0\.0\.1/],
    ['self-signed', 'selfSigned' as const, false, /self-signed certificate/],
  ])(
    'fail with reason tls when the certificate is %s, and still report CertExpiryDays',
    async (_name, cert, trustCa, detail) => {
      const server = await serve(startTlsServer(cert));
      const result = await probeOne(`  - { name: t, type: tls, url: "tls://127.0.0.1:${server.port}" }`, {
        trustCa,
      });
      expect(result).toMatchObject({ success: false, reason: 'tls' });
      expect(result.detail).toMatch(detail);
      expect(result.certExpiryDays).toBeCloseTo(daysUntil(cert), 1);
    },
  );

  it('accept any certificate with insecureSkipVerify (an expired one reports negative days)', async () => {
    const server = await serve(startTlsServer('expired'));
    const result = await probeOne(
      `  - { name: t, type: tls, url: "tls://127.0.0.1:${server.port}", insecureSkipVerify: true }`,
    );
    expect(result.success).toBe(true);
    expect(result.certExpiryDays).toBeLessThan(-365 * 4);
  });

  it('check the certificate against serverName when given', async () => {
    const server = await serve(startTlsServer('otherHost'));
    const result = await probeOne(
      `  - { name: t, type: tls, url: "tls://127.0.0.1:${server.port}", serverName: other.example }`,
    );
    expect(result.success).toBe(true);
  });

  it('time out during a handshake the server never answers', async () => {
    const server = await serve(startTcpServer());
    const result = await probeOne(
      `  - { name: t, type: tls, url: "tls://127.0.0.1:${server.port}", timeout: 200ms }`,
    );
    expect(result).toMatchObject({ success: false, reason: 'timeout' });
    expect(result.detail).toBe('timed out after 200 ms during the TLS handshake');
  });
});

describe('https targets report CertExpiryDays when verification fails', () => {
  it.each([
    ['expired', 'expired' as const, true],
    ['self-signed', 'selfSigned' as const, false],
  ])('%s: reason tls, the expiry, and no request sent', async (_name, cert, trustCa) => {
    const https = await import('node:https');
    const requests: string[] = [];
    const server = https.createServer({ ...CERTS[cert] }, (req, res) => {
      requests.push(req.url ?? '');
      res.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    closing.push({ close: () => new Promise((done) => server.close(() => done())) });
    const port = (server.address() as { port: number }).port;
    const result = await probeOne(
      `  - { name: h, url: "https://127.0.0.1:${port}/", headers: { Authorization: Bearer s3cret } }`,
      { trustCa },
    );
    expect(result).toMatchObject({ success: false, reason: 'tls' });
    expect(result.certExpiryDays).toBeCloseTo(daysUntil(cert), 1);
    expect(requests).toEqual([]);
  });
});

describe('tcp targets', () => {
  it('succeed on connect alone, with the connect phase', async () => {
    const server = await serve(startTcpServer());
    const result = await probeOne(`  - { name: c, type: tcp, url: "tcp://127.0.0.1:${server.port}" }`);
    expect(result).toMatchObject({ success: true, type: 'tcp' });
    expect(result.phases?.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('send a line and wait for the answer to match', async () => {
    const server = await serve(
      startTcpServer((socket) =>
        socket.on('data', (data) => /PING/.test(String(data)) && socket.write('+PONG\r\n')),
      ),
    );
    const result = await probeOne(
      `  - { name: c, type: tcp, url: "tcp://127.0.0.1:${server.port}", send: "PING\\r\\n", expect: { match: "^\\\\+PONG" } }`,
    );
    expect(result.success).toBe(true);
    expect(server.received).toEqual(['PING\r\n']);
    expect(result.phases?.timeToFirstByteMs).toBeGreaterThanOrEqual(0);
  });

  it('fail with reason condition when the server closes without the expected answer', async () => {
    const server = await serve(startTcpServer((socket) => socket.end('-ERR nope\r\n')));
    const result = await probeOne(
      `  - { name: c, type: tcp, url: "tcp://127.0.0.1:${server.port}", expect: { match: "^\\\\+OK" } }`,
    );
    expect(result).toMatchObject({ success: false, reason: 'condition' });
    expect(result.detail).toContain('"-ERR nope\\r\\n" and closed the connection without matching /^\\+OK/');
  });

  it('time out waiting for an answer that never comes, saying what it waited for', async () => {
    const server = await serve(startTcpServer());
    const result = await probeOne(
      `  - { name: c, type: tcp, url: "tcp://127.0.0.1:${server.port}", timeout: 200ms, expect: { match: ready } }`,
    );
    expect(result).toMatchObject({ success: false, reason: 'timeout' });
    expect(result.detail).toBe(
      'timed out after 200 ms while waiting for the expected answer ready (0 bytes so far)',
    );
  });

  it('fail with reason connect on a closed port', async () => {
    const server = await serve(startTcpServer());
    await server.close();
    const result = await probeOne(`  - { name: c, type: tcp, url: "tcp://127.0.0.1:${server.port}" }`);
    expect(result).toMatchObject({ success: false, reason: 'connect' });
    expect(result.detail).toContain('ECONNREFUSED');
  });

  it('speak SMTP up to STARTTLS, then verify the certificate like a tls target', async () => {
    const good = await serve(startSmtpServer('leaf'));
    const expired = await serve(startSmtpServer('expired'));
    const target = (port: number) =>
      `  - { name: m, type: tcp, url: "tcp://127.0.0.1:${port}", starttls: smtp, send: "NOOP\\r\\n", expect: { match: "^250" } }`;

    const ok = await probeOne(target(good.port));
    const refused = await probeOne(target(expired.port));

    expect(ok).toMatchObject({ success: true });
    expect(ok.certExpiryDays).toBeCloseTo(daysUntil('leaf'), 1);
    expect(ok.phases?.tlsHandshakeMs).toBeGreaterThan(0);
    expect(good.received[0]).toMatch(/^EHLO vigil-[\d.]+\r\nSTARTTLS\r\n/);
    expect(refused).toMatchObject({ success: false, reason: 'tls' });
    expect(refused.certExpiryDays).toBeCloseTo(daysUntil('expired'), 1);
  });

  it('fail with reason condition when the SMTP greeting is not 220', async () => {
    const server = await serve(startSmtpServer('leaf', '554 no service'));
    const result = await probeOne(
      `  - { name: m, type: tcp, url: "tcp://127.0.0.1:${server.port}", starttls: smtp }`,
    );
    expect(result).toMatchObject({ success: false, reason: 'condition' });
    expect(result.detail).toBe('SMTP the SMTP greeting: expected 220, got "554 no service"');
  });
});

describe('dns targets', () => {
  const zone = {
    'app.test': { A: ['192.0.2.10', '192.0.2.11'], TXT: [['v=spf1 -all']] },
    'mail.test': { MX: [{ preference: 10, exchange: 'mx.app.test' }] },
  };

  it.each([
    ['A with a matching answer', 'app.test?type=A', 'expect: { answer: "^192\\\\.0\\\\.2\\\\.11$" }', true],
    ['TXT', 'app.test?type=TXT', 'expect: { answer: spf1 }', true],
    [
      'MX rendered as preference and exchange',
      'mail.test?type=MX',
      'expect: { answer: "^10 mx\\\\.app\\\\.test$" }',
      true,
    ],
    ['NXDOMAIN when NOERROR is expected', 'missing.test', '', false],
    ['NXDOMAIN when NXDOMAIN is expected', 'missing.test', 'expect: { rcode: NXDOMAIN }', true],
    ['an answer regex that nothing matches', 'app.test', 'expect: { answer: "^10\\\\." }', false],
    ['fewer answers than minAnswers', 'app.test', 'expect: { minAnswers: 3 }', false],
  ])('%s', async (_name, query, expect_, success) => {
    const server = await serve(startDnsServer(zone));
    const result = await probeOne(
      `  - { name: d, type: dns, url: "dns://127.0.0.1:${server.port}/${query}"${expect_ ? `, ${expect_}` : ''} }`,
    );
    expect({ success: result.success, reason: result.reason }).toEqual(
      success ? { success: true, reason: undefined } : { success: false, reason: 'condition' },
    );
    expect(result.phases?.timeToFirstByteMs).toBeGreaterThanOrEqual(0);
  });

  it('says which rcode came back', async () => {
    const server = await serve(startDnsServer(zone, { rcode: 'SERVFAIL' }));
    const result = await probeOne(
      `  - { name: d, type: dns, url: "dns://127.0.0.1:${server.port}/app.test" }`,
    );
    expect(result.detail).toBe('app.test A: rcode (SERVFAIL) not in NOERROR');
  });

  it('time out when the resolver never answers', async () => {
    const server = await serve(startDnsServer(zone, { silent: true }));
    const result = await probeOne(
      `  - { name: d, type: dns, url: "dns://127.0.0.1:${server.port}/app.test", timeout: 200ms }`,
    );
    expect(result).toMatchObject({ success: false, reason: 'timeout' });
    expect(result.detail).toBe('timed out after 200 ms while waiting for the answer');
    expect(server.questions).toEqual(['app.test A']);
  });
});

describe('the link-local guard, for every socket transport', () => {
  it.each([
    ['tcp', 'tcp://169.254.169.254:80'],
    ['tls', 'tls://169.254.169.254:443'],
    ['dns', 'dns://169.254.169.253/app.test'],
    ['tcp', 'tcp://[fd00:ec2::254]:80'],
  ])('%s %s is refused before any packet is sent', async (type, url) => {
    const result = await probeOne(`  - { name: g, type: ${type}, url: "${url}" }`);
    expect(result).toMatchObject({ success: false, reason: 'blocked' });
    expect(result.detail).toContain('set allowLinkLocal');
  });

  it('refuses a name that resolves to the metadata address, at connect time', async () => {
    const config = parseConfig('targets:\n  - { name: g, type: tcp, url: "tcp://metadata.test:80" }');
    const report = await runRound(config, {
      lookup: (_host, _options, callback) =>
        (callback as (e: null, a: string, f: number) => void)(null, '169.254.169.254', 4),
    });
    expect(report.results[0]).toMatchObject({ success: false, reason: 'blocked' });
  });
});

describe('config of socket targets', () => {
  it.each([
    [
      'a tcp URL without port',
      '{ name: x, type: tcp, url: "tcp://db.internal" }',
      'targets[0].url: "tcp://db.internal": a tcp URL needs a port (tcp://host:port)',
    ],
    [
      'an http key on a tcp target',
      '{ name: x, type: tcp, url: "tcp://db:5432", method: GET }',
      'targets[0]: method is for http, json, prometheus targets',
    ],
    [
      'an unknown record type',
      '{ name: x, type: dns, url: "dns://1.1.1.1/a.test?type=NOPE" }',
      'targets[0].url: "dns://1.1.1.1/a.test?type=NOPE": type=NOPE is not one of A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA',
    ],
    [
      'an http URL on a tls target',
      '{ name: x, type: tls, url: "https://a.test" }',
      'targets[0].url: "https://a.test" is not a tls://host:port URL',
    ],
    [
      'a bad regex',
      '{ name: x, type: tcp, url: "tcp://a:1", expect: { match: "(" } }',
      'targets[0].expect.match: "(" is not a regular expression: Invalid regular expression: /(/: Unterminated group',
    ],
  ])('%s is reported with its path', async (_name, target, message) => {
    let issues: string[] = [];
    try {
      parseConfig(`targets:\n  - ${target}\n`);
    } catch (error) {
      issues = (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
    expect(issues).toContain(message);
  });
});
