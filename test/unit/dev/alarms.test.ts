import { parseConfig } from '../../../functions/config/load';
import {
  LOCAL_PROBE_NAME,
  LocalAlarms,
  type LocalTransition,
  localAlarmDefinitions,
  parseSavedAlarms,
} from '../../../functions/dev/alarms';
import type { StoredSample } from '../../../functions/dev/store';

const INTERVAL_MS = 5_000;
const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);
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
alarms:
  down: { enabled: false }
dashboard: { enabled: true }
`);
const WARNING = 'vigil-dev-one-api-Goroutines-warning';
const STALLED = 'vigil-dev-probe-stalled-critical';
/** The per-target alarms alone (the stories below feed no heartbeat; "probe stalled" has its own). */
const TARGET_ALARMS = localAlarmDefinitions(CONFIG, INTERVAL_MS).filter((d) => d.kind !== 'stalled');

function heartbeat(round: number): StoredSample {
  return {
    namespace: 'Vigil',
    metricName: 'ProbeHeartbeat',
    dimensions: { Probe: LOCAL_PROBE_NAME },
    unit: 'Count',
    timestamp: T0 + round * INTERVAL_MS,
    value: 1,
  };
}

function goroutines(value: number, round: number): StoredSample {
  return {
    namespace: 'Vigil',
    metricName: 'Goroutines',
    dimensions: { Target: 'one-api' },
    unit: 'None',
    timestamp: T0 + round * INTERVAL_MS,
    value,
  };
}

/** Feeds one reading per round and evaluates at the start of the next, as `vigil dev` does. */
function play(alarms: LocalAlarms, readings: readonly number[], firstRound = 0): string[] {
  return readings.flatMap((value, index) => {
    const round = firstRound + index;
    alarms.record([goroutines(value, round)]);
    return alarms
      .evaluate(T0 + (round + 1) * INTERVAL_MS)
      .map((t: LocalTransition) => `${round}: ${t.from} → ${t.to}${t.initial ? ' (initial)' : ''}`);
  });
}

describe('localAlarmDefinitions', () => {
  const [definition] = localAlarmDefinitions(CONFIG, INTERVAL_MS);

  it('names alarms for the dev stage and evaluates every interval', () => {
    expect(definition).toMatchObject({ name: WARNING, periodSeconds: 5, severity: 'warning' });
  });

  it('puts no dashboard link in the vigil: line: there is no CloudWatch dashboard locally', () => {
    expect(definition?.description).not.toContain('dashboard');
  });

  it('adds the "probe stalled" alarm on the local probe\'s heartbeat, to the meta topic, at the dev interval', () => {
    const stalled = localAlarmDefinitions(CONFIG, INTERVAL_MS).find((d) => d.kind === 'stalled');
    expect(stalled).toMatchObject({
      name: STALLED,
      notify: 'meta',
      periodSeconds: 5,
      treatMissingData: 'breaching',
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      metric: { metricName: 'ProbeHeartbeat', dimensions: { Probe: LOCAL_PROBE_NAME } },
    });
  });
});

describe('LocalAlarms: the probe stalls (no rounds at all)', () => {
  /**
   * Rounds that ran: a heartbeat and a healthy reading each; the others are the gap. Each evaluation happens right
   * after its round, at the tick, as `vigil dev` does: the newest complete period is the previous round's.
   */
  function rounds(alarms: LocalAlarms, ran: readonly number[], until: number): string[] {
    const out: string[] = [];
    for (let round = 0; round <= until; round++) {
      if (!ran.includes(round)) continue;
      alarms.record([goroutines(900, round), heartbeat(round)]);
      for (const t of alarms.evaluate(T0 + round * INTERVAL_MS))
        out.push(
          `${round}: ${t.alarm.replace('vigil-dev-', '')} ${t.from} → ${t.to}${t.initial ? ' (initial)' : ''}`,
        );
    }
    return out;
  }
  const ran = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it.each([
    ['two missed intervals: still OK (a real datapoint is in the 3-period range)', 2, []],
    [
      'three missed intervals: one "probe stalled", and its resolution at the next round',
      3,
      ['8: probe-stalled-critical OK → ALARM', '9: probe-stalled-critical ALARM → OK'],
    ],
    [
      'five missed intervals (vigil dev stopped 25 s): the same one alert, nothing per target',
      5,
      ['10: probe-stalled-critical OK → ALARM', '11: probe-stalled-critical ALARM → OK'],
    ],
  ])('%s', (_name, missed, expected) => {
    const alarms = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS));
    const settled = rounds(alarms, ran(0, 4), 4);
    expect(settled).toEqual([
      '1: one-api-Goroutines-warning INSUFFICIENT_DATA → OK (initial)',
      '1: probe-stalled-critical INSUFFICIENT_DATA → OK (initial)',
    ]);

    expect(rounds(alarms, ran(5 + missed, 5 + missed + 3), 5 + missed + 3)).toEqual(expected);
  });
});

describe('LocalAlarms', () => {
  it('story: a new alarm settles (initial), fires, recovers', () => {
    const alarms = new LocalAlarms(TARGET_ALARMS);

    const transitions = play(alarms, [800, 900, 2100, 2500, 1200]);

    expect(transitions).toEqual(['0: INSUFFICIENT_DATA → OK (initial)', '2: OK → ALARM', '4: ALARM → OK']);
  });

  it('story: a restart keeps the alarm state, so a recovery while stopped is still a resolution', () => {
    const before = new LocalAlarms(TARGET_ALARMS);
    play(before, [800, 2100]);
    const saved = parseSavedAlarms(JSON.stringify(before.snapshot()));

    const after = new LocalAlarms(TARGET_ALARMS, saved);
    const transitions = play(after, [900], 10);

    expect(before.states()).toEqual({ [WARNING]: 'ALARM' });
    expect(transitions).toEqual(['10: ALARM → OK']);
  });

  it('story: without saved state the same restart would be a silent first OK', () => {
    const alarms = new LocalAlarms(TARGET_ALARMS);

    expect(play(alarms, [900], 10)).toEqual(['10: INSUFFICIENT_DATA → OK (initial)']);
  });

  it('replays history recorded before the first evaluation (samples from the store at start-up)', () => {
    const alarms = new LocalAlarms(TARGET_ALARMS);
    alarms.record([goroutines(2100, 0)]);

    const transitions = alarms.evaluate(T0 + INTERVAL_MS);

    expect(transitions.map((t) => t.to)).toEqual(['ALARM']);
  });

  it('looks back over the whole evaluation range (N + 2 periods) and the running period', () => {
    const alarms = new LocalAlarms(TARGET_ALARMS);

    expect(alarms.lookbackMs()).toBe(4 * INTERVAL_MS);
  });
});

describe('parseSavedAlarms', () => {
  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ version: 2, alarms: {} })],
    ['no alarms', JSON.stringify({ version: 1 })],
  ])('treats %s as no saved state', (_name, text) => {
    expect(parseSavedAlarms(text)).toBeUndefined();
  });

  it('keeps the valid entries and drops the rest', () => {
    const good = { state: 'ALARM', createdAt: '2026-11-22T01:00:00.000Z', since: '2026-11-22T01:05:00.000Z' };

    const saved = parseSavedAlarms(
      JSON.stringify({ version: 1, alarms: { good, bad: { ...good, state: 'PANIC' }, worse: null } }),
    );

    expect(saved).toEqual({ version: 1, alarms: { good } });
  });
});
