import { parseConfig } from '../../../functions/config/load';
import {
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
});

describe('LocalAlarms', () => {
  it('story: a new alarm settles (initial), fires, recovers', () => {
    const alarms = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS));

    const transitions = play(alarms, [800, 900, 2100, 2500, 1200]);

    expect(transitions).toEqual(['0: INSUFFICIENT_DATA → OK (initial)', '2: OK → ALARM', '4: ALARM → OK']);
  });

  it('story: a restart keeps the alarm state, so a recovery while stopped is still a resolution', () => {
    const before = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS));
    play(before, [800, 2100]);
    const saved = parseSavedAlarms(JSON.stringify(before.snapshot()));

    const after = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS), saved);
    const transitions = play(after, [900], 10);

    expect(before.states()).toEqual({ [WARNING]: 'ALARM' });
    expect(transitions).toEqual(['10: ALARM → OK']);
  });

  it('story: without saved state the same restart would be a silent first OK', () => {
    const alarms = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS));

    expect(play(alarms, [900], 10)).toEqual(['10: INSUFFICIENT_DATA → OK (initial)']);
  });

  it('replays history recorded before the first evaluation (samples from the store at start-up)', () => {
    const alarms = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS));
    alarms.record([goroutines(2100, 0)]);

    const transitions = alarms.evaluate(T0 + INTERVAL_MS);

    expect(transitions.map((t) => t.to)).toEqual(['ALARM']);
  });

  it('looks back over the whole evaluation range (N + 2 periods) and the running period', () => {
    const alarms = new LocalAlarms(localAlarmDefinitions(CONFIG, INTERVAL_MS));

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
