import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MongoClient, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { startMongoTestServer } from '../src/index.ts';
import { useMongo } from './fixture.ts';

const mongo = useMongo();

describe('connection and handshake', () => {
  it('answers ping', async () => {
    expect(await mongo.client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
  });

  it('describes itself as a writable standalone with sessions and no streaming hello', async () => {
    const hello = await mongo.client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: true, logicalSessionTimeoutMinutes: 30, maxWireVersion: 21, ok: 1 });
    expect(hello).not.toHaveProperty('topologyVersion');
    expect(hello).not.toHaveProperty('setName');
    expect(hello).not.toHaveProperty('compression');
  });

  it('answers the legacy isMaster spelling with ismaster: true', async () => {
    expect(await mongo.client.db('admin').command({ isMaster: 1 })).toMatchObject({ ismaster: true, ok: 1 });
  });

  it('reports its version through buildInfo', async () => {
    expect(await mongo.client.db('admin').command({ buildInfo: 1 })).toMatchObject({ version: '7.0.0', versionArray: [7, 0, 0, 0] });
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const error = await mongo.client
      .db('admin')
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 59, codeName: 'CommandNotFound', message: "no such command: 'frobnicate'" });
  });

  it('counts commands by name in serverStatus, with failures and the time spent', async () => {
    const db = mongo.freshDb();
    const before = await mongo.client.db('admin').command({ serverStatus: 1 });
    const was = (name: string) => (before.metrics.commands[name]?.total as number | undefined) ?? 0;
    await db.collection('counted').insertOne({ _id: 1 } as never);
    await db.collection('counted').insertOne({ _id: 2 } as never);
    await expect(db.collection('counted').insertOne({ _id: 1 } as never)).rejects.toThrow();
    await db.collection('counted').findOne({ _id: 2 } as never);
    const after = await mongo.client.db('admin').command({ serverStatus: 1 });
    expect(after.metrics.commands.insert.total - was('insert')).toBe(3);
    expect(after.metrics.commands.find.total - was('find')).toBe(1);
    expect(after.switchyardTestServer.micros.insert).toBeGreaterThan(0);
  });

  it('keeps its command counters bounded whatever names clients send', async () => {
    const admin = mongo.client.db('admin');
    for (let i = 0; i < 260; i++) await expect(admin.command({ [`noSuchCommand${i}`]: 1 })).rejects.toThrow();
    const status = await admin.command({ serverStatus: 1 });
    expect(Object.keys(status.metrics.commands).length).toBeLessThanOrEqual(201);
    expect(status.metrics.commands['(other)'].failed).toBeGreaterThan(0);
  });

  it('gives the url as a direct connection to the chosen host and port', () => {
    expect(mongo.server.url).toBe(`mongodb://127.0.0.1:${String(mongo.server.port)}/?directConnection=true`);
    expect(mongo.server.host).toBe('127.0.0.1');
  });

  it('shares data between two clients', async () => {
    const db = mongo.freshDb();
    const other = await new MongoClient(mongo.server.url, { serverSelectionTimeoutMS: 2000 }).connect();
    try {
      type Shared = { _id: string; from: string };
      await db.collection<Shared>('shared').insertOne({ _id: 'x', from: 'first' });
      const seen = other.db(db.databaseName).collection<Shared>('shared');
      expect(await seen.findOne({})).toEqual({ _id: 'x', from: 'first' });
      await seen.updateOne({ _id: 'x' }, { $set: { from: 'second' } });
      expect(await db.collection<Shared>('shared').findOne({})).toEqual({ _id: 'x', from: 'second' });
    } finally {
      await other.close();
    }
  });

  it('lists databases and collections that hold data', async () => {
    const db = mongo.freshDb();
    await db.collection('a').insertOne({ x: 1 });
    await db.createCollection('b');
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map(({ name }) => name).sort();
    expect(names).toEqual(['a', 'b']);
    const { databases } = await mongo.client.db('admin').admin().listDatabases();
    expect(databases.map(({ name }) => name)).toContain(db.databaseName);
  });

  it('fails the next operation quickly after close() instead of hanging', async () => {
    const server = await startMongoTestServer();
    const client = await new MongoClient(server.url, { serverSelectionTimeoutMS: 500 }).connect();
    try {
      await client.db('t').collection('c').insertOne({ a: 1 });
      await server.close();
      const started = Date.now();
      await expect(client.db('t').collection('c').findOne({})).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await client.close();
    }
  });

  it('runs as a CLI that prints a url the driver can use', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      const url = chunk.toString().trim();
      expect(url).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
      const client = await new MongoClient(url, { serverSelectionTimeoutMS: 2000 }).connect();
      expect(await client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
      await client.close();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
