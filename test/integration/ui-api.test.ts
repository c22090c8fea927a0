/**
 * The page's HTTP side on a real intake server (as `vigil webhook serve --ui` runs it): assets with their security
 * headers, the loopback Host guard, the JSON endpoints, the token that actions need, redaction, and the live stream.
 * What the page draws is tested in a real browser (ui-browser.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../functions/alerts/types';
import { parseConfig } from '../../functions/config/load';
import type { VigilConfig } from '../../functions/config/schema';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { DEAD_LETTER_VERSION, type DeadLetter } from '../../functions/deadletter/types';
import { notificationEvent } from '../../functions/dev/events';
import { startWebhookServer, type WebhookServer } from '../../functions/intake/server';
import { clearSecrets, registerSecret } from '../../functions/logging/redact';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { createUi, type Ui } from '../../functions/ui/routes';
import { silenceRows } from '../../functions/ui/silences';
import { type ChatFake, startSlackFake } from '../fakes/vendors';

const TOKEN = 'page-token-0123456789';
const LEAKED = 'xoxb-leaked-secret-42';

let slack: ChatFake;
beforeAll(async () => {
  slack = await startSlackFake();
});
afterAll(async () => {
  await slack.close();
  clearSecrets();
});

function alert(name: string): Alert {
  return {
    status: 'firing',
    name,
    severity: 'critical',
    summary: `${name} fired`,
    labels: { alertname: name },
    annotations: {},
    startsAt: '2026-11-22T00:00:00.000Z',
    links: [],
    source: 'generic',
    fingerprint: name,
  };
}

function letter(id: string, message: string): DeadLetter {
  return {
    version: DEAD_LETTER_VERSION,
    id,
    at: '2026-11-22T00:00:00.000Z',
    channel: 'ops-slack',
    channelType: 'slack',
    alerts: [alert(`alert-${id}`)],
    error: { reason: 'server-error', message },
    attempts: 5,
    replays: 0,
  };
}

interface Served {
  url: string;
  server: WebhookServer;
  ui: Ui;
  deadLetterFile: string;
  close(): Promise<void>;
}

async function serve(token: string | undefined, options: { silences?: boolean } = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ui-api-'));
  const config: VigilConfig = parseConfig(`
${token ? `webhook: { token: "${token}" }` : ''}
channels:
  ops-slack: { type: slack, url: "${slack.url}" }
routes:
  - channels: [ops-slack]
maintenance:
  - name: weekly-db
    matchers: ['target="db"']
    time_intervals: [{ weekdays: [sunday], times: [{ start_time: "02:00", end_time: "04:00" }] }]
`);
  const deadLetterFile = join(dir, 'dead-letters.jsonl');
  const deadLetters = fileDeadLetterStore(deadLetterFile);
  const state = sqliteStateStore(join(dir, 'alert-state.db'));
  const ui = createUi({
    mode: 'webhook',
    config,
    state,
    ...(options.silences ? { silences: silenceRows(state, config, Date.now) } : {}),
    deadLetters: { store: deadLetters, file: deadLetterFile },
  });
  const server = await startWebhookServer({
    config,
    deadLetters,
    state,
    port: 0,
    routes: ui.handle,
    onResult: (result) => ui.publish(notificationEvent(result, 'http', Date.now())),
  });
  return {
    url: server.url,
    server,
    ui,
    deadLetterFile,
    async close() {
      await server.close();
      await ui.close();
      await state.close();
    },
  };
}

/** A raw request, so the Host header can be anything. */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the page over HTTP', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(undefined);
  });
  afterAll(() => served.close());

  it('serves the page with a strict CSP and no CORS header; the intake answers as before', async () => {
    const page = await fetch(`${served.url}/`);
    const intake = await fetch(`${served.url}/alerts`, { method: 'POST', body: '{"alerts":[]}' });

    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(await page.text()).toContain('<script src="/ui/app.mjs" type="module">');
    expect(intake.status).toBeLessThan(500);
    expect((await fetch(`${served.url}/ui/vendor/uPlot.iife.min.js`)).headers.get('content-type')).toContain(
      'javascript',
    );
  });

  it.each([
    [
      'another host name (DNS rebinding)',
      { path: '/ui/api/overview', headers: { host: 'evil.example:8787' } },
      403,
      'Host header',
    ],
    ['an unknown endpoint', { path: '/ui/api/nothing' }, 404, 'not found: /ui/api/nothing'],
    ['the wrong method', { path: '/ui/api/overview', method: 'POST' }, 405, 'POST not allowed'],
    ['a bad range', { path: '/ui/api/series?from=abc' }, 400, 'from must be a whole number'],
    ['an empty range', { path: '/ui/api/series?from=20&to=10' }, 400, 'from (20) must be before to (10)'],
    [
      'too many points',
      { path: '/ui/api/series?points=100000' },
      400,
      'points must be a whole number from 1 to 5000',
    ],
  ])('answers %s with a one-line reason', async (_name, options, status, reason) => {
    const answer = await raw(served.url, options);

    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).error).toContain(reason);
  });

  it('lists dead letters without claiming them, with every secret redacted', async () => {
    registerSecret(LEAKED);
    const store = fileDeadLetterStore(served.deadLetterFile);
    await store.put([letter('one', `HTTP 503 from https://hooks.example/${LEAKED}`)]);

    const listed = (await (await fetch(`${served.url}/ui/api/dead-letters`)).json()) as {
      total: number;
      letters: unknown[];
    };

    expect(listed.total).toBe(1);
    expect(listed.letters[0]).toMatchObject({ id: 'one', channel: 'ops-slack', reason: 'server-error' });
    expect(JSON.stringify(listed)).not.toContain(LEAKED);
    // `vigil replay` still gets the letter: the page did not hold it.
    expect((await store.list(10)).map((stored) => stored.letter.id)).toEqual(['one']);
  });

  it('refuses actions when no token is configured: the page is read-only', async () => {
    const answer = await raw(served.url, {
      method: 'POST',
      path: '/ui/api/dead-letters/replay',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{}',
    });

    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error).toContain('set webhook.token');
  });

  it('says the silences panel has no source yet, instead of pretending', async () => {
    expect(await (await fetch(`${served.url}/ui/api/silences`)).json()).toMatchObject({
      available: false,
      silences: [],
    });
  });

  it('lists the silences set through the Alertmanager API, and the maintenance windows, in the silences panel', async () => {
    const withSilences = await serve(TOKEN, { silences: true });
    try {
      const now = Date.now();
      const created = await fetch(`${withSilences.url}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({
          matchers: [{ name: 'alertname', value: 'High.*', isRegex: true, isEqual: true }],
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: 'ops',
          comment: 'deploy',
        }),
      });
      expect(created.status).toBe(200);
      const { silenceID } = (await created.json()) as { silenceID: string };

      const panel = (await (await fetch(`${withSilences.url}/ui/api/silences`)).json()) as {
        available: boolean;
        silences: { id: string; kind: string; state: string; matchers: string; comment: string }[];
      };

      expect(panel.available).toBe(true);
      expect(panel.silences).toEqual([
        expect.objectContaining({
          id: silenceID,
          kind: 'silence',
          state: 'active',
          matchers: 'alertname=~"High.*"',
          comment: 'deploy',
        }),
        expect.objectContaining({
          id: 'maintenance:weekly-db',
          kind: 'maintenance',
          matchers: 'target="db"',
        }),
      ]);
    } finally {
      await withSilences.close();
    }
  });

  it('streams each notification the intake handles, as it happens', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${served.url}/ui/api/events`, { signal: controller.signal });
    const reader = stream.body!.getReader();
    let text = '';
    const notification = (async () => {
      while (!text.includes('event: notification')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      return text;
    })();

    await fetch(`${served.url}/alerts`, {
      method: 'POST',
      body: JSON.stringify({ alerts: [{ labels: { alertname: 'StreamCheck', severity: 'warning' } }] }),
    });

    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(await notification).toContain('"name":"StreamCheck"');
    controller.abort();
  });
});

describe('actions with the webhook token', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(TOKEN);
  });
  afterAll(() => served.close());

  const replay = (headers: Record<string, string>) =>
    raw(served.url, { method: 'POST', path: '/ui/api/dead-letters/replay', headers, body: '{}' });

  it.each([
    ['no bearer header', { 'content-type': 'application/json' }, 401, 'no Authorization: Bearer header'],
    [
      'a wrong token',
      { 'content-type': 'application/json', authorization: 'Bearer nope-nope' },
      401,
      'invalid bearer token',
    ],
    [
      'a form post',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
      415,
      'application/json',
    ],
  ])('refuses %s', async (_name, headers, status, reason) => {
    const answer = await replay(headers);

    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).error).toContain(reason);
  });

  it('replays the dead letters to the channel that failed, and the letter is gone', async () => {
    await fileDeadLetterStore(served.deadLetterFile).put([letter('two', 'HTTP 503')]);
    const before = slack.requests.length;

    const answer = await replay({ 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ delivered: 1, failed: 0 });
    expect(slack.requests.length).toBe(before + 1);
    expect(await (await fetch(`${served.url}/ui/api/dead-letters`)).json()).toMatchObject({ total: 0 });
  });
});
