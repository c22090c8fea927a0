/**
 * Where the evaluator reads samples from. A source hands out each series once and in Prometheus' label order (as
 * the TSDB's Select does), so the evaluator neither re-keys, merges nor sorts what it selects: that is what keeps
 * `sum(m)` over a 300k-series page within the inspection worker's heap (README "Heavy pages").
 * memorySource serves tests and the bench; scrapeSource serves a probe round (one scrape plus earlier rounds).
 */
import type { Matcher } from './ast';
import { compareLabelSets, compareStrings, fromRecord, METRIC_NAME } from './labels';
import { matchesValue } from './matchers';

/** One sample: `t` in epoch milliseconds. */
export interface Sample {
  t: number;
  v: number;
  /**
   * A staleness marker (Prometheus writes one when a series disappears from a scrape or the target fails):
   * an instant selector finds nothing at or after it within the lookback, and range functions skip it.
   */
  stale?: boolean;
}

/** Label names to values, `__name__` included. */
export type Labels = Readonly<Record<string, string>>;

export interface SeriesSamples {
  labels: Labels;
  /** Ascending by `t`. */
  samples: readonly Sample[];
}

/**
 * Returns the series matching every matcher (a missing label matches as ""), with at least their samples in
 * (startMs, endMs]: each label set once (empty values count as absent) and in Prometheus' label order
 * (labels.Compare). More samples than the window are allowed (the evaluator cuts the window out).
 */
export interface SampleSource {
  select(matchers: readonly Matcher[], startMs: number, endMs: number): Iterable<SeriesSamples>;
}

export function labelValue(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

function matchesRecord(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const matcher of matchers) if (!matchesValue(matcher, labelValue(labels, matcher.label))) return false;
  return true;
}

/** The one metric name an `=` matcher pins, if any. */
function pinnedName(matchers: readonly Matcher[]): string | undefined {
  return matchers.find((m) => m.label === METRIC_NAME && m.op === '=')?.value;
}

const SEPARATOR = '\u0000';

/**
 * A string whose order (compareStrings) is labels.Compare's order of the label sets: the non-empty pairs sorted by
 * name, each as name NUL value NUL. Exact while no name or value holds a NUL; `exact` says whether that holds.
 */
function orderKey(pairs: [string, string][]): { key: string; exact: boolean; native: boolean } {
  pairs.sort((a, b) => compareStrings(a[0], b[0]));
  const parts: string[] = [];
  for (const [name, value] of pairs) parts.push(name, value, '');
  // join() makes one flat string; `+=` would keep a rope of a dozen nodes per key alive while sorting.
  const key = parts.join(SEPARATOR);
  const exact = parts.every((part) => !part.includes(SEPARATOR));
  return { key, exact, native: !NON_BMP_ORDER.test(key) };
}

/** Where UTF-16 order (JavaScript's `<`) and UTF-8 order (Go's) differ: surrogates against U+E000..U+FFFF. */
const NON_BMP_ORDER = /[\uD800-\uFFFF]/;

function pairsOf(labels: Labels): [string, string][] {
  const pairs: [string, string][] = [];
  for (const name of Object.keys(labels)) {
    const value = labels[name];
    if (typeof value === 'string' && value !== '') pairs.push([name, value]);
  }
  return pairs;
}

/** Same label set (empty values count as absent): the order key, when it is exact. */
export function seriesIdentity(labels: Labels): string {
  const { key, exact } = orderKey(pairsOf(labels));
  return exact ? key : JSON.stringify(fromRecord(labels));
}

/**
 * Sorts items by their label sets in Prometheus' order. One key string per item while sorting (about 40 bytes for a
 * typical series, measured against ~140 for a parsed sample), released afterwards.
 */
export function sortByLabels<T>(items: readonly T[], pairs: (item: T) => [string, string][]): T[] {
  if (items.length < 2) return [...items];
  const keys: string[] = new Array(items.length);
  let exact = true;
  let native = true;
  for (let i = 0; i < items.length; i++) {
    const ordered = orderKey(pairs(items[i]!));
    keys[i] = ordered.key;
    if (!ordered.exact) exact = false;
    if (!ordered.native) native = false;
  }
  const order = Array.from({ length: items.length }, (_, i) => i);
  if (exact && native) {
    // The common case, several times faster than compareStrings: `<` on strings is a native comparison.
    order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  } else if (exact) order.sort((a, b) => compareStrings(keys[a]!, keys[b]!));
  else {
    // A NUL inside a name or value: compare the label sets themselves.
    const sets = items.map((item) => pairs(item).sort((a, b) => compareStrings(a[0], b[0])));
    order.sort((a, b) => compareLabelSets(sets[a]!, sets[b]!));
  }
  return order.map((i) => items[i]!);
}

function mergeSamples(a: readonly Sample[], b: readonly Sample[]): Sample[] {
  const merged = [...a, ...b].sort((x, y) => x.t - y.t);
  // Like a TSDB append, the first sample for a timestamp wins.
  return merged.filter((sample, i) => i === 0 || merged[i - 1]!.t !== sample.t);
}

/** A SampleSource over series held in memory: duplicates merged and everything sorted once, here. */
export function memorySource(series: readonly SeriesSamples[]): SampleSource {
  const byIdentity = new Map<string, SeriesSamples>();
  for (const entry of series) {
    const identity = seriesIdentity(entry.labels);
    const existing = byIdentity.get(identity);
    byIdentity.set(
      identity,
      existing ? { labels: existing.labels, samples: mergeSamples(existing.samples, entry.samples) } : entry,
    );
  }
  const all = sortByLabels([...byIdentity.values()], (entry) => pairsOf(entry.labels));
  const byName = new Map<string, SeriesSamples[]>();
  for (const entry of all) {
    const name = labelValue(entry.labels, METRIC_NAME);
    const list = byName.get(name);
    if (list) list.push(entry);
    else byName.set(name, [entry]);
  }
  return {
    select(matchers) {
      const name = pinnedName(matchers);
      const candidates = name === undefined ? all : (byName.get(name) ?? []);
      return candidates.filter((entry) => matchesRecord(matchers, entry.labels));
    },
  };
}

/** One series of a scrape (a parsed page's sample is one): its name, its other labels and this scrape's value. */
export interface ScrapedSeries {
  name: string;
  labels: Labels;
  value: number;
}

/**
 * A series of this round that is more than a scraped series alone: one with samples of earlier rounds, a
 * recording rule's output (no target labels attached), or one only the history has (it vanished this round).
 */
class RichEntry {
  constructor(
    readonly series: ScrapedSeries | undefined,
    /** Target labels are attached to scraped series, not to recording rules' results. */
    readonly scraped: boolean,
    /** Samples of earlier rounds (from the state), oldest first. */
    readonly past: readonly Sample[] | undefined,
    /** The full labels of a series only the history has. */
    readonly labels: Labels | undefined,
  ) {}
}

/** A plain scraped series is its own entry: no object per series for a page without history. */
type Entry = ScrapedSeries | RichEntry;

interface Family {
  scraped: ScrapedSeries[];
  recorded: ScrapedSeries[];
  history: SeriesSamples[];
  /** Built on first use and kept until the family changes. */
  order: Entry[] | undefined;
}

export interface ScrapeSourceOptions {
  /** The scrape time: every scraped sample is at it, and the evaluation with it. */
  atMs: number;
  /** Samples of earlier rounds, full labels; a series not scraped now ends with a staleness marker at `atMs`. */
  history?: readonly SeriesSamples[];
  /**
   * Labels a Prometheus scrape attaches to every series (`job`, `instance`). A page's own label of that name is
   * kept as `exported_<name>`, as Prometheus does with honor_labels false.
   */
  targetLabels?: Labels;
}

/**
 * The source of one probe round: a scrape at `atMs`, the results of recording rules evaluated on it, and the
 * history of earlier rounds. Holds references to the scraped series (no copy per series); each family is sorted
 * once, on its first select, and the views it hands out are built per select (short-lived).
 */
export class ScrapeSource implements SampleSource {
  private readonly families = new Map<string, Family>();
  private readonly atMs: number;
  private readonly targetPairs: [string, string][];

  constructor(options: ScrapeSourceOptions) {
    this.atMs = options.atMs;
    this.targetPairs = pairsOf(options.targetLabels ?? {});
    for (const series of options.history ?? [])
      this.family(labelValue(series.labels, METRIC_NAME)).history.push(series);
  }

  private family(name: string): Family {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { scraped: [], recorded: [], history: [], order: undefined };
      this.families.set(name, family);
    }
    return family;
  }

  /** This scrape's series (a parsed page's samples, unique per series). */
  addScraped(series: readonly ScrapedSeries[]): void {
    for (const entry of series) {
      const family = this.family(entry.name);
      family.scraped.push(entry);
      family.order = undefined;
    }
  }

  /** A recording rule's results at this round's time: later expressions select them by the rule's name. */
  addRecorded(series: readonly ScrapedSeries[]): void {
    for (const entry of series) {
      const family = this.family(entry.name);
      family.recorded.push(entry);
      family.order = undefined;
    }
  }

  /** The label pairs a scraped series is seen with: `__name__`, the page's labels, then the target's. */
  private scrapedPairs(series: ScrapedSeries): [string, string][] {
    const pairs = pairsOf(series.labels);
    if (this.targetPairs.length > 0) {
      for (const [name, value] of this.targetPairs) {
        const clash = pairs.findIndex(([existing]) => existing === name);
        if (clash >= 0) {
          let renamed = `exported_${name}`;
          while (pairs.some(([existing]) => existing === renamed)) renamed = `exported_${renamed}`;
          pairs[clash] = [renamed, pairs[clash]![1]];
        }
        pairs.push([name, value]);
      }
    }
    pairs.push([METRIC_NAME, series.name]);
    return pairs;
  }

  private pairsOfEntry(entry: Entry): [string, string][] {
    if (!(entry instanceof RichEntry)) return this.scrapedPairs(entry);
    if (entry.series === undefined) return pairsOf(entry.labels!);
    if (entry.scraped) return this.scrapedPairs(entry.series);
    const pairs = pairsOf(entry.series.labels);
    pairs.push([METRIC_NAME, entry.series.name]);
    return pairs;
  }

  private ordered(family: Family): Entry[] {
    if (family.order) return family.order;
    const entries: Entry[] = [];
    const past = new Map<string, SeriesSamples>();
    for (const series of family.history) past.set(seriesIdentity(series.labels), series);
    for (const [list, scraped] of [
      [family.scraped, true],
      [family.recorded, false],
    ] as const) {
      for (const series of list) {
        let entry: Entry = scraped ? series : new RichEntry(series, false, undefined, undefined);
        if (past.size > 0) {
          const identity = seriesIdentity(Object.fromEntries(this.pairsOfEntry(entry)));
          const earlier = past.get(identity);
          if (earlier) {
            entry = new RichEntry(series, scraped, earlier.samples, undefined);
            past.delete(identity);
          }
        }
        entries.push(entry);
      }
    }
    for (const series of past.values())
      entries.push(new RichEntry(undefined, false, series.samples, series.labels));
    family.order = sortByLabels(entries, (entry) => this.pairsOfEntry(entry));
    return family.order;
  }

  private view(entry: Entry): SeriesSamples {
    if (!(entry instanceof RichEntry)) return this.scrapedView(entry, undefined);
    const { series } = entry;
    const labels =
      series === undefined
        ? entry.labels!
        : entry.scraped && this.targetPairs.length > 0
          ? Object.fromEntries(this.scrapedPairs(series))
          : { ...series.labels, [METRIC_NAME]: series.name };
    const now: Sample =
      series === undefined ? { t: this.atMs, v: Number.NaN, stale: true } : { t: this.atMs, v: series.value };
    const past = entry.past?.filter((sample) => sample.t < this.atMs);
    return { labels, samples: past && past.length > 0 ? [...past, now] : [now] };
  }

  private scrapedView(series: ScrapedSeries, past: readonly Sample[] | undefined): SeriesSamples {
    const labels =
      this.targetPairs.length > 0
        ? Object.fromEntries(this.scrapedPairs(series))
        : { ...series.labels, [METRIC_NAME]: series.name };
    const now: Sample = { t: this.atMs, v: series.value };
    return { labels, samples: past && past.length > 0 ? [...past, now] : [now] };
  }

  *select(matchers: readonly Matcher[], _startMs?: number, _endMs?: number): Iterable<SeriesSamples> {
    const name = pinnedName(matchers);
    if (name !== undefined) {
      const family = this.families.get(name);
      if (family === undefined) return;
      for (const entry of this.ordered(family)) {
        const view = this.view(entry);
        if (matchesRecord(matchers, view.labels)) yield view;
      }
      return;
    }
    // No pinned name (a regex on __name__, or label matchers only): match across families, then order them.
    const matched: SeriesSamples[] = [];
    for (const family of this.families.values()) {
      for (const entry of this.ordered(family)) {
        const view = this.view(entry);
        if (matchesRecord(matchers, view.labels)) matched.push(view);
      }
    }
    yield* sortByLabels(matched, (view) => pairsOf(view.labels));
  }
}
