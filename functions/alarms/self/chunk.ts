/**
 * Self-evaluated alarms, the pure part: one chunk of alarms (the alarms of some of a shard's targets, one item in
 * the alert store) advanced by one round. The evaluation is evaluate.ts's AlarmEvaluator — the one `vigil dev`
 * runs, CloudWatch's rules — restored from the chunk, fed the round's samples, evaluated at every period end since
 * the chunk's last evaluation (as CloudWatch evaluates every period, also while rounds were missed), and saved back.
 *
 * What CloudWatch would publish is what goes out: a move to ALARM or to OK (AlarmActions and OKActions; nothing
 * for INSUFFICIENT_DATA), a new alarm's first OK included — the webhook ignores an OK it never saw fire, and
 * publishing it means a target whose alarm state was lost still resolves. State changes wait in the chunk's outbox
 * until published, each claimed by the round that is to send it: a round that overlaps another (a late one, an SQS
 * redelivery) never sends what the other claimed, and one that died is taken over once its claim expires (the
 * webhook deduplicates the rare re-send).
 *
 * A chunk is trusted as it stands only when it was written under the current shard layout (round.ts): otherwise
 * each alarm starts from the freshest record of it found anywhere it may have lived (the seed), with the changes
 * still waiting to be sent. Alarms that left the chunk (their target moved to another shard or chunk, or is gone)
 * stay in it as `departed`, unevaluated and unsent, for their new home to take over whenever it runs.
 */

import { TARGET_DIMENSION } from '../../metrics/datums';
import { type AlarmDefinition, type AlarmStatistic, EVALUATION_RANGE_EXTRA_PERIODS } from '../definitions';
import {
  AlarmEvaluator,
  type AlarmState,
  type MetricSample,
  periodStart,
  type TrackedAlarm,
} from '../evaluate';

/** What the chunk keeps per alarm, compactly: it is rewritten every round, and DynamoDB bills per KB written. */
export interface StoredAlarm {
  s: AlarmState;
  /** Warm-up: absent = not started, 0 = over, else until (epoch ms). */
  w?: number;
  /** Periods as [period start in epoch minutes, ...samples]. */
  p?: number[][];
  /** A metric-math alarm's periods, per query id. */
  q?: Record<string, number[][]>;
}

/** One state change to publish, as CloudWatch would. */
export interface OutboxEntry {
  /** `<alarm>@<evaluation time>`: the change's identity. */
  id: string;
  alarm: string;
  from: AlarmState;
  to: 'ALARM' | 'OK';
  /** Epoch ms: the StateChangeTime. */
  at: number;
  reason: string;
  value?: number;
  /** The round that is to send it, and until when (epoch ms) that claim holds. */
  holder: string;
  until: number;
}

/** An alarm that left the chunk, kept for its new home: its record and when it was last evaluated (epoch ms). */
export interface DepartedAlarm {
  s: StoredAlarm;
  e: number;
}

export interface AlarmChunk {
  /** The shard layout it was written under (its `since`, round.ts): another layout's chunk is only a seed. */
  layout?: number;
  /** Epoch ms of the last evaluation (a period end). */
  evaluatedAt?: number;
  alarms: Record<string, StoredAlarm>;
  departed?: Record<string, DepartedAlarm>;
  /** Changes to publish: of the chunk's alarms, and of departed ones (which their new home sends). */
  outbox: OutboxEntry[];
}

/** Where an alarm not in the current chunk starts from: its freshest record elsewhere, with its unsent changes. */
export interface AlarmSeed {
  stored: StoredAlarm;
  entries: readonly OutboxEntry[];
}

export interface RoundInput {
  /** The chunk's alarms (all of one period). */
  definitions: readonly AlarmDefinition[];
  /** The round's samples of these alarms' targets. */
  samples: readonly MetricSample[];
  /** Evaluate up to the end of the round's period (epoch ms). */
  at: number;
  /** The wall clock: transitions are not dated in the future; claims are compared with it. */
  now: number;
  /** This round's identity and how long its claims hold. */
  holder: string;
  claimUntil: number;
  /** The current shard layout's `since` (round.ts): a chunk written under another is not trusted as it stands. */
  layout: number;
  /** An alarm's freshest record elsewhere (another chunk or layout), for an alarm the current chunk lacks. */
  seed?: (alarm: string) => AlarmSeed | undefined;
}

const MINUTE_MS = 60_000;
/**
 * A departed alarm is kept this long for its new home to take over (which happens at the new home's first round,
 * a minute later at most, unless that shard is failing); past it, the record is too old to restore (round.ts).
 */
export const DEPARTED_MAX_AGE_MS = 3600_000;
/**
 * Unsent changes kept per alarm while SNS fails: the last two are all the webhook needs (an older change would read
 * as stale behind them), and they bound the chunk's size whatever the outage.
 */
const OUTBOX_MAX_PER_ALARM = 2;

/** Statistics for which merging the samples of a period into one value changes nothing CloudWatch computes. */
const REDUCIBLE: Partial<Record<AlarmStatistic, (values: number[]) => number>> = {
  Maximum: (values) => Math.max(...values),
  Minimum: (values) => Math.min(...values),
  Sum: (values) => values.reduce((sum, value) => sum + value, 0),
};

function encodePeriods(periods: readonly [number, number[]][], statistic: AlarmStatistic): number[][] {
  const reduce = REDUCIBLE[statistic];
  return periods.map(([at, values]) => [at / MINUTE_MS, ...(reduce ? [reduce(values)] : values)]);
}

function decodePeriods(periods: readonly number[][] | undefined): [number, number[]][] {
  return (periods ?? []).map(([minute, ...values]) => [(minute ?? 0) * MINUTE_MS, values]);
}

function encode(definition: AlarmDefinition, tracked: TrackedAlarm): StoredAlarm {
  const math = definition.math;
  const stored: StoredAlarm = { s: tracked.state };
  if (tracked.warmUp !== 'pending') stored.w = tracked.warmUp === 'over' ? 0 : tracked.warmUp;
  if (math) {
    stored.q = Object.fromEntries(
      math.queries.map((query) => [
        query.id,
        encodePeriods(tracked.queries[query.id] ?? [], query.statistic),
      ]),
    );
  } else if (tracked.periods.length > 0) stored.p = encodePeriods(tracked.periods, definition.statistic);
  return stored;
}

function decode(stored: StoredAlarm): TrackedAlarm {
  return {
    state: stored.s,
    periods: decodePeriods(stored.p),
    queries: Object.fromEntries(
      Object.entries(stored.q ?? {}).map(([id, periods]) => [id, decodePeriods(periods)]),
    ),
    warmUp: stored.w === undefined ? 'pending' : stored.w === 0 ? 'over' : stored.w,
  };
}

/**
 * The chunk after this round, and the outbox entries this round is to publish (its own claims, new or taken over).
 * Pure: it may run again on a fresh read when the conditional write loses a race.
 */
export function advanceChunk(
  chunk: AlarmChunk | undefined,
  input: RoundInput,
): { chunk: AlarmChunk; publish: OutboxEntry[] } {
  const { definitions } = input;
  const names = new Set(definitions.map((definition) => definition.name));
  // Trusted as it stands only when written under this layout; else every alarm comes from its seed.
  const current = chunk?.layout === input.layout ? chunk : undefined;
  const restore = new Map<string, TrackedAlarm>();
  const pending: OutboxEntry[] = [];
  for (const definition of definitions) {
    const own = current?.alarms[definition.name];
    const seed = own === undefined ? input.seed?.(definition.name) : undefined;
    const stored = own ?? seed?.stored;
    if (stored) restore.set(definition.name, decode(stored));
    if (own !== undefined)
      pending.push(...(current?.outbox ?? []).filter((entry) => entry.alarm === definition.name));
    else if (seed) pending.push(...seed.entries);
  }
  // One evaluator per target: a sample only ever feeds its own target's alarms (their selectors name the target),
  // so a chunk's samples need not be offered to every alarm in it. A new alarm is created now (its warm-up starts
  // now, as at a deploy), not at the first period a catch-up replays.
  const evaluators = new Map<string, AlarmEvaluator>();
  for (const [target, own] of groupBy(definitions, (definition) => definition.target))
    evaluators.set(target, new AlarmEvaluator(own, { restore, createdAt: input.now }));
  for (const sample of input.samples) {
    const target = sample.dimensions[TARGET_DIMENSION];
    if (target !== undefined) evaluators.get(target)?.record(sample);
  }

  const periodSeconds = definitions[0]?.periodSeconds ?? 60;
  if (definitions.some((definition) => definition.periodSeconds !== periodSeconds))
    throw new Error('a chunk holds alarms of one period (the probe schedule)');
  const periodMs = periodSeconds * 1000;
  const last = current?.evaluatedAt;
  // Evaluation range: beyond it, a period's data no longer counts (evaluate.ts).
  const rangeMs =
    Math.max(0, ...definitions.map((d) => d.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS)) * periodMs;
  const dataPeriods = [
    ...new Set([
      ...[...restore.values()].flatMap((tracked) => [
        ...tracked.periods.map(([at]) => at),
        ...Object.values(tracked.queries).flatMap((periods) => periods.map(([at]) => at)),
      ]),
      ...input.samples.map((sample) => periodStart(timeOf(sample), periodSeconds)),
    ]),
  ].sort((a, b) => a - b);
  // Claims of a round that is gone pass to this one.
  const carried = pending.map((entry) =>
    entry.until < input.now ? { ...entry, holder: input.holder, until: input.claimUntil } : entry,
  );
  let at = last === undefined ? input.at : last + periodMs;
  while (at <= input.at) {
    for (const transition of [...evaluators.values()].flatMap((evaluator) => evaluator.evaluate(at))) {
      if (transition.to === 'INSUFFICIENT_DATA') continue;
      const when = Math.min(at, input.now);
      carried.push({
        id: `${transition.alarm}@${at}`,
        alarm: transition.alarm,
        from: transition.from,
        to: transition.to,
        at: when,
        reason: transition.reason,
        ...(transition.value === undefined ? {} : { value: transition.value }),
        holder: input.holder,
        until: input.claimUntil,
      });
    }
    at = nextEvaluation(at, periodMs, rangeMs, dataPeriods, input.at);
  }
  const alarms: Record<string, StoredAlarm> = {};
  for (const definition of definitions) {
    const tracked = evaluators.get(definition.target)?.snapshot(definition.name);
    if (tracked) alarms[definition.name] = encode(definition, tracked);
  }
  const departed = departedFrom(chunk, names, input.now);
  const outbox = [
    ...latestPerAlarm(carried),
    ...(chunk?.outbox ?? []).filter((entry) => departed[entry.alarm] !== undefined),
  ];
  const evaluatedAt = Math.max(last ?? Number.NEGATIVE_INFINITY, input.at);
  return {
    chunk: {
      layout: input.layout,
      evaluatedAt,
      alarms,
      ...(Object.keys(departed).length > 0 ? { departed } : {}),
      outbox,
    },
    publish: publishable(outbox, names, input),
  };
}

/** The alarms a chunk held that are no longer its own, fresh enough to hand over (DEPARTED_MAX_AGE_MS). */
function departedFrom(
  chunk: AlarmChunk | undefined,
  own: ReadonlySet<string>,
  now: number,
): Record<string, DepartedAlarm> {
  const out: Record<string, DepartedAlarm> = {};
  if (!chunk) return out;
  const keep = (name: string, alarm: DepartedAlarm) => {
    if (!own.has(name) && out[name] === undefined && alarm.e >= now - DEPARTED_MAX_AGE_MS) out[name] = alarm;
  };
  const evaluatedAt = chunk.evaluatedAt ?? Number.NEGATIVE_INFINITY;
  for (const [name, stored] of Object.entries(chunk.alarms)) keep(name, { s: stored, e: evaluatedAt });
  for (const [name, alarm] of Object.entries(chunk.departed ?? {})) keep(name, alarm);
  return out;
}

/** At most OUTBOX_MAX_PER_ALARM unsent changes per alarm: the latest. */
function latestPerAlarm(entries: readonly OutboxEntry[]): OutboxEntry[] {
  const byAlarm = groupBy(entries, (entry) => entry.alarm);
  return [...byAlarm.values()].flatMap((own) =>
    [...own].sort((a, b) => a.at - b.at).slice(-OUTBOX_MAX_PER_ALARM),
  );
}

/**
 * What this round sends: its own alarms' changes it holds, except an alarm's whose earlier change another live
 * round still holds (sent after it, the earlier one would read as stale and a breach would go unpaged).
 */
function publishable(
  outbox: readonly OutboxEntry[],
  own: ReadonlySet<string>,
  input: RoundInput,
): OutboxEntry[] {
  const blocked = new Map<string, number>();
  for (const entry of outbox)
    if (entry.holder !== input.holder && own.has(entry.alarm))
      blocked.set(entry.alarm, Math.min(entry.at, blocked.get(entry.alarm) ?? Number.POSITIVE_INFINITY));
  return outbox.filter(
    (entry) =>
      entry.holder === input.holder &&
      own.has(entry.alarm) &&
      !(entry.at > (blocked.get(entry.alarm) ?? Number.POSITIVE_INFINITY)),
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

function timeOf(sample: MetricSample): number {
  return typeof sample.timestamp === 'number' ? sample.timestamp : sample.timestamp.getTime();
}

/**
 * The period end to evaluate after `at`: the next one, unless no data is in range any more — then every evaluation
 * gives what this one gave, until data enters the range again, so the replay of a long gap jumps ahead.
 */
function nextEvaluation(
  at: number,
  periodMs: number,
  rangeMs: number,
  dataPeriods: readonly number[],
  end: number,
): number {
  const next = at + periodMs;
  if (dataPeriods.some((period) => period >= at - rangeMs && period < at)) return next;
  const upcoming = dataPeriods.find((period) => period >= at);
  const jump = upcoming === undefined ? end : Math.min(end, upcoming + periodMs);
  // `end` itself is always evaluated once (the round's own period), and never twice.
  return jump > at ? Math.max(next, jump) : end + periodMs;
}

/** The chunk once `sent` (entry ids) are published: what is left to send. */
export function withoutSent(chunk: AlarmChunk, sent: ReadonlySet<string>): AlarmChunk {
  return { ...chunk, outbox: chunk.outbox.filter((entry) => !sent.has(entry.id)) };
}
