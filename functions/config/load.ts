/**
 * Loading vigil.yml: read → YAML parse → schema validation, once, at start. Every problem is collected and
 * reported with its path and line (`targets[2].metrics[0].path (line 14): ...`), never only the first.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type Document,
  isAlias,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
} from 'yaml';
import type { z } from 'zod';
import { type ReadRuleFile, readRuleFileFromDisk, resolveRuleFiles } from './rules';
import { DEFAULT_CONFIG_FILE } from './runtime';
import { configSchema, type VigilConfig } from './schema';

export interface ConfigIssue {
  /** e.g. targets[2].metrics[0].path; empty for the whole document. */
  path: string;
  message: string;
  line?: number;
}

/** A config that cannot be used; `issues` lists every problem. The CLI exits 2 on it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly reason = 'config-invalid';
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}\nFix them and run \`vigil validate\` again.`,
    );
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? '' : issue.path;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return where === '' ? `${issue.message}${line}` : `${where}${line}: ${issue.message}`;
}

/** ['targets', 2, 'metrics', 0, 'path'] → "targets[2].metrics[0].path". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Which file to read: --config, else VIGIL_CONFIG, else ./vigil.yml. */
export function configPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit ?? env.VIGIL_CONFIG ?? DEFAULT_CONFIG_FILE);
}

/**
 * How many alias expansions a config may make: a few anchors shared between targets use a handful; the yaml
 * library's own default (100) already stops "billion laughs" documents, which we report instead of crashing on.
 */
const YAML_MAX_ALIAS_COUNT = 100;

export interface ParseOptions {
  /** Reads a rule file (`rules:`), given its path resolved against the config file's directory. */
  readRuleFile?: ReadRuleFile;
}

/**
 * Parses and validates config text, reading the rule files it names (relative to `file`); throws ConfigError
 * listing every problem.
 */
export function parseConfig(
  text: string,
  file = DEFAULT_CONFIG_FILE,
  options: ParseOptions = {},
): VigilConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((error) => {
        const duplicate = error.code === 'DUPLICATE_KEY' ? duplicateKeyAt(doc, error.pos[0]) : undefined;
        return {
          path: duplicate ? formatPath(duplicate.path.slice(0, -1)) : '',
          message: duplicate
            ? `duplicate key "${String(duplicate.path.at(-1))}": YAML keeps only one of them; remove or rename the other`
            : `YAML: ${error.message.split('\n')[0]}`,
          line: lineCounter.linePos(error.pos[0]).line,
        };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    // The yaml library throws a ReferenceError when aliases expand beyond maxAliasCount (a resource attack).
    if (!(error instanceof ReferenceError)) throw error;
    const alias = firstAliasOffset(doc);
    throw new ConfigError(file, [
      {
        path: '',
        message: `YAML: aliases (*name) expand to more than ${YAML_MAX_ALIAS_COUNT} copies, as a "billion laughs" document does; write the repeated values out`,
        ...(alias === undefined ? {} : { line: lineCounter.linePos(alias).line }),
      },
    ]);
  }
  const rules = resolveRuleFiles(data, file, options.readRuleFile ?? readRuleFileFromDisk);
  const ruleIssues: ConfigIssue[] = rules.issues.map((issue) => {
    const line = lineOf(doc, lineCounter, issue.path);
    return { path: formatPath(issue.path), message: issue.message, ...(line === undefined ? {} : { line }) };
  });
  const result = configSchema.safeParse(data);
  if (result.success && ruleIssues.length === 0) {
    for (const [index, set] of rules.sets) {
      const target = result.data.targets[index];
      if (target?.type === 'prometheus') target.rules = set;
    }
    return result.data;
  }
  throw new ConfigError(file, [
    ...(result.success ? [] : issuesOf(result.error, (path) => lineOf(doc, lineCounter, path))),
    ...ruleIssues,
  ]);
}

/** The key path (e.g. ['probe', 'timeout']) of the map key starting at `offset`, for a DUPLICATE_KEY error. */
function duplicateKeyAt(doc: Document, offset: number): { path: (string | number)[] } | undefined {
  let found: (string | number)[] | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      found = [...keyPath(ancestors), String(pair.key.value)];
      return visit.BREAK;
    },
  });
  return found ? { path: found } : undefined;
}

/** Turns visit()'s ancestor chain into a key path: pair keys, and indexes inside sequences. */
function keyPath(ancestors: readonly unknown[]): (string | number)[] {
  const path: (string | number)[] = [];
  ancestors.forEach((node, index) => {
    if (isPair(node) && isScalar(node.key)) path.push(String(node.key.value));
    else if (isSeq(node)) {
      const child = ancestors[index + 1];
      if (child !== undefined) path.push(node.items.indexOf(child as never));
    }
  });
  return path;
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, alias) {
      if (isAlias(alias) && alias.range) offset = alias.range[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
) {
  // Walk up until a node exists: a missing key is reported at its parent's line.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function issuesOf(
  error: z.ZodError,
  line: (path: readonly PropertyKey[]) => number | undefined,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const flatten = (issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]) => {
    const path = [...prefix, ...issue.path];
    // A union failure says "invalid input": show the most specific branch's problems instead.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = issue.errors.reduce((a, b) =>
        b.length > 0 && (a.length === 0 || deepest(b) > deepest(a)) ? b : a,
      );
      if (best.length > 0) {
        for (const inner of best) flatten(inner, path);
        return;
      }
    }
    const found = line(path);
    issues.push({
      path: formatPath(path),
      message: describe(issue),
      ...(found === undefined ? {} : { line: found }),
    });
  };
  for (const issue of error.issues) flatten(issue, []);
  // The same problem can arrive twice through unions; report it once.
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepest(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(...issues.map((issue) => issue.path.length));
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      // A schema may explain its unknown keys (a metric key of another probe kind); zod's own text is replaced.
      if (!issue.message.startsWith('Unrecognized key')) return issue.message;
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_type':
      return issue.message.startsWith('Invalid input: expected')
        ? issue.message.replace('Invalid input: ', '')
        : issue.message;
    default:
      return issue.message;
  }
}

/** Reads and validates a config file; throws ConfigError (also for a missing/unreadable file). */
export function loadConfig(file: string): VigilConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? String(error)})`;
    throw new ConfigError(file, [{ path: '', message: `${why}: pass --config FILE or set VIGIL_CONFIG` }]);
  }
  return parseConfig(text, file);
}
