/** The rate-state history (pure) and its stored encoding. */
import { gzipSync } from 'node:zlib';
import { packHistory, unpackHistory } from '../../../functions/probing/history-transfer';
import { decodeState, encodeState, StateDecodeError } from '../../../functions/probing/state/codec';
import { type HistoryLimits, type RoundSamples, recordRound } from '../../../functions/probing/state/history';
import { emptyState, type ShardState } from '../../../functions/probing/state/types';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const LIMITS: HistoryLimits = { retentionMs: 5 * MINUTE, maxSeriesPerTarget: 100, maxBytes: 1_000_000 };
const up = (value: number) => ({ __name__: 'http_requests_total', code: String(value) });

function round(
  at: number,
  scraped: RoundSamples['scraped'],
  configHashes: Record<string, string> = { api: 'h1' },
): RoundSamples {
  return { at, configHashes, scraped };
}
const sample = (labels: Record<string, string>, t: number, v: number) => ({ labels, sample: { t, v } });

/** Feeds rounds one by one, as the probe does. */
function play(rounds: RoundSamples[], limits = LIMITS): ShardState {
  return rounds.reduce((state, next) => recordRound(state, next, limits).state, emptyState());
}

describe('recordRound', () => {
  it('starts from nothing on the first round: one sample, no history invented', () => {
    const state = play([round(T0, { api: [sample(up(200), T0, 10)] })]);
    expect(state.targets.api?.series).toEqual([{ labels: up(200), samples: [{ t: T0, v: 10 }] }]);
    expect(state.writtenAt).toBe(T0);
  });

  it('appends one sample per round and drops those older than the retention', () => {
    const rounds = [0, 1, 2, 3, 4, 5, 6, 7].map((minute) =>
      round(T0 + minute * MINUTE, { api: [sample(up(200), T0 + minute * MINUTE, minute)] }),
    );
    const state = play(rounds);
    // At minute 7 a 5-minute window keeps (2, 7]: minutes 3..7.
    expect(state.targets.api?.series[0]?.samples.map((s) => s.v)).toEqual([3, 4, 5, 6, 7]);
  });

  it('keeps the history of a target that failed this round (missed rounds shorten the data, never fill it)', () => {
    const state = play([
      round(T0, { api: [sample(up(200), T0, 1)] }),
      round(T0 + MINUTE, {}),
      round(T0 + 2 * MINUTE, { api: [sample(up(200), T0 + 2 * MINUTE, 3)] }),
    ]);
    expect(state.targets.api?.series[0]?.samples).toEqual([
      { t: T0, v: 1 },
      { t: T0 + 2 * MINUTE, v: 3 },
    ]);
  });

  it('marks every series of a failed scrape stale, once, at the scrape time', () => {
    const failedAt = T0 + MINUTE;
    const state = play([
      round(T0, { api: [sample(up(200), T0, 1)] }),
      { ...round(failedAt, {}), failed: { api: failedAt } },
      { ...round(failedAt + MINUTE, {}), failed: { api: failedAt + MINUTE } },
    ]);
    expect(state.targets.api?.series[0]?.samples).toEqual([
      { t: T0, v: 1 },
      { t: failedAt, v: Number.NaN, stale: true },
    ]);
  });

  it('marks a series missing from a successful scrape stale, and forgets one with only its marker left', () => {
    const at = T0 + MINUTE;
    const state = play([
      round(T0, { api: [sample(up(200), T0, 1), sample(up(500), T0, 1)] }),
      round(at, { api: [sample(up(200), at, 2)] }),
    ]);
    expect(state.targets.api?.series.find((series) => series.labels.code === '500')?.samples).toEqual([
      { t: T0, v: 1 },
      { t: at, v: Number.NaN, stale: true },
    ]);
    // Five minutes on, the 500 series' only sample within the retention would be its marker: it is gone.
    const later = T0 + 5 * MINUTE + 1;
    const after = recordRound(state, round(later, { api: [sample(up(200), later, 3)] }), LIMITS).state;
    expect(after.targets.api?.series.map((series) => series.labels.code)).toEqual(['200']);
  });

  it('keeps a per-target retention when the round gives one', () => {
    const rounds = [0, 1, 2, 3].map((minute) => ({
      ...round(T0 + minute * MINUTE, { api: [sample(up(200), T0 + minute * MINUTE, minute)] }),
      retentionMs: { api: 2 * MINUTE },
    }));
    expect(play(rounds).targets.api?.series[0]?.samples.map((s) => s.v)).toEqual([2, 3]);
  });

  it('expires a series that vanished once its samples left the window', () => {
    const rounds: RoundSamples[] = [round(T0, { api: [sample(up(200), T0, 1), sample(up(500), T0, 1)] })];
    for (let minute = 1; minute <= 6; minute++) {
      const at = T0 + minute * MINUTE;
      rounds.push(round(at, { api: [sample(up(200), at, minute)] }));
    }
    const codes = (state: ShardState) => state.targets.api?.series.map((series) => series.labels.code);
    expect(codes(play(rounds.slice(0, 5)))).toEqual(['200', '500']);
    expect(codes(play(rounds))).toEqual(['200']);
  });

  it.each([
    ['a repeated round (same timestamp)', T0, 99],
    ['a late round (older timestamp)', T0 - 1_000, 99],
  ])('is monotone: %s adds nothing', (_name, t, v) => {
    const first = play([round(T0, { api: [sample(up(200), T0, 1)] })]);
    const again = recordRound(first, round(T0, { api: [sample(up(200), t, v)] }), LIMITS).state;
    expect(again.targets.api?.series[0]?.samples).toEqual([{ t: T0, v: 1 }]);
  });

  it('treats label order as the same series', () => {
    const state = play([
      round(T0, { api: [sample({ __name__: 'x', a: '1', b: '2' }, T0, 1)] }),
      round(T0 + MINUTE, { api: [sample({ b: '2', a: '1', __name__: 'x' }, T0 + MINUTE, 2)] }),
    ]);
    expect(state.targets.api?.series).toHaveLength(1);
    expect(state.targets.api?.series[0]?.samples).toHaveLength(2);
  });

  it('resets a target whose config changed, keeps the others, forgets removed targets', () => {
    const before = play([
      round(
        T0,
        { api: [sample(up(200), T0, 1)], web: [sample(up(200), T0, 1)], old: [sample(up(1), T0, 1)] },
        {
          api: 'h1',
          web: 'w1',
          old: 'o1',
        },
      ),
    ]);
    const at = T0 + MINUTE;
    const { state, reset } = recordRound(
      before,
      round(
        at,
        { api: [sample(up(200), at, 2)], web: [sample(up(200), at, 2)] },
        {
          api: 'h2',
          web: 'w1',
        },
      ),
      LIMITS,
    );
    expect(reset).toEqual(['api']);
    expect(state.targets.api?.series[0]?.samples).toEqual([{ t: at, v: 2 }]);
    expect(state.targets.web?.series[0]?.samples).toHaveLength(2);
    expect(Object.keys(state.targets)).toEqual(['api', 'web']);
    expect(state.configHashes).toEqual({ api: 'h2', web: 'w1' });
  });

  it('caps series per target, keeping those seen most recently, and reports the cut', () => {
    const limits = { ...LIMITS, maxSeriesPerTarget: 2 };
    const first = recordRound(
      emptyState(),
      round(T0, { api: [1, 2, 3].map((code) => sample(up(code), T0, 1)) }),
      limits,
    );
    expect(first.cut).toEqual([{ target: 'api', series: 1, why: 'maxSeriesPerTarget' }]);
    expect(first.state.targets.api?.series).toHaveLength(2);
    const at = T0 + MINUTE;
    const next = recordRound(first.state, round(at, { api: [sample(up(9), at, 1)] }), limits);
    expect(next.state.targets.api?.series.map((series) => series.labels.code)).toContain('9');
  });

  it('caps the shard in bytes, dropping the least recently seen series first, and reports the cut', () => {
    const scraped = { api: Array.from({ length: 50 }, (_, index) => sample(up(index), T0 - index, 1)) };
    const { state, cut } = recordRound(emptyState(), round(T0, scraped), { ...LIMITS, maxBytes: 2_000 });
    const kept = state.targets.api?.series ?? [];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(50);
    expect(cut).toEqual([{ target: 'api', series: 50 - kept.length, why: 'maxBytes' }]);
    // The newest (index 0 has the latest timestamp) survive.
    expect(kept.map((series) => series.labels.code)).toContain('0');
    expect(JSON.stringify(state).length).toBeLessThan(4_000);
  });
});

describe('state encoding', () => {
  const state: ShardState = {
    writtenAt: T0,
    configHashes: { api: 'abc' },
    targets: {
      api: {
        series: [
          {
            labels: { __name__: 'x', le: '+Inf', ['__proto__']: 'p' },
            samples: [
              { t: T0, v: 1.5 },
              { t: T0 + MINUTE, v: Number.NaN },
              { t: T0 + 2 * MINUTE, v: Number.POSITIVE_INFINITY },
              { t: T0 + 3 * MINUTE, v: Number.NEGATIVE_INFINITY },
            ],
          },
        ],
      },
    },
  };

  it('round-trips a staleness marker', () => {
    const state: ShardState = {
      writtenAt: T0,
      configHashes: { api: 'h' },
      targets: {
        api: {
          series: [
            {
              labels: up(200),
              samples: [
                { t: T0, v: 1 },
                { t: T0 + MINUTE, v: Number.NaN, stale: true },
              ],
            },
          ],
        },
      },
    };
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it('round-trips every value, NaN and infinities included', () => {
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it('keeps a label named __proto__ as an own key', () => {
    const labels = decodeState(encodeState(state)).targets.api!.series[0]!.labels;
    expect(Object.keys(labels)).toContain('__proto__');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it.each([
    ['not gzip', Buffer.from('hello')],
    ['gzip of garbage', gzipSync('{{{')],
    ['another format version', gzipSync(JSON.stringify({ v: 2, w: 0, c: {}, t: {} }))],
    ['a series of the wrong shape', gzipSync(JSON.stringify({ v: 1, w: 0, c: {}, t: { a: [[{}, 0]] } }))],
    [
      'timestamps going backwards',
      gzipSync(JSON.stringify({ v: 1, w: 0, c: {}, t: { a: [[{}, 5, [-1], [1, 2]]] } })),
    ],
    [
      'a label value that is not a string',
      gzipSync(JSON.stringify({ v: 1, w: 0, c: {}, t: { a: [[{ x: 1 }, 5, [], [1]]] } })),
    ],
    [
      'a value that is not a number',
      gzipSync(JSON.stringify({ v: 1, w: 0, c: {}, t: { a: [[{}, 5, [], ['x']]] } })),
    ],
  ])('rejects %s with a StateDecodeError', (_name, body) => {
    expect(() => decodeState(body)).toThrow(StateDecodeError);
  });

  it('refuses to inflate a gzip bomb', () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 32));
    expect(() => decodeState(bomb)).toThrow(/not gzip within/);
  });

  it('is compact: 100 targets × 50 series × 6 samples in well under 100 KB', () => {
    const big = play(
      Array.from({ length: 6 }, (_, minute) => {
        const at = T0 + minute * MINUTE;
        const scraped: RoundSamples['scraped'] = {};
        for (let target = 0; target < 100; target++) {
          scraped[`target-${target}`] = Array.from({ length: 50 }, (_, index) =>
            sample(
              {
                __name__: 'http_requests_total',
                method: index % 2 ? 'GET' : 'POST',
                status: String(200 + index),
              },
              at,
              1000 * minute + index * 17.25,
            ),
          );
        }
        return {
          at,
          configHashes: Object.fromEntries(Object.keys(scraped).map((name) => [name, 'h'])),
          scraped,
        };
      }),
      { ...LIMITS, maxBytes: 10_000_000 },
    );
    const bytes = encodeState(big).length;
    expect(bytes).toBeLessThan(100_000);
    expect(decodeState(encodeState(big))).toEqual(big);
  });
});

describe('history packed for the inspection worker', () => {
  it('unpacks what it packed, staleness markers and non-finite values included', () => {
    const history = [
      {
        labels: { __name__: 'a', x: '1' },
        samples: [
          { t: 1, v: 2 },
          { t: 2, v: Number.NaN, stale: true },
        ],
      },
      { labels: { __name__: 'b' }, samples: [] },
      { labels: { __name__: 'c' }, samples: [{ t: 3, v: Number.POSITIVE_INFINITY }] },
    ];
    expect(unpackHistory(structuredClone(packHistory(history)))).toEqual(history);
  });
});
