/**
 * probe → datums → publish: what the scheduled Lambda, `vigil probe --publish` and `vigil dev` all do, so the
 * three can never drift apart. The publisher is injected: CloudWatch in AWS, a local store under `vigil dev`.
 */
import type { VigilConfig } from '../config/schema';
import { type Datum, datumsFromResults, heartbeatDatum } from '../metrics/datums';
import { type PublishReport, publishDatums } from '../metrics/publish';
import { type RoundOptions, type RoundReport, runRound } from './run';

export type Publisher = (
  namespace: string,
  datums: readonly Datum[],
  signal?: AbortSignal,
) => Promise<PublishReport>;

export interface CycleOptions extends RoundOptions {
  /** Omit to probe without publishing (CLI without --publish). */
  publisher?: Publisher;
  /**
   * The scheduled probe's name: publish its heartbeat with the round (the Lambda and `vigil dev`; not a one-off
   * `vigil probe`, which would keep a stalled deployment's heartbeat alive).
   */
  heartbeat?: { probe: string };
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
  options: { writeLine?: (line: string) => void } = {},
): Publisher {
  return (namespace, datums, signal) =>
    publishDatums(namespace, datums, {
      mode: config.publish,
      ...(signal ? { signal } : {}),
      ...(options.writeLine ? { writeLine: options.writeLine } : {}),
    });
}

export async function probeAndPublish(
  config: VigilConfig,
  options: CycleOptions = {},
): Promise<CycleSummary> {
  const { publisher, heartbeat, ...roundOptions } = options;
  const probeDeadline =
    options.deadline !== undefined && publisher ? options.deadline - PUBLISH_RESERVE_MS : options.deadline;
  const round = await runRound(config, {
    ...roundOptions,
    ...(probeDeadline === undefined ? {} : { deadline: probeDeadline }),
  });
  const { datums, dropped } = datumsFromResults(round.results);
  if (heartbeat) datums.push(heartbeatDatum(heartbeat.probe, round.startedAt));
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
