import { parseConfig } from '../../../functions/config/load';
import type { VigilConfig } from '../../../functions/config/schema';
import type { CfnResource } from '../../../infra/cfn';

export const OPTIONS = { stage: 'dev', region: 'eu-west-1' };

/** Resources osls creates around vigil's (functions, log groups): offline validation cannot see them; the packaged test does. */
export const OSLS_OWNED_REFERENCE =
  /"(ProbeLambdaFunction|WebhookLambdaFunction|SweepLambdaFunction|ProbeLogGroup|WebhookLogGroup|SweepLogGroup|MetaLogGroup)"/;

/** A config with `count` json targets, each with the given metrics YAML (indented for `metrics:`). */
export function jsonTargets(count: number, metrics = '[]', extra = ''): VigilConfig {
  const targets = Array.from(
    { length: count },
    (_, index) => `  - name: t${index}
    url: http://127.0.0.1:3000/health
    type: json
    metrics: ${metrics}`,
  ).join('\n');
  return parseConfig(`targets:\n${targets}\n${extra}`);
}

/** A config with `count` prometheus targets, each with one labelled metric (a SEARCH on the dashboard). */
export function prometheusTargets(count: number, extra = ''): VigilConfig {
  const targets = Array.from(
    { length: count },
    (_, index) => `  - name: p${index}
    url: http://127.0.0.1:3000/metrics
    type: prometheus
    metrics:
      - name: RequestsByMethod
        query: sum by (method) (http_requests_total)
        thresholds: { warning: "> 100" }`,
  ).join('\n');
  return parseConfig(`targets:\n${targets}\n${extra}`);
}

export function ofType(resources: Record<string, CfnResource>, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The statements of a role's (single) inline policy. */
export function statementsOf(role: CfnResource | undefined): Statement[] {
  const policies = role?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined;
  return policies?.[0]?.PolicyDocument.Statement ?? [];
}
