/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager, installed by .ci/run) posting its webhook to
 * `vigil webhook serve`'s server, with bearer-token auth, for a firing alert it re-sends every repeat_interval, and
 * then its resolution: the re-sends are duplicates the alert state answers without a new page.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { startWebhookServer, type WebhookServer } from '../../functions/intake/server';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { type ChatFake, startWebhookFake } from '../fakes/vendors';
import { eventually, type Peer, startAlertmanager } from '../helpers/processes';

const TOKEN = 'am-bearer-token-5f1d0c';

let receiver: ChatFake;
let vigil: WebhookServer;
let alertmanager: Peer & { url: string };
let amUrl: string;
const printed: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
  receiver = await startWebhookFake();
  const config = parseConfig(`
webhook:
  token: ${TOKEN}
channels:
  audit: { type: webhook, url: "${receiver.url}" }
routes:
  - match: { severity: [critical, emergency] }
    channels: [audit, console]
  - channels: [console]
`);
  vigil = await startWebhookServer({
    config,
    port: 0,
    deadLetters: fileDeadLetterStore(join(dir, 'dead-letters.jsonl')),
    state: sqliteStateStore(join(dir, 'state.db')),
    write: (text) => printed.push(text),
  });
  alertmanager = await startAlertmanager(
    `route:
  receiver: vigil
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  # Re-sends the firing group every couple of seconds: each re-send must be recognised as the same firing.
  repeat_interval: 2s
receivers:
  - name: vigil
    webhook_configs:
      - url: ${vigil.url}/alerts
        send_resolved: true
        http_config:
          authorization:
            credentials: ${TOKEN}
`,
  );
  amUrl = alertmanager.url;
});

afterAll(async () => {
  await alertmanager?.stop();
  await vigil?.close();
  await receiver?.close();
});

async function postAlert(endsAt?: string) {
  const response = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'GoroutineLeak', severity: 'critical', target: 'one-api' },
        annotations: {
          summary: 'one-api goroutines 5234 > 5000',
          runbook_url: 'https://example.com/runbooks/leak',
        },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        ...(endsAt ? { endsAt } : {}),
        generatorURL: 'http://127.0.0.1:9090/graph',
      },
    ]),
  });
  expect(response.status).toBe(200);
}

function receivedWithStatus(status: string) {
  return receiver.requests.find((request) => {
    const body = request.json as { alerts?: { status: string; name: string }[] } | undefined;
    return body?.alerts?.some((alert) => alert.status === status && alert.name === 'GoroutineLeak');
  });
}

describe('Alertmanager → vigil webhook serve', () => {
  it('delivers the firing alert to the routed channels', async () => {
    await postAlert();
    const request = await eventually(() => receivedWithStatus('firing'), 30_000, 'the firing notification');
    const alert = (request.json as { alerts: Record<string, unknown>[] }).alerts[0]!;
    expect(alert).toMatchObject({
      source: 'alertmanager',
      severity: 'critical',
      labels: { target: 'one-api' },
    });
    expect(printed.join('\n')).toMatch(/GoroutineLeak/);
  });

  it('does not page again when Alertmanager re-sends the firing group (repeat_interval)', async () => {
    const sends = async () => {
      const metrics = await (await fetch(`${amUrl}/metrics`)).text();
      return Number(
        /alertmanager_notifications_total\{integration="webhook"\} (\d+)/.exec(metrics)?.[1] ?? 0,
      );
    };
    const until = Date.now() + 20_000;
    while ((await sends()) < 3 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sends()).toBeGreaterThanOrEqual(3);
    const firing = receiver.requests.filter((request) =>
      (request.json as { alerts?: { status: string; name: string }[] } | undefined)?.alerts?.some(
        (alert) => alert.status === 'firing' && alert.name === 'GoroutineLeak',
      ),
    );
    expect(firing).toHaveLength(1);
  });

  it('delivers the resolution to the same channels', async () => {
    await postAlert(new Date().toISOString());
    await eventually(() => receivedWithStatus('resolved'), 30_000, 'the resolved notification');
    expect(printed.join('\n')).toMatch(/RESOLVED/i);
  });

  it('Alertmanager saw no failed notifications (vigil answered 2xx)', async () => {
    const metrics = await (await fetch(`${amUrl}/metrics`)).text();
    const failed = /alertmanager_notifications_failed_total\{integration="webhook"\} (\d+)/.exec(metrics);
    expect(failed?.[1]).toBe('0');
  });
});
