/**
 * `vigil silence add|list|expire`: the silences of the alert state (state/silences.ts), locally (the SQLite file
 * `vigil dev` and `vigil webhook serve` use) or in a deployed stack's DynamoDB table. Matchers and durations are
 * written as amtool writes them, so a line that works with `amtool silence add` works here.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ConfigError, configPath, loadConfig } from '../../config/load';
import { gettableSilence } from '../../intake/alertmanager-api';
import { dynamoStateStore } from '../../state/dynamodb';
import type { AlertStateStore } from '../../state/item-store';
import { maintenanceSilences } from '../../state/maintenance';
import { formatMatcher, type Matcher, MatcherError, parseMatcher } from '../../state/matchers';
import {
  expireSilence,
  type ListedSilence,
  listSilences,
  matchesFilter,
  type SilenceState,
  setSilence,
} from '../../state/silences';
import { DEFAULT_ALERT_STATE_FILE, sqliteStateStore } from '../../state/sqlite';
import {
  CONFIG_OPTION,
  type Command,
  EXIT,
  type ExitCode,
  type Io,
  JSON_OPTION,
  parse,
  UsageError,
  write,
} from '../args';
import { type Colour, colourer, table } from '../format';

/** amtool's default `--duration`. */
const DEFAULT_SILENCE_MS = 3_600_000;
/** Alertmanager's model.ParseDuration units, largest first: "1h30m", "2d", "1w". */
const DURATION_UNITS_MS: readonly [string, number][] = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
/** An id prefix shorter than this could match by accident. */
const ID_PREFIX_MIN_CHARS = 8;

/** Alertmanager's duration syntax (model.ParseDuration): "2h", "1h30m", "3d"; undefined when it is not one. */
export function parseSilenceDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  if (!match || text === '') return undefined;
  return DURATION_UNITS_MS.reduce((sum, [, unit], index) => sum + Number(match[index + 1] ?? 0) * unit, 0);
}

function parseTime(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/i.test(text) || Number.isNaN(ms))
    throw new UsageError(`${flag} must be an RFC 3339 time such as 2026-12-01T22:00:00+08:00, got "${text}"`);
  return ms;
}

/** Matchers from arguments, amtool's way: a first argument without an operator is the alertname. */
function matchersOf(args: readonly string[]): Matcher[] {
  return args.map((text, index) => {
    try {
      return parseMatcher(text);
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      if (index === 0) {
        try {
          return parseMatcher(`alertname=${text}`);
        } catch {
          // report the original problem
        }
      }
      throw new UsageError(
        `${error.message} (write matchers as name=value, name!=value, name=~regex, name!~regex)`,
      );
    }
  });
}

const STORE_OPTIONS = { state: { type: 'string' }, table: { type: 'string' } } as const;

/** --table (or $VIGIL_ALERT_STATE_TABLE): DynamoDB; otherwise --state (or $VIGIL_ALERT_STATE_FILE, or the default file). */
function openStore(
  values: { state?: string | undefined; table?: string | undefined },
  io: Io,
): AlertStateStore {
  if (values.state !== undefined && values.table !== undefined)
    throw new UsageError('use either --state or --table');
  const table = values.table ?? (values.state === undefined ? io.env.VIGIL_ALERT_STATE_TABLE : undefined);
  if (table) return dynamoStateStore(table);
  return sqliteStateStore(values.state ?? (io.env.VIGIL_ALERT_STATE_FILE || DEFAULT_ALERT_STATE_FILE));
}

function defaultAuthor(io: Io): string {
  if (io.env.USER) return io.env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'vigil';
  }
}

const STATE_COLOUR: Record<SilenceState, Colour> = { active: 'green', pending: 'yellow', expired: 'gray' };

/** "in 1h59m" / "3m ago", to the minute; "now" within a minute. */
function relative(ms: number, now: number): string {
  if (Number.isNaN(ms)) return '-';
  const minutes = Math.round(Math.abs(ms - now) / 60_000);
  if (minutes === 0) return 'now';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const text =
    [
      days ? `${days}d` : '',
      hours ? `${hours}h` : '',
      minutes % 60 || minutes === 0 ? `${minutes % 60}m` : '',
    ]
      .filter(Boolean)
      .join('') || '0m';
  return ms >= now ? `in ${text}` : `${text} ago`;
}

function printSilences(silences: readonly ListedSilence[], io: Io, now: number): void {
  const paint = colourer(io.stdout, io.env);
  write(
    io.stdout,
    table(
      ['ID', 'STATE', 'MATCHERS', 'STARTS', 'ENDS', 'CREATED BY', 'COMMENT'],
      silences.map((silence) => [
        silence.id,
        paint(STATE_COLOUR[silence.state], silence.state),
        silence.matchers.map(formatMatcher).join(' '),
        relative(Date.parse(silence.startsAt), now),
        relative(Date.parse(silence.endsAt), now),
        silence.createdBy,
        silence.comment,
      ]),
      80,
    ),
  );
}

const USAGE = `Usage: vigil silence add MATCHER... [--for 1h | --until TIME] [--start TIME] [--comment TEXT] [--author NAME] [--json]
       vigil silence list [MATCHER...] [--expired] [--config FILE] [--json]
       vigil silence expire ID... [--json]

Silences mute the alerts whose labels match every MATCHER (Alertmanager's semantics): they are recorded in the
alert state and not sent while the silence lasts; one still firing when it ends is sent at the next sweep.
MATCHER is written as amtool writes it: name=value, name!=value, name=~regex, name!~regex (anchored; quote
values with spaces: 'comment="a b"'); a first argument without an operator is the alertname.

  add      create a silence; prints its id. --for takes Alertmanager durations (2h, 1h30m, 3d; default 1h);
           --until / --start take RFC 3339 times. --author defaults to $USER.
  list     active and pending silences (--expired: the expired ones, kept for 5 days), and the maintenance
           windows of the config (--config, $VIGIL_CONFIG or ./vigil.yml) as maintenance:<name> with their current
           or next occurrence; MATCHERs keep only those that have each of them (amtool's filter).
  expire   end silences now (an id, or a unique prefix of at least ${ID_PREFIX_MIN_CHARS} characters).

Where the silences live (the same state the webhook reads):
  --state FILE   the local SQLite file of vigil dev / vigil webhook serve (default $VIGIL_ALERT_STATE_FILE, else
                 ${DEFAULT_ALERT_STATE_FILE})
  --table NAME   a deployed stack's DynamoDB table, vigil-<stage>-alert-state (default $VIGIL_ALERT_STATE_TABLE);
                 region and credentials come from the AWS SDK's usual environment (AWS_REGION, AWS_PROFILE …)
amtool works too, against the webhook URL: see the README ("Silences and maintenance windows").

Exit 0 ok, 1 when a silence is unknown or the state cannot be reached, 2 on bad usage.`;

async function add(args: string[], io: Io, now: number): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    {
      ...JSON_OPTION,
      ...STORE_OPTIONS,
      for: { type: 'string', short: 'd' },
      until: { type: 'string' },
      start: { type: 'string' },
      comment: { type: 'string', short: 'c' },
      author: { type: 'string', short: 'a' },
    },
    true,
  );
  if (positionals.length === 0)
    throw new UsageError('give at least one matcher, such as alertname=HighGoroutines');
  if (values.for !== undefined && values.until !== undefined)
    throw new UsageError('use either --for or --until');
  const matchers = matchersOf(positionals);
  const startsAt = values.start === undefined ? now : parseTime(values.start, '--start');
  let endsAt: number;
  if (values.until !== undefined) endsAt = parseTime(values.until, '--until');
  else {
    const ms = values.for === undefined ? DEFAULT_SILENCE_MS : parseSilenceDuration(values.for);
    if (ms === undefined || ms <= 0)
      throw new UsageError(`--for must be a duration such as 2h, 1h30m or 3d, got "${values.for}"`);
    endsAt = startsAt + ms;
  }
  const store = openStore(values, io);
  try {
    const outcome = await setSilence(
      store,
      {
        matchers,
        startsAt,
        endsAt,
        createdBy: values.author ?? defaultAuthor(io),
        comment: values.comment ?? '',
      },
      now,
    );
    if (!outcome.ok) throw new UsageError(outcome.message);
    const listed = (await listSilences(store, now)).find((silence) => silence.id === outcome.id);
    if (values.json)
      write(io.stdout, JSON.stringify(listed ? gettableSilence(listed) : { id: outcome.id }, null, 2));
    else {
      write(io.stdout, outcome.id);
      if (listed)
        write(
          io.stderr,
          `${listed.state === 'active' ? 'silenced' : 'will silence'} ${listed.matchers.map(formatMatcher).join(' ')} until ${listed.endsAt} (${store.description})`,
        );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/**
 * The config's maintenance windows, listed with the silences: from --config, $VIGIL_CONFIG or ./vigil.yml when there
 * is one; a config that does not load is reported and skipped (the silences are what was asked for).
 */
function configuredWindows(explicit: string | undefined, io: Io, now: number): ListedSilence[] {
  const file = configPath(explicit, io.env);
  if (explicit === undefined && io.env.VIGIL_CONFIG === undefined && !existsSync(file)) return [];
  try {
    return maintenanceSilences(loadConfig(file).maintenance, now);
  } catch (error) {
    const why =
      error instanceof ConfigError
        ? `${error.issues.length} problem(s), see vigil validate`
        : (error as Error).message;
    write(io.stderr, `warning: maintenance windows not listed: ${why}`);
    return [];
  }
}

async function list(args: string[], io: Io, now: number): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    { ...JSON_OPTION, ...STORE_OPTIONS, ...CONFIG_OPTION, expired: { type: 'boolean' } },
    true,
  );
  const filter = matchersOf(positionals);
  const windows = values.expired ? [] : configuredWindows(values.config, io, now);
  const store = openStore(values, io);
  try {
    const silences = [...(await listSilences(store, now)), ...windows].filter(
      (silence) =>
        (silence.state === 'expired') === Boolean(values.expired) && matchesFilter(silence, filter),
    );
    if (values.json) write(io.stdout, JSON.stringify(silences.map(gettableSilence), null, 2));
    else if (silences.length === 0)
      write(
        io.stdout,
        `no ${values.expired ? 'expired' : 'active or pending'} silences in ${store.description}`,
      );
    else printSilences(silences, io, now);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function expire(args: string[], io: Io, now: number): Promise<ExitCode> {
  const { values, positionals } = parse(args, { ...JSON_OPTION, ...STORE_OPTIONS }, true);
  if (positionals.length === 0)
    throw new UsageError('give the id of the silence to expire (vigil silence list shows them)');
  const store = openStore(values, io);
  const paint = colourer(io.stderr, io.env);
  try {
    const known = await listSilences(store, now);
    const results: { id: string; result: 'expired' | 'already-expired' | 'not-found' | 'ambiguous' }[] = [];
    for (const wanted of positionals) {
      const exact = known.find((silence) => silence.id === wanted);
      const byPrefix =
        wanted.length >= ID_PREFIX_MIN_CHARS ? known.filter((silence) => silence.id.startsWith(wanted)) : [];
      const id = exact?.id ?? (byPrefix.length === 1 ? byPrefix[0]!.id : undefined);
      if (id === undefined) {
        results.push({ id: wanted, result: byPrefix.length > 1 ? 'ambiguous' : 'not-found' });
        continue;
      }
      results.push({ id, result: await expireSilence(store, id, now) });
    }
    if (values.json) write(io.stdout, JSON.stringify(results, null, 2));
    else
      for (const { id, result } of results) {
        if (result === 'expired') write(io.stdout, `expired ${id}`);
        else if (result === 'already-expired') write(io.stdout, `${id} had already expired`);
        else
          write(
            io.stderr,
            paint(
              'red',
              result === 'ambiguous'
                ? `${id}: more than one silence starts so`
                : `no silence ${id} in ${store.description}`,
            ),
          );
      }
    return results.some(({ result }) => result === 'not-found' || result === 'ambiguous')
      ? EXIT.failure
      : EXIT.ok;
  } finally {
    await store.close();
  }
}

export const silence: Command = {
  name: 'silence',
  summary: 'add, list and expire silences (`vigil silence add alertname=X --for 2h`)',
  usage: USAGE,
  async run(argv, io) {
    const [action, ...rest] = argv;
    const now = Date.now();
    if (action === 'add') return add(rest, io, now);
    if (action === 'list') return list(rest, io, now);
    if (action === 'expire') return expire(rest, io, now);
    throw new UsageError(
      action === undefined
        ? 'expected add, list or expire'
        : `unknown action "${action}": expected add, list or expire`,
    );
  },
};
