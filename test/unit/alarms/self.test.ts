/**
 * Self-evaluated alarms (functions/alarms/self/) on a real store with conditional writes (SQLite): what is
 * published when rounds overlap, die half way, are missed, or the shard outgrows one chunk. Each story feeds rounds
 * one by one and asserts exactly which state changes reach the topic.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkOf, type SelfEvaluator, selfEvaluator } from '../../../functions/alarms/self/round';
import { parseConfig } from '../../../functions/config/load';
import type { Datum } from '../../../functions/metrics/datums';
import { shardOf } from '../../../functions/probing/fanout/shards';
import type { AlertStateStore } from '../../../functions/state/item-store';
import { sqliteStateStore } from '../../../functions/state/sqlite';

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:vigil-dev-alerts';

function config(targets: number, down = '{ for: 1, of: 1 }') {
  const list = Array.from(
    { length: targets },
    (_, i) => `  - { name: t${i}, url: "http://example.com/${i}" }`,
  );
  return parseConfig(`alarms:\n  mode: self\n  down: ${down}\ntargets:\n${list.join('\n')}\n`);
}

/**
 * Each target's ProbeSuccess for the round at `minute` (5 s into it): of all targets, or of one shard's when
 * `shard` is given (`shard-<i>` of `shards`, as planShards assigns them).
 */
function round(
  minute: number,
  up: (target: number) => boolean,
  targets: number,
  holder = `r${minute}`,
  layout: { shard: string; shards: number } = { shard: 'round', shards: 1 },
) {
  const at = new Date(T0 + minute * MINUTE + 5_000);
  const names = Array.from({ length: targets }, (_, i) => `t${i}`).filter(
    (name) => shardOf(name, layout.shards) === layout.shard,
  );
  const datums: Datum[] = names.map((name) => ({
    MetricName: 'ProbeSuccess',
    Dimensions: [{ Name: 'Target', Value: name }],
    Timestamp: at,
    Value: up(Number(name.slice(1))) ? 1 : 0,
    Unit: 'Count',
  }));
  return {
    ...layout,
    targets: names,
    round: at,
    datums,
    holder,
    claimUntil: at.getTime() + 50_000,
  };
}

/** The round at `minute` of all `targets`, with the clock in it. */
function step(
  w: World,
  evaluate: SelfEvaluator,
  minute: number,
  up: (target: number) => boolean,
  targets = 1,
) {
  return at(w, evaluate, minute, round(minute, up, targets));
}

/** A world of one target after a healthy first round, its first OK forgotten. */
async function started(down?: string) {
  const w = world();
  const evaluate = w.evaluator(1, down);
  await step(w, evaluate, 0, () => true);
  w.published.length = 0;
  return { w, evaluate };
}

/** Every shard of a `shards`-shard plan evaluated for the round at `minute`, one after another. */
async function everyShard(
  w: World,
  evaluate: SelfEvaluator,
  minute: number,
  up: (target: number) => boolean,
  targets: number,
  shards: number,
) {
  const ids = shards === 1 ? ['round'] : Array.from({ length: shards }, (_, i) => `shard-${i}`);
  for (const shard of ids)
    await at(w, evaluate, minute, round(minute, up, targets, `r${minute}`, { shard, shards }));
}

interface World {
  store: AlertStateStore;
  published: string[];
  clock: { now: number };
  failNext: number;
  evaluator(targets: number, down?: string): SelfEvaluator;
}

function world(): World {
  const store = sqliteStateStore(join(mkdtempSync(join(tmpdir(), 'vigil-self-unit-')), 'state.db'));
  const w: World = {
    store,
    published: [],
    clock: { now: T0 },
    failNext: 0,
    evaluator: (targets, down) =>
      selfEvaluator(config(targets, down), {
        store,
        publish: async (subject, message) => {
          if (w.failNext > 0) {
            w.failNext--;
            throw new Error('SNS is down');
          }
          const parsed = JSON.parse(message) as Record<string, string>;
          w.published.push(
            `${parsed.AlarmName}: ${parsed.OldStateValue} -> ${parsed.NewStateValue} @${parsed.StateChangeTime?.slice(11, 16)}`,
          );
          expect(subject).toBe(`${parsed.NewStateValue}: "${parsed.AlarmName}" in us-east-1`);
        },
        stage: 'dev',
        region: 'us-east-1',
        account: '123456789012',
        topicArn: TOPIC,
        now: () => w.clock.now,
      }),
  };
  return w;
}

/** Runs the round at `minute` with the clock in it. */
async function at(w: World, evaluate: SelfEvaluator, minute: number, input: ReturnType<typeof round>) {
  w.clock.now = T0 + minute * MINUTE + 6_000;
  return evaluate(input);
}

describe('self-evaluated alarms, round by round', () => {
  it('publish each change once when two rounds of one shard run at once (an SQS redelivery)', async () => {
    const w = world();
    const evaluate = w.evaluator(2);
    await step(w, evaluate, 0, () => true, 2);
    w.published.length = 0;
    const down = (i: number) => i !== 1;
    const [first, second] = await Promise.all([
      at(w, evaluate, 1, round(1, down, 2, 'invocation-a')),
      at(w, evaluate, 1, round(1, down, 2, 'invocation-b')),
    ]);
    expect(w.published).toEqual(['vigil-dev-t1-down-critical: OK -> ALARM @10:01']);
    expect(first.conflicts + second.conflicts).toBe(1);
  });

  it('publish what a round claimed but could not send once its claim has expired, in order', async () => {
    const { w, evaluate } = await started();
    w.failNext = 1;
    const failed = await step(w, evaluate, 1, () => false);
    expect(failed.failed).toEqual([{ alarm: 'vigil-dev-t0-down-critical', error: 'SNS is down' }]);
    expect(w.published).toEqual([]);
    // Another invocation within the claim (a late overlap) leaves it to its owner.
    const overlap = await at(
      w,
      evaluate,
      1,
      round(1, () => false, 1, 'late'),
    );
    expect(overlap.published).toEqual([]);
    // The next minute's round takes the expired claim over, then sends its own change.
    await step(w, evaluate, 2, () => true);
    expect(w.published).toEqual([
      'vigil-dev-t0-down-critical: OK -> ALARM @10:01',
      'vigil-dev-t0-down-critical: ALARM -> OK @10:02',
    ]);
  });

  it('replay the periods a stalled probe missed, as CloudWatch evaluated them meanwhile', async () => {
    const w = world();
    // missing: breaching, 1 of 1: three periods without a datapoint (the range is N + 2) fire it.
    const evaluate = w.evaluator(1, '{ for: 1, of: 1, missing: breaching }');
    await step(w, evaluate, 0, () => true);
    w.published.length = 0;
    await step(w, evaluate, 6, () => true);
    expect(w.published).toEqual([
      // The evaluation at 10:04 (periods 10:01-10:03 empty) fired it; dated when it happened, not at 10:06.
      'vigil-dev-t0-down-critical: OK -> ALARM @10:04',
      'vigil-dev-t0-down-critical: ALARM -> OK @10:06',
    ]);
  });

  it('keep every alarm state, and a change waiting to be sent, when the shard outgrows one chunk', async () => {
    const w = world();
    // A 1-of-1 down alarm keeps ~210 B of state: ~480 fit one chunk.
    const small = 300;
    const large = 700;
    const first = await at(
      w,
      w.evaluator(small),
      0,
      round(0, () => true, small),
    );
    expect(first.chunks).toBe(1);
    w.published.length = 0;
    // A target that the second chunk will take goes down while SNS fails: its ALARM waits in the outbox.
    const mover = Array.from({ length: small }, (_, i) => i).find((i) => chunkOf(`t${i}`, 2) === 1) ?? -1;
    const moved = `-t${mover}-`;
    w.failNext = 1;
    await at(
      w,
      w.evaluator(small),
      1,
      round(1, (i) => i !== mover, small),
    );
    expect(w.published).toEqual([]);
    const grown = await at(
      w,
      w.evaluator(large),
      2,
      round(2, (i) => i !== mover, large),
    );
    expect(grown.chunks).toBe(2);
    // The waiting ALARM, once, from the chunk it moved to; the new targets' first OK; nothing for the others.
    expect(w.published.filter((line) => line.includes(moved))).toEqual([
      `vigil-dev-t${mover}-down-critical: OK -> ALARM @10:01`,
    ]);
    expect(w.published).toHaveLength(1 + (large - small));
    expect(
      w.published.filter((line) => !line.includes(moved)).every((line) => /-t[3-6]\d\d-/.test(line)),
    ).toBe(true);
  });

  it("spread a shard's targets over its chunks (the chunk hash is not the shard hash)", () => {
    const names = Array.from({ length: 4000 }, (_, i) => `t${i}`).filter(
      (name) => shardOf(name, 4) === 'shard-0',
    );
    const counts = [0, 0, 0, 0];
    for (const name of names) counts[chunkOf(name, 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(names.length / 8);
  });

  it('size chunks by the alarm window, so a long window stays under the item limit', async () => {
    const w = world();
    const targets = 150;
    // for: 100 of 120 periods: ~3.7 KB of state per alarm, 560 KB for the shard.
    const report = await at(
      w,
      w.evaluator(targets, '{ for: 100, of: 120 }'),
      0,
      round(0, () => true, targets),
    );
    expect(report.chunks).toBeGreaterThanOrEqual(5);
    // Filled: 120 rounds later every alarm holds its whole window.
    const evaluate = w.evaluator(targets, '{ for: 100, of: 120 }');
    for (let minute = 1; minute <= 122; minute++)
      await at(
        w,
        evaluate,
        minute,
        round(minute, () => true, targets),
      );
    const items = await w.store.list<unknown>('self-alarms:round');
    for (const item of items) expect(JSON.stringify(item.value).length).toBeLessThan(400 * 1024);
  }, 60_000);
});

describe('self-evaluated alarms when targets change shard', () => {
  // 2 of 3, missing not breaching (as rule alarms have it): a target's state lost in a move would "resolve" at once.
  const DOWN = '{ for: 2, of: 3, missing: notBreaching }';
  const TARGETS = 8;
  const down = (i: number) => i !== 1;

  it.each([
    [1, 2],
    [2, 3],
    [3, 1],
  ])('go from %i to %i shards without resolving or re-paging a firing alarm', async (before, after) => {
    const w = world();
    const evaluate = w.evaluator(TARGETS, DOWN);
    await everyShard(w, evaluate, 0, () => true, TARGETS, before);
    w.published.length = 0;
    await everyShard(w, evaluate, 1, down, TARGETS, before);
    await everyShard(w, evaluate, 2, down, TARGETS, before);
    expect(w.published).toEqual(['vigil-dev-t1-down-critical: OK -> ALARM @10:02']);
    w.published.length = 0;
    // The deploy that changes the shard count: t1 is still down.
    await everyShard(w, evaluate, 3, down, TARGETS, after);
    await everyShard(w, evaluate, 4, down, TARGETS, after);
    expect(w.published).toEqual([]);
    await everyShard(w, evaluate, 5, () => true, TARGETS, after);
    await everyShard(w, evaluate, 6, () => true, TARGETS, after);
    expect(w.published).toEqual(['vigil-dev-t1-down-critical: ALARM -> OK @10:06']);
  });

  it('do not bring back an older layout state when the shard count goes back', async () => {
    const w = world();
    const evaluate = w.evaluator(TARGETS, DOWN);
    await everyShard(w, evaluate, 0, () => true, TARGETS, 1);
    await everyShard(w, evaluate, 1, down, TARGETS, 1);
    await everyShard(w, evaluate, 2, down, TARGETS, 1);
    // Two shards: t1 recovers there.
    await everyShard(w, evaluate, 3, () => true, TARGETS, 2);
    await everyShard(w, evaluate, 4, () => true, TARGETS, 2);
    w.published.length = 0;
    // Back to one shard, whose old partition still says ALARM: t1 going down again must page.
    await everyShard(w, evaluate, 5, down, TARGETS, 1);
    await everyShard(w, evaluate, 6, down, TARGETS, 1);
    expect(w.published).toEqual(['vigil-dev-t1-down-critical: OK -> ALARM @10:06']);
  });

  it('start a new target after a stalled probe warming up, not firing on the periods it missed', async () => {
    const w = world();
    const BREACHING = '{ for: 2, of: 3, missing: breaching }';
    for (let minute = 0; minute < 8; minute++)
      await at(
        w,
        w.evaluator(1, BREACHING),
        minute,
        round(minute, () => true, 1),
      );
    w.published.length = 0;
    // Ten minutes without rounds (the probe was broken); the fix deploy adds t1, healthy.
    for (let minute = 18; minute < 22; minute++)
      await at(
        w,
        w.evaluator(2, BREACHING),
        minute,
        round(minute, () => true, 2),
      );
    // t0 fired over the gap and resolved after it, as CloudWatch evaluated it; t1, created at the deploy, warms up
    // and turns OK — it never fires for periods before it existed.
    expect(w.published).toEqual([
      'vigil-dev-t0-down-critical: OK -> ALARM @10:12',
      'vigil-dev-t0-down-critical: ALARM -> OK @10:19',
      'vigil-dev-t1-down-critical: INSUFFICIENT_DATA -> OK @10:20',
    ]);
  });
});

describe('self-evaluated alarms when SNS fails', () => {
  it('keep only the last two changes of an alarm that flapped through an outage, sent in order', async () => {
    const { w, evaluate } = await started();
    w.failNext = 1_000;
    for (let minute = 1; minute <= 6; minute++)
      await at(
        w,
        evaluate,
        minute,
        round(minute, () => minute % 2 === 0, 1),
      );
    const [item] = await w.store.list<{ outbox: unknown[] }>('self-alarms:round');
    expect(item?.value.outbox).toHaveLength(2);
    w.failNext = 0;
    await step(w, evaluate, 7, () => false);
    // The last two, in order: the webhook drops an OK it never saw fire and pages the breach that is on.
    expect(w.published).toEqual([
      'vigil-dev-t0-down-critical: ALARM -> OK @10:06',
      'vigil-dev-t0-down-critical: OK -> ALARM @10:07',
    ]);
  });

  it("never send an alarm's change before an earlier one another live round still holds", async () => {
    const { w, evaluate } = await started();
    w.failNext = 1;
    await step(w, evaluate, 1, () => false);
    // The next round starts early (scheduler skew), inside the first one's claim, and sees the target back up.
    w.clock.now = T0 + MINUTE + 50_000;
    const early = await evaluate(round(2, () => true, 1));
    expect(early.published).toEqual([]);
    await step(w, evaluate, 3, () => true);
    // Both in order (the early round's change is dated by its own clock, 10:01:50).
    expect(w.published).toEqual([
      'vigil-dev-t0-down-critical: OK -> ALARM @10:01',
      'vigil-dev-t0-down-critical: ALARM -> OK @10:01',
    ]);
  });

  it('stop sending when the round has no time left, and send it next round', async () => {
    const { w, evaluate } = await started();
    const late = round(1, () => false, 1);
    w.clock.now = late.claimUntil - 1_000;
    const report = await evaluate(late);
    expect(report.published).toEqual([]);
    expect(report.failed).toEqual([
      { alarm: 'vigil-dev-t0-down-critical', error: 'no time left in the round: sent next round' },
    ]);
    await step(w, evaluate, 2, () => false);
    expect(w.published).toEqual(['vigil-dev-t0-down-critical: OK -> ALARM @10:01']);
  });
});
