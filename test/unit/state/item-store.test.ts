/**
 * The state store's contract, the same for every implementation: writes are conditional on the version, expired
 * items count as absent, and `update` makes concurrent read-modify-writes safe (DynamoDB's semantics, via dynalite,
 * and the SQLite store's).
 */
import { ABSENT, type AlertStateStore, update } from '../../../functions/state/item-store';
import { type Dynalite, startDynalite } from '../../helpers/dynalite';
import { freshStore, type StoreKind, T0 } from '../../helpers/stories';

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(() => dynalite?.close());

describe.each<StoreKind>(['dynalite', 'sqlite'])('state store on %s', (kind) => {
  const clock = { t: T0 };
  let store: AlertStateStore;
  beforeEach(async () => {
    clock.t = T0;
    store = await freshStore(kind, dynalite, () => clock.t);
  });
  afterEach(() => store.close());

  it('creates only what is absent, and writes only at the expected version', async () => {
    const first = await store.put('p', 'k', { n: 1 }, ABSENT);
    expect(first).toBeGreaterThan(0);
    expect(await store.put('p', 'k', { n: 2 }, ABSENT)).toBeUndefined();
    expect(await store.put('p', 'k', { n: 2 }, first! + 5)).toBeUndefined();
    expect(await store.put('p', 'k', { n: 2 }, first!)).toBe(first! + 1);
    expect(await store.get('p', 'k')).toEqual({ key: 'k', value: { n: 2 }, version: first! + 1 });
  });

  it('deletes only at the expected version, and a re-created item never repeats a version', async () => {
    const first = (await store.put('p', 'k', { n: 1 }, ABSENT))!;
    expect(await store.delete('p', 'k', first + 7)).toBe(false);
    expect(await store.delete('p', 'k', first)).toBe(true);
    expect(await store.get('p', 'k')).toBeUndefined();
    const again = await store.put('p', 'k', { n: 2 }, ABSENT);
    expect(again).not.toBe(first);
    expect((await store.list('p')).map((item) => item.value)).toEqual([{ n: 2 }]);
  });

  it('treats an expired item as absent: not read, not listed, and created anew', async () => {
    await store.put('p', 'old', { n: 1 }, ABSENT, Math.ceil(T0 / 1000) + 60);
    await store.put('p', 'kept', { n: 1 }, ABSENT);
    expect((await store.list('p')).map((item) => item.key)).toEqual(['kept', 'old']);
    clock.t = T0 + 61_000;
    expect(await store.get('p', 'old')).toBeUndefined();
    expect((await store.list('p')).map((item) => item.key)).toEqual(['kept']);
    expect(await store.put('p', 'old', { n: 9 }, ABSENT)).toBeGreaterThan(0);
    expect((await store.get('p', 'old'))?.value).toEqual({ n: 9 });
  });

  it('keeps partitions apart', async () => {
    await store.put('a', 'k', 'in a', ABSENT);
    await store.put('b', 'k', 'in b', ABSENT);
    expect((await store.list('a')).map((item) => item.value)).toEqual(['in a']);
  });

  it('loses no increment when 20 writers update one item at once', async () => {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        update<{ n: number }>(store, 'p', 'counter', (current) => ({
          value: { n: (current?.value.n ?? 0) + 1 },
        })),
      ),
    );
    expect((await store.get<{ n: number }>('p', 'counter'))?.value.n).toBe(20);
  });
});
