import type { LabelMatch } from '../../functions/routing/routes';
import { type InhibitRule, type Labelled, levelRules, mutedBy } from '../../functions/state/inhibit';
import { type Peer, startAlertmanager } from '../helpers/processes';

const CUSTOM: InhibitRule[] = [
  { source: { alertname: 'DatacenterDown' }, target: { severity: ['warning', 'critical'] }, equal: ['dc'] },
  // Matches both sides for Node* alerts: they must not mute each other (Alertmanager's two-sided exclusion).
  { source: { alertname: '~Node.*' }, target: { severity: ['warning', 'critical'] }, equal: ['dc'] },
];
const RULES = [...levelRules(), ...CUSTOM];

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** vigil's match values as Alertmanager matchers: exact → =, ~regex → =~, a list → =~ "a|b" (anchored by AM too). */
function matchers(match: LabelMatch): string[] {
  return Object.entries(match).map(([name, value]) => {
    if (typeof value !== 'string') return `${name}=~"${value.map(escapeRegex).join('|')}"`;
    return value.startsWith('~') ? `${name}=~"${value.slice(1)}"` : `${name}="${value}"`;
  });
}

interface TestAlert extends Labelled {
  firing: boolean;
}

function alerts(): TestAlert[] {
  const out: TestAlert[] = [];
  let n = 0;
  const add = (labels: Record<string, string>, firing = true) => {
    const id = `a${n++}`;
    out.push({ fingerprint: id, labels: { id, ...labels }, firing });
  };
  for (const target of ['one-api', 'mall-go', ''])
    for (const metric of ['Goroutines', 'HeapMb', ''])
      for (const severity of ['info', 'warning', 'critical', 'emergency']) {
        if (
          (target === 'mall-go' && severity === 'emergency') ||
          (metric === 'HeapMb' && severity === 'critical')
        )
          continue; // holes, so some lower levels have no higher one
        add({
          alertname: `vigil-${target}-${metric}-${severity}`,
          severity,
          ...(target ? { target } : {}),
          ...(metric ? { metric } : {}),
        });
      }
  // A resolved emergency mutes nothing.
  add({ alertname: 'vigil-db-Conn-emergency', severity: 'emergency', target: 'db', metric: 'Conn' }, false);
  add({ alertname: 'vigil-db-Conn-warning', severity: 'warning', target: 'db', metric: 'Conn' });
  // The configured rules.
  add({ alertname: 'DatacenterDown', severity: 'emergency', dc: 'eu1' });
  add({ alertname: 'ApiSlow', severity: 'critical', dc: 'eu1' });
  add({ alertname: 'ApiSlow', severity: 'critical', dc: 'us1' });
  add({ alertname: 'ApiErrors', severity: 'info', dc: 'eu1' });
  add({ alertname: 'NodeDown', severity: 'critical', dc: 'us1' });
  add({ alertname: 'NodeSlow', severity: 'warning', dc: 'us1' });
  add({ alertname: 'QueueDeep', severity: 'warning', dc: 'us1' });
  add({ alertname: 'QueueDeep', severity: 'warning' });
  return out;
}

let alertmanager: Peer & { url: string };
let amUrl: string;

beforeAll(async () => {
  const rules = RULES.map((rule) => ({
    source_matchers: matchers(rule.source),
    target_matchers: matchers(rule.target),
    equal: rule.equal,
  }));
  alertmanager = await startAlertmanager(
    JSON.stringify({
      route: { receiver: 'none', group_by: ['id'], group_wait: '1h' },
      receivers: [{ name: 'none' }],
      inhibit_rules: rules,
    }),
  );
  amUrl = alertmanager.url;
});

afterAll(() => alertmanager?.stop());

describe('inhibition, compared with Alertmanager 0.25', () => {
  it('mutes exactly the alerts Alertmanager inhibits, with the same rules', async () => {
    const set = alerts();
    const now = Date.now();
    const response = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        set.map((alert) => ({
          labels: alert.labels,
          startsAt: new Date(now - 60_000).toISOString(),
          endsAt: new Date(alert.firing ? now + 3_600_000 : now - 1_000).toISOString(),
        })),
      ),
    });
    expect(response.status).toBe(200);

    const firing = set.filter((alert) => alert.firing);
    const expected = Object.fromEntries(
      firing.map((alert) => [
        alert.labels.alertname + (alert.labels.dc ? `@${alert.labels.dc}` : ''),
        mutedBy(alert, firing, RULES) !== undefined,
      ]),
    );
    // The inhibitor's source cache fills asynchronously: poll until Alertmanager's answer settles on one value.
    let actual: Record<string, boolean> = {};
    for (let attempt = 0; attempt < 50; attempt++) {
      const listed = (await (
        await fetch(`${amUrl}/api/v2/alerts?active=true&inhibited=true&silenced=true`)
      ).json()) as {
        labels: Record<string, string>;
        status: { inhibitedBy: string[] };
      }[];
      actual = Object.fromEntries(
        listed.map((alert) => [
          alert.labels.alertname + (alert.labels.dc ? `@${alert.labels.dc}` : ''),
          alert.status.inhibitedBy.length > 0,
        ]),
      );
      if (JSON.stringify(actual) === JSON.stringify(expected) && Object.keys(actual).length === firing.length)
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(actual).toEqual(expected);
    // The comparison means something: both verdicts occur, for level rules and configured ones.
    expect(Object.values(expected).filter(Boolean).length).toBeGreaterThan(10);
    expect(expected['vigil-db-Conn-warning']).toBe(false);
    expect(expected['ApiSlow@eu1']).toBe(true);
    expect(expected['NodeSlow@us1']).toBe(false);
    expect(expected['QueueDeep@us1']).toBe(true);
  });
});
