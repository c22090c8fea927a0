/**
 * The probe Lambda, planner and worker in one function (one bundle, one role):
 * - EventBridge Scheduler → plan the round (fanout/shards.ts). One shard (the config fits one invocation): probe
 *   it here, the single-invocation path. More: one SQS message per shard (fanout/sqs.ts);
 * - SQS (the shard queue's event source mapping, one message per invocation) → work that shard (fanout/worker.ts).
 * Either way a shard is probed by the same worker: lease, probe cycle, heartbeat. A shard that cannot run is
 * logged as skipped with why and never retried (the next round is the retry: an older round's samples would land
 * after newer ones); its targets are not probed, which their alarms ignore and the heartbeat count reports.
 * Config is loaded and validated once per container (a bad config fails the cold start loudly).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { type SelfEvaluator, selfEvaluatorFromEnv } from '../alarms/self/round';
import { readRuntimeConfig } from '../config/runtime';
import type { VigilConfig } from '../config/schema';
import { createLogger } from '../logging/logger';
import { cloudWatchPublisher, summarize } from '../probing/cycle';
import { planRound } from '../probing/fanout/planner';
import { SHARD_QUEUE_ENV, sqsDispatch } from '../probing/fanout/sqs';
import { parseShardMessage, runShard, type ShardMessage, type ShardOutcome } from '../probing/fanout/worker';
import { stateObjects, stateStore } from '../probing/state';

const logger = createLogger('vigil-probe');

/** Finish this long before Lambda's hard stop so the summary is logged and returned. */
const DEADLINE_MARGIN_MS = 1_000;
/**
 * Where lease files and the rate state go without a state bucket (VIGIL_STATE_DIR overrides; the bucket the
 * deployment creates, VIGIL_STATE_BUCKET, wins whenever it is set).
 */
const LAMBDA_TMP_STATE_DIR = '/tmp/vigil';

let config: VigilConfig | undefined;
/** `alarms.mode: self`: built once per container, like the config. */
let selfAlarms: SelfEvaluator | undefined;

type ProbeContext = Pick<Context, 'getRemainingTimeInMillis' | 'functionName' | 'awsRequestId'>;

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown })?.Records;
  return Array.isArray(records) && records.every((record) => record?.eventSource === 'aws:sqs');
}

/** The region this invocation probes from, when vigil.yml lists locations (Lambda sets AWS_REGION). */
function locationOf(loaded: VigilConfig): string | undefined {
  const locations = loaded.probe.locations;
  if (!locations) return undefined;
  const region = process.env.AWS_REGION ?? '';
  if (!locations.includes(region))
    throw new Error(
      `this probe runs in ${region || 'an unknown region'}, which is not in probe.locations (${locations.join(', ')})`,
    );
  return region;
}

export async function probeHandler(event: unknown, context: ProbeContext) {
  config ??= readRuntimeConfig();
  const loaded = config;
  const deadline = Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
  const location = locationOf(loaded);
  if (loaded.alarms.mode === 'self') selfAlarms ??= selfEvaluatorFromEnv(loaded, process.env);
  // Every location publishes to the home region's CloudWatch, where the alarms are.
  const home = loaded.probe.locations?.[0];
  const stateDir = process.env.VIGIL_STATE_DIR ?? LAMBDA_TMP_STATE_DIR;
  const work = (message: ShardMessage) =>
    runShard(message, {
      config: loaded,
      leases: stateObjects(process.env, stateDir),
      // rate() history, per shard: the shard's own object beside its lease.
      state: stateStore(process.env, stateDir),
      holder: context.awsRequestId,
      deadline,
      publisher: cloudWatchPublisher(loaded, home === undefined ? {} : { region: home }),
      // The heartbeat the "probe stalled" alarm watches, under this function's own name (one per stage).
      heartbeat: { probe: context.functionName },
      ...(location === undefined ? {} : { location }),
      ...(selfAlarms ? { alarms: selfAlarms } : {}),
    });

  if (isSqsEvent(event)) {
    const outcomes: ReturnType<typeof report>[] = [];
    for (const record of event.Records) {
      const message = parseShardMessage(record.body);
      if ('problem' in message) {
        logger.error('not a shard message: dropped', {
          messageId: record.messageId,
          problem: message.problem,
        });
        continue;
      }
      outcomes.push(report(await work(message)));
    }
    // Never handed back for a retry: see the file comment.
    return { batchItemFailures: [], outcomes };
  }

  const { plan, messages } = planRound(loaded, Date.now());
  const [only] = messages;
  if (messages.length === 1 && only) return report(await work(only));
  const queueUrl = process.env[SHARD_QUEUE_ENV];
  if (!queueUrl)
    throw new Error(
      `the plan has ${messages.length} shards but ${SHARD_QUEUE_ENV} is not set: package and deploy again (the queue comes with a sharded config)`,
    );
  const dispatched = await sqsDispatch(queueUrl)(messages);
  for (const failed of dispatched.failed)
    logger.error('shard not dispatched: its targets are not probed this round', failed);
  const summary = {
    round: messages[0]?.round,
    shards: messages.length,
    capacity: plan.capacity,
    dispatched: dispatched.dispatched,
    failed: dispatched.failed,
  };
  logger.info('round planned', { summary });
  return summary;
}

/** Logs one shard's outcome the way the single-invocation probe always has, and returns its summary. */
function report(outcome: ShardOutcome) {
  if (outcome.status === 'skipped') {
    logger.warn('shard skipped: its targets are not probed this round', outcome);
    return outcome;
  }
  const summary = summarize(outcome.cycle);
  for (const warning of outcome.warnings) logger.warn(warning);
  for (const failure of summary.failures) logger.warn('target down', failure);
  if (summary.unfinished.length > 0)
    logger.error('round hit the deadline: these targets were not probed', { unfinished: summary.unfinished });
  if (summary.dropped.length > 0) logger.warn('datums not published', { dropped: summary.dropped });
  const publish = summary.publish;
  if (publish && publish.viaEmf > 0) {
    logger.warn('CloudWatch refused datums: written as EMF to the log instead', { viaEmf: publish.viaEmf });
  }
  if (publish && publish.failed.length > 0)
    logger.error('datums could not be published', { failed: publish.failed });
  const alarms = summary.alarms;
  if (alarms && 'error' in alarms)
    logger.error('alarms not evaluated this round: the next round catches up', { error: alarms.error });
  else if (alarms && alarms.failed.length > 0)
    logger.error('alarm state changes not published: they wait for the next round', {
      failed: alarms.failed,
    });
  logger.info('probe round done', { round: outcome.round, shard: outcome.shard, summary });
  return { status: outcome.status, round: outcome.round, shard: outcome.shard, ...summary };
}

export const handler = middy(probeHandler).use(injectLambdaContext(logger));
