/**
 * Slack incoming webhook (alerts.md B1): one attachment per alert for the colour bar, Block Kit blocks inside it,
 * top-level `text` as the notification fallback. Success is HTTP 200 with body `ok`.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { webhookUrl } from './fields';
import {
  contextLine,
  digestTitle,
  headline,
  labelsText,
  metricText,
  moreNote,
  orderForDigest,
  TONES,
  timing,
  toneOf,
  usableLinks,
  valueVsThreshold,
} from './format';
import { byteLength, charLength, joinWithinLimit, sliceTo, takeWithinBudget, truncateChars } from './text';
import { type ChannelModule, DeliveryError, type HttpResponse, type SendDeps } from './types';
import {
  bodySnippet,
  classifyStatus,
  isRecord,
  parseJsonBody,
  postJson,
  secondsToMs,
  urlSecrets,
} from './vendor-http';

/** Slack truncates `text` beyond 40 000 characters and advises keeping it under 4 000. */
export const SLACK_TEXT_MAX_CHARS = 4000;
export const SLACK_SECTION_TEXT_MAX_CHARS = 3000;
export const SLACK_HEADER_TEXT_MAX_CHARS = 150;
export const SLACK_CONTEXT_TEXT_MAX_CHARS = 2000;
export const SLACK_BLOCKS_MAX = 50;
/** Slack accepts 100 attachments and recommends at most 20. */
export const SLACK_ATTACHMENTS_MAX = 20;
/** `msg_blocks_too_long` was observed at ~13 KB of block content below every documented limit (bolt-js#2509). */
export const SLACK_BLOCKS_MAX_BYTES = 12_000;
// Per alert, so that a single alert always fits the message budget.
const ALERT_SECTION_MAX_CHARS = 1500;
const ALERT_CONTEXT_MAX_CHARS = 500;
const ALERT_SUMMARY_MAX_CHARS = 300;
const ALERT_LABELS_MAX_CHARS = 400;

export const slackConfigSchema = z.strictObject({
  type: z.literal('slack'),
  /** The incoming webhook URL (a credential: use ${ssm:...}). */
  url: webhookUrl,
});
export type SlackConfig = z.output<typeof slackConfigSchema>;

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text: SlackText }
  | { type: 'context'; elements: SlackText[] };
export interface SlackAttachment {
  color: string;
  blocks: SlackBlock[];
}
export interface SlackMessage {
  text: string;
  attachments: SlackAttachment[];
}

/** Slack's mrkdwn control characters; escaping them also stops <!channel> style mentions in alert text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts escaped mrkdwn without leaving half an entity (&am…). */
function cutMrkdwn(text: string, maxChars: number): string {
  if (charLength(text) <= maxChars) return text;
  return `${sliceTo(text, maxChars - 1, charLength).replace(/&[a-z]{0,3}$/, '')}…`;
}

function link(url: string, title: string): string {
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(title)}>`;
}

function alertAttachment(alert: Alert, now: Date): SlackAttachment {
  const lines = [`*${escapeMrkdwn(truncateChars(alert.summary, ALERT_SUMMARY_MAX_CHARS))}*`];
  if (alert.description) lines.push(escapeMrkdwn(alert.description));
  const value = valueVsThreshold(alert);
  if (value) lines.push(`*Value:* ${escapeMrkdwn(value)}`);
  const metric = metricText(alert);
  if (metric) lines.push(`*Metric:* ${escapeMrkdwn(metric)}`);
  const labels = labelsText(alert);
  if (labels) lines.push(`*Labels:* ${escapeMrkdwn(truncateChars(labels, ALERT_LABELS_MAX_CHARS))}`);
  // Description goes last-but-one in importance: cut the assembled text, which keeps the summary whole.
  const section = cutMrkdwn(lines.join('\n'), ALERT_SECTION_MAX_CHARS);
  const context = [
    ...usableLinks(alert).map((l) => link(l.url, l.title)),
    escapeMrkdwn([timing(alert, now), contextLine(alert)].filter(Boolean).join(' · ')),
  ].join(' · ');
  return {
    color: TONES[toneOf(alert)].hex,
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: truncateChars(headline(alert), SLACK_HEADER_TEXT_MAX_CHARS),
          emoji: true,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: section } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: cutContext(context) }] },
    ],
  };
}

/** Links come first in the context line; cut whole items so a link is never broken. */
function cutContext(text: string): string {
  if (charLength(text) <= ALERT_CONTEXT_MAX_CHARS) return text;
  return joinWithinLimit(text.split(' · '), ' · ', ALERT_CONTEXT_MAX_CHARS, charLength, () => '…').text;
}

function moreAttachment(omitted: readonly Alert[]): SlackAttachment {
  return {
    color: '#9E9E9E',
    blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(moreNote(omitted)) }] }],
  };
}

function fallbackText(alerts: readonly Alert[]): string {
  const title = digestTitle(alerts);
  if (alerts.length === 1) {
    return truncateChars(escapeMrkdwn(`${title} · ${alerts[0]!.summary}`), SLACK_TEXT_MAX_CHARS);
  }
  const head = `${escapeMrkdwn(title)}: `;
  const names = alerts.map((alert) => escapeMrkdwn(alert.name));
  return head + joinWithinLimit(names, ', ', SLACK_TEXT_MAX_CHARS - charLength(head), charLength).text;
}

export function render(alerts: readonly Alert[], _config: SlackConfig, ctx: { now: Date }): SlackMessage {
  const ordered = orderForDigest(alerts);
  const rendered = ordered.map((alert) => ({ alert, attachment: alertAttachment(alert, ctx.now) }));
  const assemble = (
    kept: readonly (typeof rendered)[number][],
    omitted: readonly (typeof rendered)[number][],
  ) => [
    ...kept.map((entry) => entry.attachment),
    ...(omitted.length > 0 ? [moreAttachment(omitted.map((entry) => entry.alert))] : []),
  ];
  const { kept, omitted } = takeWithinBudget(rendered, (k, o) => {
    const attachments = assemble(k, o);
    const blocks = attachments.flatMap((attachment) => attachment.blocks);
    return (
      attachments.length <= SLACK_ATTACHMENTS_MAX &&
      blocks.length <= SLACK_BLOCKS_MAX &&
      byteLength(JSON.stringify(blocks)) <= SLACK_BLOCKS_MAX_BYTES
    );
  });
  return { text: fallbackText(ordered), attachments: assemble(kept, omitted) };
}

export async function send(message: SlackMessage, config: SlackConfig, deps: SendDeps): Promise<void> {
  const response = await postJson(config.url, message, deps);
  const error = classifySlackResponse(response, deps.now());
  if (error) throw error;
}

/** 200 `ok` is success; errors are plain-text codes (invalid_payload, channel_is_archived, ...) or JSON on 429. */
export function classifySlackResponse(response: HttpResponse, now: Date): DeliveryError | undefined {
  const body = response.body.trim();
  const json = parseJsonBody(body);
  const code =
    isRecord(json) && typeof json.error === 'string' ? json.error : /^[a-z_]+$/.test(body) ? body : undefined;
  if (response.status === 200) {
    if (body === 'ok') return undefined;
    return new DeliveryError(`Slack answered HTTP 200 without "ok": ${bodySnippet(body)}`, {
      reason: 'vendor-error',
      retryable: false,
      status: 200,
      ...(code === undefined ? {} : { vendorCode: code }),
    });
  }
  const bodyRetryAfter = isRecord(json) ? secondsToMs(json.retry_after) : undefined;
  const headerRetryAfter = response.headers['retry-after'];
  return classifyStatus('Slack', response, now, {
    ...(code === undefined ? {} : { vendorCode: code }),
    ...(headerRetryAfter === undefined && bodyRetryAfter !== undefined
      ? { retryAfterMs: bodyRetryAfter }
      : {}),
  });
}

/** About one message a second per webhook, short bursts allowed (B1); beyond, 429 and a risk of being disabled. */
export const SLACK_MESSAGES_PER_SECOND = 1;

export const slack: ChannelModule<'slack', SlackConfig, SlackMessage> = {
  type: 'slack',
  schema: slackConfigSchema,
  render,
  send,
  secrets: (config) => urlSecrets(config.url),
  budget: [{ messages: SLACK_MESSAGES_PER_SECOND, perMs: 1_000 }],
  robot: (config) => config.url,
};
