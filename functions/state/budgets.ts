/**
 * Rate budgets per chat robot, shared by every invocation through the state store: a sliding log of send times in
 * one item per robot (partition `budget`), checked against every window of the vendor's budget (Feishu: 5 per second
 * and 100 per minute), and a `blockedUntil` when the vendor said to wait (DingTalk 130101, a 429's Retry-After).
 * Taking a slot is a conditional write, so two invocations cannot both take the last one. A message that finds no
 * slot is not dropped: its alerts stay queued until `retryAt` and go out in the next digest (notify/flush.ts).
 */
import { createHash } from 'node:crypto';
import type { RateWindow } from '../channels/types';
import { type AlertStateStore, expiryAfter, update } from './item-store';

export const BUDGET_PARTITION = 'budget';

interface BudgetState {
  /** Epoch ms of the sends within the longest window. */
  sent: number[];
  blockedUntil?: number;
}

export type Reservation = { ok: true } | { ok: false; retryAt: number };

/** The budget's key: a hash of what identifies the robot (its URL, its chat), never the credential itself. */
export function robotKey(type: string, identity: string): string {
  return `${type}:${createHash('sha256').update(identity).digest('hex').slice(0, 24)}`;
}

/** Pure: can one more message go now, and if not, when? */
export function nextSlot(state: BudgetState, windows: readonly RateWindow[], now: number): Reservation {
  if (state.blockedUntil !== undefined && state.blockedUntil > now)
    return { ok: false, retryAt: state.blockedUntil };
  let retryAt = now;
  for (const { messages, perMs } of windows) {
    const inWindow = state.sent.filter((at) => at > now - perMs).sort((a, b) => a - b);
    if (inWindow.length >= messages) {
      // The slot frees when the oldest send that keeps the window full leaves it.
      retryAt = Math.max(retryAt, inWindow[inWindow.length - messages]! + perMs);
    }
  }
  return retryAt > now ? { ok: false, retryAt } : { ok: true };
}

function longest(windows: readonly RateWindow[]): number {
  return Math.max(0, ...windows.map((window) => window.perMs));
}

/** Takes one slot of the robot's budget, or says when the next one frees. */
export async function reserve(
  store: AlertStateStore,
  key: string,
  windows: readonly RateWindow[],
  now: number,
): Promise<Reservation> {
  if (windows.length === 0) return { ok: true };
  let result: Reservation = { ok: true };
  const keep = longest(windows);
  await update<BudgetState>(store, BUDGET_PARTITION, key, (current) => {
    const state = current?.value ?? { sent: [] };
    result = nextSlot(state, windows, now);
    if (!result.ok) return undefined;
    return {
      value: { ...state, sent: [...state.sent.filter((at) => at > now - keep), now] },
      expiresAt: expiryAfter(now, Math.max(keep, (state.blockedUntil ?? 0) - now) + 60_000),
    };
  });
  return result;
}

/** The vendor said "wait": no message to this robot before `until`. */
export async function block(store: AlertStateStore, key: string, until: number, now: number): Promise<void> {
  await update<BudgetState>(store, BUDGET_PARTITION, key, (current) => {
    const state = current?.value ?? { sent: [] };
    if ((state.blockedUntil ?? 0) >= until) return undefined;
    return { value: { ...state, blockedUntil: until }, expiresAt: expiryAfter(now, until - now + 60_000) };
  });
}
