/**
 * WeCom (企业微信) group robot (alerts.md B2): one digest message per delivery within WeCom's UTF-8 byte limits;
 * success is judged by `errcode`, because the robot answers HTTP 200 to everything.
 *
 * Mentions: markdown can mention userids (`<@id>`) but not "@all" or mobiles — only the text msgtype has
 * `mentioned_list` / `mentioned_mobile_list`. We still send exactly one message per delivery (a second one would
 * spend the 20/min budget twice, and a retry of the pair could duplicate the first): when "@all" or a mobile must
 * be pinged, the digest goes out as plain `text` (2048 bytes), otherwise as coloured markdown (4096 bytes) with
 * `<@userid>`. Mentions only ping while something fires: an all-resolved digest wakes nobody up.
 */
import type { Alert } from '../alerts/types';
import { PLACEHOLDER_RE, placeholderError } from '../config/secrets';
import * as z from '../zod-mini';
import { type CodeTable, classifyErrcode } from './errcode';
import {
  alertFacts,
  digestTitle,
  digestTone,
  fitDigest,
  headline,
  markdownLink,
  orderForDigest,
  usableLinks,
  valueVsThreshold,
} from './format';
import { byteLength, oneLine, truncateBytes } from './text';
import type { ChannelModule, DeliveryError, HttpResponse, RenderContext, SendDeps } from './types';
import { postJson } from './vendor-http';

export const WECOM_MARKDOWN_MAX_BYTES = 4096;
export const WECOM_TEXT_MAX_BYTES = 2048;
/** Per-field caps, so one verbose alert cannot crowd every other alert out of the digest. */
const FIELD_MAX_BYTES = 512;
const COMPACT_FIELD_MAX_BYTES = 160;
const MENTION_ALL = '@all';

// -----------------------------------------------------------------------------------------------------------------
// Config

/** A webhook URL (a credential: never echoed in messages) or a ${...} placeholder resolved before send. */
const webhookUrl = z.string().check(
  z.superRefine((value, ctx) => {
    const placeholder = placeholderError(value);
    if (placeholder) return void ctx.addIssue({ code: 'custom', message: placeholder });
    if (PLACEHOLDER_RE.test(value)) return;
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: 'is not an http(s) URL (expected https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)',
      });
    } else if (!new URL(value).searchParams.get('key')) {
      ctx.addIssue({
        code: 'custom',
        message: 'has no key= parameter: copy the whole webhook URL from the robot settings',
      });
    }
  }),
);

export const wecomConfigSchema = z.strictObject({
  type: z.literal('wecom'),
  url: webhookUrl,
  /** WeCom userids to mention, or "@all". */
  mention: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Mobile numbers to mention (or "@all"); forces the text msgtype. */
  mentionMobiles: z.optional(
    z.array(z.string().check(z.regex(/^(?:@all|\+?[0-9][0-9-]{4,19})$/, 'use a mobile number or "@all"'))),
  ),
});
export type WecomConfig = z.infer<typeof wecomConfigSchema>;

export interface WecomTextBody {
  content: string;
  mentioned_list?: string[];
  mentioned_mobile_list?: string[];
}

export type WecomMessage =
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'text'; text: WecomTextBody };

// -----------------------------------------------------------------------------------------------------------------
// Render (pure)

function render(alerts: readonly Alert[], config: WecomConfig, ctx: RenderContext): WecomMessage {
  const ordered = orderForDigest(alerts);
  const firing = ordered.some((alert) => alert.status === 'firing');
  const mention = firing ? (config.mention ?? []) : [];
  const userIds = mention.filter((id) => id !== MENTION_ALL);
  const mobiles = firing ? (config.mentionMobiles ?? []) : [];

  if (mention.includes(MENTION_ALL) || mobiles.length > 0) {
    const text: WecomTextBody = { content: renderText(ordered, ctx) };
    if (mention.length > 0)
      text.mentioned_list = [...userIds, ...(mention.includes(MENTION_ALL) ? [MENTION_ALL] : [])];
    if (mobiles.length > 0) text.mentioned_mobile_list = [...mobiles];
    return { msgtype: 'text', text };
  }
  return { msgtype: 'markdown', markdown: { content: renderMarkdown(ordered, userIds, ctx) } };
}

function renderMarkdown(alerts: readonly Alert[], userIds: readonly string[], ctx: RenderContext): string {
  // WeCom markdown has three colours: info (green), comment (grey), warning (orange). Resolved is always green.
  const tone = digestTone(alerts) === 'resolved' ? 'info' : 'warning';
  const header = alerts.length > 1 ? `## <font color="${tone}">${md(digestTitle(alerts))}</font>\n\n` : '';
  const footer = userIds.length > 0 ? `\n\n${userIds.map((id) => `<@${id}>`).join('')}` : '';
  const budget = WECOM_MARKDOWN_MAX_BYTES - byteLength(header) - byteLength(footer);
  const entry = { full: (alert: Alert) => markdownEntry(alert, ctx), compact: compactMarkdown };
  return header + fitDigest(alerts, entry, { max: budget, measure: byteLength }) + footer;
}

function markdownEntry(alert: Alert, ctx: RenderContext): string {
  const lines = [`### <font color="${colorOf(alert)}">${md(clip(headline(alert)))}</font>`];
  for (const [label, value] of facts(alert, ctx))
    lines.push(`> <font color="comment">${label}:</font> ${md(value)}`);
  const links = usableLinks(alert).map(link);
  if (links.length > 0) lines.push(links.join(' · '));
  return lines.join('\n');
}

/** One line per alert, for digests too long to show every alert in full. */
function compactMarkdown(alert: Alert): string {
  const details = [alert.summary, valueVsThreshold(alert)]
    .filter(Boolean)
    .map((text) => md(clip(text!, COMPACT_FIELD_MAX_BYTES)));
  const first = usableLinks(alert)[0];
  return [
    `<font color="${colorOf(alert)}">${md(clip(headline(alert)))}</font>`,
    ...details,
    ...(first ? [link(first)] : []),
  ].join(' · ');
}

function colorOf(alert: Alert): 'warning' | 'info' {
  return alert.status === 'firing' ? 'warning' : 'info';
}

function link({ title, url }: { title: string; url: string }): string {
  return markdownLink(md(clip(title)), url);
}

function renderText(alerts: readonly Alert[], ctx: RenderContext): string {
  const header = alerts.length > 1 ? `${digestTitle(alerts)}\n\n` : '';
  const full = (alert: Alert) =>
    [
      clip(headline(alert)),
      ...facts(alert, ctx).map(([label, value]) => `${label}: ${value}`),
      ...usableLinks(alert).map(({ title, url }) => `${clip(title)}: ${url}`),
    ].join('\n');
  const compact = (alert: Alert) =>
    [headline(alert), alert.summary, valueVsThreshold(alert)]
      .filter(Boolean)
      .map((text) => clip(text!, COMPACT_FIELD_MAX_BYTES))
      .join(' · ');
  const max = WECOM_TEXT_MAX_BYTES - byteLength(header);
  return header + fitDigest(alerts, { full, compact }, { max, measure: byteLength });
}

/** The label/value lines under each alert's headline; each value one line and capped. */
function facts(alert: Alert, ctx: RenderContext): [string, string][] {
  return alertFacts(alert, ctx.now).map(([label, value]) => [label, clip(value)]);
}

function clip(text: string, maxBytes = FIELD_MAX_BYTES): string {
  return truncateBytes(oneLine(text), maxBytes);
}

/** User text must not smuggle in mentions or colour tags. */
function md(text: string): string {
  return text.replace(/<(?=\s*(?:@|\/?font))/gi, '＜');
}

// -----------------------------------------------------------------------------------------------------------------
// Send

async function send(message: WecomMessage, config: WecomConfig, deps: SendDeps): Promise<void> {
  const response = await postJson(config.url, message, deps);
  const failure = classifyWecomResponse(response, deps.now(), secrets(config));
  if (failure) throw failure;
}

/** The robot URL and its key: notify/deliver.ts registers them for redaction. */
function secrets(config: WecomConfig): string[] {
  const key = URL.canParse(config.url) ? new URL(config.url).searchParams.get('key') : null;
  return key ? [config.url, key] : [config.url];
}

// -----------------------------------------------------------------------------------------------------------------
// Classify

const WECOM_ERRCODES: CodeTable = new Map([
  [-1, { reason: 'server-error', retryable: true }], // system busy
  [45009, { reason: 'rate-limited', retryable: true }], // 20 messages/minute per robot, failures included
  [45033, { reason: 'rate-limited', retryable: true }], // too many concurrent calls
  [93000, { reason: 'auth', retryable: false }], // invalid webhook URL: robot removed or key wrong
  [40001, { reason: 'auth', retryable: false }], // invalid credential
  [45002, { reason: 'payload', retryable: false }], // content too long
  [40058, { reason: 'payload', retryable: false }], // "markdown.content exceed max length 4096" (newer wording)
  [40008, { reason: 'payload', retryable: false }], // invalid msgtype
  [44004, { reason: 'payload', retryable: false }], // empty content
]);

/**
 * Reads WeCom's `errcode` (HTTP 200 on failure too); undefined means delivered. `hide` are credential values kept
 * out of the error even if the vendor (or a proxy) echoes them.
 */
export function classifyWecomResponse(
  response: HttpResponse,
  now: Date,
  hide: readonly string[] = [],
): DeliveryError | undefined {
  return classifyErrcode('WeCom', response, now, {
    codes: WECOM_ERRCODES,
    hide,
    // The per-minute budget refills at the next minute boundary.
    retryAfterMs: (errcode) =>
      errcode === 45009 ? Math.max(1000, 60_000 - (now.getTime() % 60_000)) : undefined,
  });
}

/** 20 messages a minute per robot, failures counted (B2); beyond, 45009. */
export const WECOM_MESSAGES_PER_MINUTE = 20;

export const wecom: ChannelModule<'wecom', WecomConfig, WecomMessage> = {
  type: 'wecom',
  schema: wecomConfigSchema,
  render,
  send,
  secrets,
  budget: [{ messages: WECOM_MESSAGES_PER_MINUTE, perMs: 60_000 }],
  robot: (config) => config.url,
};
