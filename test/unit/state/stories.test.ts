/**
 * Stories of the alert state, each run against dynalite and the local SQLite store: state changes fed one by one
 * (or racing), and after each step exactly the messages that went out. Two channels (`ops`, `team`) are generic
 * webhooks on loopback fakes; a message is written "FIRING name + RESOLVED name" in the order it lists its alerts.
 */
import type { Alert } from '../../../functions/alerts/types';
import { applyAlert, changeRecord } from '../../../functions/state/alerts';
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

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const STORES: StoreKind[] = ['dynalite', 'sqlite'];

function yaml(extra = '', routes = '  - channels: [ops]\n') {
  return `channels:
  ops: { type: webhook, url: "${peers.ops.url}" }
  team: { type: webhook, url: "${peers.team.url}" }
routes:
${routes}${extra}`;
}

const drain = peers.drain;

const cw = (
  level: 'warning' | 'critical' | 'emergency',
  state: 'ALARM' | 'OK',
  at: number,
  old?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA',
) => cloudwatchAlert({ level, state, old: old ?? (state === 'ALARM' ? 'OK' : 'ALARM'), at: T0 + at });
const name = (level: string) => `vigil-dev-one-api-Goroutines-${level}`;

async function world(kind: StoreKind, config: string): Promise<StoryWorld> {
  const clock = { t: T0 };
  drain();
  return storyWorld(config, await freshStore(kind, peers.dynalite, () => clock.t), clock);
}

/** A world whose critical firing is queued for ops and held by an invocation until `until`. */
async function claimedFiring(kind: StoreKind, until: number): Promise<StoryWorld> {
  const w = await world(kind, yaml());
  const { record } = await applyAlert(w.state, cw('critical', 'ALARM', 0), ['ops'], {
    now: T0,
    groupWaitMs: 0,
  });
  await changeRecord(w.state, record!.fingerprint, T0, (current) => ({
    ...current,
    pending: { ops: { ...current.pending.ops!, claimedUntil: until } },
  }));
  return w;
}

describe.each(STORES)('alert state on %s', (kind) => {
  describe('dedup: one state change is notified once', () => {
    it('an SNS retry of the same firing, and a resend later, send nothing more', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('critical', 'ALARM', 0));
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
      await w.send(cw('critical', 'ALARM', 0));
      w.clock.advance(30 * SECOND);
      await w.send(cw('critical', 'ALARM', 0));
      expect(drain()).toEqual([]);
    });

    it('twenty concurrent deliveries of the same firing send one message', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      const reports = await w.sendConcurrently([cw('critical', 'ALARM', 0)], 20);
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
      expect(reports.filter((report) => report.applied.firing === 1)).toHaveLength(1);
      expect(reports.filter((report) => report.applied.duplicate === 1)).toHaveLength(19);
    });

    it('an Alertmanager re-send of a firing group inside its repeat interval is not a new page', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      const alert = labelledAlert({ alertname: 'HighGoroutines', target: 'one-api' }, 'firing', T0);
      await w.send(alert);
      w.clock.advance(5 * MINUTE);
      await w.send(alert);
      expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    });

    it('an OK that arrives late, after the alarm fired again, resolves nothing; the next OK does', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('critical', 'ALARM', 0));
      // The OK of 1 minute is delayed (SNS keeps no order); the alarm fires again at 2 minutes.
      await w.send(cw('critical', 'ALARM', 2 * MINUTE));
      await w.send(cw('critical', 'OK', 1 * MINUTE));
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
      await w.send(cw('critical', 'OK', 3 * MINUTE));
      expect(drain()).toEqual([`ops: RESOLVED ${name('critical')}`]);
    });

    it('an Alertmanager episode after one whose resolution never came (send_resolved: false) pages again', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      const labels = { alertname: 'HighGoroutines', target: 'one-api' };
      await w.send(labelledAlert(labels, 'firing', T0));
      w.clock.advance(10 * MINUTE);
      await w.send(labelledAlert(labels, 'firing', T0));
      expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
      await w.send(labelledAlert(labels, 'firing', T0 + 30 * MINUTE));
      expect(drain()).toEqual(['ops: FIRING HighGoroutines']);
    });

    it('an Alertmanager firing after its own resolution, with the same startsAt, pages again', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      const labels = { alertname: 'HighGoroutines', target: 'one-api' };
      await w.send(labelledAlert(labels, 'firing', T0));
      // Prometheus went quiet: Alertmanager resolved it at its resolve timeout...
      await w.send(labelledAlert(labels, 'resolved', T0, T0 + 10 * MINUTE));
      w.clock.advance(20 * MINUTE);
      // ...and Prometheus, back, sends the same alert: firing since T0.
      await w.send(labelledAlert(labels, 'firing', T0));
      expect(drain()).toEqual([
        'ops: FIRING HighGoroutines',
        'ops: RESOLVED HighGoroutines',
        'ops: FIRING HighGoroutines',
      ]);
    });

    it('a retry of the firing that arrives after its resolution is stale, not a new page', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('critical', 'ALARM', 0));
      await w.send(cw('critical', 'OK', 60 * SECOND));
      await w.send(cw('critical', 'ALARM', 0));
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`, `ops: RESOLVED ${name('critical')}`]);
    });
  });

  describe('resolved means resolved', () => {
    it('an OK whose firing was never notified is not announced', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('critical', 'OK', 0));
      expect(drain()).toEqual([]);
    });

    it('OK → INSUFFICIENT_DATA → OK after a resolution is not a second resolution', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('warning', 'ALARM', 0));
      await w.send(cw('warning', 'OK', 40 * SECOND));
      await w.send(cw('warning', 'OK', 3 * MINUTE, 'INSUFFICIENT_DATA'));
      expect(drain()).toEqual([`ops: FIRING ${name('warning')}`, `ops: RESOLVED ${name('warning')}`]);
    });

    it('the resolution states the real duration, not "after 0s"', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('critical', 'ALARM', 0));
      peers.ops.requests.splice(0);
      await w.send(cw('critical', 'OK', 105 * SECOND));
      const [sent] = peers.ops.requests.splice(0);
      const [alert] = (sent!.json as { alerts: Alert[] }).alerts;
      expect([alert!.status, alert!.startsAt, alert!.endsAt]).toEqual([
        'resolved',
        new Date(T0).toISOString(),
        new Date(T0 + 105 * SECOND).toISOString(),
      ]);
    });

    it('a firing that resolves within the group wait sends neither message', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 5s }\n'));
      const firing = w.send(cw('critical', 'ALARM', 0));
      await w.send(cw('critical', 'OK', 2 * SECOND));
      await firing;
      expect(drain()).toEqual([]);
    });
  });

  describe('one message per breach', () => {
    it('warning, critical and emergency firing at once page once, and clear in one resolution in any order', async () => {
      const w = await world(kind, yaml());
      await w.sendConcurrently([
        cw('warning', 'ALARM', 0),
        cw('emergency', 'ALARM', 0),
        cw('critical', 'ALARM', 0),
      ]);
      expect(drain()).toEqual([`ops: FIRING ${name('emergency')}`]);
      w.clock.advance(2 * MINUTE);
      await w.sendConcurrently([
        cw('critical', 'OK', 3 * MINUTE),
        cw('warning', 'OK', 3 * MINUTE),
        cw('emergency', 'OK', 3 * MINUTE),
      ]);
      expect(drain()).toEqual([`ops: RESOLVED ${name('emergency')}`]);
    });

    it('warning first, critical a minute later: two pages, then one resolution for both', async () => {
      const w = await world(kind, yaml());
      await w.send(cw('warning', 'ALARM', 0));
      w.clock.advance(MINUTE);
      await w.send(cw('critical', 'ALARM', 65 * SECOND));
      expect(drain()).toEqual([`ops: FIRING ${name('warning')}`, `ops: FIRING ${name('critical')}`]);
      w.clock.advance(MINUTE);
      await w.sendConcurrently([cw('warning', 'OK', 3 * MINUTE), cw('critical', 'OK', 3 * MINUTE)]);
      expect(drain()).toEqual([`ops: RESOLVED ${name('critical')} + RESOLVED ${name('warning')}`]);
    });

    it('a lower level resolving while a higher one fires is held, then goes out with the higher one', async () => {
      const w = await world(kind, yaml());
      await w.send(cw('warning', 'ALARM', 0));
      w.clock.advance(MINUTE);
      await w.send(cw('critical', 'ALARM', 65 * SECOND));
      drain();
      w.clock.advance(MINUTE);
      await w.send(cw('warning', 'OK', 3 * MINUTE));
      expect(drain()).toEqual([]);
      w.clock.advance(MINUTE);
      await w.send(cw('critical', 'OK', 4 * MINUTE));
      expect(drain()).toEqual([`ops: RESOLVED ${name('critical')} + RESOLVED ${name('warning')}`]);
    });

    it('emergency falling back to warning: the resolution says what is still firing, in one message', async () => {
      const w = await world(kind, yaml());
      await w.sendConcurrently([
        cw('warning', 'ALARM', 0),
        cw('critical', 'ALARM', 0),
        cw('emergency', 'ALARM', 0),
      ]);
      expect(drain()).toEqual([`ops: FIRING ${name('emergency')}`]);
      w.clock.advance(MINUTE);
      await w.sendConcurrently([cw('emergency', 'OK', 2 * MINUTE), cw('critical', 'OK', 2 * MINUTE)]);
      expect(drain()).toEqual([`ops: FIRING ${name('warning')} + RESOLVED ${name('emergency')}`]);
      w.clock.advance(MINUTE);
      await w.send(cw('warning', 'OK', 4 * MINUTE));
      expect(drain()).toEqual([`ops: RESOLVED ${name('warning')}`]);
    });

    it('levels of different targets or metrics do not mute each other', async () => {
      const w = await world(kind, yaml());
      await w.sendConcurrently([
        cw('critical', 'ALARM', 0),
        cloudwatchAlert({ level: 'warning', state: 'ALARM', old: 'OK', at: T0, target: 'mall-go' }),
        cloudwatchAlert({ level: 'warning', state: 'ALARM', old: 'OK', at: T0, metric: 'HeapMb' }),
      ]);
      expect(drain()).toEqual([
        `ops: FIRING ${name('critical')} + FIRING vigil-dev-mall-go-Goroutines-warning + FIRING vigil-dev-one-api-HeapMb-warning`,
      ]);
    });

    it('inhibitLevels: false pages every level', async () => {
      const w = await world(kind, yaml('alerts: { inhibitLevels: false }\n'));
      await w.sendConcurrently([cw('warning', 'ALARM', 0), cw('critical', 'ALARM', 0)]);
      expect(drain()).toEqual([`ops: FIRING ${name('critical')} + FIRING ${name('warning')}`]);
    });

    it('a configured rule in Alertmanager shape mutes its targets while its source fires', async () => {
      const w = await world(
        kind,
        yaml(`alerts:
  inhibit:
    - source: { alertname: DatacenterDown }
      target: { severity: [warning, critical] }
      equal: [dc]
`),
      );
      await w.sendConcurrently([
        labelledAlert({ alertname: 'DatacenterDown', severity: 'emergency', dc: 'eu1' }, 'firing', T0),
        labelledAlert({ alertname: 'ApiSlow', severity: 'critical', dc: 'eu1' }, 'firing', T0),
        labelledAlert({ alertname: 'ApiSlow', severity: 'critical', dc: 'us1' }, 'firing', T0),
      ]);
      expect(drain()).toEqual(['ops: FIRING DatacenterDown + FIRING ApiSlow']);
    });
  });

  describe('reminders', () => {
    it('a still-firing alert is re-notified every repeat by the sweep, and stops when it resolves', async () => {
      const w = await world(
        kind,
        yaml('alerts: { groupWait: 0 }\n', '  - channels: [ops]\n    repeat: 10m\n'),
      );
      await w.send(cw('critical', 'ALARM', 0));
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
      const reminded: number[] = [];
      for (let minute = 1; minute <= 25; minute++) {
        w.clock.set(T0 + minute * MINUTE);
        if ((await w.sweep()).reminders > 0) reminded.push(minute);
      }
      expect(reminded).toEqual([10, 20]);
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`, `ops: FIRING ${name('critical')}`]);
      await w.send(cw('critical', 'OK', 26 * MINUTE));
      w.clock.set(T0 + 40 * MINUTE);
      await w.sweep();
      expect(drain()).toEqual([`ops: RESOLVED ${name('critical')}`]);
    });

    it('a warning paged before its critical is not reminded while the critical fires: one reminder per breach', async () => {
      const w = await world(
        kind,
        yaml('alerts: { groupWait: 0 }\n', '  - channels: [ops]\n    repeat: 10m\n'),
      );
      await w.send(cw('warning', 'ALARM', 0));
      w.clock.set(T0 + MINUTE);
      await w.send(cw('critical', 'ALARM', MINUTE));
      expect(drain()).toEqual([`ops: FIRING ${name('warning')}`, `ops: FIRING ${name('critical')}`]);
      for (let minute = 2; minute <= 12; minute++) {
        w.clock.set(T0 + minute * MINUTE);
        await w.sweep();
      }
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
    });

    it('routes without repeat send no reminders', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      await w.send(cw('critical', 'ALARM', 0));
      w.clock.set(T0 + 24 * 60 * MINUTE);
      expect((await w.sweep()).reminders).toBe(0);
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
    });
  });

  describe('nothing unrouted is lost', () => {
    it('an alert no route takes goes to every channel of the first route', async () => {
      const w = await world(
        kind,
        yaml('alerts: { groupWait: 0 }\n', '  - match: { team: payments }\n    channels: [team]\n'),
      );
      const [report] = await w.send(labelledAlert({ alertname: 'DiskFull', team: 'search' }, 'firing', T0));
      expect(drain()).toEqual(['team: FIRING DiskFull']);
      expect(report!.unrouted).toHaveLength(1);
    });

    it('alerts.fallback names where unrouted alerts go', async () => {
      const w = await world(
        kind,
        yaml(
          'alerts: { groupWait: 0, fallback: [ops] }\n',
          '  - match: { team: payments }\n    channels: [team]\n',
        ),
      );
      await w.send(labelledAlert({ alertname: 'DiskFull', team: 'search' }, 'firing', T0));
      expect(drain()).toEqual(['ops: FIRING DiskFull']);
    });
  });

  describe('a Lambda that ends mid-way loses nothing', () => {
    it('a change queued by an invocation that died before sending goes out with the next sweep', async () => {
      const w = await world(kind, yaml());
      await applyAlert(w.state, cw('critical', 'ALARM', 0), ['ops'], { now: T0, groupWaitMs: 5000 });
      expect(drain()).toEqual([]);
      w.clock.set(T0 + MINUTE);
      await w.sweep();
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
    });

    it('the sweep never cuts a group wait short: the next level of the breach joins the one page', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 10s }\n'));
      // The warning's invocation waits out its 10 s group wait; a sweep runs 6 s in, the critical comes at 7 s.
      await applyAlert(w.state, cw('warning', 'ALARM', 0), ['ops'], { now: T0, groupWaitMs: 10_000 });
      w.clock.set(T0 + 6 * SECOND);
      await w.sweep();
      expect(drain()).toEqual([]);
      await applyAlert(w.state, cw('critical', 'ALARM', 7 * SECOND), ['ops'], {
        now: T0 + 7 * SECOND,
        groupWaitMs: 10_000,
      });
      w.clock.set(T0 + 17 * SECOND);
      await w.sweep();
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
    });

    it('an entry claimed by an invocation that died is sent once its claim has passed, not before', async () => {
      const w = await claimedFiring(kind, T0 + 2 * MINUTE);
      w.clock.set(T0 + MINUTE);
      await w.sweep();
      expect(drain()).toEqual([]);
      w.clock.set(T0 + 3 * MINUTE);
      await w.sweep();
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
    });

    it('a resolution of a firing still being sent waits for that sender, so it never arrives first', async () => {
      // An invocation holds the firing until T0 + 2 min (a vendor it keeps retrying).
      const w = await claimedFiring(kind, T0 + 2 * MINUTE);
      await applyAlert(w.state, cw('critical', 'OK', 30 * SECOND), ['ops'], {
        now: T0 + 30 * SECOND,
        groupWaitMs: 5 * SECOND,
      });
      w.clock.set(T0 + MINUTE);
      await w.sweep();
      expect(drain()).toEqual([]);
      w.clock.set(T0 + 3 * MINUTE);
      await w.sweep();
      expect(drain()).toEqual([`ops: RESOLVED ${name('critical')}`]);
    });
  });

  describe('failures', () => {
    it('a state store that is down still lets every alert out (without dedup), and says so', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      const down = new Error('connection refused');
      const broken = storyWorld(
        yaml('alerts: { groupWait: 0 }\n'),
        {
          ...w.state,
          get: () => Promise.reject(down),
          put: () => Promise.reject(down),
          delete: () => Promise.reject(down),
          list: () => Promise.reject(down),
        },
        { t: T0 },
      );
      const [report] = await broken.send(cw('critical', 'ALARM', 0));
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
      expect(report!.stateUnavailable).toMatch(/connection refused/);
    });

    it('a store that fails for one alert of a batch sends that one without state, and the others once', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      const flaky = cw('critical', 'ALARM', 0);
      const other = labelledAlert({ alertname: 'DiskFull', host: 'db' }, 'firing', T0);
      const down = new Error('throttled');
      const partly = storyWorld(
        yaml('alerts: { groupWait: 0 }\n'),
        {
          ...w.state,
          get: (partition, key) =>
            key === flaky.fingerprint ? Promise.reject(down) : w.state.get(partition, key),
        },
        { t: T0 },
      );
      const [report] = await partly.send(flaky, other);
      expect(drain().sort()).toEqual(['ops: FIRING DiskFull', `ops: FIRING ${name('critical')}`].sort());
      expect(report!.stateUnavailable).toMatch(/throttled/);
      // The one the store took was sent on the stateful path: the sweep has nothing left to send again.
      await w.sweep();
      expect(drain()).toEqual([]);
    });

    it('a channel whose dead letter cannot be written fails the invocation only after the others have sent and marked', async () => {
      const clock = { t: T0 };
      const both = yaml('alerts: { groupWait: 0 }\n', '  - channels: [ops, team]\n');
      const w = storyWorld(both, await freshStore(kind, peers.dynalite, () => clock.t), clock, {
        deadLetterStore: (memory) => ({
          ...memory,
          put: () => Promise.reject(new Error('SQS is down')),
        }),
      });
      drain();
      // ops refuses once (a 400 is not retried) and its letter cannot be kept.
      peers.ops.badRequest();
      await expect(w.send(cw('critical', 'ALARM', 0))).rejects.toThrow(/SQS is down/);
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`, `team: FIRING ${name('critical')}`]);
      // Once the claims have passed, the sweep sends what is still owed (ops) and nothing that went out (team).
      clock.t = T0 + 5 * MINUTE;
      await w.sweep();
      expect(drain()).toEqual([`ops: FIRING ${name('critical')}`]);
    });

    it('a channel that fails is dead-lettered once, and its resolution still follows', async () => {
      const w = await world(kind, yaml('alerts: { groupWait: 0 }\n'));
      for (let i = 0; i < 5; i++) peers.ops.badRequest();
      await w.send(cw('critical', 'ALARM', 0));
      expect(w.deadLetters.map((letter) => letter.alerts.map((alert) => alert.status))).toEqual([['firing']]);
      drain();
      await w.send(cw('critical', 'OK', MINUTE));
      expect(drain()).toEqual([`ops: RESOLVED ${name('critical')}`]);
    });
  });
});
