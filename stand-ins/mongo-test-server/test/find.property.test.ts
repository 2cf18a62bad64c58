import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useMongo } from './fixture.ts';

const mongo = useMongo();

interface Row {
  _id: number;
  a?: number;
  b: string;
}

type Direction = 1 | -1;

/** MongoDB's order for these fields: a missing field sorts before any number. */
function compareField(x: number | string | undefined, y: number | string | undefined): number {
  if (x === y) return 0;
  if (x === undefined) return -1;
  if (y === undefined) return 1;
  return x < y ? -1 : 1;
}

const row = fc.record({ a: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }), b: fc.constantFrom('', 'x', 'y', 'Z') });

describe('find against an in-JS reference', () => {
  it('filters, sorts on two keys, skips and limits like the reference', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 25 }),
        fc.integer({ min: -4, max: 4 }),
        fc.constantFrom<Direction>(1, -1),
        fc.constantFrom<Direction>(1, -1),
        fc.nat(4),
        fc.nat(8),
        async (rows, threshold, dirA, dirB, skip, limit) => {
          const docs: Row[] = rows.map(({ a, b }, i) => (a === undefined ? { _id: i, b } : { _id: i, a, b }));
          const collection = mongo.freshDb().collection<Row>(`rows${String(++run)}`);
          if (docs.length > 0) await collection.insertMany(docs);

          const filter = { $or: [{ a: { $gte: threshold } }, { b: 'Z' }] };
          const found = await collection.find(filter).sort({ a: dirA, b: dirB, _id: 1 }).skip(skip).limit(limit).toArray();

          const expected = docs
            .filter((doc) => (doc.a !== undefined && doc.a >= threshold) || doc.b === 'Z')
            .sort((x, y) => dirA * compareField(x.a, y.a) || dirB * compareField(x.b, y.b) || x._id - y._id)
            .slice(skip, limit === 0 ? undefined : skip + limit);
          expect(found).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
