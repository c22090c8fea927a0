/** Failed deliveries → dead letters in the store: the one place that writes them (pipeline, sweep, `notify test`). */
import { randomUUID } from 'node:crypto';
import type { DeliveryOutcome } from '../notify/deliver';
import { DEAD_LETTER_VERSION, type DeadLetter, type DeadLetterStore } from './types';

/** The dead-letter store itself failed: the alerts are not safe, so the caller must fail loudly (and be retried). */
export class DeadLetterError extends Error {
  override name = 'DeadLetterError';
}

export function deadLetterFor(outcome: DeliveryOutcome, at: Date, replays = 0): DeadLetter {
  return {
    version: DEAD_LETTER_VERSION,
    id: randomUUID(),
    at: at.toISOString(),
    channel: outcome.channel,
    channelType: outcome.type,
    alerts: [...outcome.batch],
    error: {
      reason: outcome.error?.reason ?? 'unknown',
      message: outcome.error?.message ?? 'delivery failed',
    },
    attempts: outcome.attempts,
    replays,
  };
}

/** Keeps every failed outcome as a dead letter; throws DeadLetterError when the store cannot take them. */
export async function keepDeadLetters(
  outcomes: readonly DeliveryOutcome[],
  store: DeadLetterStore,
  at: Date,
): Promise<DeadLetter[]> {
  const letters = outcomes.filter((outcome) => !outcome.ok).map((outcome) => deadLetterFor(outcome, at));
  if (letters.length === 0) return letters;
  try {
    await store.put(letters);
  } catch (error) {
    throw new DeadLetterError(
      `could not keep ${letters.length} failed notification(s) in ${store.description}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return letters;
}
