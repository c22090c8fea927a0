/** Canonical PromQL text for an AST, in Prometheus' printer style; parsePromql(formatPromql(e)) gives e back. */
import { BINARY_PRECEDENCE, type BinaryOp, type Expr, type Matcher, type VectorSelector } from './ast';
import { METRIC_NAME } from './labels';
import { formatDuration } from './numbers';

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PRECEDENCE = BINARY_PRECEDENCE;
/** Words a bare metric name must not be, or it would read back as a keyword or number. */
const RESERVED = new Set(['bool', 'on', 'ignoring', 'group_left', 'group_right', 'atan2', 'inf', 'nan']);

function quote(text: string): string {
  return JSON.stringify(text);
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

function formatLabelName(name: string): string {
  return LEGACY_LABEL.test(name) ? name : quote(name);
}

function formatMatcher(matcher: Matcher): string {
  return `${formatLabelName(matcher.label)}${matcher.op}${quote(matcher.value)}`;
}

function formatSelector(selector: VectorSelector): string {
  const { name } = selector;
  const bare = name !== undefined && LEGACY_METRIC.test(name) && !RESERVED.has(name.toLowerCase());
  const matchers = selector.matchers.filter(
    (m) => !(name !== undefined && m.label === METRIC_NAME && m.op === '=' && m.value === name),
  );
  const parts = matchers.map(formatMatcher);
  if (name !== undefined && !bare) parts.unshift(quote(name));
  const braces = parts.length > 0 || !bare ? `{${parts.join(', ')}}` : '';
  return `${bare ? name : ''}${braces}`;
}

function formatOffset(ms: number): string {
  return ms === 0 ? '' : ` offset ${formatDuration(ms)}`;
}

function labelList(labels: readonly string[]): string {
  return `(${labels.map(formatLabelName).join(', ')})`;
}

/** Whether `child` needs parentheses as the `side` operand of a binary `op`. */
function needsParens(child: Expr, op: BinaryOp, side: 'lhs' | 'rhs'): boolean {
  if (
    child.kind === 'number' &&
    op === '^' &&
    side === 'lhs' &&
    (child.value < 0 || Object.is(child.value, -0))
  )
    return true;
  // Unary minus binds like *, so only a ^ on its right would capture its operand.
  if (child.kind === 'unary') return op === '^' && side === 'lhs';
  if (child.kind !== 'binary') return false;
  const parent = PRECEDENCE[op];
  const own = PRECEDENCE[child.op];
  if (own !== parent) return own < parent;
  // Left-associative except ^, which is right-associative.
  return op === '^' ? side === 'lhs' : side === 'rhs';
}

function operand(child: Expr, op: BinaryOp, side: 'lhs' | 'rhs'): string {
  const text = formatPromql(child);
  return needsParens(child, op, side) ? `(${text})` : text;
}

export function formatPromql(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return formatNumber(expr.value);
    case 'string':
      return quote(expr.value);
    case 'selector':
      return `${formatSelector(expr)}${formatOffset(expr.offsetMs)}`;
    case 'range':
      return `${formatSelector(expr.selector)}[${formatDuration(expr.rangeMs)}]${formatOffset(expr.selector.offsetMs)}`;
    case 'paren':
      return `(${formatPromql(expr.expr)})`;
    case 'unary': {
      const inner = formatPromql(expr.expr);
      if (expr.expr.kind === 'binary' && PRECEDENCE[expr.expr.op] < PRECEDENCE['^'])
        return `${expr.op}(${inner})`;
      // A space keeps "- -x" from reading as one token pair the parser would fold differently.
      return expr.expr.kind === 'unary' || expr.expr.kind === 'number'
        ? `${expr.op} ${inner}`
        : `${expr.op}${inner}`;
    }
    case 'call':
      return `${expr.func}(${expr.args.map(formatPromql).join(', ')})`;
    case 'aggregation': {
      const grouping =
        expr.grouping === undefined
          ? ''
          : ` ${expr.grouping.without ? 'without' : 'by'} ${labelList(expr.grouping.labels)} `;
      const args = expr.param === undefined ? [expr.expr] : [expr.param, expr.expr];
      return `${expr.op}${grouping}(${args.map(formatPromql).join(', ')})`;
    }
    case 'binary': {
      let modifiers = '';
      if (expr.returnBool) modifiers += ' bool';
      if (expr.matching !== undefined) {
        modifiers += ` ${expr.matching.on ? 'on' : 'ignoring'} ${labelList(expr.matching.labels)}`;
      }
      return `${operand(expr.lhs, expr.op, 'lhs')} ${expr.op}${modifiers} ${operand(expr.rhs, expr.op, 'rhs')}`;
    }
  }
}
