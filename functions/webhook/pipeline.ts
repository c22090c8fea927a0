/**
 * One webhook event in, one answer out: intake (detect, authenticate, normalize) → dispatch. The Lambda handler,
 * `vigil webhook serve` and `vigil dev` all call this, so local and deployed behaviour are the same code.
 */

import type { Alert } from '../alerts/types';
import type { VigilConfig } from '../config/schema';
import { type ResolveOptions, resolveSecrets } from '../config/secrets';
import { DeadLetterError } from '../deadletter/keep';
import { handleAlertmanagerApi, isAlertmanagerApiPath } from '../intake/alertmanager-api';
import { classifyEvent, httpPath, isHttpEvent } from '../intake/detect';
import { type HttpIntakeConfig, type HttpIntakeEvent, handleHttpIntake } from '../intake/http-request';
import { annotateRuleAlerts } from '../rules/annotate';
import { type DispatchDeps, type DispatchReport, dispatch } from './dispatch';

export interface WebhookContext {
  config: VigilConfig;
  deps: DispatchDeps;
  secrets?: ResolveOptions;
  /** The intake's credentials, resolved once at start-up (resolveIntakeConfig); resolved per request when absent. */
  intake?: HttpIntakeConfig;
}

/** What a Function URL / API Gateway HTTP API integration returns (a structured APIGatewayProxyResultV2). */
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type WebhookResult =
  | {
      kind: 'http';
      response: HttpAnswer;
      report?: DispatchReport;
      skipped: string[];
    }
  | { kind: 'event'; source: string; report?: DispatchReport; rejected?: string; skipped: string[] };

function json(statusCode: number, body: unknown): HttpAnswer {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function summary(report: DispatchReport) {
  return {
    alerts: report.alerts,
    unrouted: report.unrouted.length,
    channels: report.outcomes.map((outcome) => ({
      channel: outcome.channel,
      ok: outcome.ok,
      alerts: outcome.alerts,
      attempts: outcome.attempts,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    })),
    deadLettered: report.deadLettered.length,
    ...report.applied,
    ...(report.inhibited > 0 ? { inhibited: report.inhibited } : {}),
    ...(report.silenced > 0 ? { silenced: report.silenced } : {}),
    ...(report.stateUnavailable === undefined ? {} : { stateUnavailable: true }),
    ...(report.deferred.length > 0
      ? { deferred: report.deferred.reduce((sum, deferred) => sum + deferred.alerts, 0) }
      : {}),
  };
}

/**
 * The `webhook:` section with its secrets resolved. Call it at start-up: an unset ${env:…} token then stops the
 * server (or fails the Lambda's first event with a clear log) naming the variable, instead of every POST failing.
 */
export async function resolveIntakeConfig(
  config: VigilConfig,
  secrets: ResolveOptions | undefined,
): Promise<HttpIntakeConfig> {
  const { token, hmacSecret, hmacHeader, timestampHeader, defaultSeverity } = config.webhook;
  return {
    ...(token === undefined ? {} : { token: await resolveSecrets(token, secrets) }),
    ...(hmacSecret === undefined ? {} : { hmacSecret: await resolveSecrets(hmacSecret, secrets) }),
    hmacHeader,
    ...(timestampHeader === undefined ? {} : { timestampHeader }),
    defaultSeverity,
  };
}

export async function handleWebhookEvent(event: unknown, ctx: WebhookContext): Promise<WebhookResult> {
  const now = ctx.deps.now();
  const route = (alerts: readonly Alert[]) => dispatch(alerts, ctx.config, ctx.deps);

  if (isHttpEvent(event)) {
    const credentials = ctx.intake ?? (await resolveIntakeConfig(ctx.config, ctx.secrets));
    if (isAlertmanagerApiPath(httpPath(event))) {
      const response = await handleAlertmanagerApi(event, {
        state: ctx.deps.state,
        intake: credentials,
        now,
      });
      return { kind: 'http', response, skipped: [] };
    }
    const intake = handleHttpIntake(event as HttpIntakeEvent, credentials, now);
    if ('statusCode' in intake) {
      const response = json(intake.statusCode, { error: intake.body });
      // RFC 9110: a 405 says which methods are allowed.
      if (intake.statusCode === 405) response.headers = { ...response.headers, allow: 'POST' };
      return { kind: 'http', response, skipped: [] };
    }
    try {
      const report = await route(intake.alerts);
      return {
        kind: 'http',
        response: json(200, { received: intake.kind, ...summary(report) }),
        report,
        skipped: intake.skipped,
      };
    } catch (error) {
      if (!(error instanceof DeadLetterError)) throw error;
      // 5xx so Alertmanager and Grafana send the group again: the alerts were neither delivered nor kept.
      return { kind: 'http', response: json(503, { error: error.message }), skipped: intake.skipped };
    }
  }

  const detected = classifyEvent(event, { defaultSeverity: ctx.config.webhook.defaultSeverity, now });
  if ('error' in detected) return { kind: 'event', source: 'unknown', rejected: detected.error, skipped: [] };
  // A DeadLetterError propagates: the invocation fails and SNS/EventBridge/Lambda retry it.
  // Alarms that are Prometheus alerting rules carry the rule's name, labels and rendered annotations.
  const report = await route(annotateRuleAlerts(detected.alerts, ctx.config));
  return { kind: 'event', source: detected.kind, report, skipped: detected.skipped };
}
