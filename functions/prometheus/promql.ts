/**
 * The PromQL subset a Prometheus probe evaluates against one scraped page:
 *
 *   selector     name | name{matchers} | {matchers}          matchers: label op "string", op in = != =~ !~
 *   aggregation  op [by|without (labels)] (selector) [by|without (labels)]    op in sum avg min max count
 *
 * Everything else (functions, binary operators, ranges, offsets, nesting) is rejected with the position and a
 * reminder of the subset, rather than half-supported: a probe reads one instant page, so rate() and friends
 * would silently mean something else here.
 */
import type { Sample } from './parse';

export class PromqlSyntaxError extends Error {
  override name = 'PromqlSyntaxError';
  /** 0-based offset in the query where the problem was found. */
  readonly position: number;

  constructor(position: number, message: string) {
    super(`${message} (at position ${position})`);
    this.position = position;
  }
}

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  name?: string;
  matchers: Matcher[];
}

export const AGGREGATION_OPS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export type AggregationOp = (typeof AGGREGATION_OPS)[number];

export interface Aggregation {
  op: AggregationOp;
  by?: string[];
  without?: string[];
}

export interface Query {
  selector: Selector;
  aggregation?: Aggregation;
}

export interface Series {
  labels: Record<string, string>;
  value: number;
}

export interface EvaluateOptions {
  /** Cardinality guard: series kept after sorting; the rest are counted in `truncated`. */
  maxSeries?: number;
}

export const MAX_SERIES_DEFAULT = 50;

const SUPPORTED_SUBSET =
  'vigil supports a selector such as name{label="value"} (matchers = != =~ !~), optionally inside ' +
  'sum, avg, min, max or count with by (...) or without (...)';

/** PromQL aggregations outside the subset, named so the error says "not supported" instead of "unexpected". */
const UNSUPPORTED_AGGREGATIONS = new Set([
  'topk',
  'bottomk',
  'quantile',
  'stddev',
  'stdvar',
  'count_values',
  'group',
  'limitk',
  'limit_ratio',
]);
/** PromQL constructs outside the subset, recognised where an expression may start or end. */
const UNSUPPORTED_CONSTRUCTS: readonly (readonly [RegExp, string])[] = [
  [/^\[/, 'range selectors such as [5m]'],
  [/^offset(?![a-zA-Z0-9_:])/i, 'offset modifiers'],
  [/^@/, '@ modifiers'],
  [/^(and|or|unless|atan2)(?![a-zA-Z0-9_:])/i, 'set operators (and, or, unless) and atan2'],
  [/^(==|!=|>=|<=|[-+*/%^<>])/, 'binary operators and arithmetic'],
  [/^\(/, 'parenthesised expressions'],
  [/^\.?[0-9]/, 'number literals'],
  [/^,/, 'extra arguments'],
];

/** Longest word quoted after "found" in an error message. */
const FOUND_MAX_CHARS = 40;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function isMetricStart(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || ch === ':';
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function isLabelStart(ch: string): boolean {
  return ch !== ':' && isMetricStart(ch);
}

function isLabelPart(ch: string): boolean {
  return isLabelStart(ch) || isDigit(ch);
}

function isMetricPart(ch: string): boolean {
  return isMetricStart(ch) || isDigit(ch);
}

function isQuote(ch: string): boolean {
  return ch === '"' || ch === "'" || ch === '`';
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** RE2 inline flags at the start of a pattern that map onto JavaScript flags. */
const INLINE_FLAGS = /^\(\?([is]+)\)/;

/** Compiled regexes per matcher, so evaluating a query parsed once at load does not recompile per probe. */
const compiledMatchers = new WeakMap<Matcher, RegExp>();

/**
 * Compiles a matcher regex anchored at both ends, as Prometheus does. Go's RE2 and JavaScript mostly agree on
 * the syntax matchers use; RE2's leading `(?i)`/`(?s)` and `(?P<name>` are translated.
 */
export function compileMatcherRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const inline = INLINE_FLAGS.exec(source);
  if (inline) {
    flags = [...new Set(inline[1])].join('');
    source = source.slice(inline[0].length);
  }
  source = source.replaceAll('(?P<', '(?<');
  let unicode = 'u';
  try {
    // Compiled alone first: "a)|(b" is only valid once wrapped, and would then escape the anchors.
    new RegExp(source, `${flags}u`);
  } catch {
    // Unicode mode rejects identity escapes such as \- or \_ that RE2 accepts.
    new RegExp(source, flags);
    unicode = '';
  }
  return new RegExp(`^(?:${source})$`, `${flags}${unicode}`);
}

function regexFor(matcher: Matcher): RegExp {
  let regex = compiledMatchers.get(matcher);
  if (regex === undefined) {
    regex = compileMatcherRegex(matcher.value);
    compiledMatchers.set(matcher, regex);
  }
  return regex;
}

function matchesValue(matcher: Matcher, value: string): boolean {
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return regexFor(matcher).test(value);
    case '!~':
      return !regexFor(matcher).test(value);
  }
}

class QueryParser {
  private pos = 0;

  constructor(private readonly source: string) {}

  parse(): Query {
    this.skipSpace();
    const start = this.pos;
    let query: Query;
    if (isMetricStart(this.peek())) {
      const word = this.readWhile(isMetricPart);
      const op = word.toLowerCase();
      if ((AGGREGATION_OPS as readonly string[]).includes(op)) {
        query = this.parseAggregation(op as AggregationOp);
      } else {
        this.rejectCall(word, start);
        query = { selector: this.parseSelectorAfterName(word, start) };
      }
    } else if (this.peek() === '{') {
      query = { selector: this.parseSelectorAfterName(undefined, start) };
    } else {
      this.unexpected('a metric name, "{" or an aggregation (sum, avg, min, max, count)', true);
    }
    this.skipSpace();
    if (this.pos < this.source.length) this.unexpected('the end of the query', true);
    return query;
  }

  private peek(offset = 0): string {
    return this.source.charAt(this.pos + offset);
  }

  private fail(position: number, message: string): never {
    throw new PromqlSyntaxError(position, message);
  }

  private skipSpace(): void {
    const { source } = this;
    while (this.pos < source.length) {
      const ch = source[this.pos]!;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        this.pos++;
      } else if (ch === '#') {
        // PromQL comments run to the end of the line.
        while (this.pos < source.length && source[this.pos] !== '\n') this.pos++;
      } else {
        return;
      }
    }
  }

  private readWhile(accept: (ch: string) => boolean): string {
    const start = this.pos;
    while (this.pos < this.source.length && accept(this.source[this.pos]!)) this.pos++;
    return this.source.slice(start, this.pos);
  }

  /** Describes what is at the current position for "expected X, found Y". */
  private describeFound(): string {
    if (this.pos >= this.source.length) return 'end of query';
    const ch = this.peek();
    if (isMetricPart(ch)) {
      const length = /^[a-zA-Z0-9_:.]+/.exec(this.source.slice(this.pos))?.[0].length ?? 1;
      const end = this.pos + Math.min(length, FOUND_MAX_CHARS);
      return `"${this.source.slice(this.pos, end)}"`;
    }
    return JSON.stringify(ch);
  }

  /**
   * Fails at the current position. Where an expression may start or end (`classify`), names the PromQL
   * construct outside the subset that begins there, so the message says "not supported" rather than "unexpected".
   */
  private unexpected(expected: string, classify = false): never {
    const at = this.pos;
    if (classify) this.rejectUnsupported(at);
    this.fail(at, `expected ${expected}, found ${this.describeFound()}`);
  }

  private rejectUnsupported(at: number): void {
    const rest = this.source.slice(at);
    const construct = UNSUPPORTED_CONSTRUCTS.find(([pattern]) => pattern.test(rest))?.[1];
    if (construct !== undefined) this.fail(at, `${construct} are not supported: ${SUPPORTED_SUBSET}`);
  }

  /** A name followed by "(" is a function call or an aggregation outside the subset. */
  private rejectCall(word: string, start: number): void {
    const afterName = this.pos;
    this.skipSpace();
    const lower = word.toLowerCase();
    const grouped = /^(by|without)\b/i.test(this.source.slice(this.pos));
    if (UNSUPPORTED_AGGREGATIONS.has(lower) && (this.peek() === '(' || grouped)) {
      this.fail(start, `the aggregation "${word}" is not supported: ${SUPPORTED_SUBSET}`);
    }
    if (this.peek() === '(') {
      this.fail(start, `the function "${word}()" is not supported: ${SUPPORTED_SUBSET}`);
    }
    this.pos = afterName;
  }

  private parseAggregation(op: AggregationOp): Query {
    const aggregation: Aggregation = { op };
    this.skipSpace();
    let grouped = this.parseGroupingIfAny(aggregation);
    this.skipSpace();
    if (this.peek() !== '(') {
      this.unexpected(grouped ? `"(" and a selector` : `"(", "by" or "without" after "${op}"`, true);
    }
    this.pos++;
    this.skipSpace();
    const selectorStart = this.pos;
    let name: string | undefined;
    if (isMetricStart(this.peek())) {
      name = this.readWhile(isMetricPart);
      if ((AGGREGATION_OPS as readonly string[]).includes(name.toLowerCase())) {
        this.fail(selectorStart, `nested aggregations are not supported: ${SUPPORTED_SUBSET}`);
      }
      this.rejectCall(name, selectorStart);
    } else if (this.peek() !== '{') {
      this.unexpected('a metric name or "{"', true);
    }
    const selector = this.parseSelectorAfterName(name, selectorStart);
    this.skipSpace();
    if (this.peek() !== ')') this.unexpected(`")" closing ${op}(`, true);
    this.pos++;
    this.skipSpace();
    const groupingAt = this.pos;
    if (this.parseGroupingIfAny(aggregation)) {
      if (grouped) this.fail(groupingAt, `"${op}" takes one "by" or "without" clause, found a second one`);
      grouped = true;
    }
    return { selector, aggregation };
  }

  /** Reads `by (...)` or `without (...)` into the aggregation; returns whether there was one. */
  private parseGroupingIfAny(aggregation: Aggregation): boolean {
    const match = /^(by|without)(?![a-zA-Z0-9_:])/i.exec(this.source.slice(this.pos));
    if (!match) return false;
    const keyword = match[1]!.toLowerCase() as 'by' | 'without';
    this.pos += keyword.length;
    this.skipSpace();
    if (this.peek() !== '(') this.unexpected(`"(" and a list of labels after "${keyword}"`);
    this.pos++;
    const labels: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek() === ')') break;
      const labelAt = this.pos;
      let label: string;
      if (isQuote(this.peek())) label = this.readString();
      else if (isLabelStart(this.peek())) label = this.readWhile(isLabelPart);
      else this.unexpected(`a label name or ")" in "${keyword} (...)"`);
      if (label === '') this.fail(labelAt, 'empty label name');
      labels.push(label);
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ')') this.unexpected(`"," or ")" in "${keyword} (...)"`);
    }
    this.pos++;
    aggregation[keyword] = labels;
    return true;
  }

  /** Parses the optional `{...}` after a metric name (or the whole `{...}` selector). */
  private parseSelectorAfterName(name: string | undefined, start: number): Selector {
    const selector: Selector = name === undefined ? { matchers: [] } : { name, matchers: [] };
    this.skipSpace();
    if (this.peek() === '{') {
      this.pos++;
      this.parseMatchers(selector);
    }
    const fixedName = selector.name !== undefined;
    if (!fixedName && !selector.matchers.some((m) => !matchesValue(m, ''))) {
      this.fail(start, 'a selector needs a metric name or a matcher that does not match the empty string');
    }
    return selector;
  }

  private parseMatchers(selector: Selector): void {
    for (;;) {
      this.skipSpace();
      const ch = this.peek();
      if (ch === '}') {
        this.pos++;
        return;
      }
      const labelAt = this.pos;
      let label: string;
      let quoted = false;
      if (isQuote(ch)) {
        label = this.readString();
        quoted = true;
      } else if (isLabelStart(ch)) {
        label = this.readWhile(isLabelPart);
      } else {
        this.unexpected('a label name or "}"');
      }
      this.skipSpace();
      if (quoted && (this.peek() === ',' || this.peek() === '}')) {
        // Prometheus 3 UTF-8 syntax: {"my.metric", label="x"}.
        if (selector.name !== undefined || selector.matchers.some((m) => m.label === '__name__')) {
          this.fail(labelAt, 'the metric name is given twice');
        }
        if (label === '') this.fail(labelAt, 'empty metric name');
        selector.name = label;
      } else {
        if (label === '') this.fail(labelAt, 'empty label name');
        const op = this.readMatchOp();
        this.skipSpace();
        const valueAt = this.pos;
        if (!isQuote(this.peek())) this.unexpected(`a quoted string after ${label}${op}`);
        const value = this.readString();
        const matcher: Matcher = { label, op, value };
        if (op === '=~' || op === '!~') {
          try {
            compiledMatchers.set(matcher, compileMatcherRegex(value));
          } catch (error) {
            this.fail(
              valueAt,
              `invalid regular expression ${JSON.stringify(value)}: ${(error as Error).message}`,
            );
          }
        }
        if (label === '__name__' && selector.name !== undefined) {
          this.fail(labelAt, 'the metric name is given twice');
        }
        selector.matchers.push(matcher);
      }
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.unexpected('"," or "}" between matchers');
    }
  }

  private readMatchOp(): MatchOp {
    const two = this.source.slice(this.pos, this.pos + 2);
    if (two === '=~' || two === '!=' || two === '!~') {
      this.pos += 2;
      return two;
    }
    if (this.peek() === '=' && this.peek(1) !== '=') {
      this.pos++;
      return '=';
    }
    this.unexpected('a matcher operator (=, !=, =~ or !~)');
  }

  /** Reads a PromQL string: "..." and '...' with Go escapes, `...` raw. */
  private readString(): string {
    const { source } = this;
    const start = this.pos;
    const quote = source[start]!;
    let out = '';
    let p = start + 1;
    while (p < source.length) {
      const ch = source[p]!;
      if (ch === quote) {
        this.pos = p + 1;
        return out;
      }
      if (quote !== '`') {
        if (ch === '\n') break;
        if (ch === '\\') {
          const [text, length] = this.readEscape(p, quote);
          out += text;
          p += length;
          continue;
        }
      }
      out += ch;
      p++;
    }
    this.fail(start, `string starting with ${quote} is not closed`);
  }

  /** Returns the text of the escape at `at` (the backslash) and its length in the source. */
  private readEscape(at: number, quote: string): [string, number] {
    const { source } = this;
    const ch = source.charAt(at + 1);
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) return [simple, 2];
    if (ch === quote) return [quote, 2];
    const hexDigits = ch === 'x' ? 2 : ch === 'u' ? 4 : ch === 'U' ? 8 : 0;
    if (hexDigits > 0) {
      const digits = source.slice(at + 2, at + 2 + hexDigits);
      const code =
        /^[0-9a-fA-F]+$/.test(digits) && digits.length === hexDigits ? Number.parseInt(digits, 16) : -1;
      if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        this.fail(
          at,
          `invalid escape \\${ch}${digits}: expected ${hexDigits} hex digits of a valid character`,
        );
      }
      return [String.fromCodePoint(code), 2 + hexDigits];
    }
    if (ch >= '0' && ch <= '7') {
      const digits = source.slice(at + 1, at + 4);
      const code = /^[0-7]{3}$/.test(digits) ? Number.parseInt(digits, 8) : 256;
      if (code > 255)
        this.fail(at, `invalid octal escape \\${digits}: expected three octal digits up to \\377`);
      return [String.fromCharCode(code), 4];
    }
    this.fail(at, `unknown escape sequence \\${ch}`);
  }
}

/** Parses a query of the supported subset; throws PromqlSyntaxError saying what was expected and where. */
export function parseQuery(source: string): Query {
  return new QueryParser(source).parse();
}

/** Splits `a|b|c` when every branch is a plain metric name, so the regex matches exactly those names. */
function literalAlternatives(pattern: string): string[] | undefined {
  const names = pattern.split('|');
  return names.every((name) => METRIC_NAME.test(name)) ? names : undefined;
}

/**
 * Metric names the query can match, for `parsePrometheus(text, { names })`; undefined when the names are open
 * (e.g. `{__name__=~"node_.*"}`, or only a label matcher).
 */
export function metricNames(query: Query): ReadonlySet<string> | undefined {
  const { selector } = query;
  let names: Set<string> | undefined = selector.name === undefined ? undefined : new Set([selector.name]);
  for (const matcher of selector.matchers) {
    if (matcher.label !== '__name__') continue;
    let allowed: string[] | undefined;
    if (matcher.op === '=') allowed = [matcher.value];
    else if (matcher.op === '=~') allowed = literalAlternatives(matcher.value);
    if (allowed === undefined) continue;
    names = names === undefined ? new Set(allowed) : new Set(allowed.filter((name) => names!.has(name)));
  }
  return names;
}

function matchesSelector(selector: Selector, sample: Sample): boolean {
  if (selector.name !== undefined && sample.name !== selector.name) return false;
  const { labels } = sample;
  for (const matcher of selector.matchers) {
    const value =
      matcher.label === '__name__'
        ? sample.name
        : Object.hasOwn(labels, matcher.label)
          ? labels[matcher.label]!
          : '';
    if (!matchesValue(matcher, value)) return false;
  }
  return true;
}

function setLabel(labels: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    labels[name] = value;
  }
}

/** A sorted copy without empty values: Prometheus treats an empty label as an absent one. */
function normalizedLabels(
  labels: Record<string, string>,
  keep: (name: string) => boolean,
): Record<string, string> {
  const names = Object.keys(labels)
    .filter((name) => labels[name] !== '' && keep(name))
    .sort();
  const out: Record<string, string> = {};
  for (const name of names) setLabel(out, name, labels[name]!);
  return out;
}

/** Unambiguous key of a label set (length-prefixed, so values may contain any character). */
function labelKey(labels: Record<string, string>): string {
  let key = '';
  for (const [name, value] of Object.entries(labels)) key += `${name.length}:${name}${value.length}:${value}`;
  return key;
}

/** Label pairs by name; sorted explicitly, as objects list integer-like keys (UTF-8 names) first. */
function sortedPairs(labels: Record<string, string>): [string, string][] {
  return Object.keys(labels)
    .sort()
    .map((name) => [name, labels[name]!]);
}

/** Prometheus' label-set order: pairwise by name then value (names sorted), shorter sets first. */
function comparePairs(left: readonly [string, string][], right: readonly [string, string][]): number {
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const [leftName, leftValue] = left[i]!;
    const [rightName, rightValue] = right[i]!;
    if (leftName !== rightName) return leftName < rightName ? -1 : 1;
    if (leftValue !== rightValue) return leftValue < rightValue ? -1 : 1;
  }
  return left.length - right.length;
}

interface Group {
  labels: Record<string, string>;
  values: number[];
}

/** Aggregates like Prometheus: sum/avg propagate NaN, min/max ignore NaN unless every value is NaN. */
function aggregate(op: AggregationOp, values: readonly number[]): number {
  switch (op) {
    case 'count':
      return values.length;
    case 'sum':
      return values.reduce((total, value) => total + value, 0);
    case 'avg': {
      const sum = values.reduce((total, value) => total + value, 0);
      if (Number.isFinite(sum) || values.some((value) => !Number.isFinite(value))) return sum / values.length;
      // The sum overflowed although every value is finite: an incremental mean stays in range.
      let mean = 0;
      values.forEach((value, index) => {
        mean += (value - mean) / (index + 1);
      });
      return mean;
    }
    case 'min':
    case 'max': {
      let result = Number.NaN;
      for (const value of values) {
        if (Number.isNaN(result) || (op === 'min' ? value < result : value > result)) result = value;
      }
      return result;
    }
  }
}

/**
 * Evaluates a query against the samples of one page. No match gives `series: []` (the caller reports it, rather
 * than a zero); beyond `maxSeries` (default MAX_SERIES_DEFAULT) the first series in label order are kept.
 */
export function evaluate(
  query: Query,
  samples: readonly Sample[],
  options: EvaluateOptions = {},
): { series: Series[]; truncated: number } {
  const maxSeries = options.maxSeries ?? MAX_SERIES_DEFAULT;
  if (!Number.isInteger(maxSeries) || maxSeries < 1) {
    throw new RangeError(`maxSeries must be a positive integer, got ${maxSeries}`);
  }
  const matching = samples.filter((sample) => matchesSelector(query.selector, sample));
  let series: Series[];
  const { aggregation } = query;
  if (aggregation === undefined) {
    series = matching.map((sample) => ({
      labels: normalizedLabels(sample.labels, () => true),
      value: sample.value,
    }));
  } else {
    const by = aggregation.by === undefined ? undefined : new Set(aggregation.by);
    const without = new Set(aggregation.without ?? []);
    const keep =
      by !== undefined
        ? (name: string) => by.has(name)
        : aggregation.without !== undefined
          ? (name: string) => !without.has(name)
          : () => false;
    const groups = new Map<string, Group>();
    for (const sample of matching) {
      const labels = normalizedLabels(sample.labels, keep);
      const key = labelKey(labels);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { labels, values: [sample.value] });
      else group.values.push(sample.value);
    }
    series = [...groups.values()].map((group) => ({
      labels: group.labels,
      value: aggregate(aggregation.op, group.values),
    }));
  }
  const ordered = series
    .map((entry) => ({ entry, pairs: sortedPairs(entry.labels) }))
    .sort((a, b) => comparePairs(a.pairs, b.pairs))
    .map(({ entry }) => entry);
  series = ordered;
  const truncated = Math.max(0, series.length - maxSeries);
  if (truncated > 0) series.length = maxSeries;
  return { series, truncated };
}
