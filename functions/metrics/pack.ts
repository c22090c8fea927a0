/**
 * Packs datums into as few PutMetricData requests as the API limits allow. Pure.
 *
 * Sizes are exact, not estimated: `@aws-sdk/client-cloudwatch` (AWS JSON 1.0) sends
 * `{"Namespace":…,"MetricData":[…]}` made by JSON.stringify, with `Timestamp` as epoch seconds; the size of a
 * JSON text does not depend on key order, so serialising the same five fields gives the same byte count
 * (test/integration/publish.test.ts checks it against the bodies the fake receives).
 *
 * Two limits bind at once (1,000 datums, ~1 MB), which makes this two-dimensional bin packing, so:
 * 1. First-fit decreasing (largest datums first, each into the first request with room). Ordinary datums
 *    (~150 B) are count-bound: exactly ⌈n/1000⌉ requests, the minimum. Byte-bound datums: every request but the
 *    last has less room left than one datum (≤ ~40 KB: 30 dimensions at their maximum sizes) of a ~984 KB
 *    budget, so within ~4% (+1) of ⌈bytes/budget⌉.
 * 2. If that is above the lower bound max(⌈n/1000⌉, ⌈bytes/budget⌉) — typically long and ordinary datums mixed,
 *    where FFD packs the long ones so tight that the small ones find no bytes left — binary-search the request
 *    count k between the bound and FFD's, spreading datums over k requests (largest first, each into the
 *    request with the most bytes left): long datums end up evenly spread, leaving room for the small ones.
 * Order within and across requests carries no meaning for CloudWatch.
 */
import type { PutMetricDataInput } from '@aws-sdk/client-cloudwatch';
import type { Datum } from './datums';

/** PutMetricData accepts at most this many datums per request. */
export const PUT_METRIC_DATA_MAX_DATUMS = 1000;
/** The request payload cap. AWS says "1 MB" without defining it; we take the smaller, decimal reading. */
export const PUT_METRIC_DATA_MAX_BYTES = 1_000_000;
/**
 * Kept free below the cap because our size model mirrors today's SDK serialiser: 16 KiB absorbs ~16 more bytes
 * per datum at 1,000 datums (e.g. a future SDK sending ISO timestamps, +12 B each) without a rejected request.
 */
export const PACK_SAFETY_MARGIN_BYTES = 16_384;
/** What one request may carry, uncompressed (gzip on the wire only makes it smaller). */
export const PACK_BUDGET_BYTES = PUT_METRIC_DATA_MAX_BYTES - PACK_SAFETY_MARGIN_BYTES;

/** PutMetricData requests for these datums, each within the count and byte limits. */
export function packRequests(namespace: string, datums: readonly Datum[]): PutMetricDataInput[] {
  return packBatches(namespace, datums).map((batch) => ({ Namespace: namespace, MetricData: batch }));
}

/**
 * The same split as `packRequests`, as datum arrays (publish needs the datums back for its EMF fallback).
 * A datum too big for any request on its own (only an invalid one can be) travels alone, for CloudWatch to
 * reject without taking others down.
 */
export function packBatches(namespace: string, datums: readonly Datum[]): Datum[][] {
  // Each datum costs its JSON plus one comma; the +1 on the room pays for the first datum's missing comma.
  const room = PACK_BUDGET_BYTES - envelopeBytes(namespace) + 1;
  const items: Item[] = [];
  const alone: Datum[][] = [];
  let totalCost = 0;
  for (const datum of datums) {
    const cost = datumWireBytes(datum) + 1;
    if (cost > room) {
      alone.push([datum]);
    } else {
      items.push({ datum, cost });
      totalCost += cost;
    }
  }
  if (items.length === 0) return alone;
  // Largest first (stable): big datums claim requests, small ones fill what they leave.
  items.sort((a, b) => b.cost - a.cost);

  const lowerBound = Math.max(
    Math.ceil(items.length / PUT_METRIC_DATA_MAX_DATUMS),
    Math.ceil(totalCost / room),
  );
  let best = firstFitDecreasing(items, room);
  let low = lowerBound;
  let high = best.length - 1;
  while (low <= high) {
    const k = Math.floor((low + high) / 2);
    const spread = spreadOver(items, k, room);
    if (spread) {
      best = spread;
      high = k - 1;
    } else {
      low = k + 1;
    }
  }
  return [...best, ...alone];
}

interface Item {
  datum: Datum;
  cost: number;
}

interface Bin {
  datums: Datum[];
  left: number;
}

function firstFitDecreasing(items: readonly Item[], room: number): Datum[][] {
  const all: Bin[] = [];
  // Requests that may still take a datum; full ones leave so that count-bound runs stay O(n).
  let open: Bin[] = [];
  for (const { datum, cost } of items) {
    let bin = open.find((b) => b.left >= cost);
    if (!bin) {
      bin = { datums: [], left: room };
      all.push(bin);
      open.push(bin);
    }
    bin.datums.push(datum);
    bin.left -= cost;
    if (bin.datums.length >= PUT_METRIC_DATA_MAX_DATUMS || bin.left < SMALLEST_DATUM_BYTES) {
      open = open.filter((b) => b !== bin);
    }
  }
  return all.map((b) => b.datums);
}

/** Worst-fit into exactly k requests: each datum to the request with most bytes left; undefined if one fails. */
function spreadOver(items: readonly Item[], k: number, room: number): Datum[][] | undefined {
  const bins: Bin[] = Array.from({ length: k }, () => ({ datums: [], left: room }));
  for (const { datum, cost } of items) {
    let roomiest: Bin | undefined;
    for (const bin of bins) {
      if (bin.datums.length < PUT_METRIC_DATA_MAX_DATUMS && (!roomiest || bin.left > roomiest.left))
        roomiest = bin;
    }
    if (!roomiest || roomiest.left < cost) return undefined;
    roomiest.datums.push(datum);
    roomiest.left -= cost;
  }
  return bins.map((b) => b.datums);
}

/** A request with less room than the smallest possible datum (and its comma) is full. */
const SMALLEST_DATUM_BYTES =
  Buffer.byteLength(
    JSON.stringify({ MetricName: 'x', Dimensions: [], Timestamp: 0, Value: 0, Unit: 'None' }),
  ) + 1;

/** Exact byte length of the uncompressed body the SDK sends for these datums. */
export function putMetricDataBodyBytes(namespace: string, datums: readonly Datum[]): number {
  let bytes = envelopeBytes(namespace) + Math.max(0, datums.length - 1);
  for (const datum of datums) bytes += datumWireBytes(datum);
  return bytes;
}

/** `{"Namespace":"…","MetricData":[]}` */
function envelopeBytes(namespace: string): number {
  return Buffer.byteLength(JSON.stringify({ Namespace: namespace, MetricData: [] }));
}

/** One datum as the SDK serialises it (AWS JSON 1.0: epoch-seconds timestamp, modelled fields only). */
export function datumWireBytes(datum: Datum): number {
  return Buffer.byteLength(
    JSON.stringify({
      MetricName: datum.MetricName,
      Dimensions: datum.Dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
      Timestamp: datum.Timestamp.getTime() / 1000,
      Value: datum.Value,
      Unit: datum.Unit,
    }),
  );
}
