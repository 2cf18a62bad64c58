import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useMongo } from './fixture.ts';

const mongo = useMongo();

describe('BSON types', () => {
  it('round-trips Date, Long, Binary, Decimal128, ObjectId and nested values exactly', async () => {
    const collection = mongo.freshDb().collection('typed');
    const doc = {
      _id: new ObjectId('65a1b2c3d4e5f60718293a4b'),
      at: new Date('2024-05-06T07:08:09.123Z'),
      small: Long.fromNumber(42),
      big: Long.fromString('9223372036854775807'),
      bytes: new Binary(Buffer.from([0, 1, 2, 255]), 0),
      uuid: new Binary(Buffer.from('00112233445566778899aabbccddeeff', 'hex'), 4),
      price: Decimal128.fromString('19.990'),
      nested: { list: [1, 'two', { three: Long.fromNumber(3) }], nothing: null },
    };
    await collection.insertOne(doc);
    const stored = await collection.findOne({}, { promoteLongs: false, promoteValues: false });
    expect(stored).toEqual({ ...doc, nested: { list: [new Int32(1), 'two', { three: Long.fromNumber(3) }], nothing: null } });
    expect(stored?.['price']?.toString()).toBe('19.990');
    expect(stored?.['big']).toBeInstanceOf(Long);
  });

  it('keeps doubles that are not whole numbers', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; x: Double }>('typed');
    await collection.insertOne({ _id: 1, x: new Double(2.5) });
    expect(await collection.findOne({}, { promoteValues: false })).toEqual({ _id: new Int32(1), x: new Double(2.5) });
  });

  it('compares int64 values numerically in queries and sorts', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; seq: Long | number }>('seqs');
    await collection.insertMany([9, 10, 100, 2].map((n) => ({ _id: n, seq: Long.fromNumber(n) })));
    expect((await collection.find({ seq: { $gt: 5 } }).toArray()).map(({ _id }) => _id)).toEqual([9, 10, 100]);
    expect((await collection.find({ seq: Long.fromNumber(10) }).toArray()).map(({ _id }) => _id)).toEqual([10]);
    expect((await collection.find().sort({ seq: -1 }).toArray()).map(({ _id }) => _id)).toEqual([100, 10, 9, 2]);
  });

  it('increments an int64 field and keeps it int64', async () => {
    const collection = mongo.freshDb().collection<{ _id: number; n: Long }>('counters');
    await collection.insertOne({ _id: 1, n: Long.fromString('9007199254740993') });
    await collection.updateOne({ _id: 1 }, { $inc: { n: 2 } });
    const stored = await collection.findOne({ _id: 1 }, { promoteLongs: false });
    expect(stored?.n).toEqual(Long.fromString('9007199254740995'));
  });

  it('matches and updates by ObjectId and Binary values', async () => {
    const collection = mongo.freshDb().collection<{ _id: ObjectId; key: Binary; hits?: number }>('keys');
    const id = new ObjectId();
    await collection.insertOne({ _id: id, key: new Binary(Buffer.from('k1')) });
    await collection.updateOne({ _id: new ObjectId(id.toHexString()) }, { $inc: { hits: 1 } });
    expect(await collection.findOne({ key: new Binary(Buffer.from('k1')) })).toEqual({
      _id: id,
      key: new Binary(Buffer.from('k1')),
      hits: 1,
    });
    expect(await collection.countDocuments({ _id: { $in: [new ObjectId(), id] } })).toBe(1);
  });
});
