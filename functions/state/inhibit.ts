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
import { compileLabelMatch, type LabelMatch } from '../routing/routes';

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

interface Source {
  fingerprint: string;
  /** It matches the rule's target side too (then it cannot mute an alert that matches both sides). */
  alsoTarget: boolean;
}

/** The values of the `equal` labels, as one key (a missing label reads as "", as in Alertmanager). */
function equalKey(labels: Readonly<Record<string, string>>, equal: readonly string[]): string {
  return JSON.stringify(equal.map((name) => labels[name] ?? ''));
}

/**
 * `mutedBy` for many alerts against one set of firing alerts: each rule's sources are found once and indexed by
 * their `equal` label values, so a flush over thousands of firing alerts costs one pass, not one per alert.
 */
export function inhibitionIndex(
  firing: readonly Labelled[],
  rules: readonly InhibitRule[],
): (alert: Labelled) => string | undefined {
  const bySource = rules.map((rule) => {
    const isSource = compileLabelMatch(rule.source);
    const isTarget = compileLabelMatch(rule.target);
    const sources = new Map<string, Source[]>();
    for (const source of firing) {
      if (!isSource(source.labels)) continue;
      const key = equalKey(source.labels, rule.equal);
      const list = sources.get(key) ?? [];
      list.push({ fingerprint: source.fingerprint, alsoTarget: isTarget(source.labels) });
      sources.set(key, list);
    }
    return { rule, isSource, isTarget, sources };
  });
  return (alert) => {
    for (const { rule, isSource, isTarget, sources } of bySource) {
      if (!isTarget(alert.labels)) continue;
      const twoSided = isSource(alert.labels);
      const candidates = sources.get(equalKey(alert.labels, rule.equal)) ?? [];
      const source = candidates.find(
        (candidate) => candidate.fingerprint !== alert.fingerprint && !(twoSided && candidate.alsoTarget),
      );
      if (source) return source.fingerprint;
    }
    return undefined;
  };
}

/** The fingerprint of a firing alert that mutes `alert`, or undefined (inhibit.go's Mutes). */
export function mutedBy(
  alert: Labelled,
  firing: readonly Labelled[],
  rules: readonly InhibitRule[],
): string | undefined {
  return inhibitionIndex(firing, rules)(alert);
}
