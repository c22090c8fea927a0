/**
 * The subset of CloudWatch metric math vigil's alarms use, parsed, rendered and evaluated with the semantics the
 * CloudWatch user guide documents ("Using metric math"), so `vigil dev` and the template simulation evaluate the
 * very expression string CloudFormation deploys:
 * - numbers, metric ids, `[a, b]` arrays, `+ - * /`, unary minus, parentheses, `SUM`/`MAX`/`MIN` of an array
 *   (one time series: per timestamp over the series that have a value there; SUM treats missing as 0), and
 *   `METRICS()` / `METRICS("text")` (the request's metrics, not its expressions, whose id contains the text);
 * - a scalar with a time series applies to each datapoint the series has; two time series combine on every
 *   timestamp either has, a missing value counting as 0; a division by zero drops the datapoint.
 * Anything else is refused with its position (a typo must not become an alarm that never fires).
 */

/** One time series: value per period start (epoch ms). */
export type Series = ReadonlyMap<number, number>;
type Value =
  | { kind: 'scalar'; value: number }
  | { kind: 'series'; value: Series }
  | { kind: 'array'; value: Series[] };

export type MathExpr =
  | { kind: 'number'; value: number }
  | { kind: 'id'; id: string }
  | { kind: 'array'; items: MathExpr[] }
  | { kind: 'metrics'; filter?: string }
  | { kind: 'call'; fn: (typeof ARRAY_FUNCTIONS)[number]; arg: MathExpr }
  | { kind: 'negate'; operand: MathExpr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: MathExpr; right: MathExpr };

const ARRAY_FUNCTIONS = ['SUM', 'MAX', 'MIN'] as const;

export class MathSyntaxError extends Error {
  override readonly name = 'MathSyntaxError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at position ${position})`);
  }
}

const TOKEN_RE = /\s*(?:(\d+(?:\.\d+)?)|([a-z][A-Za-z0-9_]*)|([A-Z_]+)|("(?:[^"\\]|\\.)*")|(.))/y;

type Token = { kind: 'number' | 'id' | 'name' | 'string' | 'punct'; text: string; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  while (TOKEN_RE.lastIndex < source.length) {
    const match = TOKEN_RE.exec(source);
    if (!match) break;
    // Where the token itself starts, past the whitespace the pattern skipped.
    const at = TOKEN_RE.lastIndex - match[0].trimStart().length;
    const [, number, id, name, string, punct] = match;
    if (number !== undefined) tokens.push({ kind: 'number', text: number, at });
    else if (id !== undefined) tokens.push({ kind: 'id', text: id, at });
    else if (name !== undefined) tokens.push({ kind: 'name', text: name, at });
    else if (string !== undefined) tokens.push({ kind: 'string', text: JSON.parse(string) as string, at });
    else if (punct !== undefined && punct.trim() !== '') tokens.push({ kind: 'punct', text: punct, at });
  }
  return tokens;
}

export function parseMath(source: string): MathExpr {
  const tokens = tokenize(source);
  let index = 0;
  const peek = () => tokens[index];
  const expect = (text: string) => {
    const token = tokens[index];
    if (token?.text !== text) throw new MathSyntaxError(`expected "${text}"`, token?.at ?? source.length);
    index++;
  };
  const primary = (): MathExpr => {
    const token = tokens[index++];
    if (!token) throw new MathSyntaxError('unexpected end of expression', source.length);
    if (token.kind === 'number') return { kind: 'number', value: Number(token.text) };
    if (token.kind === 'id') return { kind: 'id', id: token.text };
    if (token.text === '(') {
      const inner = sum();
      expect(')');
      return inner;
    }
    if (token.text === '[') {
      const items = [sum()];
      while (peek()?.text === ',') {
        index++;
        items.push(sum());
      }
      expect(']');
      return { kind: 'array', items };
    }
    if (token.kind === 'name' && token.text === 'METRICS') {
      expect('(');
      const filter = peek()?.kind === 'string' ? tokens[index++]?.text : undefined;
      expect(')');
      return filter === undefined ? { kind: 'metrics' } : { kind: 'metrics', filter };
    }
    if (token.kind === 'name' && (ARRAY_FUNCTIONS as readonly string[]).includes(token.text)) {
      expect('(');
      const arg = sum();
      expect(')');
      return { kind: 'call', fn: token.text as (typeof ARRAY_FUNCTIONS)[number], arg };
    }
    throw new MathSyntaxError(
      `"${token.text}" is not supported (vigil evaluates ${ARRAY_FUNCTIONS.join(', ')}, METRICS, + - * /)`,
      token.at,
    );
  };
  const unary = (): MathExpr => {
    if (peek()?.text === '-') {
      index++;
      return { kind: 'negate', operand: unary() };
    }
    return primary();
  };
  const product = (): MathExpr => {
    let left = unary();
    while (peek()?.text === '*' || peek()?.text === '/') {
      const op = tokens[index++]?.text as '*' | '/';
      left = { kind: 'binary', op, left, right: unary() };
    }
    return left;
  };
  const sum = (): MathExpr => {
    let left = product();
    while (peek()?.text === '+' || peek()?.text === '-') {
      const op = tokens[index++]?.text as '+' | '-';
      left = { kind: 'binary', op, left, right: product() };
    }
    return left;
  };
  const expression = sum();
  const rest = peek();
  if (rest) throw new MathSyntaxError(`unexpected "${rest.text}"`, rest.at);
  return expression;
}

/** The expression as CloudWatch reads it. */
export function renderMath(expr: MathExpr): string {
  switch (expr.kind) {
    case 'number':
      return String(expr.value);
    case 'id':
      return expr.id;
    case 'array':
      return `[${expr.items.map(renderMath).join(', ')}]`;
    case 'metrics':
      return expr.filter === undefined ? 'METRICS()' : `METRICS(${JSON.stringify(expr.filter)})`;
    case 'call':
      return `${expr.fn}(${renderMath(expr.arg)})`;
    case 'negate':
      return `-${wrap(expr.operand)}`;
    case 'binary':
      return `${wrap(expr.left)} ${expr.op} ${wrap(expr.right)}`;
  }
}

function wrap(expr: MathExpr): string {
  return expr.kind === 'binary' ? `(${renderMath(expr)})` : renderMath(expr);
}

const OPERATIONS: Record<'+' | '-' | '*' | '/', (a: number, b: number) => number | undefined> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? undefined : a / b),
};

function mapSeries(series: Series, fn: (value: number) => number | undefined): Series {
  const out = new Map<number, number>();
  for (const [at, value] of series) {
    const result = fn(value);
    if (result !== undefined && Number.isFinite(result)) out.set(at, result);
  }
  return out;
}

function combine(a: Series, b: Series, op: (x: number, y: number) => number | undefined): Series {
  const out = new Map<number, number>();
  for (const at of new Set([...a.keys(), ...b.keys()])) {
    const result = op(a.get(at) ?? 0, b.get(at) ?? 0);
    if (result !== undefined && Number.isFinite(result)) out.set(at, result);
  }
  return out;
}

function binary(op: (x: number, y: number) => number | undefined, left: Value, right: Value): Value {
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    const value = op(left.value, right.value);
    if (value === undefined) throw new RangeError('division by zero in a scalar expression');
    return { kind: 'scalar', value };
  }
  if (left.kind === 'array')
    return {
      kind: 'array',
      value: left.value.map((series) => asSeries(binary(op, { kind: 'series', value: series }, right))),
    };
  if (right.kind === 'array')
    return {
      kind: 'array',
      value: right.value.map((series) => asSeries(binary(op, left, { kind: 'series', value: series }))),
    };
  if (left.kind === 'scalar')
    return { kind: 'series', value: mapSeries(right.value as Series, (v) => op(left.value, v)) };
  if (right.kind === 'scalar')
    return { kind: 'series', value: mapSeries(left.value, (v) => op(v, right.value)) };
  return { kind: 'series', value: combine(left.value, right.value as Series, op) };
}

function asSeries(value: Value): Series {
  if (value.kind !== 'series') throw new TypeError('expected a time series');
  return value.value;
}

function reduceArray(fn: (typeof ARRAY_FUNCTIONS)[number], arrays: readonly Series[]): Series {
  const out = new Map<number, number>();
  for (const at of new Set(arrays.flatMap((series) => [...series.keys()]))) {
    const present = arrays
      .map((series) => series.get(at))
      .filter((value): value is number => value !== undefined);
    out.set(
      at,
      fn === 'SUM'
        ? present.reduce((a, b) => a + b, 0)
        : fn === 'MAX'
          ? Math.max(...present)
          : Math.min(...present),
    );
  }
  return out;
}

/** Evaluates `source` over the metrics' series (by id); the result must be one time series, as in an alarm. */
export function evaluateMath(source: string, metrics: Readonly<Record<string, Series>>): Series {
  const evaluate = (expr: MathExpr): Value => {
    switch (expr.kind) {
      case 'number':
        return { kind: 'scalar', value: expr.value };
      case 'id': {
        const series = metrics[expr.id];
        if (!series) throw new ReferenceError(`no metric with id ${expr.id}`);
        return { kind: 'series', value: series };
      }
      case 'array':
        return { kind: 'array', value: expr.items.map((item) => asSeries(evaluate(item))) };
      case 'metrics':
        return {
          kind: 'array',
          value: Object.entries(metrics)
            .filter(([id]) => expr.filter === undefined || id.includes(expr.filter))
            .map(([, series]) => series),
        };
      case 'call': {
        const arg = evaluate(expr.arg);
        if (arg.kind === 'array') return { kind: 'series', value: reduceArray(expr.fn, arg.value) };
        // Of one series these return a scalar over the whole range, which AWS advises against in alarms.
        throw new TypeError(
          `${expr.fn} of a single time series is a scalar over the fetched range; vigil's alarms use it on arrays only`,
        );
      }
      case 'negate':
        return binary((a, b) => a * b, { kind: 'scalar', value: -1 }, evaluate(expr.operand));
      case 'binary':
        return binary(OPERATIONS[expr.op], evaluate(expr.left), evaluate(expr.right));
    }
  };
  return asSeries(evaluate(parseMath(source)));
}
