/**
 * Pure: a round's scraped samples folded into the stored history. What the store guarantees follows from here:
 * - the first round of a target (or of a changed target config) starts from nothing: no history is invented;
 * - samples are only appended after a series' last one (monotone: a late or repeated round adds nothing);
 * - a series missing from a successful scrape, and every series of a failed one, gets a staleness marker, as
 *   Prometheus writes them (a target not probed at all this round, cut by the deadline or not selected, keeps its
 *   history as it was);
 * - samples older than `retentionMs` (the longest window the queries need) are dropped, and a series without a
 *   sample left (it vanished from the target for that long) expires with them;
 * - the history stays bounded: at most `maxSeriesPerTarget` series per target and `maxBytes` in all, the series
 *   seen least recently cut first, and every cut reported.
 */
import type { SeriesSamples, ShardState, TargetHistory, TimedSample } from './types';

export interface HistoryLimits {
  /** Keep samples newer than the round time minus this: the longest range window any query uses. */
  retentionMs: number;
  maxSeriesPerTarget: number;
  /** Budget for the whole shard, measured as the JSON the codec writes before gzip. */
  maxBytes: number;
}

/** What one round scraped, per target: each series with its new sample. */
export interface RoundSamples {
  /** Epoch ms of the round (the evaluation time). */
  at: number;
  /** Every target of the shard in the current config, with its config hash; other targets are forgotten. */
  configHashes: Record<string, string>;
  /**
   * Targets whose scrape succeeded: every series their windows need, with this round's sample of each. A series
   * of the history that is not here ends with a staleness marker.
   */
  scraped: Record<string, readonly { labels: Record<string, string>; sample: TimedSample }[]>;
  /** Targets whose scrape failed, with the scrape time: each of their series gets a staleness marker. */
  failed?: Record<string, number>;
  /** Per target, how far back its windows reach (overrides the limits' retentionMs). */
  retentionMs?: Record<string, number>;
}

export interface HistoryCut {
  target: string;
  series: number;
  why: 'maxSeriesPerTarget' | 'maxBytes';
}

export interface RecordedRound {
  state: ShardState;
  cut: HistoryCut[];
  /** Targets whose config changed since their history was written: they started over. */
  reset: string[];
}

/** Same series whatever the label order (length-prefixed, so any character may appear in names and values). */
function seriesKey(labels: Record<string, string>): string {
  let key = '';
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name]!;
    key += `${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}

const lastTime = (series: SeriesSamples): number => series.samples.at(-1)?.t ?? Number.NEGATIVE_INFINITY;

/** When the series was last really seen (its staleness marker does not count). */
function lastSeen(series: SeriesSamples): number {
  for (let i = series.samples.length - 1; i >= 0; i--) {
    if (series.samples[i]!.stale !== true) return series.samples[i]!.t;
  }
  return Number.NEGATIVE_INFINITY;
}

/** JSON bytes of a series as the codec writes it, near enough to budget with (deltas are shorter than this). */
function approximateBytes(series: SeriesSamples): number {
  let bytes = JSON.stringify(series.labels).length + 8;
  for (const sample of series.samples) bytes += String(sample.t).length / 2 + String(sample.v).length + 2;
  return Math.ceil(bytes);
}

function recordTarget(
  history: TargetHistory | undefined,
  scraped: RoundSamples['scraped'][string] | undefined,
  cutoff: number,
  staleAt: number | undefined,
): SeriesSamples[] {
  const byKey = new Map<string, SeriesSamples>();
  for (const series of history?.series ?? []) {
    byKey.set(seriesKey(series.labels), { labels: series.labels, samples: [...series.samples] });
  }
  const seen = new Set<string>();
  for (const { labels, sample } of scraped ?? []) {
    const key = seriesKey(labels);
    let series = byKey.get(key);
    if (series === undefined) {
      series = { labels, samples: [] };
      byKey.set(key, series);
    }
    if (sample.t > lastTime(series)) series.samples.push(sample);
    seen.add(key);
  }
  if (staleAt !== undefined) {
    for (const [key, series] of byKey) {
      const last = series.samples.at(-1);
      if (seen.has(key) || last === undefined || last.stale === true || !(staleAt > last.t)) continue;
      series.samples.push({ t: staleAt, v: Number.NaN, stale: true });
    }
  }
  const kept: SeriesSamples[] = [];
  for (const series of byKey.values()) {
    const samples = series.samples.filter((sample) => sample.t > cutoff);
    // A staleness marker alone is no history: the series is gone.
    if (samples.some((sample) => sample.stale !== true)) kept.push({ labels: series.labels, samples });
  }
  return kept;
}

export function recordRound(state: ShardState, round: RoundSamples, limits: HistoryLimits): RecordedRound {
  const cut: HistoryCut[] = [];
  const reset: string[] = [];
  const targets: Record<string, SeriesSamples[]> = {};
  for (const [target, hash] of Object.entries(round.configHashes)) {
    const stored = Object.hasOwn(state.targets, target) ? state.targets[target] : undefined;
    const same = state.configHashes[target] === hash;
    if (stored !== undefined && !same) reset.push(target);
    const scraped = Object.hasOwn(round.scraped, target) ? round.scraped[target] : undefined;
    const failedAt = round.failed && Object.hasOwn(round.failed, target) ? round.failed[target] : undefined;
    // Stale markers at the scrape time: the new samples' time, or the failed scrape's.
    const staleAt = scraped !== undefined ? (scraped[0]?.sample.t ?? round.at) : failedAt;
    const retention =
      round.retentionMs && Object.hasOwn(round.retentionMs, target)
        ? round.retentionMs[target]!
        : limits.retentionMs;
    let series = recordTarget(same ? stored : undefined, scraped, round.at - retention, staleAt);
    if (series.length > limits.maxSeriesPerTarget) {
      // The series seen most recently are the ones a query can still use.
      series.sort((a, b) => lastSeen(b) - lastSeen(a));
      cut.push({ target, series: series.length - limits.maxSeriesPerTarget, why: 'maxSeriesPerTarget' });
      series = series.slice(0, limits.maxSeriesPerTarget);
    }
    targets[target] = series;
  }
  const cutByBytes = enforceByteBudget(targets, limits.maxBytes);
  for (const [target, count] of cutByBytes) cut.push({ target, series: count, why: 'maxBytes' });
  const out: ShardState = { writtenAt: round.at, configHashes: { ...round.configHashes }, targets: {} };
  for (const [target, series] of Object.entries(targets)) {
    Object.defineProperty(out.targets, target, {
      value: { series },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { state: out, cut, reset };
}

/** Drops the least recently seen series (across targets) until the shard fits; returns what each target lost. */
function enforceByteBudget(targets: Record<string, SeriesSamples[]>, maxBytes: number): Map<string, number> {
  const entries: { target: string; series: SeriesSamples; bytes: number }[] = [];
  let total = 0;
  for (const [target, list] of Object.entries(targets)) {
    for (const series of list) {
      const bytes = approximateBytes(series);
      entries.push({ target, series, bytes });
      total += bytes;
    }
  }
  const lost = new Map<string, number>();
  if (total <= maxBytes) return lost;
  entries.sort((a, b) => lastSeen(a.series) - lastSeen(b.series));
  const dropped = new Set<SeriesSamples>();
  for (const entry of entries) {
    if (total <= maxBytes) break;
    dropped.add(entry.series);
    total -= entry.bytes;
    lost.set(entry.target, (lost.get(entry.target) ?? 0) + 1);
  }
  for (const [target, list] of Object.entries(targets)) {
    targets[target] = list.filter((series) => !dropped.has(series));
  }
  return lost;
}
