/**
 * The stored form of a shard's state: gzip of compact JSON. Per series the labels, the first timestamp, then
 * deltas (a minute apart they are small numbers), and the values; non-finite values as "NaN" / "+Inf" / "-Inf"
 * (JSON has none) and a staleness marker as "stale". Decoding checks every field: anything else is `StateDecodeError`, never a crash or a
 * half-read state. Sizes are measured in test/unit/probing/state.test.ts and bench/state.ts.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SeriesSamples, ShardState, TimedSample } from './types';

export const STATE_FORMAT_VERSION = 1;
/** Refuse to inflate more than this: a corrupt or hostile object must not exhaust the probe's memory. */
export const STATE_MAX_DECODED_BYTES = 64 * 1024 * 1024;

type EncodedValue = number | 'NaN' | '+Inf' | '-Inf' | 'stale';
/** [labels, first t, t deltas, values]. */
type EncodedSeries = [Record<string, string>, number, number[], EncodedValue[]];
interface EncodedState {
  v: typeof STATE_FORMAT_VERSION;
  w: number;
  c: Record<string, string>;
  t: Record<string, EncodedSeries[]>;
}

export class StateDecodeError extends Error {
  override name = 'StateDecodeError';
}

function encodeValue(sample: TimedSample): EncodedValue {
  if (sample.stale === true) return 'stale';
  const value = sample.v;
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

function decodeSample(t: number, value: unknown): TimedSample {
  if (value === 'stale') return { t, v: Number.NaN, stale: true };
  return { t, v: decodeValue(value) };
}

function decodeValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  throw new StateDecodeError(`bad sample value ${JSON.stringify(value)}`);
}

function encodeSeries(series: SeriesSamples): EncodedSeries {
  const { samples } = series;
  const deltas: number[] = [];
  for (let i = 1; i < samples.length; i++) deltas.push(samples[i]!.t - samples[i - 1]!.t);
  return [series.labels, samples[0]?.t ?? 0, deltas, samples.map(encodeValue)];
}

export function encodeState(state: ShardState): Buffer {
  const encoded: EncodedState = {
    v: STATE_FORMAT_VERSION,
    w: state.writtenAt,
    c: state.configHashes,
    t: Object.fromEntries(
      Object.entries(state.targets).map(([target, history]) => [target, history.series.map(encodeSeries)]),
    ),
  };
  return gzipSync(JSON.stringify(encoded));
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (!isRecord(value)) throw new StateDecodeError(`${what} is not an object`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new StateDecodeError(`${what}.${key} is not a string`);
    // defineProperty: a label named __proto__ must stay an own key, not replace the prototype.
    Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function decodeSeries(value: unknown, where: string): SeriesSamples {
  if (!Array.isArray(value) || value.length !== 4) throw new StateDecodeError(`${where} is not a series`);
  const [labels, first, deltas, values] = value as unknown[];
  if (typeof first !== 'number' || !Array.isArray(deltas) || !Array.isArray(values)) {
    throw new StateDecodeError(`${where} is not a series`);
  }
  if (values.length !== deltas.length + (values.length === 0 ? 0 : 1)) {
    throw new StateDecodeError(`${where}: ${values.length} values for ${deltas.length + 1} timestamps`);
  }
  const samples: TimedSample[] = [];
  let t = first;
  values.forEach((raw, index) => {
    if (index > 0) {
      const delta = deltas[index - 1];
      if (typeof delta !== 'number' || !(delta > 0)) {
        throw new StateDecodeError(`${where}: timestamps must increase`);
      }
      t += delta;
    }
    samples.push(decodeSample(t, raw));
  });
  return { labels: stringRecord(labels, `${where} labels`), samples };
}

export function decodeState(body: Buffer): ShardState {
  let text: string;
  try {
    text = gunzipSync(body, { maxOutputLength: STATE_MAX_DECODED_BYTES }).toString('utf8');
  } catch (error) {
    throw new StateDecodeError(
      `not gzip within ${STATE_MAX_DECODED_BYTES} bytes: ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateDecodeError(`not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new StateDecodeError('not an object');
  if (parsed.v !== STATE_FORMAT_VERSION) {
    throw new StateDecodeError(
      `format version ${JSON.stringify(parsed.v)}, expected ${STATE_FORMAT_VERSION}`,
    );
  }
  if (typeof parsed.w !== 'number') throw new StateDecodeError('no round time');
  if (!isRecord(parsed.t)) throw new StateDecodeError('no targets');
  const targets: ShardState['targets'] = {};
  for (const [target, series] of Object.entries(parsed.t)) {
    if (!Array.isArray(series)) throw new StateDecodeError(`target ${target} has no series list`);
    Object.defineProperty(targets, target, {
      value: { series: series.map((item, index) => decodeSeries(item, `${target}[${index}]`)) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { writtenAt: parsed.w, configHashes: stringRecord(parsed.c, 'config hashes'), targets };
}
