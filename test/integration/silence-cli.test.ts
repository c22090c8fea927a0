/**
 * `vigil silence add|list|expire` through the CLI's main(): against the SQLite file `vigil webhook serve` uses
 * (a silence added from the command line mutes what that server receives) and against a DynamoDB table (dynalite,
 * through the SDK's standard environment, as against a deployed stack); exit codes 0/1/2, --json, --help.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSilenceDuration } from '../../functions/cli/commands/silence';
import { main } from '../../functions/cli/main';
import { parseConfig } from '../../functions/config/load';
import { fileDeadLetterStore } from '../../functions/deadletter/file';
import { startWebhookServer } from '../../functions/intake/server';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { setFakeAwsEnv } from '../fakes/aws';
import { type Dynalite, startDynalite } from '../helpers/dynalite';
import { captureIo } from '../helpers/io';

const dir = mkdtempSync(join(tmpdir(), 'vigil-silence-cli-'));
let dynalite: Dynalite;
let restoreEnv: () => void;

beforeAll(async () => {
  dynalite = await startDynalite();
  restoreEnv = setFakeAwsEnv({ DYNAMODB: dynalite.url });
});
afterAll(async () => {
  restoreEnv?.();
  await dynalite?.close();
});

async function vigil(args: string[], env: NodeJS.ProcessEnv = { USER: 'carol' }) {
  const captured = captureIo(env);
  const code = await main(args, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

interface Listed {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
}

const listJson = async (store: string[], ...more: string[]) =>
  JSON.parse((await vigil(['silence', 'list', '--json', ...store, ...more])).out) as Listed[];

describe.each([
  ['a SQLite file (--state)', () => ['--state', join(dir, `state-${Math.random()}.db`)]],
  ['a DynamoDB table (--table)', async () => ['--table', await dynalite.createTable()]],
])('vigil silence on %s', (_where, storeArgs) => {
  it('adds, lists (table, --json, filter, --expired) and expires, with the exit codes of the convention', async () => {
    const store = await storeArgs();
    const added = await vigil([
      'silence',
      'add',
      'alertname=HighGoroutines',
      'target=one-api',
      '--for',
      '2h',
      '--comment',
      'deploy',
      ...store,
    ]);
    expect(added.code).toBe(0);
    const id = added.out.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.err).toMatch(/^silenced alertname="HighGoroutines" target="one-api" until /);

    const regex = await vigil([
      'silence',
      'add',
      'HighLatency',
      'target=~"mall-.*"',
      '--author',
      'dave',
      ...store,
    ]);
    expect(regex.code).toBe(0);

    const listed = await listJson(store);
    expect(listed.map((s) => [s.status.state, s.createdBy, s.comment, s.matchers])).toEqual([
      // Alertmanager's order: the silence ending first comes first (1h default before 2h).
      [
        'active',
        'dave',
        '',
        [
          { isEqual: true, isRegex: false, name: 'alertname', value: 'HighLatency' },
          { isEqual: true, isRegex: true, name: 'target', value: 'mall-.*' },
        ],
      ],
      [
        'active',
        'carol',
        'deploy',
        [
          { isEqual: true, isRegex: false, name: 'alertname', value: 'HighGoroutines' },
          { isEqual: true, isRegex: false, name: 'target', value: 'one-api' },
        ],
      ],
    ]);
    expect(Date.parse(listed[1]!.endsAt) - Date.parse(listed[1]!.startsAt)).toBe(2 * 3_600_000);
    expect((await listJson(store, 'alertname=HighGoroutines')).map((s) => s.id)).toEqual([id]);

    const table = await vigil(['silence', 'list', ...store]);
    expect(table.code).toBe(0);
    expect(table.out.split('\n')[0]).toMatch(
      /^ID\s+STATE\s+MATCHERS\s+STARTS\s+ENDS\s+CREATED BY\s+COMMENT$/,
    );
    expect(table.out).toMatch(
      new RegExp(
        `${id}\\s+active\\s+alertname="HighGoroutines" target="one-api"\\s+now\\s+in 2h\\s+carol\\s+deploy`,
      ),
    );

    const expired = await vigil(['silence', 'expire', id.slice(0, 8), ...store]);
    expect([expired.code, expired.out.trim()]).toEqual([0, `expired ${id}`]);
    expect((await listJson(store)).map((s) => s.id)).not.toContain(id);
    expect((await listJson(store, '--expired')).map((s) => [s.id, s.status.state])).toEqual([
      [id, 'expired'],
    ]);
    const again = await vigil(['silence', 'expire', id, ...store]);
    expect([again.code, again.out.trim()]).toEqual([0, `${id} had already expired`]);

    const unknown = await vigil(['silence', 'expire', '00000000-0000-4000-8000-000000000000', ...store]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^no silence 00000000-0000-4000-8000-000000000000 in /);
  });
});

describe('vigil silence usage', () => {
  const store = () => ['--state', join(dir, 'usage.db')];

  it.each([
    [['silence', 'add', '--for', '1h', ...store()], /give at least one matcher/],
    [['silence', 'add', 'a="b', ...store()], /unescaped double quote/],
    [['silence', 'add', 'team=~".*"', ...store()], /at least one matcher must not match the empty string/],
    [['silence', 'add', 'a=b', '--for', 'soon', ...store()], /--for must be a duration/],
    [['silence', 'add', 'a=b', '--until', 'tomorrow', ...store()], /--until must be an RFC 3339 time/],
    [
      ['silence', 'add', 'a=b', '--until', '2020-01-01T00:00:00Z', ...store()],
      /start time must be before end time/,
    ],
    [
      [
        'silence',
        'add',
        'a=b',
        '--start',
        '2019-12-31T00:00:00Z',
        '--until',
        '2020-01-01T00:00:00Z',
        ...store(),
      ],
      /end time can't be in the past/,
    ],
    [['silence', 'add', 'a=b', '--state', 'x.db', '--table', 't'], /either --state or --table/],
    [['silence', 'remove', 'x'], /unknown action "remove"/],
    [['silence'], /expected add, list or expire/],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await vigil(args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it('--help documents the actions, the stores and the exit codes', async () => {
    const help = await vigil(['silence', '--help']);
    expect(help.code).toBe(0);
    for (const text of [
      'vigil silence add',
      'vigil silence list',
      'vigil silence expire',
      '--state',
      '--table',
      'Exit 0',
    ])
      expect(help.out).toContain(text);
  });

  it('lists the maintenance windows of the config with the silences', async () => {
    const config = join(dir, 'windows.yml');
    writeFileSync(
      config,
      'routes:\n  - channels: [console]\nmaintenance:\n  - name: always\n    matchers: [\'target="db"\']\n    time_intervals: [{}]\n',
    );
    const table = await vigil(['silence', 'list', '--config', config, ...store()]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(
      /maintenance:always\s+active\s+target="db"\s+now\s+-\s+vigil\.yml\s+maintenance window always/,
    );
    const listed = JSON.parse(
      (await vigil(['silence', 'list', '--json', '--config', config, ...store()])).out,
    );
    expect(listed.map((s: { id: string }) => s.id)).toEqual(['maintenance:always']);
    expect((await vigil(['silence', 'list', '--expired', '--config', config, ...store()])).out).toMatch(
      /^no expired/,
    );
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'maintenance: [{ name: x }]\n');
    const warned = await vigil(['silence', 'list', '--config', broken, ...store()]);
    expect([warned.code, warned.err]).toEqual([
      0,
      expect.stringMatching(/^warning: maintenance windows not listed: \d+ problem/),
    ]);
  });

  it('an empty list says where it looked', async () => {
    const result = await vigil(['silence', 'list', ...store()]);
    expect([result.code, result.out.trim()]).toEqual([
      0,
      `no active or pending silences in SQLite file ${join(dir, 'usage.db')}`,
    ]);
  });

  it.each([
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['3d', 259_200_000],
    ['1w', 604_800_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['', undefined],
    ['2x', undefined],
    ['1.5h', undefined],
  ])('Alertmanager duration %j is %s ms', (text, ms) => {
    expect(parseSilenceDuration(text)).toBe(ms);
  });
});

describe('a silence added from the CLI mutes what vigil webhook serve receives on the same file', () => {
  it('the alert is recorded as silenced and not sent; VIGIL_ALERT_STATE_FILE chooses the file', async () => {
    const file = join(dir, 'served.db');
    const state = sqliteStateStore(file);
    const server = await startWebhookServer({
      config: parseConfig('alerts: { groupWait: 0 }\nroutes:\n  - channels: [console]\n'),
      deadLetters: fileDeadLetterStore(join(dir, 'dead-letters.jsonl')),
      state,
      port: 0,
      write: () => undefined,
    });
    try {
      const added = await vigil(['silence', 'add', 'alertname=DeployNoise'], {
        USER: 'erin',
        VIGIL_ALERT_STATE_FILE: file,
      });
      expect(added.code).toBe(0);
      const post = async (alertname: string) =>
        (await (
          await fetch(`${server.url}/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ alerts: [{ labels: { alertname } }] }),
          })
        ).json()) as { silenced?: number; channels: unknown[] };
      const muted = await post('DeployNoise');
      expect([muted.silenced, muted.channels]).toEqual([1, []]);
      const sent = await post('Other');
      expect([sent.silenced, sent.channels.length]).toEqual([undefined, 1]);
    } finally {
      await server.close();
      await state.close();
    }
  });
});
