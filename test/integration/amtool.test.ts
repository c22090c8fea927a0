/**
 * The real amtool (Debian's prometheus-alertmanager 0.25) against `vigil webhook serve` on loopback: a silence added
 * with amtool mutes the alerts posted to the same server, `silence query` lists it (filtered, and with --expired
 * once expired), `silence update` extends it, `silence expire` ends it and the alert it hid goes out with the next
 * sweep. amtool sends the webhook token from its --http.config.file; without it, every call is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../../functions/config/load';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { startWebhookServer, type WebhookServer } from '../../functions/intake/server';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { type ChatFake, startWebhookFake } from '../fakes/vendors';
import { eventually } from '../helpers/processes';
import { describeMessage } from '../helpers/stories';

const run = promisify(execFile);
const TOKEN = 'amtool-token-5b6c7d8e9f';
/**
 * Sweeps this often here (every minute when deployed), so the test sees the alert a silence hid go out; a sweep's
 * deadline is its interval, which must leave a delivery attempt its MIN_ATTEMPT_MS (notify/retry.ts).
 */
const SWEEP_EVERY_MS = 1_000;

let dir: string;
let hook: ChatFake;
let server: WebhookServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-amtool-'));
  writeFileSync(join(dir, 'http.yml'), `authorization:\n  credentials: ${TOKEN}\n`);
  hook = await startWebhookFake('amtoolHookSecret0123456789');
  server = await startWebhookServer({
    config: parseConfig(
      `webhook: { token: ${TOKEN} }\nalerts: { groupWait: 0 }\nchannels:\n  ops: { type: webhook, url: "${hook.url}" }\nroutes:\n  - channels: [ops]\n`,
    ),
    deadLetters: fileDeadLetterStore(join(dir, 'dead-letters.jsonl')),
    state: sqliteStateStore(join(dir, 'state.db')),
    port: 0,
    write: () => undefined,
    sweep: { intervalMs: SWEEP_EVERY_MS },
  });
});
afterAll(async () => {
  await server?.close();
  await hook?.close();
});

/** amtool against the server; resolves with its exit code and output (never rejects). */
async function amtool(
  args: string[],
  authenticated = true,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = [
    `--alertmanager.url=${server.url}`,
    ...(authenticated ? [`--http.config.file=${join(dir, 'http.yml')}`] : []),
  ];
  try {
    const { stdout, stderr } = await run('amtool', [...base, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function postAlert(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') {
  const response = await fetch(`${server.url}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      version: '4',
      status,
      receiver: 'vigil',
      groupKey: `{}:{alertname="${labels.alertname}"}`,
      groupLabels: {},
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status,
          labels,
          annotations: {},
          startsAt: new Date().toISOString(),
          fingerprint: Object.values(labels).join('-'),
        },
      ],
    }),
  });
  return (await response.json()) as { silenced?: number; received: string };
}

interface Queried {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  createdBy: string;
  comment: string;
  endsAt: string;
}

async function query(...args: string[]): Promise<Queried[]> {
  const result = await amtool(['silence', 'query', '-o', 'json', ...args]);
  expect(result).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as Queried[];
}

const messages = () => hook.requests.splice(0).map((request) => describeMessage(request.json));

describe('amtool 0.25 against vigil webhook serve', () => {
  let id: string;

  it('adds a silence, which mutes the alerts it matches and nothing else', async () => {
    const added = await amtool([
      'silence',
      'add',
      'alertname=HighGoroutines',
      'target=~"one-.*"',
      '--comment=deploy',
      '--author=alice',
      '--duration=2h',
    ]);
    expect(added.code).toBe(0);
    // amtool checked the version first and found nothing to warn about.
    expect(added.stderr).toBe('');
    id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    expect((await postAlert({ alertname: 'HighGoroutines', target: 'one-api' })).silenced).toBe(1);
    await postAlert({ alertname: 'HighGoroutines', target: 'db' });
    expect(messages()).toEqual(['FIRING HighGoroutines']);
  });

  it('queries it, with and without a matcher filter; --expired shows none yet', async () => {
    const listed = await query();
    expect(listed).toEqual([
      expect.objectContaining({
        id,
        status: { state: 'active' },
        createdBy: 'alice',
        comment: 'deploy',
        matchers: [
          { name: 'alertname', value: 'HighGoroutines', isRegex: false, isEqual: true },
          { name: 'target', value: 'one-.*', isRegex: true, isEqual: true },
        ],
      }),
    ]);
    expect((await query('alertname=HighGoroutines')).map((s) => s.id)).toEqual([id]);
    expect((await query('HighGoroutines')).map((s) => s.id)).toEqual([id]);
    expect(await query('alertname=Other')).toEqual([]);
    expect(await query('--expired')).toEqual([]);
    const table = await amtool(['silence', 'query']);
    expect(table.stdout).toContain(id);
    expect(table.stdout).toContain('alertname="HighGoroutines" target=~"one-.*"');
  });

  it('updates it in place (same id, later end)', async () => {
    const before = (await query())[0]!.endsAt;
    const updated = await amtool(['silence', 'update', id, '--duration=3h']);
    expect(updated).toMatchObject({ code: 0 });
    const [after] = await query();
    expect(after!.id).toBe(id);
    expect(Date.parse(after!.endsAt)).toBeGreaterThan(Date.parse(before));
  });

  it('expires it: listed with --expired only, and the alert it hid goes out with the next sweep', async () => {
    const expiredNow = await amtool(['silence', 'expire', id]);
    expect(expiredNow).toMatchObject({ code: 0 });
    expect(await query()).toEqual([]);
    expect((await query('--expired')).map((s) => [s.id, s.status.state])).toEqual([[id, 'expired']]);
    await eventually(() => (hook.requests.length > 0 ? true : undefined), 10_000, 'the released alert');
    expect(messages()).toEqual(['FIRING HighGoroutines']);
  });

  it('refuses every call without the token, and says why', async () => {
    const result = await amtool(['silence', 'query', '--no-version-check'], false);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/401|unauthorized/i);
    const add = await amtool(['silence', 'add', 'alertname=X', '--no-version-check'], false);
    expect(add.code).not.toBe(0);
  });

  it('reports an unknown silence as an error', async () => {
    const result = await amtool(['silence', 'expire', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not found|404/i);
  });
});
