/** `vigil rules check FILE...`: promtool check rules, plus what vigil makes of each rule. */
import { readFileSync } from 'node:fs';
import { alarmPeriodSeconds } from '../../alarms/definitions';
import { DURATION_BOUNDS } from '../../config/schema';
import { formatDuration, parseDuration } from '../../config/units';
import { parseRuleFile } from '../../rules/file';
import { forPeriods } from '../../rules/for-periods';
import { type RuleOutcome, translateRules } from '../../rules/translate';
import { type Command, EXIT, JSON_OPTION, parse, UsageError, write } from '../args';
import { colourer, table } from '../format';

interface FileReport {
  file: string;
  /** Problems of the file itself (YAML, fields, names, templates), with their lines. */
  problems: string[];
  warnings: string[];
  rules: RuleReport[];
}

interface RuleReport {
  group: string;
  index: number;
  rule: string;
  line: number;
  ok: boolean;
  /** What it becomes, in one line; or why it cannot be translated. */
  becomes: string;
  metric?: string;
  unit?: string;
  level?: string;
  alarm?: string;
  periods?: number;
}

function describe(outcome: RuleOutcome, periodMs: number): RuleReport {
  const { origin } = outcome;
  const base = { group: origin.group, index: origin.index, rule: origin.name, line: origin.line };
  const window = (forMs: number) => {
    const periods = forPeriods(forMs, periodMs);
    return { periods, text: `${periods} of ${periods} periods of ${formatDuration(periodMs)}` };
  };
  switch (outcome.kind) {
    case 'metric': {
      const { periods, text } = window(outcome.forMs);
      const alarm = `${outcome.comparison.op} ${outcome.comparison.threshold}`;
      return {
        ...base,
        ok: true,
        becomes: `metric ${outcome.metric} = ${outcome.query} (${outcome.unit}); ${outcome.level} alarm when ${alarm} in ${text}${outcome.severityNote ? ` (${outcome.severityNote})` : ''}`,
        metric: outcome.metric,
        unit: outcome.unit,
        level: outcome.level,
        alarm,
        periods,
      };
    }
    case 'down': {
      const { periods, text } = window(outcome.forMs);
      return {
        ...base,
        ok: true,
        becomes: `the target's down alarm (ProbeSuccess < 1), ${outcome.level}, in ${text}${outcome.severityNote ? ` (${outcome.severityNote})` : ''}`,
        metric: 'ProbeSuccess',
        unit: 'Count',
        level: outcome.level,
        alarm: '< 1',
        periods,
      };
    }
    case 'record':
      return {
        ...base,
        ok: true,
        becomes: `recorded each round as ${outcome.record}: later rules and metrics: queries select it (published only through a metrics: query)`,
      };
    case 'error':
      return { ...base, ok: false, becomes: outcome.reason };
  }
}

export function checkRuleFile(file: string, periodMs: number): FileReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      file,
      problems: [code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? String(error)})`],
      warnings: [],
      rules: [],
    };
  }
  const parsed = parseRuleFile(text);
  const problems = parsed.issues.map(
    (issue) => `${issue.line === undefined ? '' : `line ${issue.line}: `}${issue.message}`,
  );
  const warnings = [...parsed.warnings];
  for (const group of parsed.groups) {
    if (group.intervalMs !== undefined && group.intervalMs !== periodMs) {
      warnings.push(
        `group "${group.name}": interval ${formatDuration(group.intervalMs)} is not used: vigil evaluates every round (${formatDuration(periodMs)})`,
      );
    }
    if (group.limit !== undefined && group.limit > 0) {
      warnings.push(
        `group "${group.name}": limit ${group.limit} is not used: maxSeries bounds the series a metric publishes`,
      );
    }
  }
  if (problems.length > 0) return { file, problems, warnings, rules: [] };
  const translation = translateRules([{ file, groups: parsed.groups }], { defaultLevel: 'warning' });
  return {
    file,
    problems,
    warnings,
    rules: translation.outcomes.map((outcome) => describe(outcome, periodMs)),
  };
}

export const rules: Command = {
  name: 'rules',
  summary: 'check Prometheus rule files and show what each rule becomes (`vigil rules check FILE...`)',
  usage: `Usage: vigil rules check FILE... [--schedule D] [--json]

Checks Prometheus rule files as \`promtool check rules\` does (YAML fields, group names, durations, label and
annotation names, templates) and prints, per rule, what vigil makes of it: the metric it publishes (the
expression without its final comparison), its unit, the alarm level (from the severity label) and the
consecutive periods its \`for:\` becomes; \`up == 0\` becomes the target's down alarm, recording rules are
evaluated each round; or why the rule cannot be translated.

  --schedule D   the probe schedule, which is the alarm period (default 1m, as probe.schedule)
  --json         print the reports as JSON

Exit 0 when every rule translates, 1 when a file is unreadable or invalid or a rule cannot be translated,
2 on usage errors.`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...JSON_OPTION, schedule: { type: 'string' } }, true);
    const [sub, ...files] = positionals;
    if (sub !== 'check') throw new UsageError('expected: vigil rules check FILE...');
    if (files.length === 0) throw new UsageError('name at least one rule file');
    let periodMs = 60_000;
    if (values.schedule !== undefined) {
      const ms = parseDuration(values.schedule);
      const bounds = DURATION_BOUNDS.schedule;
      if (ms === undefined || ms < bounds.min || ms > bounds.max) {
        throw new UsageError(
          `--schedule must be a duration from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}, got "${values.schedule}"`,
        );
      }
      periodMs = alarmPeriodSeconds(ms) * 1000;
    }
    const reports = files.map((file) => checkRuleFile(file, periodMs));
    const failed = reports.some(
      (report) => report.problems.length > 0 || report.rules.some((rule) => !rule.ok),
    );
    if (values.json) {
      write(
        io.stdout,
        JSON.stringify({ ok: !failed, periodSeconds: periodMs / 1000, files: reports }, null, 2),
      );
      return failed ? EXIT.failure : EXIT.ok;
    }
    const paint = colourer(io.stdout, io.env);
    const out: string[] = [];
    for (const report of reports) {
      out.push(`Checking ${report.file}`);
      for (const problem of report.problems) out.push(`  ${paint('red', 'FAILED')}: ${problem}`);
      for (const warning of report.warnings) out.push(`  ${paint('yellow', 'warning')}: ${warning}`);
      if (report.rules.length > 0) {
        const rows = report.rules.map((rule) => [
          `${rule.group} #${rule.index}`,
          rule.rule,
          String(rule.line),
          rule.ok ? paint('green', 'ok') : paint('red', 'NO'),
          rule.becomes,
        ]);
        out.push(
          table(['group', 'rule', 'line', 'ok', 'becomes'], rows, 400)
            .split('\n')
            .map((line) => `  ${line}`)
            .join('\n'),
        );
        const bad = report.rules.filter((rule) => !rule.ok).length;
        out.push(
          bad === 0
            ? `  ${paint('green', 'SUCCESS')}: ${report.rules.length} rules found, all translate`
            : `  ${paint('red', 'FAILED')}: ${bad} of ${report.rules.length} rules cannot be translated`,
        );
      } else if (report.problems.length === 0) out.push(`  ${paint('green', 'SUCCESS')}: 0 rules found`);
      out.push('');
    }
    write(io.stdout, out.join('\n').trimEnd());
    return failed ? EXIT.failure : EXIT.ok;
  },
};
