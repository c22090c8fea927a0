import type { Alert } from '../../../functions/alerts/types';
import type { NormalizeResult } from '../../../functions/intake/normalize';
import { normalizeAlertmanager } from '../../../functions/intake/sources/alertmanager';
import { alertProblems, CTX, fixture } from './support';

const GROUP_KEY = '{}/{severity="critical"}:{alertname="ProbeFailure"}';
const GENERATOR = {
  title: 'Source',
  url: 'http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1',
};

function alertsOf(result: NormalizeResult): Alert[] {
  if ('error' in result) throw new Error(`unexpected error: ${result.error}`);
  return result.alerts;
}

describe('Alertmanager v4', () => {
  it('normalises a firing + resolved mix (with notification_reason and routeLabels)', () => {
    expect(normalizeAlertmanager(fixture('alertmanager-v4'), CTX)).toEqual({
      alerts: [
        {
          status: 'firing',
          name: 'ProbeFailure',
          severity: 'critical',
          summary: 'BlackBox Probe Failure',
          description: 'Instance https://server.example.org has been down for over 5m.',
          labels: {
            alertname: 'ProbeFailure',
            instance: 'https://server.example.org',
            job: 'http_checks',
            severity: 'critical',
          },
          annotations: {
            description: 'Instance https://server.example.org has been down for over 5m.',
            summary: 'BlackBox Probe Failure',
          },
          startsAt: '2026-02-06T13:08:45.828Z',
          links: [GENERATOR],
          source: 'alertmanager',
          fingerprint: '1a30ba71cca2921f',
          groupKey: GROUP_KEY,
        },
        {
          status: 'resolved',
          name: 'ProbeFailure',
          severity: 'critical',
          summary: 'BlackBox Probe Failure',
          labels: {
            alertname: 'ProbeFailure',
            instance: 'https://api.example.org',
            job: 'http_checks',
            severity: 'critical',
          },
          annotations: { summary: 'BlackBox Probe Failure' },
          startsAt: '2026-02-06T12:50:00.000Z',
          endsAt: '2026-02-06T13:05:00.000Z',
          links: [GENERATOR],
          source: 'alertmanager',
          fingerprint: '7c2f1d0e9a8b6c54',
          groupKey: GROUP_KEY,
        },
      ],
      skipped: [],
    } satisfies NormalizeResult);
  });

  it('normalises an older payload (no notification_reason/routeLabels), runbook link, truncation note', () => {
    const result = normalizeAlertmanager(fixture('alertmanager-v4-resolved'), CTX);
    expect(result).toMatchObject({
      alerts: [
        {
          status: 'resolved',
          fingerprint: '1a30ba71cca2921f',
          startsAt: '2026-02-06T13:08:45.828Z',
          endsAt: '2026-02-06T13:31:15.828Z',
          links: [
            GENERATOR,
            { title: 'Runbook', url: 'https://runbooks.example.org/blackbox/probe-failure' },
          ],
        },
      ],
      skipped: ['alertmanager: 2 alerts were left out by the sender (max_alerts)'],
    });
  });

  it.each<[string, Record<string, unknown>, Partial<Alert>]>([
    [
      'severity synonym is normalised into the label',
      { labels: { alertname: 'A', severity: 'PAGE' } },
      { severity: 'critical', labels: { alertname: 'A', severity: 'critical' } },
    ],
    [
      'no severity: the configured default',
      { labels: { alertname: 'A' } },
      { severity: 'warning', labels: { alertname: 'A', severity: 'warning' } },
    ],
    [
      'unknown severity: the configured default',
      { labels: { alertname: 'A', severity: 'sev-x' } },
      { severity: 'warning' },
    ],
    [
      'no alertname',
      { labels: { job: 'x' } },
      { name: 'alert', labels: { job: 'x', alertname: 'alert', severity: 'warning' } },
    ],
    [
      'summary falls back to description, first line',
      { labels: { alertname: 'A' }, annotations: { description: '\nfirst\nsecond' } },
      { summary: 'first' },
    ],
    ['summary falls back to the name', { labels: { alertname: 'A' } }, { summary: 'A' }],
    [
      'multi-line summary becomes one line',
      { labels: { alertname: 'A' }, annotations: { summary: 'a\n  b' } },
      { summary: 'a' },
    ],
    [
      'unreadable startsAt: now',
      { labels: { alertname: 'A' }, startsAt: 'yesterday' },
      { startsAt: '2026-08-23T05:00:00.000Z' },
    ],
    [
      'javascript: links are dropped',
      {
        labels: { alertname: 'A' },
        generatorURL: 'javascript:alert(1)',
        annotations: { runbook_url: 'data:text/html,x' },
      },
      { links: [] },
    ],
    [
      'numeric label values become strings',
      { labels: { alertname: 'A', code: 500, up: false } },
      { labels: { alertname: 'A', code: '500', up: 'false', severity: 'warning' } },
    ],
  ])('%s', (_case, overrides, expected) => {
    const body = {
      version: '4',
      groupKey: 'g',
      status: 'firing',
      alerts: [{ status: 'firing', ...overrides }],
    };
    const [alert] = alertsOf(normalizeAlertmanager(body, CTX));
    expect(alert).toMatchObject(expected);
    expect(alertProblems(alert!)).toEqual([]);
  });

  it.each(['0001-01-01T00:00:00Z', '2030-01-01T00:00:00Z'])(
    'a firing alert has no end, even with endsAt %s',
    (endsAt) => {
      const body = {
        version: '4',
        groupKey: 'g',
        alerts: [{ status: 'firing', labels: { alertname: 'A' }, endsAt }],
      };
      expect(alertsOf(normalizeAlertmanager(body, CTX))[0]).not.toHaveProperty('endsAt');
    },
  );

  it('skips an unusable alert and keeps the others', () => {
    const body = {
      version: '4',
      groupKey: 'g',
      alerts: [
        { status: 'firing', labels: 'x' },
        { status: 'firing', labels: { alertname: 'B' } },
      ],
    };
    expect(normalizeAlertmanager(body, CTX)).toMatchObject({
      alerts: [{ name: 'B' }],
      skipped: ['alertmanager: alerts[0]: labels: expected an object of strings'],
    });
  });

  it.each<[string, unknown, string]>([
    [
      'alerts is not a list',
      { version: '4', groupKey: 'g', alerts: 'x' },
      'alertmanager.alerts: Invalid input: expected array, received string',
    ],
    [
      'groupKey is not a string',
      { version: '4', groupKey: 1, alerts: [] },
      'alertmanager.groupKey: Invalid input: expected string, received number',
    ],
    [
      'every alert unusable',
      { version: '4', groupKey: 'g', alerts: [{ status: 'pending', labels: {} }, 7] },
      'alertmanager: alerts[0]: status: expected "firing" or "resolved", got "pending" (and 1 more alerts)',
    ],
  ])('rejects a payload when %s', (_case, body, error) => {
    expect(normalizeAlertmanager(body, CTX)).toEqual({ error });
  });
});
