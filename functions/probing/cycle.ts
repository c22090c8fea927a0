/**
 * probe → datums → publish: what the scheduled Lambda, `vigil probe --publish` and `vigil dev` all do, so the
 * three can never drift apart. The publisher is injected: CloudWatch in AWS, a local store under `vigil dev`.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SelfReport } from '../alarms/self/round';
import type { VigilConfig } from '../config/schema';
import { type Datum, datumsFromResults, heartbeatDatum } from '../metrics/datums';
import { type PublishReport, publishDatums } from '../metrics/publish';
import { selectDatums } from '../metrics/selection';
import { type RoundOptions, type RoundReport, runRound } from './run';
import type { StateStore } from './state/types';
import { PUBLISH_RESERVE_MS } from './timing';

export type Publisher = (
  namespace: string,
  datums: readonly Datum[],
  signal?: AbortSignal,
) => Promise<PublishReport>;

export interface CycleOptions extends Omit<RoundOptions, 'state'> {
  /** Omit to probe without publishing (CLI without --publish). */
  publisher?: Publisher;
  /**
   * The scheduled probe's name: publish its heartbeat with the round (the Lambda and `vigil dev`; not a one-off
   * `vigil probe`, which would keep a stalled deployment's heartbeat alive).
   */
  heartbeat?: { probe: string; at?: Date };
  /** The region this probe runs in, when vigil.yml lists `probe.locations` (a dimension of its metrics). */
  location?: string;
  /** The rate state (range functions across rounds): S3 in Lambda, a file locally. Absent: no history. */
  state?: StateStore;
  /** The state shard these targets belong to (fanout/shards.ts); absent: the whole round is one shard. */
  shard?: string;
  /** `alarms.mode: self`: evaluates the alarms over every datum of the round, beside publishing (alarms/self/). */
  evaluate?: (datums: readonly Datum[]) => Promise<SelfReport>;
}

export interface CycleSummary {
  round: RoundReport;
  datums: number;
  /** Datums that could not be sent at all (non-finite values, too many dimensions...), with why. */
  dropped: { metric: string; target: string; why: string }[];
  publish?: PublishReport;
  /** What the self-evaluated alarms did, or why they could not run (their state waits for the next round). */
  alarms?: SelfReport | { error: string };
}

/**
 * The default publisher: PutMetricData (EMF fallback), or EMF only when the config says `publish: emf`. EMF lines
 * go to stdout (the Lambda's log, which CloudWatch turns into metrics) unless `writeLine` says otherwise.
 */
export function cloudWatchPublisher(
  config: VigilConfig,
  options: { writeLine?: (line: string) => void; region?: string } = {},
): Publisher {
  // A location publishes into the home region's CloudWatch (probe.locations[0]), where the alarms are.
  const client = options.region === undefined ? undefined : new CloudWatchClient({ region: options.region });
  // CloudWatch gets what publish.metrics selects (the local store of `vigil dev` keeps everything: its alarms read it).
  return (namespace, datums, signal) =>
    publishDatums(namespace, selectDatums(config.publish, datums), {
      mode: config.publish.via,
      ...(client ? { client } : {}),
      ...(signal ? { signal } : {}),
      ...(options.writeLine ? { writeLine: options.writeLine } : {}),
    });
}

export async function probeAndPublish(
  config: VigilConfig,
  options: CycleOptions = {},
): Promise<CycleSummary> {
  const { publisher, heartbeat, location, state, shard, evaluate, ...roundOptions } = options;
  const probeDeadline =
    options.deadline !== undefined && publisher ? options.deadline - PUBLISH_RESERVE_MS : options.deadline;
  const round = await runRound(config, {
    ...roundOptions,
    ...(probeDeadline === undefined ? {} : { deadline: probeDeadline }),
    ...(state ? { state: { store: state, ...(shard === undefined ? {} : { shard }) } } : {}),
  });
  const { datums, dropped } = datumsFromResults(round.results, location === undefined ? {} : { location });
  if (heartbeat) datums.push(heartbeatDatum(heartbeat.probe, heartbeat.at ?? round.startedAt, location));
  // Self-evaluated alarms: a store or topic that fails costs this round's evaluation, never its metrics.
  const evaluated = evaluate?.(datums).catch((error: unknown) => ({ error: (error as Error).message }));
  const signal =
    options.deadline === undefined || !publisher
      ? undefined
      : AbortSignal.timeout(Math.max(0, options.deadline - Date.now()));
  const [publish, alarms] = await Promise.all([publisher?.(config.namespace, datums, signal), evaluated]);
  return {
    round,
    datums: datums.length,
    dropped,
    ...(publish ? { publish } : {}),
    ...(alarms ? { alarms } : {}),
  };
}

/** The compact summary the Lambda returns and logs. */
export function summarize(summary: CycleSummary) {
  const { round } = summary;
  return {
    targets: round.results.length,
    up: round.results.filter((result) => result.success).length,
    down: round.results.filter((result) => !result.success).length,
    durationMs: round.durationMs,
    unfinished: round.unfinished,
    failures: round.results
      .filter((result) => !result.success)
      .map((result) => ({ target: result.target, reason: result.reason, detail: result.detail })),
    warnings: [
      ...round.results.flatMap((result) => result.warnings.map((warning) => `${result.target}: ${warning}`)),
      ...(round.state?.problems ?? []),
    ],
    ...(round.state
      ? {
          state: {
            shard: round.state.shard,
            readBytes: round.state.readBytes,
            ...(round.state.written
              ? {
                  writtenBytes: round.state.written.bytes,
                  written: round.state.written.written,
                  attempts: round.state.written.attempts,
                }
              : {}),
          },
        }
      : {}),
    datums: summary.datums,
    dropped: summary.dropped,
    ...(summary.publish ? { publish: summary.publish } : {}),
    ...(summary.alarms ? { alarms: summary.alarms } : {}),
  };
}
