/** Terminal output: aligned tables, colour only on a TTY (and never with NO_COLOR). */

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
  dim: 2,
} as const;
export type Colour = keyof typeof CODES;

export function colourer(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv) {
  const enabled = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return (colour: Colour, text: string) => (enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI_RE = /\u001b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return [...text.replace(ANSI_RE, '')].length;
}

/** Renders rows as an aligned table; cells may contain ANSI colours. Long cells are cut to `maxCell`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], maxCell = 60): string {
  const cut = (text: string) =>
    visibleLength(text) > maxCell && !ANSI_RE.test(text)
      ? `${[...text].slice(0, maxCell - 1).join('')}…`
      : text;
  const all = [header, ...rows].map((row) => row.map(cut));
  const widths = header.map((_, column) => Math.max(...all.map((row) => visibleLength(row[column] ?? ''))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell + ' '.repeat(Math.max(0, widths[column]! - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [line(all[0]!), line(widths.map((width) => '─'.repeat(width))), ...all.slice(1).map(line)].join(
    '\n',
  );
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms)}ms`;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : String(Number(value.toPrecision(4)));
}
