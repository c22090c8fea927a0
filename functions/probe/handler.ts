/**
 * The scheduled probe Lambda: EventBridge Scheduler → one probe round → CloudWatch metrics. Config is loaded and
 * validated once per container (a bad config fails the cold start loudly, with every problem listed).
 */

import { tmpdir } from 'node:os';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { configPath, loadConfig } from '../config/load';
import type { VigilConfig } from '../config/schema';
import { createLogger } from '../logging/logger';
import { cloudWatchPublisher, probeAndPublish, summarize } from '../probing/cycle';
import { stateStore } from '../probing/state';

const logger = createLogger('vigil-probe');

/** Finish this long before Lambda's hard stop so the summary is logged and returned. */
const DEADLINE_MARGIN_MS = 1_000;

let config: VigilConfig | undefined;

export async function probeHandler(
  _event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'functionName'>,
) {
  config ??= loadConfig(configPath());
  const deadline = Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
  const summary = summarize(
    await probeAndPublish(config, {
      deadline,
      publisher: cloudWatchPublisher(config),
      // The heartbeat the "probe stalled" alarm watches, under this function's own name (one per stage).
      heartbeat: { probe: context.functionName },
      // rate() history: the bucket the deployment creates (VIGIL_STATE_BUCKET); /tmp only if it is missing.
      state: { store: stateStore(process.env, tmpdir()) },
    }),
  );
  for (const failure of summary.failures) logger.warn('target down', failure);
  if (summary.unfinished.length > 0)
    logger.error('round hit the deadline', { unfinished: summary.unfinished });
  if (summary.dropped.length > 0) logger.warn('datums not published', { dropped: summary.dropped });
  const publish = summary.publish;
  if (publish && publish.viaEmf > 0) {
    logger.warn('CloudWatch refused datums: written as EMF to the log instead', { viaEmf: publish.viaEmf });
  }
  if (publish && publish.failed.length > 0)
    logger.error('datums could not be published', { failed: publish.failed });
  logger.info('probe round done', { summary });
  return summary;
}

export const handler = middy(probeHandler).use(injectLambdaContext(logger));
