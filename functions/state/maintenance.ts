/**
 * Maintenance windows (`maintenance:` in vigil.yml): recurring silences from config. Each window has matchers (or a
 * route-style `match`) and `time_intervals` in the shape of Alertmanager's `time_intervals`; while the time is inside
 * any of its intervals, the alerts it matches are muted exactly as a silence mutes them (recorded, not sent), with
 * `maintenance:<name>` in the alert's silencedBy.
 *
 * Time intervals port Alertmanager's timeinterval/timeinterval.go (including its DST fix for negative days of the
 * month): an interval holds when every field it has holds (a field absent holds always), and a field holds when
 * any of its ranges does. `times` are [start, end) in minutes of the local day; `weekdays` sunday…saturday,
 * `days_of_month` 1…31 or -31…-1 (from the end of the month, clamped to the month), `months` by name or 1…12,
 * `years`, all as inclusive `begin:end` ranges or single values; `location` is an IANA zone (default UTC), read
 * with Intl, so local hours follow the zone's DST. Parsing reports Alertmanager's messages; vigil also refuses
 * what Alertmanager accepts but can never match (a month outside 1…12, an empty list).
 */
import { compileLabelMatch, type LabelMatch } from '../routing/routes';
import * as z from '../zod-mini';
import {
  compileMatchers,
  type Labels,
  type Matcher,
  MatcherError,
  matchesEmpty,
  parseMatchers,
} from './matchers';
import type { ListedSilence, Muting } from './silences';

export interface TimeRange {
  /** Minutes since local midnight: [startMinute, endMinute). */
  startMinute: number;
  endMinute: number;
}

export interface InclusiveRange {
  begin: number;
  end: number;
}

export interface TimeInterval {
  times?: TimeRange[];
  weekdays?: InclusiveRange[];
  daysOfMonth?: InclusiveRange[];
  months?: InclusiveRange[];
  years?: InclusiveRange[];
  /** IANA zone name; absent: UTC. */
  location?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;
/** timeinterval.go validTime: 00:00 … 23:59, and 24:00 as the end of the day. */
const TIME_RE = /^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/;
/** strconv.Atoi's syntax. */
const INTEGER_RE = /^[+-]?\d+$/;
/** Alertmanager checks a negative day against the shortest month. */
const SHORTEST_MONTH_DAYS = 28;

class IntervalError extends Error {}

function integer(text: string, what: string): number {
  if (!INTEGER_RE.test(text)) throw new IntervalError(`${text} is not a valid ${what}`);
  return Number(text);
}

/** stringableRangeFromString: "a:b" or "a", lower-cased, each side read by `member`. */
function rangeOf(text: string, member: (part: string) => number): InclusiveRange {
  const lower = text.toLowerCase();
  if (!lower.includes(':')) {
    const value = member(lower);
    return { begin: value, end: value };
  }
  const parts = lower.split(':');
  if (parts.length !== 2) throw new IntervalError(`couldn't parse range ${text}, invalid format`);
  return { begin: member(parts[0]!), end: member(parts[1]!) };
}

export function parseWeekdayRange(text: string): InclusiveRange {
  const range = rangeOf(text, (part) => {
    const day = WEEKDAYS.indexOf(part as (typeof WEEKDAYS)[number]);
    if (day === -1) throw new IntervalError(`${part} is not a valid weekday`);
    return day;
  });
  if (range.begin > range.end) throw new IntervalError('start day cannot be before end day');
  return range;
}

export function parseDayOfMonthRange(text: string): InclusiveRange {
  const range = rangeOf(text, (part) => integer(part, 'day of the month'));
  for (const day of [range.begin, range.end])
    if (day === 0 || day < -31 || day > 31)
      throw new IntervalError(`${day} is not a valid day of the month: out of range`);
  if (range.begin < 0 && range.end > 0)
    throw new IntervalError('end day must be negative if start day is negative');
  const begin = range.begin < 0 ? SHORTEST_MONTH_DAYS + range.begin : range.begin;
  const end = range.end < 0 ? SHORTEST_MONTH_DAYS + range.end : range.end;
  if (begin > end) throw new IntervalError(`end day ${range.end} is always before start day ${range.begin}`);
  return range;
}

export function parseMonthRange(text: string): InclusiveRange {
  const range = rangeOf(text, (part) => {
    const named = MONTHS.indexOf(part as (typeof MONTHS)[number]);
    if (named !== -1) return named + 1;
    if (!INTEGER_RE.test(part)) throw new IntervalError(`${part} is not a valid month`);
    const month = Number(part);
    if (month < 1 || month > 12) throw new IntervalError(`${part} is not a valid month: out of range`);
    return month;
  });
  if (range.begin > range.end)
    throw new IntervalError(
      `end month ${MONTHS[range.end - 1]} is before start month ${MONTHS[range.begin - 1]}`,
    );
  return range;
}

export function parseYearRange(text: string): InclusiveRange {
  const range = rangeOf(text, (part) => integer(part, 'year'));
  if (range.begin > range.end)
    throw new IntervalError(`end year ${range.end} is before start year ${range.begin}`);
  return range;
}

function minuteOfDay(text: string): number {
  if (!TIME_RE.test(text)) throw new IntervalError(`couldn't parse timestamp ${text}, invalid format`);
  const [hours, minutes] = text.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

export function parseTimeRange(value: {
  start_time?: string | undefined;
  end_time?: string | undefined;
}): TimeRange {
  if (!value.start_time || !value.end_time)
    throw new IntervalError('both start and end times must be provided');
  const startMinute = minuteOfDay(value.start_time);
  const endMinute = minuteOfDay(value.end_time);
  if (startMinute >= endMinute)
    throw new IntervalError('start time cannot be equal or greater than end time');
  return { startMinute, endMinute };
}

/** `Local` is the process's zone (UTC on Lambda), as Go's time.LoadLocation reads it. */
function zoneName(location: string): string {
  return location === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : location;
}

export function locationProblem(location: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zoneName(location) });
    return undefined;
  } catch {
    return `unknown time zone ${location}`;
  }
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall-clock fields of `ms` in `location` (t.In(loc) in Go). */
function localTime(ms: number, location: string): LocalTime {
  const zone = zoneName(location);
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY_SHORT.indexOf(parts.weekday ?? ''),
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Days in a calendar month: no time of day involved, so no DST can shift it (Alertmanager's #5447 fix). */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const within = (value: number, range: InclusiveRange) => value >= range.begin && value <= range.end;

/** TimeInterval.ContainsTime. */
export function containsTime(interval: TimeInterval, ms: number): boolean {
  const t = localTime(ms, interval.location ?? 'UTC');
  if (
    interval.times &&
    !interval.times.some((r) => t.minuteOfDay >= r.startMinute && t.minuteOfDay < r.endMinute)
  )
    return false;
  if (interval.daysOfMonth) {
    const days = daysInMonth(t.year, t.month);
    const holds = interval.daysOfMonth.some((range) => {
      const begin = range.begin < 0 ? days + range.begin + 1 : range.begin;
      const end = range.end < 0 ? days + range.end + 1 : range.end;
      // A start past the end of this month (the 31st in April) holds on no day of it.
      if (begin > days) return false;
      return t.day >= Math.max(begin, -days) && t.day <= Math.min(end, days);
    });
    if (!holds) return false;
  }
  if (interval.months && !interval.months.some((range) => within(t.month, range))) return false;
  if (interval.weekdays && !interval.weekdays.some((range) => within(t.weekday, range))) return false;
  if (interval.years && !interval.years.some((range) => within(t.year, range))) return false;
  return true;
}

// ---- config schema -------------------------------------------------------------------------------------------

/** Turns a parser's error (IntervalError, MatcherError) into a config issue at the value's path. */
const parsed = <I, O>(
  input: z.ZodMiniType<I>,
  parse: (value: I) => O,
  expected: new (...args: never[]) => Error = IntervalError,
) =>
  z.pipe(
    input,
    z.transform((value: I, ctx) => {
      try {
        return parse(value);
      } catch (error) {
        if (!(error instanceof expected)) throw error;
        // Mini's transform context has no addIssue (classic adds one): push the issue as classic would.
        ctx.issues.push({ code: 'custom', message: error.message, input: value });
        return z.NEVER;
      }
    }),
  );

/** YAML may give `days_of_month: [1, -1]` as numbers; Alertmanager reads them as text. */
const rangeText = z.pipe(z.union([z.string(), z.int()]), z.transform(String));
const EMPTY_LIST = 'an empty list never matches: remove the key or add a range';
const rangeList = (parse: (text: string) => InclusiveRange) =>
  z.array(parsed(rangeText, parse)).check(z.minLength(1, EMPTY_LIST));

export const timeIntervalSchema = z.pipe(
  z.strictObject({
    times: z.optional(
      z
        .array(
          parsed(
            z.strictObject({ start_time: z.optional(z.string()), end_time: z.optional(z.string()) }),
            parseTimeRange,
          ),
        )
        .check(z.minLength(1, EMPTY_LIST)),
    ),
    weekdays: z.optional(rangeList(parseWeekdayRange)),
    days_of_month: z.optional(rangeList(parseDayOfMonthRange)),
    months: z.optional(rangeList(parseMonthRange)),
    years: z.optional(rangeList(parseYearRange)),
    location: z.optional(
      z.string().check(
        z.superRefine((location, ctx) => {
          const problem = locationProblem(location);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      ),
    ),
  }),
  z.transform(
    (raw): TimeInterval => ({
      ...(raw.times ? { times: raw.times } : {}),
      ...(raw.weekdays ? { weekdays: raw.weekdays } : {}),
      ...(raw.days_of_month ? { daysOfMonth: raw.days_of_month } : {}),
      ...(raw.months ? { months: raw.months } : {}),
      ...(raw.years ? { years: raw.years } : {}),
      ...(raw.location ? { location: raw.location } : {}),
    }),
  ),
);

/** One `matchers:` line: one or more matchers as Alertmanager's config writes them (`alertname=~"Http.*"`). */
export const matcherLineSchema = parsed(z.string(), parseMatchers, MatcherError);

/** A window as the config schema hands it over. */
export interface MaintenanceConfig {
  name: string;
  matchers?: Matcher[][] | undefined;
  match?: LabelMatch | undefined;
  time_intervals: TimeInterval[];
}

/**
 * Why a window's matchers would be wrong, or undefined: it needs some, and (as for silences) at least one must not
 * match an alert lacking the label, so that a window cannot mute every alert by accident.
 */
export function maintenanceMatchProblem(window: {
  matchers?: readonly (readonly Matcher[])[] | undefined;
  match?: LabelMatch | undefined;
}): string | undefined {
  const matchers = window.matchers?.flat() ?? [];
  const entries = Object.entries(window.match ?? {});
  if (matchers.length === 0 && entries.length === 0)
    return 'give matchers (or match) for the alerts this window mutes';
  const emptyEntry = ([label, expected]: [string, LabelMatch[string]]) =>
    compileLabelMatch({ [label]: expected })({});
  if (matchers.every(matchesEmpty) && entries.every(emptyEntry))
    return 'at least one matcher must not match the empty string (this window would mute every alert)';
  return undefined;
}

/** The windows of vigil.yml, ready for the flush (state/silences.ts silencer). */
export function maintenanceWindows(config: readonly MaintenanceConfig[]): Muting[] {
  return config.map((window) => {
    const byMatchers = compileMatchers(window.matchers?.flat() ?? []);
    const byMatch = compileLabelMatch(window.match ?? {});
    return {
      id: `maintenance:${window.name}`,
      matches: (labels: Labels) => byMatchers(labels) && byMatch(labels),
      activeAt: (now: number) => window.time_intervals.some((interval) => containsTime(interval, now)),
    };
  });
}

/** How far ahead a window's next occurrence is looked for (a weekly window always shows up). */
export const MAINTENANCE_LOOKAHEAD_MS = 8 * 86_400_000;
const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;

/**
 * Minutes from `ms` to the next local minute at which any interval could change: a start or end of its `times`, or
 * a local midnight (days, weekdays, months and years change there). At least one.
 */
function minutesToNextEdge(intervals: readonly TimeInterval[], ms: number): number {
  let step = MINUTES_PER_DAY;
  for (const interval of intervals) {
    const minute = localTime(ms, interval.location ?? 'UTC').minuteOfDay;
    const edges = [MINUTES_PER_DAY, ...(interval.times ?? []).flatMap((r) => [r.startMinute, r.endMinute])];
    for (const edge of edges) if (edge > minute) step = Math.min(step, edge - minute);
  }
  return Math.max(1, step);
}

/**
 * The first instant from `from` (then whole minutes, up to `until`) at which the intervals' activeness is `wanted`.
 * It jumps from edge to edge (a handful a day, instead of every minute), and where a jump lands on the wanted side
 * (a DST change can move an edge by the shift) it bisects back to the exact minute.
 */
function firstChange(intervals: readonly TimeInterval[], from: number, until: number, wanted: boolean) {
  const holds = (ms: number) => intervals.some((interval) => containsTime(interval, ms));
  if (holds(from) === wanted) return from;
  let at = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  while (at < until) {
    const next = Math.min(until, at + minutesToNextEdge(intervals, at) * MINUTE_MS);
    if (holds(next) === wanted) {
      let before = at;
      let after = next;
      while (after - before > MINUTE_MS) {
        const middle = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
        if (holds(middle) === wanted) after = middle;
        else before = middle;
      }
      return after;
    }
    at = next;
  }
  return undefined;
}

/** A `match` entry as Alertmanager matchers: exact → `=`, `~re` → `=~`, a list → one `=~` alternation. */
function matchAsMatchers(match: LabelMatch): Matcher[] {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return Object.entries(match).map(([name, expected]) => {
    const options = typeof expected === 'string' ? [expected] : expected;
    const only = options.length === 1 ? options[0]! : undefined;
    if (only !== undefined && !only.startsWith('~')) return { name, type: '=', value: only };
    const value = options
      .map((option) => (option.startsWith('~') ? option.slice(1) : literal(option)))
      .join('|');
    return { name, type: '=~', value };
  });
}

/**
 * The windows of vigil.yml as silences at `now`, for listing next to the real ones (`vigil silence list`, the dev
 * page): id `maintenance:<name>`, active with the end of the current occurrence, or pending with the next one
 * within MAINTENANCE_LOOKAHEAD_MS (none: empty times).
 */
export function maintenanceSilences(config: readonly MaintenanceConfig[], now: number): ListedSilence[] {
  return maintenanceWindows(config).map((window, index) => {
    const entry = config[index]!;
    const until = now + MAINTENANCE_LOOKAHEAD_MS;
    const active = window.activeAt(now);
    const startsAt = active ? now : firstChange(entry.time_intervals, now, until, true);
    const endsAt =
      startsAt === undefined ? undefined : firstChange(entry.time_intervals, startsAt, until, false);
    const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
    return {
      id: window.id,
      matchers: [...(entry.matchers?.flat() ?? []), ...matchAsMatchers(entry.match ?? {})],
      startsAt: iso(startsAt),
      endsAt: iso(endsAt),
      createdBy: 'vigil.yml',
      comment: `maintenance window ${entry.name}`,
      updatedAt: '',
      state: active ? 'active' : 'pending',
    };
  });
}
