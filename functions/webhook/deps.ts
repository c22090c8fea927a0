/** Production wiring of dispatch: real HTTP, real clock, a dead-letter store chosen from the environment. */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DEAD_LETTER_FILE, fileDeadLetterStore } from '../deadletter/file';
import { sqsDeadLetterStore } from '../deadletter/sqs';
import type { DeadLetterStore } from '../deadletter/types';
import type { Deadline } from '../deadline';
import { fetchHttp } from '../notify/post';
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

export interface DispatchDepsOptions {
  /** By when every delivery must be over (Lambda: remaining time minus a margin). */
  deadline: Deadline;
  deadLetters: DeadLetterStore;
  write?: (text: string) => void;
  onOutcome?: DispatchDeps['deliver']['onOutcome'];
}

export function productionDispatchDeps(options: DispatchDepsOptions): DispatchDeps {
  const now = () => new Date();
  return {
    now,
    deadLetters: options.deadLetters,
    deliver: {
      http: fetchHttp,
      now,
      sleep: (ms) => sleep(ms).then(() => undefined),
      random: Math.random,
      deadline: options.deadline,
      ...(options.write ? { write: options.write } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    },
  };
}
