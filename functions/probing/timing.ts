/**
 * How a probe round is timed against its Lambda: the timeout a schedule gets and the time kept back for publishing.
 * Apart from cycle.ts (which loads the CloudWatch client and the probing code) because the shard planner, the
 * alarms on vigil itself and infra/ need these numbers without the rest.
 */

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
