// Text for the page. Everything the server sends is data, and labels can hold anything a scraped service or an
// alert sender put there (HTML, ANSI escapes, bidi overrides): it reaches the DOM only as text nodes, with the
// invisible characters written out, so "<img onerror=…>" reads as itself and "\u202e" cannot reverse a line.

// C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width characters and the BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const INVISIBLE_RE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * A string as a person should see it: control and formatting characters written as `\u{1b}`.
 * @param {unknown} value
 * @returns {string}
 */
export function shown(value) {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return text.replace(INVISIBLE_RE, (char) => `\\u{${char.charCodeAt(0).toString(16)}}`);
}

/**
 * An element with text children; attributes only through properties that cannot run code.
 * @param {string} tag
 * @param {{ class?: string, title?: string, data?: Record<string, string> } | null} attrs
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs?.class) node.className = attrs.class;
  if (attrs?.title) node.title = shown(attrs.title);
  for (const [name, value] of Object.entries(attrs?.data ?? {})) node.dataset[name] = value;
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : document.createTextNode(shown(child)));
  }
  return node;
}

/** @param {Element} node @param {...(Node | string)} children */
export function replace(node, ...children) {
  node.replaceChildren(...children);
}

/** @param {number | undefined} ms @returns {string} */
export function formatMs(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** @param {number} value @returns {string} */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toFixed(1) : String(Number(value.toPrecision(4)));
}

/** UTC wall time, as the terminal view and the alerts write it. @param {number | string | undefined} at */
export function clock(at) {
  if (at === undefined) return '–';
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? '–' : date.toISOString().slice(11, 19);
}

/** "3m ago", "in 20s". @param {number | string} at @param {number} now */
export function ago(at, now) {
  const ms = now - new Date(at).getTime();
  if (!Number.isFinite(ms)) return '';
  const abs = Math.abs(ms);
  const text =
    abs < 60_000
      ? `${Math.round(abs / 1000)}s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)}m`
        : `${(abs / 3_600_000).toFixed(1)}h`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}
