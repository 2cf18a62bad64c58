// `npm start`'s MongoDB and model test servers run in their own processes: clients reach them, their
// CPU is their own (not the launcher's), and stopping the embedded dependencies ends them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedDependencies, type EmbeddedDependencies } from '../src/embedded-dependencies.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded test servers in their own processes', () => {
  let deps: EmbeddedDependencies | undefined;
  afterEach(async () => {
    await deps?.stop();
    deps = undefined;
  });

  it('runs in its own process by default, serves the driver, and stops with the rest', async () => {
    const lines: string[] = [];
    deps = await startEmbeddedDependencies({
      // Only MongoDB is embedded here: the other settings are present.
      env: { REDIS_URL: 'redis://127.0.0.1:1', OPENAI_API_KEY: 'unused', BLOB_DRIVER: 'gcs' },
      announce: (line) => lines.push(line),
      blobRoot: mkdtempSync(join(tmpdir(), 'embedded-mongo-')),
    });
    const pid = deps.mongoProcess?.pid;
    if (pid === undefined) throw new Error('no MongoDB process');
    expect(pid).not.toBe(process.pid);
    // Its parent is this process: a child, not something found on the port.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])).toBe(process.pid);
    expect(lines.some((l) => l.includes(`its own process, pid ${pid}`))).toBe(true);

    const client = new MongoClient(deps.env.MONGODB_URL!, { serverSelectionTimeoutMS: 5_000 });
    try {
      const items = client.db('embedded_mongo_test').collection<{ _id: string; n: number }>('items');
      await items.insertOne({ _id: 'a', n: 1 });
      expect(await items.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    } finally {
      await client.close();
    }

    await deps.stop();
    deps = undefined;
    expect(alive(pid)).toBe(false);
  });

  it("stays in this process with mongo: 'in-process' (the test kit's outage tests restart it on its port)", async () => {
    deps = await startEmbeddedDependencies({
      env: { REDIS_URL: 'redis://127.0.0.1:1', OPENAI_API_KEY: 'unused', BLOB_DRIVER: 'gcs' },
      announce: () => undefined,
      blobRoot: mkdtempSync(join(tmpdir(), 'embedded-mongo-')),
      mongo: 'in-process',
    });
    expect(deps.mongoProcess).toBeUndefined();
    const client = new MongoClient(deps.env.MONGODB_URL!, { serverSelectionTimeoutMS: 5_000 });
    try {
      expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("runs the model test server in its own process with modelServer: 'own-process', and stops it", async () => {
    const lines: string[] = [];
    deps = await startEmbeddedDependencies({
      env: { REDIS_URL: 'redis://127.0.0.1:1', MONGODB_URL: 'mongodb://127.0.0.1:1', BLOB_DRIVER: 'gcs' },
      announce: (line) => lines.push(line),
      blobRoot: mkdtempSync(join(tmpdir(), 'embedded-model-')),
      model: { deltaDelayMs: 0, textDeltas: 3 },
      modelServer: 'own-process',
    });
    expect(deps.model).toBeUndefined();
    const pid = deps.modelProcess?.pid;
    if (pid === undefined) throw new Error('no model server process');
    expect(pid).not.toBe(process.pid);
    expect(lines.some((l) => l.includes(`its own process, pid ${pid}`))).toBe(true);
    const res = await fetch(`${deps.env.OPENAI_BASE_URL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${deps.env.OPENAI_API_KEY}` },
      body: JSON.stringify({ model: 'gpt-test', input: 'hello' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object?: string }).object).toBe('response');

    await deps.stop();
    deps = undefined;
    expect(alive(pid)).toBe(false);
  });
});
