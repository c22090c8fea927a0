/**
 * Prometheus rules → what vigil publishes and alarms on (README "Rule files"):
 * - an alerting rule `X op N` (op one of > >= < <=) is a metric X (its canonical PromQL) and an alarm `op N` at
 *   the level its `severity` label names; rules sharing X are one metric with one alarm per level, named after
 *   the first rule's `alert` (`<group>.<alert>` when one alert name is used with different expressions);
 * - `for:` is the number of consecutive breaching periods (forPeriods), `keep_firing_for:` is refused;
 * - `up == 0` (or `up < 1`) is the target's down alarm, with the rule's severity, `for:` and annotations;
 * - a recording rule is evaluated each round, its result selectable by later expressions and `metrics:` queries;
 * - everything else is an error naming the rule and why, never skipped.
 */
import { ALARM_LEVELS, type AlarmLevel } from '../config/levels';
import type { MetricUnit } from '../metrics/units';
import {
  type Expr,
  formatPromql,
  PromqlError,
  parsePromql,
  resultLabelNames,
  selectorsOf,
  splitComparison,
} from '../promql';
import { type GroupNode, type RuleNode, ruleName } from './file';
import type { RecordingRule, RuleAlarm, RuleMetric, RuleOrigin, RuleSet } from './types';

export interface TranslateIssue {
  file: string;
  line: number;
  message: string;
}

/** What one rule becomes, for `vigil rules check` and the config's explanations. */
export type RuleOutcome =
  | {
      kind: 'metric';
      origin: RuleOrigin;
      metric: string;
      query: string;
      unit: MetricUnit;
      level: AlarmLevel;
      comparison: RuleAlarm['comparison'];
      forMs: number;
      severityNote?: string;
    }
  | { kind: 'down'; origin: RuleOrigin; level: AlarmLevel; forMs: number; severityNote?: string }
  | { kind: 'record'; origin: RuleOrigin; record: string }
  | { kind: 'error'; origin: RuleOrigin; reason: string };

export interface TranslateOptions {
  /** The level a rule without a known severity gets (the webhook's default severity, if it is an alarm level). */
  defaultLevel: AlarmLevel;
  /** Names the target's `metrics:` already use. */
  takenNames?: ReadonlySet<string>;
  /** The target's `job` label, to check `up{job="…"} == 0`. */
  job?: string;
}

export interface Translation {
  recordings: RecordingRule[];
  metrics: RuleMetric[];
  down?: RuleSet['down'];
  outcomes: RuleOutcome[];
  issues: TranslateIssue[];
}

/** The target labels every series of `operand` keeps (every series of a target shares them). */
function identityLabelsOf(operand: Expr): RuleMetric['identityLabels'] {
  const kept = resultLabelNames(operand);
  return (['job', 'instance'] as const).filter((name) => kept === 'any' || kept.has(name));
}

/** CloudWatch metric names as vigil.yml takes them. */
const METRIC_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,254}$/;

/** The rule's id on its alarm's `vigil:` line: group and alert, unique per target (checked here). */
export function ruleId(group: string, alert: string, index: number): string {
  return `${group}/${alert}#${index}`;
}

/** A metric name from an alert name: characters CloudWatch names do not take become `_`. */
export function metricNameOf(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 255);
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `A${cleaned}`.slice(0, 255);
}

/** `warning`, `critical`, `emergency` (any case) are vigil's levels; anything else is the default, and said so. */
export function levelOf(
  severity: string | undefined,
  defaultLevel: AlarmLevel,
): { level: AlarmLevel; note?: string } {
  const wanted = severity?.trim().toLowerCase();
  const level = ALARM_LEVELS.find((candidate) => candidate === wanted);
  if (level) return { level };
  return {
    level: defaultLevel,
    note:
      severity === undefined
        ? `no severity label: ${defaultLevel} (the default)`
        : `severity "${severity}" is not a vigil level (warning, critical, emergency): ${defaultLevel} (the default)`,
  };
}

/** The unit the metric of an expression is in (README "Rule files"): rates, durations, sizes, ratios. */
export function unitOf(expr: Expr): MetricUnit {
  switch (expr.kind) {
    case 'paren':
      return unitOf(expr.expr);
    case 'aggregation':
      if (expr.op === 'count') return 'Count';
      if (expr.op === 'group') return 'None';
      return unitOf(expr.expr);
    case 'call':
      switch (expr.func) {
        case 'rate':
        case 'irate': {
          const name = expr.args[0]?.kind === 'range' ? (expr.args[0].selector.name ?? '') : '';
          if (name.endsWith('_bytes_total')) return 'Bytes/Second';
          if (name.endsWith('_seconds_total')) return 'None';
          return 'Count/Second';
        }
        case 'increase':
        case 'changes':
        case 'resets':
        case 'count_over_time':
          return 'Count';
        case 'histogram_quantile': {
          const names = selectorsOf(expr.args[1]!).map((use) => use.metricName ?? '');
          if (names.length > 0 && names.every((name) => name.endsWith('_seconds_bucket'))) return 'Seconds';
          if (names.length > 0 && names.every((name) => name.endsWith('_bytes_bucket'))) return 'Bytes';
          return 'None';
        }
        case 'avg_over_time':
        case 'min_over_time':
        case 'max_over_time':
        case 'last_over_time':
        case 'abs':
        case 'ceil':
        case 'floor':
        case 'round':
        case 'clamp':
        case 'clamp_min':
        case 'clamp_max': {
          const arg = expr.args[0];
          return arg === undefined ? 'None' : arg.kind === 'range' ? unitOf(arg.selector) : unitOf(arg);
        }
        default:
          return 'None';
      }
    case 'selector': {
      const name = expr.name ?? '';
      if (name.endsWith('_seconds')) return 'Seconds';
      if (name.endsWith('_bytes')) return 'Bytes';
      if (name.endsWith('_total') || name.endsWith('_count')) return 'Count';
      return 'None';
    }
    case 'binary': {
      // A ratio of two vectors (errors / requests, 1 - free / total) has no unit; `* 100` of one is a percentage.
      const scalarLeft =
        expr.lhs.kind === 'number' || (expr.lhs.kind === 'paren' && expr.lhs.expr.kind === 'number');
      const scalarRight =
        expr.rhs.kind === 'number' || (expr.rhs.kind === 'paren' && expr.rhs.expr.kind === 'number');
      if (expr.op === '/' && !scalarLeft && !scalarRight) return 'None';
      if (expr.op === '*' && (scalarLeft || scalarRight)) {
        const factor = scalarLeft ? expr.lhs : expr.rhs;
        const other = scalarLeft ? expr.rhs : expr.lhs;
        const value =
          factor.kind === 'number'
            ? factor.value
            : factor.kind === 'paren' && factor.expr.kind === 'number'
              ? factor.expr.value
              : undefined;
        if (value === 100 && unitOf(other) === 'None') return 'Percent';
        return unitOf(other);
      }
      if (expr.op === '+' || expr.op === '-') {
        if (scalarLeft) return unitOf(expr.rhs);
        if (scalarRight) return unitOf(expr.lhs);
        const left = unitOf(expr.lhs);
        return left === unitOf(expr.rhs) ? left : 'None';
      }
      if (expr.op === '/' && scalarRight) return unitOf(expr.lhs);
      return 'None';
    }
    default:
      return 'None';
  }
}

/** `up == 0`, `up < 1`, `0 == up` …: vigil's ProbeSuccess failing, optionally pinned to this target's job/instance. */
function isUpDown(expr: Expr): { up: true; selector: Extract<Expr, { kind: 'selector' }> } | undefined {
  const split = splitComparison(expr);
  if (!split) return undefined;
  const operand = split.operand.kind === 'paren' ? split.operand.expr : split.operand;
  if (operand.kind !== 'selector' || operand.name !== 'up' || operand.offsetMs !== 0) return undefined;
  const down =
    (split.op === '==' && split.threshold === 0) ||
    (split.op === '<' && split.threshold === 1) ||
    (split.op === '<=' && split.threshold === 0) ||
    (split.op === '!=' && split.threshold === 1);
  return down ? { up: true, selector: operand } : undefined;
}

function usesUp(expr: Expr): boolean {
  return selectorsOf(expr).some((use) => use.metricName === 'up');
}

interface Source {
  file: string;
  groups: readonly GroupNode[];
}

export function translateRules(sources: readonly Source[], options: TranslateOptions): Translation {
  const out: Translation = { recordings: [], metrics: [], outcomes: [], issues: [] };
  const taken = new Set(options.takenNames ?? []);
  const fail = (origin: RuleOrigin, reason: string, line = origin.line) => {
    out.outcomes.push({ kind: 'error', origin, reason });
    out.issues.push({
      file: origin.file,
      line,
      message: `group "${origin.group}", rule ${origin.index} "${origin.name}": ${reason}`,
    });
  };
  const parse = (rule: RuleNode, origin: RuleOrigin): Expr | undefined => {
    try {
      return parsePromql(rule.expr);
    } catch (error) {
      if (!(error instanceof PromqlError)) throw error;
      fail(
        origin,
        error.unsupported
          ? `expression not supported by vigil: ${error.message}`
          : `could not parse expression: ${error.message}`,
        rule.exprLine,
      );
      return undefined;
    }
  };

  interface Pending {
    operand: string;
    unit: MetricUnit;
    identityLabels: RuleMetric['identityLabels'];
    alert: string;
    group: string;
    alarms: RuleAlarm[];
  }
  const byOperand = new Map<string, Pending>();
  const alertOperands = new Map<string, Set<string>>();
  const ids = new Set<string>();
  for (const { file, groups } of sources) {
    for (const group of groups) {
      for (const rule of group.rules) {
        const origin: RuleOrigin = {
          file,
          line: rule.line,
          group: group.name,
          index: rule.index,
          name: ruleName(rule),
        };
        const expr = parse(rule, origin);
        if (expr === undefined) continue;
        if (group.queryOffsetMs !== undefined && group.queryOffsetMs > 0) {
          fail(origin, 'query_offset is not supported: vigil evaluates each round at its scrape time');
          continue;
        }
        // Group labels apply to every rule of the group (rule labels win), as Prometheus 3 applies them.
        const labels = { ...group.labels, ...rule.labels };
        if (rule.record !== undefined) {
          if (usesUp(expr)) {
            fail(
              origin,
              'vigil has no `up` series (a failed scrape is ProbeSuccess = 0): use `up == 0` as an alerting rule',
            );
            continue;
          }
          out.recordings.push({ record: rule.record, expr: formatPromql(expr), labels, origin });
          out.outcomes.push({ kind: 'record', origin, record: rule.record });
          continue;
        }
        const alert = rule.alert!;
        if (rule.keepFiringForMs > 0) {
          fail(
            origin,
            'keep_firing_for is not supported: a CloudWatch alarm resolves in the period its condition stops holding',
          );
          continue;
        }
        const severity = Object.hasOwn(labels, 'severity') ? labels.severity : undefined;
        if (severity?.includes('{{')) {
          fail(origin, 'the severity label must be a literal (it picks the alarm level when deploying)');
          continue;
        }
        const { level, note } = levelOf(severity, options.defaultLevel);
        const id = ruleId(group.name, alert, rule.index);
        if (ids.has(id)) {
          fail(
            origin,
            `a rule named "${alert}" at the same position of a group "${group.name}" comes earlier (same group name in two files?): rename the group`,
          );
          continue;
        }
        ids.add(id);
        const base: Omit<RuleAlarm, 'comparison'> = {
          id,
          alert,
          level,
          forMs: rule.forMs,
          labels,
          annotations: rule.annotations,
          origin,
        };
        const up = isUpDown(expr);
        if (up) {
          const jobMatcher = up.selector.matchers.find((m) => m.label === 'job');
          const others = up.selector.matchers.filter(
            (m) => m.label !== '__name__' && m.label !== 'job' && m.label !== 'instance',
          );
          if (
            others.length > 0 ||
            (jobMatcher &&
              (jobMatcher.op !== '=' || (options.job !== undefined && jobMatcher.value !== options.job)))
          ) {
            fail(
              origin,
              `up == 0 becomes this target's down alarm; ${formatPromql(up.selector)} selects another target's`,
            );
            continue;
          }
          if (out.down) {
            fail(origin, `the target's down alarm already comes from rule "${out.down.alarm.alert}"`);
            continue;
          }
          out.down = { alarm: base };
          out.outcomes.push({
            kind: 'down',
            origin,
            level,
            forMs: rule.forMs,
            ...(note ? { severityNote: note } : {}),
          });
          continue;
        }
        if (usesUp(expr)) {
          fail(
            origin,
            'vigil has no `up` series (a failed scrape is ProbeSuccess = 0): only `up == 0` translates, to the down alarm',
          );
          continue;
        }
        const split = splitComparison(expr);
        if (split === undefined) {
          fail(
            origin,
            'the expression must end in a comparison with a number (`rate(x[5m]) > 1000`): vigil publishes its left side as a metric and alarms on the comparison',
          );
          continue;
        }
        if (split.op === '==' || split.op === '!=') {
          fail(origin, `${split.op} cannot be a CloudWatch alarm (it compares with >, >=, < or <=)`);
          continue;
        }
        if (!Number.isFinite(split.threshold)) {
          // Also because the packaged config is JSON, which would carry Inf and NaN as null.
          fail(
            origin,
            `a CloudWatch alarm's threshold is a finite number, not ${split.threshold}: compare with a finite value`,
          );
          continue;
        }
        const operand = formatPromql(split.operand);
        const comparison = { op: split.op, threshold: split.threshold };
        let pending = byOperand.get(operand);
        if (pending === undefined) {
          pending = {
            operand,
            unit: unitOf(split.operand),
            identityLabels: identityLabelsOf(split.operand),
            alert,
            group: group.name,
            alarms: [],
          };
          byOperand.set(operand, pending);
        }
        const clash = pending.alarms.find((alarm) => alarm.level === level);
        if (clash) {
          fail(
            origin,
            `rule "${clash.alert}" already alarms on this expression at level ${level}: give one of them another severity`,
          );
          continue;
        }
        pending.alarms.push({ ...base, comparison });
        const operands = alertOperands.get(alert) ?? new Set<string>();
        operands.add(operand);
        alertOperands.set(alert, operands);
        out.outcomes.push({
          kind: 'metric',
          origin,
          metric: '',
          query: operand,
          unit: pending.unit,
          level,
          comparison,
          forMs: rule.forMs,
          ...(note ? { severityNote: note } : {}),
        });
      }
    }
  }
  // Name the metrics: after the first rule's alert, or `<group>.<alert>` when that alert name has several
  // expressions (the same name in different groups).
  const names = new Map<string, string>();
  for (const pending of byOperand.values()) {
    const ambiguous = (alertOperands.get(pending.alert)?.size ?? 0) > 1;
    const name = metricNameOf(ambiguous ? `${pending.group}.${pending.alert}` : pending.alert);
    const refuse = (reason: string) => {
      // Every rule of this expression fails with it (each reported at its own line).
      out.outcomes = out.outcomes.filter((o) => !(o.kind === 'metric' && o.query === pending.operand));
      for (const alarm of pending.alarms) fail(alarm.origin, reason);
    };
    if (!METRIC_NAME_RE.test(name)) {
      refuse(`cannot make a CloudWatch metric name of "${pending.alert}"`);
      continue;
    }
    if (taken.has(name)) {
      const other = names.get(name);
      refuse(
        other === undefined
          ? `the target already has a metric named ${name} (metrics:): rename one of them`
          : `its metric would be named ${name}, as the one of "${other}" (the same alert name and group with different expressions): rename one of them`,
      );
      continue;
    }
    taken.add(name);
    names.set(name, pending.alert);
    out.metrics.push({
      name,
      query: pending.operand,
      unit: pending.unit,
      identityLabels: pending.identityLabels,
      alarms: pending.alarms,
    });
    for (const outcome of out.outcomes) {
      if (outcome.kind === 'metric' && outcome.query === pending.operand) outcome.metric = name;
    }
  }
  return out;
}
