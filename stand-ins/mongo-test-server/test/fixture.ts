// One server and one connected driver client per test file; every test takes a fresh database.
import { MongoClient } from 'mongodb';
import type { Db, MongoClientOptions } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { startMongoTestServer } from '../src/index.ts';
import type { MongoTestServer } from '../src/index.ts';

export interface MongoFixture {
  readonly server: MongoTestServer;
  readonly client: MongoClient;
  /** A database no other test has touched. */
  freshDb(): Db;
}

export function useMongo(options: MongoClientOptions = {}): MongoFixture {
  let server: MongoTestServer | undefined;
  let client: MongoClient | undefined;
  let databases = 0;
  beforeAll(async () => {
    server = await startMongoTestServer();
    client = await new MongoClient(server.url, { serverSelectionTimeoutMS: 2000, ...options }).connect();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fixture is used before beforeAll ran');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
    freshDb: () => started(client).db(`test${String(++databases)}`),
  };
}
