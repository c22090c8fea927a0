/**
 * DEMO ONLY — not part of vigil. A service whose goroutines leak: steady around 800, climbing through 2000
 * (warning), 5000 (critical) and 10000 (emergency), stuck at the top for a while, then a "restart" (health answers
 * 503) brings it back — the way a leak looks in production. Pure functions of the time since start, so tests can
 * drive a fast cycle deterministically.
 *
 * With the default 3-minute cycle and `vigil dev`'s 5 s interval: warning at ~1 min, critical at ~1.5 min,
 * emergency at ~2 min, down during the restart at ~2.4 min, everything resolved by ~2.8 min.
 */

export interface DemoState {
  goroutines: number;
  allocMb: number;
  /** Requests per probe interval answered with 5xx: spikes while the leak is worst. */
  errorRatio: number;
  phase: DemoPhase;
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
      phase: 'steady',
    };
  }
  if (t >= RESTART_AT) {
    return { goroutines: RESTARTING_GOROUTINES, allocMb: 40, errorRatio: 0, phase: 'restarting' };
  }
  // Exponential growth from baseline to peak, then a plateau: a leak grows until something gives.
  const progress = Math.min(1, (t - LEAK_STARTS_AT) / (PEAK_AT - LEAK_STARTS_AT));
  const goroutines = BASELINE_GOROUTINES * (PEAK_GOROUTINES / BASELINE_GOROUTINES) ** progress;
  return {
    goroutines: Math.round(goroutines + wobble),
    allocMb: Math.round(180 + goroutines * 0.08),
    errorRatio: goroutines > 5_000 ? 0.08 : 0.002,
    phase: 'leaking',
  };
}
