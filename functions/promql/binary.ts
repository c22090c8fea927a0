/**
 * Binary operators, ported from Prometheus 3 promql/engine.go: scalarBinop, VectorscalarBinop, VectorBinop
 * (one-to-one matching on all labels but `__name__`, or `on (...)` / `ignoring (...)`) and the set operators.
 * Arithmetic drops `__name__`; comparisons filter (keeping the left-hand value) unless `bool` turns them into 0/1.
 */
import { type BinaryExpr, type BinaryOp, isComparison, isSetOp } from './ast';
import { PromqlError } from './errors';
import { dropLabels, dropMetricName, keepLabels, type LabelSet, labelKey, METRIC_NAME } from './labels';
import type { VectorSample } from './values';

/** Go's math.Pow, whose special cases differ from JavaScript's `**` where 1 or -1 meets NaN or ±Inf. */
function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY)) return 1;
  return x ** y;
}

/** The arithmetic result, or for comparisons whether the pair is kept (value: the left-hand side). */
function apply(op: BinaryOp, lhs: number, rhs: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: lhs + rhs, keep: true };
    case '-':
      return { value: lhs - rhs, keep: true };
    case '*':
      return { value: lhs * rhs, keep: true };
    case '/':
      return { value: lhs / rhs, keep: true };
    case '%':
      return { value: lhs % rhs, keep: true };
    case '^':
      return { value: goPow(lhs, rhs), keep: true };
    case '==':
      return { value: lhs, keep: lhs === rhs };
    case '!=':
      return { value: lhs, keep: lhs !== rhs };
    case '>':
      return { value: lhs, keep: lhs > rhs };
    case '<':
      return { value: lhs, keep: lhs < rhs };
    case '>=':
      return { value: lhs, keep: lhs >= rhs };
    case '<=':
      return { value: lhs, keep: lhs <= rhs };
    case 'and':
    case 'or':
    case 'unless':
      throw new Error(`${op} is a set operator`);
  }
}

export function scalarBinary(op: BinaryOp, lhs: number, rhs: number): number {
  const { value, keep } = apply(op, lhs, rhs);
  return isComparison(op) ? (keep ? 1 : 0) : value;
}

/** A vector with a scalar; `swap` when the scalar is on the left. */
export function vectorScalarBinary(
  expr: BinaryExpr,
  vector: readonly VectorSample[],
  scalar: number,
  swap: boolean,
): VectorSample[] {
  const out: VectorSample[] = [];
  const comparison = isComparison(expr.op);
  for (const sample of vector) {
    const [lhs, rhs] = swap ? [scalar, sample.value] : [sample.value, scalar];
    let { value, keep } = apply(expr.op, lhs, rhs);
    // A comparison keeps the vector's own value, whichever side it is on.
    if (comparison && swap) value = rhs;
    if (expr.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = !comparison || expr.returnBool ? dropMetricName(sample.labels) : sample.labels;
    out.push({ labels, value });
  }
  return out;
}

/** The matching signature: only the `on` labels, or every label but `__name__` and the `ignoring` ones. */
function signatureFunction(expr: BinaryExpr): (labels: LabelSet) => string {
  const matching = expr.matching ?? { on: false, labels: [] };
  if (matching.on) {
    const names = new Set(matching.labels);
    return (labels) => labelKey(keepLabels(labels, names));
  }
  const names = new Set([METRIC_NAME, ...matching.labels]);
  return (labels) => labelKey(dropLabels(labels, names));
}

function resultLabels(expr: BinaryExpr, lhs: LabelSet): LabelSet {
  let labels = lhs;
  if (expr.returnBool || !isComparison(expr.op)) labels = dropMetricName(labels);
  const matching = expr.matching;
  if (matching !== undefined) {
    const names = new Set(matching.labels);
    labels = matching.on ? keepLabels(labels, names) : dropLabels(labels, names);
  }
  return labels;
}

function setOperation(
  expr: BinaryExpr,
  lhs: readonly VectorSample[],
  rhs: readonly VectorSample[],
  signature: (labels: LabelSet) => string,
): VectorSample[] {
  switch (expr.op) {
    case 'and': {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const right = new Set(rhs.map((sample) => signature(sample.labels)));
      return lhs.filter((sample) => right.has(signature(sample.labels)));
    }
    case 'or': {
      if (lhs.length === 0) return [...rhs];
      if (rhs.length === 0) return [...lhs];
      const left = new Set(lhs.map((sample) => signature(sample.labels)));
      return [...lhs, ...rhs.filter((sample) => !left.has(signature(sample.labels)))];
    }
    default: {
      if (lhs.length === 0 || rhs.length === 0) return [...lhs];
      const right = new Set(rhs.map((sample) => signature(sample.labels)));
      return lhs.filter((sample) => !right.has(signature(sample.labels)));
    }
  }
}

function formatLabels(labels: LabelSet): string {
  return `{${labels.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}}`;
}

/** Two instant vectors: set operators, or one-to-one matching (a duplicate on either side is an error). */
export function vectorBinary(
  expr: BinaryExpr,
  lhs: readonly VectorSample[],
  rhs: readonly VectorSample[],
): VectorSample[] {
  const signature = signatureFunction(expr);
  if (isSetOp(expr.op)) return setOperation(expr, lhs, rhs, signature);
  if (lhs.length === 0 || rhs.length === 0) return [];
  const right = new Map<string, VectorSample>();
  for (const sample of rhs) {
    const sig = signature(sample.labels);
    const duplicate = right.get(sig);
    if (duplicate !== undefined) {
      const matched = expr.matching?.on
        ? keepLabels(sample.labels, new Set(expr.matching.labels))
        : dropLabels(sample.labels, new Set([METRIC_NAME, ...(expr.matching?.labels ?? [])]));
      throw new PromqlError(
        expr.pos.start,
        `found duplicate series for the match group ${formatLabels(matched)} on the right hand-side of the operation: [${formatLabels(sample.labels)}, ${formatLabels(duplicate.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(sig, sample);
  }
  const matched = new Set<string>();
  const out: VectorSample[] = [];
  for (const sample of lhs) {
    const sig = signature(sample.labels);
    const other = right.get(sig);
    if (other === undefined) continue;
    let { value, keep } = apply(expr.op, sample.value, other.value);
    if (expr.returnBool) {
      value = keep ? 1 : 0;
    }
    // Prometheus 3 checks for a second left-hand match before filtering; 2.42 only for kept pairs.
    if (matched.has(sig)) {
      throw new PromqlError(
        expr.pos.start,
        'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
      );
    }
    matched.add(sig);
    if (!keep && !expr.returnBool) continue;
    out.push({ labels: resultLabels(expr, sample.labels), value });
  }
  return out;
}
