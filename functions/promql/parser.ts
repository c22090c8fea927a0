/**
 * PromQL text → AST, with Prometheus' grammar (promql/parser/generated_parser.y): precedence
 * `or` < `and unless` < comparisons < `+ -` < `* / % atan2` < `^` (right-associative), unary `+ -` binding like
 * `*`, and `offset` / `[range]` / `@` binding tighter than any binary operator. Type checks follow checkAST.
 * Valid PromQL that vigil does not evaluate is parsed far enough to be named, then rejected with
 * `PromqlError.unsupported` set.
 */
import {
  AGGREGATION_OPS,
  type AggregationOp,
  BINARY_PRECEDENCE,
  type BinaryExpr,
  type BinaryOp,
  type Expr,
  type Grouping,
  isComparison,
  isSetOp,
  MATCH_OPS,
  type Matcher,
  type MatchOp,
  PARAMETER_AGGREGATIONS,
  type Position,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast';
import { FUNCTIONS, isSupportedFunction, UNSUPPORTED_FUNCTIONS } from './catalog';
import { PromqlError } from './errors';
import { METRIC_NAME } from './labels';
import { type Token, tokenize } from './lexer';
import { matcherRegex, matchesValue } from './matchers';
import { formatDuration, parseDuration, parseGoFloat } from './numbers';
import { compileMatcherRegex } from './regex';

/**
 * Longest range plus offset a selector may reach back. The probe keeps every sample a window needs per target
 * and series between rounds; at one round a minute, 1h is 60 samples a series, which keeps a node_exporter-size
 * target's state in the hundreds of kilobytes. Alert rules' windows are typically 1m–1h; longer SLO windows
 * ([6h], [3d]) are rejected with this limit named.
 */
export const MAX_HISTORY_MS = 3_600_000;

const PRECEDENCE = BINARY_PRECEDENCE;
const POW_PRECEDENCE = PRECEDENCE['^'];
const SYMBOL_OPS = new Set(['+', '-', '*', '/', '%', '^', '==', '!=', '<', '<=', '>', '>=']);
const WORD_OPS = new Set(['and', 'or', 'unless', 'atan2']);
/** Keywords that can never be a metric name (metric_identifier in the grammar lists the others). */
const NOT_METRIC_NAMES = new Set(['bool', 'on', 'ignoring', 'group_left', 'group_right', 'atan2']);
const UNSUPPORTED_AGGREGATIONS = new Set(['count_values', 'limitk', 'limit_ratio']);
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const INT64_MAX = 2n ** 63n - 1n;

const DOCUMENTED_TYPE: Record<ValueType, string> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};

/**
 * Deepest expression tree accepted. Prometheus sets none (Go stacks grow); JavaScript's do not, and parsing,
 * evaluating and printing recurse once per level. Real rules nest a dozen levels.
 */
export const MAX_NESTING_DEPTH = 500;

const types = new WeakMap<Expr, ValueType>();
const depths = new WeakMap<Expr, number>();

/** The value type an expression evaluates to (memoised: parsing asks for it at every binary node). */
export function typeOf(expr: Expr): ValueType {
  let type = types.get(expr);
  if (type === undefined) {
    type = computeType(expr);
    types.set(expr, type);
  }
  return type;
}

function childrenOf(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'binary':
      return [expr.lhs, expr.rhs];
    case 'unary':
    case 'paren':
      return [expr.expr];
    case 'call':
      return [...expr.args];
    case 'aggregation':
      return expr.param === undefined ? [expr.expr] : [expr.param, expr.expr];
    case 'range':
      return [expr.selector];
    default:
      return [];
  }
}

function depthOf(expr: Expr): number {
  let depth = depths.get(expr);
  if (depth === undefined) {
    depth = 1 + Math.max(0, ...childrenOf(expr).map(depthOf));
    depths.set(expr, depth);
  }
  return depth;
}

function computeType(expr: Expr): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'selector':
      return 'vector';
    case 'range':
      return 'matrix';
    case 'call':
      return isSupportedFunction(expr.func) ? FUNCTIONS[expr.func].returns : 'vector';
    case 'aggregation':
      return 'vector';
    case 'binary':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(expr.expr);
  }
}

/**
 * Parses and validates one expression. Throws PromqlError with the position and reason; for valid PromQL
 * outside what vigil evaluates, `unsupported` names the construct.
 */
export function parsePromql(source: string): Expr {
  return new Parser(source).parseAll();
}

/** ParseInt(text, 0, 64) then ParseFloat, as Prometheus reads number literals (`0x1f`, `0755` octal, `1e3`). */
function numberValue(text: string): number | undefined {
  let integer: bigint | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) integer = BigInt(text);
  else if (/^0[0-7]+$/.test(text)) integer = BigInt(`0o${text.slice(1)}`);
  else if (/^(?:0|[1-9][0-9]*)$/.test(text)) integer = BigInt(text);
  if (integer !== undefined && integer <= INT64_MAX) return Number(integer);
  return parseGoFloat(text);
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of input';
  const text = token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text;
  return JSON.stringify(text);
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parseAll(): Expr {
    if (this.peek().kind === 'eof') this.fail(0, 'no expression found in input');
    const expr = this.parseExpr(0);
    const rest = this.peek();
    if (rest.kind !== 'eof') this.unexpected(rest, 'an operator or the end of the expression');
    const type = typeOf(expr);
    if (type === 'string') {
      this.unsupportedAt(expr.pos, 'string results', 'string results');
    }
    if (type === 'matrix') {
      throw new PromqlError(
        expr.pos.start,
        `a range vector (${JSON.stringify(this.text(expr.pos))}) as the result is not supported: wrap it in a function such as rate()`,
        'range vector results',
      );
    }
    this.checkHistory(expr);
    return expr;
  }

  // --- tokens -----------------------------------------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private fail(position: number, reason: string): never {
    throw new PromqlError(position, reason);
  }

  private unexpected(token: Token, expected: string, context?: string): never {
    const where = context === undefined ? '' : ` in ${context}`;
    this.fail(token.start, `unexpected ${describe(token)}${where}, expected ${expected}`);
  }

  private text(pos: Position): string {
    return this.source.slice(pos.start, pos.end);
  }

  /** Rejects valid PromQL vigil does not evaluate: `what` reads as a plural ("subqueries"). */
  private unsupportedAt(pos: Position, what: string, construct: string): never {
    const text = this.text(pos);
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    throw new PromqlError(pos.start, `${what} (${JSON.stringify(shown)}) are not supported`, construct);
  }

  private isWord(token: Token, ...words: string[]): boolean {
    return token.kind === 'identifier' && words.includes(token.text.toLowerCase());
  }

  private expect(kind: Token['kind'], expected: string, context?: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.unexpected(token, expected, context);
    return this.next();
  }

  // --- expressions ------------------------------------------------------------------------------------------

  private binaryOp(token: Token): BinaryOp | 'atan2' | undefined {
    if (token.kind === 'op' && SYMBOL_OPS.has(token.text)) return token.text as BinaryOp;
    if (token.kind === 'identifier' && WORD_OPS.has(token.text.toLowerCase())) {
      return token.text.toLowerCase() as BinaryOp | 'atan2';
    }
    return undefined;
  }

  private nesting = 0;

  /** Checks the depth of a node just built (left-associative chains grow deep without recursing here). */
  private built<T extends Expr>(expr: T): T {
    if (depthOf(expr) > MAX_NESTING_DEPTH) {
      this.fail(
        expr.pos.start,
        `expression nested deeper than ${MAX_NESTING_DEPTH} levels (MAX_NESTING_DEPTH)`,
      );
    }
    return expr;
  }

  private parseExpr(minPrecedence: number): Expr {
    this.nesting++;
    try {
      if (this.nesting > MAX_NESTING_DEPTH) {
        this.fail(
          this.peek().start,
          `expression nested deeper than ${MAX_NESTING_DEPTH} levels (MAX_NESTING_DEPTH)`,
        );
      }
      return this.parseBinary(minPrecedence);
    } finally {
      this.nesting--;
    }
  }

  private parseBinary(minPrecedence: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const opToken = this.peek();
      const op = this.binaryOp(opToken);
      if (op === undefined || PRECEDENCE[op] < minPrecedence) return lhs;
      this.next();
      if (op === 'atan2') {
        this.unsupportedAt(
          { start: opToken.start, end: opToken.end },
          'atan2 operations',
          'the atan2 operator',
        );
      }
      let returnBool = false;
      if (this.isWord(this.peek(), 'bool')) {
        this.next();
        returnBool = true;
      }
      let matching: VectorMatching | undefined;
      if (this.isWord(this.peek(), 'on', 'ignoring')) {
        const on = this.next().text.toLowerCase() === 'on';
        matching = { on, labels: this.parseLabelList(on ? 'on' : 'ignoring') };
        const group = this.peek();
        if (this.isWord(group, 'group_left', 'group_right')) {
          this.next();
          let end = group.end;
          if (this.peek().kind === '(') {
            this.parseLabelList(group.text.toLowerCase());
            end = this.tokens[this.index - 1]!.end;
          }
          this.unsupportedAt(
            { start: group.start, end },
            'group_left and group_right (many-to-one and one-to-many matching)',
            'group_left/group_right matching',
          );
        }
      }
      const rhs = this.parseExpr(op === '^' ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
      lhs = this.built(this.binary(op, lhs, rhs, returnBool, matching, opToken));
    }
  }

  private binary(
    op: BinaryOp,
    lhs: Expr,
    rhs: Expr,
    returnBool: boolean,
    matching: VectorMatching | undefined,
    opToken: Token,
  ): BinaryExpr {
    const at = opToken.start;
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if (returnBool && !isComparison(op))
      this.fail(at, 'bool modifier can only be used on comparison operators');
    if (isComparison(op) && !returnBool && lt === 'scalar' && rt === 'scalar') {
      this.fail(at, 'comparisons between scalars must use BOOL modifier');
    }
    if (lt !== 'scalar' && lt !== 'vector') {
      this.fail(lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    }
    if (rt !== 'scalar' && rt !== 'vector') {
      this.fail(rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    }
    let kept = matching;
    if (lt !== 'vector' || rt !== 'vector') {
      if (matching !== undefined && matching.labels.length > 0) {
        this.fail(at, 'vector matching only allowed between instant vectors');
      }
      kept = undefined;
    }
    if (isSetOp(op) && (lt === 'scalar' || rt === 'scalar')) {
      this.fail(at, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    }
    const expr: BinaryExpr = {
      kind: 'binary',
      op,
      lhs,
      rhs,
      returnBool,
      pos: { start: lhs.pos.start, end: rhs.pos.end },
    };
    if (kept !== undefined) expr.matching = kept;
    return expr;
  }

  private parseUnary(): Expr {
    const token = this.peek();
    if (token.kind === 'op' && (token.text === '+' || token.text === '-')) {
      this.next();
      const operand = this.parseExpr(POW_PRECEDENCE);
      if (operand.kind === 'number') {
        return {
          kind: 'number',
          value: token.text === '-' ? -operand.value : operand.value,
          pos: { start: token.start, end: operand.pos.end },
        };
      }
      const type = typeOf(operand);
      if (type !== 'scalar' && type !== 'vector') {
        this.fail(
          token.start,
          `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(DOCUMENTED_TYPE[type])}`,
        );
      }
      return {
        kind: 'unary',
        op: token.text,
        expr: operand,
        pos: { start: token.start, end: operand.pos.end },
      };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(primary: Expr): Expr {
    let expr = primary;
    for (;;) {
      const token = this.peek();
      if (token.kind === '[') {
        expr = this.parseRange(expr);
      } else if (this.isWord(token, 'offset')) {
        expr = this.parseOffset(expr);
      } else if (token.kind === '@') {
        this.next();
        // `@ 1700000000`, `@ -5`, `@ start()`: take the argument's tokens for the message.
        let end = this.next().end;
        if (this.tokens[this.index - 1]!.kind === 'op') end = this.next().end;
        if (this.peek().kind === '(' && this.peek(1).kind === ')') {
          this.next();
          end = this.next().end;
        }
        this.unsupportedAt({ start: token.start, end }, '@ modifiers', '@ modifiers');
      } else {
        return expr;
      }
    }
  }

  private parseRange(expr: Expr): Expr {
    const open = this.next();
    const duration = this.expect('duration', 'a duration', 'range');
    const close = this.peek();
    if (close.kind === ':') {
      this.next();
      if (this.peek().kind === 'duration') this.next();
      const end = this.expect(']', '"]"', 'subquery selector');
      this.unsupportedAt({ start: open.start, end: end.end }, 'subqueries', 'subqueries');
    }
    this.expect(']', '":" or "]"', 'subquery or range');
    if (expr.kind !== 'selector') this.fail(open.start, 'ranges only allowed for vector selectors');
    if (expr.offsetMs !== 0) this.fail(open.start, 'no offset modifiers allowed before range');
    const rangeMs = this.duration(duration);
    return { kind: 'range', selector: expr, rangeMs, pos: { start: expr.pos.start, end: close.end } };
  }

  private duration(token: Token): number {
    const ms = parseDuration(token.text);
    if (ms === undefined)
      this.fail(token.start, `not a valid duration string: ${JSON.stringify(token.text)}`);
    if (ms === 0) this.fail(token.start, 'duration must be greater than 0');
    return ms;
  }

  private parseOffset(expr: Expr): Expr {
    const keyword = this.next();
    let negative = false;
    if (this.peek().kind === 'op' && this.peek().text === '-') {
      this.next();
      negative = true;
    }
    const token = this.peek();
    if (token.kind !== 'duration' && !(token.kind === 'number' && token.text === '0')) {
      this.unexpected(token, 'duration', 'offset');
    }
    this.next();
    const ms = token.kind === 'number' ? 0 : this.duration(token);
    if (negative) {
      this.unsupportedAt({ start: keyword.start, end: token.end }, 'negative offsets', 'negative offsets');
    }
    const selector = expr.kind === 'range' ? expr.selector : expr.kind === 'selector' ? expr : undefined;
    if (selector === undefined) {
      this.fail(
        keyword.start,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    }
    if (selector.offsetMs !== 0) this.fail(keyword.start, 'offset may not be set multiple times');
    const withOffset: VectorSelector = { ...selector, offsetMs: ms, pos: selector.pos };
    if (expr.kind === 'range')
      return { ...expr, selector: withOffset, pos: { start: expr.pos.start, end: token.end } };
    return { ...withOffset, pos: { start: selector.pos.start, end: token.end } };
  }

  private parsePrimary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'number': {
        this.next();
        const value = numberValue(token.text);
        if (value === undefined)
          this.fail(token.start, `error parsing number: ${JSON.stringify(token.text)}`);
        return { kind: 'number', value, pos: { start: token.start, end: token.end } };
      }
      case 'string':
        this.next();
        return { kind: 'string', value: token.value!, pos: { start: token.start, end: token.end } };
      case '(': {
        this.next();
        const inner = this.parseExpr(0);
        const close = this.expect(')', '")"', 'parenthesised expression');
        return this.built({ kind: 'paren', expr: inner, pos: { start: token.start, end: close.end } });
      }
      case '{':
        return this.parseSelector(undefined, token);
      case 'identifier':
        return this.parseIdentifier(token);
      case 'duration':
        this.unexpected(token, 'an expression (durations only go in [...] or after offset)');
        break;
      default:
        this.unexpected(token, 'an expression');
    }
  }

  private parseIdentifier(token: Token): Expr {
    const lower = token.text.toLowerCase();
    if (lower === 'inf' || lower === 'nan') {
      this.next();
      const value = lower === 'inf' ? Number.POSITIVE_INFINITY : Number.NaN;
      return { kind: 'number', value, pos: { start: token.start, end: token.end } };
    }
    const after = this.peek(1);
    const isAggregation =
      ((AGGREGATION_OPS as readonly string[]).includes(lower) || UNSUPPORTED_AGGREGATIONS.has(lower)) &&
      (after.kind === '(' || this.isWord(after, 'by', 'without'));
    if (isAggregation) return this.parseAggregation(token, lower);
    if (after.kind === '(' && !token.text.includes(':')) return this.parseCall(token);
    if (NOT_METRIC_NAMES.has(lower)) this.unexpected(token, 'an expression');
    this.next();
    return this.parseSelector(token.text, token);
  }

  private parseAggregation(opToken: Token, op: string): Expr {
    this.next();
    let grouping: Grouping | undefined;
    if (this.isWord(this.peek(), 'by', 'without')) grouping = this.parseGrouping();
    this.expect('(', '"("', 'aggregation');
    const args = this.parseArguments('aggregation');
    const close = this.tokens[this.index - 1]!;
    if (this.isWord(this.peek(), 'by', 'without')) {
      if (grouping !== undefined) this.unexpected(this.peek(), 'an operator or the end of the expression');
      grouping = this.parseGrouping();
    }
    const end = this.tokens[this.index - 1]!.end;
    const pos = { start: opToken.start, end: Math.max(end, close.end) };
    if (UNSUPPORTED_AGGREGATIONS.has(op))
      this.unsupportedAt(pos, `${op} aggregations`, `the ${op} aggregation`);
    const aggregationOp = op as AggregationOp;
    const wanted = PARAMETER_AGGREGATIONS.has(aggregationOp) ? 2 : 1;
    if (args.length !== wanted) {
      this.fail(
        opToken.start,
        `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`,
      );
    }
    const expr = args[wanted - 1]!;
    this.expectType(expr, 'vector', 'aggregation expression');
    const result: Expr = { kind: 'aggregation', op: aggregationOp, expr, pos };
    if (wanted === 2) {
      this.expectType(args[0]!, 'scalar', 'aggregation parameter');
      result.param = args[0]!;
    }
    if (grouping !== undefined) result.grouping = grouping;
    return this.built(result);
  }

  private expectType(expr: Expr, want: ValueType, context: string): void {
    const type = typeOf(expr);
    if (type !== want) {
      this.fail(
        expr.pos.start,
        `expected type ${DOCUMENTED_TYPE[want]} in ${context}, got ${DOCUMENTED_TYPE[type]}`,
      );
    }
  }

  private parseGrouping(): Grouping {
    const keyword = this.next().text.toLowerCase();
    return { without: keyword === 'without', labels: this.parseLabelList(keyword) };
  }

  /** `( label, ... )` after by / without / on / ignoring / group_left; trailing comma and `()` allowed. */
  private parseLabelList(context: string): string[] {
    this.expect('(', '"("', `${context} (...)`);
    const labels: string[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === ')') {
        this.next();
        return labels;
      }
      let label: string;
      if (token.kind === 'string') {
        label = token.value!;
        if (label === '') this.fail(token.start, 'empty label name');
      } else if (token.kind === 'identifier' && LEGACY_LABEL.test(token.text)) {
        label = token.text;
      } else {
        this.unexpected(token, 'a label name', `${context} (...)`);
      }
      this.next();
      labels.push(label);
      const separator = this.peek();
      if (separator.kind === ',') this.next();
      else if (separator.kind !== ')') this.unexpected(separator, '"," or ")"', `${context} (...)`);
    }
  }

  /** `(expr, expr)`; the opening parenthesis is consumed. */
  private parseArguments(context: string): Expr[] {
    const args: Expr[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.parseExpr(0));
      const token = this.next();
      if (token.kind === ')') return args;
      if (token.kind !== ',') this.unexpected(token, '"," or ")"', context);
      if (this.peek().kind === ')') this.fail(token.start, `trailing commas not allowed in ${context} args`);
    }
  }

  private parseCall(name: Token): Expr {
    this.next();
    this.next();
    const args = this.parseArguments('function call');
    const end = this.tokens[this.index - 1]!.end;
    const pos = { start: name.start, end };
    const func = name.text;
    if (!isSupportedFunction(func)) {
      if (UNSUPPORTED_FUNCTIONS.has(func))
        this.unsupportedAt(pos, `calls to ${func}()`, `the function ${func}()`);
      this.fail(name.start, `unknown function with name ${JSON.stringify(func)}`);
    }
    const signature = FUNCTIONS[func];
    const required = signature.args.length - ('optional' in signature ? signature.optional : 0);
    if (args.length < required || args.length > signature.args.length) {
      const expected =
        required === signature.args.length ? `${required}` : `${required} to ${signature.args.length}`;
      this.fail(
        name.start,
        `expected ${expected} argument(s) in call to ${JSON.stringify(func)}, got ${args.length}`,
      );
    }
    args.forEach((arg, i) => {
      this.expectType(arg, signature.args[i]!, `call to function ${JSON.stringify(func)}`);
    });
    if (func === 'label_replace') this.checkLabelReplace(args);
    return this.built({ kind: 'call', func, args, pos });
  }

  private checkLabelReplace(args: readonly Expr[]): void {
    for (const arg of args.slice(1)) {
      if (arg.kind !== 'string')
        this.fail(arg.pos.start, 'label_replace() takes string literals after the vector');
    }
    const [, dst, , , regex] = args as [
      Expr,
      { value: string; pos: Position },
      Expr,
      Expr,
      { value: string; pos: Position },
    ];
    if (dst.value === '') this.fail(dst.pos.start, 'invalid destination label name in label_replace(): ""');
    try {
      compileMatcherRegex(regex.value);
    } catch (error) {
      this.fail(
        regex.pos.start,
        `invalid regular expression in label_replace(): ${JSON.stringify(regex.value)}: ${(error as Error).message}`,
      );
    }
  }

  // --- selectors --------------------------------------------------------------------------------------------

  private parseSelector(name: string | undefined, startToken: Token): VectorSelector {
    let metricName = name;
    const matchers: Matcher[] = [];
    let end = startToken.end;
    if (this.peek().kind === '{') {
      this.next();
      for (;;) {
        const token = this.peek();
        if (token.kind === '}') {
          end = this.next().end;
          break;
        }
        if (token.kind === 'string' && (this.peek(1).kind === ',' || this.peek(1).kind === '}')) {
          // Prometheus 3 UTF-8 syntax: {"my.metric", label="x"}.
          this.next();
          if (metricName !== undefined || matchers.some((m) => m.label === METRIC_NAME)) {
            this.fail(token.start, 'metric name must not be set twice');
          }
          if (token.value === '') this.fail(token.start, 'empty metric name');
          metricName = token.value!;
        } else {
          matchers.push(this.parseMatcher());
        }
        const separator = this.peek();
        if (separator.kind === ',') this.next();
        else if (separator.kind !== '}') this.unexpected(separator, '"," or "}"', 'label matching');
      }
    }
    const pos = { start: startToken.start, end };
    if (metricName !== undefined) {
      if (matchers.some((m) => m.label === METRIC_NAME))
        this.fail(pos.start, 'metric name must not be set twice');
      matchers.push({ label: METRIC_NAME, op: '=', value: metricName });
    } else if (!matchers.some((m) => !matchesValue(m, ''))) {
      this.fail(pos.start, 'vector selector must contain at least one non-empty matcher');
    }
    const selector: VectorSelector = { kind: 'selector', matchers, offsetMs: 0, pos };
    if (metricName !== undefined) selector.name = metricName;
    return selector;
  }

  private parseMatcher(): Matcher {
    const token = this.next();
    let label: string;
    if (token.kind === 'identifier') label = token.text;
    else if (token.kind === 'string') label = token.value!;
    else this.unexpected(token, 'a label name or "}"', 'label matching');
    if (label === '') this.fail(token.start, 'empty label name');
    const opToken = this.next();
    if (opToken.kind !== 'op' || !(MATCH_OPS as readonly string[]).includes(opToken.text)) {
      this.unexpected(opToken, 'a label matching operator (=, !=, =~ or !~)', 'label matching');
    }
    const valueToken = this.next();
    if (valueToken.kind !== 'string') this.unexpected(valueToken, 'a string', 'label matching');
    const matcher: Matcher = { label, op: opToken.text as MatchOp, value: valueToken.value! };
    if (matcher.op === '=~' || matcher.op === '!~') {
      try {
        matcherRegex(matcher);
      } catch (error) {
        this.fail(
          valueToken.start,
          `invalid regular expression ${JSON.stringify(matcher.value)}: ${(error as Error).message}`,
        );
      }
    }
    return matcher;
  }

  // --- limits -----------------------------------------------------------------------------------------------

  private checkHistory(expr: Expr): void {
    const visit = (node: Expr, rangeMs: number): void => {
      switch (node.kind) {
        case 'selector':
          if (rangeMs + node.offsetMs > MAX_HISTORY_MS) {
            const reach = formatDuration(rangeMs + node.offsetMs);
            throw new PromqlError(
              node.pos.start,
              `range plus offset reaches back ${reach}, over vigil's limit of ${formatDuration(MAX_HISTORY_MS)} (MAX_HISTORY_MS): the probe keeps at most that much history per series`,
              `windows over ${formatDuration(MAX_HISTORY_MS)}`,
            );
          }
          return;
        case 'range':
          visit(node.selector, node.rangeMs);
          return;
        case 'call':
          for (const arg of node.args) visit(arg, 0);
          return;
        case 'aggregation':
          if (node.param) visit(node.param, 0);
          visit(node.expr, 0);
          return;
        case 'binary':
          visit(node.lhs, 0);
          visit(node.rhs, 0);
          return;
        case 'unary':
        case 'paren':
          visit(node.expr, 0);
          return;
        case 'number':
        case 'string':
          return;
      }
    };
    visit(expr, 0);
  }
}
