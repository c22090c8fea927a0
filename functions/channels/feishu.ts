/**
 * Feishu / Lark custom bot (alerts.md B4, B7): one interactive card per delivery, request body ≤ 20 KB, optional
 * signature (seconds, in the JSON body) recomputed on every send, the configured keyword in every card. The header
 * colour comes from alert status and severity — never from rendered text, so a resolved card is always green.
 * Success is judged by `code` (legacy `StatusCode`): business errors arrive with HTTP 200.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { type CodeTable, classifyWithoutCode, codeError } from './errcode';
import { placeholderString, robotWebhookUrl } from './fields';
import {
  contextLine,
  digestTitle,
  digestTone,
  formatTime,
  headline,
  labelsText,
  metricText,
  moreNote,
  orderForDigest,
  type Tone,
  timing,
  usableLinks,
  valueVsThreshold,
} from './format';
import { feishuSign } from './signing';
import { byteLength, oneLine, takeWithinBudget, truncateBytes } from './text';
import type { ChannelModule, DeliveryError, HttpResponse, RenderContext, SendDeps } from './types';
import { isRecord, isSuccessStatus, parseJsonBody, postJson, secondsToMs } from './vendor-http';

export const FEISHU_BODY_MAX_BYTES = 20_000;
/** Room left in the body for `"timestamp":"<10 digits>","sign":"<44 chars>",` added at send time. */
const SIGNATURE_RESERVE_BYTES = 96;
const TITLE_MAX_BYTES = 200;
const FIELD_MAX_BYTES = 512;
const DETAILS_MAX_BYTES = 1024;
const COMPACT_FIELD_MAX_BYTES = 200;
const BUTTONS_PER_ALERT = 4;
const BUTTON_URL_MAX_BYTES = 2000;

// -----------------------------------------------------------------------------------------------------------------
// Config

const webhookUrl = robotWebhookUrl('https://open.feishu.cn/open-apis/bot/v2/hook/…', (url) =>
  /\/hook\/[^/]+$/.test(url.pathname)
    ? undefined
    : 'does not end in /hook/<token>: copy the whole webhook URL from the bot settings',
);

export const feishuConfigSchema = z.strictObject({
  type: z.literal('feishu'),
  url: webhookUrl,
  /** The bot's signature secret; when set, every request is signed. */
  secret: z.optional(placeholderString.check(z.minLength(1))),
  /** One of the bot's custom keywords; added to every card that does not already contain it. */
  keyword: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type FeishuConfig = z.infer<typeof feishuConfigSchema>;

export interface FeishuText {
  tag: 'plain_text' | 'lark_md';
  content: string;
}
export interface FeishuButton {
  tag: 'button';
  type: 'primary' | 'danger' | 'default';
  text: FeishuText;
  url: string;
}
export type FeishuElement =
  | { tag: 'div'; text: FeishuText; fields?: { is_short: boolean; text: FeishuText }[] }
  | { tag: 'hr' }
  | { tag: 'action'; actions: FeishuButton[] }
  | { tag: 'note'; elements: FeishuText[] };
export type FeishuTemplate = 'red' | 'orange' | 'yellow' | 'green';
export interface FeishuMessage {
  msg_type: 'interactive';
  card: {
    config: { wide_screen_mode: true };
    header: { template: FeishuTemplate; title: FeishuText };
    elements: FeishuElement[];
  };
}

// -----------------------------------------------------------------------------------------------------------------
// Render (pure)

/** Header colour per digest tone: the worst firing severity, green only when everything resolved. */
const TEMPLATES: Record<Tone, FeishuTemplate> = {
  emergency: 'red',
  critical: 'red',
  warning: 'orange',
  info: 'yellow',
  resolved: 'green',
};

function render(alerts: readonly Alert[], config: FeishuConfig, ctx: RenderContext): FeishuMessage {
  const ordered = orderForDigest(alerts);
  const title = withKeyword(truncateBytes(oneLine(digestTitle(ordered)), TITLE_MAX_BYTES), config.keyword);
  const header = {
    template: TEMPLATES[digestTone(ordered)],
    title: { tag: 'plain_text' as const, content: title },
  };
  const budget = FEISHU_BODY_MAX_BYTES - SIGNATURE_RESERVE_BYTES;
  const fits = (message: FeishuMessage) => byteLength(JSON.stringify(message)) <= budget;

  type Group = { alert: Alert; elements: FeishuElement[] };
  const attempt = (groups: Group[], divider: boolean) => {
    const build = (kept: readonly Group[], omitted: readonly Group[]): FeishuMessage => ({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header,
        elements: [
          ...kept.flatMap((group, index) =>
            index > 0 && divider ? [{ tag: 'hr' } as const, ...group.elements] : group.elements,
          ),
          footer(
            omitted.map((group) => group.alert),
            config,
            ctx,
          ),
        ],
      },
    });
    const { kept, omitted } = takeWithinBudget(groups, (k, o) => fits(build(k, o)));
    return { build, kept, omitted, message: build(kept, omitted) };
  };
  let result = attempt(
    ordered.map((alert) => ({ alert, elements: alertElements(alert, ordered.length > 1, ctx) })),
    true,
  );
  if (result.omitted.length > 0) {
    // Too long to show every alert in full: one line each, so the card names as many alerts as possible.
    result = attempt(
      ordered.map((alert) => ({ alert, elements: [compactElement(alert)] })),
      false,
    );
  }
  const first = result.kept[0];
  if (fits(result.message) || !first) return result.message;
  // Not even one alert fits whole (it cannot, given the field caps, but never send an oversized card): headline only.
  return result.build(
    [{ alert: first.alert, elements: [mdDiv(clip(headline(first.alert), FIELD_MAX_BYTES))] }],
    result.omitted,
  );
}

function withKeyword(title: string, keyword: string | undefined): string {
  return keyword && !title.includes(keyword) ? `[${keyword}] ${title}` : title;
}

function alertElements(alert: Alert, inDigest: boolean, ctx: RenderContext): FeishuElement[] {
  const lines: string[] = [];
  // A single alert's headline is the card header already.
  if (inDigest) lines.push(`**${md(clip(headline(alert), FIELD_MAX_BYTES))}**`);
  if (alert.summary) lines.push(md(clip(alert.summary, FIELD_MAX_BYTES)));
  if (alert.description && alert.description !== alert.summary)
    lines.push(md(clip(alert.description, DETAILS_MAX_BYTES)));
  const fields: { is_short: boolean; text: FeishuText }[] = [];
  const field = (label: string, value: string | undefined, short: boolean) => {
    if (value)
      fields.push({
        is_short: short,
        text: { tag: 'lark_md', content: `**${label}**\n${md(clip(value, FIELD_MAX_BYTES))}` },
      });
  };
  field('Metric', metricText(alert), true);
  field('Value', valueVsThreshold(alert), true);
  field('Time', timing(alert, ctx.now), true);
  field('Context', contextLine(alert), true);
  field('Labels', labelsText(alert), false);

  const div: FeishuElement = {
    tag: 'div',
    text: { tag: 'lark_md', content: lines.join('\n') || md(alert.name) },
  };
  if (fields.length > 0) div.fields = fields;
  const elements: FeishuElement[] = [div];
  const links = usableLinks(alert)
    .filter((link) => byteLength(link.url) <= BUTTON_URL_MAX_BYTES)
    .slice(0, BUTTONS_PER_ALERT);
  if (links.length > 0) {
    elements.push({
      tag: 'action',
      actions: links.map((link, index) => ({
        tag: 'button',
        type:
          index === 0 && alert.status === 'firing'
            ? alert.severity === 'info'
              ? 'primary'
              : 'danger'
            : 'default',
        text: { tag: 'plain_text', content: clip(link.title, 100) },
        url: link.url,
      })),
    });
  }
  return elements;
}

/** The note closing every card: keyword (so resolved cards pass the keyword check too), what was cut, when. */
function footer(omitted: readonly Alert[], config: FeishuConfig, ctx: RenderContext): FeishuElement {
  const parts = [
    config.keyword ?? 'vigil',
    omitted.length > 0 ? moreNote(omitted) : '',
    formatTime(ctx.now.toISOString()),
  ];
  return { tag: 'note', elements: [{ tag: 'plain_text', content: parts.filter(Boolean).join(' · ') }] };
}

/** One line per alert: headline, summary, value and the first link. */
function compactElement(alert: Alert): FeishuElement {
  const details = [alert.summary, valueVsThreshold(alert)]
    .filter(Boolean)
    .map((text) => md(clip(text!, COMPACT_FIELD_MAX_BYTES)));
  const link = usableLinks(alert).find((candidate) => byteLength(candidate.url) <= BUTTON_URL_MAX_BYTES);
  const linkText = link
    ? [`[${md(clip(link.title, 100)).replace(/[[\]]/g, '')}](${link.url.replace(/\)/g, '%29')})`]
    : [];
  return mdDiv(
    [`**${md(clip(headline(alert), FIELD_MAX_BYTES))}**`, ...details, ...linkText].join(' · '),
    false,
  );
}

function mdDiv(content: string, sanitize = true): FeishuElement {
  return { tag: 'div', text: { tag: 'lark_md', content: sanitize ? md(content) : content } };
}

function clip(text: string, maxBytes: number): string {
  return truncateBytes(oneLine(text), maxBytes);
}

/** User text must not smuggle in <at> mentions or other tags. */
function md(text: string): string {
  return text.replace(/<(?=[A-Za-z/!])/g, '＜');
}

// -----------------------------------------------------------------------------------------------------------------
// Send

async function send(message: FeishuMessage, config: FeishuConfig, deps: SendDeps): Promise<void> {
  // Fresh on every attempt: the retrier calls send again, and Feishu rejects timestamps older than an hour.
  const signature = config.secret ? feishuSign(config.secret, deps.now().getTime()) : undefined;
  const body = signature ? { timestamp: signature.timestamp, sign: signature.sign, ...message } : message;
  const response = await postJson(config.url, body, deps);
  const failure = classifyFeishuResponse(response, deps.now(), secrets(config));
  if (failure) throw failure;
}

/** The bot URL, its token and the signing secret: notify/deliver.ts registers them for redaction. */
function secrets(config: FeishuConfig): string[] {
  const token = /\/hook\/([^/?#]+)/.exec(config.url)?.[1];
  return [config.url, ...(token ? [token] : []), ...(config.secret ? [config.secret] : [])];
}

// -----------------------------------------------------------------------------------------------------------------
// Classify

const FEISHU_CODES: CodeTable = new Map([
  [11232, { reason: 'rate-limited', retryable: true }], // frequency limited (5/s, 100/min per bot)
  [9499, { reason: 'rate-limited', retryable: true }], // seen as a throttle answer too
  [19001, { reason: 'auth', retryable: false }], // param invalid: incoming webhook access token invalid
  [19021, { reason: 'auth', retryable: false }], // sign match fail or timestamp not within one hour
  [19022, { reason: 'auth', retryable: false }], // ip not allowed
  [19024, { reason: 'auth', retryable: false }], // key words not found
  [19036, { reason: 'payload', retryable: false }], // message exceeds the size limit
]);

/**
 * Reads Feishu's `code` (or legacy `StatusCode`; HTTP 200 on failure too); undefined means delivered. `hide` are
 * credential values kept out of the error even if the vendor (or a proxy) echoes them.
 */
export function classifyFeishuResponse(
  response: HttpResponse,
  now: Date,
  hide: readonly string[] = [],
): DeliveryError | undefined {
  // The gateway says when its rate window resets (seconds); Retry-After is the fallback classifyStatus reads.
  const reset = secondsToMs(response.headers['x-ogw-ratelimit-reset']);
  const json = parseJsonBody(response.body);
  const raw = isRecord(json) ? (typeof json.code === 'number' ? json.code : json.StatusCode) : undefined;
  const code = typeof raw === 'number' ? raw : undefined;
  if (code === undefined || response.status === 429 || (code === 0 && !isSuccessStatus(response.status))) {
    return classifyWithoutCode('Feishu', 'code', response, now, hide, {
      ...(reset === undefined ? {} : { retryAfterMs: reset }),
      ...(code === undefined ? {} : { vendorCode: code }),
    });
  }
  if (code === 0) return undefined;
  const said = isRecord(json) ? (json.msg ?? json.StatusMessage) : '';
  return codeError(`Feishu code ${code}`, said, {
    code,
    codes: FEISHU_CODES,
    status: response.status,
    hide,
    retryAfterMs: FEISHU_CODES.get(code)?.reason === 'rate-limited' ? reset : undefined,
  });
}

/** 5 requests a second and 100 a minute per bot (B4); beyond, 11232. */
export const FEISHU_MESSAGES_PER_SECOND = 5;
export const FEISHU_MESSAGES_PER_MINUTE = 100;

export const feishu: ChannelModule<'feishu', FeishuConfig, FeishuMessage> = {
  type: 'feishu',
  schema: feishuConfigSchema,
  render,
  send,
  secrets,
  budget: [
    { messages: FEISHU_MESSAGES_PER_SECOND, perMs: 1_000 },
    { messages: FEISHU_MESSAGES_PER_MINUTE, perMs: 60_000 },
  ],
  robot: (config) => config.url,
};
