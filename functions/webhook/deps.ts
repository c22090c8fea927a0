/** Production wiring of dispatch: real HTTP, real clock, the state and dead-letter stores chosen from the environment. */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DEAD_LETTER_FILE, fileDeadLetterStore } from '../deadletter/file';
import { sqsDeadLetterStore } from '../deadletter/sqs';
import type { DeadLetterStore } from '../deadletter/types';
import type { Deadline } from '../deadline';
import type { DeliverDeps } from '../notify/deliver';
import { fetchHttp } from '../notify/post';
import { dynamoStateStore } from '../state/dynamodb';
import type { AlertStateStore } from '../state/item-store';
import { DEFAULT_ALERT_STATE_FILE, sqliteStateStore } from '../state/sqlite';
import type { DispatchDeps } from './dispatch';

/** VIGIL_DLQ_URL or VIGIL_DLQ_NAME (set by serverless.yml) → SQS; otherwise the local JSONL file. */
export function deadLetterStoreFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  file = DEFAULT_DEAD_LETTER_FILE,
): DeadLetterStore {
  if (env.VIGIL_DLQ_URL) return sqsDeadLetterStore({ url: env.VIGIL_DLQ_URL });
  if (env.VIGIL_DLQ_NAME) return sqsDeadLetterStore({ name: env.VIGIL_DLQ_NAME });
  return fileDeadLetterStore(file);
}

/** VIGIL_ALERT_STATE_TABLE (set by serverless.yml) → DynamoDB; otherwise the local SQLite file (VIGIL_ALERT_STATE_FILE). */
export function alertStateStoreFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  file = DEFAULT_ALERT_STATE_FILE,
): AlertStateStore {
  if (env.VIGIL_ALERT_STATE_TABLE) return dynamoStateStore(env.VIGIL_ALERT_STATE_TABLE);
  return sqliteStateStore(env.VIGIL_ALERT_STATE_FILE || file);
}

export interface DeliverDepsOptions {
  /** By when every delivery must be over (Lambda: remaining time minus a margin). */
  deadline: Deadline;
  write?: ((text: string) => void) | undefined;
  onOutcome?: DeliverDeps['onOutcome'];
}

/** Real fetch, the wall clock, real sleeps and jitter. */
export function productionDeliverDeps(options: DeliverDepsOptions): DeliverDeps {
  return {
    http: fetchHttp,
    now: () => new Date(),
    sleep: (ms) => sleep(ms).then(() => undefined),
    random: Math.random,
    deadline: options.deadline,
    ...(options.write ? { write: options.write } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  };
}

export interface DispatchDepsOptions extends DeliverDepsOptions {
  deadLetters: DeadLetterStore;
  state: AlertStateStore;
}

export function productionDispatchDeps(options: DispatchDepsOptions): DispatchDeps {
  return {
    now: () => new Date(),
    deadLetters: options.deadLetters,
    state: options.state,
    deliver: productionDeliverDeps(options),
  };
}
