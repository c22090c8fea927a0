/**
 * Nothing is lost: a notification that still fails after retries becomes a dead letter holding everything needed
 * to send it again (the normalized alerts and the channel *name*, re-rendered with the current config on replay,
 * so a fixed URL or a raised limit takes effect).
 */
import type { Alert } from '../alerts/types';
import type { DeliveryReason } from '../channels/types';

export const DEAD_LETTER_VERSION = 1;

export interface DeadLetter {
  version: typeof DEAD_LETTER_VERSION;
  id: string;
  /** ISO time of the failed delivery. */
  at: string;
  channel: string;
  channelType: string;
  alerts: Alert[];
  error: { reason: DeliveryReason | 'secret' | 'unknown'; message: string };
  attempts: number;
  /** How many replays already failed (a replay that fails again keeps the letter with this incremented). */
  replays: number;
}

/** A stored letter plus the store's handle to remove it after a successful replay. */
export interface StoredLetter {
  letter: DeadLetter;
  handle: string;
}

export interface DeadLetterStore {
  /** Human description for logs and CLI output (no secrets: a queue URL or a file path). */
  readonly description: string;
  put(letters: readonly DeadLetter[]): Promise<void>;
  /** Up to `max` stored letters (SQS: received with a visibility timeout; file: read). */
  list(max: number): Promise<StoredLetter[]>;
  /** Removes letters that were replayed successfully. */
  remove(handles: readonly string[]): Promise<void>;
  /** Stores a letter again after a failed replay (replays+1) and removes the old copy. */
  requeue(stored: StoredLetter, letter: DeadLetter): Promise<void>;
}

/** Parses a stored letter; returns undefined for anything that isn't one (a stray message, a corrupt line). */
export function parseDeadLetter(text: string): DeadLetter | undefined {
  try {
    const value = JSON.parse(text) as Partial<DeadLetter>;
    if (
      value.version === DEAD_LETTER_VERSION &&
      typeof value.channel === 'string' &&
      Array.isArray(value.alerts) &&
      typeof value.id === 'string'
    ) {
      return value as DeadLetter;
    }
  } catch {
    // not JSON: reported by the caller as unreadable
  }
  return undefined;
}
