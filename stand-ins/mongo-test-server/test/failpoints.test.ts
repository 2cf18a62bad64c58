// The failCommand fail point, configured as on a mongod with test commands: named commands fail with
// the chosen code while everything else, ping included, keeps answering.
import { MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { useMongo } from './fixture.ts';

const mongo = useMongo();

const configure = (mode: unknown, data: Record<string, unknown> = {}) =>
  mongo.client.db('admin').command({ configureFailPoint: 'failCommand', mode, data });

afterEach(async () => {
  await configure('off');
});

describe('failCommand', () => {
  it('fails the named commands with the given code and mongod wording, and nothing else', async () => {
    const collection = mongo.freshDb().collection<{ _id: number }>('c');
    await collection.insertOne({ _id: 1 });
    await configure('alwaysOn', { failCommands: ['find'], errorCode: 8 });

    const error = await collection.findOne({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 8, codeName: 'UnknownError', message: "Failing command via 'failCommand' failpoint" });
    expect(await collection.findOne({}).catch((e: unknown) => e)).toMatchObject({ code: 8 });
    expect(await mongo.client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
    expect(await collection.countDocuments()).toBe(1);

    await configure('off');
    expect(await collection.findOne({})).toEqual({ _id: 1 });
  });

  it('fails only as many times as {times: n} says', async () => {
    const collection = mongo.freshDb().collection<{ _id: number }>('c');
    await configure({ times: 1 }, { failCommands: ['insert'], errorCode: 91 });
    await expect(collection.insertOne({ _id: 1 })).rejects.toMatchObject({ code: 91, codeName: 'ShutdownInProgress' });
    await collection.insertOne({ _id: 2 });
    expect(await collection.find().toArray()).toEqual([{ _id: 2 }]);
  });

  it('fails only the client with the given appName', async () => {
    await configure('alwaysOn', { failCommands: ['ping'], errorCode: 2, appName: 'victim' });
    const victim = await new MongoClient(mongo.server.url, { appName: 'victim', serverSelectionTimeoutMS: 2000 }).connect();
    try {
      await expect(victim.db('admin').command({ ping: 1 })).rejects.toMatchObject({ code: 2 });
      expect(await mongo.client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
    } finally {
      await victim.close();
    }
  });

  it('is configured through admin only, and refuses options it does not implement', async () => {
    await expect(
      mongo.freshDb().command({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], errorCode: 1 } }),
    ).rejects.toMatchObject({ code: 13 });
    await expect(configure('alwaysOn', { failCommands: ['find'], blockConnection: true, blockTimeMS: 100 })).rejects.toMatchObject({
      code: 2,
    });
  });
});
