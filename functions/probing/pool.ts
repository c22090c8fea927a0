/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep the order of `items`.
 * Rejects with the first rejection and starts no further items after it (items already running finish on their
 * own). A `limit` of Infinity runs everything at once.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!(limit >= 1) || (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY)) {
    throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;

  // Each worker pulls the next index when it finishes one, so a slow item never holds back the others.
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };

  const workers: Promise<void>[] = [];
  for (let count = Math.min(limit, items.length); count > 0; count--) workers.push(worker());
  await Promise.all(workers);
  return results;
}
