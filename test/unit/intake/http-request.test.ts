import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { configSchema } from '../../../functions/config/schema';
import { HMAC_TIMESTAMP_MAX_SKEW_SECONDS, intakeWarnings } from '../../../functions/intake/auth';
import {
  HTTP_BODY_MAX_BYTES,
  type HttpIntakeConfig,
  type HttpIntakeResult,
  handleHttpIntake,
} from '../../../functions/intake/http-request';
import {
  alertProblems,
  fixture,
  fixtureText,
  httpFixture,
  isOneLineReason,
  NOW,
  TEST_HMAC_SECRET,
  TEST_TOKEN,
} from './support';

const SIGNATURE_HEADER = 'X-Grafana-Alerting-Signature';
const TIMESTAMP_HEADER = 'X-Grafana-Alerting-Timestamp';
// What http-function-url-grafana-hmac.json was signed with (signature checked with `openssl dgst -sha256 -hmac`).
const SIGNED_AT = 1_787_461_195;

const OPEN: HttpIntakeConfig = { hmacHeader: SIGNATURE_HEADER };
const TOKEN: HttpIntakeConfig = { ...OPEN, token: TEST_TOKEN };
const HMAC: HttpIntakeConfig = { ...OPEN, hmacSecret: TEST_HMAC_SECRET, timestampHeader: TIMESTAMP_HEADER };
const HMAC_NO_TIMESTAMP: HttpIntakeConfig = { ...OPEN, hmacSecret: TEST_HMAC_SECRET };
const BOTH: HttpIntakeConfig = { ...HMAC, token: TEST_TOKEN };

const ALERTMANAGER = () => httpFixture('http-api-alertmanager-base64'); // Bearer vigil-test-token, base64 body
const GRAFANA = () => httpFixture('http-function-url-grafana-hmac'); // signed with timestamp
const GENERIC = () => httpFixture('http-function-url-generic'); // no credentials

type Headers = Record<string, string | undefined>;

function withHeaders(event: APIGatewayProxyEventV2, headers: Headers): APIGatewayProxyEventV2 {
  const merged: Headers = { ...event.headers };
  for (const [name, value] of Object.entries(headers)) {
    for (const existing of Object.keys(merged))
      if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
    if (value !== undefined) merged[name] = value;
  }
  return { ...event, headers: merged };
}

function withBody(
  event: APIGatewayProxyEventV2,
  body: string | undefined,
  base64 = false,
): APIGatewayProxyEventV2 {
  const copy: APIGatewayProxyEventV2 = { ...event, isBase64Encoded: base64 };
  if (body === undefined) delete copy.body;
  else copy.body = base64 ? Buffer.from(body).toString('base64') : body;
  return copy;
}

function withMethod(event: APIGatewayProxyEventV2, method: string): APIGatewayProxyEventV2 {
  return {
    ...event,
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method } },
  };
}

function sign(body: string, timestamp?: number, secret = TEST_HMAC_SECRET): string {
  const prefix = timestamp === undefined ? '' : `${timestamp}:`;
  return createHmac('sha256', secret)
    .update(prefix + body)
    .digest('hex');
}

const grafanaBody = () => GRAFANA().body!;
const grafanaSignature = () => GRAFANA().headers['x-grafana-alerting-signature']!;

function outcome(result: HttpIntakeResult): string {
  return 'statusCode' in result
    ? `${result.statusCode} ${result.body}`
    : `accepted ${result.kind} ${result.alerts.length}`;
}

describe('handleHttpIntake: authentication', () => {
  it.each<[string, HttpIntakeConfig, () => APIGatewayProxyEventV2, string | RegExp, Date?]>([
    ['open intake accepts a request without credentials', OPEN, GENERIC, 'accepted generic 2'],
    ['open intake ignores credentials it does not need', OPEN, ALERTMANAGER, 'accepted alertmanager 2'],
    ['token: valid bearer token (base64 body)', TOKEN, ALERTMANAGER, 'accepted alertmanager 2'],
    [
      'token: scheme and header name in any case',
      TOKEN,
      () => withHeaders(ALERTMANAGER(), { AUTHORIZATION: `bearer ${TEST_TOKEN}` }),
      'accepted alertmanager 2',
    ],
    ['token: missing', TOKEN, GENERIC, '401 unauthorized: no Authorization: Bearer header'],
    [
      'token: wrong',
      TOKEN,
      () => withHeaders(ALERTMANAGER(), { authorization: 'Bearer nope' }),
      '401 unauthorized: invalid bearer token',
    ],
    [
      'token: a longer token is not a match',
      TOKEN,
      () => withHeaders(ALERTMANAGER(), { authorization: `Bearer ${TEST_TOKEN}x` }),
      '401 unauthorized: invalid bearer token',
    ],
    [
      'token: basic auth is not a bearer token',
      TOKEN,
      () => withHeaders(ALERTMANAGER(), { authorization: 'Basic dXNlcjpwYXNz' }),
      '401 unauthorized: Authorization header is not "Bearer <token>"',
    ],
    [
      'token: never from the query string',
      TOKEN,
      () => ({
        ...GENERIC(),
        rawQueryString: `token=${TEST_TOKEN}`,
        queryStringParameters: { token: TEST_TOKEN },
      }),
      '401 unauthorized: no Authorization: Bearer header',
    ],
    [
      'token: an empty configured token matches nothing',
      { ...OPEN, token: '' },
      () => withHeaders(GENERIC(), { authorization: 'Bearer x' }),
      '401 unauthorized: invalid bearer token',
    ],
    ['hmac: valid signature and timestamp', HMAC, GRAFANA, 'accepted grafana 1'],
    [
      'hmac: upper-case hex',
      HMAC,
      () => withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: grafanaSignature().toUpperCase() }),
      'accepted grafana 1',
    ],
    [
      'hmac: sha256= prefix',
      HMAC,
      () => withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: `sha256=${grafanaSignature()}` }),
      'accepted grafana 1',
    ],
    [
      'hmac: base64 body, signature over the decoded bytes',
      HMAC,
      () => withBody(GRAFANA(), grafanaBody(), true),
      'accepted grafana 1',
    ],
    [
      'hmac: configured header name in another case (grafana/alerting source default)',
      { ...HMAC, hmacHeader: 'x-grafana-alert-signature' },
      () =>
        withHeaders(GRAFANA(), {
          [SIGNATURE_HEADER]: undefined,
          'X-Grafana-Alert-Signature': grafanaSignature(),
        }),
      'accepted grafana 1',
    ],
    [
      'hmac: missing signature',
      HMAC,
      () => withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: undefined }),
      `401 unauthorized: no ${SIGNATURE_HEADER} header`,
    ],
    [
      'hmac: not hex',
      HMAC,
      () => withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: 'signed' }),
      `401 unauthorized: ${SIGNATURE_HEADER} is not a hex SHA-256 HMAC`,
    ],
    [
      'hmac: wrong signature',
      HMAC,
      () => withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: sign(grafanaBody(), SIGNED_AT, 'other-secret') }),
      '401 unauthorized: invalid signature',
    ],
    [
      'hmac: tampered body',
      HMAC,
      () => withBody(GRAFANA(), grafanaBody().replace('firing', 'resolved')),
      '401 unauthorized: invalid signature',
    ],
    [
      'hmac: a fresh timestamp on an old signature (replay)',
      HMAC,
      () => withHeaders(GRAFANA(), { [TIMESTAMP_HEADER]: String(SIGNED_AT + 3) }),
      '401 unauthorized: invalid signature',
    ],
    [
      'hmac: missing timestamp',
      HMAC,
      () => withHeaders(GRAFANA(), { [TIMESTAMP_HEADER]: undefined }),
      `401 unauthorized: no ${TIMESTAMP_HEADER} header`,
    ],
    [
      'hmac: timestamp not in seconds',
      HMAC,
      () => withHeaders(GRAFANA(), { [TIMESTAMP_HEADER]: '2026-08-23T05:00:00Z' }),
      `401 unauthorized: ${TIMESTAMP_HEADER} is not Unix seconds`,
    ],
    [
      'hmac: stale timestamp',
      HMAC,
      GRAFANA,
      `401 unauthorized: stale ${TIMESTAMP_HEADER}: 301s from now (max 300s)`,
      new Date((SIGNED_AT + 301) * 1000),
    ],
    [
      'hmac: timestamp from the future',
      HMAC,
      GRAFANA,
      `401 unauthorized: stale ${TIMESTAMP_HEADER}: 400s from now (max 300s)`,
      new Date((SIGNED_AT - 400) * 1000),
    ],
    [
      'hmac: exactly the allowed skew',
      HMAC,
      GRAFANA,
      'accepted grafana 1',
      new Date((SIGNED_AT + HMAC_TIMESTAMP_MAX_SKEW_SECONDS) * 1000),
    ],
    [
      'hmac without timestamp header: signature over the body alone',
      HMAC_NO_TIMESTAMP,
      () =>
        withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: sign(grafanaBody()), [TIMESTAMP_HEADER]: undefined }),
      'accepted grafana 1',
    ],
    [
      'hmac without timestamp header: a timestamped signature does not verify',
      HMAC_NO_TIMESTAMP,
      GRAFANA,
      '401 unauthorized: invalid signature',
    ],
    [
      'hmac: an empty configured secret matches nothing',
      { ...HMAC_NO_TIMESTAMP, hmacSecret: '' },
      () => withHeaders(GRAFANA(), { [SIGNATURE_HEADER]: sign(grafanaBody(), undefined, '') }),
      '401 unauthorized: invalid signature',
    ],
    ['both: bearer token alone suffices', BOTH, ALERTMANAGER, 'accepted alertmanager 2'],
    ['both: signature alone suffices', BOTH, GRAFANA, 'accepted grafana 1'],
    [
      'both: a wrong token does not spoil a valid signature',
      BOTH,
      () => withHeaders(GRAFANA(), { authorization: 'Bearer nope' }),
      'accepted grafana 1',
    ],
    [
      'both: neither',
      BOTH,
      GENERIC,
      `401 unauthorized: no Authorization: Bearer header; no ${SIGNATURE_HEADER} header`,
    ],
    [
      'both: both wrong',
      BOTH,
      () => withHeaders(GRAFANA(), { authorization: 'Bearer nope', [SIGNATURE_HEADER]: '0'.repeat(64) }),
      '401 unauthorized: invalid bearer token; invalid signature',
    ],
  ])('%s', (_case, config, event, expected, now = NOW) => {
    const result = handleHttpIntake(event(), config, now);
    expect(outcome(result)).toMatch(expected);
    if ('statusCode' in result) {
      expect(isOneLineReason(result.body)).toBe(true);
      expect(result.body).not.toContain(TEST_TOKEN);
      expect(result.body).not.toContain(TEST_HMAC_SECRET);
    }
  });
});

describe('handleHttpIntake: request checks', () => {
  const padTo = (bytes: number) => {
    const body = fixtureText('generic').trim();
    return body + ' '.repeat(bytes - Buffer.byteLength(body));
  };

  it.each<[string, HttpIntakeConfig, () => unknown, string | RegExp]>([
    ['GET', OPEN, () => withMethod(GENERIC(), 'GET'), '405 method GET not allowed: POST alerts'],
    ['PUT', OPEN, () => withMethod(GENERIC(), 'PUT'), '405 method PUT not allowed: POST alerts'],
    ['405 before authentication', TOKEN, () => withMethod(GENERIC(), 'DELETE'), /^405 /],
    ['method in lower case', OPEN, () => withMethod(GENERIC(), 'post'), 'accepted generic 2'],
    [
      'not an HTTP v2 event',
      OPEN,
      () => fixture('cloudwatch-sns-alarm'),
      '400 not an HTTP API v2 / Function URL event (no requestContext.http.method)',
    ],
    ['not even an object', OPEN, () => 'POST /', '400 not an HTTP API v2 / Function URL event'],
    [
      'body of exactly the limit',
      OPEN,
      () => withBody(GENERIC(), padTo(HTTP_BODY_MAX_BYTES)),
      'accepted generic 2',
    ],
    [
      'body one byte over the limit',
      OPEN,
      () => withBody(GENERIC(), padTo(HTTP_BODY_MAX_BYTES + 1)),
      `413 body exceeds ${HTTP_BODY_MAX_BYTES} bytes`,
    ],
    [
      'limit counted in UTF-8 bytes, not characters',
      OPEN,
      () => withBody(GENERIC(), '€'.repeat(400_000)),
      /^413 /,
    ],
    ['base64 body too long to decode', OPEN, () => withBody(GENERIC(), 'A'.repeat(2_000_000), true), /^413 /],
    [
      'base64 body that decodes one byte over the limit',
      OPEN,
      () => withBody(GENERIC(), padTo(HTTP_BODY_MAX_BYTES + 1), true),
      /^413 /,
    ],
    ['413 before authentication', TOKEN, () => withBody(GENERIC(), padTo(HTTP_BODY_MAX_BYTES + 1)), /^413 /],
    [
      'base64 flag on text that is not base64',
      OPEN,
      () => ({ ...GENERIC(), isBase64Encoded: true }),
      '400 body is marked base64 but is not base64',
    ],
    [
      'body that is not a string',
      OPEN,
      () => ({ ...GENERIC(), body: { alerts: [] } }),
      '400 body is not a string: not an HTTP API v2 / Function URL event',
    ],
    ['no body', OPEN, () => withBody(GENERIC(), undefined), '400 empty body: POST a JSON alert payload'],
    ['blank body', OPEN, () => withBody(GENERIC(), ' \n '), '400 empty body: POST a JSON alert payload'],
    ['no headers at all', OPEN, () => ({ ...GENERIC(), headers: undefined }), 'accepted generic 2'],
    [
      'a byte order mark',
      OPEN,
      () => withBody(GENERIC(), `\uFEFF${fixtureText('generic')}`),
      'accepted generic 2',
    ],
    [
      'not JSON',
      OPEN,
      () => withBody(GENERIC(), 'alert: disk full\nplease help'),
      /^400 body is not JSON: Unexpected token/,
    ],
    ['truncated JSON', OPEN, () => withBody(GENERIC(), '{"alerts":[{"labels":'), /^400 body is not JSON: /],
    ['a JSON array', OPEN, () => withBody(GENERIC(), '[]'), '400 expected a JSON object, got array'],
    [
      'an unrecognised object',
      OPEN,
      () => withBody(GENERIC(), '{"text":"disk full"}'),
      /^400 unrecognised payload: /,
    ],
    [
      'an SNS HTTP subscription confirmation',
      OPEN,
      () =>
        withBody(
          GENERIC(),
          JSON.stringify({
            Type: 'SubscriptionConfirmation',
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
          }),
        ),
      /^400 SNS HTTP\(S\) subscriptions are not supported/,
    ],
    [
      'an invalid alert list',
      OPEN,
      () => withBody(GENERIC(), '{"alerts":[{"labels":"x"}]}'),
      '400 generic: alerts[0]: labels: expected an object of strings',
    ],
    [
      '401 before 400: garbage from a stranger',
      TOKEN,
      () => withBody(GENERIC(), 'garbage'),
      '401 unauthorized: no Authorization: Bearer header',
    ],
    [
      'an EventBridge event POSTed by an API destination',
      OPEN,
      () => withBody(GENERIC(), fixtureText('eventbridge-alarm')),
      'accepted eventbridge 1',
    ],
  ])('%s', (_case, config, event, expected) => {
    const result = handleHttpIntake(event() as APIGatewayProxyEventV2, config, NOW);
    expect(outcome(result)).toMatch(expected);
    if ('statusCode' in result) expect(isOneLineReason(result.body)).toBe(true);
    else for (const alert of result.alerts) expect(alertProblems(alert)).toEqual([]);
  });

  it('returns the normalised alerts, kind and skipped parts', () => {
    const result = handleHttpIntake(ALERTMANAGER(), TOKEN, NOW);
    expect(result).toMatchObject({
      kind: 'alertmanager',
      alerts: [
        { status: 'firing', fingerprint: '1a30ba71cca2921f' },
        { status: 'resolved', fingerprint: '7c2f1d0e9a8b6c54' },
      ],
      skipped: [],
    });
  });

  it('applies the configured default severity', () => {
    const result = handleHttpIntake(GENERIC(), { ...OPEN, defaultSeverity: 'info' }, NOW);
    expect(result).toMatchObject({
      alerts: [
        { name: 'DiskFull', severity: 'warning' },
        { name: 'BackupLate', severity: 'info' },
      ],
    });
  });

  it('takes the webhook section of vigil.yml as its config', () => {
    const webhook = configSchema.parse({ webhook: { token: TEST_TOKEN } }).webhook;
    expect(outcome(handleHttpIntake(ALERTMANAGER(), webhook, NOW))).toBe('accepted alertmanager 2');
  });
});

describe('intakeWarnings', () => {
  it.each<[string, HttpIntakeConfig, string[]]>([
    [
      'open intake',
      OPEN,
      [
        'webhook intake is open: anyone who knows the URL can post alerts; set webhook.token or webhook.hmacSecret',
      ],
    ],
    ['token', TOKEN, []],
    ['hmac', HMAC, []],
    ['empty token', { ...OPEN, token: '' }, ['webhook.token is empty: no request can authenticate with it']],
    [
      'empty secret',
      { ...OPEN, hmacSecret: '' },
      ['webhook.hmacSecret is empty: no request can authenticate with it'],
    ],
    [
      'timestamp header without secret',
      { ...TOKEN, timestampHeader: TIMESTAMP_HEADER },
      ['webhook.timestampHeader is set without webhook.hmacSecret: it has no effect'],
    ],
  ])('%s', (_case, config, warnings) => {
    expect(intakeWarnings(config)).toEqual(warnings);
  });
});
