import { MongoServerError } from 'mongodb';
import type { CommandStartedEvent, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useMongo } from './fixture.ts';

const mongo = useMongo({ monitorCommands: true });

interface Person {
  _id: number;
  name: string;
  team: string;
  age: number;
  joined: Date;
}

const people: Person[] = [
  { _id: 1, name: 'ada', team: 'red', age: 36, joined: new Date('2024-01-05T00:00:00Z') },
  { _id: 2, name: 'bob', team: 'blue', age: 25, joined: new Date('2024-03-10T00:00:00Z') },
  { _id: 3, name: 'cy', team: 'red', age: 25, joined: new Date('2023-11-20T00:00:00Z') },
  { _id: 4, name: 'dee', team: 'blue', age: 41, joined: new Date('2024-06-01T00:00:00Z') },
  { _id: 5, name: 'eve', team: 'green', age: 30, joined: new Date('2022-02-02T00:00:00Z') },
];

async function seeded() {
  const collection = mongo.freshDb().collection<Person>('people');
  await collection.insertMany(people);
  return collection;
}

const ids = (docs: { _id: number }[]): number[] => docs.map(({ _id }) => _id);

describe('inserting', () => {
  it('gives a document without _id an ObjectId, placed first', async () => {
    const collection = mongo.freshDb().collection<{ _id?: ObjectId; n: number }>('c');
    const { insertedId } = await collection.insertOne({ n: 1 });
    const stored = await collection.findOne({});
    expect(stored).toEqual({ _id: insertedId, n: 1 });
    expect(Object.keys(stored ?? {})).toEqual(['_id', 'n']);
  });

  it('inserts many and reports how many', async () => {
    const collection = mongo.freshDb().collection<Person>('people');
    const result = await collection.insertMany(people);
    expect(result.insertedCount).toBe(5);
    expect(await collection.countDocuments()).toBe(5);
  });
});

describe('finding', () => {
  it('filters by equality', async () => {
    const collection = await seeded();
    expect(ids(await collection.find({ team: 'red' }).toArray())).toEqual([1, 3]);
  });

  it('sorts on two keys', async () => {
    const collection = await seeded();
    expect(ids(await collection.find().sort({ age: 1, name: -1 }).toArray())).toEqual([3, 2, 5, 1, 4]);
    expect(ids(await collection.find().sort({ team: 1, age: -1 }).toArray())).toEqual([4, 2, 5, 1, 3]);
  });

  it('projects fields, with _id first unless excluded', async () => {
    const collection = await seeded();
    const included = await collection.find({ _id: 2 }, { projection: { name: 1, age: 1 } }).toArray();
    expect(included).toEqual([{ _id: 2, name: 'bob', age: 25 }]);
    expect(Object.keys(included[0] ?? {})).toEqual(['_id', 'name', 'age']);
    expect(await collection.find({ _id: 2 }, { projection: { _id: 0, team: 1 } }).toArray()).toEqual([{ team: 'blue' }]);
    expect(await collection.find({ _id: 2 }, { projection: { joined: 0, age: 0 } }).toArray()).toEqual([
      { _id: 2, name: 'bob', team: 'blue' },
    ]);
  });

  it('skips and limits after sorting', async () => {
    const collection = await seeded();
    expect(ids(await collection.find().sort({ _id: -1 }).skip(1).limit(2).toArray())).toEqual([4, 3]);
  });

  it('matches $in, $or, and $lt/$gt on dates and strings', async () => {
    const collection = await seeded();
    expect(ids(await collection.find({ name: { $in: ['eve', 'ada', 'zed'] } }).toArray())).toEqual([1, 5]);
    expect(ids(await collection.find({ $or: [{ team: 'green' }, { age: { $gt: 40 } }] }).toArray())).toEqual([4, 5]);
    const in2024 = { $gt: new Date('2024-01-01T00:00:00Z'), $lt: new Date('2024-06-01T00:00:00Z') };
    expect(ids(await collection.find({ joined: in2024 }).toArray())).toEqual([1, 2]);
    expect(ids(await collection.find({ name: { $gt: 'bob', $lt: 'eve' } }).toArray())).toEqual([3, 4]);
  });

  it('streams a result larger than the batch size through getMore', async () => {
    const collection = mongo.freshDb().collection<{ _id: number }>('many');
    await collection.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i })));
    const getMores: CommandStartedEvent[] = [];
    const onStart = (event: CommandStartedEvent) => {
      if (event.commandName === 'getMore') getMores.push(event);
    };
    mongo.client.on('commandStarted', onStart);
    try {
      const all = await collection.find().sort({ _id: 1 }).batchSize(40).toArray();
      expect(ids(all)).toEqual(Array.from({ length: 250 }, (_, i) => i));
      expect(getMores).toHaveLength(6); // 40 in the first batch, then 6 more of at most 40
    } finally {
      mongo.client.off('commandStarted', onStart);
    }
  });

  it('splits batches of large documents to fit the 16 MB reply limit', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; blob: string }>('large');
    const blob = 'x'.repeat(5 * 1024 * 1024);
    await collection.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i, blob })));
    const found = await collection.find().toArray();
    expect(found.map(({ _id, blob: text }) => [_id, text.length])).toEqual(Array.from({ length: 5 }, (_, i) => [i, blob.length]));
  });

  it('kills the server cursor of a cursor closed early', async () => {
    const db = mongo.freshDb();
    const collection = db.collection<{ _id: number }>('many');
    await collection.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i })));
    const cursor = collection.find().batchSize(5);
    expect((await cursor.next())?._id).toBe(0);
    const id = cursor.id;
    expect(id?.isZero()).toBe(false);
    await cursor.close();
    const error = await db.command({ getMore: id, collection: 'many' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 43, codeName: 'CursorNotFound' });
  });

  it('counts with countDocuments and estimatedDocumentCount', async () => {
    const collection = await seeded();
    expect(await collection.countDocuments({ team: 'blue' })).toBe(2);
    expect(await collection.countDocuments({}, { skip: 1, limit: 3 })).toBe(3);
    expect(await collection.estimatedDocumentCount()).toBe(5);
    expect(await mongo.freshDb().collection('missing').countDocuments()).toBe(0);
  });

  it('lists distinct values', async () => {
    const collection = await seeded();
    expect((await collection.distinct('team')).sort()).toEqual(['blue', 'green', 'red']);
    expect(await collection.distinct('age', { team: 'red' })).toEqual([36, 25]);
  });

  it('aggregates with $match, $group and $sort', async () => {
    const collection = await seeded();
    const byTeam = await collection
      .aggregate([{ $match: { age: { $gte: 25 } } }, { $group: { _id: '$team', total: { $sum: '$age' } } }, { $sort: { total: -1 } }])
      .toArray();
    expect(byTeam).toEqual([
      { _id: 'blue', total: 66 },
      { _id: 'red', total: 61 },
      { _id: 'green', total: 30 },
    ]);
  });
});

describe('updating', () => {
  it('updates one document with $set', async () => {
    const collection = await seeded();
    const result = await collection.updateOne({ team: 'red' }, { $set: { age: 37, 'extra.note': 'x' } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await collection.findOne({ _id: 1 })).toMatchObject({ age: 37, extra: { note: 'x' } });
    expect(await collection.findOne({ _id: 3 })).toMatchObject({ age: 25 });
  });

  it('counts a no-op update as matched but not modified', async () => {
    const collection = await seeded();
    expect(await collection.updateOne({ _id: 2 }, { $set: { age: 25 } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('upserts from the filter with $setOnInsert, which later updates ignore', async () => {
    const collection = mongo.freshDb().collection<{ _id: string; hits: number; created?: string }>('counters');
    const first = await collection.updateOne({ _id: 'home' }, { $inc: { hits: 1 }, $setOnInsert: { created: 'now' } }, { upsert: true });
    expect(first).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 'home' });
    const second = await collection.updateOne({ _id: 'home' }, { $inc: { hits: 1 }, $setOnInsert: { created: 'later' } }, { upsert: true });
    expect(second).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await collection.findOne({ _id: 'home' })).toEqual({ _id: 'home', hits: 2, created: 'now' });
  });

  it('upserts with a generated _id and the filter fields when the filter has no _id', async () => {
    const collection = mongo.freshDb().collection('c');
    const { upsertedId } = await collection.updateOne(
      { owner: 'u1', 'meta.kind': 'x', n: { $gt: 3 } },
      { $set: { v: 1 } },
      { upsert: true },
    );
    expect(await collection.find().toArray()).toEqual([{ _id: upsertedId, owner: 'u1', meta: { kind: 'x' }, v: 1 }]);
  });

  it('lets an upsert choose its _id through $setOnInsert', async () => {
    const collection = mongo.freshDb().collection<{ _id: string; slug: string }>('c');
    const result = await collection.updateOne({ slug: 's' }, { $setOnInsert: { _id: 'chosen' } }, { upsert: true });
    expect(result.upsertedId).toBe('chosen');
    expect(await collection.find().toArray()).toEqual([{ _id: 'chosen', slug: 's' }]);
  });

  it('upserts a replacement document, keeping only _id from the filter', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; name: string; kind?: string }>('c');
    await collection.replaceOne({ _id: 4, kind: 'x' }, { name: 'four' }, { upsert: true });
    expect(await collection.find().toArray()).toEqual([{ _id: 4, name: 'four' }]);
  });

  it('updates the array element matched by the positional $ operator', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; items: { sku: string; qty: number }[] }>('carts');
    await collection.insertOne({
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
      ],
    });
    await collection.updateOne({ _id: 1, 'items.sku': 'b' }, { $inc: { 'items.$.qty': 2 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 3 },
      ],
    });
  });

  it('updates many documents', async () => {
    const collection = await seeded();
    expect(await collection.updateMany({ age: 25 }, { $inc: { age: 1 } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(ids(await collection.find({ age: 26 }).toArray())).toEqual([2, 3]);
  });

  it('applies array and comparison operators', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; tags: string[]; lo: number; hi: number; gone?: number }>('c');
    await collection.insertOne({ _id: 1, tags: ['a', 'b'], lo: 5, hi: 5, gone: 1 });
    await collection.updateOne({ _id: 1 }, { $push: { tags: 'c' }, $min: { lo: 3 }, $max: { hi: 9 }, $unset: { gone: '' } });
    await collection.updateOne({ _id: 1 }, { $addToSet: { tags: { $each: ['a', 'd'] } } });
    await collection.updateOne({ _id: 1 }, { $pull: { tags: 'b' } });
    await collection.updateOne({ _id: 1 }, { $min: { hi: 20 }, $max: { lo: 1 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, tags: ['a', 'c', 'd'], lo: 3, hi: 9 });
  });

  it('replaces a document but keeps its _id', async () => {
    const collection = await seeded();
    const result = await collection.replaceOne({ _id: 2 }, { name: 'bobby', team: 'red', age: 26, joined: new Date(0) });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await collection.findOne({ _id: 2 })).toEqual({ _id: 2, name: 'bobby', team: 'red', age: 26, joined: new Date(0) });
  });

  it('refuses to change _id', async () => {
    const collection = await seeded();
    const error = await collection.updateOne({ _id: 2 }, { $set: { _id: 99 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 66 });
    expect(await collection.countDocuments({ _id: 2 })).toBe(1);
  });

  it('rejects an unknown update operator', async () => {
    const collection = await seeded();
    const error = await collection.updateOne({ _id: 2 }, { $frob: { a: 1 } } as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 9 });
  });

  it('rejects $inc on a string field with TypeMismatch', async () => {
    const collection = await seeded();
    const error = await collection.updateOne({ _id: 2 }, { $inc: { name: 1 } } as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 14 });
    expect(await collection.findOne({ _id: 2 })).toMatchObject({ name: 'bob' });
  });

  it('returns the updated document from findOneAndUpdate when asked', async () => {
    const collection = await seeded();
    const after = await collection.findOneAndUpdate(
      { team: 'blue' },
      { $set: { age: 50 } },
      { sort: { age: -1 }, returnDocument: 'after' },
    );
    expect(after).toEqual({ ...people[3], age: 50 });
    const before = await collection.findOneAndUpdate({ _id: 1 }, { $set: { age: 1 } }, { projection: { age: 1 } });
    expect(before).toEqual({ _id: 1, age: 36 });
  });

  it('upserts through findOneAndUpdate and reports metadata', async () => {
    const collection = mongo.freshDb().collection<{ _id: string; n: number }>('c');
    const result = await collection.findOneAndUpdate(
      { _id: 'k' },
      { $inc: { n: 5 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(result.value).toEqual({ _id: 'k', n: 5 });
    expect(result.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 'k' });
    expect(await collection.findOneAndUpdate({ _id: 'missing' }, { $inc: { n: 1 } })).toBeNull();
  });

  it('replaces and deletes through findOneAndReplace / findOneAndDelete', async () => {
    const collection = await seeded();
    expect(
      await collection.findOneAndReplace(
        { _id: 5 },
        { name: 'eva', team: 'green', age: 31, joined: new Date(1) },
        { returnDocument: 'after' },
      ),
    ).toEqual({ _id: 5, name: 'eva', team: 'green', age: 31, joined: new Date(1) });
    expect(await collection.findOneAndDelete({ team: 'red' }, { sort: { age: 1 } })).toEqual(people[2]);
    expect(ids(await collection.find().toArray())).toEqual([1, 2, 4, 5]);
  });
});

describe('deleting and dropping', () => {
  it('deletes one, then many', async () => {
    const collection = await seeded();
    expect(await collection.deleteOne({ team: 'blue' })).toMatchObject({ deletedCount: 1 });
    expect(ids(await collection.find().toArray())).toEqual([1, 3, 4, 5]);
    expect(await collection.deleteMany({ age: { $lt: 40 } })).toMatchObject({ deletedCount: 3 });
    expect(ids(await collection.find().toArray())).toEqual([4]);
  });

  it('drops a collection and its data', async () => {
    const collection = await seeded();
    expect(await collection.drop()).toBe(true);
    expect(await collection.countDocuments()).toBe(0);
    const db = mongo.client.db(collection.dbName);
    expect(await db.listCollections().toArray()).toEqual([]);
  });

  it('drops a database', async () => {
    const collection = await seeded();
    const db = mongo.client.db(collection.dbName);
    expect(await db.dropDatabase()).toBe(true);
    expect(await collection.estimatedDocumentCount()).toBe(0);
  });
});
