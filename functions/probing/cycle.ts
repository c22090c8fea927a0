/**
 * probe → datums → publish: what the scheduled Lambda, `vigil probe --publish` and `vigil dev` all do, so the
 * three can never drift apart. The publisher is injected: CloudWatch in AWS, a local store under `vigil dev`.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { VigilConfig } from '../config/schema';
import { type Datum, datumsFromResults, heartbeatDatum } from '../metrics/datums';
import { type PublishReport, publishDatums } from '../metrics/publish';
import { type RoundOptions, type RoundReport, runRound } from './run';
import type { StateStore } from './state/types';

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
}

export interface CycleSummary {
  round: RoundReport;
  datums: number;
  /** Datums that could not be sent at all (non-finite values, too many dimensions...), with why. */
  dropped: { metric: string; target: string; why: string }[];
  publish?: PublishReport;
}

/** Time kept back from probing so publishing (and its retries) still fits before the Lambda deadline. */
export const PUBLISH_RESERVE_MS = 3_000;
/** Lambda's maximum timeout. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** The probe must finish before the next scheduled round starts; leave this much slack. */
const PROBE_TIMEOUT_SLACK_SECONDS = 5;

/** The probe Lambda's timeout for a schedule (55 s at 1m): what serverless.yml sets, and the CLI's default bound. */
export function probeTimeoutSeconds(scheduleMs: number): number {
  return Math.min(
    LAMBDA_MAX_TIMEOUT_SECONDS,
    Math.max(1, Math.floor(scheduleMs / 1000) - PROBE_TIMEOUT_SLACK_SECONDS),
  );
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
  return (namespace, datums, signal) =>
    publishDatums(namespace, datums, {
      mode: config.publish,
      ...(client ? { client } : {}),
      ...(signal ? { signal } : {}),
      ...(options.writeLine ? { writeLine: options.writeLine } : {}),
    });
}

export async function probeAndPublish(
  config: VigilConfig,
  options: CycleOptions = {},
): Promise<CycleSummary> {
  const { publisher, heartbeat, location, state, shard, ...roundOptions } = options;
  const probeDeadline =
    options.deadline !== undefined && publisher ? options.deadline - PUBLISH_RESERVE_MS : options.deadline;
  const round = await runRound(config, {
    ...roundOptions,
    ...(probeDeadline === undefined ? {} : { deadline: probeDeadline }),
    ...(state ? { state: { store: state, ...(shard === undefined ? {} : { shard }) } } : {}),
  });
  const { datums, dropped } = datumsFromResults(round.results, location === undefined ? {} : { location });
  if (heartbeat) datums.push(heartbeatDatum(heartbeat.probe, heartbeat.at ?? round.startedAt, location));
  if (!publisher) return { round, datums: datums.length, dropped };
  const signal =
    options.deadline === undefined
      ? undefined
      : AbortSignal.timeout(Math.max(0, options.deadline - Date.now()));
  const publish = await publisher(config.namespace, datums, signal);
  return { round, datums: datums.length, dropped, publish };
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
  };
}
