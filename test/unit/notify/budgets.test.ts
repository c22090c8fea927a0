/**
 * Rate budgets per robot, against a DingTalk fake that enforces the real robot's 20 messages a minute and answers
 * 130101 (then blocks for 10 minutes) beyond it: alerts over budget wait and go out merged in the next digest, and
 * 130101 waits out the block instead of dead-lettering. Shared through the state store, on dynalite and SQLite.
 */
import { nextSlot } from '../../../functions/state/budgets';
import { type CnVendorFake, startDingtalkFake } from '../../fakes/cn-vendors';
import { type Dynalite, startDynalite } from '../../helpers/dynalite';
import { freshStore, labelledAlert, type StoreKind, storyWorld, T0 } from '../../helpers/stories';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DINGTALK_PER_MINUTE = 20;

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(() => dynalite?.close());

describe('nextSlot', () => {
  it.each([
    ['an empty log', [], [{ messages: 2, perMs: 1000 }], { ok: true }],
    ['room left', [T0 - 500], [{ messages: 2, perMs: 1000 }], { ok: true }],
    [
      'a full window frees when its oldest send leaves',
      [T0 - 900, T0 - 100],
      [{ messages: 2, perMs: 1000 }],
      { ok: false, retryAt: T0 + 100 },
    ],
    [
      'every window counts (Feishu: 5/s and 100/min)',
      Array.from({ length: 100 }, (_, i) => T0 - 59_000 + i * 10),
      [
        { messages: 5, perMs: 1000 },
        { messages: 100, perMs: 60_000 },
      ],
      { ok: false, retryAt: T0 + 1000 },
    ],
  ])('%s', (_name, sent, windows, expected) => {
    expect(nextSlot({ sent }, windows, T0)).toEqual(expected);
  });

  it('a vendor block wins over free slots', () => {
    expect(nextSlot({ sent: [], blockedUntil: T0 + 5000 }, [{ messages: 20, perMs: 60_000 }], T0)).toEqual({
      ok: false,
      retryAt: T0 + 5000,
    });
  });
});

describe.each<StoreKind>(['dynalite', 'sqlite'])('DingTalk budget on %s', (kind) => {
  let robot: CnVendorFake;
  const clock = { t: T0 };

  beforeEach(async () => {
    clock.t = T0;
    robot = await startDingtalkFake({
      now: () => clock.t,
    });
  });
  afterEach(() => robot.close());

  const config = () => `channels:
  robot: { type: dingtalk, url: "${robot.url}" }
routes:
  - channels: [robot]
alerts: { groupWait: 0 }
`;

  function delivered(): string[] {
    return robot.requests
      .filter((request) => request.answer.body.errcode === 0)
      .map((request) => (request.json as { markdown: { text: string } }).markdown.text);
  }

  it('40 alerts within a minute all arrive, within 20 messages a minute, none answered 130101', async () => {
    const w = storyWorld(config(), await freshStore(kind, dynalite, () => clock.t), clock);
    const names = Array.from({ length: 40 }, (_, i) => `DiskFull-${String(i).padStart(2, '0')}`);
    for (const [i, name] of names.entries()) {
      clock.t = T0 + i * 1500;
      await w.send(labelledAlert({ alertname: name, host: `h${i}` }, 'firing', clock.t));
    }
    // The sweep runs every minute, as EventBridge Scheduler does.
    for (let minute = 1; minute <= 5; minute++) {
      clock.t = T0 + minute * MINUTE;
      await w.sweep();
    }

    const texts = delivered();
    for (const name of names)
      expect([name, texts.filter((text) => text.includes(name)).length]).toEqual([name, 1]);
    expect(robot.requests.map((request) => request.answer.body.errcode)).not.toContain(130101);
    const requestTimes = robot.requests.map((request) => request.at);
    for (const at of requestTimes) {
      expect(requestTimes.filter((t) => t > at - MINUTE && t <= at).length).toBeLessThanOrEqual(
        DINGTALK_PER_MINUTE,
      );
    }
    // The 20 that fit went one by one; the rest waited and went out as one digest.
    expect(texts).toHaveLength(DINGTALK_PER_MINUTE + 1);
    expect(w.deadLetters).toEqual([]);
  });

  it('130101 waits out the 10-minute block and then delivers, instead of dead-lettering', async () => {
    const w = storyWorld(config(), await freshStore(kind, dynalite, () => clock.t), clock);
    robot.throttle(1);
    const [report] = await w.send(labelledAlert({ alertname: 'ApiDown' }, 'firing', clock.t));
    expect(report!.deferred).toEqual([expect.objectContaining({ channel: 'robot', why: 'rate-limited' })]);
    expect(w.deadLetters).toEqual([]);
    for (let minute = 1; minute < 10; minute++) {
      clock.t = T0 + minute * MINUTE;
      await w.sweep();
    }
    expect(delivered()).toEqual([]);
    expect(robot.requests).toHaveLength(1);
    clock.t = T0 + 10 * MINUTE + SECOND;
    await w.sweep();
    expect(delivered()).toEqual([expect.stringContaining('ApiDown')]);
    expect(w.deadLetters).toEqual([]);
  });

  it('a firing held by the block that resolves meanwhile still goes out, as its resolution', async () => {
    const w = storyWorld(config(), await freshStore(kind, dynalite, () => clock.t), clock);
    robot.throttle(1);
    await w.send(labelledAlert({ alertname: 'ApiDown' }, 'firing', clock.t));
    clock.t = T0 + 3 * MINUTE;
    const [resolved] = await w.send(labelledAlert({ alertname: 'ApiDown' }, 'resolved', T0, clock.t));
    expect(resolved!.applied).toEqual({ resolved: 1 });
    clock.t = T0 + 10 * MINUTE + SECOND;
    await w.sweep();
    // Three minutes of outage are not dropped because the robot was blocked when they began.
    expect(delivered()).toEqual([expect.stringMatching(/ApiDown/)]);
    expect(delivered()[0]).toMatch(/RESOLVED|resolved/);
  });
});
