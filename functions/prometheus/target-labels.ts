/**
 * A Prometheus scrape's target labels, apart from the prometheus kind (its PromQL engine): the webhook renders
 * `$labels` of rule annotations with them (rules/annotate.ts) and must not bundle the engine.
 */
import { PLACEHOLDER_RE } from '../config/secrets';

/**
 * The labels a Prometheus scrape attaches to every series of a target: `job` (the target's `job`, else its name)
 * and `instance` (the URL's host and port as written, as Prometheus 3 sets it; the target's name when the host is
 * a secret placeholder).
 */
export function targetLabels(target: { name: string; url: string; job?: string | undefined }): {
  job: string;
  instance: string;
} {
  let instance = target.name;
  if (!PLACEHOLDER_RE.test(target.url)) {
    try {
      instance = new URL(target.url).host;
    } catch {
      // The schema has checked the URL; keep the name for anything odd.
    }
  }
  return { job: target.job ?? target.name, instance };
}
