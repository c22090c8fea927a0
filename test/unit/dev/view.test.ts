import { visibleLength } from '../../../functions/cli/format';
import { parseConfig } from '../../../functions/config/load';
import { LocalAlarms, localAlarmDefinitions } from '../../../functions/dev/alarms';
import type { DevEvent, DevLayout, NotifiedAlert } from '../../../functions/dev/events';
import { devLayout } from '../../../functions/dev/run';
import type { StoredSample } from '../../../functions/dev/store';
import {
  createView,
  fitLine,
  initialViewState,
  noPaint,
  type Paint,
  plainLines,
  reduceView,
  renderFrame,
  SPARKLINE_POINTS,
  sparkline,
  type ViewState,
} from '../../../functions/dev/view';
import type { ProbeResult } from '../../../functions/probing/types';

const T0 = Date.UTC(2026, 10, 22, 1, 27, 30);
const CONFIG = parseConfig(`
targets:
  - name: one-api
    url: http://127.0.0.1:3000/api/monitor/health
    type: json
    metrics:
      - name: Goroutines
        path: $.goroutines
        thresholds:
          warning: "> 2000"
          critical: "> 5000"
  - name: mall-go
    url: http://127.0.0.1:3000/metrics
    type: prometheus
    metrics:
      - name: RequestsByMethod
        query: sum by (method) (http_requests_total)
`);
const ALARMS = new LocalAlarms(localAlarmDefinitions(CONFIG, 5_000));
const LAYOUT: DevLayout = devLayout(CONFIG, ALARMS);
const WARNING = 'vigil-dev-one-api-Goroutines-warning';
/** Shows where colour went without escape codes. */
const markPaint: Paint = (colour, text) => `<${colour}>${text}</${colour}>`;
const FRAME = { paint: noPaint, columns: 200, rows: 60 } as const;

function sample(
  metricName: string,
  value: number,
  at: number,
  extra: Record<string, string> = {},
): StoredSample {
  const target = metricName === 'RequestsByMethod' ? 'mall-go' : 'one-api';
  return {
    namespace: 'Vigil',
    metricName,
    dimensions: { Target: target, ...extra },
    unit: 'None',
    timestamp: at,
    value,
  };
}

function result(target: string, success: boolean, durationMs = 3): ProbeResult {
  return {
    target,
    type: 'json',
    success,
    ...(success ? {} : { reason: 'status', detail: 'status (503) not in 200' }),
    timestamp: new Date(T0),
    durationMs,
    values: [],
    warnings: [],
  };
}

const STARTED: DevEvent = {
  kind: 'started',
  at: T0,
  intervalMs: 5_000,
  webhookUrl: 'http://127.0.0.1:8787/alerts',
  storeFile: '.vigil/metrics.jsonl',
  demo: { url: 'http://127.0.0.1:3000', cycleMs: 180_000 },
  layout: LAYOUT,
  history: [
    {
      key: 'k',
      namespace: 'Vigil',
      metricName: 'Goroutines',
      dimensions: { Target: 'one-api' },
      unit: 'None',
      points: [
        { timestamp: T0 - 10_000, value: 800 },
        { timestamp: T0 - 5_000, value: 1200 },
      ],
    },
  ],
  alarms: ALARMS.states(),
};

const ROUND: DevEvent = {
  kind: 'round',
  at: T0 + 5_000,
  round: 1,
  results: [result('one-api', true), result('mall-go', true, 2)],
  samples: [
    sample('ProbeSuccess', 1, T0 + 5_000),
    sample('ProbeDuration', 3, T0 + 5_000),
    sample('Goroutines', 2242, T0 + 5_000),
    sample('RequestsByMethod', 1400, T0 + 5_000, { method: 'GET' }),
    sample('RequestsByMethod', 600, T0 + 5_000, { method: 'POST' }),
  ],
  demoPhase: 'leaking',
};

const FIRING: NotifiedAlert = {
  status: 'firing',
  severity: 'warning',
  name: WARNING,
  summary: 'Goroutines of one-api is greater than 2000 (warning)',
  value: 2242,
  threshold: 2000,
  comparison: '>',
  channels: [{ channel: 'console', ok: true }],
};

const TRANSITION: DevEvent = {
  kind: 'transition',
  at: T0 + 10_000,
  published: true,
  transition: {
    alarm: WARNING,
    definition: ALARMS.definitions[0]!,
    from: 'OK',
    to: 'ALARM',
    at: new Date(T0 + 10_000),
    reason:
      'Threshold Crossed: 1 out of the last 1 datapoints [2242.0] was greater than the threshold (2000.0).',
    value: 2242,
    initial: false,
  },
};

const NOTIFICATION: DevEvent = {
  kind: 'notification',
  at: T0 + 10_000,
  via: 'alarm',
  alerts: [FIRING],
  failures: [],
  notes: [],
};

function story(...events: DevEvent[]): ViewState {
  return events.reduce(reduceView, initialViewState());
}

describe('sparkline', () => {
  it.each([
    ['nothing yet: blank', [], 4, '    '],
    ['scaled from zero: a steady baseline reads low against a leak', [800, 800, 6000, 12000], 4, '▁▁▅█'],
    ['a ramp spans the range', [0, 1, 2, 3, 4, 5, 6, 7], 8, '▁▂▃▄▅▆▇█'],
    ['up/down history: up is full, down is empty', [1, 1, 0, 1], 4, '██▁█'],
    ['all zeros lie flat at the bottom', [0, 0, 0], 3, '▁▁▁'],
    ['negative values scale from the lowest', [-2, 0, 2], 3, '▁▅█'],
    ['few readings are right-aligned', [1, 2], 4, '  ▅█'],
    ['only the last `width` readings', [9, 0, 1], 2, '▁█'],
  ])('%s', (_name, values, width, expected) => {
    expect(sparkline(values, width)).toBe(expected);
  });
});

describe('reduceView (story)', () => {
  it('starts from the stored history, so sparklines survive a restart', () => {
    const state = story(STARTED);

    const goroutines = state.targets[0]?.series.find((series) => series.metric === 'Goroutines');
    expect(goroutines?.values).toEqual([800, 1200]);
    expect(state.alarms[WARNING]).toBe('INSUFFICIENT_DATA');
  });

  it('a round sets up/down and appends readings; extra dimensions become their own series', () => {
    const state = story(STARTED, ROUND);

    expect(state.round).toBe(1);
    expect(state.demo?.phase).toBe('leaking');
    expect(state.targets.map((target) => [target.name, target.up, target.durationMs])).toEqual([
      ['one-api', true, 3],
      ['mall-go', true, 2],
    ]);
    expect(state.targets[0]?.series.map((series) => [series.label, series.values])).toEqual([
      ['ProbeSuccess', [1]],
      ['Goroutines', [800, 1200, 2242]],
    ]);
    expect(state.targets[1]?.series.map((series) => series.label)).toEqual([
      'RequestsByMethod{method=GET}',
      'RequestsByMethod{method=POST}',
    ]);
  });

  it('a failed probe marks the target down with its reason; the next success clears it', () => {
    const down = story(STARTED, {
      ...(ROUND as Extract<DevEvent, { kind: 'round' }>),
      results: [result('one-api', false)],
    });
    const back = reduceView(down, ROUND);

    expect(down.targets[0]).toMatchObject({ up: false, failure: 'status: status (503) not in 200' });
    expect(back.targets[0]?.up).toBe(true);
    expect(back.targets[0]?.failure).toBeUndefined();
  });

  it('keeps the last SPARKLINE_POINTS readings of a series', () => {
    const rounds = Array.from(
      { length: SPARKLINE_POINTS + 5 },
      (_, index): DevEvent => ({
        ...(ROUND as Extract<DevEvent, { kind: 'round' }>),
        round: index + 1,
        samples: [sample('Goroutines', index, T0 + index * 5_000)],
      }),
    );

    const state = story(STARTED, ...rounds);

    const values = state.targets[0]?.series.find((series) => series.metric === 'Goroutines')?.values;
    expect(values).toHaveLength(SPARKLINE_POINTS);
    expect(values?.at(-1)).toBe(SPARKLINE_POINTS + 4);
  });

  it('a transition sets the alarm state; a notification goes on top of the list', () => {
    const state = story(STARTED, ROUND, TRANSITION, NOTIFICATION);

    expect(state.alarms[WARNING]).toBe('ALARM');
    expect(state.notifications).toEqual([{ ...FIRING, at: T0 + 10_000, via: 'alarm' }]);
  });
});

describe('renderFrame', () => {
  const state = story(STARTED, ROUND, TRANSITION, NOTIFICATION);

  it('draws one row per series, with the alarm state per level', () => {
    const frame = renderFrame(state, FRAME);
    const rows = frame.split('\n');

    expect(rows[0]).toBe(
      'vigil dev  01:27:40 UTC  round 1 every 5s  ·  alerts in: POST http://127.0.0.1:8787/alerts',
    );
    expect(rows[1]).toBe('demo service http://127.0.0.1:3000 (leaking, 3m leak cycle)');
    expect(rows[3]).toMatch(/^TARGET\s+PROBE\s+METRIC\s+LAST\s+LAST 24 READINGS\s+warning\s+critical$/);
    const goroutines = rows.find((row) => row.includes('Goroutines'));
    expect(goroutines).toMatch(/Goroutines\s+2242\s+▃▅█\s+ALARM\s+no data$/);
    expect(rows.find((row) => row.startsWith('one-api'))).toMatch(/^one-api\s+up 3ms\s+ProbeSuccess\s+1\s+█/);
    expect(rows.filter((row) => row.includes('RequestsByMethod{method='))).toHaveLength(2);
    expect(frame).toContain('01:27:40  FIRING warning  vigil-dev-one-api-Goroutines-warning');
    expect(frame).toContain('value 2242 (threshold > 2000)  → console ✓');
    // The alarm on vigil itself has no target row: its own line above the notifications.
    expect(rows).toContain('vigil itself  probe-stalled no data');
  });

  it('colours alarm states: ALARM red and bold, OK green, no data grey', () => {
    const frame = renderFrame(
      { ...state, alarms: { ...state.alarms, 'vigil-dev-one-api-Goroutines-critical': 'OK' } },
      { ...FRAME, paint: markPaint },
    );

    expect(frame).toContain('<red><bold>ALARM</bold></red>');
    expect(frame).toContain('<green>OK</green>');
    expect(frame).toContain('<gray>no data</gray>');
  });

  it('fits the terminal: no line wider than the columns, no more lines than the rows', () => {
    const frame = renderFrame(state, { ...FRAME, columns: 50, rows: 8 });

    const rows = frame.split('\n');
    expect(rows).toHaveLength(7);
    expect(rows.every((row) => visibleLength(row) <= 49)).toBe(true);
    expect(rows.at(-1)).toBe('…');
  });

  it('says so while nothing has been notified', () => {
    expect(renderFrame(story(STARTED), FRAME)).toContain('Last notifications\n  none yet');
  });
});

describe('fitLine', () => {
  it.each([
    ['short lines untouched', 'abc', 5, 'abc'],
    ['long lines cut with an ellipsis', 'abcdefgh', 5, 'abcd…\u001b[0m'],
    ['colour codes do not count', '\u001b[31mabcdefgh\u001b[0m', 5, '\u001b[31mabcd\u001b[0m…\u001b[0m'],
  ])('%s', (_name, line, width, expected) => {
    expect(fitLine(line, width)).toBe(expected);
  });
});

describe('plainLines', () => {
  it.each([
    [
      'started',
      STARTED,
      [
        '2026-11-22T01:27:30Z vigil dev: probing 2 target(s) every 5s, 5 local alarm(s), alerts in at POST http://127.0.0.1:8787/alerts, history in .vigil/metrics.jsonl',
        '2026-11-22T01:27:30Z demo service on http://127.0.0.1:3000 (3m leak-and-recover cycle)',
      ],
    ],
    [
      'round: one line with each target and its extracted values',
      ROUND,
      [
        '2026-11-22T01:27:35Z round 1 (demo leaking): one-api up 3ms Goroutines=2242 | mall-go up 2ms RequestsByMethod{method=GET}=1400 RequestsByMethod{method=POST}=600',
      ],
    ],
    [
      'transition',
      TRANSITION,
      [
        '2026-11-22T01:27:40Z alarm vigil-dev-one-api-Goroutines-warning OK → ALARM: Threshold Crossed: 1 out of the last 1 datapoints [2242.0] was greater than the threshold (2000.0).',
      ],
    ],
    [
      'notification',
      NOTIFICATION,
      [
        '2026-11-22T01:27:40Z notified FIRING warning vigil-dev-one-api-Goroutines-warning: value 2242 (threshold > 2000) → console ✓',
      ],
    ],
    [
      'failed delivery and a skipped payload',
      {
        ...NOTIFICATION,
        via: 'http',
        alerts: [],
        failures: [{ channel: 'ops-slack', reason: 'slack: HTTP 500' }],
        notes: ['alertmanager: nothing to send'],
      },
      [
        '2026-11-22T01:27:40Z delivery to ops-slack failed: slack: HTTP 500',
        '2026-11-22T01:27:40Z POST /alerts: alertmanager: nothing to send',
      ],
    ],
    ['log', { kind: 'log', at: T0, level: 'warn', text: 'careful' }, ['2026-11-22T01:27:30Z warn: careful']],
    [
      'stopped',
      { kind: 'stopped', at: T0, rounds: 3 },
      ['2026-11-22T01:27:30Z vigil dev stopped after 3 round(s)'],
    ],
  ] as [string, DevEvent, string[]][])('%s', (_name, event, expected) => {
    expect(plainLines(event, LAYOUT)).toEqual(expected);
  });

  it('a round with a target down says why', () => {
    const lines = plainLines(
      {
        ...(ROUND as Extract<DevEvent, { kind: 'round' }>),
        results: [result('one-api', false)],
        samples: [],
      },
      LAYOUT,
    );

    expect(lines[0]).toContain('one-api DOWN status: status (503) not in 200');
  });
});

describe('createView', () => {
  function terminal(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, out: { isTTY, columns: 120, rows: 40, write: (text: string) => writes.push(text) } };
  }

  it('writes plain lines when stdout is not a terminal, and the console channel text as is', () => {
    const { writes, out } = terminal(false);
    const view = createView(out, {});

    view.handle(STARTED);
    view.handle(ROUND);
    view.print('🟠 FIRING warning: x\n  details');

    expect(writes.join('')).not.toContain('\u001b[');
    expect(writes.join('').split('\n').filter(Boolean)).toHaveLength(5);
    expect(writes.at(-1)).toBe('🟠 FIRING warning: x\n  details\n');
  });

  it('on a terminal redraws the frame in place, printing notifications above it', () => {
    const { writes, out } = terminal(true);
    const view = createView(out, { NO_COLOR: '1' });

    view.handle(STARTED);
    const firstFrameLines = writes[0]!.split('\n').length - 1;
    view.handle(ROUND);
    view.print('🟠 FIRING warning: x');

    // Each redraw moves up over the previous frame and clears to the end of the screen.
    expect(writes[1]!.startsWith(`\u001b[${firstFrameLines - 2}F\u001b[0J`)).toBe(true);
    const frameLines = writes[1]!.split('\n').length - 1;
    expect(writes[2]!.startsWith(`\u001b[${frameLines}F\u001b[0J🟠 FIRING warning: x\nvigil dev`)).toBe(true);
  });
});
