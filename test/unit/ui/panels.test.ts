import type { Series } from '../../../functions/dev/store';
import type { ProbeResult } from '../../../functions/probing/types';
import { probeStrip, STRIP_MAX_CELLS, STRIP_SPAN_MS, targetPanel } from '../../../functions/ui/panels';

const NOW = 10 * STRIP_SPAN_MS;

describe('probeStrip', () => {
  it.each([
    ['a 5 s interval: 360 cells of 10 s', 5_000, STRIP_MAX_CELLS],
    ['a 1 min interval: one cell per probe', 60_000, 60],
  ])('%s', (_name, intervalMs, cells) => {
    expect(probeStrip([], NOW, intervalMs).cells).toHaveLength(cells);
  });

  it('marks a cell down when any probe in it failed, and leaves cells without probes empty', () => {
    const step = STRIP_SPAN_MS / 60;
    const strip = probeStrip(
      [
        { timestamp: NOW - 2 * step + 1, value: 1 },
        { timestamp: NOW - 2 * step + 2, value: 0 },
        { timestamp: NOW - step + 1, value: 1 },
        { timestamp: NOW - 5 * STRIP_SPAN_MS, value: 0 },
      ],
      NOW,
      60_000,
    );

    expect(strip.cells.slice(-3)).toEqual([null, 0, 1]);
    expect(strip.cells.filter((cell) => cell !== null)).toHaveLength(2);
  });
});

describe('targetPanel', () => {
  const stored = (metricName: string, value: number, timestamp: number): Series => ({
    key: metricName,
    namespace: 'Vigil',
    metricName,
    dimensions: { Target: 'api' },
    unit: 'Milliseconds',
    points: [{ timestamp, value }],
  });
  const series = [
    stored('ProbeSuccess', 1, NOW - 5_000),
    stored('ProbeDuration', 12, NOW - 5_000),
    stored('ConnectTime', 3, NOW - 5_000),
  ];

  it('reads the state now from the store after a restart', () => {
    const panel = targetPanel({ name: 'api', type: 'json' }, series, { now: NOW, intervalMs: 5_000 });

    expect(panel).toMatchObject({
      up: true,
      durationMs: 12,
      phases: { ConnectTime: 3 },
      lastAt: NOW - 5_000,
    });
    expect(panel.failure).toBeUndefined();
  });

  it('takes a newer round result, with why it failed', () => {
    const last: ProbeResult = {
      target: 'api',
      type: 'json',
      success: false,
      reason: 'status',
      detail: 'HTTP 503',
      timestamp: new Date(NOW),
      durationMs: 4,
      statusCode: 503,
      phases: { connectMs: 1, timeToFirstByteMs: 2 },
      values: [],
      warnings: [],
    };

    const panel = targetPanel({ name: 'api', type: 'json' }, series, { now: NOW, intervalMs: 5_000, last });

    expect(panel).toMatchObject({
      up: false,
      failure: 'status: HTTP 503',
      statusCode: 503,
      phases: { ConnectTime: 1, TimeToFirstByte: 2 },
    });
  });
});
