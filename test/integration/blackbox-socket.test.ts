/**
 * vigil's tcp, tls and dns kinds next to blackbox_exporter's tcp and dns probers (the Debian package) on the
 * same loopback targets: both must agree on success, and on the certificate's expiry where both report it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import { runRound } from '../../functions/probing/run';
import { freePort, type Peer, startPeer } from '../helpers/processes';
import { CERTS, startDnsServer, startTcpServer, startTlsServer } from '../helpers/socket-servers';

const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter';
let blackbox: Peer;
let base: string;
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-blackbox-socket-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, CERTS.ca);
  const config = join(dir, 'blackbox.yml');
  writeFileSync(
    config,
    `modules:
  tcp_connect: { prober: tcp, timeout: 2s, tcp: { preferred_ip_protocol: ip4 } }
  tls_connect: { prober: tcp, timeout: 2s, tcp: { preferred_ip_protocol: ip4, tls: true, tls_config: { ca_file: ${ca} } } }
  tls_insecure: { prober: tcp, timeout: 2s, tcp: { preferred_ip_protocol: ip4, tls: true, tls_config: { insecure_skip_verify: true } } }
  dns_app: { prober: dns, timeout: 2s, dns: { preferred_ip_protocol: ip4, transport_protocol: udp, query_name: app.test, query_type: A, valid_rcodes: [NOERROR] } }
  dns_missing: { prober: dns, timeout: 2s, dns: { preferred_ip_protocol: ip4, transport_protocol: udp, query_name: missing.test, query_type: A, valid_rcodes: [NOERROR] } }
`,
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  blackbox = await startPeer(
    BLACKBOX,
    [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    `${base}/-/healthy`,
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await blackbox?.stop();
});

/** probe_success and probe_ssl_earliest_cert_expiry (as days from now) of one blackbox probe. */
async function blackboxProbe(
  module: string,
  target: string,
): Promise<{ success: boolean; expiryDays?: number }> {
  const text = await (
    await fetch(`${base}/probe?module=${module}&target=${encodeURIComponent(target)}`)
  ).text();
  const value = (name: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const expiry = value('probe_ssl_earliest_cert_expiry');
  return {
    success: value('probe_success') === 1,
    ...(expiry === undefined ? {} : { expiryDays: (expiry * 1000 - Date.now()) / 86_400_000 }),
  };
}

async function vigilProbe(target: string): Promise<{ success: boolean; expiryDays?: number }> {
  const report = await runRound(parseConfig(`targets:\n  - ${target}`), { ca: [CERTS.ca] });
  const result = report.results[0]!;
  return {
    success: result.success,
    ...(result.certExpiryDays === undefined ? {} : { expiryDays: result.certExpiryDays }),
  };
}

describe('tcp, tls and dns kinds agree with blackbox_exporter', () => {
  it('tcp: an open port succeeds, a closed one fails, in both', async () => {
    const open = await startTcpServer();
    servers.push(open);
    const closed = await startTcpServer();
    await closed.close();
    for (const [port, success] of [
      [open.port, true],
      [closed.port, false],
    ] as const) {
      expect((await blackboxProbe('tcp_connect', `127.0.0.1:${port}`)).success).toBe(success);
      expect((await vigilProbe(`{ name: t, type: tcp, url: "tcp://127.0.0.1:${port}" }`)).success).toBe(
        success,
      );
    }
  });

  it.each([
    ['a trusted leaf', 'leaf' as const, true],
    ['an expired certificate', 'expired' as const, false],
    ['a certificate for another host', 'otherHost' as const, false],
  ])('tls: %s gives the same verdict', async (_name, cert, success) => {
    const server = await startTlsServer(cert);
    servers.push(server);
    const peer = await blackboxProbe('tls_connect', `127.0.0.1:${server.port}`);
    const ours = await vigilProbe(`{ name: t, type: tls, url: "tls://127.0.0.1:${server.port}" }`);
    expect({ blackbox: peer.success, vigil: ours.success }).toEqual({ blackbox: success, vigil: success });
  });

  it('tls: the earliest expiry in the chain is the same, to the minute', async () => {
    const server = await startTlsServer('expired');
    servers.push(server);
    const peer = await blackboxProbe('tls_insecure', `127.0.0.1:${server.port}`);
    const ours = await vigilProbe(
      `{ name: t, type: tls, url: "tls://127.0.0.1:${server.port}", insecureSkipVerify: true }`,
    );
    expect(peer.success && ours.success).toBe(true);
    expect(Math.abs((ours.expiryDays ?? 0) - (peer.expiryDays ?? Number.NaN)) * 24 * 60).toBeLessThan(1);
  });

  it.each([
    ['a name with answers', 'dns_app', 'app.test', true],
    ['NXDOMAIN', 'dns_missing', 'missing.test', false],
  ])('dns: %s gives the same verdict', async (_name, module, name, success) => {
    const server = await startDnsServer({ 'app.test': { A: ['192.0.2.10'] } });
    servers.push(server);
    const peer = await blackboxProbe(module, `127.0.0.1:${server.port}`);
    const ours = await vigilProbe(`{ name: d, type: dns, url: "dns://127.0.0.1:${server.port}/${name}" }`);
    expect({ blackbox: peer.success, vigil: ours.success }).toEqual({ blackbox: success, vigil: success });
  });
});
