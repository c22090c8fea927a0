/**
 * `vigil dev`: the deployed chain on one machine. Each tick, the probe cycle the Lambda runs (probeAndPublish)
 * publishes into the local store instead of CloudWatch; the local alarms (the deployed definitions, CloudWatch's
 * semantics) are evaluated over it; each state change AWS would publish to the alerts topic becomes that SNS event
 * and goes to the webhook's handleWebhookEvent in-process; the live view shows it all. The webhook's HTTP intake
 * runs alongside on --port, so Alertmanager or Grafana can post to the same routes.
 *
 * Everything with an effect is injected (clock, output, ids); the loop is the only place that sequences them.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoState } from '../../examples/demo-service/model';
import {
  DEFAULT_CYCLE_MS,
  DEFAULT_DEMO_PORT,
  type DemoService,
  startDemoService,
} from '../../examples/demo-service/server';
import type { VigilConfig } from '../config/schema';
import { fileDeadLetterStore } from '../deadletter/file';
import { deadlineIn } from '../deadline';
import {
  INTAKE_PATH,
  LOCAL_DELIVERY_BUDGET_MS,
  startWebhookServer,
  type WebhookServer,
} from '../intake/server';
import { metaDispatchConfig } from '../meta/routes';
import { probeAndPublish } from '../probing/cycle';
import { stateStore } from '../probing/state';
import { publishedMetrics } from '../rules/metrics';
import { sqliteStateStore } from '../state/sqlite';
import { devUi } from '../ui/dev';
import { productionDispatchDeps } from '../webhook/deps';
import { handleWebhookEvent } from '../webhook/pipeline';
import {
  ALARMS_FILE_NAME,
  LOCAL_PROBE_NAME,
  LocalAlarms,
  type LocalTransition,
  loadSavedAlarms,
  localAlarmDefinitions,
  saveAlarms,
} from './alarms';
import { type DevEvent, type DevLayout, notificationEvent } from './events';
import {
  failingLocationPublisher,
  type SimulatedLocation,
  type SimulatedLocations,
  withSimulatedLocations,
} from './locations';
import { isPublished, localSnsContext, snsAlarmEvent } from './sns-event';
import {
  METRICS_FILE_NAME,
  type MetricStore,
  openMetricStore,
  STORE_RETENTION_MS,
  type StoredSample,
  storePublisher,
} from './store';
import type { DevView } from './view';

export const DEFAULT_INTERVAL_MS = 5_000;
/** Below this, a round (HTTP to every target) may not fit in its own period. */
export const MIN_INTERVAL_MS = 100;
export const DEFAULT_STATE_DIR = '.vigil';
export const DEAD_LETTERS_FILE_NAME = 'dead-letters.jsonl';
export const ALERT_STATE_FILE_NAME = 'alert-state.db';
/** Under the state directory, one directory per simulated location for its rate state. */
const LOCATION_STATE_DIR = 'locations';

/** Time as the session sees it: real in `vigil dev`, stepped by tests. */
export interface Clock {
  now(): number;
  /** Waits `ms`, or less when `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(Math.max(0, ms), undefined, { signal }).catch(() => undefined),
};

export interface DevOptions {
  config: VigilConfig;
  /** Probe interval, which is also the local alarms' period (default 5 s). */
  intervalMs?: number;
  /** Webhook HTTP intake port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The demo service, or false not to start it (`--no-demo`). */
  demo?: { port?: number; cycleMs?: number } | false;
  /** One round, its notifications, then stop. */
  once?: boolean;
  /** Where metrics, alarm states and dead letters are kept (default .vigil). */
  stateDir?: string;
  clock?: Clock;
  view: DevView;
  /** Sees every event after the view did (tests, embedding). */
  onEvent?: (event: DevEvent) => void;
  /** SNS message ids. */
  newId?: () => string;
  /** Simulated probe locations (`--locations`, `--fail-location`): the quorum alarms run over them. */
  locations?: SimulatedLocations;
}

export interface DevSummary {
  rounds: number;
}

export interface DevSession {
  webhookUrl: string;
  demoUrl?: string;
  /** Resolves once the session has stopped and cleaned up: after `once`, or after stop(). */
  done: Promise<DevSummary>;
  /** Stops the loop, lets queued notifications finish, closes servers and flushes the store. Idempotent. */
  stop(): Promise<DevSummary>;
  /** Resolves when every notification queued so far has been delivered (or dead-lettered). */
  settled(): Promise<void>;
}

/** The next tick: the start of the next interval, so each alarm period gets exactly one probe. */
export function nextTickAt(now: number, intervalMs: number): number {
  return Math.floor(now / intervalMs) * intervalMs + intervalMs;
}

export function devLayout(config: VigilConfig, alarms: LocalAlarms): DevLayout {
  return {
    targets: config.targets.map((target) => ({
      name: target.name,
      metrics: publishedMetrics(target).map((metric) => metric.name),
    })),
    alarms: alarms.definitions.map((definition) => ({
      name: definition.name,
      target: definition.target,
      metric: definition.metric.metricName,
      severity: definition.severity,
    })),
  };
}

/** A listen error a person can act on. */
function portError(error: unknown, what: string, port: number, flag: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    return new Error(
      `${what} cannot listen on 127.0.0.1:${port}: the port is in use (another vigil dev?); pick another with ${flag}`,
      {
        cause: error,
      },
    );
  return error instanceof Error ? error : new Error(String(error));
}

export async function startDev(options: DevOptions): Promise<DevSession> {
  const { view } = options;
  const simulated = options.locations ? withSimulatedLocations(options.config, options.locations) : undefined;
  const config = simulated?.config ?? options.config;
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const newId = options.newId ?? randomUUID;
  const emit = (event: DevEvent) => {
    view.handle(event);
    ui.publish(event);
    options.onEvent?.(event);
  };
  const log = (level: 'info' | 'warn' | 'error', text: string) =>
    emit({ kind: 'log', at: clock.now(), level, text });

  const alarmsFile = join(stateDir, ALARMS_FILE_NAME);
  const alarms = new LocalAlarms(
    localAlarmDefinitions(config, intervalMs),
    await loadSavedAlarms(alarmsFile),
  );
  const store: MetricStore = await openMetricStore(join(stateDir, METRICS_FILE_NAME), {
    retentionMs: Math.max(STORE_RETENTION_MS, alarms.lookbackMs()),
    now: () => clock.now(),
  });
  const startedAt = clock.now();
  // The alarms pick up where the last session left them: replay what their evaluation range can still see.
  alarms.record(store.samples({ from: startedAt - alarms.lookbackMs() }));
  const deadLetterFile = join(stateDir, DEAD_LETTERS_FILE_NAME);
  const deadLetters = fileDeadLetterStore(deadLetterFile);
  // The alert state survives a restart: a firing notified before it is resolved after it, and never paged twice.
  const state = sqliteStateStore(join(stateDir, ALERT_STATE_FILE_NAME));
  // rate() history between rounds, as the Lambda keeps it in S3 (always local files here). Each simulated location
  // keeps its own, as each deployed location has its own state bucket.
  const rateState = stateStore({}, stateDir);
  const rateStateOf = (location?: SimulatedLocation) =>
    location === undefined ? rateState : stateStore({}, join(stateDir, LOCATION_STATE_DIR, location.name));
  // The page reads the same stores; it answers on the intake's port.
  const ui = await devUi({
    config,
    intervalMs,
    stateDir,
    store,
    alarms,
    state,
    deadLetters,
    deadLetterFile,
    write: (text) => view.print(text),
    now: () => clock.now(),
  });

  let demo: DemoService | undefined;
  let demoStartedAt = startedAt;
  let server: WebhookServer | undefined;
  const demoOptions = options.demo === false ? undefined : (options.demo ?? {});
  const demoCycleMs = demoOptions?.cycleMs ?? DEFAULT_CYCLE_MS;
  try {
    if (demoOptions) {
      const port = demoOptions.port ?? DEFAULT_DEMO_PORT;
      demoStartedAt = clock.now();
      demo = await startDemoService({ port, cycleMs: demoCycleMs, now: () => clock.now() }).catch((error) => {
        throw portError(error, 'the demo service', port, '--demo-port (or --no-demo)');
      });
    }
    const port = options.port;
    server = await startWebhookServer({
      config,
      deadLetters,
      state,
      port,
      write: (text) => view.print(text),
      onResult: (result) => emit(notificationEvent(result, 'http', clock.now())),
      sweep: {
        onReport: (report) => {
          if (report.outcomes.length > 0)
            emit(
              notificationEvent(
                {
                  kind: 'event',
                  source: 'sweep',
                  report: { ...report, alerts: 0, unrouted: [], applied: {} },
                  skipped: [],
                },
                'sweep',
                clock.now(),
              ),
            );
        },
      },
      onError: (error) => log('error', error.message),
      routes: ui.handle,
    }).catch((error) => {
      throw portError(error, 'the webhook intake', port, '--port');
    });
  } catch (error) {
    await demo?.close();
    await ui.close();
    await store.close();
    await state.close();
    throw error;
  }
  const webhookUrl = `${server.url}${INTAKE_PATH}`;

  if (store.loaded.unreadable > 0)
    log('warn', `${store.file}: skipped ${store.loaded.unreadable} unreadable line(s) (a crash mid-write?)`);
  emit({
    kind: 'started',
    at: startedAt,
    intervalMs,
    webhookUrl,
    pageUrl: `${server.url}/`,
    storeFile: store.file,
    ...(demo ? { demo: { url: demo.url, cycleMs: demoCycleMs } } : {}),
    layout: devLayout(config, alarms),
    history: store.series(),
    alarms: alarms.states(),
  });

  // Notifications run beside the loop (a slow channel delays notifications, not probing, as the webhook Lambda is
  // independent of the probe Lambda in AWS), one round after another, and the state changes of one round at once:
  // as separate SNS events, like AWS delivers them, which the group wait merges into one message per breach.
  let notifying: Promise<void> = Promise.resolve();
  // The alarms on vigil itself go the meta path (alerts.meta), as the meta function delivers them in AWS.
  const metaConfig = metaDispatchConfig(config);
  const notifyOne = async (transition: LocalTransition) => {
    try {
      const topic = transition.definition.notify;
      const event = snsAlarmEvent(
        transition,
        localSnsContext(
          {
            messageId: newId(),
            publishedAt: new Date(clock.now()),
            configuredAt: new Date(startedAt),
          },
          undefined,
          topic,
        ),
      );
      // Delivery is real I/O on real time, whatever the session's clock: the budget `vigil webhook serve` gets.
      const deps = productionDispatchDeps({
        deadline: deadlineIn(LOCAL_DELIVERY_BUDGET_MS),
        deadLetters,
        state,
        write: (text) => view.print(text),
      });
      const result = await handleWebhookEvent(event, {
        config: topic === 'meta' ? metaConfig : config,
        deps,
      });
      emit(notificationEvent(result, 'alarm', clock.now()));
    } catch (error) {
      log('error', `could not notify ${transition.alarm}: ${(error as Error).message}`);
    }
  };
  const notify = (transitions: readonly LocalTransition[]) => {
    if (transitions.length === 0) return;
    notifying = notifying.then(() => Promise.all(transitions.map(notifyOne)).then(() => undefined));
  };

  const round = async (count: number): Promise<void> => {
    const samples: StoredSample[] = [];
    const publisher = storePublisher(store, (stored) => samples.push(...stored));
    const probeFrom = (location?: SimulatedLocation) =>
      probeAndPublish(config, {
        publisher: location?.failing ? failingLocationPublisher(publisher) : publisher,
        now: () => new Date(clock.now()),
        // As the Lambda does: the "probe stalled" alarm watches it.
        heartbeat: { probe: LOCAL_PROBE_NAME },
        state: rateStateOf(location),
        ...(location ? { location: location.name } : {}),
      });
    // Each simulated location probes for real, one after another; the view shows the first one's results.
    const summaries = [];
    for (const location of simulated?.locations ?? [undefined]) summaries.push(await probeFrom(location));
    const summary = summaries[0] as Awaited<ReturnType<typeof probeFrom>>;
    alarms.record(samples);
    const at = clock.now();
    emit({
      kind: 'round',
      at,
      round: count,
      results: summary.round.results,
      samples,
      ...(demo ? { demoPhase: demoState(at - demoStartedAt, demoCycleMs).phase } : {}),
    });
    for (const each of summaries) {
      for (const problem of each.round.state?.problems ?? []) log('warn', problem);
      for (const dropped of each.dropped)
        log('warn', `${dropped.target}: ${dropped.metric} not stored: ${dropped.why}`);
      for (const failed of each.publish?.failed ?? []) log('warn', `not stored: ${failed.error}`);
    }
    const transitions = alarms.evaluate(at);
    const published: LocalTransition[] = [];
    for (const transition of transitions) {
      const publish = isPublished(transition);
      emit({ kind: 'transition', at, transition, published: publish });
      if (publish) published.push(transition);
    }
    notify(published);
    if (transitions.length > 0) await saveAlarms(alarmsFile, alarms.snapshot());
  };

  const controller = new AbortController();
  let rounds = 0;
  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      rounds++;
      try {
        await round(rounds);
      } catch (error) {
        log('error', `round ${rounds} failed: ${(error as Error).message}`);
      }
      store
        .flush()
        .catch((error: Error) => log('error', `${store.file}: ${error.message} (history is kept in memory)`));
      if (options.once) break;
      const now = clock.now();
      await clock.sleep(nextTickAt(now, intervalMs) - now, controller.signal);
    }
  };

  let finished: Promise<DevSummary> | undefined;
  const looping = loop();
  const finish = (): Promise<DevSummary> => {
    finished ??= (async () => {
      await looping;
      await notifying;
      await server?.close();
      await ui.close().catch((error: Error) => log('error', `alarm history: ${error.message}`));
      await state.close().catch((error: Error) => log('error', `${ALERT_STATE_FILE_NAME}: ${error.message}`));
      await demo?.close();
      await saveAlarms(alarmsFile, alarms.snapshot()).catch((error: Error) =>
        log('error', `${alarmsFile}: ${error.message}`),
      );
      await store.close().catch((error: Error) => log('error', `${store.file}: ${error.message}`));
      emit({ kind: 'stopped', at: clock.now(), rounds });
      view.close();
      return { rounds };
    })();
    return finished;
  };
  const done = looping.then(() => finish());

  return {
    webhookUrl,
    ...(demo ? { demoUrl: demo.url } : {}),
    done,
    stop() {
      controller.abort();
      return finish();
    },
    settled: () => notifying,
  };
}
