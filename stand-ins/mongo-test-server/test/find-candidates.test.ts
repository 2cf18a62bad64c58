// findDocs narrows a filter's top-level string equalities before mingo sees the documents: the
// answer must be exactly what testing every document with the full filter gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDocs, matches } from '../src/query.ts';
import type { Doc } from '../src/values.ts';

const text = fc.constantFrom('a', 'b', 'c');
const value = fc.oneof(text, fc.integer({ min: 0, max: 2 }), fc.array(text, { maxLength: 3 }), fc.constant(null));
const doc = fc.record({ _id: fc.uuid(), thread: value, kind: value, n: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: ['_id'] });
const condition = fc.oneof(
  text,
  text.map((t) => ({ $eq: t })),
  fc.integer({ min: 0, max: 2 }),
  fc.array(text, { maxLength: 2 }).map((v) => ({ $in: v })),
  fc.constant({ $exists: true }),
);
const filter = fc.dictionary(fc.constantFrom('thread', 'kind', 'n'), condition, { maxKeys: 3 });

describe('findDocs', () => {
  it('returns what a full scan with the filter returns, in stored order', () => {
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 30 }), filter, (docs, f) => {
        const expected = (docs as Doc[]).filter((d) => matches(d, f));
        expect(findDocs(docs as Doc[], { filter: f })).toEqual(expected);
      }),
    );
  });
});
