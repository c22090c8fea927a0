/** Parsing of the human units vigil.yml uses: durations ("800ms", "5s", "1m") and sizes ("10MB"). */

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** "800ms" → 800, "1.5s" → 1500, "2m" → 120000. Returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
}

/** 1500 → "1.5s", 800 → "800ms", 120000 → "2m": for messages and schedule expressions. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

// Binary multiples: "10MB" means 10 MiB, as users of body caps expect from curl/nginx.
const SIZE_UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)$/i;

/** "10MB" → 10485760. Returns undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_RE.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.floor(Number(amount) * SIZE_UNITS[unit!.toUpperCase() as keyof typeof SIZE_UNITS]);
}
