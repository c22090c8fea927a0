/**
 * Compensated (Kahan–Neumaier) summation as Prometheus 3 does it (util/kahansum: `Inc`), used by sum, avg,
 * sum_over_time and avg_over_time: sum(2, 8, 1e100, -1e100) is 10 where plain addition gives 0.
 * Prometheus 2.42's sum aggregation still added plainly (and gives 0); vigil follows the newer code.
 */
export class KahanSum {
  sum: number;
  compensation = 0;

  constructor(initial = 0) {
    this.sum = initial;
  }

  add(inc: number): void {
    const { sum } = this;
    const t = sum + inc;
    if (t > Number.MAX_VALUE || t < -Number.MAX_VALUE) {
      this.compensation = 0;
    } else if (Math.abs(sum) >= Math.abs(inc)) {
      this.compensation += sum - t + inc;
    } else {
      this.compensation += inc - t + sum;
    }
    this.sum = t;
  }
}

/** kahansum.Inc(inc, sum, c) as a pure function, for the incremental-mean steps that rescale sum and c. */
export function kahanInc(inc: number, sum: number, c: number): [sum: number, c: number] {
  const acc = new KahanSum(sum);
  acc.compensation = c;
  acc.add(inc);
  return [acc.sum, acc.compensation];
}

/**
 * The mean Prometheus 3 computes for avg and avg_over_time: a Kahan-compensated direct mean, switching to an
 * incremental mean once the running sum would overflow, so avg(±9.988e307) is 0 and avg(4 × 9.988e307) is
 * 9.988e307 (promqltest aggregators.test). Needs at least one value.
 */
export function kahanMean(values: readonly number[]): number {
  let sum = values[0]!;
  let c = 0;
  let mean = 0;
  let incremental = false;
  for (let i = 1; i < values.length; i++) {
    const f = values[i]!;
    const count = i + 1;
    if (!incremental) {
      const [next, nextC] = kahanInc(f, sum, c);
      if (next !== Number.POSITIVE_INFINITY && next !== Number.NEGATIVE_INFINITY) {
        sum = next;
        c = nextC;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanInc(f / count, q * mean, q * c);
  }
  return incremental ? mean + c : sum / values.length + c / values.length;
}
