/** `vigil status` as tables for a terminal. Pure. */
import { formatMs, formatNumber, table } from '../cli/format';
import type { StackStatus } from './collect';

type Paint = (colour: 'red' | 'green' | 'yellow' | 'gray' | 'bold', text: string) => string;

export function renderStatus(status: StackStatus, paint: Paint): string {
  const { stack, alarms } = status;
  const lines: string[] = [];
  const states = alarms.states;
  lines.push(
    paint(
      'bold',
      `${stack.alarmPrefix}* in ${stack.region}: ${alarms.total} alarm(s), ${states.ALARM} firing, ${states.OK} OK, ${states.INSUFFICIENT_DATA} insufficient data`,
    ),
  );
  if (alarms.firing.length > 0) {
    lines.push(
      '',
      table(
        ['FIRING', 'SEVERITY', 'TARGET', 'METRIC', 'SINCE', 'REASON'],
        alarms.firing.map((alarm) => [
          paint('red', alarm.name),
          alarm.severity ?? '-',
          alarm.target ?? '-',
          alarm.metric ?? '-',
          alarm.since ?? '-',
          alarm.reason,
        ]),
        90,
      ),
    );
  }
  if (status.targets.length > 0) {
    lines.push(
      '',
      table(
        ['TARGET', 'LOCATION', 'UP', 'LAST PERIOD', 'LATENCY'],
        status.targets.map((target) => [
          target.target,
          target.location ?? '-',
          target.success === undefined
            ? paint('yellow', 'no data')
            : target.success >= 1
              ? paint('green', 'up')
              : paint('red', 'down'),
          target.at ?? '-',
          formatMs(target.latencyMs),
        ]),
      ),
    );
  }
  const failed = Object.entries(status.notifications.failed);
  lines.push(
    '',
    `notifications failed (last ${status.notifications.windowMinutes} min): ${
      failed.length === 0
        ? 'none'
        : paint('red', failed.map(([channel, count]) => `${channel} ${formatNumber(count)}`).join(', '))
    }`,
  );
  const { deadLetters } = status;
  lines.push(
    `dead letters waiting in ${deadLetters.queue}: ${
      deadLetters.waiting === undefined
        ? paint('yellow', 'unknown')
        : deadLetters.waiting > 0
          ? paint('red', `${deadLetters.waiting} (replay with vigil replay --queue ${deadLetters.queue})`)
          : '0'
    }${deadLetters.inFlight ? `, ${deadLetters.inFlight} being replayed` : ''}`,
  );
  for (const problem of status.problems) lines.push(paint('yellow', `could not read ${problem}`));
  return lines.join('\n');
}
