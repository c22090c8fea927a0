/**
 * The rate state inside one probe round: the shard is read once before the first target, each prometheus target
 * gets the history of its own series (if its endpoint is unchanged), and at the end what the targets scraped is
 * folded in (state/history.ts) and written back once, conditionally (state/store.ts). Lambda, `vigil probe` and
 * `vigil dev` all run this, through runRound.
 *
 * When things go wrong: an unreadable store leaves the round without history and without a write (a write could
 * not be conditional on a version it never read), reported; a lost race is retried by the store and, if lost for
 * good, reported with the samples left out (the next windows are shorter; nothing is invented).
 */
import { createHash } from 'node:crypto';
import type { TargetConfig } from '../config/schema';
import type { Deadline } from '../deadline';
import { DEFAULT_LOOKBACK_MS, MAX_HISTORY_MS, type SeriesSamples } from '../promql';
import type { Inspection } from './kinds/types';
import { type HistoryCut, type RoundSamples, recordRound } from './state/history';
import type { StateSnapshot, StateStore, UpdateReport } from './state/types';
import { notProbed, type ProbeResult } from './types';

/** The state shard id of a round that is not split (the whole config; fanout/shards.ts names the others). */
export const WHOLE_ROUND_SHARD = 'round';
/** Series of one target the state keeps (the least recently seen are cut first, and reported). */
export const STATE_MAX_SERIES_PER_TARGET = 2_000;
/**
 * Bytes (JSON before gzip) of one shard: bounds the object, its decode in the probe's memory (about 5× this as
 * objects) and what crosses into the inspection worker.
 */
export const STATE_MAX_BYTES = 16 * 1024 * 1024;

export interface RoundStateReport {
  shard: string;
  /** Encoded bytes read and written. */
  readBytes: number;
  written?: UpdateReport;
  /** Series the limits cut, per target. */
  cut: HistoryCut[];
  /** Targets whose endpoint changed: their history started over. */
  reset: string[];
  /** Everything worth a warning: unreadable objects, lost races, cuts. */
  problems: string[];
}

/** What identifies a target's series: the same endpoint scraped the same way. Anything else may change freely. */
function timedOut(what: 'read' | 'written'): Error {
  return new Error(`not ${what} before the round's deadline`);
}

export function stateHash(target: TargetConfig): string {
  // Only HTTP targets have a method, headers and a body (config/schema.ts: fields per transport).
  const identity = {
    type: target.type,
    url: target.url,
    method: 'method' in target ? target.method : null,
    headers: 'headers' in target ? target.headers : null,
    body: 'body' in target ? (target.body ?? null) : null,
    job: 'job' in target ? (target.job ?? null) : null,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

export interface RoundState {
  historyOf(target: TargetConfig): readonly SeriesSamples[];
  record(target: TargetConfig, recorded: NonNullable<Inspection['recorded']>): void;
  finished(result: ProbeResult): void;
  /** Bounded by `deadline` when given: a store that hangs costs this round its history, never the round. */
  write(atMs: number, deadline?: Deadline): Promise<RoundStateReport>;
}

/** `targets`: every target the shard holds (its history is kept; any other target's is forgotten). */
export async function openRoundState(
  store: StateStore,
  options: { shard: string; targets: readonly TargetConfig[]; deadline?: Deadline },
): Promise<RoundState> {
  const { shard } = options;
  const problems: string[] = [];
  let snapshot: StateSnapshot | undefined;
  try {
    const reading = store.read(shard);
    snapshot = await (options.deadline ? options.deadline.race(reading, () => timedOut('read')) : reading);
    problems.push(...snapshot.problems);
  } catch (error) {
    problems.push(
      `rate state (shard ${shard}) could not be read (${error instanceof Error ? error.message : String(error)}); this round has no history and writes none`,
    );
  }
  const hashes = Object.fromEntries(options.targets.map((target) => [target.name, stateHash(target)]));
  const scraped: RoundSamples['scraped'] = {};
  const failed: Record<string, number> = {};
  const retentionMs: Record<string, number> = {};

  return {
    historyOf(target) {
      if (snapshot === undefined || snapshot.state.configHashes[target.name] !== hashes[target.name])
        return [];
      return Object.hasOwn(snapshot.state.targets, target.name)
        ? (snapshot.state.targets[target.name]?.series ?? [])
        : [];
    },
    record(target, recorded) {
      scraped[target.name] = recorded.series;
      retentionMs[target.name] = recorded.retentionMs;
    },
    finished(result) {
      // A failed scrape marks its series stale (as Prometheus does); a target the deadline never reached keeps its
      // history untouched. A scrape that succeeded but failed a condition has recorded its samples already.
      if (!result.success && !notProbed(result.reason) && !Object.hasOwn(scraped, result.target)) {
        failed[result.target] = result.timestamp.getTime();
      }
    },
    async write(atMs, deadline) {
      const report: RoundStateReport = {
        shard,
        readBytes: snapshot?.bytes ?? 0,
        cut: [],
        reset: [],
        problems,
      };
      if (snapshot === undefined) return report;
      if (Object.keys(scraped).length === 0 && !snapshot.version.exists) {
        // Nothing to keep and nothing kept: no object, no write (a config without range functions costs nothing).
        return report;
      }
      const round: RoundSamples = { at: atMs, configHashes: hashes, scraped, failed, retentionMs };
      const limits = {
        // Targets not scraped this round keep their samples until no window could reach them.
        retentionMs: MAX_HISTORY_MS + DEFAULT_LOOKBACK_MS,
        maxSeriesPerTarget: STATE_MAX_SERIES_PER_TARGET,
        maxBytes: STATE_MAX_BYTES,
      };
      try {
        const writing = store.update(
          shard,
          (current) => {
            const recorded = recordRound(current, round, limits);
            report.cut = recorded.cut;
            report.reset = recorded.reset;
            return recorded.state;
          },
          snapshot,
        );
        report.written = await (deadline ? deadline.race(writing, () => timedOut('written')) : writing);
        problems.push(...report.written.problems);
      } catch (error) {
        problems.push(
          `rate state (shard ${shard}) could not be written (${error instanceof Error ? error.message : String(error)}); this round's samples are not kept`,
        );
      }
      for (const cut of report.cut) {
        problems.push(
          `${cut.target}: ${cut.series} series not kept in the rate state (over ${cut.why === 'maxBytes' ? `the shard's ${STATE_MAX_BYTES} bytes` : `${STATE_MAX_SERIES_PER_TARGET} series per target`}); their rates start over when seen again`,
        );
      }
      return report;
    },
  };
}
