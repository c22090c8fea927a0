/**
 * A deadline as a value, passed down like Go's context: how much time is left (by the injected clock), a signal that
 * aborts when it is up, and `race` to bound work that ignores signals. One place owns the timers, instead of an epoch
 * number and a hand-made setTimeout in every caller.
 */

export interface Deadline {
  /** Epoch ms, by the clock the deadline was made with. */
  readonly at: number;
  /** Milliseconds left, never negative. */
  remainingMs(): number;
  /** Aborted once the time is up (a real timer of the remaining time when first read). */
  readonly signal: AbortSignal;
  /** `work`, or a rejection with `late()` once the deadline passes first. */
  race<T>(work: Promise<T>, late: () => Error): Promise<T>;
  /** A deadline `ms` from now, never later than this one (a per-attempt timeout inside a request's budget). */
  within(ms: number): Deadline;
}

/** A deadline at epoch ms `at`, read with `now` (the wall clock unless a test steps one). */
export function deadlineAt(at: number, now: () => number = Date.now, parent?: AbortSignal): Deadline {
  let controller: AbortController | undefined;
  const remainingMs = () => Math.max(0, at - now());
  const abort = () => controller?.abort(new DOMException('deadline passed', 'TimeoutError'));
  const signal = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      // unref: a pending deadline never keeps a CLI process alive.
      setTimeout(abort, remainingMs()).unref();
      if (parent?.aborted) abort();
      else parent?.addEventListener('abort', abort, { once: true });
    }
    return controller.signal;
  };
  const self: Deadline = {
    at,
    remainingMs,
    get signal() {
      return signal();
    },
    async race<T>(work: Promise<T>, late: () => Error): Promise<T> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          signal();
          abort();
          reject(late());
        }, remainingMs());
      });
      try {
        return await Promise.race([work, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    within: (ms) => deadlineAt(Math.min(at, now() + ms), now, signal()),
  };
  return self;
}

/** A deadline `ms` from now. */
export function deadlineIn(ms: number, now: () => number = Date.now): Deadline {
  return deadlineAt(now() + ms, now);
}
