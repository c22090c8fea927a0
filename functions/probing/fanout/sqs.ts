/**
 * The Lambda's dispatcher: one SQS message per shard (SendMessageBatch, ten at a time); the queue's event source
 * mapping invokes the probe function once per message, at most MaximumConcurrency at once (infra/fanout.ts).
 * The SDK's standard configuration applies (`AWS_ENDPOINT_URL_SQS` for a local endpoint).
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Dispatch } from './planner';

/** SendMessageBatch takes at most ten entries. */
export const SQS_BATCH_MAX_ENTRIES = 10;
/** Set on the probe function when the plan has more than one shard (infra/fanout.ts). */
export const SHARD_QUEUE_ENV = 'VIGIL_SHARD_QUEUE_URL';

let sharedClient: SQSClient | undefined;

export function sqsDispatch(queueUrl: string, client?: SQSClient): Dispatch {
  const sqs = () => {
    if (client) return client;
    sharedClient ??= new SQSClient({});
    return sharedClient;
  };
  return async (messages) => {
    const failed: { shard: number; error: string }[] = [];
    let dispatched = 0;
    const batches: (typeof messages)[number][][] = [];
    for (let start = 0; start < messages.length; start += SQS_BATCH_MAX_ENTRIES)
      batches.push(messages.slice(start, start + SQS_BATCH_MAX_ENTRIES));
    await Promise.all(
      batches.map(async (batch) => {
        try {
          const response = await sqs().send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((message) => ({
                Id: `shard-${message.shard}`,
                MessageBody: JSON.stringify(message),
              })),
            }),
          );
          dispatched += response.Successful?.length ?? 0;
          for (const entry of response.Failed ?? [])
            failed.push({
              shard: Number(entry.Id?.replace('shard-', '')),
              error: `${entry.Code}: ${entry.Message}`,
            });
        } catch (error) {
          for (const message of batch) failed.push({ shard: message.shard, error: (error as Error).message });
        }
      }),
    );
    return { dispatched, failed };
  };
}
