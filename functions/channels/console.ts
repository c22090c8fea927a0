/**
 * The built-in console channel: prints the digest as plain text (emoji, no ANSI colours) to an injected writer.
 * `vigil dev` routes to it; the name `console` needs no entry under channels:.
 */
import type { Alert } from '../alerts/types';
import * as z from '../zod-mini';
import { plainDigest } from './rich';
import { charLength } from './text';
import type { ChannelModule, SendDeps } from './types';

/** A terminal is not a vendor, but a digest of thousands of alerts should not flood it either. */
export const CONSOLE_TEXT_MAX_CHARS = 20_000;
const ALERT_CAPS = { summary: 500, description: 2000, labels: 1000, measure: charLength } as const;

export const consoleConfigSchema = z.strictObject({ type: z.literal('console') });
export type ConsoleConfig = z.output<typeof consoleConfigSchema>;
export type ConsoleMessage = string;

export function render(alerts: readonly Alert[], _config: ConsoleConfig, ctx: { now: Date }): ConsoleMessage {
  return plainDigest(alerts, ctx.now, { max: CONSOLE_TEXT_MAX_CHARS, caps: ALERT_CAPS }).text;
}

export async function send(message: ConsoleMessage, _config: ConsoleConfig, deps: SendDeps): Promise<void> {
  const write = deps.write ?? ((text: string) => process.stdout.write(text));
  write(`${message}\n`);
}

// Named consoleChannel inside this file so the global `console` stays usable here; registered as `console`.
const consoleChannel: ChannelModule<'console', ConsoleConfig, ConsoleMessage> = {
  type: 'console',
  schema: consoleConfigSchema,
  render,
  send,
};

export { consoleChannel as console };
