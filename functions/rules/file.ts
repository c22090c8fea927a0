/**
 * Prometheus rule files, read and checked as `promtool check rules` checks them (mirrored from prometheus/prometheus
 * model/rulefmt/rulefmt.go): known fields only (the decoder's KnownFields), group names present and unique in the
 * file, one of `record` / `alert`, an `expr`, durations in Prometheus' syntax, label and annotation names, a
 * recording rule without `for` / `keep_firing_for` / annotations and with a valid name, and every label and
 * annotation template parsing. Label names follow Prometheus 3's UTF-8 scheme. Every problem is collected, each
 * with its line, group, rule position and name; parsing the expressions is left to the translation (which knows
 * what vigil evaluates).
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type YAMLMap } from 'yaml';
import { parsePromDurationMs, parseTemplate, TemplateError } from './template';

export interface RuleNode {
  /** 1-based line of the rule's first key. */
  line: number;
  /** 1-based position in the group. */
  index: number;
  record?: string;
  alert?: string;
  expr: string;
  exprLine: number;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface GroupNode {
  name: string;
  line: number;
  intervalMs?: number;
  queryOffsetMs?: number;
  limit?: number;
  labels: Record<string, string>;
  rules: RuleNode[];
}

export interface RuleFileIssue {
  line?: number | undefined;
  /** `group "g", rule 3 "Name": reason`, or the reason alone for file-level problems. */
  message: string;
}

export interface ParsedRuleFile {
  groups: GroupNode[];
  issues: RuleFileIssue[];
  /** Non-fatal, as Prometheus logs them (a second YAML document is ignored). */
  warnings: string[];
}

const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'rules', 'labels']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

/** Prometheus 3 (UTF-8 names): any non-empty, well-formed string. */
function isValidName(name: string): boolean {
  return name !== '' && name.isWellFormed();
}

export function ruleName(rule: Pick<RuleNode, 'alert' | 'record'>): string {
  return rule.alert ?? rule.record ?? '';
}

/** Reads one rule file's text; never throws: every problem is an issue. */
export function parseRuleFile(source: string): ParsedRuleFile {
  const lineCounter = new LineCounter();
  const issues: RuleFileIssue[] = [];
  const warnings: string[] = [];
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const documents = parseAllDocuments(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const docs = Array.isArray(documents) ? documents : [documents];
  if (docs.length > 1) {
    warnings.push(
      'Multiple document yaml rules files are not supported, only the first document is processed',
    );
  }
  const doc = docs[0];
  if (doc === undefined) return { groups: [], issues, warnings };
  for (const error of doc.errors) {
    issues.push({
      line: lineCounter.linePos(error.pos[0]).line,
      message:
        error.code === 'DUPLICATE_KEY'
          ? `mapping key already defined: ${error.message.split('\n')[0]}`
          : `yaml: ${error.message.split('\n')[0]}`,
    });
  }
  if (issues.length > 0) return { groups: [], issues, warnings };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    return { groups: [], issues, warnings };
  }
  if (!isMap(root)) {
    issues.push({ line: lineOf(root), message: 'yaml: the file must be a mapping with a groups: list' });
    return { groups: [], issues, warnings };
  }

  /** The mapping's pairs by key, with unknown keys reported (yaml.v3 KnownFields). */
  const fields = (map: YAMLMap, known: ReadonlySet<string>, type: string): Map<string, Node | null> => {
    const out = new Map<string, Node | null>();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!known.has(key)) {
        issues.push({
          line: lineOf(pair.key as Node),
          message: `yaml: field ${key} not found in type ${type}`,
        });
        continue;
      }
      out.set(key, (pair.value as Node | null) ?? null);
    }
    return out;
  };
  /** A scalar as yaml.v3 decodes it into a Go string: its text; null is "". */
  const text = (node: Node | null | undefined, what: string): string | undefined => {
    if (node === null || node === undefined) return '';
    if (isScalar(node)) return node.value === null ? '' : String(node.source ?? node.value);
    issues.push({ line: lineOf(node), message: `yaml: ${what} must be a string` });
    return undefined;
  };
  const stringMap = (node: Node | null | undefined, what: string): Record<string, string> => {
    const out: Record<string, string> = {};
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return out;
    if (!isMap(node)) {
      issues.push({ line: lineOf(node), message: `yaml: ${what} must be a mapping of strings` });
      return out;
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = text(pair.value as Node | null, `${what}.${key}`);
      if (value !== undefined)
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  const duration = (node: Node | null | undefined, report: (message: string) => void): number => {
    if (node === null || node === undefined) return 0;
    const raw = text(node, 'duration');
    if (raw === undefined) return 0;
    const ms = parsePromDurationMs(raw);
    if (ms === undefined) {
      report(raw === '' ? 'empty duration string' : `not a valid duration string: ${JSON.stringify(raw)}`);
      return 0;
    }
    return ms;
  };

  const top = fields(root, new Set(['groups']), 'rulefmt.RuleGroups');
  const groupsNode = top.get('groups');
  if (
    groupsNode === undefined ||
    groupsNode === null ||
    (isScalar(groupsNode) && groupsNode.value === null)
  ) {
    return { groups: [], issues, warnings };
  }
  if (!isSeq(groupsNode)) {
    issues.push({ line: lineOf(groupsNode), message: 'yaml: groups must be a list' });
    return { groups: [], issues, warnings };
  }
  const groups: GroupNode[] = [];
  const names = new Set<string>();
  for (const item of groupsNode.items as (Node | null)[]) {
    const line = lineOf(item) ?? 0;
    if (!isMap(item)) {
      issues.push({ line, message: 'yaml: a group must be a mapping (name:, rules:)' });
      continue;
    }
    const group = fields(item, GROUP_FIELDS, 'rulefmt.RuleGroup');
    const name = text(group.get('name'), 'name') ?? '';
    if (name === '') issues.push({ line, message: 'Groupname must not be empty' });
    else if (names.has(name))
      issues.push({ line, message: `groupname: "${name}" is repeated in the same file` });
    names.add(name);
    const groupIssue = (message: string) => issues.push({ line, message: `group "${name}": ${message}` });
    const parsed: GroupNode = { name, line, labels: stringMap(group.get('labels'), 'labels'), rules: [] };
    if (group.has('interval')) parsed.intervalMs = duration(group.get('interval'), groupIssue);
    if (group.has('query_offset')) parsed.queryOffsetMs = duration(group.get('query_offset'), groupIssue);
    if (group.has('limit')) {
      const limit = Number(text(group.get('limit'), 'limit'));
      if (!Number.isInteger(limit)) groupIssue('limit must be an integer');
      else parsed.limit = limit;
    }
    for (const [label, value] of Object.entries(parsed.labels)) {
      if (!isValidName(label) || label === '__name__') groupIssue(`invalid label name: ${label}`);
      if (!value.isWellFormed()) groupIssue(`invalid label value: ${value}`);
    }
    const rulesNode = group.get('rules');
    const ruleItems = isSeq(rulesNode) ? (rulesNode.items as (Node | null)[]) : [];
    if (
      rulesNode !== undefined &&
      rulesNode !== null &&
      !isSeq(rulesNode) &&
      !(isScalar(rulesNode) && rulesNode.value === null)
    ) {
      groupIssue('rules must be a list');
    }
    ruleItems.forEach((ruleItem, position) => {
      const index = position + 1;
      const ruleLine = lineOf(ruleItem) ?? line;
      if (!isMap(ruleItem)) {
        issues.push({ line: ruleLine, message: `group "${name}", rule ${index}: a rule must be a mapping` });
        return;
      }
      const rule = fields(ruleItem, RULE_FIELDS, 'rulefmt.Rule');
      const record = text(rule.get('record'), 'record') ?? '';
      const alert = text(rule.get('alert'), 'alert') ?? '';
      const where = `group "${name}", rule ${index} "${alert || record}"`;
      const report = (message: string, at = ruleLine) =>
        issues.push({ line: at, message: `${where}: ${message}` });
      const exprNode = rule.get('expr');
      const parsedRule: RuleNode = {
        line: ruleLine,
        index,
        ...(record === '' ? {} : { record }),
        ...(alert === '' ? {} : { alert }),
        expr: text(exprNode, 'expr') ?? '',
        exprLine: lineOf(exprNode) ?? ruleLine,
        forMs: duration(rule.get('for'), (message) => report(message)),
        keepFiringForMs: duration(rule.get('keep_firing_for'), (message) => report(message)),
        labels: stringMap(rule.get('labels'), 'labels'),
        annotations: stringMap(rule.get('annotations'), 'annotations'),
      };
      if (record !== '' && alert !== '') report("only one of 'record' and 'alert' must be set");
      if (record === '' && alert === '') report("one of 'record' or 'alert' must be set");
      if (parsedRule.expr === '') report("field 'expr' must be set in rule");
      if (record !== '') {
        if (Object.keys(parsedRule.annotations).length > 0)
          report("invalid field 'annotations' in recording rule");
        if (parsedRule.forMs !== 0) report("invalid field 'for' in recording rule");
        if (parsedRule.keepFiringForMs !== 0) report("invalid field 'keep_firing_for' in recording rule");
        if (!isValidName(record)) report(`invalid recording rule name: ${record}`);
        if (record.includes('{') || record.includes('}')) {
          report(`braces present in the recording rule name; should it be in expr?: ${record}`);
        }
      }
      for (const [label, value] of Object.entries(parsedRule.labels)) {
        if (!isValidName(label) || label === '__name__') report(`invalid label name: ${label}`);
        if (!value.isWellFormed()) report(`invalid label value: ${value}`);
      }
      for (const annotation of Object.keys(parsedRule.annotations)) {
        if (!isValidName(annotation)) report(`invalid annotation name: ${annotation}`);
      }
      if (alert !== '') {
        // testTemplateParsing: labels and annotations of alerting rules must parse as templates.
        for (const [kind, entries] of [
          ['label', parsedRule.labels],
          ['annotation', parsedRule.annotations],
        ] as const) {
          for (const [key, value] of Object.entries(entries)) {
            try {
              parseTemplate(value);
            } catch (error) {
              if (!(error instanceof TemplateError)) throw error;
              report(`${kind} ${JSON.stringify(key)}: template: __alert_${alert}: ${error.message}`);
            }
          }
        }
      }
      parsed.rules.push(parsedRule);
    });
    groups.push(parsed);
  }
  return { groups, issues, warnings };
}
