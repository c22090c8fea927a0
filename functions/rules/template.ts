/**
 * Prometheus alert templates (`{{ $value | humanize }}`, `{{ $labels.instance }}`): the subset of Go's
 * text/template that annotations use, as a small typed parser (text → tokens → tree) and an interpreter — no eval.
 * Semantics after Go's text/template and Prometheus' template/template.go: the `$labels`, `$value`,
 * `$externalLabels`, `$externalURL` definitions rules/alerting.go prepends, `missingkey=zero` (a missing label is
 * ""), Go's truth (false, 0, "", nil, an empty map), `eq`/`lt`… refusing to compare a float with an integer
 * constant as Go does, and the humanize family's exact formats.
 *
 * Parsing accepts every construct of that subset and names what it does not support (`range`, `query`, …) with
 * the reason; an execution error renders as Prometheus renders it: `<error expanding template: …>`.
 */
import { formatFloat, GoInt, type GoValue, goTypeName, printValue, sprint, sprintf } from './gofmt';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

// --- Tree ----------------------------------------------------------------------------------------------------

type Arg =
  | { kind: 'dot'; fields: string[] }
  | { kind: 'variable'; name: string; fields: string[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: GoValue }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'function'; name: string }
  | { kind: 'pipe'; pipe: Pipeline; fields: string[] };

interface Command {
  args: Arg[];
}

interface Pipeline {
  declare?: { names: string[]; assign: boolean };
  commands: Command[];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; whenTrue: Node[]; whenFalse: Node[] };

export interface Template {
  nodes: Node[];
}

// --- Functions -----------------------------------------------------------------------------------------------

/** Functions Prometheus defines that need a Prometheus to query or Go types vigil does not have. */
const UNSUPPORTED_FUNCTIONS: Record<string, string> = {
  query: 'the webhook renders templates without a Prometheus to query',
  first: 'it reads query results (the webhook cannot query)',
  label: 'it reads query results (the webhook cannot query)',
  value: 'it reads query results (the webhook cannot query)',
  strvalue: 'it reads query results (the webhook cannot query)',
  sortByLabel: 'it sorts query results (the webhook cannot query)',
  graphLink: 'it links to a Prometheus UI',
  tableLink: 'it links to a Prometheus UI',
  toTime: 'Go time values are not supported',
  toDuration: 'Go duration values are not supported',
  call: 'there are no Go functions to call',
  slice: 'not supported',
  js: 'not supported',
  html: 'not supported',
  args: 'not supported',
};

type Fn = (args: GoValue[], context: ExecContext) => GoValue;

function toFloat(value: GoValue, fn: string): number {
  // template.ConvertToFloat: float64, integers and numeric strings.
  if (typeof value === 'number') return value;
  if (value instanceof GoInt) return value.value;
  if (typeof value === 'string') {
    const parsed = parseGoFloatText(value);
    if (parsed === undefined)
      throw new TemplateError(
        `error calling ${fn}: strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    return parsed;
  }
  throw new TemplateError(`error calling ${fn}: can't convert ${goTypeName(value)} to float`);
}

/** strconv.ParseFloat's syntax, as exporters and labels write numbers. */
function parseGoFloatText(text: string): number | undefined {
  const trimmed = text.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(trimmed)) return trimmed.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(trimmed)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(trimmed)) {
    return undefined;
  }
  return Number(trimmed);
}

const g4 = (v: number) => formatFloat(v, 'g', 4);

function humanize(v: number): string {
  if (v === 0 || Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  let value = v;
  let prefix = '';
  if (Math.abs(value) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(value) < 1000) break;
      prefix = p;
      value /= 1000;
    }
    return `${g4(value)}${prefix}`;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(value) >= 1) break;
    prefix = p;
    value *= 1000;
  }
  return `${g4(value)}${prefix}`;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  let value = v;
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(value) < 1024) break;
    prefix = p;
    value /= 1024;
  }
  return `${g4(value)}${prefix}`;
}

/** prometheus/common helpers/templates.HumanizeDuration. */
function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const duration = Math.trunc(abs);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(abs)}s`;
  }
  let value = v;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(value) >= 1) break;
    prefix = p;
    value *= 1000;
  }
  return `${g4(value)}${prefix}s`;
}

/** fmt.Sprint(time.Time) of a Unix time in UTC: `2023-11-14 22:13:20 +0000 UTC` (fractions trimmed). */
function humanizeTimestamp(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  const ms = v * 1000;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return g4(v);
  const two = (n: number) => String(n).padStart(2, '0');
  const nanos = Math.round((v - Math.floor(v)) * 1e9);
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}${fraction} +0000 UTC`;
}

/** Go's truth: false, 0, "", nil and empty maps are false. */
function truth(value: GoValue): boolean {
  if (value === undefined) return false;
  if (value instanceof GoInt) return value.value !== 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'boolean') return value;
  return value.size > 0;
}

type BasicKind = 'int' | 'float' | 'string' | 'bool' | 'other';

function basicKind(value: GoValue): BasicKind {
  if (value instanceof GoInt) return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  return 'other';
}

function comparable(value: GoValue): number | string | boolean {
  if (value instanceof GoInt) return value.value;
  return value as number | string | boolean;
}

/** text/template's eq: arg1 equals any of the others; different basic kinds are an error, as in Go. */
function eq(args: GoValue[], fn: string): boolean {
  if (args.length < 2) throw new TemplateError(`error calling ${fn}: missing argument for comparison`);
  const [first, ...others] = args;
  for (const other of others) {
    if (first === undefined || other === undefined) {
      if (first === other) return true;
      continue;
    }
    const k1 = basicKind(first);
    const k2 = basicKind(other);
    if (k1 === 'other' || k2 === 'other')
      throw new TemplateError(`error calling ${fn}: invalid type for comparison`);
    if (k1 !== k2) throw new TemplateError(`error calling ${fn}: incompatible types for comparison`);
    if (comparable(first) === comparable(other)) return true;
  }
  return false;
}

function less(args: GoValue[], fn: string): boolean {
  if (args.length !== 2) throw new TemplateError(`wrong number of args for ${fn}: want 2 got ${args.length}`);
  const [a, b] = args as [GoValue, GoValue];
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'other' || k2 === 'other' || k1 === 'bool' || k2 === 'bool') {
    throw new TemplateError(`error calling ${fn}: invalid type for comparison`);
  }
  if (k1 !== k2) throw new TemplateError(`error calling ${fn}: incompatible types for comparison`);
  return (comparable(a) as number | string) < (comparable(b) as number | string);
}

function arity(fn: string, args: GoValue[], want: number): void {
  if (args.length !== want)
    throw new TemplateError(`wrong number of args for ${fn}: want ${want} got ${args.length}`);
}

function stringArg(fn: string, value: GoValue): string {
  if (typeof value !== 'string') {
    throw new TemplateError(
      `wrong type for value; expected string; got ${goTypeName(value)} (calling ${fn})`,
    );
  }
  return value;
}

/** Go RE2 syntax as JavaScript reads it (the same subset vigil's PromQL regexes use). */
function goRegex(fn: string, pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (error) {
    throw new TemplateError(`error calling ${fn}: ${(error as Error).message}`);
  }
}

function splitHostPort(hostPort: string): { host: string; port: string } | undefined {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(hostPort);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2]! };
  const index = hostPort.lastIndexOf(':');
  if (index < 0) return undefined;
  const host = hostPort.slice(0, index);
  if (host.includes(':')) return undefined;
  return { host, port: hostPort.slice(index + 1) };
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

const FUNCTIONS: Record<string, Fn> = {
  and: (args) => {
    for (const arg of args) if (!truth(arg)) return arg;
    return args.at(-1);
  },
  or: (args) => {
    for (const arg of args) if (truth(arg)) return arg;
    return args.at(-1);
  },
  not: (args) => {
    arity('not', args, 1);
    return !truth(args[0]);
  },
  len: (args) => {
    arity('len', args, 1);
    const [value] = args;
    if (typeof value === 'string') return new GoInt(new TextEncoder().encode(value).length);
    if (value instanceof Map) return new GoInt(value.size);
    throw new TemplateError(`error calling len: len of type ${goTypeName(value)}`);
  },
  index: (args) => {
    const [item, ...keys] = args;
    let value: GoValue = item;
    for (const key of keys) {
      if (!(value instanceof Map))
        throw new TemplateError(`error calling index: can't index item of type ${goTypeName(value)}`);
      value = value.get(stringArg('index', key)) ?? '';
    }
    return value;
  },
  print: (args) => sprint(args),
  println: (args) => `${args.map(printValue).join(' ')}\n`,
  printf: (args) => {
    if (args.length === 0) throw new TemplateError('wrong number of args for printf: want at least 1 got 0');
    return sprintf(stringArg('printf', args[0]), args.slice(1));
  },
  eq: (args) => eq(args, 'eq'),
  ne: (args) => {
    arity('ne', args, 2);
    return !eq(args, 'ne');
  },
  lt: (args) => less(args, 'lt'),
  le: (args) => less(args, 'le') || eq(args, 'le'),
  gt: (args) => !(less(args, 'gt') || eq(args, 'gt')),
  ge: (args) => !less(args, 'ge'),
  urlquery: (args) => encodeURIComponent(sprint(args)).replace(/%20/g, '+'),
  humanize: (args) => {
    arity('humanize', args, 1);
    return humanize(toFloat(args[0], 'humanize'));
  },
  humanize1024: (args) => {
    arity('humanize1024', args, 1);
    return humanize1024(toFloat(args[0], 'humanize1024'));
  },
  humanizeDuration: (args) => {
    arity('humanizeDuration', args, 1);
    return humanizeDuration(toFloat(args[0], 'humanizeDuration'));
  },
  humanizePercentage: (args) => {
    arity('humanizePercentage', args, 1);
    return `${g4(toFloat(args[0], 'humanizePercentage') * 100)}%`;
  },
  humanizeTimestamp: (args) => {
    arity('humanizeTimestamp', args, 1);
    return humanizeTimestamp(toFloat(args[0], 'humanizeTimestamp'));
  },
  toUpper: (args) => stringArg('toUpper', args[0]).toUpperCase(),
  toLower: (args) => stringArg('toLower', args[0]).toLowerCase(),
  title: (args) =>
    stringArg('title', args[0]).replace(
      /(^|[^\p{L}\p{N}'])(\p{L})/gu,
      (_, before: string, letter: string) => before + letter.toUpperCase(),
    ),
  reReplaceAll: (args) => {
    arity('reReplaceAll', args, 3);
    const [pattern, replacement, text] = args.map((arg) => stringArg('reReplaceAll', arg)) as [
      string,
      string,
      string,
    ];
    // Go's $1 / ${1} expansion; `$$` is a literal dollar.
    const expanded = replacement.replace(
      /\$\$|\$\{(\w+)\}|\$(\w+)/g,
      (match, braced?: string, bare?: string) =>
        match === '$$' ? '$$' : `$<${braced ?? bare}>`.replace(/^\$<(\d+)>$/, '$$$1'),
    );
    return text.replace(new RegExp(goRegex('reReplaceAll', pattern).source, 'gu'), expanded);
  },
  match: (args) => {
    arity('match', args, 2);
    return goRegex('match', stringArg('match', args[0])).test(stringArg('match', args[1]));
  },
  safeHtml: (args) => stringArg('safeHtml', args[0]),
  stripPort: (args) => {
    const hostPort = stringArg('stripPort', args[0]);
    return splitHostPort(hostPort)?.host ?? hostPort;
  },
  stripDomain: (args) => {
    const hostPort = stringArg('stripDomain', args[0]);
    const split = splitHostPort(hostPort);
    const host = split?.host ?? hostPort;
    if (IPV4.test(host) || host.includes(':')) return hostPort;
    const short = host.split('.')[0]!;
    return split?.port !== undefined && split.port !== '' ? `${short}:${split.port}` : short;
  },
  urlQueryEscape: (args) => encodeURIComponent(stringArg('urlQueryEscape', args[0])).replace(/%20/g, '+'),
  now: (_args, context) => context.nowSeconds,
  externalURL: (_args, context) => context.externalURL,
  pathPrefix: (_args, context) => {
    try {
      return context.externalURL === '' ? '' : new URL(context.externalURL).pathname.replace(/\/$/, '');
    } catch {
      return '';
    }
  },
  parseDuration: (args) => {
    const text = stringArg('parseDuration', args[0]);
    const ms = parsePromDurationMs(text, true);
    if (ms === undefined)
      throw new TemplateError(
        `error calling parseDuration: not a valid duration string: ${JSON.stringify(text)}`,
      );
    return ms / 1000;
  },
};

const UNITS: [string, number][] = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * prometheus/common model.ParseDuration: units y w d h m s ms, each at most once, biggest first; "0" alone; no
 * fractions. `allowNegative` for ParseDurationAllowNegative (templates' parseDuration).
 */
export function parsePromDurationMs(text: string, allowNegative = false): number | undefined {
  let rest = text;
  let sign = 1;
  if (allowNegative && rest.startsWith('-')) {
    sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  let lastUnit = -1;
  while (rest !== '') {
    const match = /^(\d+)([a-z]+)/.exec(rest);
    if (!match) return undefined;
    const unit = UNITS.findIndex(([name]) => name === match[2]);
    if (unit < 0 || unit <= lastUnit) return undefined;
    lastUnit = unit;
    total += Number(match[1]) * UNITS[unit]![1];
    rest = rest.slice(match[0].length);
  }
  if (!Number.isSafeInteger(total) || total > 9_223_372_036_854) return undefined;
  return sign * total;
}

// --- Lexer and parser ----------------------------------------------------------------------------------------

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'field'; name: string }
  | { kind: 'dot' }
  | { kind: 'variable'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'char'; value: number }
  | { kind: 'punct'; text: '(' | ')' | '|' | ':=' | '=' | ',' };

function unquote(raw: string): string {
  // Go's interpreted string literals: JSON's escapes plus \a \v \x.. \u.... \U........ and octal.
  return raw
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, esc: string) => {
      switch (esc[0]) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case 'a':
          return '\u0007';
        case 'b':
          return '\b';
        case 'f':
          return '\f';
        case 'v':
          return '\v';
        case '\\':
          return '\\';
        case '"':
          return '"';
        case "'":
          return "'";
        case 'x':
          return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
        case 'u':
        case 'U':
          return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
        default:
          if (/^[0-7]{3}$/.test(esc)) return String.fromCharCode(Number.parseInt(esc, 8));
          throw new TemplateError(`unknown escape sequence \\${esc}`);
      }
    });
}

function lexAction(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') j++;
        if (text[j] === '\n') throw new TemplateError('unterminated quoted string');
        j++;
      }
      if (j >= text.length) throw new TemplateError('unterminated quoted string');
      tokens.push({ kind: 'string', value: unquote(text.slice(i, j + 1)) });
      i = j + 1;
      continue;
    }
    if (ch === '`') {
      const j = text.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw quoted string');
      tokens.push({ kind: 'string', value: text.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (ch === "'") {
      const match = /^'(\\.|[^\\'])'/u.exec(text.slice(i));
      if (!match) throw new TemplateError('unterminated character constant');
      const value = match[1]!.startsWith('\\') ? unquote(`"${match[1]}"`) : match[1]!;
      tokens.push({ kind: 'char', value: value.codePointAt(0)! });
      i += match[0].length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === '|' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch });
      i++;
      continue;
    }
    if (ch === ':' && text[i + 1] === '=') {
      tokens.push({ kind: 'punct', text: ':=' });
      i += 2;
      continue;
    }
    if (ch === '=') {
      tokens.push({ kind: 'punct', text: '=' });
      i++;
      continue;
    }
    if (ch === '$') {
      const match = /^\$[\p{L}_\p{N}]*/u.exec(text.slice(i))!;
      tokens.push({ kind: 'variable', name: match[0] });
      i += match[0].length;
      continue;
    }
    if (ch === '.') {
      const field = /^\.[\p{L}_][\p{L}_\p{N}]*/u.exec(text.slice(i));
      if (field) {
        tokens.push({ kind: 'field', name: field[0].slice(1) });
        i += field[0].length;
        continue;
      }
      if (!/[0-9]/.test(text[i + 1] ?? '')) {
        tokens.push({ kind: 'dot' });
        i++;
        continue;
      }
    }
    const number =
      /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?)/.exec(
        text.slice(i),
      );
    if (number && (ch !== '+' && ch !== '-' ? true : /[0-9.]/.test(text[i + 1] ?? ''))) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const word = /^[\p{L}_][\p{L}_\p{N}]*/u.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    throw new TemplateError(`unexpected ${JSON.stringify(ch)} in command`);
  }
  return tokens;
}

function numberValue(text: string): GoValue {
  const clean = text.replace(/_/g, '');
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|\d+)$/.test(clean)) {
    const negative = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    const value = /^0[0-7]+$/.test(body) ? Number.parseInt(body, 8) : Number(body);
    return new GoInt(negative ? -value : value);
  }
  const value = Number(clean);
  if (Number.isNaN(value)) throw new TemplateError(`bad number syntax: ${JSON.stringify(text)}`);
  return value;
}

class ActionParser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  pipeline(stopAtParen: boolean): Pipeline {
    const pipe: Pipeline = { commands: [] };
    // `$x := …` / `$x, $y := …` / `$x = …`
    const start = this.i;
    const names: string[] = [];
    while (this.peek()?.kind === 'variable') {
      names.push((this.tokens[this.i] as { name: string }).name);
      this.i++;
      const next = this.peek();
      if (next?.kind === 'punct' && next.text === ',') {
        this.i++;
        continue;
      }
      break;
    }
    const op = this.peek();
    if (names.length > 0 && op?.kind === 'punct' && (op.text === ':=' || op.text === '=')) {
      this.i++;
      pipe.declare = { names, assign: op.text === '=' };
    } else this.i = start;
    for (;;) {
      pipe.commands.push(this.command());
      const next = this.peek();
      if (next?.kind === 'punct' && next.text === '|') {
        this.i++;
        continue;
      }
      if (next === undefined) {
        if (stopAtParen) throw new TemplateError('unclosed left paren');
        break;
      }
      if (next.kind === 'punct' && next.text === ')') {
        if (!stopAtParen) throw new TemplateError('unexpected right paren');
        break;
      }
      throw new TemplateError(`unexpected ${describeToken(next)} in command`);
    }
    return pipe;
  }

  private command(): Command {
    const args: Arg[] = [];
    for (;;) {
      const token = this.peek();
      if (token === undefined || (token.kind === 'punct' && (token.text === '|' || token.text === ')')))
        break;
      args.push(this.operand());
    }
    if (args.length === 0) throw new TemplateError('missing value for command');
    return { args };
  }

  private fields(): string[] {
    const out: string[] = [];
    while (this.peek()?.kind === 'field') {
      out.push((this.tokens[this.i] as { name: string }).name);
      this.i++;
    }
    return out;
  }

  private operand(): Arg {
    const token = this.tokens[this.i++]!;
    switch (token.kind) {
      case 'dot':
        return { kind: 'dot', fields: this.fields() };
      case 'field':
        return { kind: 'dot', fields: [token.name, ...this.fields()] };
      case 'variable':
        return { kind: 'variable', name: token.name, fields: this.fields() };
      case 'string':
        return { kind: 'string', value: token.value };
      case 'number':
        return { kind: 'number', value: numberValue(token.text) };
      case 'char':
        return { kind: 'number', value: new GoInt(token.value) };
      case 'word': {
        if (token.text === 'true' || token.text === 'false')
          return { kind: 'bool', value: token.text === 'true' };
        if (token.text === 'nil') return { kind: 'nil' };
        if (Object.hasOwn(UNSUPPORTED_FUNCTIONS, token.text)) {
          throw new TemplateError(
            `function "${token.text}" is not supported: ${UNSUPPORTED_FUNCTIONS[token.text]}`,
          );
        }
        if (!Object.hasOwn(FUNCTIONS, token.text))
          throw new TemplateError(`function "${token.text}" not defined`);
        return { kind: 'function', name: token.text };
      }
      case 'punct':
        if (token.text === '(') {
          const pipe = this.pipeline(true);
          this.i++; // the ')'
          return { kind: 'pipe', pipe, fields: this.fields() };
        }
        throw new TemplateError(`unexpected ${describeToken(token)} in operand`);
    }
  }
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'punct':
      return `"${token.text}"`;
    case 'word':
      return `<${token.text}>`;
    default:
      return token.kind;
  }
}

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'with',
  'range',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

/** Splits text into raw text and actions, applying `{{- ` and ` -}}` trims. */
function split(text: string): ({ kind: 'text'; text: string } | { kind: 'action'; body: string })[] {
  const parts: ({ kind: 'text'; text: string } | { kind: 'action'; body: string })[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= text.length) {
    const open = text.indexOf('{{', i);
    let raw = open < 0 ? text.slice(i) : text.slice(i, open);
    if (trimNext) raw = raw.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (raw !== '') parts.push({ kind: 'text', text: raw });
      break;
    }
    let bodyStart = open + 2;
    if (text.startsWith('- ', bodyStart) || /^-[\t\r\n]/.test(text.slice(bodyStart, bodyStart + 2))) {
      raw = raw.replace(/[ \t\r\n]+$/, '');
      bodyStart += 2;
    }
    if (raw !== '') parts.push({ kind: 'text', text: raw });
    let close: number;
    if (text.startsWith('/*', bodyStart) || text.slice(bodyStart).trimStart().startsWith('/*')) {
      const end = text.indexOf('*/', bodyStart);
      if (end < 0) throw new TemplateError('unclosed comment');
      close = text.indexOf('}}', end);
      if (close < 0) throw new TemplateError('unclosed action');
      const between = text.slice(end + 2, close);
      if (!/^\s*-?\s*$/.test(between)) throw new TemplateError('comment ends before closing delimiter');
      if (/\s-\s*$/.test(` ${between}`) && between.includes('-')) trimNext = true;
      i = close + 2;
      continue;
    }
    // The closing }} outside quotes.
    let j = bodyStart;
    let quote: string | undefined;
    for (; j < text.length; j++) {
      const ch = text[j]!;
      if (quote) {
        if (ch === '\\' && quote === '"') j++;
        else if (ch === quote) quote = undefined;
        continue;
      }
      if (ch === '"' || ch === '`' || ch === "'") quote = ch;
      else if (ch === '}' && text[j + 1] === '}') break;
    }
    if (j >= text.length)
      throw new TemplateError(quote === undefined ? 'unclosed action' : 'unterminated quoted string');
    close = j;
    let body = text.slice(bodyStart, close);
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    parts.push({ kind: 'action', body });
    i = close + 2;
  }
  return parts;
}

type ListEnd =
  | { ended: 'end' | 'else' | 'eof' }
  | { ended: 'else-chain'; kind: 'if' | 'with'; pipe: Pipeline };

/** Parses a template; throws TemplateError (a Go parse error, or a construct vigil does not support). */
export function parseTemplate(text: string): Template {
  const parts = split(text);
  let index = 0;
  const list = (stop: ReadonlySet<string>): { nodes: Node[]; end: ListEnd } => {
    const nodes: Node[] = [];
    while (index < parts.length) {
      const part = parts[index++]!;
      if (part.kind === 'text') {
        nodes.push(part);
        continue;
      }
      const tokens = lexAction(part.body);
      const first = tokens[0];
      if (first === undefined) throw new TemplateError('missing value for command');
      if (first.kind !== 'word' || !KEYWORDS.has(first.text)) {
        nodes.push({ kind: 'action', pipe: actionPipe(tokens) });
        continue;
      }
      switch (first.text) {
        case 'end':
          if (!stop.has('end')) throw new TemplateError('unexpected {{end}}');
          if (tokens.length > 1) throw new TemplateError('unexpected tokens after end');
          return { nodes, end: { ended: 'end' } };
        case 'else': {
          if (!stop.has('else')) throw new TemplateError('unexpected {{else}}');
          const chained = tokens[1];
          if (chained?.kind === 'word' && (chained.text === 'if' || chained.text === 'with')) {
            return {
              nodes,
              end: { ended: 'else-chain', kind: chained.text, pipe: actionPipe(tokens.slice(2)) },
            };
          }
          if (tokens.length > 1) throw new TemplateError('unexpected tokens after else');
          return { nodes, end: { ended: 'else' } };
        }
        case 'if':
        case 'with':
          nodes.push(control(first.text, actionPipe(tokens.slice(1))));
          continue;
        default:
          throw new TemplateError(
            `{{${first.text}}} is not supported (vigil renders a subset of Go templates: if, with, else, pipelines and functions)`,
          );
      }
    }
    if (stop.has('end')) throw new TemplateError('unexpected EOF');
    return { nodes, end: { ended: 'eof' } };
  };
  const control = (kind: 'if' | 'with', pipe: Pipeline): Node => {
    const then = list(new Set(['end', 'else']));
    let otherwise: Node[] = [];
    // `{{else if b}}…{{end}}` is `{{else}}{{if b}}…{{end}}{{end}}` sharing one {{end}}.
    if (then.end.ended === 'else-chain') otherwise = [control(then.end.kind, then.end.pipe)];
    else if (then.end.ended === 'else') otherwise = list(new Set(['end'])).nodes;
    return { kind, pipe, whenTrue: then.nodes, whenFalse: otherwise };
  };
  return { nodes: list(new Set()).nodes };
}

function actionPipe(tokens: Token[]): Pipeline {
  if (tokens.length === 0) throw new TemplateError('missing value for command');
  const parser = new ActionParser(tokens);
  return parser.pipeline(false);
}

// --- Execution -----------------------------------------------------------------------------------------------

export interface TemplateData {
  /** $labels / .Labels */
  labels: Readonly<Record<string, string>>;
  /** $value / .Value: the alert's value. */
  value: number;
  externalLabels?: Readonly<Record<string, string>>;
  externalURL?: string;
  /** `now`: the evaluation time, seconds. */
  nowSeconds?: number;
}

interface ExecContext {
  nowSeconds: number;
  externalURL: string;
}

class Scope {
  private readonly vars: Map<string, Dot>[] = [new Map()];
  push(): void {
    this.vars.push(new Map());
  }
  pop(): void {
    this.vars.pop();
  }
  declare(name: string, value: Dot): void {
    this.vars.at(-1)!.set(name, value);
  }
  assign(name: string, value: Dot): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.has(name)) {
        this.vars[i]!.set(name, value);
        return;
      }
    }
    throw new TemplateError(`undefined variable: ${name}`);
  }
  get(name: string): Dot {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.has(name)) return this.vars[i]!.get(name);
    throw new TemplateError(`undefined variable: ${name}`);
  }
}

/** The root of `.`: Prometheus' AlertTemplateData struct, whose fields are Labels, ExternalLabels, ExternalURL, Value. */
class Root {
  constructor(readonly fields: Readonly<Record<string, GoValue>>) {}
}
type Dot = GoValue | Root;

function field(value: Dot, name: string): GoValue {
  if (value instanceof Root) {
    if (!Object.hasOwn(value.fields, name)) {
      throw new TemplateError(`can't evaluate field ${name} in type struct`);
    }
    return value.fields[name];
  }
  if (value instanceof Map) return value.get(name) ?? '';
  if (value === undefined) throw new TemplateError(`nil pointer evaluating interface {}.${name}`);
  throw new TemplateError(`can't evaluate field ${name} in type ${goTypeName(value)}`);
}

function chain(value: Dot, fields: readonly string[]): Dot {
  let out = value;
  for (const name of fields) out = field(out, name);
  return out;
}

function asValue(dot: Dot): GoValue {
  if (dot instanceof Root) throw new TemplateError('the template data itself cannot be printed or passed');
  return dot;
}

class Executor {
  private readonly scope = new Scope();
  private dot: Dot;

  constructor(
    root: Root,
    private readonly context: ExecContext,
  ) {
    this.dot = root;
    this.scope.declare('$', root);
  }

  declare(name: string, value: GoValue): void {
    this.scope.declare(name, value);
  }

  run(nodes: readonly Node[]): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const value = this.pipeline(node.pipe);
          if (node.pipe.declare === undefined) out += printValue(value);
          break;
        }
        case 'if':
        case 'with': {
          this.scope.push();
          const value = this.pipeline(node.pipe);
          if (truth(value)) {
            const saved = this.dot;
            if (node.kind === 'with') this.dot = value;
            out += this.run(node.whenTrue);
            this.dot = saved;
          } else out += this.run(node.whenFalse);
          this.scope.pop();
          break;
        }
      }
    }
    return out;
  }

  private pipeline(pipe: Pipeline): GoValue {
    let value: GoValue | typeof NONE = NONE;
    for (const command of pipe.commands) value = this.command(command, value);
    const result = value === NONE ? undefined : value;
    if (pipe.declare) {
      for (const name of pipe.declare.names) {
        if (pipe.declare.assign) this.scope.assign(name, result);
        else this.scope.declare(name, result);
      }
    }
    return result;
  }

  private command(command: Command, previous: GoValue | typeof NONE): GoValue {
    const [first, ...rest] = command.args;
    if (first?.kind === 'function') {
      const args = rest.map((arg) => this.arg(arg));
      if (previous !== NONE) args.push(previous);
      return this.call(first.name, args);
    }
    if (rest.length > 0 || previous !== NONE) {
      throw new TemplateError(`can't give argument to non-function ${describeArg(first!)}`);
    }
    return this.arg(first!);
  }

  private call(name: string, args: GoValue[]): GoValue {
    // and/or evaluate all their arguments here (Go short-circuits; with side-effect-free functions the result is
    // the same, except that an error in a skipped argument is not reported).
    return FUNCTIONS[name]!(args, this.context);
  }

  private arg(arg: Arg): GoValue {
    switch (arg.kind) {
      case 'dot':
        return asValue(chain(this.dot, arg.fields));
      case 'variable':
        return asValue(chain(this.scope.get(arg.name), arg.fields));
      case 'string':
        return arg.value;
      case 'number':
        return arg.value;
      case 'bool':
        return arg.value;
      case 'nil':
        return undefined;
      case 'function':
        return this.call(arg.name, []);
      case 'pipe':
        return asValue(chain(this.pipeline(arg.pipe), arg.fields));
    }
  }
}

const NONE = Symbol('no previous pipeline value');

function describeArg(arg: Arg): string {
  switch (arg.kind) {
    case 'dot':
      return arg.fields.length === 0 ? '.' : `.${arg.fields.join('.')}`;
    case 'variable':
      return `${arg.name}${arg.fields.map((f) => `.${f}`).join('')}`;
    case 'string':
      return JSON.stringify(arg.value);
    default:
      return arg.kind;
  }
}

/**
 * Renders a parsed template on an alert, as rules/alerting.go does: `$labels`, `$externalLabels`,
 * `$externalURL` and `$value` defined first. An execution error renders as `<error expanding template: …>`.
 */
export function renderTemplate(template: Template, data: TemplateData): string {
  const labels = new Map(Object.entries(data.labels));
  const externalLabels = new Map(Object.entries(data.externalLabels ?? {}));
  const externalURL = data.externalURL ?? '';
  const root = new Root({
    Labels: labels,
    ExternalLabels: externalLabels,
    ExternalURL: externalURL,
    Value: data.value,
  });
  const executor = new Executor(root, { nowSeconds: data.nowSeconds ?? Date.now() / 1000, externalURL });
  executor.declare('$labels', labels);
  executor.declare('$externalLabels', externalLabels);
  executor.declare('$externalURL', externalURL);
  executor.declare('$value', data.value);
  try {
    return executor.run(template.nodes);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return `<error expanding template: ${error.message}>`;
  }
}

/** Parses and renders in one go (the template was checked at config load, so a parse error is unexpected). */
export function expandTemplate(text: string, data: TemplateData): string {
  try {
    return renderTemplate(parseTemplate(text), data);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return `<error expanding template: ${error.message}>`;
  }
}
