/**
 * Self-evaluated alarms (functions/alarms/self/) on a real store with conditional writes (SQLite): what is
 * published when rounds overlap, die half way, are missed, or the shard outgrows one chunk. Each story feeds rounds
 * one by one and asserts exactly which state changes reach the topic.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALARMS_PER_CHUNK, type SelfEvaluator, selfEvaluator } from '../../../functions/alarms/self/round';
import { parseConfig } from '../../../functions/config/load';
import type { Datum } from '../../../functions/metrics/datums';
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

/** Each target's ProbeSuccess for the round at `minute` (5 s into it). */
function round(minute: number, up: (target: number) => boolean, targets: number, holder = `r${minute}`) {
  const at = new Date(T0 + minute * MINUTE + 5_000);
  const datums: Datum[] = Array.from({ length: targets }, (_, i) => ({
    MetricName: 'ProbeSuccess',
    Dimensions: [{ Name: 'Target', Value: `t${i}` }],
    Timestamp: at,
    Value: up(i) ? 1 : 0,
    Unit: 'Count',
  }));
  return {
    shard: 'round',
    targets: Array.from({ length: targets }, (_, i) => `t${i}`),
    round: at,
    datums,
    holder,
    claimUntil: at.getTime() + 50_000,
  };
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
    await at(
      w,
      evaluate,
      0,
      round(0, () => true, 2),
    );
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
    const w = world();
    const evaluate = w.evaluator(1);
    await at(
      w,
      evaluate,
      0,
      round(0, () => true, 1),
    );
    w.published.length = 0;
    w.failNext = 1;
    const failed = await at(
      w,
      evaluate,
      1,
      round(1, () => false, 1),
    );
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
    await at(
      w,
      evaluate,
      2,
      round(2, () => true, 1),
    );
    expect(w.published).toEqual([
      'vigil-dev-t0-down-critical: OK -> ALARM @10:01',
      'vigil-dev-t0-down-critical: ALARM -> OK @10:02',
    ]);
  });

  it('replay the periods a stalled probe missed, as CloudWatch evaluated them meanwhile', async () => {
    const w = world();
    // missing: breaching, 1 of 1: three periods without a datapoint (the range is N + 2) fire it.
    const evaluate = w.evaluator(1, '{ for: 1, of: 1, missing: breaching }');
    await at(
      w,
      evaluate,
      0,
      round(0, () => true, 1),
    );
    w.published.length = 0;
    await at(
      w,
      evaluate,
      6,
      round(6, () => true, 1),
    );
    expect(w.published).toEqual([
      // The evaluation at 10:04 (periods 10:01-10:03 empty) fired it; dated when it happened, not at 10:06.
      'vigil-dev-t0-down-critical: OK -> ALARM @10:04',
      'vigil-dev-t0-down-critical: ALARM -> OK @10:06',
    ]);
  });

  it('keep every alarm state when the shard outgrows one chunk', async () => {
    const w = world();
    const small = ALARMS_PER_CHUNK - 50;
    const large = ALARMS_PER_CHUNK + 50;
    const first = await at(
      w,
      w.evaluator(small),
      0,
      round(0, () => true, small),
    );
    expect(first.chunks).toBe(1);
    w.published.length = 0;
    const grown = await at(
      w,
      w.evaluator(large),
      1,
      round(1, () => true, large),
    );
    expect(grown.chunks).toBe(2);
    // Only the new targets' alarms are new (their first OK); the others stay OK, silently.
    expect(w.published).toHaveLength(large - small);
    expect(w.published.every((line) => / t(1[5-9]\d|2[0-4]\d)-|-t(1[5-9]\d|2[0-4]\d)-/.test(line))).toBe(
      true,
    );
  });
});
