/**
 * Maintenance windows' time intervals against Alertmanager's own table tests (timeinterval/timeinterval_test.go):
 * the same intervals contain and exclude the same instants, the same bad ranges fail with the same messages; plus
 * DST in named zones, and `vigil validate` reporting every bad interval with its path.
 */
import { ConfigError, parseConfig } from '../../../functions/config/load';
import {
  containsTime,
  maintenanceSilences,
  maintenanceWindows,
  parseDayOfMonthRange,
  parseMonthRange,
  parseTimeRange,
  parseWeekdayRange,
  parseYearRange,
  type TimeInterval,
} from '../../../functions/state/maintenance';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC822Z ("02 Jan 06 15:04 -0700"), as the Alertmanager tests write instants. */
function rfc822z(text: string): number {
  const match = /^(\d{1,2}) (\w{3}) (\d\d) (\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!match) throw new Error(`not RFC822Z: ${text}`);
  const [, day, month, year, hour, minute, sign, offsetHours, offsetMinutes] = match;
  const local = Date.UTC(
    2000 + Number(year),
    MONTHS.indexOf(month!),
    Number(day),
    Number(hour),
    Number(minute),
  );
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 * (sign === '-' ? -1 : 1);
  return local - offset;
}

const range = (begin: number, end = begin) => ({ begin, end });

describe('containsTime (timeIntervalTestCases)', () => {
  it.each<[string, TimeInterval, string[], string[]]>([
    ['an empty interval holds always', {}, ['02 Jan 06 15:04 +0000', '03 Jan 07 10:04 +0000'], []],
    [
      '9am to 5pm, monday to friday',
      { times: [{ startMinute: 540, endMinute: 1020 }], weekdays: [range(1, 5)] },
      ['04 May 20 15:04 +0000', '05 May 20 10:04 +0000', '09 Jun 20 09:04 +0000'],
      ['03 May 20 15:04 +0000', '04 May 20 08:59 +0000', '05 May 20 05:00 +0000'],
    ],
    [
      'Easter 2020',
      { daysOfMonth: [range(4, 6)], months: [range(4)], years: [range(2020)] },
      ['04 Apr 20 15:04 +0000', '05 Apr 20 00:00 +0000', '06 Apr 20 23:05 +0000'],
      [
        '03 May 18 15:04 +0000',
        '03 Apr 20 23:59 +0000',
        '04 Jun 20 23:59 +0000',
        '06 Apr 19 23:59 +0000',
        '07 Apr 20 00:00 +0000',
      ],
    ],
    [
      'the last 3 days of each month',
      { daysOfMonth: [range(-3, -1)] },
      [
        '31 Jan 20 15:04 +0000',
        '30 Jan 20 15:04 +0000',
        '29 Jan 20 15:04 +0000',
        '30 Jun 20 00:00 +0000',
        '29 Feb 20 23:05 +0000',
      ],
      [
        '03 May 18 15:04 +0000',
        '27 Jan 20 15:04 +0000',
        '03 Apr 20 23:59 +0000',
        '04 Jun 20 23:59 +0000',
        '06 Apr 19 23:59 +0000',
        '07 Apr 20 00:00 +0000',
        '01 Mar 20 00:00 +0000',
      ],
    ],
    [
      'out-of-bound days are clamped to the month',
      { months: [range(6)], daysOfMonth: [range(-31, 31)] },
      ['30 Jun 20 00:00 +0000', '01 Jun 20 00:00 +0000'],
      ['31 May 20 00:00 +0000', '1 Jul 20 00:00 +0000'],
    ],
    [
      'AEST 9am to 5pm, monday to friday',
      {
        times: [{ startMinute: 540, endMinute: 1020 }],
        weekdays: [range(1, 5)],
        location: 'Australia/Sydney',
      },
      ['06 Apr 21 13:00 +1000'],
      ['06 Apr 21 13:00 +0000'],
    ],
    [
      'Sydney during daylight saving time',
      {
        times: [{ startMinute: 540, endMinute: 1020 }],
        weekdays: [range(1, 5)],
        months: [range(11)],
        location: 'Australia/Sydney',
      },
      ['01 Nov 21 09:00 +1100', '31 Oct 21 22:00 +0000'],
      ['31 Oct 21 21:00 +0000'],
    ],
    [
      'the last day does not shift in a spring-forward month (#5447)',
      { daysOfMonth: [range(-1)], location: 'America/New_York' },
      ['31 Mar 21 12:00 -0400'],
      ['30 Mar 21 12:00 -0400'],
    ],
    // DST edges in a named zone, beyond Alertmanager's table: New York springs forward on 14 Mar 2021 at 02:00
    // (to 03:00 EDT) and falls back on 7 Nov 2021 at 02:00 (to 01:00 EST).
    [
      '02:00-03:00 local never happens on the spring-forward day',
      { times: [{ startMinute: 120, endMinute: 180 }], location: 'America/New_York' },
      ['13 Mar 21 02:30 -0500', '15 Mar 21 02:30 -0400'],
      ['14 Mar 21 06:59 +0000', '14 Mar 21 07:00 +0000', '14 Mar 21 07:30 +0000'],
    ],
    [
      '01:00-02:00 local happens twice on the fall-back day, and both hours count',
      { times: [{ startMinute: 60, endMinute: 120 }], location: 'America/New_York' },
      ['07 Nov 21 05:30 +0000', '07 Nov 21 06:30 +0000'],
      ['07 Nov 21 04:59 +0000', '07 Nov 21 07:00 +0000'],
    ],
    [
      'weekdays follow the zone: Saturday 01:00 in Tokyo is Friday in UTC',
      { weekdays: [range(6)], location: 'Asia/Tokyo' },
      ['04 Dec 26 16:00 +0000'],
      ['04 Dec 26 14:59 +0000'],
    ],
  ])('%s', (_name, interval, contained, excluded) => {
    for (const text of contained) expect([text, containsTime(interval, rfc822z(text))]).toEqual([text, true]);
    for (const text of excluded) expect([text, containsTime(interval, rfc822z(text))]).toEqual([text, false]);
  });
});

describe('parsing ranges (yamlUnmarshalTestCases, timeStringTestCases)', () => {
  it.each([
    [parseWeekdayRange, 'monday:friday', range(1, 5)],
    [parseWeekdayRange, 'Sunday', range(0)],
    [parseDayOfMonthRange, '-7:-1', range(-7, -1)],
    [parseDayOfMonthRange, '1:-1', range(1, -1)],
    [parseMonthRange, 'January:december', range(1, 12)],
    [parseMonthRange, 'january:march', range(1, 3)],
    [parseMonthRange, '5', range(5)],
    [parseYearRange, '2020:2025', range(2020, 2025)],
  ] as const)('%p(%s)', (parse, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it.each([
    [parseWeekdayRange, 'friday:monday', 'start day cannot be before end day'],
    [parseWeekdayRange, 'blurgsday:flurgsday', 'blurgsday is not a valid weekday'],
    [parseWeekdayRange, '1:3', '1 is not a valid weekday'],
    [parseWeekdayRange, '-2:-1', '-2 is not a valid weekday'],
    [
      parseWeekdayRange,
      'monday:tuesday:friday',
      "couldn't parse range monday:tuesday:friday, invalid format",
    ],
    [parseDayOfMonthRange, '0', '0 is not a valid day of the month: out of range'],
    [parseDayOfMonthRange, '-50:-20', '-50 is not a valid day of the month: out of range'],
    [parseDayOfMonthRange, '1:50', '50 is not a valid day of the month: out of range'],
    [parseDayOfMonthRange, '-15:5', 'end day must be negative if start day is negative'],
    [parseDayOfMonthRange, '10:-25', 'end day -25 is always before start day 10'],
    [parseMonthRange, 'martius:june', 'martius is not a valid month'],
    [parseMonthRange, 'march:junius', 'junius is not a valid month'],
    [parseMonthRange, 'december:january', 'end month january is before start month december'],
    // Alertmanager accepts a 13th month and never matches it; vigil says so.
    [parseMonthRange, '13', '13 is not a valid month: out of range'],
    [parseYearRange, '2022:2020', 'end year 2020 is before start year 2022'],
  ] as const)('%p(%s) fails: %s', (parse, text, message) => {
    expect(() => parse(text)).toThrow(message);
  });

  it.each([
    [
      { start_time: '00:00', end_time: '24:00' },
      { startMinute: 0, endMinute: 1440 },
    ],
    [
      { start_time: '01:35', end_time: '17:39' },
      { startMinute: 95, endMinute: 1059 },
    ],
    [
      { start_time: '09:35', end_time: '09:39' },
      { startMinute: 575, endMinute: 579 },
    ],
  ])('times %j', (text, expected) => {
    expect(parseTimeRange(text)).toEqual(expected);
  });

  it.each([
    [{ start_time: '17:31', end_time: '17:31' }, 'start time cannot be equal or greater than end time'],
    [{ start_time: '12:30', end_time: '24:01' }, "couldn't parse timestamp 24:01, invalid format"],
    [{ start_time: '09:30', end_time: '07:41' }, 'start time cannot be equal or greater than end time'],
    [{ start_time: '24:00', end_time: '17:41' }, 'start time cannot be equal or greater than end time'],
    [{ start_time: '14:03' }, 'both start and end times must be provided'],
    [{ start_time: '01:99', end_time: '23:59' }, "couldn't parse timestamp 01:99, invalid format"],
    [{ start_time: '00:00', end_time: '99:99' }, "couldn't parse timestamp 99:99, invalid format"],
  ])('times %j fail: %s', (text, message) => {
    expect(() => parseTimeRange(text)).toThrow(message);
  });
});

describe('maintenance: in vigil.yml', () => {
  const config = (windows: string) => `routes:\n  - channels: [console]\nmaintenance:\n${windows}`;

  it('parses Alertmanager-shaped intervals into a window that holds exactly inside them', () => {
    const parsed = parseConfig(
      config(`  - name: nightly
    matchers: ['alertname=~"Backup.*"', 'env!=dev']
    time_intervals:
      - weekdays: ['monday:friday', sunday]
        months: ['january:march']
        days_of_month: ['-7:-1']
        years: ['2020:2025', '2030:2035']
        times: [{ start_time: '09:00', end_time: '17:00' }]
  - name: db
    match: { target: db }
    time_intervals:
      - days_of_month: [1, -1]
        location: Europe/Berlin
`),
    );
    const [nightly, db] = maintenanceWindows(parsed.maintenance);
    expect(nightly!.id).toBe('maintenance:nightly');
    // Alertmanager's "more advanced test" instants.
    for (const text of [
      '27 Jan 21 09:00 +0000',
      '28 Jan 21 16:59 +0000',
      '31 Mar 25 13:00 +0000',
      '31 Jan 35 13:00 +0000',
    ])
      expect([text, nightly!.activeAt(rfc822z(text))]).toEqual([text, true]);
    for (const text of [
      '30 Jan 21 13:00 +0000',
      '01 Apr 21 13:00 +0000',
      '30 Jan 26 13:00 +0000',
      '31 Jan 35 17:01 +0000',
    ])
      expect([text, nightly!.activeAt(rfc822z(text))]).toEqual([text, false]);
    expect(nightly!.matches({ alertname: 'BackupSlow', env: 'prod' })).toBe(true);
    expect(nightly!.matches({ alertname: 'BackupSlow', env: 'dev' })).toBe(false);
    expect(db!.matches({ target: 'db' })).toBe(true);
    // 1 Dec 2026 00:30 in Berlin is still 30 Nov in UTC: the window follows Berlin's calendar.
    expect(db!.activeAt(Date.parse('2026-11-30T23:30:00Z'))).toBe(true);
    expect(db!.activeAt(Date.parse('2026-12-02T12:00:00Z'))).toBe(false);
  });

  it('vigil validate reports every bad interval and window with its path and line', () => {
    let error: unknown;
    try {
      parseConfig(
        config(`  - name: bad
    matchers: ['target="db']
    time_intervals:
      - weekdays: ['friday:monday']
        days_of_month: ['0', '-15:5']
        months: ['martius']
        times: [{ start_time: '17:00', end_time: '09:00' }, { start_time: '14:03' }]
        location: Mars/Olympus
      - years: []
  - name: bad
    match: { team: "~.*" }
    time_intervals: [{ weekdays: [monday] }]
  - name: none
    time_intervals: [{}]
`),
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).issues.map(
      (issue) => `${issue.path} (line ${issue.line}): ${issue.message}`,
    );
    expect(lines).toHaveLength(12);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^maintenance\[0\]\.matchers\[0\] \(line 5\): matcher value contains unescaped double quote/,
        ),
        'maintenance[0].time_intervals[0].weekdays[0] (line 7): start day cannot be before end day',
        'maintenance[0].time_intervals[0].days_of_month[0] (line 8): 0 is not a valid day of the month: out of range',
        'maintenance[0].time_intervals[0].days_of_month[1] (line 8): end day must be negative if start day is negative',
        'maintenance[0].time_intervals[0].months[0] (line 9): martius is not a valid month',
        'maintenance[0].time_intervals[0].times[0] (line 10): start time cannot be equal or greater than end time',
        'maintenance[0].time_intervals[0].times[1] (line 10): both start and end times must be provided',
        'maintenance[0].time_intervals[0].location (line 11): unknown time zone Mars/Olympus',
        'maintenance[0].time_intervals[1].years (line 12): an empty list never matches: remove the key or add a range',
        'maintenance[1].name (line 13): duplicate maintenance window "bad" (also maintenance[0])',
        expect.stringMatching(
          /^maintenance\[1\]\.matchers \(line 13\): at least one matcher must not match the empty string/,
        ),
        expect.stringMatching(/^maintenance\[2\]\.matchers \(line 16\): give matchers \(or match\)/),
      ]),
    );
  });
});

describe('maintenance windows listed as silences', () => {
  const windows = parseConfig(`routes:\n  - channels: [console]\nmaintenance:
  - name: nightly
    match: { target: [db, "~cache-.*"], env: prod }
    time_intervals: [{ times: [{ start_time: "01:00", end_time: "03:30" }], location: Asia/Shanghai }]
  - name: gone
    matchers: ['alertname="Old"']
    time_intervals: [{ years: ["2020"] }]
`).maintenance;

  it('an active window ends with its occurrence; a pending one shows its next; one that never comes has no times', () => {
    // 02:00 in Shanghai on 2 Dec 2026 is 18:00 UTC the day before.
    const during = Date.parse('2026-12-01T18:00:00Z');
    const [nightly, gone] = maintenanceSilences(windows, during);
    expect(nightly).toMatchObject({
      id: 'maintenance:nightly',
      state: 'active',
      startsAt: '2026-12-01T18:00:00.000Z',
      endsAt: '2026-12-01T19:30:00.000Z',
      createdBy: 'vigil.yml',
      matchers: [
        { name: 'target', type: '=~', value: 'db|cache-.*' },
        { name: 'env', type: '=', value: 'prod' },
      ],
    });
    expect(gone).toMatchObject({ state: 'pending', startsAt: '', endsAt: '' });
    const [next] = maintenanceSilences(windows, Date.parse('2026-12-01T20:00:12Z'));
    expect(next).toMatchObject({
      state: 'pending',
      startsAt: '2026-12-02T17:00:00.000Z',
      endsAt: '2026-12-02T19:30:00.000Z',
    });
  });

  it.each([
    // Fall back in New York: 01:00-02:00 local lasts two hours of UTC, and the occurrence covers both.
    ['01:00', '02:00', '2021-11-07T04:00:00Z', '2021-11-07T05:00:00.000Z', '2021-11-07T07:00:00.000Z'],
    // Spring forward: 02:00-03:00 local does not exist that day; the next occurrence is the day after.
    ['02:00', '03:00', '2021-03-14T05:00:00Z', '2021-03-15T06:00:00.000Z', '2021-03-15T07:00:00.000Z'],
  ])('%s-%s in New York from %s: %s to %s (DST)', (start, end, from, startsAt, endsAt) => {
    const [dst] = maintenanceSilences(
      parseConfig(`routes:\n  - channels: [console]\nmaintenance:
  - name: dst
    matchers: ['target="db"']
    time_intervals: [{ times: [{ start_time: "${start}", end_time: "${end}" }], location: America/New_York }]
`).maintenance,
      Date.parse(from),
    );
    expect([dst?.state, dst?.startsAt, dst?.endsAt]).toEqual(['pending', startsAt, endsAt]);
  });
});
