/**
 * Datums → CloudWatch Embedded Metric Format lines. Pure. In Lambda every stdout line that is an EMF object
 * becomes the same metrics PutMetricData would have created, so this is the fallback that never needs the API.
 *
 * One line per (dimension set, timestamp) group, split further by the EMF limits. Values of one metric in one
 * group share a value array (CloudWatch records each element as a sample, like repeated datums).
 */
import type { Datum } from './datums';

/** EMF: metric definitions per CloudWatchMetrics directive. */
export const EMF_METRICS_PER_DIRECTIVE_MAX = 100;
/** EMF: values in one metric's value array. */
export const EMF_VALUES_PER_METRIC_MAX = 100;
/** EMF: keys in one dimension set. */
export const EMF_DIMENSION_KEYS_MAX = 30;
/** CloudWatch Logs: one log event (one stdout line) is at most 1 MB. */
export const EMF_LINE_MAX_BYTES = 1_048_576;
/** CloudWatch Logs counts 26 bytes of overhead per event, and the newline is ours. */
const EMF_LINE_OVERHEAD_BYTES = 26 + 1;

// Root keys EMF gives a meaning of its own.
const EMF_RESERVED_KEY = '_aws';

export interface EmfOptions {
  /** Lower the per-line cap (e.g. for log pipelines that split long lines); defaults to the 1 MB event size. */
  maxLineBytes?: number;
}

/**
 * Why this datum cannot be written as EMF, or undefined. EMF keeps dimension values and metric values in the
 * same root object, so a metric named like one of its own dimensions (or `_aws`) has no representation.
 */
export function emfProblem(datum: Datum): string | undefined {
  if (datum.MetricName === EMF_RESERVED_KEY) return `metric name "${EMF_RESERVED_KEY}" is reserved by EMF`;
  if (datum.Dimensions.length > EMF_DIMENSION_KEYS_MAX) {
    return `${datum.Dimensions.length} dimensions exceed EMF's ${EMF_DIMENSION_KEYS_MAX} keys per dimension set`;
  }
  for (const { Name } of datum.Dimensions) {
    if (Name === EMF_RESERVED_KEY) return `dimension name "${EMF_RESERVED_KEY}" is reserved by EMF`;
    if (Name === datum.MetricName) return `metric "${Name}" has a dimension of the same name`;
  }
  return undefined;
}

/** EMF lines (without newline) carrying exactly these datums. Throws on datums `emfProblem` refuses. */
export function toEmfLines(namespace: string, datums: readonly Datum[], options: EmfOptions = {}): string[] {
  const maxBytes = (options.maxLineBytes ?? EMF_LINE_MAX_BYTES) - EMF_LINE_OVERHEAD_BYTES;
  const lines: string[] = [];
  for (const group of groupDatums(datums)) {
    for (const line of packGroup(namespace, group, maxBytes)) lines.push(renderLine(namespace, group, line));
  }
  return lines;
}

interface Group {
  timestampMs: number;
  /** In the order of the first datum seen; the set (not the order) identifies a metric in CloudWatch. */
  dimensions: { Name: string; Value: string }[];
  series: Map<string, Series>;
}

interface Series {
  name: string;
  unit: string;
  values: number[];
}

function groupDatums(datums: readonly Datum[]): Group[] {
  const groups = new Map<string, Group>();
  for (const datum of datums) {
    const problem = emfProblem(datum);
    if (problem) throw new RangeError(`cannot write ${datum.MetricName} as EMF: ${problem}`);
    const timestampMs = datum.Timestamp.getTime();
    const dimsKey = JSON.stringify(
      datum.Dimensions.map((d) => [d.Name, d.Value]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)),
    );
    const key = `${timestampMs} ${dimsKey}`;
    let group = groups.get(key);
    if (!group) {
      group = { timestampMs, dimensions: datum.Dimensions.map((d) => ({ ...d })), series: new Map() };
      groups.set(key, group);
    }
    // One metric name with two units is two series: they must not share a line (one definition per name).
    const seriesKey = JSON.stringify([datum.MetricName, datum.Unit]);
    let series = group.series.get(seriesKey);
    if (!series) {
      series = { name: datum.MetricName, unit: datum.Unit, values: [] };
      group.series.set(seriesKey, series);
    }
    series.values.push(datum.Value);
  }
  return [...groups.values()];
}

interface Chunk {
  name: string;
  unit: string;
  values: number[];
  /** Bytes this chunk adds to a line: its definition plus its root key/value, with separators. */
  bytes: number;
}

interface LinePlan {
  chunks: Chunk[];
  names: Set<string>;
  bytes: number;
}

/** First-fit of value chunks into lines: ≤100 definitions, distinct names, ≤ maxBytes. */
function packGroup(namespace: string, group: Group, maxBytes: number): LinePlan[] {
  const base = Buffer.byteLength(renderLine(namespace, group, { chunks: [], names: new Set(), bytes: 0 }));
  const lines: LinePlan[] = [];
  for (const series of group.series.values()) {
    for (const values of chunksOf(series.values, maxBytes - base, series)) {
      const chunk: Chunk = {
        name: series.name,
        unit: series.unit,
        values,
        bytes: chunkBytes(series, values),
      };
      let line = lines.find(
        (l) =>
          l.chunks.length < EMF_METRICS_PER_DIRECTIVE_MAX &&
          !l.names.has(chunk.name) &&
          base + l.bytes + chunk.bytes <= maxBytes,
      );
      if (!line) {
        line = { chunks: [], names: new Set(), bytes: 0 };
        lines.push(line);
      }
      line.chunks.push(chunk);
      line.names.add(chunk.name);
      line.bytes += chunk.bytes;
    }
  }
  return lines;
}

/** Splits a series' values into arrays of ≤100 that each fit on a line by themselves. */
function* chunksOf(values: number[], room: number, series: Series): Generator<number[]> {
  let start = 0;
  while (start < values.length) {
    let end = Math.min(values.length, start + EMF_VALUES_PER_METRIC_MAX);
    // Only reachable with a tiny maxLineBytes: shrink until the chunk fits (one value always goes).
    while (end - start > 1 && chunkBytes(series, values.slice(start, end)) > room)
      end = start + Math.ceil((end - start) / 2);
    yield values.slice(start, end);
    start = end;
  }
}

function chunkBytes(series: Pick<Series, 'name' | 'unit'>, values: number[]): number {
  const definition = JSON.stringify({ Name: series.name, Unit: series.unit });
  const rootValue = JSON.stringify(values.length === 1 ? values[0] : values);
  // `,` before the definition, `,"name":value` at the root. Over-counts by one comma for a line's first
  // definition, which only makes lines slightly more conservative.
  return (
    1 +
    Buffer.byteLength(definition) +
    1 +
    Buffer.byteLength(JSON.stringify(series.name)) +
    1 +
    rootValue.length
  );
}

function renderLine(namespace: string, group: Group, line: LinePlan): string {
  // Null prototype: a dimension or metric named `__proto__` must stay an ordinary key.
  const root: Record<string, unknown> = Object.create(null);
  root._aws = {
    Timestamp: group.timestampMs,
    CloudWatchMetrics: [
      {
        Namespace: namespace,
        Dimensions: [group.dimensions.map((d) => d.Name)],
        Metrics: line.chunks.map((c) => ({ Name: c.name, Unit: c.unit })),
      },
    ],
  };
  for (const { Name, Value } of group.dimensions) root[Name] = Value;
  for (const chunk of line.chunks)
    root[chunk.name] = chunk.values.length === 1 ? chunk.values[0] : chunk.values;
  return JSON.stringify(root);
}
