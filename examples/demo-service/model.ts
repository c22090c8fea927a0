/**
 * DEMO ONLY — not part of vigil. A service whose goroutines leak: steady around 800, climbing through 2000
 * (warning), 5000 (critical) and 10000 (emergency), then a "restart" brings it back — the way a leak looks in
 * production. Pure functions of the time since start, so tests can drive a fast cycle deterministically.
 */

export interface DemoState {
  goroutines: number;
  allocMb: number;
  /** Requests per probe interval answered with 5xx: spikes while the leak is worst. */
  errorRatio: number;
  phase: 'steady' | 'leaking' | 'restarting';
}

const BASELINE_GOROUTINES = 800;
const PEAK_GOROUTINES = 12_000;
// Fractions of the cycle: steady, then leaking until RESTART_AT, then a short restart.
const LEAK_STARTS_AT = 0.15;
const RESTART_AT = 0.8;
const RESTART_ENDS_AT = 0.85;

export function demoState(elapsedMs: number, cycleMs: number): DemoState {
  const t = (((elapsedMs % cycleMs) + cycleMs) % cycleMs) / cycleMs;
  // A little deterministic wobble so the sparkline looks alive without randomness in tests.
  const wobble = Math.sin(elapsedMs / 7_000) * 40;
  if (t < LEAK_STARTS_AT || t >= RESTART_ENDS_AT) {
    return {
      goroutines: Math.round(BASELINE_GOROUTINES + wobble),
      allocMb: 180,
      errorRatio: 0.001,
      phase: 'steady',
    };
  }
  if (t >= RESTART_AT) {
    return { goroutines: 120, allocMb: 40, errorRatio: 0, phase: 'restarting' };
  }
  // Exponential growth from baseline to peak over the leaking part of the cycle.
  const progress = (t - LEAK_STARTS_AT) / (RESTART_AT - LEAK_STARTS_AT);
  const goroutines = BASELINE_GOROUTINES * (PEAK_GOROUTINES / BASELINE_GOROUTINES) ** progress;
  return {
    goroutines: Math.round(goroutines + wobble),
    allocMb: Math.round(180 + goroutines * 0.08),
    errorRatio: goroutines > 5_000 ? 0.08 : 0.002,
    phase: 'leaking',
  };
}
