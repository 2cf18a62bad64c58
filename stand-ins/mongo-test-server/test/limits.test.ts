// MongoDB's document limits, answered with mongod's codes and messages: nesting depth (Overflow, 15),
// document size (BadValue 2 on insert, BSONObjectTooLarge 10334 on update and for an oversized
// command, 17420 on upsert) and maxMessageSizeBytes. A refused write changes nothing, and a nesting
// bomb, through the driver or as raw bytes, never stops the server answering everything else.
import { calculateObjectSize } from 'bson';
import type { Document } from 'bson';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMongo } from './fixture.ts';
import { documentElement, documentOf, msgBody, nestedBytes, opMsg, RawClient, stringElement } from './raw.ts';

const mongo = useMongo();

const MiB = 2 ** 20;

/** Documents with chosen `_id`s of any shape. */
type Stored = { _id: string | number; [field: string]: unknown };

/** A value nested `levels` deep, counted as MongoDB counts: `{v: 1}` is 1. Built without recursion. */
function nested(levels: number, leaf: unknown = 1): Document {
  let value: Document = { v: leaf };
  for (let level = 1; level < levels; level++) value = { v: value };
  return value;
}

/** A top-level document that is exactly `levels` deep, the document itself being level 1. */
const deepDoc = (_id: string, levels: number): Stored => ({ _id, ...nested(levels) });

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the server accepted it'),
    (error: unknown) => error,
  );
}

async function contents(collection: Collection<Stored>): Promise<Stored[]> {
  return collection.find({}, { sort: { _id: 1 } }).toArray();
}

describe('nesting depth', () => {
  it('stores a document 100 levels deep and refuses one 101 deep with Overflow (15), storing nothing', async () => {
    const collection = mongo.freshDb().collection<Stored>('depth');
    await collection.insertOne(deepDoc('at-limit', 100));
    const error = await failure(collection.insertOne(deepDoc('over', 101)));
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 15, message: 'cannot insert document because it exceeds 100 levels of nesting' });
    expect(await contents(collection)).toEqual([deepDoc('at-limit', 100)]);
  });

  it('counts arrays as levels, but not empty documents or arrays', async () => {
    const collection = mongo.freshDb().collection<Stored>('depth');
    await collection.insertOne({ _id: 'empties', ...nested(99, { empty: {}, none: [] }) }); // 100 with the leaf's holder
    const arrays = { _id: 'arrays', a: [[[1]]] }; // 4 levels
    await collection.insertOne(arrays);
    const error = await failure(collection.insertOne({ _id: 'array-over', ...nested(99, [[1]]) })); // 101
    expect(error).toMatchObject({ code: 15 });
    expect((await contents(collection)).map((doc) => doc['_id'])).toEqual(['arrays', 'empties']);
  });

  it('stops an ordered insertMany at the deep document; an unordered one stores the rest', async () => {
    const ordered = mongo.freshDb().collection<Stored>('ordered');
    const batch = [{ _id: 1 }, deepDoc('deep', 101), { _id: 3 }];
    const error = await failure(ordered.insertMany(batch));
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error).toMatchObject({ insertedCount: 1, writeErrors: [expect.objectContaining({ index: 1, code: 15 })] });
    expect(await contents(ordered)).toEqual([{ _id: 1 }]);

    const unordered = mongo.freshDb().collection<Stored>('unordered');
    await failure(unordered.insertMany(batch, { ordered: false }));
    expect(await contents(unordered)).toEqual([{ _id: 1 }, { _id: 3 }]);
  });

  it('refuses an update, replacement, findAndModify or upsert whose result is too deep, and keeps the document', async () => {
    const collection = mongo.freshDb().collection<Stored>('updates');
    const original = { _id: 'doc', a: nested(98) }; // 99 levels
    await collection.insertOne(original);
    const message = 'Document exceeds maximum nesting depth of 100';

    await collection.updateOne({ _id: 'doc' }, { $set: { b: nested(99) } }); // 100: accepted
    await collection.updateOne({ _id: 'doc' }, { $unset: { b: '' } });
    expect(await failure(collection.updateOne({ _id: 'doc' }, { $set: { b: nested(100) } }))).toMatchObject({ code: 15, message });
    expect(await failure(collection.updateOne({ _id: 'doc' }, { $set: { 'a.v.v': nested(98) } }))).toMatchObject({ code: 15, message });
    expect(await failure(collection.replaceOne({ _id: 'doc' }, nested(101)))).toMatchObject({ code: 15, message });
    expect(await failure(collection.findOneAndUpdate({ _id: 'doc' }, { $push: { list: nested(99) } } as never))).toMatchObject({
      code: 15,
      codeName: 'Overflow',
    });
    expect(await failure(collection.updateOne({ _id: 'new' }, { $set: { b: nested(100) } }, { upsert: true }))).toMatchObject({
      code: 15,
    });
    expect(await contents(collection)).toEqual([original]);
  });

  it('refuses a field path of more than 200 parts (FieldPath is too long, 15)', async () => {
    const collection = mongo.freshDb().collection<Stored>('paths');
    await collection.insertOne({ _id: 1 });
    const path = Array.from({ length: 201 }, () => 'p').join('.');
    expect(await failure(collection.updateOne({ _id: 1 }, { $set: { [path]: 1 } }))).toMatchObject({
      code: 15,
      message: 'FieldPath is too long',
    });
    expect(await failure(collection.find({ [path]: 1 }).toArray())).toMatchObject({ code: 15 });
    expect(await collection.find({ [path.slice(2)]: 1 }).toArray()).toEqual([]);
    expect(await contents(collection)).toEqual([{ _id: 1 }]);
  });

  it('answers a query filter up to 200 levels, and refuses a deeper command with Overflow (15)', async () => {
    const collection = mongo.freshDb().collection<Stored>('filters');
    await collection.insertOne({ _id: 1, v: 1 });
    // The command is level 1, its filter 2, `$and` 3: nested(197) reaches level 200.
    expect(await collection.find({ $and: [nested(197)] }).toArray()).toEqual([]);
    const error = await failure(collection.find({ $and: [nested(198)] }).toArray());
    expect(error).toMatchObject({ code: 15, codeName: 'Overflow', message: 'BSONObj exceeded maximum nested object depth: 200' });
  });
});

describe('a 10,000-level nesting bomb', () => {
  const bomb = () => ({ _id: 'bomb', data: nested(10_000) });

  it('sent through the driver is refused with Overflow and every other query still works', async () => {
    const db = mongo.freshDb();
    const threads = db.collection<Stored>('threads');
    await threads.insertOne({ _id: 'before', owner: 'dev' });

    expect(await failure(threads.insertOne(bomb()))).toMatchObject({ code: 15, codeName: 'Overflow' });
    expect(await failure(threads.updateOne({ _id: 'before' }, { $set: { data: nested(10_000) } }))).toMatchObject({ code: 15 });
    expect(await failure(threads.find({ data: nested(10_000) }).toArray())).toMatchObject({ code: 15 });

    await threads.insertOne({ _id: 'after', owner: 'dev' });
    expect(await contents(threads)).toEqual([
      { _id: 'after', owner: 'dev' },
      { _id: 'before', owner: 'dev' },
    ]);
    expect(await threads.findOne({ _id: 'before', owner: 'dev' })).toEqual({ _id: 'before', owner: 'dev' });
    expect(await threads.countDocuments({ owner: 'dev' })).toBe(2);
    expect(await threads.aggregate([{ $match: { owner: 'dev' } }, { $count: 'n' }]).toArray()).toEqual([{ n: 2 }]);
  });

  describe('sent as raw OP_MSG bytes', () => {
    let raw: RawClient;
    beforeAll(() => {
      raw = new RawClient(mongo.server.port);
    });
    afterAll(() => raw.close());

    it('is refused with Overflow whether in a document sequence or the body, and the connection stays usable', async () => {
      const $db = 'rawbomb';
      const levels = 100_000; // ~800 KB; deeper than any recursive decoder survives
      const insert = await raw.request(opMsg(1, { insert: 'c', $db }, { sequence: ['documents', [nestedBytes(levels)]] }));
      expect(msgBody(insert)).toEqual({
        ok: 0,
        code: 15,
        codeName: 'Overflow',
        errmsg: 'BSONObj exceeded maximum nested object depth: 200',
      });

      const find = documentOf(stringElement('find', 'c'), documentElement('filter', nestedBytes(levels)), stringElement('$db', $db));
      expect(msgBody(await raw.request(opMsg(2, find)))).toMatchObject({ ok: 0, code: 15 });

      expect(msgBody(await raw.request(opMsg(3, { insert: 'c', documents: [{ _id: 1 }], $db })))).toEqual({ n: 1, ok: 1 });
      const found = msgBody(await raw.request(opMsg(4, { find: 'c', filter: {}, $db })));
      expect(found).toMatchObject({ ok: 1, cursor: { firstBatch: [{ _id: 1 }] } });
    });
  });
});

describe('document size', () => {
  /** `{_id, s: 'xxx…'}` of exactly `bytes` bytes of BSON. */
  function sized(_id: string, bytes: number): Stored {
    const doc = { _id, s: '' };
    return { _id, s: 'x'.repeat(bytes - calculateObjectSize(doc)) };
  }

  it('stores a 16 MiB document and refuses one byte more (BadValue 2, as mongod answers an insert)', async () => {
    const collection = mongo.freshDb().collection<Stored>('size');
    await collection.insertOne(sized('max', 16 * MiB));
    const error = await failure(collection.insertOne(sized('over', 16 * MiB + 1)));
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 2,
      message: `object to insert too large. size in bytes: ${String(16 * MiB + 1)}, max size: ${String(16 * MiB)}`,
    });
    expect(await collection.countDocuments()).toBe(1);
    expect(await collection.countDocuments({ _id: 'max' })).toBe(1);
  });

  it('refuses a command document over 16 MiB + 16 KiB with BSONObjectTooLarge (10334)', async () => {
    const collection = mongo.freshDb().collection<Stored>('size');
    const error = await failure(collection.insertOne(sized('huge', 16 * MiB + 64 * 1024)));
    expect(error).toMatchObject({ code: 10334, codeName: 'BSONObjectTooLarge' });
    expect((error as Error).message).toMatch(
      /^BSONObj size: \d+ \(0x[0-9A-F]+\) is invalid\. Size must be between 0 and 16793600\(16MB\)$/,
    );
    expect(await collection.countDocuments()).toBe(0);
  });

  it('refuses an update that grows a document past 16 MiB (10334) and an oversized upsert (17420)', async () => {
    const collection = mongo.freshDb().collection<Stored>('grow');
    await collection.insertOne({ _id: 'doc', a: 'a'.repeat(9 * MiB) });
    const grow = { $set: { b: 'b'.repeat(8 * MiB) } };
    expect(await failure(collection.updateOne({ _id: 'doc' }, grow))).toMatchObject({
      code: 10334,
      message: `Resulting document after update is larger than ${String(16 * MiB)}`,
    });
    expect(await failure(collection.findOneAndUpdate({ _id: 'doc' }, grow))).toMatchObject({ code: 10334, codeName: 'BSONObjectTooLarge' });
    // A pipeline can double a value, so the upserted document outgrows a command that fits.
    const upsert = [{ $set: { a: 'a'.repeat(9 * MiB) } }, { $set: { b: '$a' } }];
    expect(await failure(collection.updateOne({ _id: 'new' }, upsert, { upsert: true }))).toMatchObject({
      code: 17420,
      message: `Document to upsert is larger than ${String(16 * MiB)}`,
    });
    expect(await collection.find({}, { projection: { _id: 1 } }).toArray()).toEqual([{ _id: 'doc' }]);
    expect(await collection.countDocuments({ b: { $exists: true } })).toBe(0);
  });
});

describe('message size', () => {
  it('advertises maxMessageSizeBytes 48,000,000 and closes a connection that announces a longer message', async () => {
    const hello = await mongo.client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({ maxBsonObjectSize: 16 * MiB, maxMessageSizeBytes: 48_000_000 });

    const raw = new RawClient(mongo.server.port);
    const header = Buffer.alloc(16);
    header.writeInt32LE(48_000_001, 0);
    header.writeInt32LE(2013, 12);
    raw.send(header);
    await raw.closed; // without the rest of the message ever being sent
    expect(await mongo.client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
  });
});
