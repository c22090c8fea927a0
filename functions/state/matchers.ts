/**
 * Label matchers as Alertmanager writes them (pkg/labels, 0.25): `name="value"`, `name!=value`, `name=~"regex"`,
 * `name!~regex`. Used by silences (state/silences.ts), their API and CLI, and maintenance windows. Pure.
 *
 * Parsing follows Alertmanager's classic parser (pkg/labels/parse.go), which amtool 0.25 uses: a Prometheus label
 * name, an operator, and a value that may be double-quoted, with OpenMetrics escapes (`\"`, `\n`, `\\`); a stray
 * backslash is literal, an unescaped quote inside the value is an error. A list may sit in braces and is split at
 * commas outside quotes (`{a="x,y", b!=z}`).
 *
 * Matching: a missing label reads as ""; regexes are anchored at both ends (`^(?:re)$`). Alertmanager's regexes are
 * Go RE2; they run here as JavaScript regexes, which share RE2's common syntax. A leading inline flag group such as
 * `(?i)` (RE2's way to ignore case, not JavaScript syntax) is turned into the equivalent modifier group `(?i:…)`.
 */

export const MATCH_TYPES = ['=', '!=', '=~', '!~'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
}

/** A matcher as Alertmanager's API v2 carries it (openapi.yaml `matcher`). */
export interface ApiMatcher {
  isEqual: boolean;
  isRegex: boolean;
  name: string;
  value: string;
}

export class MatcherError extends Error {
  override name = 'MatcherError';
}

// parse.go's `re`: '=~' before '=' so that '~' is not taken as the value's first character. Go's \s is [\t\n\f\r ].
const MATCHER_RE =
  /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*([\s\S]*?)[\t\n\f\r ]*$/;
/** model.LabelName.IsValid (the legacy, pre-UTF-8 rule Alertmanager 0.25 validates silences with). */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** RE2's flag group at the start of a pattern; JavaScript has no such syntax, only modifier groups. */
const LEADING_FLAGS_RE = /^\(\?([ims]+)\)/;

/** One matcher, as pkg/labels ParseMatcher reads it; throws MatcherError with Alertmanager's message. */
export function parseMatcher(text: string): Matcher {
  const found = MATCHER_RE.exec(text);
  if (!found) throw new MatcherError(`bad matcher format: ${text}`);
  const [, name, operator, raw] = found as unknown as [string, string, MatchType, string];
  let rawValue = raw;
  let expectTrailingQuote = false;
  if (rawValue.startsWith('"')) {
    rawValue = rawValue.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  for (let i = 0; i < rawValue.length; i++) {
    const char = rawValue[i]!;
    if (escaped) {
      escaped = false;
      if (char === 'n') value += '\n';
      else if (char === '"' || char === '\\') value += char;
      // A spurious escape: the backslash is literal.
      else value += `\\${char}`;
      continue;
    }
    if (char === '\\') {
      if (i < rawValue.length - 1) escaped = true;
      else value += '\\';
    } else if (char === '"') {
      if (!expectTrailingQuote || i < rawValue.length - 1)
        throw new MatcherError(`matcher value contains unescaped double quote: ${raw}`);
      expectTrailingQuote = false;
    } else value += char;
  }
  if (expectTrailingQuote) throw new MatcherError(`matcher value contains unescaped double quote: ${raw}`);
  const matcher = { name, type: operator, value };
  if (isRegexType(operator)) {
    const problem = regexProblem(value);
    if (problem) throw new MatcherError(problem);
  }
  return matcher;
}

/** A comma-separated list, optionally in braces (pkg/labels ParseMatchers). */
export function parseMatchers(text: string): Matcher[] {
  const body = text.replace(/^\{/, '').replace(/\}$/, '');
  const tokens: string[] = [];
  let token = '';
  let insideQuotes = false;
  let escaped = false;
  for (const char of body) {
    if (char === ',' && !insideQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (char === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (char === '\\') escaped = !escaped;
    else escaped = false;
    token += char;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}

function isRegexType(type: MatchType): boolean {
  return type === '=~' || type === '!~';
}

/** `^(?:pattern)$` as a JavaScript regex (a leading RE2 flag group becomes a modifier group); throws on bad syntax. */
export function anchoredRegex(pattern: string): RegExp {
  const flags = LEADING_FLAGS_RE.exec(pattern);
  const source = flags ? `(?${flags[1]}:${pattern.slice(flags[0].length)})` : pattern;
  return new RegExp(`^(?:${source})$`);
}

function regexProblem(pattern: string): string | undefined {
  try {
    anchoredRegex(pattern);
    return undefined;
  } catch (error) {
    return `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`;
  }
}

/** Why a matcher cannot be stored (silence.go ValidateMatcher), or undefined. */
export function matcherProblem(matcher: Matcher): string | undefined {
  if (!LABEL_NAME_RE.test(matcher.name)) return `invalid label name ${JSON.stringify(matcher.name)}`;
  if (!MATCH_TYPES.includes(matcher.type)) return `unknown matcher type ${JSON.stringify(matcher.type)}`;
  return isRegexType(matcher.type) ? regexProblem(matcher.value) : undefined;
}

/** Does the matcher accept a missing label (silence.go matchesEmpty: only `=` and `=~` count)? */
export function matchesEmpty(matcher: Matcher): boolean {
  if (matcher.type === '=') return matcher.value === '';
  if (matcher.type === '=~') return compileMatcher(matcher)('');
  return false;
}

/** One matcher as a predicate on a label value (its regex compiled once). */
function compileMatcher(matcher: Matcher): (value: string) => boolean {
  switch (matcher.type) {
    case '=':
      return (value) => value === matcher.value;
    case '!=':
      return (value) => value !== matcher.value;
    default: {
      let regex: RegExp | undefined;
      try {
        regex = anchoredRegex(matcher.value);
      } catch {
        // Validated on the way in; a stored pattern this engine cannot compile matches nothing.
      }
      const positive = matcher.type === '=~';
      return (value) => (regex ? regex.test(value) === positive : false);
    }
  }
}

export type Labels = Readonly<Record<string, string>>;

/** Every matcher must hold (Alertmanager's Matchers.Matches); a missing label reads as "". */
export function compileMatchers(matchers: readonly Matcher[]): (labels: Labels) => boolean {
  const tests = matchers.map((matcher) => {
    const test = compileMatcher(matcher);
    return (labels: Labels) => test(Object.hasOwn(labels, matcher.name) ? (labels[matcher.name] ?? '') : '');
  });
  return (labels) => tests.every((test) => test(labels));
}

/** `name="value"` with OpenMetrics escaping (Matcher.String), as amtool prints it. */
export function formatMatcher(matcher: Matcher): string {
  const escaped = matcher.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `${matcher.name}${matcher.type}"${escaped}"`;
}

export function toApiMatcher(matcher: Matcher): ApiMatcher {
  return {
    isEqual: matcher.type === '=' || matcher.type === '=~',
    isRegex: isRegexType(matcher.type),
    name: matcher.name,
    value: matcher.value,
  };
}

export function fromApiMatcher(matcher: ApiMatcher): Matcher {
  const type: MatchType = matcher.isRegex ? (matcher.isEqual ? '=~' : '!~') : matcher.isEqual ? '=' : '!=';
  return { name: matcher.name, type, value: matcher.value };
}

/** Same name, type and value, in the same order (silence.go canUpdate compares matchers this way). */
export function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => m.name === b[i]!.name && m.type === b[i]!.type && m.value === b[i]!.value)
  );
}
