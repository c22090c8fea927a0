/**
 * The silence store's semantics (silence.go Set / canUpdate / expire, on the story clock), on dynalite and SQLite:
 * what is updated in place and what is replaced, how long expired silences stay listed, and that an expire racing
 * an update loses neither.
 */
import { parseMatcher } from '../../../functions/state/matchers';
import {
  expireSilence,
  getSilence,
  listSilences,
  SILENCE_RETENTION_MS,
  type SilenceRequest,
  setSilence,
} from '../../../functions/state/silences';
import { type Dynalite, startDynalite } from '../../helpers/dynalite';
import { freshStore, type StoreKind, T0 } from '../../helpers/stories';

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(() => dynalite?.close());

const HOUR = 3_600_000;
const request = (overrides: Partial<SilenceRequest> = {}): SilenceRequest => ({
  matchers: [parseMatcher('alertname=HighGoroutines')],
  startsAt: T0,
  endsAt: T0 + 2 * HOUR,
  createdBy: 'alice',
  comment: 'deploy',
  ...overrides,
});

describe.each<StoreKind>(['dynalite', 'sqlite'])('silences on %s', (kind) => {
  const clock = { t: T0 };
  const store = () => freshStore(kind, dynalite, () => clock.t);
  beforeEach(() => {
    clock.t = T0;
  });

  async function create(state: Awaited<ReturnType<typeof store>>, overrides: Partial<SilenceRequest> = {}) {
    const outcome = await setSilence(state, request(overrides), clock.t);
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.id;
  }

  it('an active silence moves its end in place; changing its start or matchers replaces it and expires the old one', async () => {
    const state = await store();
    const id = await create(state);
    clock.t = T0 + HOUR;
    expect(
      await setSilence(state, request({ id, endsAt: T0 + 3 * HOUR, comment: 'longer' }), clock.t),
    ).toEqual({
      ok: true,
      id,
    });
    expect((await getSilence(state, id, clock.t))?.comment).toBe('longer');

    const moved = await setSilence(
      state,
      request({ id, startsAt: T0 + 10 * 60_000, endsAt: T0 + 3 * HOUR }),
      clock.t,
    );
    expect(moved).toMatchObject({ ok: true, replaced: id });
    const replacement = moved.ok ? moved.id : '';
    expect(replacement).not.toBe(id);
    const listed = await listSilences(state, clock.t);
    expect(listed.map((s) => [s.id, s.state])).toEqual([
      [replacement, 'active'],
      [id, 'expired'],
    ]);
    // A new silence never starts in the past.
    expect(listed[0]!.startsAt).toBe(new Date(clock.t).toISOString());
    expect(listed[1]!.endsAt).toBe(new Date(clock.t).toISOString());

    const other = await setSilence(
      state,
      request({ id: replacement, matchers: [parseMatcher('target=db')] }),
      clock.t,
    );
    expect(other).toMatchObject({ ok: true, replaced: replacement });
  });

  it('an active silence cannot end in the past by an update, a pending one cannot start in the past', async () => {
    const state = await store();
    const active = await create(state);
    const pending = await create(state, { startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR });
    clock.t = T0 + 30 * 60_000;
    // Pending: start and end may move, not into the past.
    expect(
      await setSilence(
        state,
        request({ id: pending, startsAt: T0 + 90 * 60_000, endsAt: T0 + 3 * HOUR }),
        clock.t,
      ),
    ).toEqual({
      ok: true,
      id: pending,
    });
    const backdated = await setSilence(
      state,
      request({ id: pending, startsAt: T0, endsAt: T0 + 3 * HOUR }),
      clock.t,
    );
    expect(backdated).toMatchObject({ ok: true, replaced: pending });
    // An end before now is refused outright (api/v2), whatever the silence.
    expect(await setSilence(state, request({ id: active, endsAt: T0 + 10 * 60_000 }), clock.t)).toEqual({
      ok: false,
      status: 400,
      message: "Failed to create silence: end time can't be in the past",
    });
  });

  it('an expired silence is replaced (never revived), and an unknown id is 404', async () => {
    const state = await store();
    const id = await create(state);
    clock.t = T0 + HOUR;
    expect(await expireSilence(state, id, clock.t)).toBe('expired');
    const revived = await setSilence(state, request({ id, endsAt: T0 + 5 * HOUR }), clock.t);
    expect(revived.ok && revived.id !== id && revived.replaced === undefined).toBe(true);
    expect((await getSilence(state, id, clock.t))?.state).toBe('expired');
    expect(await setSilence(state, request({ id: '00000000-0000-4000-8000-000000000000' }), clock.t)).toEqual(
      {
        ok: false,
        status: 404,
        message: 'silence not found',
      },
    );
  });

  it('expiring a pending silence sets its start and end to now; expiring twice is a no-op; unknown is not-found', async () => {
    const state = await store();
    const id = await create(state, { startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR });
    expect(await expireSilence(state, id, clock.t)).toBe('expired');
    const expired = await getSilence(state, id, clock.t);
    expect([expired?.state, expired?.startsAt, expired?.endsAt]).toEqual([
      'expired',
      new Date(T0).toISOString(),
      new Date(T0).toISOString(),
    ]);
    expect(await expireSilence(state, id, clock.t)).toBe('already-expired');
    expect(await expireSilence(state, 'nope', clock.t)).toBe('not-found');
  });

  it('an expired silence stays listed for the retention after its end, then is gone', async () => {
    const state = await store();
    const id = await create(state);
    clock.t = T0 + 2 * HOUR + SILENCE_RETENTION_MS - 1000;
    expect((await listSilences(state, clock.t)).map((s) => [s.id, s.state])).toEqual([[id, 'expired']]);
    clock.t = T0 + 2 * HOUR + SILENCE_RETENTION_MS + 1000;
    expect(await listSilences(state, clock.t)).toEqual([]);
  });

  it('refuses silences Alertmanager refuses, with its messages', async () => {
    const state = await store();
    expect(await setSilence(state, request({ matchers: [] }), clock.t)).toMatchObject({
      status: 400,
      message: 'silence invalid: at least one matcher required',
    });
    expect(
      await setSilence(state, request({ matchers: [parseMatcher('team=~".*"')] }), clock.t),
    ).toMatchObject({
      status: 400,
      message: 'silence invalid: at least one matcher must not match the empty string',
    });
    expect(
      await setSilence(state, request({ startsAt: T0 + HOUR, endsAt: T0 + HOUR }), clock.t),
    ).toMatchObject({
      status: 400,
      message: 'Failed to create silence: start time must be before end time',
    });
    expect(await listSilences(state, clock.t)).toEqual([]);
  });

  it('an expire racing twenty updates of the same silence: every write lands on the latest version', async () => {
    const state = await store();
    const id = await create(state);
    clock.t = T0 + 60_000;
    const results = await Promise.all([
      expireSilence(state, id, clock.t),
      ...Array.from({ length: 20 }, (_, i) =>
        setSilence(state, request({ id, endsAt: T0 + 3 * HOUR + i * 1000, comment: `update ${i}` }), clock.t),
      ),
    ]);
    expect(results[0]).toBe('expired');
    // Updates that ran after the expire found an expired silence and created replacements: the expired one
    // is never revived, and each outcome names a silence that exists.
    const listed = await listSilences(state, clock.t);
    expect(listed.find((s) => s.id === id)?.state).toBe('expired');
    for (const outcome of results.slice(1)) {
      expect(outcome).toMatchObject({ ok: true });
      if (typeof outcome === 'object' && outcome.ok) expect(listed.map((s) => s.id)).toContain(outcome.id);
    }
  });
});
