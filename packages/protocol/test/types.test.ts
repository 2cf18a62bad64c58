// Compile-time guarantees (checked by tsc): the runtime lists of wire type names are exactly the unions.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  THREAD_ITEM_TYPES,
  THREAD_ITEM_UPDATE_TYPES,
  THREAD_STREAM_EVENT_TYPES,
  ThreadItemType,
  ThreadItemUpdateType,
  ThreadStreamEventType,
} from '../src/index.ts';

describe('wire type name lists', () => {
  it('list every item, update and event type, and nothing else', () => {
    expectTypeOf<(typeof THREAD_ITEM_TYPES)[number]>().toEqualTypeOf<ThreadItemType>();
    expectTypeOf<(typeof THREAD_ITEM_UPDATE_TYPES)[number]>().toEqualTypeOf<ThreadItemUpdateType>();
    expectTypeOf<(typeof THREAD_STREAM_EVENT_TYPES)[number]>().toEqualTypeOf<ThreadStreamEventType>();
  });
});
