import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../../functions/alerts/types';
import { main } from '../../../functions/cli/main';
import { configSchema, type RouteConfig } from '../../../functions/config/schema';
import {
  fallbackChannels,
  matchesValue,
  matchValueError,
  type RouteRule,
  route,
  routingWarnings,
} from '../../../functions/routing/routes';
import { captureIo } from '../../helpers/io';
import { FIRING_RESOLVED_PAIRS, pairOf } from '../intake/support';

function alert(labels: Record<string, string>, status: Alert['status'] = 'firing'): Alert {
  const name = labels.alertname ?? 'A';
  const severity = (labels.severity ?? 'warning') as Alert['severity'];
  return {
    status,
    name,
    severity,
    summary: name,
    labels: { alertname: name, severity, ...labels },
    annotations: {},
    startsAt: '2026-08-23T05:00:00.000Z',
    links: [],
    source: 'generic',
    fingerprint: `${name}-${JSON.stringify(labels)}`,
  };
}

const DEFINED = ['pager', 'slack-ops', 'slack-team', 'wecom', 'archive'];

/** Channel names each alert went to, in order; '-' for unrouted. */
function destinations(alerts: Alert[], routes: RouteRule[], defined: string[] = DEFINED): string[] {
  const routed = route(alerts, routes, defined);
  return alerts.map((item) => {
    const channels = [...routed.channels].filter(([, list]) => list.includes(item)).map(([name]) => name);
    return routed.unrouted.includes(item) ? '-' : channels.join(',');
  });
}

describe('route', () => {
  it.each<[string, RouteRule[], Record<string, string>, string]>([
    [
      'a route without match takes everything',
      [{ channels: ['slack-ops'] }],
      { alertname: 'X' },
      'slack-ops',
    ],
    [
      'exact match',
      [{ match: { severity: 'critical' }, channels: ['pager'] }],
      { severity: 'critical' },
      'pager',
    ],
    [
      'exact mismatch: unrouted',
      [{ match: { severity: 'critical' }, channels: ['pager'] }],
      { severity: 'warning' },
      '-',
    ],
    [
      'first match wins',
      [{ match: { team: 'a' }, channels: ['slack-team'] }, { channels: ['slack-ops'] }],
      { team: 'a' },
      'slack-team',
    ],
    [
      'continue: later routes too',
      [{ match: { team: 'a' }, channels: ['slack-team'], continue: true }, { channels: ['slack-ops'] }],
      { team: 'a' },
      'slack-team,slack-ops',
    ],
    [
      'continue: false stops',
      [{ channels: ['archive'], continue: false }, { channels: ['slack-ops'] }],
      {},
      'archive',
    ],
    [
      'all match entries must hold',
      [{ match: { team: 'a', severity: 'critical' }, channels: ['pager'] }],
      { team: 'a', severity: 'warning' },
      '-',
    ],
    [
      'a list is any of',
      [{ match: { severity: ['critical', 'emergency'] }, channels: ['pager'] }],
      { severity: 'emergency' },
      'pager',
    ],
    [
      'a list may hold regexes',
      [{ match: { alertname: ['Disk', '~Probe.*'] }, channels: ['pager'] }],
      { alertname: 'ProbeFailure' },
      'pager',
    ],
    ['~regex', [{ match: { instance: '~db-[0-9]+' }, channels: ['wecom'] }], { instance: 'db-12' }, 'wecom'],
    [
      '~regex is anchored at the start',
      [{ match: { instance: '~db-[0-9]+' }, channels: ['wecom'] }],
      { instance: 'old-db-12' },
      '-',
    ],
    [
      '~regex is anchored at the end',
      [{ match: { instance: '~db-[0-9]+' }, channels: ['wecom'] }],
      { instance: 'db-12-replica' },
      '-',
    ],
    [
      '~regex alternation stays anchored',
      [{ match: { env: '~prod|staging' }, channels: ['wecom'] }],
      { env: 'preprod' },
      '-',
    ],
    ['a missing label reads as ""', [{ match: { team: '' }, channels: ['slack-ops'] }], {}, 'slack-ops'],
    ['~.* matches a missing label', [{ match: { team: '~.*' }, channels: ['slack-ops'] }], {}, 'slack-ops'],
    ['~.+ needs the label', [{ match: { team: '~.+' }, channels: ['slack-ops'] }], {}, '-'],
    [
      'an invalid regex matches nothing',
      [{ match: { team: '~(' }, channels: ['pager'] }, { channels: ['archive'] }],
      { team: '(' },
      'archive',
    ],
    [
      'a label named like an Object property',
      [{ match: { constructor: '~.+' }, channels: ['pager'] }],
      {},
      '-',
    ],
    [
      'exact match is case-sensitive',
      [{ match: { team: 'SRE' }, channels: ['pager'] }],
      { team: 'sre' },
      '-',
    ],
    ['console is built in', [{ channels: ['console'] }], {}, 'console'],
    [
      'a channel listed twice is sent once',
      [{ channels: ['pager'], continue: true }, { channels: ['pager', 'archive'] }],
      {},
      'pager,archive',
    ],
    ['only unknown channels: unrouted', [{ channels: ['nowhere'] }], {}, '-'],
  ])('%s', (_case, routes, labels, expected) => {
    expect(destinations([alert(labels)], routes)).toEqual([expected]);
  });

  it('keeps input order within each channel and reports unknown channels', () => {
    const a = alert({ alertname: 'A', team: 'x' });
    const b = alert({ alertname: 'B' });
    const c = alert({ alertname: 'C', team: 'x' });
    const result = route(
      [a, b, c],
      [{ match: { team: 'x' }, channels: ['slack-team', 'ghost'] }],
      DEFINED,
      [],
    );
    expect(result).toEqual({
      channels: new Map([['slack-team', [a, c]]]),
      unrouted: [b],
      unknownChannels: ['ghost'],
    });
  });

  it('sends what no route takes to the fallback, and still reports it unrouted', () => {
    const a = alert({ alertname: 'A', team: 'x' });
    const b = alert({ alertname: 'B' });
    const result = route([a, b], [{ match: { team: 'x' }, channels: ['slack-team'] }], DEFINED, ['pager']);
    expect(result).toEqual({
      channels: new Map([
        ['slack-team', [a]],
        ['pager', [b]],
      ]),
      unrouted: [b],
      unknownChannels: [],
    });
  });

  it.each([
    ['the configured fallback', [{ channels: ['slack-team'] }], ['slack-oncall'], ['slack-oncall']],
    [
      'every channel of the first route',
      [{ match: { team: 'x' }, channels: ['a', 'b'] }, { channels: ['c'] }],
      undefined,
      ['a', 'b'],
    ],
    ['the console when there is no route', [], undefined, ['console']],
  ])('the fallback defaults to %s', (_name, routes, configured, expected) => {
    expect(fallbackChannels(routes, configured)).toEqual(expected);
  });

  it('never drops an alert when there are no routes: it goes to the console and is reported unrouted', () => {
    const alerts = [alert({ alertname: 'A' })];
    expect(route(alerts, [], DEFINED)).toEqual({
      channels: new Map([['console', alerts]]),
      unrouted: alerts,
      unknownChannels: [],
    });
  });

  it('accepts the routes of vigil.yml as they come out of the config schema', () => {
    // Only the built-in console channel, so this test does not depend on any channel's config schema.
    const config = configSchema.parse({
      routes: [{ match: { severity: ['critical', 'emergency'] }, channels: ['console'] }],
    });
    const routes: readonly RouteConfig[] = config.routes;
    const alerts = [alert({ severity: 'critical' }), alert({ severity: 'info' })];
    expect(destinations(alerts, [...routes], Object.keys(config.channels))).toEqual(['console', '-']);
  });
});

describe('resolved alerts go where their firing alerts went', () => {
  // Routes on every kind of label the sources produce: severity, alertname, team/region, regexes, fall-through.
  const ROUTES: RouteRule[] = [
    { match: { severity: ['critical', 'emergency'] }, channels: ['pager'], continue: true },
    { match: { alertname: '~.*5xx.*|ProbeFailure' }, channels: ['slack-ops'] },
    { match: { team: ['blue', 'platform'] }, channels: ['slack-team'] },
    { match: { region: '~us-.*' }, channels: ['wecom'] },
    { channels: ['archive'] },
  ];

  it.each(FIRING_RESOLVED_PAIRS)('%s', (_source, firingName, resolvedName) => {
    const [firing, resolved] = pairOf(firingName, resolvedName);
    expect(resolved.labels).toEqual(firing.labels);
    const [firingTo, resolvedTo] = destinations([firing, resolved], ROUTES);
    expect(firingTo).not.toBe('-');
    expect(resolvedTo).toBe(firingTo);
  });
});

describe('match values', () => {
  it.each<[string, string, boolean]>([
    ['api', 'api', true],
    ['api', 'api-2', false],
    ['~api', 'api', true],
    ['~api', 'api-2', false],
    ['~api.*', 'api-2', true],
    ['~', '', true],
    ['~a|b', 'ab', false],
  ])('%p matches %p: %p', (expected, actual, result) => {
    expect(matchesValue(expected, actual)).toBe(result);
  });

  it.each<[string, string | undefined]>([
    ['plain', undefined],
    ['~ok.*', undefined],
    [
      '~(',
      '"~(" is not a valid regular expression: Invalid regular expression: /^(?:()$/: Unterminated group',
    ],
  ])('matchValueError(%p)', (value, error) => {
    expect(matchValueError(value)).toBe(error);
  });
});

describe('routingWarnings (vigil validate)', () => {
  it.each<[string, RouteRule[], string[] | undefined, RegExp | undefined]>([
    ['no routes at all', [], undefined, /none configured: every alert goes to the fallback \(console\)/],
    [
      'only matching routes',
      [{ match: { team: 'x' }, channels: ['pager'] }],
      undefined,
      /may match none: they go to the fallback \(pager\); set alerts.fallback/,
    ],
    [
      'only matching routes, fallback chosen',
      [{ match: { team: 'x' }, channels: ['pager'] }],
      ['archive'],
      /fallback \(archive\)$/,
    ],
    [
      'a catch-all route',
      [{ match: { team: 'x' }, channels: ['pager'] }, { channels: ['archive'] }],
      undefined,
      undefined,
    ],
  ])('%s', (_name, routes, fallback, expected) => {
    const warnings = routingWarnings(routes, fallback);
    if (expected) expect(warnings).toEqual([expect.stringMatching(expected)]);
    else expect(warnings).toEqual([]);
  });

  it('vigil validate prints the warning and still exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-routes-'));
    const file = join(dir, 'vigil.yml');
    // public: an intake without token or hmacSecret is otherwise a validate error, not what this test is about.
    writeFileSync(file, 'targets: []\nwebhook:\n  public: true\n');
    const io = captureIo({ ...process.env, NO_COLOR: '1' });
    expect(await main(['validate', '--config', file], io.streams)).toBe(0);
    expect(io.err()).toMatch(/warning: routes: none configured/);
  });
});
