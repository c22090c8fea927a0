/**
 * The meta Lambda: the alarms on vigil itself (alarms/health.ts) from the meta topic → `alerts.meta`. It shares
 * the webhook's delivery code but nothing the webhook could lose at run time: its own invocation, role, log group,
 * concurrency and topic. A delivery that still fails is dead-lettered and then fails the invocation, so its
 * Errors alarm, which goes the other way (alerts topic → webhook), tells someone the meta path is broken.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readRuntimeConfig } from '../config/runtime';
import type { VigilConfig } from '../config/schema';
import { deadlineIn } from '../deadline';
import { createLogger } from '../logging/logger';
import type { AlertStateStore } from '../state/item-store';
import { alertStateStoreFromEnv, deadLetterStoreFromEnv, productionDispatchDeps } from '../webhook/deps';
import { handleWebhookEvent } from '../webhook/pipeline';
import { metaDispatchConfig } from './routes';

const logger = createLogger('vigil-meta');

/** Finish deliveries this long before Lambda's hard stop, so dead-lettering and logging still happen. */
const DEADLINE_MARGIN_MS = 3_000;

/** A meta alert that did not reach every channel: raised after dead-lettering, so the invocation counts as failed. */
class MetaDeliveryError extends Error {
  override name = 'MetaDeliveryError';
}

let config: VigilConfig | undefined;
// The alert state (dedup of SNS re-deliveries, real durations) is shared with the webhook: a separate table would
// be one more thing to deploy for no independence gained, since both read it only through conditional writes.
let state: AlertStateStore | undefined;

export async function metaHandler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) {
  config ??= metaDispatchConfig(readRuntimeConfig());
  state ??= alertStateStoreFromEnv();
  const deps = productionDispatchDeps({
    deadline: deadlineIn(context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS),
    deadLetters: deadLetterStoreFromEnv(),
    state,
  });
  const result = await handleWebhookEvent(event, { config, deps });
  if (result.kind === 'http') throw new MetaDeliveryError('the meta function takes SNS alarm events only');
  if (result.rejected) {
    logger.error('event not understood', { reason: result.rejected });
    throw new MetaDeliveryError(`event not understood: ${result.rejected}`);
  }
  const report = result.report;
  const failed = report?.outcomes.filter((outcome) => !outcome.ok) ?? [];
  for (const outcome of report?.outcomes ?? []) {
    if (outcome.ok) logger.info('notification sent', { channel: outcome.channel, alerts: outcome.alerts });
    else logger.error('notification failed', { channel: outcome.channel, error: outcome.error });
  }
  // Unrouted alerts went to the fallback; unless the config chose that fallback, it is the console (the log):
  // nobody would hear about vigil's own trouble, as bad as a failed delivery.
  const unrouted = config.alerts.fallback === undefined ? (report?.unrouted ?? []) : [];
  if (unrouted.length > 0) {
    logger.error('alerts matched no route', { alerts: unrouted.map((alert) => alert.name) });
    throw new MetaDeliveryError(
      `${unrouted.map((alert) => alert.name).join(', ')} matched no route: set alerts.meta to the channels that should hear about vigil itself`,
    );
  }
  if (failed.length > 0) {
    throw new MetaDeliveryError(
      `${failed.map((outcome) => outcome.channel).join(', ')} refused the alert (kept as dead letters for vigil replay)`,
    );
  }
  return { source: result.source, alerts: report?.alerts ?? 0 };
}

export const handler = middy(metaHandler).use(injectLambdaContext(logger));
