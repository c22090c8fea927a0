/**
 * The `expect.conditions` language: `<operand> <op> <literal>`, or a bare operand that must be truthy.
 *
 * Operands: a JSONPath (`$.status`), `len($.items)`, `status`, `body`, `duration` (ms), `header.<name>`.
 * Operators: == != < <= > >= =~ (regex) !~.
 * Literals: numbers, "strings", 'strings', true, false, null, durations (800ms) for `duration`.
 *
 * Unlike Gatus, numbers compare as numbers (0.85 stays 0.85) and a failure shows what was seen:
 * `$.goroutines (5234) < 5000`.
 */
import { parseDuration } from '../config/units';
import { jsonPathError, selectAll } from './jsonpath';

export const CONDITION_OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '<', '>'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export type Operand =
  | { kind: 'jsonpath'; path: string }
  | { kind: 'len'; path: string }
  | { kind: 'status' }
  | { kind: 'body' }
  | { kind: 'duration' }
  | { kind: 'header'; name: string };

export type Literal = string | number | boolean | null | RegExp;

export interface Condition {
  source: string;
  operand: Operand;
  /** Absent for a bare operand, which must be truthy. */
  op?: ConditionOperator;
  literal?: Literal;
}

/** What a condition is evaluated against: one HTTP response. */
export interface ConditionContext {
  status: number;
  body: string;
  /** The parsed body, when the target is a JSON one. */
  json?: unknown;
  headers: Record<string, string | string[] | undefined>;
  durationMs: number;
}

export type ConditionOutcome = { ok: true } | { ok: false; message: string };

export class ConditionSyntaxError extends Error {
  override name = 'ConditionSyntaxError';
}

/** Finds the first operator outside brackets, parentheses and quotes (JSONPath filters may contain operators). */
function splitAtOperator(source: string): { left: string; op?: ConditionOperator; right?: string } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (depth === 0) {
      const op = CONDITION_OPERATORS.find((candidate) => source.startsWith(candidate, i));
      if (op) {
        return { left: source.slice(0, i).trim(), op, right: source.slice(i + op.length).trim() };
      }
    }
  }
  return { left: source.trim() };
}

function parseOperand(text: string): Operand {
  if (text.startsWith('$')) {
    const error = jsonPathError(text);
    if (error) throw new ConditionSyntaxError(error);
    return { kind: 'jsonpath', path: text };
  }
  const len = /^len\((.*)\)$/.exec(text);
  if (len) {
    const path = len[1]!.trim();
    const error = jsonPathError(path);
    if (error) throw new ConditionSyntaxError(error);
    return { kind: 'len', path };
  }
  if (text === 'status' || text === 'body' || text === 'duration') return { kind: text };
  const header = /^header\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)$/.exec(text);
  if (header) return { kind: 'header', name: header[1]!.toLowerCase() };
  throw new ConditionSyntaxError(
    `unknown operand "${text}": use a JSONPath ($.field), len($.list), status, body, duration or header.<name>`,
  );
}

function unquote(text: string): string {
  const quote = text[0]!;
  const inner = text.slice(1, -1);
  if (quote === '"') {
    try {
      return JSON.parse(text) as string;
    } catch {
      throw new ConditionSyntaxError(`bad string literal ${text}`);
    }
  }
  return inner.replace(/\\(.)/g, '$1');
}

function parseLiteral(text: string, operand: Operand, op: ConditionOperator): Literal {
  if (text === '') throw new ConditionSyntaxError(`missing value after "${op}"`);
  const quoted = /^(["']).*\1$/s.test(text) && text.length >= 2;
  if (op === '=~' || op === '!~') {
    const pattern = quoted ? unquote(text) : text;
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new ConditionSyntaxError(`bad regular expression ${text}: ${(error as Error).message}`);
    }
  }
  if (quoted) return unquote(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (operand.kind === 'duration') {
    const ms = parseDuration(text);
    if (ms !== undefined) return ms;
  }
  const number = Number(text);
  if (text.trim() !== '' && Number.isFinite(number)) return number;
  throw new ConditionSyntaxError(`"${text}" is not a number, quoted string, true, false or null`);
}

/** Parses one condition; throws ConditionSyntaxError with a message that says how to fix it. */
export function parseCondition(source: string): Condition {
  const { left, op, right } = splitAtOperator(source);
  if (left === '') throw new ConditionSyntaxError('missing operand before the operator');
  const operand = parseOperand(left);
  if (!op) return { source, operand };
  const literal = parseLiteral(right ?? '', operand, op);
  const ordering = op === '<' || op === '<=' || op === '>' || op === '>=';
  if (ordering && typeof literal !== 'number') {
    throw new ConditionSyntaxError(`"${op}" needs a number on its right, got ${right}`);
  }
  return { source, operand, op, literal };
}

type Seen = { found: true; value: unknown } | { found: false };

function resolve(operand: Operand, ctx: ConditionContext): Seen {
  switch (operand.kind) {
    case 'status':
      return { found: true, value: ctx.status };
    case 'body':
      return { found: true, value: ctx.body };
    case 'duration':
      return { found: true, value: ctx.durationMs };
    case 'header': {
      const value = ctx.headers[operand.name];
      if (value === undefined) return { found: false };
      return { found: true, value: Array.isArray(value) ? value.join(', ') : value };
    }
    case 'jsonpath':
    case 'len': {
      if (ctx.json === undefined) return { found: false };
      const values = selectAll(ctx.json, operand.path);
      if (values.length === 0) return { found: false };
      const value = values[0];
      if (operand.kind === 'jsonpath') return { found: true, value };
      if (Array.isArray(value)) return { found: true, value: value.length };
      if (typeof value === 'string') return { found: true, value: [...value].length };
      if (value !== null && typeof value === 'object')
        return { found: true, value: Object.keys(value).length };
      return { found: false };
    }
  }
}

function operandLabel(operand: Operand): string {
  switch (operand.kind) {
    case 'jsonpath':
      return operand.path;
    case 'len':
      return `len(${operand.path})`;
    case 'header':
      return `header.${operand.name}`;
    default:
      return operand.kind;
  }
}

const MAX_SHOWN_CHARS = 80;

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    if (Number.isFinite(number)) return number;
  }
  return undefined;
}

function equal(seen: unknown, literal: Literal): boolean {
  if (typeof literal === 'number') return asNumber(seen) === literal;
  if (literal === null) return seen === null;
  if (typeof literal === 'boolean') return seen === literal;
  if (typeof literal === 'string')
    return typeof seen === 'string' ? seen === literal : String(seen) === literal;
  return false;
}

function truthy(value: unknown): boolean {
  return value !== false && value !== null && value !== 0 && value !== '' && value !== undefined;
}

/** Evaluates a parsed condition; a failure message shows the value seen, e.g. `$.goroutines (5234) < 5000`. */
export function evaluateCondition(condition: Condition, ctx: ConditionContext): ConditionOutcome {
  const seen = resolve(condition.operand, ctx);
  const label = operandLabel(condition.operand);
  const { op, literal } = condition;
  const literalText = literal instanceof RegExp ? `/${literal.source}/` : show(literal);
  const fail = (shown: string): ConditionOutcome => ({
    ok: false,
    message: op ? `${label} (${shown}) ${op} ${literalText}` : `${label} (${shown}) is not truthy`,
  });
  if (!seen.found) return fail('missing');
  const { value } = seen;
  if (!op || literal === undefined) return truthy(value) ? { ok: true } : fail(show(value));
  let holds: boolean;
  switch (op) {
    case '==':
      holds = equal(value, literal);
      break;
    case '!=':
      holds = !equal(value, literal);
      break;
    case '=~':
    case '!~': {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const matched = (literal as RegExp).test(text ?? '');
      holds = op === '=~' ? matched : !matched;
      break;
    }
    default: {
      const number = asNumber(value);
      if (number === undefined) return fail(`${show(value)}, not a number`);
      const threshold = literal as number;
      holds =
        op === '<'
          ? number < threshold
          : op === '<='
            ? number <= threshold
            : op === '>'
              ? number > threshold
              : number >= threshold;
    }
  }
  return holds ? { ok: true } : fail(show(value));
}
