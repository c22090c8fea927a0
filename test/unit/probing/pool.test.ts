import { mapWithConcurrency } from '../../../functions/probing/pool';

/** A promise the test settles by hand, so ordering is controlled without timers. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapWithConcurrency', () => {
  it('keeps the order of the items, not of completion', async () => {
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const running = mapWithConcurrency(['a', 'b', 'c'], 3, async (item, index) => {
      await gates[index]?.promise;
      return `${item}${index}`;
    });

    gates[2]?.resolve();
    gates[0]?.resolve();
    gates[1]?.resolve();

    await expect(running).resolves.toEqual(['a0', 'b1', 'c2']);
  });

  it.each([
    ['limit below the item count', 10, 3, 3],
    ['limit of one (sequential)', 5, 1, 1],
    ['limit above the item count', 4, 100, 4],
    ['unbounded limit', 6, Number.POSITIVE_INFINITY, 6],
  ])('never runs more than the limit at once: %s', async (_name, count, limit, expectedPeak) => {
    let active = 0;
    let peak = 0;
    const items = Array.from({ length: count }, (_, index) => index);

    await mapWithConcurrency(items, limit, async () => {
      active++;
      peak = Math.max(peak, active);
      await flush();
      active--;
    });

    expect(peak).toBe(expectedPeak);
  });

  it('starts the next item as soon as any one finishes', async () => {
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const started: number[] = [];
    const running = mapWithConcurrency([0, 1, 2], 2, async (_item, index) => {
      started.push(index);
      await gates[index]?.promise;
    });

    await flush();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);

    gates[0]?.resolve();
    gates[2]?.resolve();
    await running;
  });

  it('returns an empty array for no items without calling fn', async () => {
    const fn = jest.fn(async () => 1);

    await expect(mapWithConcurrency([], 5, fn)).resolves.toEqual([]);
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with the first failure and starts no further items', async () => {
    const started: number[] = [];

    const running = mapWithConcurrency([0, 1, 2, 3], 1, async (item) => {
      started.push(item);
      if (item === 1) throw new Error('item 1 failed');
      return item;
    });

    await expect(running).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1]);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
  ])('rejects a %s limit', async (_name, limit) => {
    await expect(mapWithConcurrency([1], limit, async (item) => item)).rejects.toThrow(RangeError);
  });
});
