/**
 * vigil's silences against the real thing: Debian's prometheus-alertmanager 0.25 and `vigil webhook serve` get the
 * same API requests, and must answer alike — the same status and, where vigil reproduces Alertmanager's message,
 * the same body; the same listing (fields, field order, states, sort order) for the same silences; the same
 * in-place updates and replacements. Then the same silences and alerts: the alerts Alertmanager reports silenced
 * (and by which silences) are exactly those vigil's silencer mutes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { startWebhookServer, type WebhookServer } from '../../functions/intake/server';
import type { AlertStateStore } from '../../functions/state/item-store';
import { listSilences, silencer } from '../../functions/state/silences';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { type Peer, startAlertmanager } from '../helpers/processes';

const TOKEN = 'am-diff-token-0a1b2c3d';
const HOUR = 3_600_000;

let alertmanager: Peer & { url: string };
let vigil: WebhookServer;
let state: AlertStateStore;

async function start(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-silences-'));
  state = sqliteStateStore(join(dir, 'state.db'));
  [alertmanager, vigil] = await Promise.all([
    startAlertmanager(
      JSON.stringify({ route: { receiver: 'none', group_wait: '1h' }, receivers: [{ name: 'none' }] }),
    ),
    startWebhookServer({
      config: parseConfig(`webhook: { token: ${TOKEN} }\nroutes:\n  - channels: [console]\n`),
      deadLetters: fileDeadLetterStore(join(dir, 'dead-letters.jsonl')),
      state,
      port: 0,
      write: () => undefined,
    }),
  ]);
}
const amUrl = () => alertmanager.url;

beforeAll(start);
afterAll(async () => {
  await Promise.all([alertmanager?.stop(), vigil?.close()]);
  await state?.close();
});

interface Answer {
  status: number;
  body: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}/api/v2/${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? '' : JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed };
}

const both = (method: string, path: string, body?: unknown) =>
  Promise.all([call(amUrl(), method, path, body), call(vigil.url, method, path, body)]);

const at = (offset: number) => new Date(Date.now() + offset).toISOString();
const silenceBody = (overrides: Record<string, unknown> = {}) => ({
  matchers: [{ name: 'alertname', value: 'HighGoroutines', isRegex: false }],
  startsAt: at(0),
  endsAt: at(2 * HOUR),
  createdBy: 'alice',
  comment: 'deploy',
  ...overrides,
});
const UNKNOWN_ID = '7b1c5a4e-0000-4000-8000-000000000001';

/** How an answer is compared: the whole body, or what kind of body it is (and its `code`, for swagger errors). */
type Compare = 'exact' | 'kind';

const kind = (body: unknown) =>
  typeof body === 'string'
    ? { string: body === '' ? 'empty' : 'text' }
    : { code: (body as { code?: number }).code, message: typeof (body as { message?: unknown }).message };

describe('the silence API, compared with Alertmanager 0.25', () => {
  it.each<[string, string, string, unknown, Compare]>([
    [
      'an end in the past',
      'POST',
      'silences',
      silenceBody({ startsAt: at(-2 * HOUR), endsAt: at(-HOUR) }),
      'exact',
    ],
    ['a start after the end', 'POST', 'silences', silenceBody({ startsAt: at(3 * HOUR) }), 'exact'],
    ['no matchers', 'POST', 'silences', silenceBody({ matchers: [] }), 'exact'],
    ['no comment', 'POST', 'silences', { ...silenceBody(), comment: undefined }, 'exact'],
    ['no createdBy', 'POST', 'silences', { ...silenceBody(), createdBy: undefined }, 'exact'],
    ['no startsAt', 'POST', 'silences', { ...silenceBody(), startsAt: undefined }, 'exact'],
    [
      'a matcher without isRegex',
      'POST',
      'silences',
      silenceBody({ matchers: [{ name: 'a', value: 'b' }] }),
      'exact',
    ],
    [
      'a matcher without name',
      'POST',
      'silences',
      silenceBody({ matchers: [{ value: 'b', isRegex: false }] }),
      'exact',
    ],
    [
      'matchers that all match the empty string',
      'POST',
      'silences',
      silenceBody({
        matchers: [
          { name: 'a', value: '', isRegex: false },
          { name: 'b', value: '.*', isRegex: true },
        ],
      }),
      'exact',
    ],
    [
      'an invalid label name',
      'POST',
      'silences',
      silenceBody({ matchers: [{ name: '1a', value: 'b', isRegex: false }] }),
      'exact',
    ],
    // Go's and JavaScript's regex errors are worded differently: the kind of answer must agree.
    [
      'an invalid regex',
      'POST',
      'silences',
      silenceBody({ matchers: [{ name: 'a', value: '(', isRegex: true }] }),
      'kind',
    ],
    ['an unknown id', 'POST', 'silences', silenceBody({ id: UNKNOWN_ID }), 'exact'],
    ['a body that is not JSON', 'POST', 'silences', 'notjson', 'kind'],
    ['an empty body', 'POST', 'silences', '', 'exact'],
    ['a time that is not RFC 3339', 'POST', 'silences', silenceBody({ startsAt: 'yesterday' }), 'kind'],
    [
      'a boolean that is a string',
      'POST',
      'silences',
      silenceBody({ matchers: [{ name: 'a', value: 'b', isRegex: 'no' }] }),
      'kind',
    ],
    ['an array body', 'POST', 'silences', '[]', 'kind'],
    ['a silence id that is no UUID', 'GET', 'silence/abc', undefined, 'exact'],
    ['an unknown silence', 'GET', `silence/${UNKNOWN_ID}`, undefined, 'kind'],
    ['a filter that is no matcher', 'GET', 'silences?filter=bad', undefined, 'exact'],
    [
      'a filter with a stray quote',
      'GET',
      `silences?filter=${encodeURIComponent('a=~"(')}`,
      undefined,
      'exact',
    ],
    // Alertmanager lists the allowed methods in Go's map order, which changes from run to run.
    ['PUT on silences', 'PUT', 'silences', undefined, 'kind'],
    ['POST on one silence', 'POST', `silence/${UNKNOWN_ID}`, undefined, 'kind'],
    ['an unknown path', 'GET', 'nothing', undefined, 'exact'],
  ])('%s: %s %s', async (_what, method, path, body, compare) => {
    const [theirs, ours] = await both(method, path, body);
    expect(ours.status).toBe(theirs.status);
    if (compare === 'exact') expect(ours.body).toEqual(theirs.body);
    else {
      // vigil always says why (Alertmanager's 404 for an unknown silence is empty).
      expect(kind(ours.body)).toEqual(
        kind(theirs.body).string === 'empty' ? { string: 'text' } : kind(theirs.body),
      );
    }
  });

  it('lists the same silences alike: fields in order, states, sort order, filters, updates and replacements', async () => {
    const ids: [string, string][] = [];
    const post = async (body: unknown) => {
      const [theirs, ours] = await both('POST', 'silences', body);
      expect([theirs.status, ours.status]).toEqual([200, 200]);
      const pair: [string, string] = [
        (theirs.body as { silenceID: string }).silenceID,
        (ours.body as { silenceID: string }).silenceID,
      ];
      ids.push(pair);
      return pair;
    };
    const short = await post(silenceBody({ endsAt: at(HOUR), comment: 'short' }));
    await post(
      silenceBody({
        comment: 'long',
        matchers: [{ name: 'target', value: 'one-.*', isRegex: true, isEqual: false }],
      }),
    );
    const pending = await post(silenceBody({ startsAt: at(HOUR), endsAt: at(3 * HOUR), comment: 'pending' }));
    const gone = await post(silenceBody({ comment: 'expired' }));
    // Start in the past: moved to now.
    await post(silenceBody({ startsAt: at(-HOUR), comment: 'past start' }));
    for (const [i, id] of gone.entries())
      expect((await call([amUrl(), vigil.url][i]!, 'DELETE', `silence/${id}`)).status).toBe(200);
    // In place: an active silence's end moves; a pending one's start and end move.
    const [extendTheirs, extendOurs] = await Promise.all(
      short.map((id, i) =>
        call(
          [amUrl(), vigil.url][i]!,
          'POST',
          'silences',
          silenceBody({ id, endsAt: at(90 * 60_000), comment: 'short' }),
        ),
      ),
    );
    expect([extendTheirs!.body, extendOurs!.body]).toEqual([
      { silenceID: short[0] },
      { silenceID: short[1] },
    ]);
    await Promise.all(
      pending.map((id, i) =>
        call(
          [amUrl(), vigil.url][i]!,
          'POST',
          'silences',
          silenceBody({ id, startsAt: at(2 * HOUR), endsAt: at(4 * HOUR), comment: 'pending' }),
        ),
      ),
    );
    // New matchers on an existing id: a new silence replaces it, the old one is expired.
    const replaced = await Promise.all(
      pending.map(
        async (id, i) =>
          (
            (
              await call(
                [amUrl(), vigil.url][i]!,
                'POST',
                'silences',
                silenceBody({
                  id,
                  matchers: [{ name: 'alertname', value: 'Other', isRegex: false }],
                  comment: 'replacement',
                }),
              )
            ).body as { silenceID: string }
          ).silenceID,
      ),
    );
    expect(replaced[0]).not.toBe(pending[0]);
    expect(replaced[1]).not.toBe(pending[1]);
    ids.push(replaced as [string, string]);

    const normalise = (list: unknown, side: 0 | 1) =>
      (list as Record<string, unknown>[]).map((silence) => ({
        keys: Object.keys(silence),
        id: ids.findIndex((pair) => pair[side] === silence.id),
        state: (silence.status as { state: string }).state,
        comment: silence.comment,
        matchers: (silence.matchers as Record<string, unknown>[]).map((m) => ({
          keys: Object.keys(m),
          ...m,
        })),
        // Times are the servers' own clocks: compared to the minute.
        startsAt: String(silence.startsAt).slice(0, 16),
        endsAt: String(silence.endsAt).slice(0, 16),
        updatedAt: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(String(silence.updatedAt)),
      }));
    const [theirs, ours] = await both('GET', 'silences');
    expect(normalise(ours.body, 1)).toEqual(normalise(theirs.body, 0));
    expect(normalise(ours.body, 1).map((s) => s.state)).toEqual([
      'active',
      'active',
      'active',
      'active',
      'expired',
      'expired',
    ]);

    const filter = `silences?filter=${encodeURIComponent('alertname="HighGoroutines"')}&filter=${encodeURIComponent('alertname!=x')}`;
    const [theirsFiltered, oursFiltered] = await both('GET', filter);
    expect(normalise(oursFiltered.body, 1)).toEqual(normalise(theirsFiltered.body, 0));
    const [theirsOne, oursOne] = await Promise.all(
      short.map((id, i) => call([amUrl(), vigil.url][i]!, 'GET', `silence/${id}`)),
    );
    expect(normalise([oursOne!.body], 1)).toEqual(normalise([theirsOne!.body], 0));
  });

  it('mutes exactly the alerts Alertmanager reports silenced, by the same silences', async () => {
    // Clear the slate: expire everything listed so far on both sides.
    for (const base of [amUrl(), vigil.url]) {
      for (const silence of (await call(base, 'GET', 'silences')).body as {
        id: string;
        status: { state: string };
      }[])
        if (silence.status.state !== 'expired') await call(base, 'DELETE', `silence/${silence.id}`);
    }
    const matcherSets = [
      [
        ['alertname', '=', 'HighGoroutines'],
        ['target', '=~', 'one-.*'],
      ],
      [
        ['alertname', '=~', 'High.*'],
        ['target', '!=', 'db'],
      ],
      [
        ['severity', '!~', 'critical|emergency'],
        ['alertname', '=', 'DiskLow'],
      ],
      [
        ['alertname', '=~', '(?i)disk.*'],
        ['dc', '=', 'eu1'],
      ],
      [
        ['alertname', '=', 'Partial'],
        ['team', '!=', ''],
      ],
      [
        ['alertname', '=~', 'Anchored'],
        ['x', '=~', 'a|'],
      ],
      [
        ['alertname', '=', 'NoTeam'],
        ['team', '=', ''],
      ],
    ] as const;
    const pairs: [string, string][] = [];
    for (const set of matcherSets) {
      const body = silenceBody({
        matchers: set.map(([name, op, value]) => ({
          name,
          value,
          isRegex: op.includes('~'),
          isEqual: !op.startsWith('!'),
        })),
      });
      const [theirs, ours] = await both('POST', 'silences', body);
      pairs.push([
        (theirs.body as { silenceID: string }).silenceID,
        (ours.body as { silenceID: string }).silenceID,
      ]);
    }
    const alerts: Record<string, string>[] = [
      { alertname: 'HighGoroutines', target: 'one-api' },
      { alertname: 'HighGoroutines', target: 'db' },
      { alertname: 'HighGoroutines', target: 'mall-go' },
      { alertname: 'HighLatency', target: 'one-api' },
      { alertname: 'LowGoroutines', target: 'one-api' },
      { alertname: 'DiskLow', severity: 'warning' },
      { alertname: 'DiskLow', severity: 'critical' },
      { alertname: 'DiskLow' },
      { alertname: 'DISKFULL', dc: 'eu1' },
      { alertname: 'diskfull', dc: 'us1' },
      { alertname: 'Partial', team: 'payments' },
      { alertname: 'Partial' },
      { alertname: 'AnchoredNot' },
      { alertname: 'Anchored', x: 'b' },
      { alertname: 'Anchored' },
      { alertname: 'NoTeam' },
      { alertname: 'NoTeam', team: 'search' },
    ];
    const now = Date.now();
    const posted = await fetch(`${amUrl()}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        alerts.map((labels) => ({
          labels,
          startsAt: new Date(now - 60_000).toISOString(),
          endsAt: new Date(now + HOUR).toISOString(),
        })),
      ),
    });
    expect(posted.status).toBe(200);
    const listed = (await (
      await fetch(`${amUrl()}/api/v2/alerts?silenced=true&inhibited=true&active=true`)
    ).json()) as {
      labels: Record<string, string>;
      status: { silencedBy: string[] };
    }[];
    const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
    const index = (side: 0 | 1) => (ids: readonly string[]) =>
      ids.map((id) => pairs.findIndex((pair) => pair[side] === id)).sort();
    const theirs = Object.fromEntries(
      listed.map((alert) => [key(alert.labels), index(0)(alert.status.silencedBy)]),
    );
    const silencedBy = silencer(await listSilences(state, Date.now()), [], Date.now());
    const ours = Object.fromEntries(alerts.map((labels) => [key(labels), index(1)(silencedBy(labels))]));
    expect(ours).toEqual(theirs);
    // The comparison means something: some alerts are muted, some by two silences, some by none.
    const counts = Object.values(ours).map((list) => list.length);
    expect(counts).toContain(0);
    expect(counts).toContain(1);
    expect(counts).toContain(2);
  });
});
