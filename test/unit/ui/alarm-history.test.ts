import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AlarmChange,
  alarmPeriods,
  decodeChange,
  encodeChange,
  openAlarmHistory,
  retained,
} from '../../../functions/ui/alarm-history';

const change = (
  at: number,
  alarm: string,
  from: AlarmChange['from'],
  to: AlarmChange['to'],
): AlarmChange => ({
  at,
  alarm,
  from,
  to,
});

describe('alarmPeriods', () => {
  it.each([
    [
      'an alarm that fired and cleared',
      [change(10, 'a', 'OK', 'ALARM'), change(20, 'a', 'ALARM', 'OK')],
      [{ alarm: 'a', from: 10, to: 20 }],
    ],
    ['one still in ALARM is open-ended', [change(10, 'a', 'OK', 'ALARM')], [{ alarm: 'a', from: 10 }]],
    [
      'ALARM before the range starts at the range',
      [change(-50, 'a', 'OK', 'ALARM'), change(30, 'a', 'ALARM', 'OK')],
      [{ alarm: 'a', from: 0, to: 30 }],
    ],
    [
      'a first change out of ALARM means it was in ALARM before',
      [change(40, 'a', 'ALARM', 'OK')],
      [{ alarm: 'a', from: 0, to: 40 }],
    ],
    [
      'ALARM → INSUFFICIENT_DATA ends the period',
      [change(10, 'a', 'OK', 'ALARM'), change(15, 'a', 'ALARM', 'INSUFFICIENT_DATA')],
      [{ alarm: 'a', from: 10, to: 15 }],
    ],
    [
      'periods outside the range are left out',
      [change(-90, 'a', 'OK', 'ALARM'), change(-80, 'a', 'ALARM', 'OK')],
      [],
    ],
    [
      'changes in any order',
      [change(20, 'a', 'ALARM', 'OK'), change(10, 'a', 'OK', 'ALARM')],
      [{ alarm: 'a', from: 10, to: 20 }],
    ],
    [
      'two alarms, ordered by start',
      [change(30, 'b', 'OK', 'ALARM'), change(10, 'a', 'OK', 'ALARM'), change(40, 'a', 'ALARM', 'OK')],
      [
        { alarm: 'a', from: 10, to: 40 },
        { alarm: 'b', from: 30 },
      ],
    ],
  ])('%s', (_name, changes, expected) => {
    expect(alarmPeriods(changes, { from: 0, to: 100 })).toEqual(expected);
  });

  it('fills in an alarm the journal never saw from its saved state', () => {
    const periods = alarmPeriods(
      [],
      { from: 0, to: 100 },
      { a: { state: 'ALARM', since: 25 }, b: { state: 'OK' } },
    );

    expect(periods).toEqual([{ alarm: 'a', from: 25 }]);
  });
});

describe('the journal', () => {
  it('round-trips a change and skips a torn line', () => {
    const line = encodeChange(change(Date.UTC(2026, 0, 1), 'a', 'OK', 'ALARM'));

    expect(decodeChange(line)).toEqual(change(Date.UTC(2026, 0, 1), 'a', 'OK', 'ALARM'));
    expect(decodeChange(line.slice(0, 20))).toBeUndefined();
    expect(
      decodeChange('{"at":"2026-01-01T00:00:00Z","alarm":"a","from":"OK","to":"FIRING"}'),
    ).toBeUndefined();
  });

  it('keeps, past the retention, only each alarm’s last change', () => {
    const kept = retained(
      [
        change(1, 'a', 'OK', 'ALARM'),
        change(2, 'a', 'ALARM', 'OK'),
        change(3, 'b', 'OK', 'ALARM'),
        change(50, 'a', 'OK', 'ALARM'),
      ],
      10,
    );

    expect(kept).toEqual([
      change(2, 'a', 'ALARM', 'OK'),
      change(3, 'b', 'OK', 'ALARM'),
      change(50, 'a', 'OK', 'ALARM'),
    ]);
  });

  it('survives a restart, compacting what the retention dropped', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-history-')), 'alarm-history.jsonl');
    const first = await openAlarmHistory(file, { retentionMs: 1_000, now: () => 10_000 });
    first.record(change(1_000, 'a', 'OK', 'ALARM'));
    first.record(change(2_000, 'a', 'ALARM', 'OK'));
    first.record(change(9_500, 'a', 'OK', 'ALARM'));
    await first.flush();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"at":"torn`);

    const second = await openAlarmHistory(file, { retentionMs: 1_000, now: () => 10_000 });
    await second.flush();

    expect(second.changes()).toEqual([change(2_000, 'a', 'ALARM', 'OK'), change(9_500, 'a', 'OK', 'ALARM')]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
