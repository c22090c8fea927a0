/**
 * The one place probe kinds are registered. Adding a kind = its module file + one line here; the target schema
 * (config/schema.ts, a union discriminated by `type`), the result type and the alarm series all follow from it.
 */
import type { z } from 'zod';
import type { MetricConfig, TargetConfig } from '../../config/schema';
import type { TransportName } from '../transports/names';
import { dns } from './dns';
import { http } from './http';
import { json } from './json';
import { prometheus } from './prometheus';
import { tcp } from './tcp';
import { tls } from './tls';
import type { ProbeKind } from './types';

/** Each entry must be a ProbeKind whose `type` equals its key (a mislabelled or foreign entry is a type error). */
type Registry<R> = { readonly [K in keyof R]: ProbeKind<K & string, z.ZodRawShape | undefined> };
export function defineKinds<const R extends Registry<R>>(kinds: R): R {
  return kinds;
}

export const PROBE_KINDS = defineKinds({ http, json, prometheus, tcp, dns, tls });

export type ProbeKinds = typeof PROBE_KINDS;
export type ProbeType = keyof ProbeKinds;
export const PROBE_TYPES = Object.keys(PROBE_KINDS) as ProbeType[];
/** The metric fields kind T adds to the shared ones (undefined for a kind without body metrics). */
type FieldsBuilt<B> = B extends (zod: typeof z) => infer F
  ? F extends z.ZodRawShape
    ? F
    : undefined
  : undefined;
export type MetricFieldsOf<T extends ProbeType> = FieldsBuilt<ProbeKinds[T]['metricFields']>;
/** The target fields kind T adds to the shared ones (none for most kinds). */
export type TargetFieldsOf<T extends ProbeType> = ReturnType<NonNullable<ProbeKinds[T]['targetFields']>>;

/** The transport of kind T: its `transport`, or http when it has none. */
export type TransportOf<T extends ProbeType> = ProbeKinds[T] extends {
  transport: infer N extends TransportName;
}
  ? N
  : 'http';
/** The kinds that use transport N. */
export type TypesOfTransport<N extends TransportName> = {
  [T in ProbeType]: TransportOf<T> extends N ? T : never;
}[ProbeType];

export function transportOf<T extends ProbeType>(target: { type: T }): TransportOf<T> {
  return ((PROBE_KINDS[target.type] as { transport?: TransportName }).transport ?? 'http') as TransportOf<T>;
}

export function isProbeType(type: unknown): type is ProbeType {
  return typeof type === 'string' && Object.hasOwn(PROBE_KINDS, type);
}

/** A kind seen through the union of all metrics: only ever called with the metrics of the target it was looked up by. */
export type AnyProbeKind = ProbeKind<ProbeType, z.ZodRawShape | undefined, MetricConfig>;

/** The kind that probes `target`. The registry's single cast: the target's `type` picked the kind. */
export function kindOf(target: Pick<TargetConfig, 'type'>): AnyProbeKind {
  return PROBE_KINDS[target.type] as unknown as AnyProbeKind;
}
