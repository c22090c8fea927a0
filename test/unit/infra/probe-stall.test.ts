/**
 * The probe stops (throttled, a broken deploy, an expired role) while every target is healthy: what does the
 * deployed set of alarms publish? Read from the generated template and run through CloudWatch's evaluation rules
 * minute by minute (test/helpers/cloudwatch-sim.ts); the packaged template gets the same check in
 * test/integration/package.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../functions/config/load';
import { resources } from '../../../infra/resources';
import { probeStallWorld, simulate, templateAlarms } from '../../helpers/cloudwatch-sim';
import { OPTIONS } from './helpers';

const FIXTURE = readFileSync(join(__dirname, 'fixtures/vigil.yml'), 'utf8');
const EXAMPLE = readFileSync(join(__dirname, '../../../vigil.yml'), 'utf8');
/** Long enough for every warm-up and evaluation range to settle after the deploy at minute 0. */
const SETTLED = 15;
const STALL_FROM = 20;

function stall(text: string, minutes: number, runFor = 40) {
  const alarms = templateAlarms(resources(parseConfig(text), OPTIONS));
  const runs = (minute: number) => minute < STALL_FROM || minute >= STALL_FROM + minutes;
  return simulate(alarms, runFor, probeStallWorld(runs, 'Vigil'));
}

const publishedFrom = (published: ReturnType<typeof stall>, minute: number) =>
  published
    .filter((entry) => entry.minute >= minute)
    .map((entry) => `${entry.minute}: ${entry.alarm} ${entry.state} → ${JSON.stringify(entry.topics)}`);

describe.each([
  ['the infra fixture', FIXTURE],
  ['the example vigil.yml', EXAMPLE],
])('a probe outage, %s', (_name, text) => {
  it('sends no ALARM while a fresh deployment warms up and settles', () => {
    const published = stall(text, 0);
    expect(published.filter((entry) => entry.state === 'ALARM')).toEqual([]);
  });

  it.each([1, 2])('%i missed period(s): nothing at all', (minutes) => {
    expect(publishedFrom(stall(text, minutes), SETTLED)).toEqual([]);
  });

  it.each([3, 5, 10])(
    '%i missed periods: exactly one "probe stalled" to the meta topic, and its resolution; nothing per target',
    (minutes) => {
      expect(publishedFrom(stall(text, minutes), SETTLED)).toEqual([
        `${STALL_FROM + 2}: vigil-dev-probe-stalled-critical ALARM → [{"Ref":"VigilMetaTopic"}]`,
        `${STALL_FROM + minutes}: vigil-dev-probe-stalled-critical OK → [{"Ref":"VigilMetaTopic"}]`,
      ]);
    },
  );
});

describe('the same outage with the old settings (down: missing breaching, thresholds: missing)', () => {
  it('would page once per target and announce resolutions of alarms that never fired (a 10-minute stall)', () => {
    const text = `${FIXTURE}
alarms:
  down: { missing: breaching }
`.replace(
      /critical: \{ when: "> 5000", for: 3, of: 5 \}/,
      'critical: { when: "> 5000", for: 3, of: 5, missing: missing }',
    );
    const published = publishedFrom(stall(text, 10), SETTLED);
    expect(published).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/vigil-dev-one-api-down-critical ALARM/),
        expect.stringMatching(/vigil-dev-mall-go-down-critical ALARM/),
        expect.stringMatching(/vigil-dev-one-api-Goroutines-critical OK/),
      ]),
    );
  });
});
