/**
 * DEMO ONLY — not part of vigil. A service whose goroutines leak: steady around 800, climbing through 2000
 * (warning), 5000 (critical) and 10000 (emergency), stuck at the top for a while, then a "restart" (health answers
 * 503) brings it back — the way a leak looks in production. Pure functions of the time since start, so tests can
 * drive a fast cycle deterministically.
 *
 * With the default 3-minute cycle and `vigil dev`'s 5 s interval: warning at ~1 min, critical at ~1.5 min,
 * emergency at ~2 min, down during the restart at ~2.4 min, everything resolved by ~2.8 min. Its /metrics page
 * also carries a request counter by status and a latency histogram moving with the leak, for the rule file
 * (rules.yml): HighLatency and HighErrorRate fire during the leak and resolve after the restart.
 */

export interface DemoState {
  goroutines: number;
  allocMb: number;
  /** Share of requests answered with 5xx: spikes while the leak is worst. */
  errorRatio: number;
  /** Mean request latency in seconds (exponentially distributed): grows with the goroutines. */
  latencySeconds: number;
  phase: DemoPhase;
}

/** Requests a second the demo serves, whatever its phase (a restart resets its counters, as a process does). */
export const DEMO_REQUESTS_PER_SECOND = 200;
/** Bucket bounds of the demo's latency histogram (client_golang's defaults, trimmed). */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
const BASELINE_LATENCY_S = 0.03;

/** Share of requests at or below `le` seconds when latencies are exponential with mean `mean`. */
export function latencyShare(le: number, mean: number): number {
  return 1 - Math.exp(-le / mean);
}

export const DEMO_PHASES = ['steady', 'leaking', 'restarting'] as const;
export type DemoPhase = (typeof DEMO_PHASES)[number];

const BASELINE_GOROUTINES = 800;
const PEAK_GOROUTINES = 12_000;
const RESTARTING_GOROUTINES = 120;
// Fractions of the cycle: steady, leaking (exponential growth) until PEAK_AT, stuck at the peak until RESTART_AT,
// then a restart long enough for the down alarm (2 failed periods of 3) to see it at a 5 s interval.
export const LEAK_STARTS_AT = 0.15;
export const PEAK_AT = 0.7;
export const RESTART_AT = 0.8;
export const RESTART_ENDS_AT = 0.9;
// A little deterministic wobble so the sparkline looks alive without randomness in tests.
const WOBBLE_GOROUTINES = 40;
const WOBBLE_PERIOD_MS = 7_000;

export function demoState(elapsedMs: number, cycleMs: number): DemoState {
  const t = (((elapsedMs % cycleMs) + cycleMs) % cycleMs) / cycleMs;
  const wobble = Math.sin(elapsedMs / WOBBLE_PERIOD_MS) * WOBBLE_GOROUTINES;
  if (t < LEAK_STARTS_AT || t >= RESTART_ENDS_AT) {
    return {
      goroutines: Math.round(BASELINE_GOROUTINES + wobble),
      allocMb: 180,
      errorRatio: 0.001,
      latencySeconds: BASELINE_LATENCY_S,
      phase: 'steady',
    };
  }
  if (t >= RESTART_AT) {
    return {
      goroutines: RESTARTING_GOROUTINES,
      allocMb: 40,
      errorRatio: 0,
      latencySeconds: BASELINE_LATENCY_S,
      phase: 'restarting',
    };
  }
  // Exponential growth from baseline to peak, then a plateau: a leak grows until something gives.
  const progress = Math.min(1, (t - LEAK_STARTS_AT) / (PEAK_AT - LEAK_STARTS_AT));
  const goroutines = BASELINE_GOROUTINES * (PEAK_GOROUTINES / BASELINE_GOROUTINES) ** progress;
  return {
    goroutines: Math.round(goroutines + wobble),
    allocMb: Math.round(180 + goroutines * 0.08),
    errorRatio: goroutines > 5_000 ? 0.08 : 0.002,
    // p95 of an exponential is 3 × its mean: about 0.1 s at rest, past 0.5 s once goroutines pass ~4,500.
    latencySeconds: BASELINE_LATENCY_S * (goroutines / BASELINE_GOROUTINES),
    phase: 'leaking',
  };
}
