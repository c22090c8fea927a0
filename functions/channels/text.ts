/**
 * Limit-safe text helpers. Vendors count differently: WeCom/DingTalk/Feishu/SNS in UTF-8 bytes, Telegram/Discord/
 * Slack in characters. Cuts never split a multi-byte character or a surrogate pair.
 */

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Length in Unicode code points (what Telegram, Discord and Slack count as characters). */
export function charLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes including `suffix`, on a code point boundary. */
export function truncateBytes(text: string, maxBytes: number, suffix = '…'): string {
  if (byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - byteLength(suffix);
  if (budget <= 0) return sliceBytes(suffix, maxBytes);
  return sliceBytes(text, budget) + suffix;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`. */
export function sliceBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = byteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** Cuts `text` to at most `maxChars` code points including `suffix`. */
export function truncateChars(text: string, maxChars: number, suffix = '…'): string {
  if (charLength(text) <= maxChars) return text;
  const budget = maxChars - charLength(suffix);
  const chars = [...text];
  if (budget <= 0) return [...suffix].slice(0, maxChars).join('');
  return chars.slice(0, budget).join('') + suffix;
}

/**
 * Joins digest entries under a byte or character budget: keeps whole entries while they fit, then adds
 * "+N more" so a reader knows alerts were left out (never silently dropped: the log carries all of them).
 */
export function joinWithinLimit(
  entries: readonly string[],
  separator: string,
  max: number,
  measure: (text: string) => number,
  more: (omitted: number) => string = (omitted) => `+${omitted} more`,
): { text: string; omitted: number } {
  let text = '';
  for (let i = 0; i < entries.length; i++) {
    const candidate = text === '' ? entries[i]! : text + separator + entries[i]!;
    const remaining = entries.length - i - 1;
    const reserve = remaining > 0 ? measure(separator + more(remaining)) : 0;
    if (measure(candidate) + reserve > max) {
      const omitted = entries.length - i;
      const note = more(omitted);
      if (text === '') {
        // Not even one entry fits whole: cut the first one rather than send nothing.
        const tail = remaining > 0 ? separator + more(remaining) : '';
        const budget = max - measure(tail);
        const cut = measure === byteLength ? truncateBytes(entries[i]!, budget) : truncateChars(entries[i]!, budget);
        return { text: cut + tail, omitted: remaining };
      }
      return { text: text + separator + note, omitted };
    }
    text = candidate;
  }
  return { text, omitted: 0 };
}
