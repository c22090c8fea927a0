/**
 * A rule's `for:` as alarm periods. Its own module because the alarm definitions need it in every bundle that
 * evaluates alarms (the probe's, in `alarms.mode: self`), and translate.ts would bring the rule-file parser and
 * `yaml` with it.
 */

/**
 * Consecutive breaching periods for `for:`: Prometheus fires at the evaluation where `t - activeAt >= for`, with
 * activeAt the first of consecutive active evaluations, so one evaluation a period fires at the
 * (ceil(for / period) + 1)-th: M = N = that, and one non-breaching period resolves (README "Rule files").
 */
export function forPeriods(forMs: number, periodMs: number): number {
  return Math.ceil(forMs / periodMs) + 1;
}
