/**
 * Microsoft Teams via a Workflows "When a Teams webhook request is received" flow (alerts.md B5b): an Adaptive Card
 * in the attachment envelope, one coloured container per alert. Workflows answers 202 Accepted (the flow runs
 * later); legacy connectors answered 200 with a failure text, which is checked too.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { webhookUrl } from './fields';
import {
  contextLine,
  digestTitle,
  digestTone,
  headline,
  labelsText,
  metricText,
  moreNote,
  orderForDigest,
  type Tone,
  timing,
  toneOf,
  usableLinks,
  valueVsThreshold,
} from './format';
import { byteLength, takeWithinBudget, truncateChars } from './text';
import { type ChannelModule, DeliveryError, type HttpResponse, type SendDeps } from './types';
import { bodySnippet, classifyStatus, postJson, urlSecrets } from './vendor-http';

/** ≈28 KB per message (HTTP 413 beyond); counted on the UTF-8 JSON body we send. */
export const TEAMS_MESSAGE_MAX_BYTES = 28_000;
// Per alert, so that one alert always fits.
const ALERT_SUMMARY_MAX_CHARS = 500;
const ALERT_DESCRIPTION_MAX_CHARS = 2000;
const ALERT_FACT_MAX_CHARS = 500;
const ALERT_LINKS_MAX = 5;

export const teamsConfigSchema = z.strictObject({
  type: z.literal('teams'),
  /** The flow's HTTP trigger URL, SAS-signed (`sig=`): a credential, use ${ssm:...}. */
  url: webhookUrl,
});
export type TeamsConfig = z.output<typeof teamsConfigSchema>;

/** Adaptive Card colours: resolved is Good (green), never Attention (red). */
const CARD_COLOR: Record<Tone, { text: string; container: string }> = {
  emergency: { text: 'Attention', container: 'attention' },
  critical: { text: 'Attention', container: 'attention' },
  warning: { text: 'Warning', container: 'warning' },
  info: { text: 'Accent', container: 'accent' },
  resolved: { text: 'Good', container: 'good' },
};

export type CardElement = { type: string } & Record<string, unknown>;
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  msteams: { width: 'Full' };
  body: CardElement[];
}
export interface TeamsMessage {
  type: 'message';
  attachments: [
    { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard },
  ];
}

function textBlock(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function alertContainer(alert: Alert, now: Date): CardElement {
  const color = CARD_COLOR[toneOf(alert)];
  const facts: { title: string; value: string }[] = [];
  const value = valueVsThreshold(alert);
  if (value) facts.push({ title: 'Value', value });
  const metric = metricText(alert);
  if (metric) facts.push({ title: 'Metric', value: metric });
  const labels = labelsText(alert);
  if (labels) facts.push({ title: 'Labels', value: labels });
  facts.push({ title: 'When', value: timing(alert, now) });
  const context = contextLine(alert);
  if (context) facts.push({ title: 'Source', value: context });
  const items: CardElement[] = [
    textBlock(headline(alert), { weight: 'Bolder', color: color.text }),
    textBlock(truncateChars(alert.summary, ALERT_SUMMARY_MAX_CHARS)),
  ];
  if (alert.description) {
    items.push(
      textBlock(truncateChars(alert.description, ALERT_DESCRIPTION_MAX_CHARS), {
        isSubtle: true,
        spacing: 'None',
      }),
    );
  }
  items.push({
    type: 'FactSet',
    facts: facts.map((fact) => ({
      title: fact.title,
      value: truncateChars(fact.value, ALERT_FACT_MAX_CHARS),
    })),
  });
  const links = usableLinks(alert).slice(0, ALERT_LINKS_MAX);
  if (links.length > 0) {
    items.push({
      type: 'ActionSet',
      actions: links.map((l) => ({ type: 'Action.OpenUrl', title: truncateChars(l.title, 100), url: l.url })),
    });
  }
  return { type: 'Container', style: color.container, bleed: true, spacing: 'Medium', items };
}

function envelope(body: CardElement[]): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}

export function render(alerts: readonly Alert[], _config: TeamsConfig, ctx: { now: Date }): TeamsMessage {
  const ordered = orderForDigest(alerts);
  const title = textBlock(truncateChars(digestTitle(ordered), 200), {
    size: 'Large',
    weight: 'Bolder',
    color: CARD_COLOR[digestTone(ordered)].text,
  });
  const rendered = ordered.map((alert) => ({ alert, element: alertContainer(alert, ctx.now) }));
  const build = (kept: readonly (typeof rendered)[number][], omitted: readonly (typeof rendered)[number][]) =>
    envelope([
      title,
      ...kept.map((entry) => entry.element),
      ...(omitted.length > 0
        ? [textBlock(moreNote(omitted.map((entry) => entry.alert)), { isSubtle: true, weight: 'Bolder' })]
        : []),
    ]);
  const { kept, omitted } = takeWithinBudget(
    rendered,
    (k, o) => byteLength(JSON.stringify(build(k, o))) <= TEAMS_MESSAGE_MAX_BYTES,
  );
  return build(kept, omitted);
}

export async function send(message: TeamsMessage, config: TeamsConfig, deps: SendDeps): Promise<void> {
  const response = await postJson(config.url, message, deps);
  const error = classifyTeamsResponse(response, deps.now());
  if (error) throw error;
}

const LEGACY_FAILURE_RE = /Webhook message delivery failed/i;

/**
 * 202 (Workflows) or 200 is success, except the legacy connectors' 200 "Webhook message delivery failed with
 * error: ... HTTP error 429" text, which is classified by the status it quotes.
 */
export function classifyTeamsResponse(response: HttpResponse, now: Date): DeliveryError | undefined {
  if (response.status === 200 && LEGACY_FAILURE_RE.test(response.body)) {
    // The quoted status decides (429 → rate-limited, 413 → payload); a failure without one counts as a 502.
    const quoted = Number(/HTTP error (\d{3})/i.exec(response.body)?.[1] ?? 502);
    const asQuoted = classifyStatus('Teams', { ...response, status: quoted }, now);
    return new DeliveryError(
      `Teams answered HTTP 200 with a delivery failure: ${bodySnippet(response.body)}`,
      {
        reason: asQuoted?.reason ?? 'vendor-error',
        retryable: asQuoted?.retryable ?? false,
        status: 200,
        vendorCode: quoted,
      },
    );
  }
  return classifyStatus('Teams', response, now);
}

/** Power Automate throttles flows; the legacy connector limits were 4 a second and 60 per 30 s (B5b). */
export const TEAMS_MESSAGES_PER_SECOND = 4;
export const TEAMS_MESSAGES_PER_30S = 60;

export const teams: ChannelModule<'teams', TeamsConfig, TeamsMessage> = {
  type: 'teams',
  schema: teamsConfigSchema,
  render,
  send,
  secrets: (config) => urlSecrets(config.url),
  budget: [
    { messages: TEAMS_MESSAGES_PER_SECOND, perMs: 1_000 },
    { messages: TEAMS_MESSAGES_PER_30S, perMs: 30_000 },
  ],
  robot: (config) => config.url,
};
