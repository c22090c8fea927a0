/**
 * Go (RE2) regular expressions run on JavaScript's engine, for label matchers and label_replace(). Prometheus
 * anchors both ends and lets `.` match newlines (`^(?s:re)$`, Prometheus 3; 2.x did not set `s`). The syntax
 * matchers use is common to both; RE2's leading `(?i)`/`(?s)` flags and `(?P<name>` groups are translated, and
 * identity escapes such as `\-` (which JavaScript's unicode mode rejects) fall back to non-unicode mode.
 */

/** RE2 inline flags at the start of a pattern that map onto JavaScript flags. */
const INLINE_FLAGS = /^\(\?([is]+)\)/;

/** Compiles `pattern` anchored at both ends; throws SyntaxError for a pattern neither engine would accept. */
export function compileMatcherRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = 's';
  const inline = INLINE_FLAGS.exec(source);
  if (inline) {
    if (inline[1]!.includes('i')) flags += 'i';
    source = source.slice(inline[0].length);
  }
  source = source.replaceAll('(?P<', '(?<');
  let unicode = 'u';
  try {
    // Compiled alone first: "a)|(b" is only valid once wrapped, and would then escape the anchors.
    new RegExp(source, `${flags}u`);
  } catch {
    new RegExp(source, flags);
    unicode = '';
  }
  return new RegExp(`^(?:${source})$`, `${flags}${unicode}`);
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Go's Regexp.ExpandString for label_replace(): `$1`, `${1}`, `$name`, `${name}`, `$$`; an unknown group expands
 * to nothing, a malformed reference keeps its `$`.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const reference = readReference(template, i);
    if (reference === undefined) {
      out += '$';
      continue;
    }
    i = reference.end;
    out += groupText(match, reference.name);
  }
  return out + template.slice(i);
}

function readReference(template: string, start: number): { name: string; end: number } | undefined {
  let i = start;
  const brace = template[i] === '{';
  if (brace) i++;
  const nameStart = i;
  while (i < template.length) {
    const char = String.fromCodePoint(template.codePointAt(i)!);
    if (!NAME_CHAR.test(char)) break;
    i += char.length;
  }
  if (i === nameStart) return undefined;
  const name = template.slice(nameStart, i);
  if (brace) {
    if (template[i] !== '}') return undefined;
    i++;
  }
  return { name, end: i };
}

function groupText(match: RegExpExecArray, name: string): string {
  if (/^[0-9]+$/.test(name)) {
    // Go: no leading zeros, at most 1e8.
    if ((name.length > 1 && name.startsWith('0')) || name.length > 8) return namedGroup(match, name);
    return match[Number(name)] ?? '';
  }
  return namedGroup(match, name);
}

function namedGroup(match: RegExpExecArray, name: string): string {
  return match.groups?.[name] ?? '';
}
