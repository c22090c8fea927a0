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
import { productionDispatchDeps } from '../dispatch/deps';
import {
  INTAKE_PATH,
  LOCAL_DELIVERY_BUDGET_MS,
  startWebhookServer,
  type WebhookServer,
} from '../dispatch/server';
import { handleWebhookEvent } from '../dispatch/webhook';
import { metaDispatchConfig } from '../meta/routes';
import { probeAndPublish } from '../probing/cycle';
import { stateStore } from '../probing/state';
import { publishedMetrics } from '../rules/metrics';
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
  const { config, view } = options;
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const newId = options.newId ?? randomUUID;
  const emit = (event: DevEvent) => {
    view.handle(event);
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
  const deadLetters = fileDeadLetterStore(join(stateDir, DEAD_LETTERS_FILE_NAME));
  const rateState = stateStore({}, stateDir);

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
      port,
      write: (text) => view.print(text),
      onResult: (result) => emit(notificationEvent(result, 'http', clock.now())),
    }).catch((error) => {
      throw portError(error, 'the webhook intake', port, '--port');
    });
  } catch (error) {
    await demo?.close();
    await store.close();
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
    storeFile: store.file,
    ...(demo ? { demo: { url: demo.url, cycleMs: demoCycleMs } } : {}),
    layout: devLayout(config, alarms),
    history: store.series(),
    alarms: alarms.states(),
  });

  // Notifications run one after another (a resolution never overtakes its firing) and beside the loop: a slow
  // channel delays notifications, not probing, as the webhook Lambda is independent of the probe Lambda in AWS.
  let notifying: Promise<void> = Promise.resolve();
  // The alarms on vigil itself go the meta path (alerts.meta), as the meta function delivers them in AWS.
  const metaConfig = metaDispatchConfig(config);
  const notify = (transition: LocalTransition) => {
    notifying = notifying.then(async () => {
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
          deadline: Date.now() + LOCAL_DELIVERY_BUDGET_MS,
          deadLetters,
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
    });
  };

  const round = async (count: number): Promise<void> => {
    const samples: StoredSample[] = [];
    const summary = await probeAndPublish(config, {
      publisher: storePublisher(store, (stored) => samples.push(...stored)),
      now: () => new Date(clock.now()),
      // As the Lambda does: the "probe stalled" alarm watches it.
      heartbeat: { probe: LOCAL_PROBE_NAME },
      // rate() history between rounds, as the Lambda keeps it in S3 (always the local file here).
      state: { store: rateState },
    });
    for (const problem of summary.round.state?.problems ?? []) log('warn', problem);
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
    for (const dropped of summary.dropped)
      log('warn', `${dropped.target}: ${dropped.metric} not stored: ${dropped.why}`);
    for (const failed of summary.publish?.failed ?? []) log('warn', `not stored: ${failed.error}`);
    const transitions = alarms.evaluate(at);
    for (const transition of transitions) {
      const published = isPublished(transition);
      emit({ kind: 'transition', at, transition, published });
      if (published) notify(transition);
    }
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
