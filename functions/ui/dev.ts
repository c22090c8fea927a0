/** The page under `vigil dev`: the session's own stores, plus the alarm history kept beside them. */
import { join } from 'node:path';
import type { VigilConfig } from '../config/schema';
import type { DeadLetterStore } from '../deadletter/types';
import type { LocalAlarms } from '../dev/alarms';
import { type MetricStore, STORE_RETENTION_MS } from '../dev/store';
import type { AlertStateStore } from '../state/item-store';
import { ALARM_HISTORY_FILE_NAME, openAlarmHistory } from './alarm-history';
import { createUi, type Ui } from './routes';
import { silenceRows } from './silences';

export interface DevUiOptions {
  config: VigilConfig;
  intervalMs: number;
  stateDir: string;
  store: MetricStore;
  alarms: LocalAlarms;
  state: AlertStateStore;
  deadLetters: DeadLetterStore;
  deadLetterFile: string;
  write: (text: string) => void;
  now: () => number;
}

export async function devUi(options: DevUiOptions): Promise<Ui> {
  const history = await openAlarmHistory(join(options.stateDir, ALARM_HISTORY_FILE_NAME), {
    retentionMs: STORE_RETENTION_MS,
    now: options.now,
  });
  const { alarms } = options;
  return createUi({
    mode: 'dev',
    config: options.config,
    state: options.state,
    silences: silenceRows(options.state, options.config, options.now),
    deadLetters: { store: options.deadLetters, file: options.deadLetterFile },
    metrics: {
      store: options.store,
      definitions: alarms.definitions,
      states: () => alarms.states(),
      since: () =>
        Object.fromEntries(
          Object.entries(alarms.snapshot().alarms).map(([name, saved]) => [name, Date.parse(saved.since)]),
        ),
      history,
      intervalMs: options.intervalMs,
    },
    write: options.write,
    now: options.now,
  });
}
