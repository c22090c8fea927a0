import type { Datum } from '../../../functions/metrics/datums';
import {
  datumWireBytes,
  PACK_BUDGET_BYTES,
  PUT_METRIC_DATA_MAX_BYTES,
  PUT_METRIC_DATA_MAX_DATUMS,
  packBatches,
  packRequests,
  putMetricDataBodyBytes,
} from '../../../functions/metrics/pack';
import { AT, longDimensionDatums, ordinaryDatums } from './helpers';

const NS = 'Vigil';

/** No packing can beat this: the count bound and the byte bound (the envelope repeats per request). */
function lowerBound(datums: Datum[]): number {
  if (datums.length === 0) return 0;
  const bytes = putMetricDataBodyBytes(NS, datums);
  return Math.max(
    Math.ceil(datums.length / PUT_METRIC_DATA_MAX_DATUMS),
    Math.ceil(bytes / PACK_BUDGET_BYTES),
  );
}

describe('packRequests: count limit', () => {
  it.each([
    [0, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [10_000, 10],
    [25_000, 25],
  ])('%i ordinary datums → %i requests (the minimum)', (n, expected) => {
    const datums = ordinaryDatums(n);

    const requests = packRequests(NS, datums);

    expect(requests).toHaveLength(expected);
    expect(requests).toHaveLength(lowerBound(datums));
    for (const request of requests) {
      expect(request.Namespace).toBe(NS);
      expect(request.MetricData!.length).toBeLessThanOrEqual(PUT_METRIC_DATA_MAX_DATUMS);
    }
  });

  it('keeps every datum exactly once, as the same objects', () => {
    const datums = [...ordinaryDatums(2_345), ...longDimensionDatums(50)];

    const flat = packBatches(NS, datums).flat();

    expect(new Set(flat)).toEqual(new Set(datums));
    expect(flat).toHaveLength(datums.length);
  });
});

describe('packRequests: byte limit', () => {
  it.each([
    ['30 dims × 1,024 chars (~31 KB each)', longDimensionDatums(200, 30, 1024)],
    ['10 dims × 1,000 chars (~10 KB each)', longDimensionDatums(500, 10, 1000)],
    [
      'mixed long and ordinary',
      [...longDimensionDatums(60), ...ordinaryDatums(3000), ...longDimensionDatums(60)],
    ],
    [
      'uneven sizes',
      longDimensionDatums(300, 30, 1024).map((d, i) => ({
        ...d,
        Dimensions: d.Dimensions.slice(0, 1 + (i % 30)),
      })),
    ],
  ])('%s: every body within the budget, at most one request above the lower bound', (_name, datums) => {
    const batches = packBatches(NS, datums);

    for (const batch of batches) {
      expect(putMetricDataBodyBytes(NS, batch)).toBeLessThanOrEqual(PACK_BUDGET_BYTES);
      expect(batch.length).toBeLessThanOrEqual(PUT_METRIC_DATA_MAX_DATUMS);
    }
    expect(batches.flat()).toHaveLength(datums.length);
    expect(batches.length).toBeLessThanOrEqual(lowerBound(datums) + 1);
    expect(batches.length).toBeGreaterThanOrEqual(lowerBound(datums));
  });

  it('reaches the lower bound on long and ordinary datums mixed (first-fit decreasing alone needs 7)', () => {
    const datums = [...longDimensionDatums(60), ...ordinaryDatums(3000), ...longDimensionDatums(60)];

    expect(lowerBound(datums)).toBe(5);
    expect(packBatches(NS, datums)).toHaveLength(5);
  });

  it('keeps a margin below the 1 MB cap', () => {
    expect(PACK_BUDGET_BYTES).toBeLessThan(PUT_METRIC_DATA_MAX_BYTES);
  });

  /** Datums whose body is exactly `target` bytes: long dimensions, the last one padded to land on it. */
  function datumsTotalling(target: number): Datum[] {
    const datums = longDimensionDatums(40, 30, 800);
    while (putMetricDataBodyBytes(NS, datums) > target) datums.pop();
    const last = datums.at(-1)!;
    const missing = target - putMetricDataBodyBytes(NS, datums);
    const dim = last.Dimensions[0]!;
    dim.Value = dim.Value + 'p'.repeat(missing);
    return datums;
  }

  it.each([
    ['exactly the budget', 0, 1],
    ['one byte over the budget', 1, 2],
  ])('a body of %s → %i request(s)', (_name, extra, expected) => {
    const datums = datumsTotalling(PACK_BUDGET_BYTES + extra);
    expect(putMetricDataBodyBytes(NS, datums)).toBe(PACK_BUDGET_BYTES + extra);

    expect(packRequests(NS, datums)).toHaveLength(expected);
  });

  it('sends a datum too big for any request alone, the others packed around it', () => {
    const huge: Datum = {
      MetricName: 'Huge',
      Dimensions: [{ Name: 'blob', Value: 'x'.repeat(PACK_BUDGET_BYTES) }],
      Timestamp: AT,
      Value: 1,
      Unit: 'None',
    };
    const datums = [...ordinaryDatums(10), huge, ...ordinaryDatums(10)];

    const batches = packBatches(NS, datums);

    expect(batches.map((b) => b.length).sort()).toEqual([1, 20]);
    expect(batches).toContainEqual([huge]);
  });
});

describe('putMetricDataBodyBytes', () => {
  it.each([
    ['ordinary', ordinaryDatums(3)],
    ['no dimensions', [{ ...ordinaryDatums(1)[0]!, Dimensions: [] }]],
    ['sub-millisecond-free timestamp', ordinaryDatums(2, new Date('2026-11-20T12:00:00Z'))],
    ['escaped characters', [{ ...ordinaryDatums(1)[0]!, MetricName: 'quote"back\\slash' }]],
  ])('%s: equals the JSON the SDK would build', (_name, datums) => {
    const body = JSON.stringify({
      Namespace: NS,
      MetricData: datums.map((d) => ({ ...d, Timestamp: d.Timestamp.getTime() / 1000 })),
    });

    expect(putMetricDataBodyBytes(NS, datums)).toBe(Buffer.byteLength(body));
    expect(datumWireBytes(datums[0]!)).toBeGreaterThan(0);
  });
});
