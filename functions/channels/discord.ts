/**
 * Discord webhook (alerts.md B5c): one embed per alert (decimal colour), a summary line in `content`, and
 * `allowed_mentions` empty so alert text can never ping @everyone or a role. Success is HTTP 204.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { webhookUrl } from './fields';
import {
  contextLine,
  digestTitle,
  hexToDecimal,
  labelsText,
  metricText,
  moreNote,
  orderForDigest,
  statusWord,
  TONES,
  timing,
  toneOf,
  usableLinks,
  valueVsThreshold,
} from './format';
import { charLength, takeWithinBudget, truncateChars } from './text';
import type { ChannelModule, DeliveryError, HttpResponse, SendDeps } from './types';
import {
  classifyStatus,
  isRecord,
  parseJsonBody,
  parseRetryAfter,
  postJson,
  secondsToMs,
  urlSecrets,
} from './vendor-http';

export const DISCORD_CONTENT_MAX_CHARS = 2000;
export const DISCORD_EMBEDS_MAX = 10;
export const DISCORD_EMBEDS_TOTAL_MAX_CHARS = 6000;
export const DISCORD_EMBED_TITLE_MAX_CHARS = 256;
export const DISCORD_EMBED_DESCRIPTION_MAX_CHARS = 4096;
export const DISCORD_EMBED_FIELDS_MAX = 25;
export const DISCORD_FIELD_NAME_MAX_CHARS = 256;
export const DISCORD_FIELD_VALUE_MAX_CHARS = 1024;
export const DISCORD_FOOTER_TEXT_MAX_CHARS = 2048;
export const DISCORD_USERNAME_MAX_CHARS = 80;
// Per alert, so that one embed always fits the 6000-character total with room to spare.
const ALERT_DESCRIPTION_MAX_CHARS = 1500;
const ALERT_FIELD_VALUE_MAX_CHARS = 512;
const ALERT_FOOTER_MAX_CHARS = 256;

export const discordConfigSchema = z.strictObject({
  type: z.literal('discord'),
  /** https://discord.com/api/webhooks/<id>/<token> (a credential: use ${ssm:...}). */
  url: webhookUrl,
  /** Overrides the webhook's default name. */
  username: z.optional(z.string().check(z.minLength(1), z.maxLength(DISCORD_USERNAME_MAX_CHARS))),
  /** Post into this thread of a forum/text channel. */
  threadId: z.optional(z.string().check(z.regex(/^\d+$/, 'a thread id is a number (snowflake)'))),
});
export type DiscordConfig = z.output<typeof discordConfigSchema>;

export interface DiscordEmbed {
  title: string;
  url?: string;
  color: number;
  description?: string;
  fields: { name: string; value: string; inline: boolean }[];
  timestamp?: string;
  footer?: { text: string };
}
export interface DiscordMessage {
  content: string;
  username?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: [] };
}

/** Backslash-escapes Discord markdown so alert text shows as written (and cannot forge links). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>[\]]/g, '\\$&').replace(/^([#-])/gm, '\\$1');
}

/** The characters Discord counts towards the 6000 total of one embed. */
export function embedChars(embed: DiscordEmbed): number {
  return (
    charLength(embed.title) +
    charLength(embed.description ?? '') +
    embed.fields.reduce((sum, field) => sum + charLength(field.name) + charLength(field.value), 0) +
    charLength(embed.footer?.text ?? '')
  );
}

/** Cuts escaped markdown without leaving a dangling backslash. */
function cutMarkdown(text: string, maxChars: number): string {
  const cut = truncateChars(text, maxChars);
  return cut === text ? cut : cut.replace(/(?<!\\)((?:\\\\)*)\\…$/, '$1…');
}

function alertEmbed(alert: Alert, now: Date): DiscordEmbed {
  const links = usableLinks(alert);
  const text = [escapeMarkdown(alert.summary), alert.description ? escapeMarkdown(alert.description) : '']
    .filter(Boolean)
    .join('\n');
  const linkLine = links
    .map((l) => `[${escapeMarkdown(l.title).replace(/[()]/g, '')}](${l.url})`)
    .join(' · ');
  // Links must survive the cut: reserve their room first.
  const room = ALERT_DESCRIPTION_MAX_CHARS - (linkLine ? charLength(linkLine) + 1 : 0);
  const description = [cutMarkdown(text, Math.max(room, 100)), linkLine].filter(Boolean).join('\n');
  const fields: DiscordEmbed['fields'] = [];
  const value = valueVsThreshold(alert);
  if (value)
    fields.push({
      name: 'Value',
      value: cutMarkdown(escapeMarkdown(value), ALERT_FIELD_VALUE_MAX_CHARS),
      inline: true,
    });
  const metric = metricText(alert);
  if (metric) {
    fields.push({
      name: 'Metric',
      value: cutMarkdown(escapeMarkdown(metric), ALERT_FIELD_VALUE_MAX_CHARS),
      inline: true,
    });
  }
  const labels = labelsText(alert);
  if (labels) {
    fields.push({
      name: 'Labels',
      value: cutMarkdown(escapeMarkdown(labels), ALERT_FIELD_VALUE_MAX_CHARS),
      inline: false,
    });
  }
  const footer = [timing(alert, now), contextLine(alert)].filter(Boolean).join(' · ');
  const when = Date.parse(alert.status === 'resolved' ? (alert.endsAt ?? alert.startsAt) : alert.startsAt);
  const tone = TONES[toneOf(alert)];
  return {
    title: truncateChars(
      `${tone.emoji} ${statusWord(alert)} ${alert.severity}: ${alert.name}`,
      DISCORD_EMBED_TITLE_MAX_CHARS,
    ),
    ...(links[0] ? { url: links[0].url } : {}),
    color: hexToDecimal(tone.hex),
    description: truncateChars(description, DISCORD_EMBED_DESCRIPTION_MAX_CHARS),
    fields: fields.slice(0, DISCORD_EMBED_FIELDS_MAX),
    ...(Number.isNaN(when) ? {} : { timestamp: new Date(when).toISOString() }),
    footer: { text: truncateChars(footer, ALERT_FOOTER_MAX_CHARS) },
  };
}

export function render(alerts: readonly Alert[], config: DiscordConfig, ctx: { now: Date }): DiscordMessage {
  const ordered = orderForDigest(alerts);
  const rendered = ordered.map((alert) => ({ alert, embed: alertEmbed(alert, ctx.now) }));
  const { kept, omitted } = takeWithinBudget(
    rendered,
    (k) =>
      k.length <= DISCORD_EMBEDS_MAX &&
      k.reduce((sum, entry) => sum + embedChars(entry.embed), 0) <= DISCORD_EMBEDS_TOTAL_MAX_CHARS,
  );
  const more = omitted.length > 0 ? ` · ${moreNote(omitted.map((entry) => entry.alert))}` : '';
  // A single alert's title carries its name (alert text: escaped); a digest title is ours (counts only).
  const title = ordered.length === 1 ? escapeMarkdown(digestTitle(ordered)) : `**${digestTitle(ordered)}**`;
  const content = cutMarkdown(title, DISCORD_CONTENT_MAX_CHARS - charLength(more)) + more;
  return {
    content,
    ...(config.username === undefined ? {} : { username: config.username }),
    embeds: kept.map((entry) => entry.embed),
    allowed_mentions: { parse: [] },
  };
}

export async function send(message: DiscordMessage, config: DiscordConfig, deps: SendDeps): Promise<void> {
  const url =
    config.threadId === undefined ? config.url : withQuery(config.url, 'thread_id', config.threadId);
  const response = await postJson(url, message, deps);
  const error = classifyDiscordResponse(response, deps.now());
  if (error) throw error;
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

/**
 * 204 (200 with ?wait=true) is success. On 429 the wait is the longest of the body's `retry_after` (seconds, float),
 * `X-RateLimit-Reset-After` and `Retry-After`. 400 carries {code: 50035, message, errors}.
 */
export function classifyDiscordResponse(response: HttpResponse, now: Date): DeliveryError | undefined {
  const json = parseJsonBody(response.body);
  const code =
    isRecord(json) && (typeof json.code === 'number' || typeof json.code === 'string')
      ? json.code
      : undefined;
  const message = isRecord(json) && typeof json.message === 'string' ? json.message : undefined;
  const waits = [
    isRecord(json) ? secondsToMs(json.retry_after) : undefined,
    secondsToMs(response.headers['x-ratelimit-reset-after']),
    parseRetryAfter(response.headers['retry-after'], now),
  ].filter((ms): ms is number => ms !== undefined);
  return classifyStatus('Discord', response, now, {
    ...(code === undefined ? {} : { vendorCode: code }),
    ...(message === undefined ? {} : { message: `${message}${code === undefined ? '' : ` (code ${code})`}` }),
    ...(waits.length > 0 ? { retryAfterMs: Math.max(...waits) } : {}),
  });
}

/** 5 requests per 2 seconds per webhook, and a hidden ~30 a minute per channel (B5c); beyond, 429. */
export const DISCORD_MESSAGES_PER_2S = 5;
export const DISCORD_MESSAGES_PER_MINUTE = 30;

export const discord: ChannelModule<'discord', DiscordConfig, DiscordMessage> = {
  type: 'discord',
  schema: discordConfigSchema,
  render,
  send,
  secrets: (config) => urlSecrets(config.url),
  budget: [
    { messages: DISCORD_MESSAGES_PER_2S, perMs: 2_000 },
    { messages: DISCORD_MESSAGES_PER_MINUTE, perMs: 60_000 },
  ],
  robot: (config) => config.url,
};
