/** Label matchers: compiled once per matcher, applied to a label set as Prometheus does (a missing label is ""). */
import type { Matcher } from './ast';
import { getLabel, type LabelSet } from './labels';
import { compileMatcherRegex } from './regex';

const compiled = new WeakMap<Matcher, RegExp>();

/** The matcher's anchored regex (compiling and caching it on first use); throws SyntaxError if invalid. */
export function matcherRegex(matcher: Matcher): RegExp {
  let regex = compiled.get(matcher);
  if (regex === undefined) {
    regex = compileMatcherRegex(matcher.value);
    compiled.set(matcher, regex);
  }
  return regex;
}

export function matchesValue(matcher: Matcher, value: string): boolean {
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcherRegex(matcher).test(value);
    case '!~':
      return !matcherRegex(matcher).test(value);
  }
}

export function matchesLabels(matchers: readonly Matcher[], labels: LabelSet): boolean {
  for (const matcher of matchers) if (!matchesValue(matcher, getLabel(labels, matcher.label))) return false;
  return true;
}
