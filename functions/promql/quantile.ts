/**
 * histogram_quantile() over classic `_bucket` series and the quantile aggregation, ported from Prometheus 3
 * promql/quantile.go (`BucketQuantile`, `coalesceBuckets`, `ensureMonotonicAndIgnoreSmallDeltas`, `quantile`).
 * Prometheus 2.42 repaired monotonicity the same way but did not first ignore relative differences below
 * SMALL_DELTA_TOLERANCE between neighbouring buckets; vigil follows the newer code.
 */

export interface Bucket {
  upperBound: number;
  count: number;
}

/** Relative bucket differences below this are float noise, not observations (quantile.go smallDeltaTolerance). */
export const SMALL_DELTA_TOLERANCE = 1e-12;
/** The smallest positive normal float64 (util/almost minNormal). */
const MIN_NORMAL = 2.2250738585072014e-308;

/** util/almost.Equal: within epsilon relative to the sum of magnitudes; two NaNs are equal. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Go's sort.Search: the smallest i in [0, n) with f(i) true, assuming f is monotone (binary search as Go does it). */
function goSearch(n: number, f: (i: number) => boolean): number {
  let i = 0;
  let j = n;
  while (i < j) {
    const h = (i + j) >>> 1;
    if (!f(h)) i = h + 1;
    else j = h;
  }
  return i;
}

/** Merges buckets with the same upper bound (sorted input). */
function coalesceBuckets(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  let last = { ...buckets[0]! };
  for (const bucket of buckets.slice(1)) {
    if (bucket.upperBound === last.upperBound) {
      last.count += bucket.count;
    } else {
      out.push(last);
      last = { ...bucket };
    }
  }
  out.push(last);
  return out;
}

/** Ignores float-noise differences, then removes every decrease between neighbouring buckets. */
function ensureMonotonic(buckets: Bucket[]): void {
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i]!.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      buckets[i]!.count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i]!.count = prev;
      continue;
    }
    prev = curr;
  }
}

/**
 * The φ-quantile of classic buckets: linear interpolation inside the bucket holding the rank, 0 as the lower
 * bound of a first bucket with a positive bound, the second-highest bound when the rank falls into +Inf.
 * NaN for φ NaN, no +Inf bucket, fewer than two buckets or no observations; -Inf / +Inf for φ < 0 / φ > 1.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = input.map((bucket) => ({ ...bucket }));
  sorted.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (sorted[sorted.length - 1]!.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  const buckets = coalesceBuckets(sorted);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  const b = goSearch(buckets.length - 1, (i) => buckets[i]!.count >= rank);
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** The quantile aggregation: weighted average of the two nearest ranks of the sorted values (NaN sorts first). */
export function quantile(q: number, input: readonly number[]): number {
  if (input.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const values = [...input].sort((a, b) =>
    Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b,
  );
  const n = values.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return values[lowerIndex]! * (1 - weight) + values[upperIndex]! * weight;
}
