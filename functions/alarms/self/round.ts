/**
 * Self-evaluated alarms (`alarms.mode: self`), one shard's round: the per-target alarms CloudFormation would have
 * created (the same definitions, names and descriptions: infra's definitionsFor), evaluated by the probe worker
 * over the datums it just produced, their state in the alert store, and every state change published to the
 * alerts topic as the message CloudWatch would have published (alarms/notification.ts) — so the webhook, its
 * dedup, inhibition, routing and resolutions are unchanged.
 *
 * Storage: one partition per shard (`self-alarms:<shard>`), the shard's alarms in chunks of about
 * ALARMS_PER_CHUNK, a target's alarms always in one chunk (jump hash of its name). A round reads the partition
 * once (Query), writes each chunk once (a conditional write on its version: a round that overlaps another re-reads
 * and merges, chunk.ts), publishes what its write claimed, then clears what it published. Chunks, not one item
 * per alarm: DynamoDB bills a write per started KB, so 1,000 alarms cost ~170 KB a round, not 1,000 writes.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { definitionsFor } from '../../../infra/resources';
import type { VigilConfig } from '../../config/schema';
import { type Datum, TARGET_DIMENSION } from '../../metrics/datums';
import { jumpHash, targetKey } from '../../probing/fanout/shards';
import { dynamoStateStore } from '../../state/dynamodb';
import {
  ABSENT,
  type AlertStateStore,
  expiryAfter,
  StateConflictError,
  type StoredItem,
  UPDATE_MAX_CONFLICTS,
  update,
} from '../../state/item-store';
import type * as Sqlite from '../../state/sqlite';
import type { AlarmDefinition } from '../definitions';
import { type MetricSample, periodStart } from '../evaluate';
import { type AlarmNotificationContext, snsAlarmMessage, snsSubject } from '../notification';
import { type AlarmChunk, advanceChunk, type OutboxEntry, type StoredAlarm, withoutSent } from './chunk';

export const SELF_ALARMS_PARTITION = 'self-alarms';
/** About 200 alarms (~35 KB) per item: far from DynamoDB's 400 KB, few enough writes per round. */
export const ALARMS_PER_CHUNK = 200;
/** A chunk nobody rewrote for this long belongs to a shard that is gone (DynamoDB's TTL removes it). */
const CHUNK_RETENTION_MS = 7 * 24 * 3600_000;
/** Publishes in flight at once: a burst of state changes stays well inside SNS's per-topic rate. */
const PUBLISH_CONCURRENCY = 8;
/** Set on the probe in self mode (infra/resources.ts probeSettings). */
export const SELF_ALARMS_ENV = {
  topicArn: 'VIGIL_ALERTS_TOPIC_ARN',
  table: 'VIGIL_ALERT_STATE_TABLE',
  stage: 'VIGIL_STAGE',
  service: 'VIGIL_SERVICE',
} as const;

export interface SelfAlarmsDeps {
  store: AlertStateStore;
  /** Publishes one alarm message to the alerts topic. */
  publish: (subject: string, message: string) => Promise<void>;
  /** Names and where the messages say they are from. */
  stage: string;
  service?: string;
  region: string;
  account: string;
  topicArn: string;
  now?: () => number;
}

export interface SelfRound {
  shard: string;
  targets: readonly string[];
  /** When the round started: its period is the one evaluated. */
  round: Date;
  datums: readonly Datum[];
  /** This invocation (claims its state changes) and until when its claims hold (epoch ms). */
  holder: string;
  claimUntil: number;
}

export interface SelfReport {
  alarms: number;
  chunks: number;
  /** Conditional writes that lost to another round and were redone on a fresh read. */
  conflicts: number;
  published: { alarm: string; state: 'ALARM' | 'OK' }[];
  /** State changes that could not be published: they stay queued and go out with a later round. */
  failed: { alarm: string; error: string }[];
}

export type SelfEvaluator = (round: SelfRound) => Promise<SelfReport>;

/** The chunk a target's alarms live in. */
export function chunkOf(target: string, chunks: number): number {
  return chunks === 1 ? 0 : jumpHash(targetKey(target), chunks);
}

export function selfEvaluator(config: VigilConfig, deps: SelfAlarmsDeps): SelfEvaluator {
  const now = deps.now ?? Date.now;
  const options = {
    stage: deps.stage,
    region: deps.region,
    ...(deps.service === undefined ? {} : { service: deps.service }),
  };
  const byTarget = new Map<string, AlarmDefinition[]>();
  for (const definition of definitionsFor(config, options)) {
    const list = byTarget.get(definition.target);
    if (list) list.push(definition);
    else byTarget.set(definition.target, [definition]);
  }
  const context = (at: Date): AlarmNotificationContext => ({
    region: deps.region,
    regionName: deps.region,
    account: deps.account,
    topicArn: deps.topicArn,
    configuredAt: at,
  });

  return async (round) => {
    const partition = `${SELF_ALARMS_PARTITION}:${round.shard}`;
    const definitions = round.targets.flatMap((target) => byTarget.get(target) ?? []);
    const chunks = Math.max(1, Math.ceil(definitions.length / ALARMS_PER_CHUNK));
    const groups = new Map<number, { definitions: AlarmDefinition[]; targets: Set<string> }>();
    for (const target of round.targets) {
      const own = byTarget.get(target);
      if (!own) continue;
      const index = chunkOf(target, chunks);
      const group = groups.get(index) ?? { definitions: [], targets: new Set<string>() };
      group.definitions.push(...own);
      group.targets.add(target);
      groups.set(index, group);
    }
    const report: SelfReport = {
      alarms: definitions.length,
      chunks: groups.size,
      conflicts: 0,
      published: [],
      failed: [],
    };
    if (definitions.length === 0) return report;

    const listed = await deps.store.list<AlarmChunk>(partition);
    const seeds = new Map<string, StoredAlarm>();
    for (const item of listed)
      for (const [name, stored] of Object.entries(item.value.alarms)) seeds.set(name, stored);
    const samples = samplesByTarget(config.namespace, round.datums);
    const periodSeconds = definitions[0]?.periodSeconds ?? 60;
    const at = periodStart(round.round.getTime(), periodSeconds) + periodSeconds * 1000;
    const definitionsByName = new Map(definitions.map((definition) => [definition.name, definition]));

    await Promise.all(
      [...groups].map(async ([index, group]) => {
        const key = `chunk-${index}`;
        const input = {
          definitions: group.definitions,
          samples: [...group.targets].flatMap((target) => samples.get(target) ?? []),
          at,
          holder: round.holder,
          claimUntil: round.claimUntil,
          seed: (alarm: string) => seeds.get(alarm),
        };
        let current: StoredItem<AlarmChunk> | undefined = listed.find((item) => item.key === key);
        let written: { chunk: AlarmChunk; publish: OutboxEntry[] } | undefined;
        for (let attempt = 0; attempt < UPDATE_MAX_CONFLICTS && !written; attempt++) {
          const next = advanceChunk(current?.value, { ...input, now: now() });
          const version = await deps.store.put(
            partition,
            key,
            next.chunk,
            current?.version ?? ABSENT,
            expiryAfter(now(), CHUNK_RETENTION_MS),
          );
          if (version !== undefined) written = next;
          else {
            report.conflicts++;
            current = await deps.store.get<AlarmChunk>(partition, key);
          }
        }
        if (!written)
          throw new StateConflictError(`${deps.store.description}: ${partition}/${key} kept changing`);
        const sent = new Set<string>();
        // One alarm's changes in order (a catch-up may hold several); different alarms at once.
        const byAlarm = new Map<string, OutboxEntry[]>();
        for (const entry of [...written.publish].sort((x, y) => x.at - y.at))
          byAlarm.set(entry.alarm, [...(byAlarm.get(entry.alarm) ?? []), entry]);
        const queue = [...byAlarm.values()];
        const send = async () => {
          for (let entries = queue.shift(); entries; entries = queue.shift()) {
            for (const entry of entries) {
              const definition = definitionsByName.get(entry.alarm);
              if (!definition) continue;
              const transition = {
                definition,
                from: entry.from,
                to: entry.to,
                reason: entry.reason,
                at: new Date(entry.at),
              };
              try {
                await deps.publish(
                  snsSubject(entry.to, entry.alarm, deps.region),
                  JSON.stringify(snsAlarmMessage(transition, context(round.round))),
                );
                sent.add(entry.id);
                report.published.push({ alarm: entry.alarm, state: entry.to });
              } catch (error) {
                // The later changes of this alarm wait too: published out of order, they would read as stale.
                report.failed.push({ alarm: entry.alarm, error: (error as Error).message });
                break;
              }
            }
          }
        };
        await Promise.all(Array.from({ length: PUBLISH_CONCURRENCY }, send));
        if (sent.size > 0)
          await update<AlarmChunk>(deps.store, partition, key, (item) =>
            item
              ? { value: withoutSent(item.value, sent), expiresAt: expiryAfter(now(), CHUNK_RETENTION_MS) }
              : undefined,
          );
      }),
    );
    // Chunks of an earlier layout (the shard had more alarms): their alarms now live elsewhere.
    const used = new Set([...groups.keys()].map((index) => `chunk-${index}`));
    await Promise.all(
      listed
        .filter((item) => !used.has(item.key))
        .map((item) => deps.store.delete(partition, item.key, item.version)),
    );
    return report;
  };
}

/** The round's datums as samples, by target (the Target dimension). */
function samplesByTarget(namespace: string, datums: readonly Datum[]): Map<string, MetricSample[]> {
  const out = new Map<string, MetricSample[]>();
  for (const datum of datums) {
    const target = datum.Dimensions.find((dimension) => dimension.Name === TARGET_DIMENSION)?.Value;
    if (target === undefined) continue;
    const sample: MetricSample = {
      namespace,
      metricName: datum.MetricName,
      dimensions: Object.fromEntries(datum.Dimensions.map(({ Name, Value }) => [Name, Value])),
      timestamp: datum.Timestamp,
      value: datum.Value,
    };
    const list = out.get(target);
    if (list) list.push(sample);
    else out.set(target, [sample]);
  }
  return out;
}

const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[\w-]+$/;

/**
 * The Lambda's wiring: the alert state table, SNS to the alerts topic (its region from the ARN), names from the
 * environment serverless.yml sets in self mode. Throws at once when a variable is missing (a stale package).
 */
export function selfEvaluatorFromEnv(config: VigilConfig, env: NodeJS.ProcessEnv): SelfEvaluator {
  const topicArn = env[SELF_ALARMS_ENV.topicArn] ?? '';
  const stage = env[SELF_ALARMS_ENV.stage] ?? '';
  const [, topicRegion, account] = TOPIC_ARN_RE.exec(topicArn) ?? [];
  if (topicRegion === undefined || account === undefined || stage === '')
    throw new Error(
      `alarms.mode is self but ${SELF_ALARMS_ENV.topicArn} or ${SELF_ALARMS_ENV.stage} is not set: package and deploy again`,
    );
  const table = env[SELF_ALARMS_ENV.table];
  const store = table
    ? dynamoStateStore(table)
    : (require('../../state/sqlite') as typeof Sqlite).sqliteStateStore(
        env.VIGIL_ALERT_STATE_FILE || undefined,
      );
  const sns = new SNSClient({ region: topicRegion });
  const service = env[SELF_ALARMS_ENV.service];
  return selfEvaluator(config, {
    store,
    publish: async (Subject, Message) => {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject, Message }));
    },
    stage,
    ...(service ? { service } : {}),
    region: env.AWS_REGION ?? topicRegion,
    account,
    topicArn,
  });
}
