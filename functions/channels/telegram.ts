/**
 * Telegram Bot API sendMessage (alerts.md B5a), HTML parse mode with every alert text escaped. The limit (4096)
 * counts the text after entity parsing: tags do not count, entities count as one character. Telegram measures
 * in UTF-16 code units (its entity offsets are UTF-16), which is also the safe side of "characters".
 * On 400 "can't parse entities" the message is sent once more without markup.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { secretString, webhookUrl } from './fields';
import { digestTitle, moreNote, orderForDigest } from './format';
import { alertLines, plainDigest, type RichLine } from './rich';
import { takeWithinBudget, utf16Length } from './text';
import { type ChannelModule, DeliveryError, type HttpResponse, type SendDeps } from './types';
import { bodySnippet, classifyStatus, isRecord, parseJsonBody, postJson, secondsToMs } from './vendor-http';

export const TELEGRAM_TEXT_MAX_CHARS = 4096;
export const TELEGRAM_DEFAULT_API_URL = 'https://api.telegram.org';
// Per alert, so that one alert always fits.
const ALERT_CAPS = { summary: 300, description: 1000, labels: 500, measure: utf16Length } as const;

export const telegramConfigSchema = z.strictObject({
  type: z.literal('telegram'),
  /** Bot API base URL: a proxy or a test server instead of api.telegram.org. */
  apiUrl: z._default(webhookUrl, TELEGRAM_DEFAULT_API_URL),
  /** The bot token from @BotFather (a credential: use ${ssm:...}). */
  token: secretString.check(
    z.refine(
      (token) => token.includes('${') || /^\d+:[A-Za-z0-9_-]+$/.test(token),
      'a bot token looks like 123456:ABC-DEF... (value not shown)',
    ),
  ),
  /** A chat id (-1001234567890) or a public channel's @username. */
  chatId: z.union([
    z.int(),
    z.string().check(z.regex(/^(?:-?\d+|@[A-Za-z0-9_]{4,}|\$\{.+\})$/, 'use a numeric id or @channel')),
  ]),
  /** Forum topic (message_thread_id). */
  threadId: z.optional(z.int().check(z.positive())),
  disableNotification: z.optional(z.boolean()),
});
export type TelegramConfig = z.output<typeof telegramConfigSchema>;

export interface TelegramSendMessage {
  chat_id: number | string;
  message_thread_id?: number;
  text: string;
  parse_mode?: 'HTML';
  link_preview_options: { is_disabled: true };
  disable_notification?: boolean;
}
export interface TelegramMessage {
  request: TelegramSendMessage;
  /** The same digest without markup, for the one resend after a parse error. */
  plainText: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function htmlLine(line: RichLine): string {
  return line
    .map((run) => {
      const text = escapeHtml(run.text);
      if (run.url) return `<a href="${escapeHtml(run.url).replace(/"/g, '&quot;')}">${text}</a>`;
      if (run.style === 'bold') return `<b>${text}</b>`;
      if (run.style === 'code') return `<code>${text}</code>`;
      if (run.style === 'italic') return `<i>${text}</i>`;
      return text;
    })
    .join('');
}

/** What Telegram counts: the text with tags removed and entities decoded, in UTF-16 code units. */
export function visibleLength(html: string): number {
  return utf16Length(
    html
      .replace(/<[^>]*>/g, '')
      .replace(/&(?:lt|gt|amp|quot);/g, '_')
      .replace(/&#x?[0-9a-f]+;/gi, '_'),
  );
}

export function render(
  alerts: readonly Alert[],
  config: TelegramConfig,
  ctx: { now: Date },
): TelegramMessage {
  const ordered = orderForDigest(alerts);
  const blocks = ordered.map((alert) => ({
    alert,
    html: alertLines(alert, ctx.now, ALERT_CAPS).map(htmlLine).join('\n'),
  }));
  const join = (kept: readonly (typeof blocks)[number][], omitted: readonly (typeof blocks)[number][]) =>
    [
      ...(ordered.length > 1 ? [`<b>${escapeHtml(digestTitle(ordered))}</b>`] : []),
      ...kept.map((block) => block.html),
      ...(omitted.length > 0 ? [`<i>${escapeHtml(moreNote(omitted.map((block) => block.alert)))}</i>`] : []),
    ].join('\n\n');
  const { kept, omitted } = takeWithinBudget(
    blocks,
    (k, o) => visibleLength(join(k, o)) <= TELEGRAM_TEXT_MAX_CHARS,
  );
  return {
    request: {
      chat_id: config.chatId,
      ...(config.threadId === undefined ? {} : { message_thread_id: config.threadId }),
      text: join(kept, omitted),
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(config.disableNotification === undefined
        ? {}
        : { disable_notification: config.disableNotification }),
    },
    plainText: plainDigest(alerts, ctx.now, { max: TELEGRAM_TEXT_MAX_CHARS, caps: ALERT_CAPS }).text,
  };
}

export function sendMessageUrl(config: TelegramConfig): string {
  return `${config.apiUrl.replace(/\/+$/, '')}/bot${config.token}/sendMessage`;
}

export async function send(message: TelegramMessage, config: TelegramConfig, deps: SendDeps): Promise<void> {
  const url = sendMessageUrl(config);
  const error = classifyTelegramResponse(await postJson(url, message.request, deps), deps.now());
  if (!error) return;
  if (error.vendorCode === 'parse-entities') {
    const { parse_mode: _, ...plain } = message.request;
    const retry = classifyTelegramResponse(
      await postJson(url, { ...plain, text: message.plainText }, deps),
      deps.now(),
    );
    if (retry) throw retry;
    return;
  }
  throw error;
}

/**
 * 200 with {ok: true} is success. Errors carry {error_code, description, parameters}: 429 waits
 * parameters.retry_after seconds; 400 "can't parse entities" gets vendorCode `parse-entities` (send resends
 * as plain text); a migrated group names its new chat id.
 */
export function classifyTelegramResponse(response: HttpResponse, now: Date): DeliveryError | undefined {
  const json = parseJsonBody(response.body);
  if (response.status === 200 && isRecord(json) && json.ok === true) return undefined;
  const description = isRecord(json) && typeof json.description === 'string' ? json.description : undefined;
  const parameters = isRecord(json) && isRecord(json.parameters) ? json.parameters : {};
  const retryAfterMs = secondsToMs(parameters.retry_after);
  const { status } = response;
  if (status === 200) {
    return new DeliveryError(`Telegram answered HTTP 200 without ok:true: ${bodySnippet(response.body)}`, {
      reason: 'vendor-error',
      retryable: false,
      status,
    });
  }
  const migrated = parameters.migrate_to_chat_id;
  const detail =
    migrated === undefined
      ? description
      : `${description ?? 'chat migrated'}: set chatId to ${String(migrated)}`;
  if (status === 400 && description && /can't parse entities/i.test(description)) {
    return new DeliveryError(`Telegram answered HTTP 400: ${description}`, {
      reason: 'payload',
      retryable: false,
      status,
      vendorCode: 'parse-entities',
    });
  }
  const code = isRecord(json) && typeof json.error_code === 'number' ? json.error_code : undefined;
  return classifyStatus('Telegram', response, now, {
    ...(code === undefined ? {} : { vendorCode: code }),
    ...(detail === undefined ? {} : { message: detail }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** 20 messages a minute to one group, about one a second to one chat (B5a); beyond, 429 with retry_after. */
export const TELEGRAM_MESSAGES_PER_MINUTE = 20;
export const TELEGRAM_MESSAGES_PER_SECOND = 1;

export const telegram: ChannelModule<'telegram', TelegramConfig, TelegramMessage> = {
  type: 'telegram',
  schema: telegramConfigSchema,
  render,
  send,
  secrets: (config) => [config.token],
  budget: [
    { messages: TELEGRAM_MESSAGES_PER_SECOND, perMs: 1_000 },
    { messages: TELEGRAM_MESSAGES_PER_MINUTE, perMs: 60_000 },
  ],
  robot: (config) => `${config.apiUrl ?? ''}/${config.token}/${config.chatId}`,
};
