/**
 * The Alertmanager API on the webhook URL, request by request (handleAlertmanagerApi): the intake's credentials
 * guard it (token, or a Grafana-style signature), refusals have Alertmanager's shapes, a failing state store is a
 * 500 with a reason. What the answers look like next to the real Alertmanager: test/integration/silences-alertmanager.
 */
import { createHmac } from 'node:crypto';
import {
  ALERTMANAGER_API_VERSION,
  handleAlertmanagerApi,
  isAlertmanagerApiPath,
} from '../../../functions/intake/alertmanager-api';
import type { HttpIntakeConfig } from '../../../functions/intake/auth';
import type { AlertStateStore } from '../../../functions/state/item-store';
import { sqliteStateStore } from '../../../functions/state/sqlite';

const TOKEN = 'api-token-9f8e7d6c';
const NOW = new Date('2026-12-01T10:00:00.000Z');
const tokenIntake: HttpIntakeConfig = { token: TOKEN, hmacHeader: 'x-signature' };

function event(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; query?: string; base64?: boolean } = {},
) {
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { authorization: `Bearer ${TOKEN}`, ...options.headers },
    ...(options.body === undefined
      ? {}
      : { body: options.base64 ? Buffer.from(options.body).toString('base64') : options.body }),
    isBase64Encoded: options.base64 ?? false,
    requestContext: { http: { method, path } },
  };
}

const silence = JSON.stringify({
  matchers: [{ name: 'alertname', value: 'HighGoroutines', isRegex: false }],
  startsAt: '2026-12-01T10:00:00Z',
  endsAt: '2026-12-01T12:00:00Z',
  createdBy: 'alice',
  comment: 'deploy',
});

let state: AlertStateStore;
beforeEach(() => {
  state = sqliteStateStore(':memory:', () => NOW.getTime());
});
afterEach(() => state.close());

const call = (request: unknown, intake: HttpIntakeConfig = tokenIntake, store: AlertStateStore = state) =>
  handleAlertmanagerApi(request, { state: store, intake, now: NOW });

describe('the Alertmanager API on the webhook URL', () => {
  it('serves only /api/v2/', () => {
    expect(
      ['/api/v2/silences', '/api/v2/status', '/alerts', '/api/v1/silences'].map(isAlertmanagerApiPath),
    ).toEqual([true, true, false, false]);
  });

  it.each([
    ['no Authorization header', {}, 'unauthorized: no Authorization: Bearer header'],
    ['a wrong token', { authorization: 'Bearer nope' }, 'unauthorized: invalid bearer token'],
  ])('refuses %s with 401, before revealing anything', async (_what, headers, message) => {
    for (const path of ['/api/v2/status', '/api/v2/silences', '/api/v2/nothing']) {
      const answer = await call({ ...event('GET', path), headers });
      expect([answer.statusCode, JSON.parse(answer.body)]).toEqual([401, { code: 401, message }]);
    }
  });

  it('takes a Grafana-style signature where only webhook.hmacSecret is set', async () => {
    const intake: HttpIntakeConfig = {
      hmacSecret: 'sign-me-0123456789',
      hmacHeader: 'x-grafana-alerting-signature',
    };
    const signature = createHmac('sha256', 'sign-me-0123456789').update(silence).digest('hex');
    const posted = await call(
      event('POST', '/api/v2/silences', {
        body: silence,
        headers: { authorization: '', 'x-grafana-alerting-signature': signature },
      }),
      intake,
    );
    expect(posted.statusCode).toBe(200);
    const unsigned = await call(
      event('POST', '/api/v2/silences', { body: silence, headers: { authorization: '' } }),
      intake,
    );
    expect(unsigned.statusCode).toBe(401);
  });

  it('creates from a base64 Function URL body, then gets, lists and expires it', async () => {
    const posted = await call(event('POST', '/api/v2/silences', { body: silence, base64: true }));
    expect(posted.statusCode).toBe(200);
    const { silenceID } = JSON.parse(posted.body) as { silenceID: string };
    const got = JSON.parse((await call(event('GET', `/api/v2/silence/${silenceID}`))).body);
    expect(got).toEqual({
      id: silenceID,
      status: { state: 'active' },
      updatedAt: NOW.toISOString(),
      comment: 'deploy',
      createdBy: 'alice',
      endsAt: '2026-12-01T12:00:00.000Z',
      matchers: [{ isEqual: true, isRegex: false, name: 'alertname', value: 'HighGoroutines' }],
      startsAt: '2026-12-01T10:00:00.000Z',
    });
    const filtered = await call(
      event('GET', '/api/v2/silences', { query: 'filter=alertname%3DHighGoroutines&filter=x%3Dy' }),
    );
    expect(JSON.parse(filtered.body)).toEqual([]);
    const matching = await call(
      event('GET', '/api/v2/silences', { query: 'filter=alertname%3DHighGoroutines' }),
    );
    expect(JSON.parse(matching.body)).toEqual([got]);
    const deleted = await call(event('DELETE', `/api/v2/silence/${silenceID}`));
    expect([deleted.statusCode, deleted.body]).toEqual([200, '']);
    expect(JSON.parse((await call(event('GET', '/api/v2/silences'))).body)[0].status.state).toBe('expired');
    const unknown = await call(event('DELETE', '/api/v2/silence/00000000-0000-4000-8000-000000000000'));
    expect([unknown.statusCode, JSON.parse(unknown.body)]).toEqual([404, 'silence not found']);
  });

  it('answers the status amtool checks: a disabled cluster and the API version it mirrors, never the config', async () => {
    const status = JSON.parse((await call(event('GET', '/api/v2/status'))).body);
    expect(Object.keys(status)).toEqual(['cluster', 'config', 'uptime', 'versionInfo']);
    expect(status.cluster).toEqual({ peers: [], status: 'disabled' });
    expect(status.versionInfo.version).toMatch(
      new RegExp(`^${ALERTMANAGER_API_VERSION.replaceAll('.', '\\.')}\\+vigil\\.`),
    );
    expect(status.config.original).not.toContain(TOKEN);
  });

  it('says which methods a path allows, in the Allow header too', async () => {
    const answer = await call(event('PATCH', '/api/v2/silence/00000000-0000-4000-8000-000000000000'));
    expect([answer.statusCode, answer.headers.allow, JSON.parse(answer.body)]).toEqual([
      405,
      'GET, DELETE',
      { code: 405, message: 'method PATCH is not allowed, but [GET,DELETE] are' },
    ]);
  });

  it.each(['GET', 'DELETE'])(
    'answers %s of a silence id with a malformed %%-escape with 422, not a crash',
    async (method) => {
      const answer = await call(event(method, '/api/v2/silence/%E0%A4%A'));
      expect([answer.statusCode, JSON.parse(answer.body)]).toEqual([
        422,
        { code: 601, message: 'silenceID in path must be of type uuid: "%E0%A4%A"' },
      ]);
    },
  );

  it('answers a body over 1 MB with 413', async () => {
    const answer = await call(
      event('POST', '/api/v2/silences', { body: `{"pad":"${'x'.repeat(1_100_000)}"}` }),
    );
    expect(answer.statusCode).toBe(413);
  });

  it('answers 500 with a reason when the state store fails, as Alertmanager answers an internal error', async () => {
    const broken: AlertStateStore = {
      description: 'DynamoDB table vigil-test-alert-state',
      get: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      put: async () => undefined,
      delete: async () => false,
      list: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      close: async () => undefined,
    };
    const answer = await call(event('GET', '/api/v2/silences'), tokenIntake, broken);
    expect([answer.statusCode, JSON.parse(answer.body)]).toEqual([
      500,
      'DynamoDB table vigil-test-alert-state: connect ECONNREFUSED',
    ]);
  });
});
