import type { LookupFunction } from 'node:net';
import type { TargetOfTransport, VigilConfig } from '../../config/schema';
import type { ResolveOptions } from '../../config/secrets';
import type { SeriesSamples } from '../../promql';
import type { Inspection } from '../kinds/types';
import type { ProbeResult } from '../types';
import type { TransportName } from './names';

/** What a transport gets besides its target: the round's abort signal and the injectable network parts. */
export interface TransportContext {
  /** The round's deadline: abort → reason `deadline`. */
  signal: AbortSignal;
  now: () => Date;
  /** dns.lookup-compatible resolver (tests inject one instead of resolving real names). */
  lookup?: LookupFunction;
  secrets?: ResolveOptions;
  /** HTTP connection reuse; the other transports always open a fresh connection. */
  agent?: 'keep-alive' | 'fresh';
  /** Certificates to trust instead of Node's bundled roots (a private CA; tests use their own). */
  ca?: readonly (string | Buffer)[];
  /** The target's samples of earlier rounds (the rate state; only the HTTP kinds' inspection reads them). */
  history?: readonly SeriesSamples[];
  /** Receives what the rate state should keep of this scrape. */
  record?: (recorded: NonNullable<Inspection['recorded']>) => void;
}

/**
 * One way of reaching a target. `probe` never throws for anything the target does (a bug still becomes reason
 * `error` in run.ts) and reports the standard vocabulary: success, duration, phases, CertExpiryDays.
 */
export interface Transport<N extends TransportName> {
  readonly name: N;
  probe(
    target: TargetOfTransport<N>,
    config: VigilConfig,
    ctx: TransportContext,
    timestamp: Date,
  ): Promise<ProbeResult>;
}
