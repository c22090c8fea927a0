/**
 * Config load's second step: the rule files of prometheus targets (`rules:`), read relative to the config file,
 * checked as promtool checks them (rules/file.ts) and translated (rules/translate.ts). Every problem becomes a
 * ConfigIssue at the target's `rules` entry, its message naming the rule file, line, group, rule and reason.
 * Runs on the raw document, so rule-file problems are listed together with the schema's.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseRuleFile } from '../rules/file';
import { translateRules } from '../rules/translate';
import type { RuleSet } from '../rules/types';
import { ALARM_LEVELS, type AlarmLevel } from './levels';

/** How rule files are read: from disk, relative to the config file (tests inject their own). */
export type ReadRuleFile = (path: string) => string;

export const readRuleFileFromDisk: ReadRuleFile = (path) => readFileSync(path, 'utf8');

export interface RuleIssue {
  /** Path in vigil.yml, e.g. targets[1].rules[0]. */
  path: (string | number)[];
  message: string;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What the rule files of the config's targets resolve to, by target index, and every problem. */
export function resolveRuleFiles(
  data: unknown,
  configFile: string,
  read: ReadRuleFile,
): { sets: Map<number, RuleSet>; issues: RuleIssue[] } {
  const sets = new Map<number, RuleSet>();
  const issues: RuleIssue[] = [];
  const root = asRecord(data);
  const targets = Array.isArray(root.targets) ? root.targets : [];
  const defaultSeverity = asRecord(root.webhook).defaultSeverity;
  const defaultLevel: AlarmLevel = ALARM_LEVELS.find((level) => level === defaultSeverity) ?? 'warning';
  const base = dirname(resolve(configFile));
  targets.forEach((raw, index) => {
    const target = asRecord(raw);
    const rules = target.rules;
    if (rules === undefined) return;
    // On other kinds the schema reports `rules` as an unknown key.
    if (target.type !== 'prometheus') return;
    const files =
      typeof rules === 'string'
        ? [rules]
        : Array.isArray(rules)
          ? rules.filter((f): f is string => typeof f === 'string')
          : [];
    const pathOf = (position: number): (string | number)[] =>
      typeof rules === 'string' ? ['targets', index, 'rules'] : ['targets', index, 'rules', position];
    const sources: { file: string; groups: ReturnType<typeof parseRuleFile>['groups'] }[] = [];
    const paths: string[] = [];
    let readable = true;
    files.forEach((file, position) => {
      const path = resolve(base, file);
      paths.push(path);
      let text: string;
      try {
        text = read(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        issues.push({
          path: pathOf(position),
          message: `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? String(error)})`} (rule files are resolved relative to the config file: ${path})`,
        });
        readable = false;
        return;
      }
      const parsed = parseRuleFile(text);
      for (const issue of parsed.issues) {
        issues.push({
          path: pathOf(position),
          message: `${file}${issue.line === undefined ? '' : `:${issue.line}`}: ${issue.message}`,
        });
      }
      if (parsed.issues.length > 0) readable = false;
      sources.push({ file, groups: parsed.groups });
    });
    if (!readable) return;
    const metricNames = new Set(
      (Array.isArray(target.metrics) ? target.metrics : [])
        .map((metric) => asRecord(metric).name)
        .filter((name): name is string => typeof name === 'string'),
    );
    const job =
      typeof target.job === 'string' ? target.job : typeof target.name === 'string' ? target.name : undefined;
    const translation = translateRules(sources, {
      defaultLevel,
      takenNames: metricNames,
      ...(job === undefined ? {} : { job }),
    });
    for (const issue of translation.issues) {
      issues.push({
        path: pathOf(files.indexOf(issue.file)),
        message: `${issue.file}:${issue.line}: ${issue.message}`,
      });
    }
    sets.set(index, {
      files,
      paths,
      recordings: translation.recordings,
      metrics: translation.metrics,
      ...(translation.down ? { down: translation.down } : {}),
    });
  });
  return { sets, issues };
}
