/**
 * Limit-safe text helpers. Vendors count differently: WeCom/DingTalk/Feishu/SNS in UTF-8 bytes, Discord/Slack in
 * characters (code points), Telegram in UTF-16 code units (its entity offsets are UTF-16). Cuts happen on grapheme
 * cluster boundaries: never inside a multi-byte character, a surrogate pair, a ZWJ emoji sequence or a flag.
 */

/** A way of measuring text; every one is additive over grapheme clusters. */
export type Measure = (text: string) => number;

/** Whitespace runs (line breaks included) folded to one space, trimmed: text for a single line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Length in Unicode code points (what Discord and Slack count as characters). */
export function charLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Length in UTF-16 code units (what Telegram counts; never less than charLength, so also a safe upper bound). */
export function utf16Length(text: string): number {
  return text.length;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The longest prefix of `text` that ends on a grapheme boundary and measures at most `max`. */
export function sliceTo(text: string, max: number, measure: Measure): string {
  if (max <= 0) return '';
  if (measure(text) <= max) return text;
  let used = 0;
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = measure(segment);
    if (used + size > max) break;
    used += size;
    end += segment.length;
  }
  return text.slice(0, end);
}

/** Cuts `text` to at most `max` (by `measure`) including `suffix`, on a grapheme boundary. */
export function truncateTo(text: string, max: number, measure: Measure, suffix = '…'): string {
  if (measure(text) <= max) return text;
  const budget = max - measure(suffix);
  if (budget <= 0) return sliceTo(suffix, max, measure);
  return sliceTo(text, budget, measure) + suffix;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`. */
export function sliceBytes(text: string, maxBytes: number): string {
  return sliceTo(text, maxBytes, byteLength);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes including `suffix`, on a character boundary. */
export function truncateBytes(text: string, maxBytes: number, suffix = '…'): string {
  return truncateTo(text, maxBytes, byteLength, suffix);
}

/** Cuts `text` to at most `maxChars` code points including `suffix`. */
export function truncateChars(text: string, maxChars: number, suffix = '…'): string {
  return truncateTo(text, maxChars, charLength, suffix);
}

/** Cuts `text` to at most `maxUnits` UTF-16 code units including `suffix`. */
export function truncateUtf16(text: string, maxUnits: number, suffix = '…'): string {
  return truncateTo(text, maxUnits, utf16Length, suffix);
}

/**
 * Keeps the longest prefix of `items` that `fits` together with a note for the rest. `fits(kept, omitted)` must be
 * (nearly) monotonic: if k items fit, k-1 items do. At least one item is kept when there is one — renderers cap each
 * item so that a single one always fits.
 */
export function takeWithinBudget<T>(
  items: readonly T[],
  fits: (kept: readonly T[], omitted: readonly T[]) => boolean,
): { kept: T[]; omitted: T[] } {
  const at = (k: number) => ({ kept: items.slice(0, k), omitted: items.slice(k) });
  if (items.length === 0 || fits(items, [])) return at(items.length);
  // Binary search for the largest k that fits, then step down in case the note's own length made it non-monotonic.
  let low = 1;
  let high = items.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const { kept, omitted } = at(mid);
    if (fits(kept, omitted)) low = mid;
    else high = mid - 1;
  }
  let k = low;
  for (let next = at(k); k > 1 && !fits(next.kept, next.omitted); next = at(k)) k--;
  return at(k);
}

/**
 * Joins digest entries under a byte or character budget: keeps whole entries while they fit, then adds
 * "+N more" so a reader knows alerts were left out (never silently dropped: the log carries all of them).
 */
export function joinWithinLimit(
  entries: readonly string[],
  separator: string,
  max: number,
  measure: Measure,
  more: (omitted: number) => string = (omitted) => `+${omitted} more`,
): { text: string; omitted: number } {
  const join = (kept: readonly string[], omitted: number) =>
    omitted > 0 ? [...kept, more(omitted)].join(separator) : kept.join(separator);
  const { kept, omitted } = takeWithinBudget(entries, (k, o) => measure(join(k, o.length)) <= max);
  if (kept.length === 1 && measure(join(kept, omitted.length)) > max) {
    // Not even one entry fits whole: cut the first one rather than send nothing.
    const tail = omitted.length > 0 ? separator + more(omitted.length) : '';
    return { text: truncateTo(kept[0]!, max - measure(tail), measure) + tail, omitted: omitted.length };
  }
  return { text: join(kept, omitted.length), omitted: omitted.length };
}

// C0 controls except tab and newline, DEL, C1 controls (CSI, OSC … as single code points).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Bidirectional overrides and isolates: they reorder what a reader sees ("U+202E" turns "exe.txt" around).
const BIDI_RE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Text from a sender, made harmless for a terminal or a chat client: control characters become their visible
 * Unicode "control pictures" (ESC → ␛, BEL → ␇, NUL → ␀, DEL → ␡; C1 → �), so an escape sequence is shown, not
 * executed, and bidi overrides and isolates are dropped. Tabs and newlines stay.
 */
export function neutralizeControls(text: string): string {
  return text
    .replace(CONTROL_RE, (char) => {
      const code = char.charCodeAt(0);
      if (code < 0x20) return String.fromCharCode(0x2400 + code);
      return code === 0x7f ? '\u2421' : '\uFFFD';
    })
    .replace(BIDI_RE, '');
}

/** Every string in `value` (keys included) through neutralizeControls; numbers, booleans and nulls as they are. */
export function neutralizeDeep<T>(value: T): T {
  if (typeof value === 'string') return neutralizeControls(value) as T;
  if (Array.isArray(value)) return value.map((item) => neutralizeDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [neutralizeControls(key), neutralizeDeep(item)]),
    ) as T;
  }
  return value;
}
