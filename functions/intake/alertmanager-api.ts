/**
 * Alertmanager's API v2 silence endpoints on the webhook URL (api/v2/openapi.yaml, 0.25), so `amtool silence
 * add/query/update/expire --alertmanager.url=<webhook URL>` manages vigil's silences (state/silences.ts); the alert
 * endpoints (/api/v2/alerts, /alerts/groups) are not served: alerts come in through the intake. Served by the Lambda's Function URL and by `vigil webhook serve` / `vigil dev`
 * through the same handleWebhookEvent, behind the intake's credentials (auth.ts: the bearer token, which amtool
 * sends with `--http.config.file`).
 *
 *   GET    /api/v2/status              what amtool's version check reads
 *   GET    /api/v2/silences?filter=…   every kept silence, in Alertmanager's order, filtered by matchers
 *   POST   /api/v2/silences            create, or update by id; answers {"silenceID": …}
 *   GET    /api/v2/silence/{id}
 *   DELETE /api/v2/silence/{id}        expire
 *
 * Answers have Alertmanager's shapes, field order included: a refusal by the handler is a JSON string (400, 404),
 * one by request validation `{"code":…,"message":…}` (400 unparsable, 422 missing or invalid field, 404 unknown
 * path, 405 method). One divergence: Alertmanager 0.25 answers DELETE of an unknown id with 500; this answers 404,
 * as later Alertmanager releases do.
 */
import type { AlertStateStore } from '../state/item-store';
import { fromApiMatcher, type Matcher, MatcherError, parseMatcher, toApiMatcher } from '../state/matchers';
import {
  expireSilence,
  getSilence,
  type ListedSilence,
  listSilences,
  matchesFilter,
  type SilenceRequest,
  setSilence,
} from '../state/silences';
import { VERSION } from '../version';
import { authenticate, type HttpIntakeConfig, headerMap } from './auth';
import { httpPath } from './detect';
import { rawBodyOf } from './http-request';
import { isRecord, reason } from './normalize';

export const ALERTMANAGER_API_PREFIX = '/api/v2/';
/** The Alertmanager release whose API this mirrors: amtool warns when its own major.minor differs. */
export const ALERTMANAGER_API_VERSION = '0.25.0';

export interface ApiAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiContext {
  state: AlertStateStore;
  intake: HttpIntakeConfig;
  now: Date;
}

/** When this process (Lambda container, local server) started: the status endpoint's uptime. */
const STARTED_AT = new Date(Date.now() - process.uptime() * 1000);

// go-swagger's strfmt: a UUID, dashes optional.
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function isAlertmanagerApiPath(path: string): boolean {
  return path.startsWith(ALERTMANAGER_API_PREFIX);
}

function answer(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** go-swagger's error body: `{"code":602,"message":"comment in body is required"}`, one line. */
function swaggerError(statusCode: number, code: number, message: string, headers?: Record<string, string>) {
  return answer(statusCode, { code, message: reason(message) }, headers);
}

/** A handler's refusal: a JSON string, as Alertmanager's BadRequest / NotFound payloads are. */
function refusal(statusCode: number, message: string): ApiAnswer {
  return answer(statusCode, reason(message));
}

/** The silence in the API's shape and field order (gettableSilence). */
export function gettableSilence(silence: ListedSilence) {
  return {
    id: silence.id,
    status: { state: silence.state },
    updatedAt: silence.updatedAt,
    comment: silence.comment,
    createdBy: silence.createdBy,
    endsAt: silence.endsAt,
    matchers: silence.matchers.map(toApiMatcher),
    startsAt: silence.startsAt,
  };
}

function status() {
  return {
    cluster: { peers: [], status: 'disabled' },
    // Never vigil.yml itself: it may name secrets. amtool `config show` prints this.
    config: {
      original: '# vigil: silences are served from the alert state; the configuration is vigil.yml\n',
    },
    uptime: STARTED_AT.toISOString(),
    versionInfo: {
      branch: 'vigil',
      buildDate: '',
      buildUser: 'vigil',
      goVersion: '',
      revision: `vigil ${VERSION}`,
      version: `${ALERTMANAGER_API_VERSION}+vigil.${VERSION.replace(/[^0-9A-Za-z.-]/g, '-')}`,
    },
  };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; answer: ApiAnswer };

const parseFailure = (because: string): Parsed<never> => ({
  ok: false,
  answer: swaggerError(400, 400, `parsing silence body from "" failed, because ${because}`),
});
const missing = (field: string): Parsed<never> => ({
  ok: false,
  answer: swaggerError(422, 602, `${field} in body is required`),
});

/** postableSilence from a request body, checked as go-swagger checks it (types 400, required fields 422). */
function postable(text: string): Parsed<SilenceRequest> {
  if (text.trim() === '') return missing('silence');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return parseFailure((error as Error).message);
  }
  if (!isRecord(body))
    return parseFailure(`a silence is a JSON object, not ${Array.isArray(body) ? 'an array' : typeof body}`);
  const present = (key: string) => body[key] !== undefined && body[key] !== null;
  const wrongType = (field: string, wanted: string) => parseFailure(`${field} is not ${wanted}`);
  for (const field of ['id', 'createdBy', 'comment', 'startsAt', 'endsAt'] as const)
    if (present(field) && typeof body[field] !== 'string') return wrongType(field, 'a string');
  if (present('matchers') && !Array.isArray(body.matchers)) return wrongType('matchers', 'an array');
  const times: Record<'startsAt' | 'endsAt', number | undefined> = { startsAt: undefined, endsAt: undefined };
  for (const field of ['startsAt', 'endsAt'] as const) {
    if (!present(field)) continue;
    const value = body[field] as string;
    const ms = Date.parse(value);
    if (!RFC3339_RE.test(value) || Number.isNaN(ms))
      return parseFailure(`parsing time ${JSON.stringify(value)}: not an RFC 3339 date-time`);
    times[field] = ms;
  }
  const matchers: Matcher[] = [];
  for (const [index, raw] of ((body.matchers as unknown[] | undefined) ?? []).entries()) {
    if (!isRecord(raw)) return wrongType(`matchers.${index}`, 'an object');
    for (const key of ['name', 'value'] as const)
      if (raw[key] !== undefined && raw[key] !== null && typeof raw[key] !== 'string')
        return wrongType(`matchers.${index}.${key}`, 'a string');
    for (const key of ['isRegex', 'isEqual'] as const)
      if (raw[key] !== undefined && raw[key] !== null && typeof raw[key] !== 'boolean')
        return wrongType(`matchers.${index}.${key}`, 'a boolean');
  }
  // Required fields, in go-swagger's (alphabetical) order.
  if (!present('comment')) return missing('comment');
  if (!present('createdBy')) return missing('createdBy');
  if (times.endsAt === undefined) return missing('endsAt');
  if (!present('matchers')) return missing('matchers');
  const list = body.matchers as Record<string, unknown>[];
  if (list.length === 0)
    return { ok: false, answer: swaggerError(422, 612, 'matchers in body should have at least 1 items') };
  for (const [index, raw] of list.entries()) {
    for (const key of ['isRegex', 'name', 'value'] as const)
      if (raw[key] === undefined || raw[key] === null) return missing(`matchers.${index}.${key}`);
    matchers.push(
      fromApiMatcher({
        name: raw.name as string,
        value: raw.value as string,
        isRegex: raw.isRegex as boolean,
        // The spec's default.
        isEqual: (raw.isEqual as boolean | undefined) ?? true,
      }),
    );
  }
  if (times.startsAt === undefined) return missing('startsAt');
  return {
    ok: true,
    value: {
      ...(present('id') && body.id !== '' ? { id: body.id as string } : {}),
      matchers,
      startsAt: times.startsAt,
      endsAt: times.endsAt,
      createdBy: body.createdBy as string,
      comment: body.comment as string,
    },
  };
}

function methodOf(event: Record<string, unknown>): string {
  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const http = isRecord(context.http) ? context.http : {};
  const method = http.method ?? event.httpMethod;
  return typeof method === 'string' ? method.toUpperCase() : 'GET';
}

/** Every `filter` query parameter (repeated: `filter=a&filter=b`), from the raw query string. */
function filtersOf(event: Record<string, unknown>): string[] {
  if (typeof event.rawQueryString === 'string')
    return new URLSearchParams(event.rawQueryString).getAll('filter');
  const multi = event.multiValueQueryStringParameters;
  if (isRecord(multi) && Array.isArray(multi.filter))
    return multi.filter.filter((v) => typeof v === 'string');
  return [];
}

interface Route {
  methods: readonly string[];
  run: (method: string, event: Record<string, unknown>, ctx: ApiContext, id?: string) => Promise<ApiAnswer>;
}

const STATUS: Route = { methods: ['GET'], run: async () => answer(200, status()) };

const SILENCES: Route = {
  methods: ['POST', 'GET'],
  async run(method, event, ctx) {
    const now = ctx.now.getTime();
    if (method === 'GET') {
      const filter: Matcher[] = [];
      for (const text of filtersOf(event)) {
        try {
          filter.push(parseMatcher(text));
        } catch (error) {
          if (error instanceof MatcherError) return refusal(400, error.message);
          throw error;
        }
      }
      const listed = await listSilences(ctx.state, now);
      return answer(200, listed.filter((silence) => matchesFilter(silence, filter)).map(gettableSilence));
    }
    const body = rawBodyOf(event);
    if (!Buffer.isBuffer(body)) return swaggerError(body.statusCode, body.statusCode, body.body);
    const request = postable(body.toString('utf8').replace(/^\uFEFF/, ''));
    if (!request.ok) return request.answer;
    const outcome = await setSilence(ctx.state, request.value, now);
    return outcome.ok ? answer(200, { silenceID: outcome.id }) : refusal(outcome.status, outcome.message);
  },
};

const SILENCE: Route = {
  methods: ['GET', 'DELETE'],
  async run(method, _event, ctx, id = '') {
    if (!UUID_RE.test(id))
      return swaggerError(422, 601, `silenceID in path must be of type uuid: ${JSON.stringify(id)}`);
    const now = ctx.now.getTime();
    if (method === 'GET') {
      const silence = await getSilence(ctx.state, id, now);
      return silence ? answer(200, gettableSilence(silence)) : refusal(404, 'silence not found');
    }
    const expired = await expireSilence(ctx.state, id, now);
    return expired === 'not-found' ? refusal(404, 'silence not found') : answer(200, undefined);
  },
};

function routeOf(path: string): { route: Route; id?: string } | { malformed: string } | undefined {
  const rest = path.slice(ALERTMANAGER_API_PREFIX.length).replace(/\/$/, '');
  if (rest === 'status') return { route: STATUS };
  if (rest === 'silences') return { route: SILENCES };
  const single = /^silence\/([^/]+)$/.exec(rest);
  if (!single) return undefined;
  try {
    return { route: SILENCE, id: decodeURIComponent(single[1]!) };
  } catch {
    return { malformed: `silenceID in path must be of type uuid: ${JSON.stringify(single[1])}` };
  }
}

/** One API request (an HTTP API v2 / Function URL event under /api/v2/) to its answer. */
export async function handleAlertmanagerApi(event: unknown, ctx: ApiContext): Promise<ApiAnswer> {
  const request = isRecord(event) ? event : {};
  const path = httpPath(request);
  const method = methodOf(request);
  // Credentials first: an unauthenticated caller learns nothing, not even which paths exist.
  const body = rawBodyOf(request);
  const unauthorized = authenticate(
    headerMap(request.headers),
    Buffer.isBuffer(body) ? body : Buffer.alloc(0),
    ctx.intake,
    ctx.now,
  );
  if (unauthorized !== undefined) return swaggerError(401, 401, unauthorized);
  const found = routeOf(path);
  if (!found) return swaggerError(404, 404, `path ${path} was not found`);
  // A malformed %-escape cannot be a uuid: what the id check below answers, before decoding could throw.
  if ('malformed' in found) return swaggerError(422, 601, found.malformed);
  if (!found.route.methods.includes(method))
    return swaggerError(
      405,
      405,
      `method ${method} is not allowed, but [${found.route.methods.join(',')}] are`,
      { allow: found.route.methods.join(', ') },
    );
  try {
    return await found.route.run(method, request, ctx, found.id);
  } catch (error) {
    // The state store failed (not a conflict: those are retried inside): Alertmanager's InternalServerError.
    return refusal(500, `${ctx.state.description}: ${(error as Error).message}`);
  }
}
