/**
 * Stories of silences and maintenance windows, each run against dynalite and the local SQLite store: alerts fed one
 * by one, silences set and expired on the story's clock, the sweep run, and after each step exactly the messages
 * that went out. Two channels (`ops`, `team`) are generic webhooks on loopback fakes.
 */
import { ALERT_PARTITION, type AlertRecord, RESOLVED_PARTITION } from '../../../functions/state/alerts';
import { parseMatcher } from '../../../functions/state/matchers';
import { expireSilence, type SilenceRequest, setSilence } from '../../../functions/state/silences';
import {
  cloudwatchAlert,
  freshStore,
  labelledAlert,
  type StoreKind,
  type StoryWorld,
  storyPeers,
  storyWorld,
  T0,
} from '../../helpers/stories';

const peers = storyPeers();

const MINUTE = 60_000;
const STORES: StoreKind[] = ['dynalite', 'sqlite'];
const drain = peers.drain;

/** groupWait 0 sends each change at once; stories of alerts arriving together use the default wait. */
function yaml(extra = '', routes = '  - channels: [ops]\n', groupWait = '0') {
  return `channels:
  ops: { type: webhook, url: "${peers.ops.url}" }
  team: { type: webhook, url: "${peers.team.url}" }
routes:
${routes}alerts: { groupWait: ${groupWait} }
${extra}`;
}

async function world(kind: StoreKind, config = yaml()): Promise<StoryWorld> {
  const clock = { t: T0 };
  drain();
  return storyWorld(config, await freshStore(kind, peers.dynalite, () => clock.t), clock);
}

const goroutines = (target = 'one-api', extra: Record<string, string> = {}) => ({
  alertname: 'HighGoroutines',
  target,
  ...extra,
});
const firing = (labels: Record<string, string>, at: number) => labelledAlert(labels, 'firing', T0 + at);
const resolved = (labels: Record<string, string>, from: number, at: number) =>
  labelledAlert(labels, 'resolved', T0 + from, T0 + at);

/** Silences `matchers` (amtool syntax) from now for `minutes`. */
async function silence(
  w: StoryWorld,
  matchers: string[],
  minutes: number,
  more: Partial<SilenceRequest> = {},
): Promise<string> {
  const now = w.clock.now();
  const outcome = await setSilence(
    w.state,
    {
      matchers: matchers.map(parseMatcher),
      endsAt: (more.startsAt ?? now) + minutes * MINUTE,
      createdBy: 'story',
      comment: 'deploy',
      ...more,
    },
    now,
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.id;
}

async function record(w: StoryWorld, fingerprint: string): Promise<AlertRecord | undefined> {
  return (
    (await w.state.get<AlertRecord>(ALERT_PARTITION, fingerprint))?.value ??
    (await w.state.get<AlertRecord>(RESOLVED_PARTITION, fingerprint))?.value
  );
}
const fp = (labels: Record<string, string>) => labelledAlert(labels, 'firing', T0).fingerprint;

describe.each(STORES)('silences on %s', (kind) => {
  it('silence before firing: nothing is sent, the record says which silence; its resolution says nothing either', async () => {
    const w = await world(kind);
    const id = await silence(w, ['alertname=HighGoroutines', 'target=one-api'], 120);
    const [report] = await w.send(firing(goroutines(), 0));
    expect(drain()).toEqual([]);
    expect(report!.silenced).toBe(1);
    expect(report!.applied).toEqual({ firing: 1 });
    const muted = await record(w, fp(goroutines()));
    expect([muted?.status, muted?.silencedBy, muted?.messages]).toEqual(['firing', [id], 0]);

    w.clock.advance(30 * MINUTE);
    await w.send(resolved(goroutines(), 0, 30 * MINUTE));
    w.clock.advance(120 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
    const after = await record(w, fp(goroutines()));
    // The lifecycle is kept: it fired and resolved, while silenced, and no message went out.
    expect([after?.status, after?.silencedBy, after?.messages]).toEqual(['resolved', [id], 0]);
  });

  it('silence during firing: reminders stop; when the silence is expired while it fires, it is notified again', async () => {
    const w = await world(kind, yaml('', '  - channels: [ops]\n    repeat: 10m\n'));
    await w.send(firing(goroutines(), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    w.clock.advance(5 * MINUTE);
    const id = await silence(w, ['alertname=HighGoroutines'], 120);
    for (let minute = 6; minute <= 40; minute++) {
      w.clock.set(T0 + minute * MINUTE);
      await w.sweep();
    }
    expect(drain()).toEqual([]);
    expect((await record(w, fp(goroutines())))?.silencedBy).toEqual([id]);
    expect(await expireSilence(w.state, id, w.clock.now())).toBe('expired');
    w.clock.advance(MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    // Reminders resume from that message.
    w.clock.advance(10 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    await w.send(resolved(goroutines(), 0, 52 * MINUTE));
    expect(drain()).toEqual(['ops: RESOLVED HighGoroutines']);
  });

  it('silence expiring while firing: the alert it hid is sent at the first sweep after its end, on every channel', async () => {
    const w = await world(kind, yaml('', '  - channels: [ops, team]\n'));
    await silence(w, ['target=one-api'], 30);
    w.clock.advance(5 * MINUTE);
    await w.send(firing(goroutines(), 5 * MINUTE));
    w.clock.set(T0 + 29 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
    w.clock.set(T0 + 30 * MINUTE);
    const report = await w.sweep();
    expect(drain()).toEqual(['ops: FIRING HighGoroutines', 'team: FIRING HighGoroutines']);
    expect(report.silenced).toBe(0);
    expect((await record(w, fp(goroutines())))?.silencedBy).toBeUndefined();
    w.clock.advance(MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
  });

  it('resolution while silenced: a firing told before the silence is resolved when the silence ends, with its real duration', async () => {
    const w = await world(kind);
    await w.send(firing(goroutines(), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    w.clock.advance(2 * MINUTE);
    await silence(w, ['alertname=HighGoroutines'], 60);
    w.clock.advance(8 * MINUTE);
    await w.send(resolved(goroutines(), 0, 10 * MINUTE));
    expect(drain()).toEqual([]);
    w.clock.set(T0 + 61 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
    w.clock.set(T0 + 62 * MINUTE);
    await w.sweep();
    const [message] = peers.ops.requests.splice(0);
    expect(message).toBeDefined();
    const [alert] = (message!.json as { alerts: { status: string; startsAt: string; endsAt: string }[] })
      .alerts;
    expect([alert?.status, alert?.startsAt, alert?.endsAt]).toEqual([
      'resolved',
      new Date(T0).toISOString(),
      new Date(T0 + 10 * MINUTE).toISOString(),
    ]);
    w.clock.advance(MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
  });

  it('a resolution held by a two-day silence is still sent when it ends (the record outlives its 24 h)', async () => {
    const w = await world(kind);
    await w.send(firing(goroutines(), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    await silence(w, ['alertname=HighGoroutines'], 48 * 60);
    w.clock.advance(10 * MINUTE);
    await w.send(resolved(goroutines(), 0, 10 * MINUTE));
    w.clock.set(T0 + 30 * 60 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
    w.clock.set(T0 + 48 * 60 * MINUTE + 2 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: RESOLVED HighGoroutines']);
  });

  it('regex and negative matchers mute exactly what they say', async () => {
    const w = await world(kind);
    await silence(w, ['alertname=~"High.*"', 'target!="db"'], 60);
    await silence(w, ['alertname="DiskLow"', 'severity!~"critical|emergency"'], 60);
    await w.sendConcurrently([
      firing(goroutines('one-api'), 0),
      firing(goroutines('db'), 0),
      firing({ alertname: 'HighLatency', target: 'mall-go' }, 0),
      firing({ alertname: 'LowGoroutines', target: 'one-api' }, 0),
      firing({ alertname: 'DiskLow', severity: 'warning' }, 0),
      firing({ alertname: 'DiskLow', severity: 'critical', target: 'db' }, 0),
    ]);
    expect(
      drain()
        .flatMap((message) => message.replace('ops: ', '').split(' + '))
        .sort(),
    ).toEqual(['FIRING DiskLow', 'FIRING HighGoroutines', 'FIRING LowGoroutines']);
    const sentGoroutines = await record(w, fp(goroutines('db')));
    expect([sentGoroutines?.messages, sentGoroutines?.silencedBy]).toEqual([1, undefined]);
  });

  it('an unanchored-looking regex is anchored: target=~"one" does not mute one-api', async () => {
    const w = await world(kind);
    await silence(w, ['target=~"one"'], 60);
    await w.send(firing(goroutines('one-api'), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
  });

  it('overlapping silences: the alert stays muted until the last one ends', async () => {
    const w = await world(kind);
    const short = await silence(w, ['alertname=HighGoroutines'], 30);
    const long = await silence(w, ['target=~"one-.*"'], 60);
    await w.send(firing(goroutines(), 0));
    expect((await record(w, fp(goroutines())))?.silencedBy).toEqual([short, long].sort());
    w.clock.set(T0 + 31 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
    expect((await record(w, fp(goroutines())))?.silencedBy).toEqual([long]);
    w.clock.set(T0 + 61 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
  });

  it('a pending silence mutes nothing until it starts', async () => {
    const w = await world(kind, yaml('', '  - channels: [ops]\n    repeat: 10m\n'));
    await silence(w, ['alertname=HighGoroutines'], 60, { startsAt: T0 + 15 * MINUTE });
    await w.send(firing(goroutines(), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    w.clock.set(T0 + 10 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    w.clock.set(T0 + 20 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
  });

  it('one silenced alert leaves the rest of its digest alone', async () => {
    const w = await world(kind);
    await silence(w, ['target=db'], 60);
    await w.sendConcurrently([firing(goroutines('one-api'), 0), firing(goroutines('db'), 0)]);
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    expect((await record(w, fp(goroutines('one-api'))))?.notified.ops?.status).toBe('firing');
    expect((await record(w, fp(goroutines('db'))))?.notified).toEqual({});
  });

  it('a silenced emergency still inhibits its lower levels: silencing the breach does not let the warning out', async () => {
    const w = await world(kind, yaml('', undefined, '5s'));
    await silence(w, ['severity=emergency'], 60);
    const level = (severity: 'warning' | 'emergency') =>
      cloudwatchAlert({ level: severity, state: 'ALARM', old: 'OK', at: T0 });
    const reports = await w.sendConcurrently([level('warning'), level('emergency')]);
    expect(drain()).toEqual([]);
    const counted = reports.reduce(
      (sum, r) => ({ inhibited: sum.inhibited + r.inhibited, silenced: sum.silenced + r.silenced }),
      {
        inhibited: 0,
        silenced: 0,
      },
    );
    expect(counted).toEqual({ inhibited: 1, silenced: 1 });
    // When the silence ends, the emergency is sent, and the warning stays inhibited by it.
    w.clock.set(T0 + 61 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: FIRING vigil-dev-one-api-Goroutines-emergency']);
  });

  it('an expired silence mutes nothing', async () => {
    const w = await world(kind);
    const id = await silence(w, ['alertname=HighGoroutines'], 60);
    w.clock.advance(MINUTE);
    await expireSilence(w.state, id, w.clock.now());
    await w.send(firing(goroutines(), MINUTE));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
  });
});

describe.each(STORES)('maintenance windows on %s', (kind) => {
  // T0 is Tuesday 2026-12-01 10:00 UTC.
  const window = (intervals: string) => `maintenance:
  - name: db-upgrade
    matchers: ['target="db"']
    time_intervals:
${intervals}`;

  it('mutes matching alerts inside the window and sends what still fires once it closes', async () => {
    const w = await world(
      kind,
      yaml(
        window(`      - weekdays: [tuesday]
        times: [{ start_time: "09:30", end_time: "10:30" }]
`),
      ),
    );
    const [report] = await w.send(firing(goroutines('db'), 0));
    await w.send(firing(goroutines('one-api'), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    expect(report!.silenced).toBe(1);
    expect((await record(w, fp(goroutines('db'))))?.silencedBy).toEqual(['maintenance:db-upgrade']);
    w.clock.set(T0 + 29 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual([]);
    w.clock.set(T0 + 30 * MINUTE);
    await w.sweep();
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
  });

  it('still mutes with the state store down (the window is config, not state)', async () => {
    const config = yaml(
      window(`      - weekdays: [tuesday]
        times: [{ start_time: "09:30", end_time: "10:30" }]
`),
    );
    const w = await world(kind, config);
    const down = new Error('connection refused');
    const broken = storyWorld(
      config,
      {
        ...w.state,
        get: () => Promise.reject(down),
        put: () => Promise.reject(down),
        list: () => Promise.reject(down),
      },
      { t: T0 },
    );
    const [report] = await broken.send(firing(goroutines('db'), 0), firing(goroutines('one-api'), 0));
    expect(report!.stateUnavailable).toMatch(/connection refused/);
    // one-api's alert only: db's is in its window.
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
  });

  it('a window in a named zone follows its local time (Asia/Shanghai, 18:00 there)', async () => {
    const w = await world(
      kind,
      yaml(
        window(`      - times: [{ start_time: "18:00", end_time: "19:00" }]
        location: Asia/Shanghai
`),
      ),
    );
    await w.send(firing(goroutines('db'), 0));
    expect(drain()).toEqual([]);
  });

  it('outside its days the window mutes nothing', async () => {
    const w = await world(kind, yaml(window('      - weekdays: [saturday, sunday]\n')));
    await w.send(firing(goroutines('db'), 0));
    expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
  });
});
