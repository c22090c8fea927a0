/**
 * The deployed path: the webhook Lambda's handler serves the Alertmanager API on its Function URL (events shaped as
 * the Function URL sends them) over the DynamoDB alert state (dynalite), and the silence it stores mutes the alerts
 * the same handler receives; the sweep Lambda sends what the silence hid once it is expired.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepHandler } from '../../functions/sweep/handler';
import { webhookHandler } from '../../functions/webhook/handler';
import { setFakeAwsEnv } from '../fakes/aws';
import { type ChatFake, startWebhookFake } from '../fakes/vendors';
import { type Dynalite, startDynalite } from '../helpers/dynalite';
import { describeMessage } from '../helpers/stories';

const TOKEN = 'lambda-api-token-4d5e6f7a';
let dynalite: Dynalite;
let hook: ChatFake;
let restoreEnv: () => void;

beforeAll(async () => {
  [dynalite, hook] = await Promise.all([startDynalite(), startWebhookFake('lambdaHookSecret0123456789')]);
  restoreEnv = setFakeAwsEnv({ DYNAMODB: dynalite.url });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lambda-api-'));
  const config = join(dir, 'vigil.yml');
  writeFileSync(
    config,
    `webhook: { token: ${TOKEN} }\nalerts: { groupWait: 0 }\nchannels:\n  ops: { type: webhook, url: "${hook.url}" }\nroutes:\n  - channels: [ops]\n`,
  );
  process.env.VIGIL_CONFIG = config;
  process.env.VIGIL_ALERT_STATE_TABLE = await dynalite.createTable();
});
afterAll(async () => {
  for (const name of ['VIGIL_CONFIG', 'VIGIL_ALERT_STATE_TABLE']) delete process.env[name];
  restoreEnv?.();
  await Promise.all([dynalite?.close(), hook?.close()]);
});

const context = () => ({ getRemainingTimeInMillis: () => 30_000 });

/** A Function URL event, as AWS hands it to the handler (base64 bodies, as it sends non-text content types). */
function functionUrlEvent(method: string, path: string, body?: unknown) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.17' } },
    ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)).toString('base64') }),
    isBase64Encoded: true,
  };
}

async function invoke(method: string, path: string, body?: unknown) {
  const answer = (await webhookHandler(functionUrlEvent(method, path, body), context())) as {
    statusCode: number;
    body: string;
  };
  return { status: answer.statusCode, body: answer.body === '' ? '' : JSON.parse(answer.body) };
}

describe('the webhook Lambda serves the Alertmanager API on its Function URL', () => {
  it('stores a silence in DynamoDB that mutes what the same function receives, until it is expired', async () => {
    const now = Date.now();
    const created = await invoke('POST', '/api/v2/silences', {
      matchers: [{ name: 'alertname', value: 'Deploy.*', isRegex: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      createdBy: 'release-bot',
      comment: 'rolling deploy',
    });
    expect(created.status).toBe(200);
    const id = (created.body as { silenceID: string }).silenceID;
    expect((await invoke('GET', '/api/v2/status')).status).toBe(200);
    const listed = await invoke('GET', '/api/v2/silences');
    expect(
      (listed.body as { id: string; status: { state: string } }[]).map((s) => [s.id, s.status.state]),
    ).toEqual([[id, 'active']]);

    const muted = await invoke('POST', '/', { alerts: [{ labels: { alertname: 'DeployLag' } }] });
    expect([muted.status, (muted.body as { silenced?: number }).silenced]).toEqual([200, 1]);
    const sent = await invoke('POST', '/', { alerts: [{ labels: { alertname: 'DiskFull' } }] });
    expect(sent.status).toBe(200);
    expect(hook.requests.splice(0).map((request) => describeMessage(request.json))).toEqual([
      'FIRING DiskFull',
    ]);

    expect((await invoke('DELETE', `/api/v2/silence/${id}`)).status).toBe(200);
    const swept = (await sweepHandler({}, context())) as { sent: number };
    expect(swept.sent).toBe(1);
    expect(hook.requests.splice(0).map((request) => describeMessage(request.json))).toEqual([
      'FIRING DeployLag',
    ]);
  });

  it('refuses the API without the token, like the intake', async () => {
    const answer = (await webhookHandler(
      { ...functionUrlEvent('GET', '/api/v2/silences'), headers: {} },
      context(),
    )) as { statusCode: number; body: string };
    expect([answer.statusCode, JSON.parse(answer.body).code]).toEqual([401, 401]);
  });
});
