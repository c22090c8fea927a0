/**
 * Local alarms: the definitions infra/ deploys (functions/alarms/definitions.ts), evaluated with CloudWatch's
 * semantics by functions/alarms/evaluate.ts over the samples in the local store. Nothing here decides a state;
 * this file only feeds the evaluator, remembers states across restarts and marks which transitions notify.
 *
 * Differences from the deployed alarms, all deliberate:
 * - the period is the dev interval (5 s by default) instead of the probe schedule, so a demo runs in minutes;
 * - stage `dev`, region `local`: alarm names read `vigil-dev-<target>-<metric>-<level>`;
 * - no dashboard link in the `vigil:` line (there is no CloudWatch dashboard locally; the live view is one);
 * - of the alarms on vigil itself only "probe stalled" runs: it watches the heartbeat the local probe publishes,
 *   while the others watch Lambda and SQS, which have no local stand-in. Nothing evaluates while `vigil dev` is
 *   stopped, so a stop of three intervals or more is noticed at the next start, as the stall it was.
 *
 * States are kept in `.vigil/alarms.json`, as CloudWatch keeps an alarm's state between evaluations: stop
 * `vigil dev` during an alarm and start it after the service recovered, and the resolution is still notified.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type AlarmDefinition,
  alarmDefinitions,
  EVALUATION_RANGE_EXTRA_PERIODS,
} from '../alarms/definitions';
import { ALARM_STATES, AlarmEvaluator, type AlarmState, type AlarmTransition } from '../alarms/evaluate';
import { deploymentNames, probeHeartbeatAlarms } from '../alarms/health';
import type { VigilConfig } from '../config/schema';
import type { StoredSample } from './store';

export const ALARMS_FILE_NAME = 'alarms.json';
export const LOCAL_STAGE = 'dev';
/** Not a real region code, on purpose: alerts then carry no console link to an alarm that exists only here. */
export const LOCAL_REGION = 'local';
/** The state CloudWatch gives a new alarm. */
export const INITIAL_STATE: AlarmState = 'INSUFFICIENT_DATA';
const SAVED_ALARMS_VERSION = 1;

/** The name the local probe publishes its heartbeat under: the deployed probe function's, for stage `dev`. */
export const LOCAL_PROBE_NAME = deploymentNames({ stage: LOCAL_STAGE }).probeFunction;

/**
 * The alarms `vigil dev` evaluates: the deployed per-target definitions and the "probe stalled" alarm, with the
 * period set to the dev interval.
 */
export function localAlarmDefinitions(config: VigilConfig, intervalMs: number): AlarmDefinition[] {
  const periodSeconds = intervalMs / 1000;
  return [
    ...alarmDefinitions(
      { ...config, dashboard: { ...config.dashboard, enabled: false } },
      { stage: LOCAL_STAGE, region: LOCAL_REGION, periodSeconds },
    ),
    ...probeHeartbeatAlarms(config, { stage: LOCAL_STAGE, periodSeconds }),
  ];
}

export interface LocalTransition extends AlarmTransition {
  /**
   * True when a new alarm leaves its initial INSUFFICIENT_DATA for the first time. Its OK is not published: in
   * AWS it would reach the webhook as a "resolved" for an alert that never fired (EventBridge payloads let the
   * webhook skip it, SNS ones do not), and locally every fresh start would post one per alarm.
   */
  initial: boolean;
}

export interface SavedAlarm {
  state: AlarmState;
  /** ISO time the alarm was first evaluated (its warm-up is over by then). */
  createdAt: string;
  /** ISO time of the last state change. */
  since: string;
}

export interface SavedAlarms {
  version: typeof SAVED_ALARMS_VERSION;
  alarms: Record<string, SavedAlarm>;
}

/** Parses `.vigil/alarms.json`; anything unreadable counts as no saved state (every alarm starts new). */
export function parseSavedAlarms(text: string): SavedAlarms | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { version, alarms } = raw as Record<string, unknown>;
  if (version !== SAVED_ALARMS_VERSION || typeof alarms !== 'object' || alarms === null) return undefined;
  const valid = Object.entries(alarms).filter(([, entry]) => {
    const saved = entry as Partial<SavedAlarm> | null;
    return (
      typeof saved === 'object' &&
      saved !== null &&
      (ALARM_STATES as readonly unknown[]).includes(saved.state) &&
      typeof saved.createdAt === 'string' &&
      typeof saved.since === 'string'
    );
  });
  return { version: SAVED_ALARMS_VERSION, alarms: Object.fromEntries(valid) as Record<string, SavedAlarm> };
}

interface Tracked {
  definition: AlarmDefinition;
  /** One evaluator per alarm: each may start from its own saved state. */
  evaluator: AlarmEvaluator;
  saved?: SavedAlarm;
}

/** Every local alarm, its evaluator and its remembered state. */
export class LocalAlarms {
  private readonly tracked: Tracked[];

  constructor(
    readonly definitions: readonly AlarmDefinition[],
    saved?: SavedAlarms,
  ) {
    this.tracked = definitions.map((definition) => {
      const previous = saved?.alarms[definition.name];
      const evaluator = new AlarmEvaluator(
        [definition],
        previous
          ? { initialState: previous.state, createdAt: Date.parse(previous.createdAt) }
          : { initialState: INITIAL_STATE },
      );
      return { definition, evaluator, ...(previous ? { saved: previous } : {}) };
    });
  }

  /** How far back an evaluation can look: the samples to replay from the store at start-up. */
  lookbackMs(): number {
    return Math.max(
      0,
      ...this.definitions.map(
        (definition) =>
          (definition.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS + 1) *
          definition.periodSeconds *
          1000,
      ),
    );
  }

  record(samples: readonly StoredSample[]): void {
    for (const sample of samples) for (const { evaluator } of this.tracked) evaluator.record(sample);
  }

  /** Evaluates every alarm at `at` (epoch ms); transitions in definition order. */
  evaluate(at: number): LocalTransition[] {
    const when = new Date(at).toISOString();
    return this.tracked.flatMap((entry) =>
      entry.evaluator.evaluate(at).map((transition) => {
        const initial = entry.saved === undefined;
        entry.saved = { state: transition.to, createdAt: entry.saved?.createdAt ?? when, since: when };
        return { ...transition, initial };
      }),
    );
  }

  states(): Record<string, AlarmState> {
    return Object.fromEntries(
      this.tracked.map(({ definition, evaluator }) => [
        definition.name,
        evaluator.state(definition.name) ?? INITIAL_STATE,
      ]),
    );
  }

  /** What to keep in `.vigil/alarms.json`: alarms that have left their initial state at least once. */
  snapshot(): SavedAlarms {
    const alarms: Record<string, SavedAlarm> = {};
    for (const { definition, saved } of this.tracked) if (saved) alarms[definition.name] = saved;
    return { version: SAVED_ALARMS_VERSION, alarms };
  }
}

export async function loadSavedAlarms(file: string): Promise<SavedAlarms | undefined> {
  try {
    return parseSavedAlarms(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Atomic: a crash mid-write leaves the previous file. */
export async function saveAlarms(file: string, saved: SavedAlarms): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(saved, null, 2)}\n`);
  await rename(temp, file);
}
