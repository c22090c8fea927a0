/**
 * The state store in AWS: one on-demand DynamoDB table (created by infra/resources.ts), partition key `pk` (the
 * record family), sort key `sk` (fingerprint, robot…), the value as a JSON string in `doc`, the version in `ver` and
 * the expiry in `ttl` (the table's TTL attribute). Every write is an UpdateItem with a ConditionExpression on `ver`,
 * so two invocations racing for one alert cannot both win. The client comes from the SDK's standard configuration
 * (AWS_ENDPOINT_URL_DYNAMODB points it at dynalite in tests).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ABSENT, type AlertStateStore, firstVersion, parsedValues, type StoredItem } from './item-store';

/** Attribute names, shared with the table definition in infra/resources.ts. */
export const ALERT_STATE_TABLE_KEYS = { partition: 'pk', key: 'sk' } as const;
export const ALERT_STATE_TTL_ATTRIBUTE = 'ttl';

interface Item {
  pk: string;
  sk: string;
  doc: string;
  ver: number;
  ttl?: number;
}

export function dynamoStateStore(
  table: string,
  given?: DynamoDBClient,
  now: () => number = Date.now,
): AlertStateStore {
  const client = given ?? new DynamoDBClient({});
  const documents = DynamoDBDocumentClient.from(client);
  const nowSeconds = () => Math.floor(now() / 1000);
  // DynamoDB deletes expired items lazily (within days): reads treat them as gone at once.
  const live = (item: Item) => item.ttl === undefined || item.ttl > nowSeconds();
  const values = parsedValues();
  const stored = <T>(item: Item): StoredItem<T> => ({
    key: item.sk,
    value: values.parse<T>(item.pk, item.sk, item.ver, item.doc),
    version: item.ver,
    ...(item.ttl === undefined ? {} : { expiresAt: item.ttl }),
  });

  return {
    description: `DynamoDB table ${table}`,
    async get<T>(partition: string, key: string) {
      const out = await documents.send(
        new GetCommand({ TableName: table, Key: { pk: partition, sk: key }, ConsistentRead: true }),
      );
      const item = out.Item as Item | undefined;
      return item && live(item) ? stored<T>(item) : undefined;
    },
    async put<T>(partition: string, key: string, value: T, expectedVersion: number, expiresAt?: number) {
      const absent = expectedVersion === ABSENT;
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: partition, sk: key },
            UpdateExpression: `SET #doc = :doc, #ver = if_not_exists(#ver, :first) + :one${
              expiresAt === undefined ? ' REMOVE #ttl' : ', #ttl = :ttl'
            }`,
            ConditionExpression: absent ? 'attribute_not_exists(#ver) OR #ttl <= :now' : '#ver = :expected',
            ExpressionAttributeNames: { '#doc': 'doc', '#ver': 'ver', '#ttl': ALERT_STATE_TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':doc': JSON.stringify(value),
              // One less than the first version: the expression adds one.
              ':first': firstVersion() - 1,
              ':one': 1,
              ...(expiresAt === undefined ? {} : { ':ttl': expiresAt }),
              ...(absent ? { ':now': nowSeconds() } : { ':expected': expectedVersion }),
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return (out.Attributes as { ver: number } | undefined)?.ver;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
    async delete(partition, key, expectedVersion) {
      values.forget(partition, key);
      try {
        await documents.send(
          new DeleteCommand({
            TableName: table,
            Key: { pk: partition, sk: key },
            ConditionExpression: '#ver = :expected',
            ExpressionAttributeNames: { '#ver': 'ver' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async list<T>(partition: string) {
      const items: StoredItem<T>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await documents.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': partition },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of (out.Items ?? []) as Item[]) if (live(item)) items.push(stored<T>(item));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async close() {
      // A client passed in belongs to the caller (tests share one across stores).
      if (!given) client.destroy();
    },
  };
}
