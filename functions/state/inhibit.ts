/**
 * Inhibition with Alertmanager's semantics (inhibit/inhibit.go, 0.25): a firing *source* alert mutes every alert
 * that matches a rule's *target* matchers and has the same values of the rule's `equal` labels (a label missing on
 * both sides counts as equal, as the empty string). An alert matching both sides of a rule cannot be muted by a
 * source that also matches both sides (no two alerts silencing each other). Resolved alerts never mute.
 *
 * vigil's default (`alerts.inhibitLevels`, on): a higher level of the same target and metric mutes the lower ones,
 * so an emergency value that fires the warning, critical and emergency alarms at once pages once. Those rules need
 * non-empty `target` and `metric` labels on the source (which vigil's own alarms carry), so they never reach
 * alerts from other senders that lack them. Pure.
 */
import { SEVERITIES, type Severity } from '../alerts/types';
import { type LabelMatch, matchesLabels } from '../routing/routes';

/** One rule, in Alertmanager's shape (`source_match` / `target_match` / `equal`), with vigil's match values. */
export interface InhibitRule {
  source: LabelMatch;
  target: LabelMatch;
  equal: readonly string[];
}

/** The labels every level rule compares: vigil's alarms carry both. */
export const LEVEL_EQUAL_LABELS = ['target', 'metric'] as const;

/** One rule per level: it mutes every lower level of the same target and metric. */
export function levelRules(): InhibitRule[] {
  return SEVERITIES.slice(1).map((severity, index) => ({
    source: { severity, target: '~.+', metric: '~.+' },
    target: { severity: SEVERITIES.slice(0, index + 1) as Severity[] },
    equal: [...LEVEL_EQUAL_LABELS],
  }));
}

export interface Labelled {
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
}

function equalOn(a: Labelled, b: Labelled, labels: readonly string[]): boolean {
  return labels.every((name) => (a.labels[name] ?? '') === (b.labels[name] ?? ''));
}

/** The fingerprint of a firing alert that mutes `alert`, or undefined (inhibit.go's Mutes). */
export function mutedBy(
  alert: Labelled,
  firing: readonly Labelled[],
  rules: readonly InhibitRule[],
): string | undefined {
  for (const rule of rules) {
    if (!matchesLabels(alert.labels, rule.target)) continue;
    const twoSided = matchesLabels(alert.labels, rule.source);
    for (const source of firing) {
      if (source.fingerprint === alert.fingerprint) continue;
      if (!matchesLabels(source.labels, rule.source)) continue;
      if (!equalOn(source, alert, rule.equal)) continue;
      if (twoSided && matchesLabels(source.labels, rule.target)) continue;
      return source.fingerprint;
    }
  }
  return undefined;
}
