// Ids: `<prefix>_<16 hex>` from crypto randomness, one prefix per kind (docs/protocol.md §2.11).
import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, newId } from '../src/index.ts';

describe('newId', () => {
  it.each(ID_PREFIXES)('%s ids are the prefix, an underscore and 16 lowercase hex digits', (prefix) => {
    expect(newId(prefix)).toMatch(new RegExp(`^${prefix}_[0-9a-f]{16}$`));
  });

  it('does not repeat over 100k draws', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => newId('msg')));
    expect(ids.size).toBe(100_000);
  });
});
