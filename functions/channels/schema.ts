/**
 * The `channels:` section of vigil.yml: channel name → config, a union discriminated by `type` over every module
 * in the registry (each module owns its own schema). The name `console` is reserved for the built-in console
 * channel, which needs no entry: routes may name it directly.
 */
import * as z from '../zod-mini';
import { CHANNEL_TYPES, CHANNELS, type ChannelConfig, type ChannelType } from './registry';

export const CHANNEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Always available, never defined under channels:. */
export const CONSOLE_CHANNEL_NAME = 'console';

/** What may be written for one channel before validation (each module's schema refines it). */
export type ChannelConfigInput = { type: ChannelType } & Record<string, unknown>;
export type ChannelsConfig = Record<string, ChannelConfig>;

const knownTypes = CHANNEL_TYPES.join(', ');

// discriminatedUnion needs object schemas; ChannelModule only promises a ZodType, so check it once at load.
const options = CHANNEL_TYPES.map((type) => {
  const schema: unknown = CHANNELS[type].schema;
  if (!(schema instanceof z.ZodMiniObject)) {
    throw new Error(`channel module "${type}": schema must be a z.object with type: z.literal('${type}')`);
  }
  return schema;
}) as [z.ZodMiniObject, ...z.ZodMiniObject[]];

const channelConfigSchema = z.discriminatedUnion('type', options, {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const type =
      typeof issue.input === 'object' && issue.input !== null ? Reflect.get(issue.input, 'type') : undefined;
    if (type === undefined) return `type is required: one of ${knownTypes}`;
    return `unknown channel type ${JSON.stringify(type)}: use one of ${knownTypes}`;
  },
}) as unknown as z.ZodMiniType<ChannelConfig, ChannelConfigInput>;

const NAME_RULE = 'use 1-64 letters, digits, _ . - (start with a letter or digit)';
const CONSOLE_RESERVED =
  '"console" is the built-in console channel: routes can use it without defining it; rename this one';

export const channelsSchema: z.ZodMiniType<ChannelsConfig, Record<string, ChannelConfigInput>> = z.record(
  z.string().check(
    z.regex(CHANNEL_NAME_RE, NAME_RULE),
    z.refine((name) => name !== CONSOLE_CHANNEL_NAME, CONSOLE_RESERVED),
  ),
  channelConfigSchema,
  {
    // zod reports a bad key as "Invalid key in record"; say which rule it broke.
    error: (issue) => {
      if (issue.code !== 'invalid_key') return undefined;
      const name: unknown = issue.input;
      return name === CONSOLE_CHANNEL_NAME
        ? CONSOLE_RESERVED
        : `channel name ${JSON.stringify(name)}: ${NAME_RULE}`;
    },
  },
);

/** The config of channel `name`: the built-in console for "console", undefined for an unknown name. */
export function resolveChannel(name: string, channels: ChannelsConfig): ChannelConfig | undefined {
  if (name === CONSOLE_CHANNEL_NAME) return { type: 'console' };
  return Object.hasOwn(channels, name) ? channels[name] : undefined;
}
