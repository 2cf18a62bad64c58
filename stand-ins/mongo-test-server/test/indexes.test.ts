import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useMongo } from './fixture.ts';

const mongo = useMongo();

interface Account {
  _id: number;
  email?: string;
  owner?: string;
  slug?: string;
}

function accounts() {
  return mongo.freshDb().collection<Account>('accounts');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the operation to fail');
    },
    (error: unknown) => error,
  );
}

describe('unique indexes', () => {
  it('rejects a duplicate on a single field with code 11000 and changes nothing', async () => {
    const collection = accounts();
    expect(await collection.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
    await collection.insertOne({ _id: 1, email: 'a@x' });
    const error = await rejection(collection.insertOne({ _id: 2, email: 'a@x' }));
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 11000,
      message: `E11000 duplicate key error collection: ${collection.dbName}.accounts index: email_1 dup key: { email: "a@x" }`,
      keyPattern: { email: 1 },
      keyValue: { email: 'a@x' },
    });
    expect(await collection.find().toArray()).toEqual([{ _id: 1, email: 'a@x' }]);
  });

  it('rejects a duplicate of a compound key but not of its parts', async () => {
    const collection = accounts();
    await collection.createIndex({ owner: 1, slug: 1 }, { unique: true, name: 'owner_slug' });
    await collection.insertMany([
      { _id: 1, owner: 'u1', slug: 'a' },
      { _id: 2, owner: 'u1', slug: 'b' },
      { _id: 3, owner: 'u2', slug: 'a' },
    ]);
    const error = await rejection(collection.insertOne({ _id: 4, owner: 'u2', slug: 'a' }));
    expect(error).toMatchObject({ code: 11000, keyPattern: { owner: 1, slug: 1 }, keyValue: { owner: 'u2', slug: 'a' } });
    expect(await collection.countDocuments()).toBe(3);
  });

  it('rejects an update that would create a duplicate and leaves the document as it was', async () => {
    const collection = accounts();
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.insertMany([
      { _id: 1, email: 'a@x' },
      { _id: 2, email: 'b@x' },
    ]);
    expect(await rejection(collection.updateOne({ _id: 2 }, { $set: { email: 'a@x' } }))).toMatchObject({ code: 11000 });
    expect(await collection.findOne({ _id: 2 })).toEqual({ _id: 2, email: 'b@x' });
    // Rewriting a document with its own key is not a duplicate.
    expect(await collection.updateOne({ _id: 1 }, { $set: { email: 'a@x', owner: 'o' } })).toMatchObject({ modifiedCount: 1 });
  });

  it('treats a missing field as null, unless the index is sparse', async () => {
    const dense = accounts();
    await dense.createIndex({ email: 1 }, { unique: true });
    await dense.insertOne({ _id: 1 });
    expect(await rejection(dense.insertOne({ _id: 2 }))).toMatchObject({ code: 11000, keyValue: { email: null } });

    const sparse = accounts();
    await sparse.createIndex({ email: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ _id: 1 }, { _id: 2 }]);
    expect(await sparse.countDocuments()).toBe(2);
  });

  it('rejects a duplicate _id', async () => {
    const collection = accounts();
    await collection.insertOne({ _id: 7 });
    expect(await rejection(collection.insertOne({ _id: 7 }))).toMatchObject({ code: 11000, keyValue: { _id: 7 } });
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    const collection = accounts();
    await collection.insertMany([
      { _id: 1, email: 'same' },
      { _id: 2, email: 'same' },
    ]);
    expect(await rejection(collection.createIndex({ email: 1 }, { unique: true }))).toMatchObject({ code: 11000 });
    expect((await collection.listIndexes().toArray()).map(({ name }) => name)).toEqual(['_id_']);
  });

  it('allows duplicates again once the index is dropped', async () => {
    const collection = accounts();
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.insertOne({ _id: 1, email: 'a' });
    await collection.dropIndex('email_1');
    await collection.insertOne({ _id: 2, email: 'a' });
    expect(await collection.countDocuments({ email: 'a' })).toBe(2);
  });
});

describe('bulk writes', () => {
  it('reports the failed operation of an unordered bulk write and applies the rest', async () => {
    const collection = accounts();
    await collection.createIndex({ email: 1 }, { unique: true });
    const error = await rejection(
      collection.bulkWrite(
        [
          { insertOne: { document: { _id: 1, email: 'a' } } },
          { insertOne: { document: { _id: 2, email: 'a' } } },
          { insertOne: { document: { _id: 3, email: 'c' } } },
          { updateOne: { filter: { _id: 3 }, update: { $set: { owner: 'o' } } } },
        ],
        { ordered: false },
      ),
    );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.code).toBe(11000);
    expect(bulk.writeErrors).toHaveLength(1);
    expect(Array.isArray(bulk.writeErrors) ? bulk.writeErrors[0]?.index : undefined).toBe(1);
    expect(bulk.result.insertedCount).toBe(2);
    expect(bulk.result.modifiedCount).toBe(1);
    expect(await collection.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, email: 'a' },
      { _id: 3, email: 'c', owner: 'o' },
    ]);
  });

  it('stops an ordered bulk write at the first failure', async () => {
    const collection = accounts();
    const error = await rejection(collection.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }]));
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect((error as MongoBulkWriteError).result.insertedCount).toBe(1);
    expect(await collection.countDocuments()).toBe(1);
  });
});

describe('index management', () => {
  it('lists indexes with their options, and creating one twice is a no-op', async () => {
    const collection = accounts();
    await collection.createIndex({ owner: 1, _id: -1 });
    await collection.createIndex({ email: 1 }, { unique: true, sparse: true });
    await collection.createIndex({ email: 1 }, { unique: true, sparse: true });
    expect(await collection.listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { owner: 1, _id: -1 }, name: 'owner_1__id_-1' },
      { v: 2, key: { email: 1 }, name: 'email_1', unique: true, sparse: true },
    ]);
  });

  it('refuses a different index under an existing name', async () => {
    const collection = accounts();
    await collection.createIndex({ email: 1 }, { name: 'by_email' });
    expect(await rejection(collection.createIndex({ owner: 1 }, { name: 'by_email' }))).toMatchObject({ code: 86 });
  });

  it('drops all indexes but _id_', async () => {
    const collection = accounts();
    await collection.createIndexes([{ key: { email: 1 } }, { key: { owner: 1 } }]);
    await collection.dropIndexes();
    expect((await collection.listIndexes().toArray()).map(({ name }) => name)).toEqual(['_id_']);
    expect(await rejection(collection.dropIndex('nope'))).toMatchObject({ code: 27, codeName: 'IndexNotFound' });
  });

  it('answers listIndexes on a missing collection with NamespaceNotFound', async () => {
    const error = await rejection(mongo.freshDb().collection('missing').listIndexes().toArray());
    expect(error).toMatchObject({ code: 26 });
  });
});
