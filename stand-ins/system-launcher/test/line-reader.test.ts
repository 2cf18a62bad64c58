import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineReader } from '../src/service-process.ts';

describe('lineReader', () => {
  it('yields the same whole lines however the text is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'é', ' ', '{', '\n') }), { maxLength: 12 }), (chunks) => {
        const text = chunks.join('');
        const lines: string[] = [];
        const reader = lineReader((l) => lines.push(l));
        chunks.forEach(reader.data);
        reader.end();
        expect(lines).toEqual(text.split('\n'));
      }),
    );
  });

  it('keeps a line cut mid-way as one line, not two fragments', () => {
    const lines: string[] = [];
    const reader = lineReader((l) => lines.push(l));
    reader.data('{"msg":"run st');
    reader.data('arted"}\n{"msg":"next"}\n');
    expect(lines).toEqual(['{"msg":"run started"}', '{"msg":"next"}']);
  });
});
