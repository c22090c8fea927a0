/** Static questions callers ask about a parsed expression: what it reads, how far back, what shape it returns. */
import { type ComparisonOp, type Expr, isComparison, type Matcher, type VectorSelector } from './ast';
import { DEFAULT_LOOKBACK_MS } from './evaluate';
import { absentLabels } from './functions';
import { METRIC_NAME } from './labels';
import { typeOf } from './parser';

export interface SelectorUse {
  matchers: readonly Matcher[];
  /** The one metric name the selector can match, when it has one. */
  metricName?: string;
  /** 0 for an instant selector. */
  rangeMs: number;
  offsetMs: number;
}

function walk(expr: Expr, visit: (selector: VectorSelector, rangeMs: number) => void): void {
  switch (expr.kind) {
    case 'selector':
      visit(expr, 0);
      return;
    case 'range':
      visit(expr.selector, expr.rangeMs);
      return;
    case 'call':
      for (const arg of expr.args) walk(arg, visit);
      return;
    case 'aggregation':
      if (expr.param) walk(expr.param, visit);
      walk(expr.expr, visit);
      return;
    case 'binary':
      walk(expr.lhs, visit);
      walk(expr.rhs, visit);
      return;
    case 'unary':
    case 'paren':
      walk(expr.expr, visit);
      return;
    case 'number':
    case 'string':
      return;
  }
}

/** Every selector in the expression, with the window it reads: what a sample store must keep. */
export function selectorsOf(expr: Expr): SelectorUse[] {
  const out: SelectorUse[] = [];
  walk(expr, (selector, rangeMs) => {
    const use: SelectorUse = { matchers: selector.matchers, rangeMs, offsetMs: selector.offsetMs };
    const names = selectorNames(selector);
    if (names?.size === 1) use.metricName = [...names][0]!;
    out.push(use);
  });
  return out;
}

/** How far back from the evaluation time samples must be kept: the longest range (or lookback) plus offset. */
export function historyNeededMs(expr: Expr, lookbackMs = DEFAULT_LOOKBACK_MS): number {
  let needed = 0;
  for (const use of selectorsOf(expr)) {
    needed = Math.max(needed, use.offsetMs + (use.rangeMs > 0 ? use.rangeMs : lookbackMs));
  }
  return needed;
}

const METRIC_NAME_SYNTAX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Splits `a|b|c` when every branch is a plain metric name, so the regex matches exactly those names. */
function literalAlternatives(pattern: string): string[] | undefined {
  const names = pattern.split('|');
  return names.every((name) => METRIC_NAME_SYNTAX.test(name)) ? names : undefined;
}

function selectorNames(selector: VectorSelector): Set<string> | undefined {
  let names: Set<string> | undefined;
  for (const matcher of selector.matchers) {
    if (matcher.label !== METRIC_NAME) continue;
    let allowed: string[] | undefined;
    if (matcher.op === '=') allowed = [matcher.value];
    else if (matcher.op === '=~') allowed = literalAlternatives(matcher.value);
    if (allowed === undefined) continue;
    const previous = names;
    names = new Set(previous === undefined ? allowed : allowed.filter((name) => previous.has(name)));
  }
  return names;
}

/**
 * Metric names the expression can read, for the exposition parser's selective mode; undefined when a selector's
 * names are open (`{__name__=~"node_.*"}`, or only label matchers).
 */
export function metricNamesOf(expr: Expr): ReadonlySet<string> | undefined {
  const all = new Set<string>();
  let open = false;
  walk(expr, (selector) => {
    const names = selectorNames(selector);
    if (names === undefined) open = true;
    else for (const name of names) all.add(name);
  });
  return open ? undefined : all;
}

/** Upper bound on the label names (besides `__name__`) of the result; 'any' when unbounded. */
function labelBound(expr: Expr): ReadonlySet<string> | 'any' {
  switch (expr.kind) {
    case 'number':
    case 'string':
      return new Set();
    case 'selector':
    case 'range':
      return 'any';
    case 'paren':
    case 'unary':
      return labelBound(expr.expr);
    case 'aggregation': {
      if (expr.op === 'topk' || expr.op === 'bottomk') return labelBound(expr.expr);
      if (expr.grouping === undefined) return new Set();
      const inner = labelBound(expr.expr);
      if (expr.grouping.without) {
        if (inner === 'any') return 'any';
        return new Set([...inner].filter((name) => !expr.grouping!.labels.includes(name)));
      }
      const by = expr.grouping.labels.filter((name) => name !== METRIC_NAME);
      return new Set(inner === 'any' ? by : by.filter((name) => inner.has(name)));
    }
    case 'binary': {
      const lt = typeOf(expr.lhs);
      const rt = typeOf(expr.rhs);
      if (lt === 'scalar' && rt === 'scalar') return new Set();
      if (rt === 'scalar') return labelBound(expr.lhs);
      if (lt === 'scalar') return labelBound(expr.rhs);
      const lhs = labelBound(expr.lhs);
      if (expr.op === 'or') {
        const rhs = labelBound(expr.rhs);
        return lhs === 'any' || rhs === 'any' ? 'any' : new Set([...lhs, ...rhs]);
      }
      if (expr.op === 'and' || expr.op === 'unless' || expr.matching === undefined) return lhs;
      const { on, labels } = expr.matching;
      if (on) return new Set(lhs === 'any' ? labels : labels.filter((name) => lhs.has(name)));
      return lhs === 'any' ? 'any' : new Set([...lhs].filter((name) => !labels.includes(name)));
    }
    case 'call': {
      switch (expr.func) {
        case 'vector':
        case 'time':
        case 'scalar':
          return new Set();
        case 'absent':
        case 'absent_over_time':
          return new Set(absentLabels(expr.args[0]!).map(([name]) => name));
        case 'histogram_quantile': {
          const inner = labelBound(expr.args[1]!);
          return inner === 'any' ? 'any' : new Set([...inner].filter((name) => name !== 'le'));
        }
        case 'label_replace': {
          const inner = labelBound(expr.args[0]!);
          const dst = expr.args[1];
          return inner === 'any' || dst?.kind !== 'string' ? 'any' : new Set([...inner, dst.value]);
        }
        default: {
          const vectorArg = expr.args.find((arg) => typeOf(arg) === 'vector' || typeOf(arg) === 'matrix');
          return vectorArg === undefined ? new Set() : labelBound(vectorArg);
        }
      }
    }
  }
}

/**
 * The label names (besides `__name__`) the result's series can carry, or 'any' when a selector's labels pass
 * through unbounded: what an alert's `$labels` can know about a series it did not see.
 */
export function resultLabelNames(expr: Expr): ReadonlySet<string> | 'any' {
  if (typeOf(expr) === 'scalar') return new Set();
  const bound = labelBound(expr);
  return bound === 'any' ? 'any' : new Set([...bound].filter((name) => name !== METRIC_NAME));
}

/**
 * False when the result is provably a scalar or at most one series without labels (`sum(x)`,
 * `histogram_quantile(0.9, sum by (le) (...))`, `vector(1)`); true when it may carry labels.
 */
export function resultHasLabels(expr: Expr): boolean {
  if (typeOf(expr) === 'scalar') return false;
  const bound = labelBound(expr);
  return bound === 'any' || [...bound].some((name) => name !== METRIC_NAME);
}

const FLIPPED: Record<ComparisonOp, ComparisonOp> = {
  '>': '<',
  '<': '>',
  '>=': '<=',
  '<=': '>=',
  '==': '==',
  '!=': '!=',
};

function literalNumber(expr: Expr): number | undefined {
  if (expr.kind === 'number') return expr.value;
  if (expr.kind === 'paren') return literalNumber(expr.expr);
  return undefined;
}

function unwrap(expr: Expr): Expr {
  return expr.kind === 'paren' ? unwrap(expr.expr) : expr;
}

export type ThresholdOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

/**
 * A top-level filtering comparison of a vector with a number (`X > 1000`, or `1000 < X` flipped to `X > 1000`),
 * as alert rules write their threshold; undefined for anything else (`bool`, two vectors, no literal).
 */
export function splitComparison(
  expr: Expr,
): { operand: Expr; op: ThresholdOp; threshold: number } | undefined {
  const top = unwrap(expr);
  if (top.kind !== 'binary' || !isComparison(top.op) || top.returnBool) return undefined;
  const right = literalNumber(top.rhs);
  if (right !== undefined && typeOf(top.lhs) === 'vector')
    return { operand: top.lhs, op: top.op, threshold: right };
  const left = literalNumber(top.lhs);
  if (left !== undefined && typeOf(top.rhs) === 'vector') {
    return { operand: top.rhs, op: FLIPPED[top.op], threshold: left };
  }
  return undefined;
}
