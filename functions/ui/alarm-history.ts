/**
 * When each local alarm was in ALARM, for the page's shaded periods: `.vigil/alarm-history.jsonl`, one line per
 * state change `vigil dev` saw (`{"at":…,"alarm":…,"from":…,"to":…}`). `.vigil/alarms.json` keeps only the state
 * now (what evaluation needs); the charts need the past, and it must survive a restart like the metrics do.
 *
 * Append-only like the metric store, for the same reasons (a crash costs at most the torn last line). At open,
 * changes older than the retention are compacted away, except each alarm's last one before the cut: the state an
 * alarm was in when the retained window starts is still known.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ALARM_STATES, type AlarmState } from '../alarms/evaluate';

export const ALARM_HISTORY_FILE_NAME = 'alarm-history.jsonl';

export interface AlarmChange {
  /** Epoch ms. */
  at: number;
  alarm: string;
  from: AlarmState;
  to: AlarmState;
}

/** A stretch of time an alarm spent in ALARM; `to` is undefined while it still is. */
export interface AlarmPeriod {
  alarm: string;
  from: number;
  to?: number;
}

const STATES: ReadonlySet<string> = new Set(ALARM_STATES);

export function encodeChange(change: AlarmChange): string {
  return JSON.stringify({
    at: new Date(change.at).toISOString(),
    alarm: change.alarm,
    from: change.from,
    to: change.to,
  });
}

/** A line back into a change; undefined for a torn or hand-edited line. */
export function decodeChange(line: string): AlarmChange | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { at, alarm, from, to } = raw as Record<string, unknown>;
  const ms = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  if (
    !Number.isFinite(ms) ||
    typeof alarm !== 'string' ||
    !STATES.has(String(from)) ||
    !STATES.has(String(to))
  )
    return undefined;
  return { at: ms, alarm, from: from as AlarmState, to: to as AlarmState };
}

/**
 * The ALARM periods of every alarm that overlap [from, to), from its changes (any order). `current` fills in
 * alarms the journal never saw change: one in ALARM since `since` (a state saved before the journal existed).
 */
export function alarmPeriods(
  changes: readonly AlarmChange[],
  range: { from: number; to: number },
  current: Readonly<Record<string, { state: AlarmState; since?: number }>> = {},
): AlarmPeriod[] {
  const byAlarm = new Map<string, AlarmChange[]>();
  for (const change of changes) byAlarm.set(change.alarm, [...(byAlarm.get(change.alarm) ?? []), change]);
  const periods: AlarmPeriod[] = [];
  const keep = (period: AlarmPeriod) => {
    if (period.from < range.to && (period.to === undefined || period.to > range.from)) periods.push(period);
  };
  for (const [alarm, list] of byAlarm) {
    list.sort((a, b) => a.at - b.at);
    let state = list[0]!.from;
    let since = Number.NEGATIVE_INFINITY;
    for (const change of list) {
      if (state === 'ALARM' && change.to !== 'ALARM')
        keep({ alarm, from: Math.max(since, range.from), to: change.at });
      if (state !== 'ALARM' && change.to === 'ALARM') since = change.at;
      state = change.to;
    }
    if (state === 'ALARM') keep({ alarm, from: Math.max(since, range.from) });
  }
  for (const [alarm, { state, since }] of Object.entries(current)) {
    if (byAlarm.has(alarm) || state !== 'ALARM') continue;
    keep({ alarm, from: Math.max(since ?? range.from, range.from) });
  }
  return periods.sort((a, b) => a.from - b.from || (a.alarm < b.alarm ? -1 : 1));
}

export interface AlarmHistory {
  readonly file: string;
  changes(): readonly AlarmChange[];
  /** Records a change in memory at once and on disk in order; write errors surface in flush(). */
  record(change: AlarmChange): void;
  flush(): Promise<void>;
}

/** Changes to keep at `cutoff`: everything since, and each alarm's last change before it. */
export function retained(changes: readonly AlarmChange[], cutoff: number): AlarmChange[] {
  const lastBefore = new Map<string, AlarmChange>();
  const kept: AlarmChange[] = [];
  for (const change of [...changes].sort((a, b) => a.at - b.at)) {
    if (change.at >= cutoff) kept.push(change);
    else lastBefore.set(change.alarm, change);
  }
  return [...lastBefore.values(), ...kept].sort((a, b) => a.at - b.at);
}

/** Opens (or creates) the journal; compacts it when it holds changes past the retention or unreadable lines. */
export async function openAlarmHistory(
  file: string,
  options: { retentionMs: number; now: () => number },
): Promise<AlarmHistory> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const read = lines.map(decodeChange).filter((change): change is AlarmChange => change !== undefined);
  const changes = retained(read, options.now() - options.retentionMs);

  let queue: Promise<void> = Promise.resolve();
  let writeError: Error | undefined;
  const serial = (task: () => Promise<void>) => {
    queue = queue.then(task).catch((error: unknown) => {
      writeError ??= error instanceof Error ? error : new Error(String(error));
    });
  };
  if (changes.length !== lines.length) {
    const body = changes.map((change) => `${encodeChange(change)}\n`).join('');
    serial(async () => {
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, body);
      await rename(temp, file);
    });
  }
  return {
    file,
    changes: () => changes,
    record(change) {
      changes.push(change);
      serial(async () => {
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, `${encodeChange(change)}\n`);
      });
    },
    async flush() {
      await queue;
      const error = writeError;
      writeError = undefined;
      if (error) throw error;
    },
  };
}
