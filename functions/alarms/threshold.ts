/** The comparison language of `thresholds:` ("> 2000", "<= 0.5"), shared by config validation, alarms and local evaluation. */

export const COMPARISONS = {
  '>': 'GreaterThanThreshold',
  '>=': 'GreaterThanOrEqualToThreshold',
  '<': 'LessThanThreshold',
  '<=': 'LessThanOrEqualToThreshold',
} as const;
export type Comparison = keyof typeof COMPARISONS;
export type CloudWatchComparison = (typeof COMPARISONS)[Comparison];

export interface ParsedComparison {
  op: Comparison;
  threshold: number;
}

const COMPARISON_RE = /^\s*(>=|<=|>|<)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

/** Parses "> 2000" into { op: '>', threshold: 2000 }; returns an error message for anything else. */
export function parseComparison(text: string): ParsedComparison | { error: string } {
  const match = COMPARISON_RE.exec(text);
  if (!match) {
    return {
      error: `"${text}" is not a comparison: write an operator (>, >=, <, <=) and a number, e.g. "> 2000"`,
    };
  }
  const threshold = Number(match[2]);
  if (!Number.isFinite(threshold)) return { error: `"${text}": threshold must be a finite number` };
  return { op: match[1] as Comparison, threshold };
}

/** Does `value` breach the comparison? */
export function breaches(value: number, { op, threshold }: ParsedComparison): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
