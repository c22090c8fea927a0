/**
 * Helpers every source module shares: the normalisation contract, one-line reasons, lenient field parsing,
 * timestamps and links. Pure: "now" comes in through the context.
 */
import type { Alert, Severity } from '../alerts/types';
import * as z from '../zod-mini';

/** What normalisation needs besides the payload. */
export interface NormalizeContext {
  /** `webhook.defaultSeverity`: the last rule of the severity convention (severity.ts). */
  defaultSeverity: Severity;
  /** Stands in for timestamps a payload does not carry or carries unreadably. */
  now: Date;
}

/** A recognised payload: its alerts, and why any part of it produced none (logged, never sent). */
export interface Normalized {
  alerts: Alert[];
  skipped: string[];
}

/** The payload was of this source but unusable as a whole; `error` is one line. */
export type NormalizeResult = Normalized | { error: string };

// Reasons go into HTTP responses and log lines: one line, and short enough that a hostile payload echoed back
// (a JSON.parse message quotes the input) cannot bloat either.
export const REASON_MAX_CHARS = 300;

/** Collapses every run of whitespace (newlines included) into one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A one-line reason of at most REASON_MAX_CHARS characters. */
export function reason(text: string): string {
  const line = oneLine(text);
  return line.length <= REASON_MAX_CHARS ? line : `${line.slice(0, REASON_MAX_CHARS - 1)}…`;
}

/** Links end up clickable in chat: only http(s) URLs pass, never javascript: or data:. */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
}

// RFC 3339 as Go (Alertmanager, Grafana) writes it, plus CloudWatch's "+0000" offsets without a colon.
// Strict on purpose: Date.parse alone reads "1" or "May 3" as dates.
const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
// Go's zero time.Time: Alertmanager and Grafana send it as endsAt while an alert fires.
const GO_ZERO_TIME_PREFIX = '0001-01-01T00:00:00';

/** An RFC 3339 timestamp as a UTC ISO string; undefined for Go's zero time, non-strings and anything unreadable. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ISO_TIME_RE.test(value) || value.startsWith(GO_ZERO_TIME_PREFIX)) {
    return undefined;
  }
  const withColon = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(withColon);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * A lenient optional field: a wrong type in a field we only display drops that field instead of the whole alert,
 * because senders do not retry a 4xx (Alertmanager, Grafana) and a partial alert beats a lost one.
 */
export function lenient<T extends z.ZodMiniType>(schema: T) {
  return z.catch(z.optional(schema), undefined);
}
export const optionalString = lenient(z.string());
export const optionalNumber = lenient(z.number());
export const optionalBoolean = lenient(z.boolean());

/** Scalars become strings (a sender's `code: 500` is still a label); nested values are dropped. */
export function scalarStrings(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  // Object.fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, item]): [string, string][] =>
      typeof item === 'string'
        ? [[key, item]]
        : typeof item === 'number' || typeof item === 'boolean'
          ? [[key, String(item)]]
          : [],
    ),
  );
}

/** A required string map (labels): must be an object; scalar values kept as strings. */
export const stringMap = z.pipe(
  z.custom<Record<string, unknown>>(
    (value) => value !== null && typeof value === 'object' && !Array.isArray(value),
    'expected an object of strings',
  ),
  z.transform((labels: Record<string, unknown>) => scalarStrings(labels)),
);

/** An optional string map (annotations): anything that is not an object counts as empty. */
export const optionalStringMap = z.pipe(z.optional(z.unknown()), z.transform(scalarStrings));

function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key))
      text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

/** The first zod issue as `prefix.path: message (+N more)`, one line. */
export function describeIssues(error: z.core.$ZodError, prefix = ''): string {
  const [first] = error.issues;
  if (!first) return reason(`${prefix || 'payload'}: invalid`);
  const path = pathText(first.path);
  const where = prefix && path && !path.startsWith('[') ? `${prefix}.${path}` : `${prefix}${path}`;
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return reason(`${where || 'payload'}: ${first.message}${more}`);
}

/** `{ key: value }` when value is defined, else `{}`: builds objects under exactOptionalPropertyTypes. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Describes a JSON value's type for error messages: "array", "null", "number" … */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
