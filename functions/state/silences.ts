/**
 * Silences with Alertmanager's semantics (silence/silence.go and api/v2, 0.25), kept in the alert state's `silence`
 * partition (one item per silence id), so `vigil silence`, the API v2 endpoints on the webhook URL and every flush
 * see the same ones, in AWS (DynamoDB) and locally (SQLite).
 *
 * - A silence has matchers (all must hold), startsAt/endsAt, createdBy and a comment. It is *pending* before
 *   startsAt, *active* from startsAt until endsAt, *expired* from endsAt on. (Alertmanager, at nanosecond
 *   resolution, counts the instant endsAt itself as active; at vigil's milliseconds that would leave a silence
 *   expired "now" still muting for the rest of the millisecond, so here it ends at endsAt.)
 * - Setting a silence with an id updates it in place when that changes no history (silence.go canUpdate: same
 *   matchers; an active one keeps its start and may move its end to any time not in the past; a pending one may
 *   move both, not into the past); otherwise a new silence (new id) replaces it and the old one is expired, so what
 *   was muted when stays answerable. A new silence never starts in the past (its start is moved to now).
 * - Expiring sets endsAt to now (a pending silence gets startsAt = endsAt = now); expiring an expired one is a no-op.
 * - Expired silences stay listed for SILENCE_RETENTION_MS after their end, then the store's expiry removes them.
 *
 * Every write is a conditional write on the item's version (state/item-store.ts), so an expire racing an update
 * never loses either.
 */
import { randomUUID } from 'node:crypto';
import {
  ABSENT,
  type AlertStateStore,
  expiryAfter,
  StateConflictError,
  type StoredItem,
  UPDATE_MAX_CONFLICTS,
} from './item-store';
import {
  compileMatchers,
  type Labels,
  type Matcher,
  matcherProblem,
  matchesEmpty,
  sameMatchers,
} from './matchers';

export const SILENCE_PARTITION = 'silence';
/** How long an expired silence stays listed: Alertmanager's --data.retention default (120h). */
export const SILENCE_RETENTION_MS = 120 * 3600_000;

export type SilenceState = 'pending' | 'active' | 'expired';

/** One silence as stored (times as ISO strings, like the alert records). */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  updatedAt: string;
}

/** A silence as listed at a moment: with its state then. */
export interface ListedSilence extends Silence {
  state: SilenceState;
}

/** What a caller asks to set (API v2 postableSilence, `vigil silence add`). Times in epoch ms. */
export interface SilenceRequest {
  /** Update (or replace) this silence; absent: a new one. */
  id?: string;
  matchers: Matcher[];
  /** Absent: now. */
  startsAt?: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export type SetOutcome =
  | { ok: true; id: string; replaced?: string }
  | { ok: false; status: 400 | 404; message: string };

export function silenceState(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < Date.parse(silence.startsAt)) return 'pending';
  if (now >= Date.parse(silence.endsAt)) return 'expired';
  return 'active';
}

/** silence.go validateSilence, with its messages (the API prefixes "silence invalid: "). */
export function silenceProblem(matchers: readonly Matcher[]): string | undefined {
  if (matchers.length === 0) return 'at least one matcher required';
  for (const [index, matcher] of matchers.entries()) {
    const problem = matcherProblem(matcher);
    if (problem) return `invalid label matcher ${index}: ${problem}`;
  }
  if (matchers.every(matchesEmpty)) return 'at least one matcher must not match the empty string';
  return undefined;
}

function itemExpiry(silence: Silence): number {
  return expiryAfter(Date.parse(silence.endsAt), SILENCE_RETENTION_MS);
}

/** silence.go canUpdate: may `next` overwrite `previous` without rewriting what was muted when? */
function canUpdate(previous: Silence, next: Silence, now: number): boolean {
  if (!sameMatchers(previous.matchers, next.matchers)) return false;
  switch (silenceState(previous, now)) {
    case 'active':
      return (
        Math.floor(Date.parse(previous.startsAt) / 1000) === Math.floor(Date.parse(next.startsAt) / 1000) &&
        Date.parse(next.endsAt) >= now
      );
    case 'pending':
      return Date.parse(next.startsAt) >= now;
    case 'expired':
      return false;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Creates or updates a silence (api/v2 postSilencesHandler + silence.go Set). Resolves to its id, or a refusal
 * with the status and message Alertmanager answers with.
 */
export async function setSilence(
  store: AlertStateStore,
  request: SilenceRequest,
  now: number,
  newId: () => string = randomUUID,
): Promise<SetOutcome> {
  const startsAt = request.startsAt ?? now;
  if (startsAt >= request.endsAt)
    return {
      ok: false,
      status: 400,
      message: 'Failed to create silence: start time must be before end time',
    };
  if (request.endsAt < now)
    return { ok: false, status: 400, message: "Failed to create silence: end time can't be in the past" };
  const wanted = (id: string, start: number): Silence => ({
    id,
    matchers: request.matchers.map(({ name, type, value }) => ({ name, type, value })),
    startsAt: iso(start),
    endsAt: iso(request.endsAt),
    createdBy: request.createdBy,
    comment: request.comment,
    updatedAt: iso(now),
  });

  let previous: StoredItem<Silence> | undefined;
  if (request.id !== undefined) {
    for (let conflicts = 0; ; conflicts++) {
      if (conflicts === UPDATE_MAX_CONFLICTS)
        throw new StateConflictError(`${store.description}: silence ${request.id} kept changing while set`);
      previous = await store.get<Silence>(SILENCE_PARTITION, request.id);
      if (!previous) return { ok: false, status: 404, message: 'silence not found' };
      const problem = silenceProblem(request.matchers);
      if (problem) return { ok: false, status: 400, message: `silence invalid: ${problem}` };
      const next = wanted(request.id, startsAt);
      if (!canUpdate(previous.value, next, now)) break;
      if (
        (await store.put(SILENCE_PARTITION, request.id, next, previous.version, itemExpiry(next))) !==
        undefined
      )
        return { ok: true, id: request.id };
    }
  }
  const problem = silenceProblem(request.matchers);
  if (problem) return { ok: false, status: 400, message: `silence invalid: ${problem}` };
  const created = wanted(newId(), Math.max(startsAt, now));
  // The replacement is written before the old one is expired: a crash in between leaves two silences for a
  // moment, never a gap in which the alerts would page.
  if ((await store.put(SILENCE_PARTITION, created.id, created, ABSENT, itemExpiry(created))) === undefined)
    throw new StateConflictError(`${store.description}: silence id ${created.id} already taken`);
  if (previous && silenceState(previous.value, now) !== 'expired') {
    await expireSilence(store, previous.value.id, now);
    return { ok: true, id: created.id, replaced: previous.value.id };
  }
  return { ok: true, id: created.id };
}

/** Ends a silence now (silence.go expire). */
export async function expireSilence(
  store: AlertStateStore,
  id: string,
  now: number,
): Promise<'expired' | 'already-expired' | 'not-found'> {
  for (let conflicts = 0; conflicts < UPDATE_MAX_CONFLICTS; conflicts++) {
    const current = await store.get<Silence>(SILENCE_PARTITION, id);
    if (!current) return 'not-found';
    const state = silenceState(current.value, now);
    if (state === 'expired') return 'already-expired';
    const next: Silence = {
      ...current.value,
      ...(state === 'pending' ? { startsAt: iso(now) } : {}),
      endsAt: iso(now),
      updatedAt: iso(now),
    };
    if ((await store.put(SILENCE_PARTITION, id, next, current.version, itemExpiry(next))) !== undefined)
      return 'expired';
  }
  throw new StateConflictError(`${store.description}: silence ${id} kept changing while expired`);
}

export async function getSilence(
  store: AlertStateStore,
  id: string,
  now: number,
): Promise<ListedSilence | undefined> {
  const item = await store.get<Silence>(SILENCE_PARTITION, id);
  return item && { ...item.value, state: silenceState(item.value, now) };
}

const STATE_ORDER: Record<SilenceState, number> = { active: 1, pending: 2, expired: 3 };

/**
 * Every silence still kept (expired ones for SILENCE_RETENTION_MS), with its state at `now`, in Alertmanager's
 * order (api/v2 SortSilences): active by end (next to end first), pending by start, expired by end (latest first).
 */
export async function listSilences(store: AlertStateStore, now: number): Promise<ListedSilence[]> {
  const listed = (await store.list<Silence>(SILENCE_PARTITION)).map(({ value }) => ({
    ...value,
    state: silenceState(value, now),
  }));
  return listed.sort((a, b) => {
    if (a.state !== b.state) return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    if (a.state === 'pending') return Date.parse(a.startsAt) - Date.parse(b.startsAt);
    const byEnd = Date.parse(a.endsAt) - Date.parse(b.endsAt);
    return a.state === 'active' ? byEnd : -byEnd;
  });
}

/**
 * api/v2 CheckSilenceMatchesFilterLabels: a silence passes a filter when, for every filter matcher, it has a
 * matcher with the same name, type and value (the filter names matchers, it does not test labels).
 */
export function matchesFilter(silence: Pick<Silence, 'matchers'>, filter: readonly Matcher[]): boolean {
  return filter.every((wanted) =>
    silence.matchers.some(
      (own) => own.name === wanted.name && own.type === wanted.type && own.value === wanted.value,
    ),
  );
}

/** Something that mutes alerts besides silences: a maintenance window from config (state/maintenance.ts). */
export interface Muting {
  /** Recorded in the alert's silencedBy, like a silence id. */
  id: string;
  matches: (labels: Labels) => boolean;
  activeAt: (now: number) => boolean;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * What mutes an alert at `now`: the ids of the active silences and maintenance windows whose matchers all hold
 * for its labels, sorted (Alertmanager's silencedBy). Matchers are compiled and windows evaluated once, for a
 * whole flush.
 */
export function silencer(
  silences: readonly Silence[],
  windows: readonly Muting[],
  now: number,
): (labels: Labels) => readonly string[] {
  const active = [
    ...silences
      .filter((silence) => silenceState(silence, now) === 'active')
      .map((silence) => ({ id: silence.id, matches: compileMatchers(silence.matchers) })),
    ...windows.filter((window) => window.activeAt(now)),
  ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (active.length === 0) return () => NONE;
  return (labels) => {
    const ids = active.filter((muting) => muting.matches(labels)).map((muting) => muting.id);
    return ids.length === 0 ? NONE : ids;
  };
}
