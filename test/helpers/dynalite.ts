/** dynalite (DynamoDB in-process on a loopback port) with vigil's state table, for tests and the bench. */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { alertStateTableProperties } from '../../infra/resources';

// dynalite ships no types.
// biome-ignore lint/suspicious/noExplicitAny: an untyped CommonJS module
const dynalite: (options: Record<string, number>) => any = require('dynalite');

export interface Dynalite {
  url: string;
  client: DynamoDBClient;
  /** Creates a fresh table (a new name per call) shaped like the deployed one. */
  createTable(name?: string): Promise<string>;
  close(): Promise<void>;
}

let tables = 0;

export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    url,
    client,
    async createTable(name = `vigil-state-${process.pid}-${++tables}`) {
      const { TimeToLiveSpecification: _ttl, ...properties } = alertStateTableProperties(name);
      await client.send(
        new CreateTableCommand(properties as ConstructorParameters<typeof CreateTableCommand>[0]),
      );
      return name;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
