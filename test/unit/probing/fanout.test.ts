/**
 * Shard planning and the per-shard lease, pure or over real files: capacity from the measured costs, a plan that
 * covers every target once within capacity, stable assignment (a target keeps its shard, and its rate state, while
 * the config keeps its shape), and one worker per shard at a time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../functions/config/load';
import { SLOW_TARGET_SHARE, shardCapacity } from '../../../functions/probing/fanout/capacity';
import { acquireLease, leaseKey, releaseLease } from '../../../functions/probing/fanout/lease';
import { jumpHash, planShards } from '../../../functions/probing/fanout/shards';
import { parseShardMessage } from '../../../functions/probing/fanout/worker';
import { WHOLE_ROUND_SHARD } from '../../../functions/probing/round-state';
import { fileStateObjects } from '../../../functions/probing/state/file';

function configWith(targets: number, probe = ''): ReturnType<typeof parseConfig> {
  const lines = Array.from(
    { length: targets },
    (_, i) => `  - { name: t${i}, url: "http://127.0.0.1:1/${i}" }`,
  );
  return parseConfig(
    `probe: { ${probe.includes('timeout') ? probe.slice(2) : `timeout: 10s${probe}`} }\ntargets:${targets === 0 ? ' []' : `\n${lines.join('\n')}`}\n`,
  );
}

describe('shard capacity', () => {
  it('is bound by concurrency slots at the defaults: 10% of targets hanging for 10 s dominate', () => {
    const capacity = shardCapacity(configWith(0).probe);
    expect(capacity.limitedBy).toBe('concurrency');
    // 41 s of budget × 50 slots / (0.1 × 10 s + 0.9 × 250 ms) per target.
    expect(capacity.budgetMs).toBe(41_000);
    expect(capacity.targets).toBe(Math.floor((41_000 * 50) / (SLOW_TARGET_SHARE * 10_000 + 0.9 * 250)));
  });

  it.each([
    ['a shorter timeout', ', timeout: 2s', (base: number, now: number) => now > base],
    ['more concurrency', ', concurrency: 200', (base: number, now: number) => now > base],
    ['a longer schedule', ', schedule: 5m', (base: number, now: number) => now > base],
  ])('grows with %s', (_name, probe, grew) => {
    const base = shardCapacity(configWith(0).probe).targets;
    expect(grew(base, shardCapacity(configWith(0, probe).probe).targets)).toBe(true);
  });
});

describe('shard plan', () => {
  it('keeps a config that fits one invocation in one shard: the single-invocation path', () => {
    const plan = planShards(configWith(300));
    expect(plan.shards).toHaveLength(1);
    expect(plan.shards[0]).toMatchObject({ id: WHOLE_ROUND_SHARD, index: 0 });
    expect(plan.shards[0]?.targets).toHaveLength(300);
  });

  it('splits 10,000 targets into shards within capacity, every target exactly once', () => {
    const plan = planShards(configWith(10_000));
    const all = plan.shards.flatMap((shard) => shard.targets);
    expect(new Set(all).size).toBe(10_000);
    expect(all).toHaveLength(10_000);
    expect(Math.max(...plan.shards.map((shard) => shard.targets.length))).toBeLessThanOrEqual(
      plan.capacity.targets,
    );
    expect(plan.shards.length).toBeLessThanOrEqual(Math.ceil(10_000 / plan.capacity.targets) + 2);
    expect(plan.shards.map((shard) => shard.id)).toEqual(plan.shards.map((_, index) => `shard-${index}`));
  });

  it('is the same plan for the same config (a worker recomputes it from its own copy)', () => {
    expect(planShards(configWith(2_000, ', shardSize: 300'))).toEqual(
      planShards(configWith(2_000, ', shardSize: 300')),
    );
  });

  it('moves no other target when one is added and the shard count stays', () => {
    const before = planShards(configWith(2_000, ', shardSize: 400'));
    const after = planShards(configWith(2_001, ', shardSize: 400'));
    expect(after.shards).toHaveLength(before.shards.length);
    const shardOf = (plan: typeof before) =>
      new Map(plan.shards.flatMap((shard) => shard.targets.map((target) => [target, shard.id] as const)));
    const was = shardOf(before);
    const now = shardOf(after);
    expect([...was].filter(([target, shard]) => now.get(target) !== shard)).toEqual([]);
  });

  it('moves only what the new shard takes when the count grows by one', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => BigInt(i) * 0x9e3779b97f4a7c15n);
    const moved = keys.filter((key) => jumpHash(key, 10) !== jumpHash(key, 11));
    expect(moved.every((key) => jumpHash(key, 11) === 10)).toBe(true);
    // About 1/11 of them (binomial: 909 ± 3σ ≈ 86).
    expect(moved.length).toBeGreaterThan(800);
    expect(moved.length).toBeLessThan(1_000);
  });
});

describe('shard messages', () => {
  it.each([
    ['not JSON', '{', 'the message is not JSON'],
    ['missing fields', '{"round":"2026-12-01T00:00:00.000Z"}', /shard must be an integer/],
    ['an array', '[]', 'the message is not an object'],
    [
      'a round that is no time',
      '{"round":"yesterday","shard":0,"shards":1,"plan":"p"}',
      /round must be an ISO time/,
    ],
    [
      'an unknown key',
      '{"round":"2026-12-01T00:00:00.000Z","shard":0,"shards":1,"plan":"p","x":1}',
      /unknown keys "x"/,
    ],
    [
      'a negative shard',
      '{"round":"2026-12-01T00:00:00.000Z","shard":-1,"shards":0,"plan":"p"}',
      /shard must be .*; shards must be/,
    ],
  ])('refuses %s with why', (_name, body, problem) => {
    const parsed = parseShardMessage(body);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });

  it('takes what the planner sends', () => {
    const message = { round: '2026-12-01T00:00:00.000Z', shard: 2, shards: 3, plan: 'abc' };
    expect(parseShardMessage(JSON.stringify(message))).toEqual(message);
  });
});

describe('shard lease (files, the local store)', () => {
  const objects = () => fileStateObjects(mkdtempSync(join(tmpdir(), 'vigil-lease-')));
  const key = leaseKey('', 'shard-0');
  const round = (n: number) => `2026-12-01T00:0${n}:00.000Z`;

  it('lets exactly one of many concurrent workers take a shard', async () => {
    const store = objects();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        acquireLease(store, key, {
          round: round(1),
          holder: `w${i}`,
          until: Date.now() + 60_000,
          now: Date.now(),
        }),
      ),
    );
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
  });

  it("keeps the next round's worker out while a running lease holds, and lets it in once it expired", async () => {
    const store = objects();
    const now = Date.now();
    await acquireLease(store, key, { round: round(1), holder: 'slow', until: now + 10_000, now });
    expect(
      await acquireLease(store, key, {
        round: round(2),
        holder: 'next',
        until: now + 70_000,
        now: now + 5_000,
      }),
    ).toMatchObject({
      acquired: false,
      why: 'held',
    });
    expect(
      await acquireLease(store, key, {
        round: round(2),
        holder: 'next',
        until: now + 70_000,
        now: now + 10_001,
      }),
    ).toEqual({
      acquired: true,
    });
  });

  it('calls a second delivery of a finished round a duplicate, and frees the shard for the next round', async () => {
    const store = objects();
    const now = Date.now();
    await acquireLease(store, key, { round: round(1), holder: 'a', until: now + 60_000, now });
    expect(await releaseLease(store, key, { round: round(1), holder: 'a', now })).toBe(true);
    expect(
      await acquireLease(store, key, { round: round(1), holder: 'b', until: now + 60_000, now }),
    ).toMatchObject({
      acquired: false,
      why: 'duplicate',
    });
    expect(
      await acquireLease(store, key, { round: round(2), holder: 'c', until: now + 60_000, now }),
    ).toEqual({
      acquired: true,
    });
  });

  it('does not release a lease another holder took over', async () => {
    const store = objects();
    const now = Date.now();
    await acquireLease(store, key, { round: round(1), holder: 'a', until: now + 1_000, now });
    await acquireLease(store, key, { round: round(2), holder: 'b', until: now + 60_000, now: now + 2_000 });
    expect(await releaseLease(store, key, { round: round(1), holder: 'a', now: now + 3_000 })).toBe(false);
  });
});
