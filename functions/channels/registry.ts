/**
 * The one place channels are registered. Adding a channel = its module file + one line here; the config schema
 * (schema.ts), the types below and delivery (notify/deliver.ts) all follow from this object.
 */
import type * as z from '../zod-mini';
import { console } from './console';
import { dingtalk } from './dingtalk';
import { discord } from './discord';
import { feishu } from './feishu';
import { webhook } from './generic-webhook';
import { slack } from './slack';
import { sns } from './sns';
import { teams } from './teams';
import { telegram } from './telegram';
import type { ChannelModule } from './types';
import { wecom } from './wecom';

/** Each entry must be a ChannelModule whose `type` equals its key (a mislabelled or foreign entry is a type error). */
type Registry<R> = { readonly [K in keyof R]: ChannelModule<K & string, { type: K & string }, unknown> };
export function defineRegistry<const R extends Registry<R>>(channels: R): R {
  return channels;
}

export const CHANNELS = defineRegistry({
  slack,
  discord,
  teams,
  telegram,
  webhook,
  console,
  wecom,
  dingtalk,
  feishu,
  sns,
});

export type Channels = typeof CHANNELS;
export type ChannelType = keyof Channels;
export const CHANNEL_TYPES = Object.keys(CHANNELS) as ChannelType[];

/** The (resolved, validated) config of one channel type; `ChannelConfig` is the union over all types. */
export type ChannelConfigOf<T extends ChannelType> =
  Channels[T]['schema'] extends z.ZodMiniType<infer C> ? C : never;
export type ChannelConfig = { [T in ChannelType]: ChannelConfigOf<T> }[ChannelType];
/** The rendered message of one channel type. */
export type ChannelMessageOf<T extends ChannelType> = ReturnType<Channels[T]['render']>;

/** A module seen through the union of all configs: only ever called with the config it was looked up by. */
export type AnyChannelModule = ChannelModule<ChannelType, ChannelConfig, unknown>;

export function isChannelType(type: string): type is ChannelType {
  return Object.hasOwn(CHANNELS, type);
}

/** The module that handles `config`. The registry's single cast: the config's `type` picked the module. */
export function moduleFor(config: ChannelConfig): AnyChannelModule {
  return CHANNELS[config.type] as unknown as AnyChannelModule;
}
