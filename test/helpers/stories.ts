/**
 * Story tests of the alert state: feed state changes one by one (or several at once, as concurrent invocations),
 * step a clock, run the sweep, and read exactly which messages went out, from loopback chat fakes. The same story
 * runs against dynalite (DynamoDB's conditional-write semantics) and the local SQLite store.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, AlertStatus, Severity } from '../../functions/alerts/types';
import { parseConfig } from '../../functions/config/load';
import type { VigilConfig } from '../../functions/config/schema';
import type { DeadLetter, DeadLetterStore } from '../../functions/deadletter/types';
import { deadlineIn } from '../../functions/deadline';
import { classifyEvent } from '../../functions/intake/detect';
import { fetchHttp } from '../../functions/notify/post';
import { alertPolicy, type SweepReport, sweep } from '../../functions/notify/sweep';
import { dynamoStateStore } from '../../functions/state/dynamodb';
import type { AlertStateStore } from '../../functions/state/item-store';
import { sqliteStateStore } from '../../functions/state/sqlite';
import { type DispatchDeps, type DispatchReport, dispatch } from '../../functions/webhook/dispatch';
import { type ChatFake, startWebhookFake } from '../fakes/vendors';
import { type Dynalite, startDynalite } from './dynalite';

export const T0 = Date.parse('2026-12-01T10:00:00.000Z');
/** Real time a sleeping invocation leaves the others: enough for a few state-store round trips on loopback. */
const CONCURRENT_SETTLE_MS = 100;

export type StoreKind = 'dynalite' | 'sqlite';

/** A fresh, empty state store of `kind` on the story's clock. */
export async function freshStore(
  kind: StoreKind,
  dynalite: Dynalite,
  now: () => number,
): Promise<AlertStateStore> {
  if (kind === 'sqlite')
    return sqliteStateStore(join(mkdtempSync(join(tmpdir(), 'vigil-state-')), 'state.db'), now);
  return dynamoStateStore(await dynalite.createTable(), dynalite.client, now);
}

export interface StoryWorld {
  config: VigilConfig;
  state: AlertStateStore;
  clock: { now: () => number; set(ms: number): void; advance(ms: number): void };
  deadLetters: DeadLetter[];
  /** One state change delivered `times` times at once (retries racing), or several changes at once. */
  send(...alerts: Alert[]): Promise<DispatchReport[]>;
  /** The same alerts, each in its own concurrent invocation, `times` times over. */
  sendConcurrently(alerts: readonly Alert[], times?: number): Promise<DispatchReport[]>;
  sweep(): Promise<SweepReport>;
}

export function storyWorld(
  configYaml: string,
  state: AlertStateStore,
  clockAt: { t: number },
  options: { deadLetterStore?: (memory: DeadLetterStore) => DeadLetterStore } = {},
): StoryWorld {
  const config = parseConfig(configYaml);
  const deadLetters: DeadLetter[] = [];
  const memory: DeadLetterStore = {
    description: 'memory',
    put: async (list) => {
      deadLetters.push(...list);
    },
    list: async () => [],
    remove: async () => undefined,
    requeue: async () => undefined,
  };
  const letters = options.deadLetterStore?.(memory) ?? memory;
  const now = () => clockAt.t;
  const deps = (): DispatchDeps => ({
    now: () => new Date(now()),
    state,
    deadLetters: letters,
    deliver: {
      http: fetchHttp,
      now: () => new Date(now()),
      // The group wait and retry backoffs move the story's clock instead of real time, and yield long enough
      // for invocations running at the same moment to get their state changes in (as they would in real time).
      sleep: async (ms) => {
        clockAt.t += ms;
        await new Promise((resolve) => setTimeout(resolve, CONCURRENT_SETTLE_MS));
      },
      random: () => 0.5,
      deadline: deadlineIn(60_000, now),
      write: () => undefined,
    },
  });
  return {
    config,
    state,
    deadLetters,
    clock: {
      now,
      set: (ms) => {
        clockAt.t = ms;
      },
      advance: (ms) => {
        clockAt.t += ms;
      },
    },
    send: (...alerts) => Promise.all([dispatch(alerts, config, deps())]),
    sendConcurrently: (alerts, times = 1) =>
      Promise.all(
        Array.from({ length: times }, () => alerts.map((alert) => dispatch([alert], config, deps()))).flat(),
      ),
    sweep: () => {
      const d = deps();
      return sweep({ policy: alertPolicy(config), state, deadLetters: letters, deliver: d.deliver });
    },
  };
}

/** A vigil threshold alarm's CloudWatch message as SNS hands it to the Lambda, normalised by the real intake. */
export function cloudwatchAlert(options: {
  level: Severity;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  old: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  at: number;
  target?: string;
  metric?: string;
}): Alert {
  const target = options.target ?? 'one-api';
  const metric = options.metric ?? 'Goroutines';
  const name = `vigil-dev-${target}-${metric}-${options.level}`;
  const message = {
    AlarmName: name,
    AlarmDescription: `${target} ${metric} breached its ${options.level} threshold.\nvigil:${JSON.stringify({
      severity: options.level,
      target,
      metric,
    })}`,
    AWSAccountId: '123456789012',
    NewStateValue: options.state,
    NewStateReason: `Threshold Crossed: 1 out of the last 1 datapoints [5234.0 (01/12/26 10:00:00)] was greater than the threshold (5000.0).`,
    StateChangeTime: new Date(options.at).toISOString().replace('Z', '+0000'),
    Region: 'US East (N. Virginia)',
    AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    OldStateValue: options.old,
    Trigger: {
      MetricName: metric,
      Namespace: 'Vigil',
      Statistic: 'MAXIMUM',
      Dimensions: [{ name: 'Target', value: target }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5000,
    },
  };
  const event = {
    Records: [
      {
        EventSource: 'aws:sns',
        Sns: {
          MessageId: `m-${options.at}`,
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:vigil-dev-alerts',
          Message: JSON.stringify(message),
          Timestamp: new Date(options.at).toISOString(),
        },
      },
    ],
  };
  const detected = classifyEvent(event, { now: new Date(options.at) });
  if ('error' in detected) throw new Error(detected.error);
  const [alert] = detected.alerts;
  if (!alert) throw new Error(`no alert: ${detected.skipped.join('; ')}`);
  return alert;
}

/** A labelled alert (Alertmanager, Grafana, plain JSON) in its normalised shape. */
export function labelledAlert(
  labels: Record<string, string>,
  status: AlertStatus,
  startsAt: number,
  endsAt?: number,
): Alert {
  const name = labels.alertname ?? 'Alert';
  return {
    status,
    name,
    severity: (labels.severity as Severity | undefined) ?? 'warning',
    summary: `${name} ${status}`,
    labels: { alertname: name, severity: 'warning', ...labels },
    annotations: {},
    startsAt: new Date(startsAt).toISOString(),
    ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }),
    links: [],
    source: 'alertmanager',
    fingerprint: `fp-${Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`,
  };
}

/** "FIRING critical X" per alert of a generic-webhook message body, in the order the message lists them. */
export function describeMessage(body: unknown): string {
  const alerts = (body as { alerts?: Alert[] }).alerts ?? [];
  return alerts
    .map((alert) => `${alert.status === 'firing' ? 'FIRING' : 'RESOLVED'} ${alert.name}`)
    .join(' + ');
}

/** Messages each fake received since the last call, as "ops: FIRING a + RESOLVED b", in the order of `fakes`. */
export function drainMessages(fakes: Readonly<Record<string, ChatFake>>): string[] {
  const out: string[] = [];
  for (const [name, fake] of Object.entries(fakes))
    for (const request of fake.requests.splice(0)) out.push(`${name}: ${describeMessage(request.json)}`);
  return out;
}

export interface StoryPeers {
  dynalite: Dynalite;
  /** Generic-webhook chat fakes for the story's channels `ops` and `team`. */
  ops: ChatFake;
  team: ChatFake;
  /** Messages since the last call, as "ops: FIRING a + RESOLVED b" (ops first, then team). */
  drain(): string[];
}

/** dynalite and the two chat fakes of a story file, started before its tests and closed after them. */
export function storyPeers(): StoryPeers {
  const peers = {
    drain: () => drainMessages({ ops: peers.ops, team: peers.team }),
  } as StoryPeers;
  beforeAll(async () => {
    [peers.dynalite, peers.ops, peers.team] = await Promise.all([
      startDynalite(),
      startWebhookFake('opsHookSecret0123456789'),
      startWebhookFake('teamHookSecret0123456789'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([peers.dynalite?.close(), peers.ops?.close(), peers.team?.close()]);
  });
  return peers;
}
