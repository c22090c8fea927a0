/**
 * Generic webhook: POSTs vigil's normalized alerts as JSON ({version: "1", status, alerts, truncatedAlerts}) with
 * optional headers. Any 2xx is success. The body stays under `maxBodyBytes`: alerts that do not fit are counted in
 * `truncatedAlerts`, and a single alert too big on its own has its longest texts cut.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { headerName, secretString, webhookUrl } from './fields';
import { countByStatus, orderForDigest } from './format';
import { byteLength, takeWithinBudget, truncateTo } from './text';
import type { ChannelModule, DeliveryError, HttpResponse, SendDeps } from './types';
import { classifyStatus, postJson, urlSecrets } from './vendor-http';

/** Default body limit: most HTTP servers and API gateways accept 1 MiB. */
export const WEBHOOK_BODY_MAX_BYTES = 1024 * 1024;
export const WEBHOOK_PAYLOAD_VERSION = '1';

export const webhookConfigSchema = z.strictObject({
  type: z.literal('webhook'),
  url: webhookUrl,
  /** Sent with every request, e.g. Authorization: "Bearer ${ssm:/vigil/hook-token}". */
  headers: z.optional(z.record(headerName, secretString)),
  maxBodyBytes: z._default(z.int().check(z.minimum(1024)), WEBHOOK_BODY_MAX_BYTES),
});
export type WebhookConfig = z.output<typeof webhookConfigSchema>;

export interface WebhookMessage {
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  /** firing while any alert fires. */
  status: 'firing' | 'resolved';
  alerts: Alert[];
  /** Alerts left out to stay under maxBodyBytes (the "+N more"). */
  truncatedAlerts: number;
}

/** UTF-8 bytes of `text` inside a JSON string (escapes included); additive over characters. */
function jsonBytes(text: string): number {
  return byteLength(JSON.stringify(text)) - 2;
}

/** Cuts the longest texts of an alert until its JSON fits `maxBytes`. */
function shrinkAlert(alert: Alert, maxBytes: number): Alert {
  const shrunk: Alert = { ...alert, labels: { ...alert.labels }, annotations: { ...alert.annotations } };
  for (let round = 0; round < 64; round++) {
    const over = byteLength(JSON.stringify(shrunk)) - maxBytes;
    if (over <= 0) break;
    // The longest cuttable text loses what is over (at least half of itself when that is not enough).
    const texts: { set: (text: string) => void; get: () => string }[] = [
      { get: () => shrunk.description ?? '', set: (t: string) => (shrunk.description = t) },
      { get: () => shrunk.summary, set: (t: string) => (shrunk.summary = t) },
      ...Object.keys(shrunk.annotations).map((k) => ({
        get: () => shrunk.annotations[k] ?? '',
        set: (t: string) => (shrunk.annotations[k] = t),
      })),
      ...Object.keys(shrunk.labels).map((k) => ({
        get: () => shrunk.labels[k] ?? '',
        set: (t: string) => (shrunk.labels[k] = t),
      })),
    ];
    const sized = texts.map((text) => ({ ...text, size: jsonBytes(text.get()) }));
    const longest = sized.reduce((a, b) => (b.size > a.size ? b : a));
    if (longest.size === 0) break;
    longest.set(
      truncateTo(longest.get(), Math.max(0, longest.size - Math.max(over, longest.size / 2)), jsonBytes),
    );
  }
  return shrunk;
}

export function render(alerts: readonly Alert[], config: WebhookConfig, _ctx: { now: Date }): WebhookMessage {
  const ordered = orderForDigest(alerts);
  const payload = (kept: readonly Alert[], truncated: number): WebhookMessage => ({
    version: WEBHOOK_PAYLOAD_VERSION,
    status: countByStatus(alerts).firing > 0 ? 'firing' : 'resolved',
    alerts: [...kept],
    truncatedAlerts: truncated,
  });
  const fits = (kept: readonly Alert[], truncated: number) =>
    byteLength(JSON.stringify(payload(kept, truncated))) <= config.maxBodyBytes;
  const { kept, omitted } = takeWithinBudget(ordered, (k, o) => fits(k, o.length));
  const first = kept[0];
  if (first !== undefined && kept.length === 1 && !fits(kept, omitted.length)) {
    const room = config.maxBodyBytes - byteLength(JSON.stringify(payload([], omitted.length)));
    return payload([shrinkAlert(first, room)], omitted.length);
  }
  return payload(kept, omitted.length);
}

export async function send(message: WebhookMessage, config: WebhookConfig, deps: SendDeps): Promise<void> {
  const response = await postJson(config.url, message, deps, config.headers ?? {});
  const error = classifyWebhookResponse(response, deps.now());
  if (error) throw error;
}

/** Any 2xx is success; the rest by status (429/5xx retried, Retry-After honoured). */
export function classifyWebhookResponse(response: HttpResponse, now: Date): DeliveryError | undefined {
  return classifyStatus('Webhook', response, now);
}

export const webhook: ChannelModule<'webhook', WebhookConfig, WebhookMessage> = {
  type: 'webhook',
  schema: webhookConfigSchema,
  render,
  send,
  secrets: (config) => [...urlSecrets(config.url), ...Object.values(config.headers ?? {})],
};
