/**
 * Go's fmt for the values alert templates print: float64 as `%v`/`%g`/`%e`/`%f` format them (strconv's digits,
 * exponents of at least two digits, round half to even on the exact binary value), and printf's verbs, flags,
 * width and precision with Go's `%!verb(type=value)` for a mismatch. Values are the template's: number (float64),
 * integer (a template's integer constant), string, boolean, map, undefined (nil).
 */

/** A Go int (a template constant such as `5`), kept apart from float64 because Go keeps them apart. */
export class GoInt {
  constructor(readonly value: number) {}
}

export type GoValue = number | GoInt | string | boolean | ReadonlyMap<string, string> | undefined;

/** The exact decimal expansion of a finite double: digits without leading zeros and the decimal point position. */
function exactDecimal(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exponent: number;
  if (exponentBits === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = exponentBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString();
    dp = digits.length;
  } else {
    // m × 2^e = m × 5^-e / 10^-e.
    digits = (mantissa * 5n ** BigInt(-exponent)).toString();
    dp = digits.length + exponent;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { digits: trimmed, dp };
}

/** Rounds decimal digits to `n` digits (n ≥ 0), half to even, as strconv's decimal.Round. */
function roundDigits(d: { digits: string; dp: number }, n: number): { digits: string; dp: number } {
  if (n < 0) return { digits: '', dp: d.dp };
  if (d.digits.length <= n) return d;
  const kept = d.digits.slice(0, n);
  const next = d.digits.charCodeAt(n) - 48;
  const rest = d.digits.slice(n + 1);
  const last = n > 0 ? d.digits.charCodeAt(n - 1) - 48 : 0;
  const up = next > 5 || (next === 5 && (/[1-9]/.test(rest) || last % 2 === 1));
  if (!up) return { digits: kept.replace(/0+$/, ''), dp: d.dp };
  // Increment, carrying.
  const chars = kept.split('');
  let i = chars.length - 1;
  while (i >= 0 && chars[i] === '9') {
    chars[i] = '0';
    i--;
  }
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  chars[i] = String.fromCharCode(chars[i]!.charCodeAt(0) + 1);
  return { digits: chars.join('').replace(/0+$/, ''), dp: d.dp };
}

/** Shortest digits that read back as `x` (JavaScript and Go agree on them). */
function shortestDigits(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: '', dp: 0 };
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  return { digits: mantissa.replace('.', '').replace(/0+$/, ''), dp: Number(exp) + 1 };
}

function digitAt(d: { digits: string }, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

function formatE(d: { digits: string; dp: number }, prec: number, upper: boolean): string {
  let out = digitAt(d, 0);
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(d, i);
  }
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  const abs = Math.abs(exp);
  return `${out}${upper ? 'E' : 'e'}${sign}${abs < 10 ? `0${abs}` : abs}`;
}

function formatF(d: { digits: string; dp: number }, prec: number): string {
  let out = '';
  if (d.dp > 0) for (let i = 0; i < d.dp; i++) out += digitAt(d, i);
  else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += digitAt(d, d.dp + i);
  }
  return out;
}

/** strconv.FormatFloat(x, verb, prec, 64) for 'e', 'E', 'f', 'g', 'G' (prec -1: shortest). */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? '-' : '';
  const shortest = prec < 0;
  let d: { digits: string; dp: number };
  let p = prec;
  switch (verb) {
    case 'e':
    case 'E':
      d = shortest ? shortestDigits(x) : roundDigits(exactDecimal(x), p + 1);
      if (shortest) p = Math.max(d.digits.length - 1, 0);
      return sign + formatE(d, p, verb === 'E');
    case 'f':
      if (shortest) {
        d = shortestDigits(x);
        p = Math.max(d.digits.length - d.dp, 0);
      } else {
        const exact = exactDecimal(x);
        d = roundDigits(exact, exact.dp + p);
      }
      return sign + formatF(d, p);
    case 'g':
    case 'G': {
      if (!shortest && p === 0) p = 1;
      d = shortest ? shortestDigits(x) : roundDigits(exactDecimal(x), p);
      const nd = d.digits.length;
      let eprec = shortest ? 6 : p;
      if (!shortest && eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) p = nd;
      const exp = d.dp - 1;
      if (d.digits !== '' && (exp < -4 || exp >= eprec)) {
        return sign + formatE(d, Math.min(p, nd) - 1, verb === 'G');
      }
      if (p > d.dp) p = nd;
      return sign + formatF(d, Math.max(p - d.dp, 0));
    }
  }
}

/** The Go type a value has, as fmt names it (`float64`, `int`, `string`…). */
export function goTypeName(value: GoValue): string {
  if (value === undefined) return '<nil>';
  if (value instanceof GoInt) return 'int';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  return 'map[string]string';
}

/** fmt.Sprint of one value (`%v`). */
export function printValue(value: GoValue): string {
  if (value === undefined) return '<no value>';
  if (value instanceof GoInt) return String(value.value);
  if (typeof value === 'number') return formatFloat(value, 'g', -1);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const entries = [...value.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, v]) => `${k}:${v}`).join(' ')}]`;
}

/** strconv.Quote, near enough: JSON's escapes are Go's for printable text. */
function quote(text: string): string {
  return JSON.stringify(text);
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width?: number;
  precision?: number;
}

function pad(text: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || text.length >= spec.width) return text;
  const fill = spec.width - text.length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const signed = /^[+-]/.test(text) ? 1 : 0;
    return text.slice(0, signed) + '0'.repeat(fill) + text.slice(signed);
  }
  return ' '.repeat(fill) + text;
}

function bad(verb: string, value: GoValue): string {
  return `%!${verb}(${goTypeName(value)}=${printValue(value)})`;
}

function formatOne(verb: string, spec: Spec, value: GoValue): string {
  const signed = (text: string, negative: boolean) =>
    negative ? text : spec.plus ? `+${text}` : spec.space ? ` ${text}` : text;
  if (verb === 'v') {
    if (typeof value === 'number')
      return pad(signed(formatFloat(value, 'g', spec.precision ?? -1), value < 0), spec, true);
    return pad(printValue(value), spec, false);
  }
  if (verb === 'T') return pad(goTypeName(value), spec, false);
  if (typeof value === 'number' || value instanceof GoInt) {
    const isInt = value instanceof GoInt;
    const x = isInt ? value.value : value;
    switch (verb) {
      case 'd':
        if (!isInt) return bad(verb, value);
        return pad(signed(String(x), x < 0), spec, true);
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        if (isInt) return bad(verb, value);
        const goVerb = verb === 'F' ? 'f' : (verb as 'e' | 'E' | 'f' | 'g' | 'G');
        const precision = spec.precision ?? (goVerb === 'g' || goVerb === 'G' ? -1 : 6);
        const text = formatFloat(x, goVerb, precision);
        return pad(signed(text, text.startsWith('-')), spec, Number.isFinite(x));
      }
      case 'x':
      case 'X': {
        if (!isInt) return bad(verb, value);
        const hex = Math.abs(x).toString(16);
        return pad((x < 0 ? '-' : '') + (verb === 'X' ? hex.toUpperCase() : hex), spec, true);
      }
      default:
        return bad(verb, value);
    }
  }
  if (typeof value === 'string') {
    switch (verb) {
      case 's': {
        const text = spec.precision === undefined ? value : [...value].slice(0, spec.precision).join('');
        return pad(text, spec, false);
      }
      case 'q':
        return pad(quote(value), spec, false);
      default:
        return bad(verb, value);
    }
  }
  if (typeof value === 'boolean')
    return verb === 't' ? pad(printValue(value), spec, false) : bad(verb, value);
  return bad(verb, value);
}

/** fmt.Sprintf with Go's verbs, flags, width and precision (no `*` or argument indexes). */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false };
    for (; i < format.length; i++) {
      const flag = format[i];
      if (flag === '-') spec.minus = true;
      else if (flag === '+') spec.plus = true;
      else if (flag === ' ') spec.space = true;
      else if (flag === '0') spec.zero = true;
      else if (flag === '#') spec.sharp = true;
      else break;
    }
    let width = '';
    while (i < format.length && /[0-9]/.test(format[i]!)) width += format[i++];
    if (width !== '') spec.width = Number(width);
    if (format[i] === '.') {
      i++;
      let precision = '';
      while (i < format.length && /[0-9]/.test(format[i]!)) precision += format[i++];
      spec.precision = precision === '' ? 0 : Number(precision);
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = format[i]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, spec, args[next++]);
  }
  if (next < args.length) {
    out += `%!(EXTRA ${args
      .slice(next)
      .map((arg) => `${goTypeName(arg)}=${printValue(arg)}`)
      .join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((arg, index) => {
    if (index > 0 && typeof arg !== 'string' && typeof args[index - 1] !== 'string') out += ' ';
    out += printValue(arg);
  });
  return out;
}
