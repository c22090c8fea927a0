/**
 * The webhook Lambda: SNS (CloudWatch alarms), EventBridge alarm state changes, direct alarm actions and HTTP
 * (Function URL: Alertmanager, Grafana, plain JSON) → routes → chat channels. Failed deliveries go to the SQS
 * dead-letter queue (VIGIL_DLQ_URL); per-channel outcomes are logged and counted as EMF metrics.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readRuntimeConfig } from '../config/runtime';
import type { VigilConfig } from '../config/schema';
import { deadlineIn } from '../deadline';
import { intakeWarnings } from '../intake/auth';
import type { HttpIntakeConfig } from '../intake/http-request';
import { createLogger } from '../logging/logger';
import { WEBHOOK_METRICS_SERVICE } from '../metrics/datums';
import type { AlertStateStore } from '../state/item-store';
import { alertStateStoreFromEnv, deadLetterStoreFromEnv, productionDispatchDeps } from './deps';
import { handleWebhookEvent, resolveIntakeConfig } from './pipeline';

const logger = createLogger('vigil-webhook');

/** Finish deliveries this long before Lambda's hard stop, so dead-lettering and logging still happen. */
const DEADLINE_MARGIN_MS = 3_000;

interface Loaded {
  config: VigilConfig;
  metrics: Metrics;
  intake: HttpIntakeConfig;
}

// One client per table for the container's life (connections are reused); keyed by the environment's choice.
const stateStores = new Map<string, AlertStateStore>();
function stateStore(): AlertStateStore {
  const key = `${process.env.VIGIL_ALERT_STATE_TABLE ?? ''}|${process.env.VIGIL_ALERT_STATE_FILE ?? ''}`;
  let store = stateStores.get(key);
  if (!store) {
    store = alertStateStoreFromEnv();
    stateStores.set(key, store);
  }
  return store;
}
let loaded: Promise<Loaded> | undefined;

/** Config, metrics, state store and the intake's resolved credentials, once per container. */
function loadOnce(): Promise<Loaded> {
  loaded ??= (async () => {
    const config = readRuntimeConfig();
    // Delivery metrics go to the same namespace as the probe's, via EMF (no PutMetricData call on this path).
    const metrics = new Metrics({ serviceName: WEBHOOK_METRICS_SERVICE, namespace: config.namespace });
    for (const warning of intakeWarnings(config.webhook)) logger.warn(warning);
    try {
      const intake = await resolveIntakeConfig(config, undefined);
      return { config, metrics, intake };
    } catch (error) {
      // An unset ${env:…} token: every request would fail. Say which variable, once, and let the next event retry.
      logger.error('webhook credentials could not be resolved: fix the variable or parameter named below', {
        error: (error as Error).message,
      });
      loaded = undefined;
      throw error;
    }
  })();
  return loaded;
}

export async function webhookHandler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) {
  const { config: cfg, metrics, intake } = await loadOnce();
  const state = stateStore();
  const deadline = deadlineIn(context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS);
  const deps = productionDispatchDeps({
    deadline,
    deadLetters: deadLetterStoreFromEnv(),
    state,
    onOutcome: (outcome) => {
      const single = metrics.singleMetric();
      single.addDimension('Channel', outcome.channel);
      single.addMetric(outcome.ok ? 'NotificationsSent' : 'NotificationsFailed', MetricUnit.Count, 1);
      if (outcome.ok)
        logger.info('notification sent', {
          channel: outcome.channel,
          alerts: outcome.alerts,
          attempts: outcome.attempts,
        });
      else
        logger.error('notification failed', {
          channel: outcome.channel,
          alerts: outcome.alerts,
          attempts: outcome.attempts,
          error: outcome.error,
        });
    },
  });
  let result: Awaited<ReturnType<typeof handleWebhookEvent>>;
  try {
    result = await handleWebhookEvent(event, { config: cfg, deps, intake });
  } catch (error) {
    logger.error(
      'alerts could be neither delivered nor dead-lettered; failing the invocation so it is retried',
      error as Error,
    );
    throw error;
  }
  for (const skipped of result.skipped) logger.info('payload part skipped', { skipped });
  if (result.report) {
    const { report } = result;
    if (report.stateUnavailable !== undefined) {
      logger.error('alert state unavailable: delivered without dedup, inhibition or rate budgets', {
        reason: report.stateUnavailable,
      });
    }
    if (report.unrouted.length > 0) {
      logger.warn('alerts matched no route: sent to the fallback channels', {
        alerts: report.unrouted.map((alert) => ({ name: alert.name, severity: alert.severity })),
      });
    }
    if (report.deadLettered.length > 0) {
      logger.error('failed notifications kept for replay', {
        letters: report.deadLettered.map((l) => ({ id: l.id, channel: l.channel, alerts: l.alerts.length })),
      });
    }
  }
  if (result.kind === 'http') {
    if (result.response.statusCode >= 400)
      logger.warn('webhook request rejected', {
        status: result.response.statusCode,
        reason: result.response.body,
      });
    return result.response;
  }
  if (result.rejected) logger.error('event not understood', { reason: result.rejected });
  return {
    source: result.source,
    rejected: result.rejected,
    alerts: result.report?.alerts ?? 0,
    /** Messages that went out (a duplicate or an unannounced resolution sends none). */
    sent: result.report?.outcomes.filter((outcome) => outcome.ok).length ?? 0,
    deadLettered: result.report?.deadLettered.length ?? 0,
    ...result.report?.applied,
  };
}

export const handler = middy(webhookHandler).use(injectLambdaContext(logger));
