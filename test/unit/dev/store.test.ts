import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSample,
  encodeSample,
  METRICS_FILE_NAME,
  openMetricStore,
  type StoredSample,
  seriesKey,
} from '../../../functions/dev/store';
import type { Datum } from '../../../functions/metrics/datums';

const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);
const MINUTE = 60_000;

function datum(
  MetricName: string,
  Value: number,
  at: number,
  extra: Record<string, string> = {},
  target = 'one-api',
): Datum {
  return {
    MetricName,
    Dimensions: [
      { Name: 'Target', Value: target },
      ...Object.entries(extra).map(([Name, DimensionValue]) => ({ Name, Value: DimensionValue })),
    ],
    Timestamp: new Date(at),
    Value,
    Unit: 'Count',
  };
}

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'vigil-store-')), METRICS_FILE_NAME);
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

const SAMPLE: StoredSample = {
  namespace: 'Vigil',
  metricName: 'Goroutines',
  dimensions: { Target: 'one-api' },
  unit: 'Count',
  timestamp: T0,
  value: 812,
};

describe('encoding', () => {
  it('round-trips a sample through one line in CloudWatch field names', () => {
    const line = encodeSample(SAMPLE);

    expect(JSON.parse(line)).toEqual({
      Timestamp: '2026-11-22T01:00:00.000Z',
      Namespace: 'Vigil',
      MetricName: 'Goroutines',
      Dimensions: { Target: 'one-api' },
      Value: 812,
      Unit: 'Count',
    });
    expect(decodeSample(line)).toEqual(SAMPLE);
  });

  it.each([
    ['a torn line', encodeSample(SAMPLE).slice(0, 40)],
    ['not an object', '42'],
    ['null', 'null'],
    ['a bad timestamp', encodeSample(SAMPLE).replace('2026-11-22T01:00:00.000Z', 'yesterday')],
    ['a string value', encodeSample(SAMPLE).replace('812', '"812"')],
    ['an unknown unit', encodeSample(SAMPLE).replace('"Count"', '"Goroutines"')],
    ['dimensions as a list', encodeSample(SAMPLE).replace('{"Target":"one-api"}', '[]')],
    ['a numeric dimension value', encodeSample(SAMPLE).replace('"one-api"', '7')],
  ])('refuses %s', (_name, line) => {
    expect(decodeSample(line)).toBeUndefined();
  });

  it('names a series the same whatever the dimension order', () => {
    expect(seriesKey({ ...SAMPLE, dimensions: { Target: 'a', method: 'GET' } })).toBe(
      seriesKey({ ...SAMPLE, dimensions: { method: 'GET', Target: 'a' } }),
    );
  });
});

describe('openMetricStore', () => {
  it('keeps what was published across a restart', async () => {
    const file = tempFile();
    const first = await openMetricStore(file, { now: () => T0 });
    first.publish('Vigil', [datum('Goroutines', 800, T0), datum('Goroutines', 2100, T0 + 5_000)]);
    await first.close();

    const second = await openMetricStore(file, { now: () => T0 + 10_000 });

    expect(second.loaded).toEqual({ samples: 2, expired: 0, unreadable: 0 });
    expect(second.samples().map((sample) => sample.value)).toEqual([800, 2100]);
  });

  it('reports datums CloudWatch would refuse instead of storing them', async () => {
    const store = await openMetricStore(tempFile(), { now: () => T0 });

    const { report, samples } = store.publish('Vigil', [
      datum('Goroutines', 800, T0),
      datum('Goroutines', Number.NaN, T0),
    ]);

    expect(samples).toHaveLength(1);
    expect(report).toEqual({
      requests: 0,
      sent: 1,
      viaEmf: 0,
      failed: [{ error: expect.stringContaining('not a finite number'), datums: 1 }],
      fallback: [],
    });
    await store.close();
  });

  describe('query', () => {
    async function storeWithSeries() {
      const store = await openMetricStore(tempFile(), { now: () => T0 + MINUTE });
      store.publish('Vigil', [
        datum('Goroutines', 1, T0),
        datum('Goroutines', 2, T0 + 5_000),
        datum('Goroutines', 3, T0 + 10_000),
        datum('Goroutines', 9, T0, {}, 'mall-go'),
        datum('RequestsByMethod', 10, T0, { method: 'GET' }),
        datum('RequestsByMethod', 20, T0, { method: 'POST' }),
      ]);
      return store;
    }
    const selector = (metricName: string, series: 'exact' | 'all') => ({
      namespace: 'Vigil',
      metricName,
      dimensions: { Target: 'one-api' },
      series,
    });

    it.each([
      ['the whole series', selector('Goroutines', 'exact'), {}, [[1, 2, 3]]],
      [
        'a half-open time range',
        selector('Goroutines', 'exact'),
        { from: T0 + 5_000, to: T0 + 10_000 },
        [[2]],
      ],
      ['only series with exactly the dimensions', selector('RequestsByMethod', 'exact'), {}, []],
      ['every series that has the dimensions', selector('RequestsByMethod', 'all'), {}, [[10], [20]]],
      ['nothing for another namespace', { ...selector('Goroutines', 'exact'), namespace: 'Other' }, {}, []],
    ])('finds %s', async (_name, wanted, range, values) => {
      const store = await storeWithSeries();

      const found = store.query(wanted, range);

      expect(found.map((series) => series.points.map((point) => point.value))).toEqual(values);
      await store.close();
    });
  });

  describe('retention', () => {
    it('drops expired samples on open and compacts the file', async () => {
      const file = tempFile();
      const early = await openMetricStore(file, { retentionMs: 10 * MINUTE, now: () => T0 });
      early.publish('Vigil', [datum('Goroutines', 1, T0 - 20 * MINUTE + 1), datum('Goroutines', 2, T0)]);
      await early.close();

      const later = await openMetricStore(file, { retentionMs: 10 * MINUTE, now: () => T0 + 5 * MINUTE });
      await later.flush();

      expect(later.loaded).toEqual({ samples: 1, expired: 1, unreadable: 0 });
      expect(lines(file)).toHaveLength(1);
      await later.close();
    });

    it('forgets expired samples in memory as time passes', async () => {
      let now = T0;
      const store = await openMetricStore(tempFile(), { retentionMs: MINUTE, now: () => now });
      store.publish('Vigil', [datum('Goroutines', 1, T0)]);

      now = T0 + 2 * MINUTE;
      store.publish('Vigil', [datum('Goroutines', 2, now)]);

      expect(store.samples().map((sample) => sample.value)).toEqual([2]);
      await store.close();
    });

    it('bounds the file while running: it is rewritten once it holds twice what is kept', async () => {
      const file = tempFile();
      let now = T0;
      const store = await openMetricStore(file, { retentionMs: MINUTE, compactMinLines: 10, now: () => now });

      for (let round = 0; round < 200; round++) {
        now = T0 + round * 5_000;
        store.publish('Vigil', [datum('Goroutines', round, now)]);
      }
      await store.flush();

      // 13 rounds lie within the last minute (both ends included); compaction keeps the file under about twice the
      // larger of that and the minimum, against 200 lines without it.
      expect(lines(file).length).toBeLessThanOrEqual(2 * 13 + 1);
      expect(store.samples()).toHaveLength(13);
      await store.close();
    });
  });

  it('skips a torn last line (a crash mid-append) and rewrites the file without it', async () => {
    const file = tempFile();
    writeFileSync(file, `${encodeSample(SAMPLE)}\n${encodeSample(SAMPLE).slice(0, 30)}`);

    const store = await openMetricStore(file, { now: () => T0 });
    await store.flush();

    expect(store.loaded).toEqual({ samples: 1, expired: 0, unreadable: 1 });
    expect(lines(file)).toEqual([encodeSample(SAMPLE)]);
    await store.close();
  });

  it('rejects flush with the write error, and recovers once the file is writable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
    // A directory where the file should be: every append fails.
    const file = join(dir, 'blocked');
    const store = await openMetricStore(join(file, METRICS_FILE_NAME), { now: () => T0 });
    writeFileSync(file, 'not a directory');

    store.publish('Vigil', [datum('Goroutines', 1, T0)]);

    await expect(store.flush()).rejects.toThrow(/ENOTDIR|EEXIST/);
    await expect(store.flush()).resolves.toBeUndefined();
    expect(store.samples()).toHaveLength(1);
  });
});
