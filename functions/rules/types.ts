/**
 * A prometheus target's rule files as vigil uses them, resolved at config load (load.ts): plain data only, so the
 * whole config still crosses into the inspection worker by structured clone and the webhook reads the same thing
 * from the packaged config.
 */
import type { AlarmLevel } from '../config/levels';
import type { MetricUnit } from '../metrics/units';

/** Where a rule was written: for every message about it, as `promtool check rules` names rules. */
export interface RuleOrigin {
  /** The file as the config names it (relative to the config file). */
  file: string;
  /** 1-based line of the rule's first key. */
  line: number;
  group: string;
  /** 1-based position of the rule in its group. */
  index: number;
  /** Its `alert` or `record` name. */
  name: string;
}

/** A `record:` rule, evaluated each round before the alerting rules; later expressions select it by name. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
  origin: RuleOrigin;
}

export type RuleComparison = { op: '>' | '>=' | '<' | '<='; threshold: number };

/** One alerting rule as a CloudWatch alarm on its metric. */
export interface RuleAlarm {
  /** Carried on the alarm's `vigil:` line so the webhook finds the rule again (idOf in resolve.ts). */
  id: string;
  alert: string;
  level: AlarmLevel;
  comparison: RuleComparison;
  /** The rule's `for:`; the alarm's periods follow from it and the period (forPeriods). */
  forMs: number;
  /** As written (templates unexpanded): the alert's labels, `severity` included. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  origin: RuleOrigin;
}

/** The metric an alerting expression becomes (its operand), with one alarm per level of the rules sharing it. */
export interface RuleMetric {
  name: string;
  /** The operand of the rule's comparison, in canonical PromQL (formatPromql). */
  query: string;
  unit: MetricUnit;
  /**
   * The target labels (`job`, `instance`) every series of the operand keeps: what its annotations' `$labels` can
   * know (rules/annotate.ts). Found here from the PromQL, so the webhook parses none.
   */
  identityLabels: ('job' | 'instance')[];
  alarms: RuleAlarm[];
}

/** `up == 0`: the target's down alarm (ProbeSuccess), with this rule's severity, `for:` and annotations. */
export interface RuleDown {
  alarm: Omit<RuleAlarm, 'comparison'>;
}

export interface RuleSet {
  /** The files as the config lists them. */
  files: string[];
  /** The same files resolved (absolute): what packaging ships. */
  paths: string[];
  recordings: RecordingRule[];
  metrics: RuleMetric[];
  down?: RuleDown;
}
