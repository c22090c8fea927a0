/**
 * Number and duration syntax exactly as Prometheus reads it: Go's strconv.ParseFloat (for number literals and
 * `le` bucket labels) and prometheus/common's model.ParseDuration (for `[5m]`, `offset 1h30m`).
 */

const DECIMAL =
  /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const HEX =
  /^([+-]?)0[xX]_?([0-9a-fA-F](?:_?[0-9a-fA-F])*)?(?:\.([0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP]([+-]?[0-9](?:_?[0-9])*)$/;
const SPECIAL = /^(?:([+-]?)(?:inf|infinity)|nan)$/i;

/**
 * Go's strconv.ParseFloat(s, 64): decimal and hexadecimal (`0x1p-2`, exponent required) forms, `inf`,
 * `infinity` and `nan` in any case, underscores only between digits. Returns undefined where Go returns an
 * error, including overflow to ±Inf (ErrRange); underflow gives 0 without error, as in Go.
 * The regexes are anchored and free of nested quantifiers over the same characters, so they run in linear time.
 */
export function parseGoFloat(text: string): number | undefined {
  const special = SPECIAL.exec(text);
  if (special) {
    if (/nan/i.test(text) && text.length === 3) return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  let value: number;
  if (DECIMAL.test(text)) {
    value = Number(text.replaceAll('_', ''));
  } else {
    const hex = HEX.exec(text);
    if (!hex) return undefined;
    const [, sign, intDigits = '', fracDigits = '', exponent] = hex;
    if (intDigits === '' && fracDigits === '') return undefined;
    const digits = (intDigits + fracDigits).replaceAll('_', '');
    const mantissa = BigInt(`0x${digits || '0'}`);
    const exp = Number(exponent!.replaceAll('_', '')) - 4 * fracDigits.replaceAll('_', '').length;
    value = hexToNumber(mantissa, exp);
    if (sign === '-') value = -value;
  }
  return Number.isFinite(value) ? value : undefined;
}

/** mantissa × 2^exp, rounded once (Number(BigInt) rounds to nearest even; scaling by a power of two is exact). */
function hexToNumber(mantissa: bigint, exp: number): number {
  if (mantissa === 0n) return 0;
  // Keep at most 64 significant bits before the single rounding, folding the rest into a sticky bit.
  const bits = mantissa.toString(2).length;
  let m = mantissa;
  let e = exp;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const sticky = (m & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> shift) | sticky;
    e += bits - 64;
  }
  let value = Number(m);
  // Apply the exponent in steps that stay within range so intermediate results neither overflow nor underflow early.
  while (e > 0) {
    const step = Math.min(e, 1000);
    value *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.max(e, -1000);
    value *= 2 ** step;
    e -= step;
  }
  return value;
}

const DURATION_UNITS = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;
const DURATION =
  /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;

/** model.ParseDuration: units in decreasing order, each at most once (`1h30m`, `90s`, `1d`); milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  let total = 0;
  DURATION_UNITS.forEach(([, ms], index) => {
    const count = match[index + 1];
    if (count !== undefined) total += Number(count) * ms;
  });
  return Number.isSafeInteger(total) ? total : undefined;
}

/** model.Duration.String(): `5m`, `1h30m`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of DURATION_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
