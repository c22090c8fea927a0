/**
 * Self-evaluated alarms (`alarms.mode: self`), one shard's round: the per-target alarms CloudFormation would have
 * created (the same definitions, names and descriptions: infra's definitionsFor), evaluated by the probe worker
 * over the datums it just produced, their state in the alert store, and every state change published to the
 * alerts topic as the message CloudWatch would have published (alarms/notification.ts) — so the webhook, its
 * dedup, inhibition, routing and resolutions are unchanged.
 *
 * Storage: one partition per shard (`self-alarms:<shard>`), the shard's alarms in chunks of about
 * CHUNK_TARGET_BYTES, a target's alarms always in one chunk (a jump hash of its name, salted so that it does not
 * repeat the shard's own). A round reads the partition once (Query), writes each chunk once (a conditional write on
 * its version: a round that overlaps another re-reads and merges, chunk.ts), publishes what its write claimed, then
 * clears what it published. Chunks, not one item per alarm: DynamoDB bills a write per started KB, so 1,000 alarms
 * cost ~170 KB a round, not 1,000 writes.
 *
 * A target keeps its alarm state when it changes shard (the shard count changed: `layout` records the count, since
 * when, and the one before): for an alarm its current chunk lacks, a round looks in the other chunks of its
 * partition and, in the hour after a layout change, in the partition the target had under the previous layout,
 * and starts from the freshest record found, with its unsent changes — so moving a target neither resolves nor
 * re-fires anything. A record older than DEPARTED_MAX_AGE_MS is never restored: an alarm left that long starts anew.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { definitionsFor } from '../../../infra/resources';
import type { VigilConfig } from '../../config/schema';
import { type Datum, TARGET_DIMENSION } from '../../metrics/datums';
import { jumpHash, shardOf, targetKey } from '../../probing/fanout/shards';
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
import { type AlarmDefinition, EVALUATION_RANGE_EXTRA_PERIODS } from '../definitions';
import { type MetricSample, periodStart } from '../evaluate';
import { type AlarmNotificationContext, snsAlarmMessage, snsSubject } from '../notification';
import {
  type AlarmChunk,
  type AlarmSeed,
  advanceChunk,
  DEPARTED_MAX_AGE_MS,
  type OutboxEntry,
  withoutSent,
} from './chunk';

export const SELF_ALARMS_PARTITION = 'self-alarms';
/** The item, in SELF_ALARMS_PARTITION, that records the shard layout (AlarmLayout). */
const LAYOUT_KEY = 'layout';
/** DynamoDB's item size limit (name and attributes): a chunk over it can never be written. */
const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;
/**
 * A chunk is sized for a quarter of the item limit: room for its departed alarms (as many again, for an hour after a
 * move) and an outbox full after an SNS outage, with few writes per round.
 */
const CHUNK_TARGET_BYTES = DYNAMODB_ITEM_MAX_BYTES / 4;
/** A stored alarm without its periods: name, state, warm-up, JSON punctuation (measured: 60–110 B). */
const ALARM_BASE_BYTES = 120;
/** One stored period: `[minute, value]` (measured: 15–30 B). */
const PERIOD_BYTES = 30;
/** Publishing stops this long before the round's claims end: a change sent later could be sent twice. */
const PUBLISH_STOP_MARGIN_MS = 2_000;
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
  /** The shard count of the plan (the layout: a target's shard follows from its name and this). */
  shards: number;
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

/**
 * The chunk a target's alarms live in. Salted: the shard is the same jump hash of the name, so without it every
 * target of shard s < chunks would land in chunk s (one chunk holding the whole shard).
 */
export function chunkOf(target: string, chunks: number): number {
  return chunks === 1 ? 0 : jumpHash(targetKey(`alarm-chunk\u0000${target}`), chunks);
}

/** What a definition's stored state may take, at most: its periods over the evaluation range, per query. */
function storedBytesOf(definition: AlarmDefinition): number {
  const periods = definition.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
  return ALARM_BASE_BYTES + periods * PERIOD_BYTES * Math.max(1, definition.math?.queries.length ?? 0);
}

/** How many chunks a shard's alarms are kept in: each about CHUNK_TARGET_BYTES at most. */
export function chunksFor(definitions: readonly AlarmDefinition[]): number {
  const bytes = definitions.reduce((sum, definition) => sum + storedBytesOf(definition), 0);
  return Math.max(1, Math.ceil(bytes / CHUNK_TARGET_BYTES));
}

/** The shard layout alarm state is written under: the shard count since when, and the one before it. */
interface AlarmLayout {
  shards: number;
  since: number;
  previous?: { shards: number; since: number };
}

/** The layout for `shards` shards, recording the change when this is the first round under it. */
async function settleLayout(store: AlertStateStore, shards: number, now: number): Promise<AlarmLayout> {
  const read = await store.get<AlarmLayout>(SELF_ALARMS_PARTITION, LAYOUT_KEY);
  if (read?.value.shards === shards) return read.value;
  const written = await update<AlarmLayout>(store, SELF_ALARMS_PARTITION, LAYOUT_KEY, (item) =>
    item?.value.shards === shards
      ? undefined
      : {
          value: {
            shards,
            since: now,
            ...(item ? { previous: { shards: item.value.shards, since: item.value.since } } : {}),
          },
        },
  );
  if (written) return written.value;
  // Another round of this layout recorded it first.
  const again = await store.get<AlarmLayout>(SELF_ALARMS_PARTITION, LAYOUT_KEY);
  return again?.value ?? { shards, since: now };
}

/** Each alarm's freshest record in these chunks (owned or departed), with its unsent changes. */
function freshestRecords(chunks: readonly AlarmChunk[], now: number): Map<string, AlarmSeed & { e: number }> {
  const out = new Map<string, AlarmSeed & { e: number }>();
  for (const chunk of chunks) {
    const entries = (alarm: string) => chunk.outbox.filter((entry) => entry.alarm === alarm);
    const consider = (alarm: string, stored: AlarmSeed['stored'], e: number) => {
      if (e < now - DEPARTED_MAX_AGE_MS || (out.get(alarm)?.e ?? Number.NEGATIVE_INFINITY) >= e) return;
      out.set(alarm, { stored, entries: entries(alarm), e });
    };
    for (const [alarm, stored] of Object.entries(chunk.alarms))
      consider(alarm, stored, chunk.evaluatedAt ?? Number.NEGATIVE_INFINITY);
    for (const [alarm, departed] of Object.entries(chunk.departed ?? {}))
      consider(alarm, departed.s, departed.e);
  }
  return out;
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
    const chunks = chunksFor(definitions);
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

    const layout = await settleLayout(deps.store, round.shards, now());
    const listed = await deps.store.list<AlarmChunk>(partition);
    const seeds = await seedsFor(round, definitions, layout, listed);
    const samples = samplesByTarget(config.namespace, round.datums);
    const periodSeconds = definitions[0]?.periodSeconds ?? 60;
    const at = periodStart(round.round.getTime(), periodSeconds) + periodSeconds * 1000;
    const definitionsByName = new Map(definitions.map((definition) => [definition.name, definition]));

    const outcomes = await Promise.allSettled(
      [...groups].map(async ([index, group]) => {
        const key = `chunk-${index}`;
        const input = {
          definitions: group.definitions,
          samples: [...group.targets].flatMap((target) => samples.get(target) ?? []),
          at,
          holder: round.holder,
          claimUntil: round.claimUntil,
          layout: layout.since,
          seed: (alarm: string) => seeds.get(alarm),
        };
        let current: StoredItem<AlarmChunk> | undefined = listed.find((item) => item.key === key);
        let written: { chunk: AlarmChunk; publish: OutboxEntry[] } | undefined;
        for (let attempt = 0; attempt < UPDATE_MAX_CONFLICTS && !written; attempt++) {
          const next = advanceChunk(current?.value, { ...input, now: now() });
          const size = Buffer.byteLength(JSON.stringify(next.chunk));
          if (size > DYNAMODB_ITEM_MAX_BYTES)
            throw new Error(
              `${partition}/${key} would be ${Math.ceil(size / 1024)} KB, over DynamoDB's 400 KB item limit: ` +
                `fewer targets per shard (probe.shardSize) or shorter alarm windows`,
            );
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
              // Past its claim another round may take the change over: left to it, never sent twice.
              if (now() > round.claimUntil - PUBLISH_STOP_MARGIN_MS) {
                report.failed.push({
                  alarm: entry.alarm,
                  error: 'no time left in the round: sent next round',
                });
                break;
              }
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
    // Every chunk has finished (none still publishing behind the handler's back) before a failure is reported.
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    // Chunks of an earlier count in this partition: their alarms now live in the ones written above.
    const used = new Set([...groups.keys()].map((index) => `chunk-${index}`));
    await Promise.all(
      listed
        .filter((item) => !used.has(item.key))
        .map((item) => deps.store.delete(partition, item.key, item.version)),
    );
    return report;
  };

  /**
   * Where the alarms a current chunk lacks start from: the freshest record in this partition's chunks (another
   * chunk count, another layout, departed), and in the hour after a layout change, in the partitions the targets
   * had under the previous one (read once each, only for targets with such an alarm).
   */
  async function seedsFor(
    round: SelfRound,
    definitions: readonly AlarmDefinition[],
    layout: AlarmLayout,
    listed: readonly StoredItem<AlarmChunk>[],
  ): Promise<Map<string, AlarmSeed>> {
    const current = new Set(
      listed
        .filter((item) => item.value.layout === layout.since)
        .flatMap((item) => Object.keys(item.value.alarms)),
    );
    const chunks = listed.map((item) => item.value);
    const previous = layout.previous;
    if (previous && now() - layout.since < DEPARTED_MAX_AGE_MS) {
      const partitions = new Set(
        definitions
          .filter((definition) => !current.has(definition.name))
          .map((definition) => `${SELF_ALARMS_PARTITION}:${shardOf(definition.target, previous.shards)}`),
      );
      partitions.delete(`${SELF_ALARMS_PARTITION}:${round.shard}`);
      for (const other of await Promise.all([...partitions].map((p) => deps.store.list<AlarmChunk>(p))))
        chunks.push(...other.map((item) => item.value));
    }
    return freshestRecords(chunks, now());
  }
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
