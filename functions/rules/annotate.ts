/**
 * The webhook's step for alarms that are Prometheus alerting rules: the alarm's `vigil:` line names the target,
 * metric, level and rule (alarms/definitions.ts), the packaged config holds the rule (config load resolved its
 * files), and this pure function gives the alert the rule's name, labels and annotations, their templates
 * rendered on the alarm's value as Prometheus renders them (template.ts).
 *
 * `$labels` holds what is true of every series the alarm watches: the target's `job` and `instance` when the
 * expression keeps them (every series of a target shares them). A label that differs between series (method,
 * status) is not known to a CloudWatch alarm over the worst series, and renders as Prometheus renders a missing
 * label: empty. `$value` is the alarm's newest datapoint (the period's maximum for `>`, minimum for `<`).
 */
import type { Alert } from '../alerts/types';
import type { VigilConfig } from '../config/schema';
import { STANDARD_METRICS } from '../metrics/datums';
import { targetLabels } from '../prometheus/target-labels';
import { expandTemplate } from './template';
import type { RuleAlarm } from './types';

interface Found {
  alarm: Omit<RuleAlarm, 'comparison'>;
  labels: Record<string, string>;
}

function findRule(alert: Alert, config: VigilConfig): Found | undefined {
  const { rule, target: targetName, metric } = alert.labels;
  if (rule === undefined || targetName === undefined) return undefined;
  const target = config.targets.find((candidate) => candidate.name === targetName);
  if (target?.type !== 'prometheus' || target.rules === undefined) return undefined;
  const identity = targetLabels(target);
  if (metric === STANDARD_METRICS.success) {
    const down = target.rules.down?.alarm;
    // Prometheus' `up == 0` series: up{job, instance}.
    return down?.alert === rule ? { alarm: down, labels: { __name__: 'up', ...identity } } : undefined;
  }
  const ruleMetric = target.rules.metrics.find((candidate) => candidate.name === metric);
  const alarm = ruleMetric?.alarms.find(
    (candidate) => candidate.alert === rule && candidate.level === alert.severity,
  );
  if (ruleMetric === undefined || alarm === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const name of ruleMetric.identityLabels) labels[name] = identity[name];
  return { alarm, labels };
}

/** Alerts from rule alarms get their rule's name, labels and annotations; every other alert passes unchanged. */
export function annotateRuleAlerts(alerts: readonly Alert[], config: VigilConfig): Alert[] {
  return alerts.map((alert) => {
    if (alert.source !== 'cloudwatch') return alert;
    const found = findRule(alert, config);
    if (found === undefined) return alert;
    const { alarm, labels: seriesLabels } = found;
    const data = {
      labels: seriesLabels,
      value: alert.value ?? Number.NaN,
      nowSeconds: Date.parse(alert.endsAt ?? alert.startsAt) / 1000,
    };
    const ruleLabels: Record<string, string> = {};
    for (const [name, text] of Object.entries(alarm.labels)) ruleLabels[name] = expandTemplate(text, data);
    const annotations: Record<string, string> = {};
    for (const [name, text] of Object.entries(alarm.annotations))
      annotations[name] = expandTemplate(text, data);
    const { __name__: _name, ...labels } = seriesLabels;
    return {
      ...alert,
      name: alarm.alert,
      ...(annotations.summary ? { summary: annotations.summary } : {}),
      ...(annotations.description ? { description: annotations.description } : {}),
      labels: { ...alert.labels, ...labels, ...ruleLabels, alertname: alarm.alert },
      annotations: { ...alert.annotations, ...annotations, alarm_name: alert.name },
    };
  });
}
