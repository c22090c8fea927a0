/**
 * DingTalk (钉钉) custom robot (alerts.md B3, B7): one markdown digest per delivery, request body ≤ 20,000 bytes,
 * optional 加签 signing recomputed on every send (the retrier calls send once per attempt, and a signature is only
 * valid for an hour), the configured keyword in every message — firing and resolved alike, or DingTalk drops the
 * resolved ones with 310000. Success is judged by `errcode`: the robot answers HTTP 200 to everything.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { type CodeTable, classifyErrcode } from './errcode';
import { placeholderString, robotWebhookUrl } from './fields';
import {
  alertFacts,
  digestTitle,
  fitDigest,
  headline,
  markdownLink,
  moreNote,
  orderForDigest,
  usableLinks,
  valueVsThreshold,
} from './format';
import { dingtalkSign } from './signing';
import { byteLength, type Measure, oneLine, truncateBytes } from './text';
import type { ChannelModule, DeliveryError, HttpResponse, RenderContext, SendDeps } from './types';
import { postJson } from './vendor-http';

export const DINGTALK_BODY_MAX_BYTES = 20_000;
/** The notification preview shows the title; keep it short. */
const TITLE_MAX_BYTES = 120;
/** Per-field caps, so one verbose alert cannot crowd every other alert out of the digest. */
const FIELD_MAX_BYTES = 768;
const COMPACT_FIELD_MAX_BYTES = 200;
/** DingTalk asks robots to stay silent for this long after 130101 (20 messages/minute exceeded). */
export const DINGTALK_THROTTLE_BLOCK_MS = 10 * 60_000;

// -----------------------------------------------------------------------------------------------------------------
// Config

const webhookUrl = robotWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=…', (url) =>
  url.searchParams.get('access_token')
    ? undefined
    : 'has no access_token= parameter: copy the whole webhook URL from the robot settings',
);

export const dingtalkConfigSchema = z.strictObject({
  type: z.literal('dingtalk'),
  url: webhookUrl,
  /** The robot's 加签 secret (SEC…); when set, every request is signed. */
  secret: z.optional(placeholderString.check(z.minLength(1))),
  /** One of the robot's custom keywords; added to every message that does not already contain it. */
  keyword: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  atMobiles: z.optional(z.array(z.string().check(z.regex(/^\+?[0-9][0-9-]{4,19}$/, 'use a mobile number')))),
  atAll: z.optional(z.boolean()),
});
export type DingtalkConfig = z.infer<typeof dingtalkConfigSchema>;

export interface DingtalkMessage {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; isAtAll: boolean };
}

// -----------------------------------------------------------------------------------------------------------------
// Render (pure)

/** Size of `text` once it sits inside a JSON string in the body (escapes included). */
const jsonBytes: Measure = (text) => byteLength(JSON.stringify(text)) - 2;

function render(alerts: readonly Alert[], config: DingtalkConfig, ctx: RenderContext): DingtalkMessage {
  const ordered = orderForDigest(alerts);
  // Mentions only while something fires: an all-resolved digest wakes nobody up.
  const firing = ordered.some((alert) => alert.status === 'firing');
  const atMobiles = firing ? [...(config.atMobiles ?? [])] : [];
  const at = { atMobiles, isAtAll: firing && config.atAll === true };

  const title = withKeyword(truncateBytes(oneLine(digestTitle(ordered)), TITLE_MAX_BYTES), config.keyword);
  // The title heads the text too, so the keyword is in both and survives any cut of the entries below it.
  const header = `#### ${md(title)}\n\n`;
  // For markdown, DingTalk only renders a mention whose @mobile also appears in the text.
  const footer = atMobiles.length > 0 ? `\n\n${atMobiles.map((mobile) => `@${mobile}`).join(' ')}` : '';
  const envelope: DingtalkMessage = { msgtype: 'markdown', markdown: { title, text: '' }, at };
  const budget =
    DINGTALK_BODY_MAX_BYTES - byteLength(JSON.stringify(envelope)) - jsonBytes(header) - jsonBytes(footer);
  const body = fitDigest(
    ordered,
    { full: (alert) => entry(alert, ordered.length > 1, ctx), compact: compactEntry },
    // The "+N more" note is a paragraph of its own, in italics.
    { max: budget, measure: jsonBytes, note: (omitted) => `\n\n*${moreNote(omitted)}*` },
  );
  return { msgtype: 'markdown', markdown: { title, text: header + body + footer }, at };
}

function withKeyword(title: string, keyword: string | undefined): string {
  return keyword && !title.includes(keyword) ? `[${keyword}] ${title}` : title;
}

function entry(alert: Alert, inDigest: boolean, ctx: RenderContext): string {
  const lines: string[] = [];
  // A single alert's headline is the message title already.
  if (inDigest) lines.push(`##### ${md(clip(headline(alert)))}`);
  for (const [label, value] of alertFacts(alert, ctx.now)) lines.push(`> **${label}**: ${md(clip(value))}`);
  const links = usableLinks(alert).map(link);
  if (links.length > 0) lines.push(links.join(' · '));
  // Quote lines need a blank line between them, or DingTalk joins them into one paragraph.
  return lines.join('\n\n');
}

/** One list line per alert, for digests too long to show every alert in full. */
function compactEntry(alert: Alert): string {
  const details = [alert.summary, valueVsThreshold(alert)]
    .filter(Boolean)
    .map((text) => md(clip(text!, COMPACT_FIELD_MAX_BYTES)));
  const first = usableLinks(alert)[0];
  const parts = [`**${md(clip(headline(alert)))}**`, ...details, ...(first ? [link(first)] : [])];
  return `- ${parts.join(' · ')}`;
}

function link({ title, url }: { title: string; url: string }): string {
  return markdownLink(md(clip(title)), url);
}

function clip(text: string, maxBytes = FIELD_MAX_BYTES): string {
  return truncateBytes(oneLine(text), maxBytes);
}

/** User text must not smuggle in HTML tags. (Mentions need `at` as well, so a stray @mobile in text pings nobody.) */
function md(text: string): string {
  return text.replace(/<(?=[A-Za-z/!])/g, '＜');
}

// -----------------------------------------------------------------------------------------------------------------
// Send

async function send(message: DingtalkMessage, config: DingtalkConfig, deps: SendDeps): Promise<void> {
  let url = config.url;
  if (config.secret) {
    // Fresh on every attempt: the retrier calls send again, and DingTalk rejects timestamps older than an hour.
    const { timestamp, sign } = dingtalkSign(config.secret, deps.now().getTime());
    const signed = new URL(config.url);
    signed.searchParams.set('timestamp', timestamp);
    signed.searchParams.set('sign', sign); // URLSearchParams percent-encodes + / = exactly once
    url = signed.toString();
  }
  const response = await postJson(url, message, deps);
  const failure = classifyDingtalkResponse(response, deps.now(), secrets(config));
  if (failure) throw failure;
}

/** The robot URL, its access_token and the signing secret: notify/deliver.ts registers them for redaction. */
function secrets(config: DingtalkConfig): string[] {
  const token = URL.canParse(config.url) ? new URL(config.url).searchParams.get('access_token') : null;
  return [config.url, ...(token ? [token] : []), ...(config.secret ? [config.secret] : [])];
}

// -----------------------------------------------------------------------------------------------------------------
// Classify

const DINGTALK_ERRCODES: CodeTable = new Map([
  [-1, { reason: 'server-error', retryable: true }], // system busy
  [130101, { reason: 'rate-limited', retryable: true }], // send too fast: > 20/min, robot blocked for 10 minutes
  [310000, { reason: 'auth', retryable: false }], // keywords not in content / sign not match / invalid timestamp / ip
  [300001, { reason: 'auth', retryable: false }], // token is not exist (robot removed or token mistyped)
  [300005, { reason: 'auth', retryable: false }], // token is not exist (external group)
  [460101, { reason: 'payload', retryable: false }], // message too long, exceed 20000 bytes
  [101002, { reason: 'payload', retryable: false }], // message is too long (older wording)
]);

/**
 * Reads DingTalk's `errcode` (HTTP 200 on failure too); undefined means delivered. `hide` are credential values
 * kept out of the error even if the vendor (or a proxy) echoes them.
 */
export function classifyDingtalkResponse(
  response: HttpResponse,
  now: Date,
  hide: readonly string[] = [],
): DeliveryError | undefined {
  return classifyErrcode('DingTalk', response, now, {
    codes: DINGTALK_ERRCODES,
    hide,
    // 130101: DingTalk blocks the robot for 10 minutes. Retryable — the message is fine — but only after that wait:
    // the retrier never waits past the deadline, so it gives up at once, and the notify stage blocks the robot's
    // budget for the 10 minutes and keeps the alerts queued (notify/flush.ts); the sweep sends them after the block,
    // merged into one digest, instead of hammering a blocked robot (which would only prolong the block).
    retryAfterMs: (errcode) => (errcode === 130101 ? DINGTALK_THROTTLE_BLOCK_MS : undefined),
  });
}

/** 20 messages a minute per robot (B3); beyond, 130101 and a 10-minute block. */
export const DINGTALK_MESSAGES_PER_MINUTE = 20;

export const dingtalk: ChannelModule<'dingtalk', DingtalkConfig, DingtalkMessage> = {
  type: 'dingtalk',
  schema: dingtalkConfigSchema,
  render,
  send,
  secrets,
  budget: [{ messages: DINGTALK_MESSAGES_PER_MINUTE, perMs: 60_000 }],
  robot: (config) => config.url,
};
