/** The PromQL syntax tree vigil parses into and evaluates (shapes after Prometheus' promql/parser/ast.go). */

/** Source range of a node: 0-based UTF-16 offsets, end exclusive. */
export interface Position {
  start: number;
  end: number;
}

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export const AGGREGATION_OPS = [
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
] as const;
export type AggregationOp = (typeof AGGREGATION_OPS)[number];
/** Aggregations that take a scalar first argument. */
export const PARAMETER_AGGREGATIONS: ReadonlySet<AggregationOp> = new Set(['topk', 'bottomk', 'quantile']);

export const COMPARISON_OPS = ['==', '!=', '>', '<', '>=', '<='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
export const ARITHMETIC_OPS = ['+', '-', '*', '/', '%', '^'] as const;
export type ArithmeticOp = (typeof ARITHMETIC_OPS)[number];
export const SET_OPS = ['and', 'or', 'unless'] as const;
export type SetOp = (typeof SET_OPS)[number];
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/** Binding strength of binary operators (generated_parser.y %left/%right lines; atan2 binds like `*`). */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp | 'atan2', number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface NumberLiteral {
  kind: 'number';
  value: number;
  pos: Position;
}

export interface StringLiteral {
  kind: 'string';
  value: string;
  pos: Position;
}

export interface VectorSelector {
  kind: 'selector';
  /** The metric name as written before the braces (it is also one of the matchers). */
  name?: string;
  /** Every matcher, a `__name__="name"` one included when the name was written bare. */
  matchers: readonly Matcher[];
  offsetMs: number;
  pos: Position;
}

export interface MatrixSelector {
  kind: 'range';
  selector: VectorSelector;
  rangeMs: number;
  pos: Position;
}

export interface Call {
  kind: 'call';
  func: string;
  args: readonly Expr[];
  pos: Position;
}

export interface Grouping {
  without: boolean;
  labels: readonly string[];
}

export interface Aggregation {
  kind: 'aggregation';
  op: AggregationOp;
  param?: Expr;
  expr: Expr;
  /** Absent for `sum(x)`, which groups like `sum by () (x)`. */
  grouping?: Grouping;
  pos: Position;
}

export interface VectorMatching {
  on: boolean;
  labels: readonly string[];
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** `on (...)` / `ignoring (...)` as written; absent means `ignoring ()`. */
  matching?: VectorMatching;
  pos: Position;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '+' | '-';
  expr: Expr;
  pos: Position;
}

export interface ParenExpr {
  kind: 'paren';
  expr: Expr;
  pos: Position;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | Call
  | Aggregation
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export function isComparison(op: BinaryOp): op is ComparisonOp {
  return (COMPARISON_OPS as readonly string[]).includes(op);
}

export function isSetOp(op: BinaryOp): op is SetOp {
  return (SET_OPS as readonly string[]).includes(op);
}
