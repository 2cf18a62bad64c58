// Readiness and MongoDB: a server that answers ping but fails queries on the app's collections is
// not ready. The MongoDB development server plays it, its `find` failed through the failCommand
// fail point (as a mongod with test commands would), while ping keeps answering.
import type { Server } from 'node:http';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '@switchyard/blob';
import type { Logger } from '@switchyard/logging';
import type { RedisClient } from '@switchyard/redis-connection';
import { ChatStore } from '@switchyard/store';
// By path: this package does not list the stand-in among its dependencies.
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import { dependencyChecks, runChecks, startHealthServer } from '../src/index.ts';

let server: MongoTestServer;
let client: MongoClient;
let store: ChatStore;
let health: Server;
let readyz: string;

const failPoint = (mode: 'alwaysOn' | 'off', failCommands: string[] = []) =>
  client.db('admin').command({ configureFailPoint: 'failCommand', mode, data: { failCommands, errorCode: 8 } });

beforeAll(async () => {
  server = await startMongoTestServer();
  client = await new MongoClient(server.url, { serverSelectionTimeoutMS: 2000 }).connect();
  store = new ChatStore(client.db('readiness'));
  await store.ensureIndexes();
  // Only the MongoDB check runs here; redis and blob are never called.
  const { mongodb } = dependencyChecks({ store, redis: {} as RedisClient, blob: {} as BlobStore });
  if (!mongodb) throw new Error('dependencyChecks has no mongodb check');
  health = startHealthServer(0, { mongodb }, { info: () => undefined } as unknown as Logger);
  await new Promise<void>((resolve) => (health.listening ? resolve() : health.once('listening', () => resolve())));
  readyz = `http://127.0.0.1:${String((health.address() as { port: number }).port)}/readyz`;
});

afterEach(async () => {
  await failPoint('off');
});

afterAll(async () => {
  await new Promise((resolve) => health.close(resolve));
  await client.close();
  await server.close();
});

async function readiness(): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(readyz);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks };
}

describe('MongoDB readiness', () => {
  it('is ready when the app collections answer a query, empty or not', async () => {
    expect(await readiness()).toEqual({ status: 200, checks: { mongodb: 'ok' } });
    await store.threads.insertOne({ _id: 't1', owner: 'dev' } as never);
    expect(await readiness()).toEqual({ status: 200, checks: { mongodb: 'ok' } });
  });

  it('is 503 when queries fail although ping still answers', async () => {
    await failPoint('alwaysOn', ['find']);
    await expect(store.ping()).resolves.toBeUndefined(); // what readiness used to ask
    expect(await readiness()).toEqual({ status: 503, checks: { mongodb: "Failing command via 'failCommand' failpoint" } });

    await failPoint('off');
    expect((await readiness()).status).toBe(200);
  });

  it('runs a bounded query on both collections requests read', async () => {
    const commands: { name: string; command: Record<string, unknown> }[] = [];
    const watched = await new MongoClient(server.url, { monitorCommands: true, serverSelectionTimeoutMS: 2000 }).connect();
    try {
      watched.on('commandStarted', (event) => commands.push({ name: event.commandName, command: event.command }));
      const { mongodb } = dependencyChecks({
        store: new ChatStore(watched.db('readiness')),
        redis: {} as RedisClient,
        blob: {} as BlobStore,
      });
      expect(await runChecks({ mongodb: mongodb! })).toEqual({ ok: true, checks: { mongodb: 'ok' } });
    } finally {
      await watched.close();
    }
    const finds = commands.filter(({ name }) => name === 'find').map(({ command }) => command);
    expect(finds.map((find) => find['find']).sort()).toEqual(['items', 'threads']);
    for (const find of finds) expect(find).toMatchObject({ limit: 1, maxTimeMS: 1000, projection: { _id: 1 } });
  });
});
