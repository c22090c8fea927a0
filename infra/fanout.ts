/**
 * The fan-out of a config too big for one invocation (functions/probing/fanout/): a shard queue the planner fills
 * once per round and an event source mapping that invokes the probe function once per message, at most
 * MaximumConcurrency at once. Nothing of it exists for a config that fits one invocation (no queue, no pollers,
 * no cost). Sizing, and why SQS rather than Step Functions or async Invoke: README "Fan-out".
 */
import type { VigilConfig } from '../functions/config/schema';
import { planShards } from '../functions/probing/fanout/shards';
import { probeTimeoutSeconds } from '../functions/probing/timing';
import { type CfnResource, getAtt, ref } from './cfn';
import { PROBE_FUNCTION_ID } from './iam';

export const SHARD_QUEUE_ID = 'VigilShardQueue';
const SHARD_EVENT_SOURCE_ID = 'VigilShardEventSource';
/** ScalingConfig.MaximumConcurrency bounds (AWS::Lambda::EventSourceMapping). */
export const ESM_MAX_CONCURRENCY_MIN = 2;
export const ESM_MAX_CONCURRENCY_MAX = 1_000;
/** SQS's shortest retention: a message nobody started within a minute belongs to a round that is over. */
export const SHARD_MESSAGE_RETENTION_SECONDS = 60;
/** Lambda requires the queue's visibility timeout to be at least the function's timeout. */
const VISIBILITY_MARGIN_SECONDS = 5;

/** How many shards the config's plan has; more than one means the queue exists. */
export function shardCount(config: Pick<VigilConfig, 'probe' | 'targets'>): number {
  return planShards(config).shards.length;
}

export function fanoutResources(config: VigilConfig, queueName: string): Record<string, CfnResource> {
  const shards = shardCount(config);
  if (shards <= 1) return {};
  return {
    [SHARD_QUEUE_ID]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: queueName,
        VisibilityTimeout: probeTimeoutSeconds(config.probe.schedule) + VISIBILITY_MARGIN_SECONDS,
        MessageRetentionPeriod: SHARD_MESSAGE_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    },
    [SHARD_EVENT_SOURCE_ID]: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: getAtt(SHARD_QUEUE_ID, 'Arn'),
        FunctionName: ref(PROBE_FUNCTION_ID),
        BatchSize: 1,
        Enabled: true,
        // Every shard of a round at once, and never more: a backlog after an outage cannot fan out wider.
        ScalingConfig: {
          MaximumConcurrency: Math.min(ESM_MAX_CONCURRENCY_MAX, Math.max(ESM_MAX_CONCURRENCY_MIN, shards)),
        },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
  };
}

/** The probe's SQS permissions when the queue exists: send (planner), and what the event source needs. */
export function fanoutStatements(config: VigilConfig) {
  if (shardCount(config) <= 1) return [];
  return [
    {
      Sid: 'PlanAndWorkShards',
      Effect: 'Allow' as const,
      Action: [
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ChangeMessageVisibility',
      ],
      Resource: getAtt(SHARD_QUEUE_ID, 'Arn'),
    },
  ];
}

/** VIGIL_SHARD_QUEUE_URL for the probe function: the queue's URL, or empty without one. */
export function shardQueueUrl(config: VigilConfig) {
  return shardCount(config) > 1 ? ref(SHARD_QUEUE_ID) : '';
}
