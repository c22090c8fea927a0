/**
 * Secrets never leak: every resolved secret is registered here, and every log line and error message vigil
 * writes goes through `redact`. URLs are also scrubbed structurally, because a webhook URL is a credential
 * even when nobody registered it (a Slack path, a WeCom `key=`, a Telegram `bot<token>`).
 */

const REDACTED = '***';
// Secrets shorter than this are not registered: replacing every "1" or "ok" in logs would make them unreadable,
// and such values are not credentials worth hiding.
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
let secretPattern: RegExp | undefined;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Remembers a secret value so that `redact` hides it everywhere, also in its URL-encoded form. */
export function registerSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  // Longest first, so a secret that contains another is hidden whole.
  const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
  secretPattern = new RegExp(alternatives.join('|'), 'g');
}

/** Query parameters that carry credentials in the chat vendors' URLs. */
const SECRET_QUERY_RE =
  /([?&](?:key|access_token|token|sig|sign|secret|signature|code|api[-_]?key|password)=)[^&#\s"']*/gi;
// Path segments that are credentials: Slack /services/T../B../xxx, Discord /webhooks/<id>/<token>,
// Feishu /hook/<token>, Telegram /bot<token>/, userinfo in URLs.
const SECRET_PATH_RES: readonly RegExp[] = [
  /(\/services\/)[^\s"'?#]+/g,
  /(\/webhooks\/\d+\/)[^\s"'/?#]+/g,
  /(\/hook\/)[^\s"'/?#]+/g,
  /(\/bot)\d+:[A-Za-z0-9_-]+/g,
  /(\/\/)[^/\s"'@]+:[^/\s"'@]+(?=@)/g,
];

/** Returns `text` with every registered secret and every credential-shaped URL part replaced by ***. */
export function redact(text: string): string {
  let out = secretPattern ? text.replace(secretPattern, REDACTED) : text;
  out = out.replace(SECRET_QUERY_RE, `$1${REDACTED}`);
  for (const re of SECRET_PATH_RES) out = out.replace(re, `$1${REDACTED}`);
  return out;
}

/** For URLs shown to users (CLI tables, logs): scheme, host and path shape, no credentials. */
export function redactUrl(url: string): string {
  return redact(url);
}

/** Deep-redacts a value about to be logged. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value instanceof Error) {
    const copy = new Error(redact(value.message));
    copy.name = value.name;
    if (value.stack) copy.stack = redact(value.stack);
    return copy as T;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactValue(item);
    return out as T;
  }
  return value;
}

/** Test helper and safety valve: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
  secretPattern = undefined;
}
