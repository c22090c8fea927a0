// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:..} is vigil's secret placeholder, not a template
/**
 * `vigil webhook serve` and the CLI around it on real loopback: a 413 leaves the connection and the server
 * healthy, an unset ${env:…} token stops the start-up naming the variable, `notify test --json` prints only JSON.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../functions/cli/main';
import { parseConfig } from '../../functions/config/load';
import { SecretError } from '../../functions/config/secrets';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { HTTP_BODY_MAX_BYTES } from '../../functions/intake/http-request';
import { startWebhookServer, type WebhookServer } from '../../functions/intake/server';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { captureIo } from '../helpers/io';

const TOKEN = 'serve-token-1f2e3d4c';
let dir: string;
let server: WebhookServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-serve-'));
  server = await startWebhookServer({
    config: parseConfig(
      `webhook: { token: ${TOKEN} }\nalerts: { groupWait: 0 }\nroutes:\n  - channels: [console]\n`,
    ),
    deadLetters: fileDeadLetterStore(join(dir, 'dead-letters.jsonl')),
    state: sqliteStateStore(join(dir, 'state.db')),
    port: 0,
    write: () => undefined,
  });
});
afterAll(() => server?.close());

/** POSTs over `agent` (one kept-alive socket) and resolves with the status, body and the socket used. */
function post(agent: Agent, body: string | Buffer) {
  return new Promise<{ status: number; body: string; socket: unknown }>((resolve, reject) => {
    const req = request(
      `${server.url}/alerts`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${TOKEN}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, socket: req.socket }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('vigil webhook serve', () => {
  it('answers a body over 1 MB with 413 and the next request on the same connection with 200', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = await post(agent, `{"alerts":[],"pad":"${'x'.repeat(HTTP_BODY_MAX_BYTES + 10)}"}`);
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body).error).toMatch(/exceeds 1048576 bytes/);
      const next = await post(agent, JSON.stringify({ alerts: [{ labels: { alertname: 'AfterBig' } }] }));
      expect(next.status).toBe(200);
      expect(next.socket).toBe(big.socket);
    } finally {
      agent.destroy();
    }
  });

  it('stays healthy after many oversized bodies in a row', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    try {
      const big = `{"pad":"${'y'.repeat(HTTP_BODY_MAX_BYTES * 2)}"}`;
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () => post(agent, big).then((r) => r.status)),
      );
      expect(statuses).toEqual([413, 413, 413, 413, 413, 413]);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('refuses to start when the ${env:…} token is unset, naming the variable (exit 2)', async () => {
    const file = join(dir, 'unset-token.yml');
    writeFileSync(
      file,
      'webhook:\n  token: "${env:VIGIL_TEST_UNSET_TOKEN}"\nroutes:\n  - channels: [console]\n',
    );
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.VIGIL_TEST_UNSET_TOKEN;
    const io = captureIo(env);
    const code = await main(
      ['webhook', 'serve', '--config', file, '--port', '0', '--state', join(dir, 's.db')],
      io.streams,
    );
    expect(code).toBe(2);
    expect(io.err()).toMatch(/VIGIL_TEST_UNSET_TOKEN/);
    await expect(
      startWebhookServer({
        config: parseConfig('webhook:\n  token: "${env:VIGIL_TEST_UNSET_TOKEN}"\n'),
        deadLetters: fileDeadLetterStore(join(dir, 'x.jsonl')),
        state: sqliteStateStore(':memory:'),
        port: 0,
      }),
    ).rejects.toBeInstanceOf(SecretError);
  });
});

describe('vigil notify test --json', () => {
  it('prints exactly one JSON document on stdout (the console message goes to stderr)', async () => {
    const io = captureIo({ ...process.env, NO_COLOR: '1' });
    const file = join(dir, 'console.yml');
    writeFileSync(file, 'routes:\n  - channels: [console]\n');
    const code = await main(
      ['notify', 'test', '--channel', 'console', '--json', '--config', file],
      io.streams,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ channel: 'console', ok: true });
    expect(io.err()).toContain('FIRING critical');
  });
});
