import { labelsFingerprint, sourceFingerprint } from '../../../functions/alerts/fingerprint';
import type { Alert } from '../../../functions/alerts/types';
import { classifyEvent } from '../../../functions/intake/detect';
import { alertsOf, FIRING_RESOLVED_PAIRS, NOW, pairOf } from '../intake/support';

describe('fingerprints', () => {
  it.each(FIRING_RESOLVED_PAIRS)(
    '%s: firing and resolved share the fingerprint',
    (_source, firingName, resolvedName) => {
      const [firing, resolved] = pairOf(firingName, resolvedName);
      expect(resolved.fingerprint).toBe(firing.fingerprint);
    },
  );

  it('generic: firing and resolved share the fingerprint even if the default severity changed in between', () => {
    const [firing] = alertsOf('generic', 'warning');
    const [resolved] = alertsOf('generic-resolved', 'critical');
    expect(resolved!.fingerprint).toBe(firing!.fingerprint);
  });

  it('a generic alert without a severity label keeps its fingerprint across default-severity changes', () => {
    const body = { alerts: [{ labels: { alertname: 'X', job: 'j' } }] };
    const [a] = (classifyEvent(body, { now: NOW, defaultSeverity: 'info' }) as { alerts: Alert[] }).alerts;
    const [b] = (classifyEvent(body, { now: NOW, defaultSeverity: 'emergency' }) as { alerts: Alert[] })
      .alerts;
    expect(a!.fingerprint).toBe(b!.fingerprint);
  });

  it.each<[string, Record<string, string>, Record<string, string>, boolean]>([
    ['key order does not matter', { a: '1', b: '2' }, { b: '2', a: '1' }, true],
    ['a different value', { a: '1' }, { a: '2' }, false],
    ['an extra label', { a: '1' }, { a: '1', b: '' }, false],
    ['no ambiguity between key and value boundaries', { ab: 'c' }, { a: 'bc' }, false],
  ])('labelsFingerprint: %s', (_case, left, right, same) => {
    expect(labelsFingerprint('generic', left) === labelsFingerprint('generic', right)).toBe(same);
  });

  it('depends on the source and is 16 hex characters', () => {
    const labels = { alertname: 'X' };
    expect(labelsFingerprint('generic', labels)).toMatch(/^[0-9a-f]{16}$/);
    expect(labelsFingerprint('generic', labels)).not.toBe(labelsFingerprint('alertmanager', labels));
  });

  it.each<[unknown, string | undefined]>([
    ['1a30ba71cca2921f', '1a30ba71cca2921f'],
    ['  c6eadffa33fcdf37 ', 'c6eadffa33fcdf37'],
    ['', undefined],
    ['a b', undefined],
    ['x'.repeat(129), undefined],
    [42, undefined],
    [null, undefined],
  ])('sourceFingerprint(%p) → %p', (value, expected) => {
    expect(sourceFingerprint(value)).toBe(expected);
  });
});
