/**
 * The sweep Lambda (EventBridge Scheduler, every minute): reminders for alerts still firing after their route's
 * `repeat`, and every queued notification that is due — alerts that waited for a rate budget or a blocked robot,
 * and work an invocation that died left claimed. The same notify/sweep.ts runs on a timer under `vigil dev` and
 * `vigil webhook serve`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readRuntimeConfig } from '../config/runtime';
import type { VigilConfig } from '../config/schema';
import { deadlineIn } from '../deadline';
import { createLogger } from '../logging/logger';
import { alertPolicy, sweep } from '../notify/sweep';
import type { AlertStateStore } from '../state/item-store';
import { alertStateStoreFromEnv, deadLetterStoreFromEnv, productionDeliverDeps } from '../webhook/deps';

const logger = createLogger('vigil-sweep');

/** Stop sending this long before Lambda's hard stop, so claims are settled and logs written. */
const DEADLINE_MARGIN_MS = 5_000;

let loaded: { config: VigilConfig; metrics: Metrics; state: AlertStateStore } | undefined;

function loadOnce() {
  if (!loaded) {
    const config = readRuntimeConfig();
    loaded = {
      config,
      metrics: new Metrics({ serviceName: 'vigil-sweep', namespace: config.namespace }),
      state: alertStateStoreFromEnv(),
    };
  }
  return loaded;
}

export async function sweepHandler(_event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) {
  const { config, metrics, state } = loadOnce();
  const deliver = productionDeliverDeps({
    deadline: deadlineIn(context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS),
    onOutcome: (outcome) => {
      const single = metrics.singleMetric();
      single.addDimension('Channel', outcome.channel);
      single.addMetric(outcome.ok ? 'NotificationsSent' : 'NotificationsFailed', MetricUnit.Count, 1);
    },
  });
  const report = await sweep({
    policy: alertPolicy(config),
    state,
    deadLetters: deadLetterStoreFromEnv(),
    deliver,
  });
  const summary = {
    reminders: report.reminders,
    sent: report.outcomes.filter((outcome) => outcome.ok).length,
    failed: report.outcomes.filter((outcome) => !outcome.ok).length,
    deadLettered: report.deadLettered.length,
    deferred: report.deferred.reduce((sum, deferred) => sum + deferred.alerts, 0),
    inhibited: report.inhibited,
    silenced: report.silenced,
    held: report.held,
  };
  if (summary.sent + summary.failed + summary.deferred > 0) logger.info('sweep', summary);
  return summary;
}

export const handler = middy(sweepHandler).use(injectLambdaContext(logger));
