import type { TargetConfig } from '../../config/schema';
import { http } from './http';
import { json } from './json';
import { prometheus } from './prometheus';
import type { ProbeKind } from './types';

/** Every probe type, registered once: adding a type means its module plus one line here (and the schema enum). */
export const PROBE_KINDS = { http, json, prometheus } satisfies { [T in TargetConfig['type']]: ProbeKind<T> };
