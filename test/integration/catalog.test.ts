/**
 * The metric catalog `vigil infra cost` counts (functions/metrics/catalog.ts) against what each kind really
 * publishes: one healthy target of each kind, probed over loopback, its datums' names compared with the catalog's.
 */
import { parseConfig } from '../../functions/config/load';
import { standardMetricsOf } from '../../functions/metrics/catalog';
import { datumsFromResults } from '../../functions/metrics/datums';
import { runRound } from '../../functions/probing/run';
import { startHttpServer, startHttpsServer } from '../helpers/servers';
import { CERTS, startDnsServer, startTcpServer, startTlsServer } from '../helpers/socket-servers';

const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(closing.map((server) => server.close()));
});
async function serve<T extends { close(): Promise<void> }>(start: Promise<T>): Promise<T> {
  const server = await start;
  closing.push(server);
  return server;
}

const ok = (_req: unknown, res: { writeHead(s: number): void; end(b: string): void }) => {
  res.writeHead(200);
  res.end('{"up":1}');
};

const CASES: [string, () => Promise<string>][] = [
  ['http', async () => `{ name: t, url: "${(await serve(startHttpServer(ok))).url}/" }`],
  ['json', async () => `{ name: t, type: json, url: "${(await serve(startHttpServer(ok))).url}/" }`],
  [
    'https',
    async () => `{ name: t, url: "${(await serve(startHttpsServer(ok))).url}/", insecureSkipVerify: true }`,
  ],
  [
    'tcp, connect only',
    async () => `{ name: t, type: tcp, url: "tcp://127.0.0.1:${(await serve(startTcpServer())).port}" }`,
  ],
  [
    'tcp with an answer awaited',
    async () => {
      const server = await serve(
        startTcpServer((socket) => socket.on('data', () => socket.write('+PONG\r\n'))),
      );
      return `{ name: t, type: tcp, url: "tcp://127.0.0.1:${server.port}", send: "PING\\r\\n", expect: { match: PONG } }`;
    },
  ],
  [
    'tls',
    async () =>
      `{ name: t, type: tls, url: "tls://127.0.0.1:${(await serve(startTlsServer('leaf'))).port}" }`,
  ],
  [
    'dns',
    async () =>
      `{ name: t, type: dns, url: "dns://127.0.0.1:${(await serve(startDnsServer({ 'app.test': { A: ['192.0.2.10'] } }))).port}/app.test" }`,
  ],
];

describe('the metric catalog', () => {
  it.each(CASES)('names what a healthy %s target publishes', async (_kind, target) => {
    const config = parseConfig(`probe: { timeout: 2s }\ntargets:\n  - ${await target()}\n`);
    const report = await runRound(config, { ca: [CERTS.ca] });
    expect(report.results[0]?.success).toBe(true);
    const published = datumsFromResults(report.results).datums.map((datum) => datum.MetricName);
    expect(published.sort()).toEqual(standardMetricsOf(config.targets[0]!).sort());
  });
});
