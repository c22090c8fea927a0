import type { Alert } from '../../../functions/alerts/types';
import { normalizeGeneric } from '../../../functions/intake/sources/generic';
import { CTX, fixture } from './support';

describe('generic {"alerts":[…]}', () => {
  it('normalises the fixture: status defaults to firing, startsAt to now, value when given', () => {
    expect(normalizeGeneric(fixture('generic'), CTX)).toEqual({
      alerts: [
        {
          status: 'firing',
          name: 'DiskFull',
          severity: 'warning',
          summary: 'db-1: /data is 97% full',
          labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' },
          annotations: {
            summary: 'db-1: /data is 97% full',
            runbook_url: 'https://runbooks.example.org/disk-full',
          },
          startsAt: '2026-08-23T07:45:00.000Z',
          links: [{ title: 'Runbook', url: 'https://runbooks.example.org/disk-full' }],
          source: 'generic',
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        },
        {
          status: 'firing',
          name: 'BackupLate',
          severity: 'warning',
          summary: 'Last successful backup finished 26.5 hours ago.',
          description: 'Last successful backup finished 26.5 hours ago.\nCheck the backup runner logs.',
          labels: { alertname: 'BackupLate', job: 'nightly-backup', severity: 'warning' },
          annotations: {
            description: 'Last successful backup finished 26.5 hours ago.\nCheck the backup runner logs.',
          },
          value: 26.5,
          startsAt: '2026-08-23T05:00:00.000Z',
          links: [],
          source: 'generic',
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        },
      ],
      skipped: [],
    });
  });

  it.each<[string, Record<string, unknown>, Partial<Alert>]>([
    [
      'resolved with endsAt',
      { status: 'resolved', endsAt: '2026-08-23T08:20:00Z' },
      { status: 'resolved', endsAt: '2026-08-23T08:20:00.000Z' },
    ],
    ['numeric string value', { value: ' 12.5 ' }, { value: 12.5 }],
    ['a sender fingerprint is kept', { fingerprint: 'abc123' }, { fingerprint: 'abc123' }],
    [
      'a fingerprint with spaces is replaced by a hash',
      { fingerprint: 'a b' },
      { fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ],
    ['default severity from config', {}, { severity: 'warning' }],
  ])('%s', (_case, overrides, expected) => {
    const result = normalizeGeneric({ alerts: [{ labels: { alertname: 'G' }, ...overrides }] }, CTX);
    expect(result).toMatchObject({ alerts: [expected] });
  });

  it.each([['high'], [''], [null], [{ n: 1 }], [Number.NaN]])(
    'drops a value that is not a number: %p',
    (value) => {
      const result = normalizeGeneric({ alerts: [{ labels: { alertname: 'G' }, value }] }, CTX);
      expect('error' in result ? result : result.alerts[0]).not.toHaveProperty('value');
    },
  );

  it('uses the configured default severity', () => {
    expect(
      normalizeGeneric({ alerts: [{ labels: { alertname: 'G' } }] }, { ...CTX, defaultSeverity: 'info' }),
    ).toMatchObject({
      alerts: [{ severity: 'info', labels: { severity: 'info' } }],
    });
  });

  it.each<[string, unknown, string]>([
    [
      'alerts without labels',
      { alerts: [{ annotations: {} }] },
      'generic: alerts[0]: labels: expected an object of strings',
    ],
    [
      'labels as a list',
      { alerts: [{ labels: ['a'] }] },
      'generic: alerts[0]: labels: expected an object of strings',
    ],
    [
      'unknown status',
      { alerts: [{ labels: {}, status: 'ok' }] },
      'generic: alerts[0]: status: expected "firing" or "resolved", got "ok"',
    ],
    [
      'status of the wrong type',
      { alerts: [{ labels: {}, status: 1 }] },
      'generic: alerts[0]: status: expected "firing" or "resolved", got number',
    ],
  ])('rejects %s', (_case, body, error) => {
    expect(normalizeGeneric(body, CTX)).toEqual({ error });
  });

  it('an empty list is fine: nothing to alert on', () => {
    expect(normalizeGeneric({ alerts: [] }, CTX)).toEqual({ alerts: [], skipped: [] });
  });
});
