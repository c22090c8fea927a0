/** Seeded generators for fuzz tests: a failure replays from its seed. */

/** mulberry32: tiny, seedable, good enough to pick mutations. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1–8 random edits of `text`: inserted tokens, deletions, replaced characters, repeats, cuts, swapped lines. */
export function mutate(text: string, next: () => number, tokens: readonly string[]): string {
  let out = text;
  const operations = 1 + Math.floor(next() * 8);
  for (let i = 0; i < operations; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const length = Math.floor(next() * 24);
    switch (Math.floor(next() * 6)) {
      case 0:
        out = out.slice(0, at) + tokens[Math.floor(next() * tokens.length)]! + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + length);
        break;
      case 2:
        out = out.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x10000)) + out.slice(at + 1);
        break;
      case 3:
        out = out.slice(0, at) + out.slice(at, at + length).repeat(2) + out.slice(at + length);
        break;
      case 4:
        out = out.slice(0, at);
        break;
      default: {
        const lines = out.split('\n');
        const a = Math.floor(next() * lines.length);
        const b = Math.floor(next() * lines.length);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        out = lines.join('\n');
      }
    }
  }
  return out;
}
