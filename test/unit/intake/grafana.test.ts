import type { Alert } from '../../../functions/alerts/types';
import { normalizeGrafana, obviousValue } from '../../../functions/intake/sources/grafana';
import { alertProblems, CTX, fixture } from './support';

const LINKS = [
  { title: 'Alert rule', url: 'https://play.grafana.org/alerting/1afz29v7z/edit' },
  { title: 'Runbook', url: 'https://myrunbook.com/runbook/1234' },
  { title: 'Dashboard', url: 'https://play.grafana.org/d/abc123' },
  { title: 'Panel', url: 'https://play.grafana.org/d/abc123?viewPanel=2' },
  {
    title: 'Silence',
    url: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1',
  },
];

describe('Grafana v1', () => {
  it.each<[string, string, Alert]>([
    [
      'firing, with values, dashboard/panel/silence URLs and a runbook_url annotation',
      'grafana-v1',
      {
        status: 'firing',
        name: 'High memory usage',
        severity: 'warning',
        summary: 'This alert was triggered for zone us-1',
        description: 'The system has high memory usage',
        labels: {
          alertname: 'High memory usage',
          team: 'blue',
          zone: 'us-1',
          grafana_folder: 'prod',
          severity: 'warning',
        },
        annotations: {
          description: 'The system has high memory usage',
          runbook_url: 'https://myrunbook.com/runbook/1234',
          summary: 'This alert was triggered for zone us-1',
        },
        value: 44.23943737541908,
        startsAt: '2021-10-12T07:51:03.157Z',
        links: LINKS,
        source: 'grafana',
        fingerprint: 'c6eadffa33fcdf37',
        groupKey: '{}/{team="blue"}:{alertname="High memory usage"}',
      },
    ],
    [
      'resolved',
      'grafana-v1-resolved',
      {
        status: 'resolved',
        name: 'High memory usage',
        severity: 'warning',
        summary: 'This alert was triggered for zone us-1',
        description: 'The system has high memory usage',
        labels: {
          alertname: 'High memory usage',
          team: 'blue',
          zone: 'us-1',
          grafana_folder: 'prod',
          severity: 'warning',
        },
        annotations: {
          description: 'The system has high memory usage',
          runbook_url: 'https://myrunbook.com/runbook/1234',
          summary: 'This alert was triggered for zone us-1',
        },
        value: 31.5,
        startsAt: '2021-10-12T07:51:03.157Z',
        endsAt: '2021-10-12T08:06:03.157Z',
        links: LINKS,
        source: 'grafana',
        fingerprint: 'c6eadffa33fcdf37',
        groupKey: '{}/{team="blue"}:{alertname="High memory usage"}',
      },
    ],
  ])('%s', (_case, name, expected) => {
    expect(normalizeGrafana(fixture(name), CTX)).toEqual({ alerts: [expected], skipped: [] });
  });

  it('reads the value out of an older valueString; empty dashboard/panel URLs give no links', () => {
    const result = normalizeGrafana(fixture('grafana-v1-valuestring'), CTX);
    expect(result).toMatchObject({
      alerts: [
        {
          name: 'DiskSpaceLow',
          value: 91.2,
          links: [
            { title: 'Alert rule', url: 'https://grafana.example.org/alerting/grafana/bdiskspace/view' },
            {
              title: 'Silence',
              url: 'https://grafana.example.org/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DDiskSpaceLow',
            },
          ],
        },
      ],
    });
    if (!('error' in result)) expect(alertProblems(result.alerts[0]!)).toEqual([]);
  });

  it.each<[string, unknown, unknown, number | undefined]>([
    ['one value', { A: 3.5 }, undefined, 3.5],
    ['query value next to a 0/1 condition', { B: 44.2, C: 1 }, undefined, 44.2],
    ['query value next to a 0 condition', { B: 12, C: 0 }, undefined, 12],
    ['two measured values: not obvious', { A: 3, B: 4 }, undefined, undefined],
    ['only conditions: not obvious', { B: 1, C: 0 }, undefined, undefined],
    ['single condition value still counts', { C: 1 }, undefined, 1],
    ['non-numbers are ignored', { A: 'x', B: 7 }, undefined, 7],
    ['none', undefined, undefined, undefined],
    ['valueString', undefined, "[ var='B' labels={} value=3e2 ], [ var='C' labels={} value=1 ]", 300],
    ['values win over valueString', { A: 5 }, "[ var='B' labels={} value=9 ]", 5],
    [
      'huge valueString is not parsed',
      undefined,
      `[ var='B' labels={} value=9 ]${' '.repeat(20_000)}`,
      undefined,
    ],
  ])('obvious value: %s', (_case, values, valueString, expected) => {
    expect(obviousValue(values, valueString)).toBe(expected);
  });

  it('rejects a payload whose alerts are not a list', () => {
    expect(normalizeGrafana({ version: '1', orgId: 1, alerts: {} }, CTX)).toEqual({
      error: 'grafana.alerts: Invalid input: expected array, received object',
    });
  });
});
