/**
 * The local metric store `vigil dev` publishes to instead of CloudWatch: the very datums the probe Lambda would
 * send (names, dimensions, units, timestamps), one JSON line each in `.vigil/metrics.jsonl`.
 *
 * Why an append-only JSON Lines file (README "Local development"): a 5 s interval over a few targets writes some
 * 20 lines per round, ~2 MB an hour, which fits in memory and in one read at start-up; appends survive a crash
 * (at worst the last, torn line is skipped on load); the file is readable with `tail -f` and `jq`; and it needs no
 * dependency (better-sqlite3 compiles native code, `node:sqlite` still prints an experimental warning), the same
 * choice as `.vigil/dead-letters.jsonl`. Queries run over an in-memory index of the retained samples.
 *
 * Retention: samples older than `retentionMs` are dropped from memory as time passes and from the file by
 * compaction (an atomic rewrite), which runs at open and whenever the file has grown past twice what was kept.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type MetricSelector, matchesSelector } from '../alarms/definitions';
import type { Datum } from '../metrics/datums';
import { datumProblem, describeDatum } from '../metrics/datums';
import type { PublishReport } from '../metrics/publish';
import { METRIC_UNITS, type MetricUnit } from '../metrics/units';
import type { Publisher } from '../probing/cycle';

export const METRICS_FILE_NAME = 'metrics.jsonl';
/** An hour of history: plenty for sparklines and any local alarm's evaluation range, ~2 MB at a 5 s interval. */
export const STORE_RETENTION_MS = 60 * 60_000;
/** Compaction is not worth a rewrite below this many stale lines. */
export const COMPACT_MIN_LINES = 5_000;

/** One stored datum. `dimensions` always includes Target. */
export interface StoredSample {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  unit: MetricUnit;
  /** Epoch ms. */
  timestamp: number;
  value: number;
}

export interface Point {
  timestamp: number;
  value: number;
}

/** Every sample of one series (namespace + metric name + exact dimensions), oldest first. */
export interface Series {
  key: string;
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  unit: MetricUnit;
  points: Point[];
}

/** Which series a query wants: an alarm's selector (namespace, name, dimensions, exact or all series). */
export type SeriesSelector = MetricSelector;

/** Half-open time range [from, to) in epoch ms; either end may be open. */
export interface TimeRange {
  from?: number;
  to?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Pure: encoding, series identity, the in-memory index.

export function sampleFromDatum(namespace: string, datum: Datum): StoredSample {
  return {
    namespace,
    metricName: datum.MetricName,
    dimensions: Object.fromEntries(datum.Dimensions.map((dimension) => [dimension.Name, dimension.Value])),
    unit: datum.Unit,
    timestamp: datum.Timestamp.getTime(),
    value: datum.Value,
  };
}

/** One line of the file, in CloudWatch's own field names (dimensions as an object, for `jq`). */
export function encodeSample(sample: StoredSample): string {
  return JSON.stringify({
    Timestamp: new Date(sample.timestamp).toISOString(),
    Namespace: sample.namespace,
    MetricName: sample.metricName,
    Dimensions: sample.dimensions,
    Value: sample.value,
    Unit: sample.unit,
  });
}

const UNITS: ReadonlySet<string> = new Set(METRIC_UNITS);

/** A line back into a sample; undefined for anything else (a torn last line, a hand edit). */
export function decodeSample(line: string): StoredSample | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { Timestamp, Namespace, MetricName, Dimensions, Value, Unit } = raw as Record<string, unknown>;
  const timestamp = typeof Timestamp === 'string' ? Date.parse(Timestamp) : Number.NaN;
  if (
    !Number.isFinite(timestamp) ||
    typeof Namespace !== 'string' ||
    typeof MetricName !== 'string' ||
    typeof Value !== 'number' ||
    !Number.isFinite(Value) ||
    typeof Unit !== 'string' ||
    !UNITS.has(Unit) ||
    typeof Dimensions !== 'object' ||
    Dimensions === null ||
    Array.isArray(Dimensions)
  ) {
    return undefined;
  }
  const dimensions = Object.entries(Dimensions);
  if (!dimensions.every(([, value]) => typeof value === 'string')) return undefined;
  return {
    namespace: Namespace,
    metricName: MetricName,
    dimensions: Object.fromEntries(dimensions) as Record<string, string>,
    unit: Unit as MetricUnit,
    timestamp,
    value: Value,
  };
}

/** Stable identity of a series: dimension order does not matter. */
export function seriesKey(sample: Pick<StoredSample, 'namespace' | 'metricName' | 'dimensions'>): string {
  const dimensions = Object.entries(sample.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([sample.namespace, sample.metricName, dimensions]);
}

function inRange(timestamp: number, range: TimeRange): boolean {
  return (
    (range.from === undefined || timestamp >= range.from) && (range.to === undefined || timestamp < range.to)
  );
}

/** The retained samples by series. No I/O: the store below persists what goes in here. */
export class SampleIndex {
  private readonly bySeries = new Map<string, Series>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(sample: StoredSample): void {
    const key = seriesKey(sample);
    let series = this.bySeries.get(key);
    if (!series) {
      series = {
        key,
        namespace: sample.namespace,
        metricName: sample.metricName,
        dimensions: sample.dimensions,
        unit: sample.unit,
        points: [],
      };
      this.bySeries.set(key, series);
    }
    const point = { timestamp: sample.timestamp, value: sample.value };
    const last = series.points.at(-1);
    // Probes arrive in time order per series; a clock step backwards (or a hand-edited file) is sorted in.
    if (last === undefined || last.timestamp <= point.timestamp) series.points.push(point);
    else {
      const at = series.points.findIndex((existing) => existing.timestamp > point.timestamp);
      series.points.splice(at, 0, point);
    }
    series.unit = sample.unit;
    this.count++;
  }

  /** Drops samples older than `before`; returns how many went. */
  prune(before: number): number {
    let dropped = 0;
    for (const [key, series] of this.bySeries) {
      const keep = series.points.findIndex((point) => point.timestamp >= before);
      const gone = keep === -1 ? series.points.length : keep;
      if (gone === 0) continue;
      series.points.splice(0, gone);
      dropped += gone;
      if (series.points.length === 0) this.bySeries.delete(key);
    }
    this.count -= dropped;
    return dropped;
  }

  /** Matching series with their points in `range` (series without any are left out), in first-seen order. */
  query(selector: SeriesSelector, range: TimeRange = {}): Series[] {
    const found: Series[] = [];
    for (const series of this.bySeries.values()) {
      if (!matchesSelector(selector, series)) continue;
      const points = series.points.filter((point) => inRange(point.timestamp, range));
      if (points.length > 0) found.push({ ...series, points });
    }
    return found;
  }

  /** Every retained sample in `range`, series by series. */
  samples(range: TimeRange = {}): StoredSample[] {
    return [...this.bySeries.values()].flatMap((series) =>
      series.points
        .filter((point) => inRange(point.timestamp, range))
        .map((point) => ({
          namespace: series.namespace,
          metricName: series.metricName,
          dimensions: series.dimensions,
          unit: series.unit,
          ...point,
        })),
    );
  }

  /** Copies: callers (events, the view) keep them while the index moves on. */
  series(): Series[] {
    return [...this.bySeries.values()].map((series) => ({ ...series, points: [...series.points] }));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The store: the index plus its file.

export interface MetricStore {
  readonly file: string;
  /** What loading found: samples kept, and lines dropped as expired or unreadable. */
  readonly loaded: { samples: number; expired: number; unreadable: number };
  /** Stores datums as CloudWatch would accept them; the invalid ones are reported in `failed`, like PutMetricData. */
  publish(namespace: string, datums: readonly Datum[]): { report: PublishReport; samples: StoredSample[] };
  query(selector: SeriesSelector, range?: TimeRange): Series[];
  samples(range?: TimeRange): StoredSample[];
  series(): Series[];
  /** Resolves once everything published so far is on disk; rejects with the first write error since the last flush. */
  flush(): Promise<void>;
  /** Flushes; the store must not be used afterwards. */
  close(): Promise<void>;
}

export interface StoreOptions {
  retentionMs?: number;
  /** Stale lines worth a rewrite (default COMPACT_MIN_LINES). */
  compactMinLines?: number;
  now?: () => number;
}

/** Opens (or creates) the store in `file`, loading the samples still within retention. */
export async function openMetricStore(file: string, options: StoreOptions = {}): Promise<MetricStore> {
  const retentionMs = options.retentionMs ?? STORE_RETENTION_MS;
  const now = options.now ?? Date.now;
  const compactMinLines = options.compactMinLines ?? COMPACT_MIN_LINES;
  const index = new SampleIndex();

  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const oldest = now() - retentionMs;
  const loaded = { samples: 0, expired: 0, unreadable: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const sample = decodeSample(line);
    if (!sample) loaded.unreadable++;
    else if (sample.timestamp < oldest) loaded.expired++;
    else {
      index.add(sample);
      loaded.samples++;
    }
  }

  // Writes run one after another, so a compaction never races an append.
  let queue: Promise<void> = Promise.resolve();
  let writeError: Error | undefined;
  const serial = (task: () => Promise<void>): void => {
    queue = queue.then(task).catch((error: unknown) => {
      writeError ??= error instanceof Error ? error : new Error(String(error));
    });
  };
  // Lines in the file (or queued for it) since the last compaction, and how many that compaction kept.
  let appended = 0;
  let kept = loaded.samples;

  /** Rewrites the file with what the index holds now (taken now, so appends queued later are not doubled). */
  const compact = (): void => {
    index.prune(now() - retentionMs);
    const lines = index
      .samples()
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((sample) => `${encodeSample(sample)}\n`);
    appended = 0;
    kept = lines.length;
    serial(async () => {
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, lines.join(''));
      await rename(temp, file);
    });
  };
  if (loaded.expired > 0 || loaded.unreadable > 0) compact();

  const flushQueue = async (): Promise<void> => {
    await queue;
    const error = writeError;
    writeError = undefined;
    if (error) throw error;
  };

  return {
    file,
    loaded,
    publish(namespace, datums) {
      const samples: StoredSample[] = [];
      const failures = new Map<string, number>();
      for (const datum of datums) {
        const problem = datumProblem(datum);
        if (problem) {
          const error = `${describeDatum(datum)}: ${problem}`;
          failures.set(error, (failures.get(error) ?? 0) + 1);
          continue;
        }
        const sample = sampleFromDatum(namespace, datum);
        index.add(sample);
        samples.push(sample);
      }
      index.prune(now() - retentionMs);
      if (samples.length > 0) {
        const lines = samples.map((sample) => `${encodeSample(sample)}\n`).join('');
        serial(async () => {
          await mkdir(dirname(file), { recursive: true });
          await appendFile(file, lines);
        });
        appended += samples.length;
        // Amortised: rewrite once the file holds about twice what retention keeps.
        if (appended > Math.max(kept, compactMinLines)) compact();
      }
      const report: PublishReport = {
        requests: 0,
        sent: samples.length,
        viaEmf: 0,
        failed: [...failures].map(([error, count]) => ({ error, datums: count })),
        fallback: [],
      };
      return { report, samples };
    },
    query: (selector, range) => index.query(selector, range),
    samples: (range) => index.samples(range),
    series: () => index.series(),
    flush: () => flushQueue(),
    close: () => flushQueue(),
  };
}

/** The probe cycle's publisher for `vigil dev`: datums into the store; `onSamples` sees what was stored. */
export function storePublisher(store: MetricStore, onSamples?: (samples: StoredSample[]) => void): Publisher {
  return async (namespace, datums) => {
    const { report, samples } = store.publish(namespace, datums);
    onSamples?.(samples);
    return report;
  };
}
