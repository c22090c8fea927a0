/** EventBridge Scheduler rate expressions: whole minutes, at least one ("rate(1 minute)", "rate(5 minutes)"). */
export const SCHEDULER_MIN_RATE_MS = 60_000;

export function scheduleExpression(intervalMs: number): string {
  if (intervalMs < SCHEDULER_MIN_RATE_MS || intervalMs % SCHEDULER_MIN_RATE_MS !== 0) {
    throw new Error(
      `probe.schedule must be whole minutes of at least 1m for EventBridge Scheduler, got ${intervalMs}ms`,
    );
  }
  const minutes = intervalMs / SCHEDULER_MIN_RATE_MS;
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}
