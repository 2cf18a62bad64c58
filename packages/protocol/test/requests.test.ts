// The request parser as a specification: what each request becomes after parsing (defaults applied,
// unknown keys dropped), which requests stream, and the exact BadRequest message for each bad body.
import { BadRequest } from '@switchyard/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CHATKIT_REQUEST_TYPES,
  DEFAULT_PAGE_SIZE,
  isStreamingRequest,
  MAX_PAGE_SIZE,
  parseChatKitRequest,
  parseJsonBody,
  STREAMING_REQUEST_TYPES,
  type ChatKitRequest,
  type ChatKitRequestOf,
  type UserMessageContent,
} from '../src/index.ts';
import { validateChatKitRequest } from '../src/schema-validation.ts';

function badRequestMessage(body: unknown): string {
  try {
    parseChatKitRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequest);
    expect((err as BadRequest).status).toBe(400);
    return (err as Error).message;
  }
  throw new Error('expected a BadRequest');
}

describe('parseJsonBody', () => {
  it('decodes JSON text', () => {
    expect(parseJsonBody('{"type": "threads.list", "params": {}}')).toEqual({ type: 'threads.list', params: {} });
  });

  it('rejects text that is not JSON with a BadRequest naming the syntax error', () => {
    expect(() => parseJsonBody('{"type": ')).toThrow(BadRequest);
    expect(() => parseJsonBody('{"type": ')).toThrow(/^request body is not valid JSON: /);
    expect(() => parseJsonBody('')).toThrow(/^request body is not valid JSON: Unexpected end of JSON input$/);
  });
});

describe('parseChatKitRequest: accepted requests', () => {
  it('knows all sixteen request types', () => {
    expect(CHATKIT_REQUEST_TYPES).toHaveLength(16);
  });

  it('threads.create keeps the input and defaults metadata to {}', () => {
    const req = parseChatKitRequest({
      type: 'threads.create',
      params: {
        input: {
          content: [{ type: 'input_text', text: 'Hello' }],
          attachments: [],
          quoted_text: 'quoted bit',
          inference_options: { model: 'gpt-x', tool_choice: { id: 'web' } },
        },
      },
    });
    expect(req).toEqual({
      type: 'threads.create',
      params: {
        input: {
          content: [{ type: 'input_text', text: 'Hello' }],
          attachments: [],
          quoted_text: 'quoted bit',
          inference_options: { model: 'gpt-x', tool_choice: { id: 'web' } },
        },
      },
      metadata: {},
    });
  });

  it('drops unknown keys at every level and keeps request metadata', () => {
    const req = parseChatKitRequest({
      type: 'threads.get_by_id',
      params: { thread_id: 'thr_1', extra: true },
      metadata: { x: 1 },
      unknown: 'ignored',
    });
    expect(req).toEqual({ type: 'threads.get_by_id', params: { thread_id: 'thr_1' }, metadata: { x: 1 } });
  });

  it('threads.list: order defaults to desc, limit null/0/absent becomes DEFAULT_PAGE_SIZE, a large limit is clamped', () => {
    const list = (params: object) => parseChatKitRequest({ type: 'threads.list', params }) as ChatKitRequestOf<'threads.list'>;
    expect(list({}).params).toEqual({ limit: DEFAULT_PAGE_SIZE, order: 'desc' });
    expect(list({ limit: null, after: null }).params).toMatchObject({ limit: 20, order: 'desc', after: undefined });
    expect(list({ limit: 0 }).params.limit).toBe(20);
    expect(list({ limit: 5, order: 'asc', after: 'thr_9' }).params).toEqual({ limit: 5, order: 'asc', after: 'thr_9' });
    expect(list({ limit: 10_000 }).params.limit).toBe(MAX_PAGE_SIZE);
  });

  it('items.list has the same paging defaults', () => {
    const req = parseChatKitRequest({ type: 'items.list', params: { thread_id: 'thr_1' } });
    expect(req.params).toEqual({ thread_id: 'thr_1', limit: 20, order: 'desc' });
  });

  it('input_tag content gets data {} and interactive false when the client omits them', () => {
    const req = parseChatKitRequest({
      type: 'threads.add_user_message',
      params: {
        thread_id: 'thr_1',
        input: { content: [{ type: 'input_tag', id: 't', text: 'Tag' }], attachments: ['atc_1'], inference_options: {} },
      },
    }) as ChatKitRequestOf<'threads.add_user_message'>;
    expect(req.params.input.content).toEqual([{ type: 'input_tag', id: 't', text: 'Tag', data: {}, interactive: false }]);
    expect(req.params.input.attachments).toEqual(['atc_1']);
  });

  it('threads.add_client_tool_output requires the result key but accepts null', () => {
    const req = parseChatKitRequest({ type: 'threads.add_client_tool_output', params: { thread_id: 'thr_1', result: null } });
    expect(req.params).toEqual({ thread_id: 'thr_1', result: null });
  });

  it('threads.add_structured_input defaults status to answered and answers to {}, each answer to values [] / skipped false', () => {
    const bare = parseChatKitRequest({ type: 'threads.add_structured_input', params: { thread_id: 't', item_id: 'si', input: {} } });
    expect(bare.params).toEqual({ thread_id: 't', item_id: 'si', input: { status: 'answered', answers: {} } });
    const answered = parseChatKitRequest({
      type: 'threads.add_structured_input',
      params: { thread_id: 't', item_id: 'si', input: { answers: { color: { values: ['red'] }, notes: {} } } },
    }) as ChatKitRequestOf<'threads.add_structured_input'>;
    expect(answered.params.input.answers).toEqual({
      color: { values: ['red'], skipped: false },
      notes: { values: [], skipped: false },
    });
  });

  it('threads.custom_action: item_id is optional (null means absent), the action payload is kept verbatim', () => {
    const withoutItem = parseChatKitRequest({ type: 'threads.custom_action', params: { thread_id: 't', action: { type: 'client.sent' } } });
    expect(withoutItem.params).toEqual({ thread_id: 't', action: { type: 'client.sent' } });
    const sync = parseChatKitRequest({
      type: 'threads.sync_custom_action',
      params: { thread_id: 't', item_id: null, action: { type: 'toggle', payload: { a: null, b: [1] } } },
    }) as ChatKitRequestOf<'threads.sync_custom_action'>;
    expect(sync.params.item_id).toBeUndefined();
    expect(sync.params.action).toEqual({ type: 'toggle', payload: { a: null, b: [1] } });
  });

  it.each([
    { type: 'threads.retry_after_item', params: { thread_id: 't', item_id: 'msg_1' } },
    { type: 'threads.update', params: { thread_id: 't', title: 'Renamed' } },
    { type: 'threads.delete', params: { thread_id: 't' } },
    { type: 'items.feedback', params: { thread_id: 't', item_ids: ['msg_3'], kind: 'negative' } },
    { type: 'attachments.create', params: { name: 'cat.png', size: 1234, mime_type: 'image/png' } },
    { type: 'attachments.delete', params: { attachment_id: 'atc_1' } },
    { type: 'input.transcribe', params: { audio_base64: 'AAFhYmM=', mime_type: 'audio/webm;codecs=opus' } },
  ])('$type parses to its params plus metadata {}', (body) => {
    const req = parseChatKitRequest(body);
    expect(req).toEqual({ ...body, metadata: {} });
    validateChatKitRequest(req);
  });
});

describe('streaming classification (docs/protocol.md §1.2)', () => {
  it('six request types stream, the other ten answer JSON', () => {
    expect([...STREAMING_REQUEST_TYPES].sort()).toEqual([
      'threads.add_client_tool_output',
      'threads.add_structured_input',
      'threads.add_user_message',
      'threads.create',
      'threads.custom_action',
      'threads.retry_after_item',
    ]);
  });

  it('isStreamingRequest follows the type alone', () => {
    const action = { type: 'x' };
    expect(isStreamingRequest(parseChatKitRequest({ type: 'threads.custom_action', params: { thread_id: 't', action } }))).toBe(true);
    expect(isStreamingRequest(parseChatKitRequest({ type: 'threads.sync_custom_action', params: { thread_id: 't', action } }))).toBe(false);
    expect(isStreamingRequest(parseChatKitRequest({ type: 'threads.list', params: {} }))).toBe(false);
  });

  it('parsed content parts are the item content types (a parsed input can be stored as is)', () => {
    expectTypeOf<ChatKitRequestOf<'threads.create'>['params']['input']['content'][number]>().toEqualTypeOf<UserMessageContent>();
    expectTypeOf<ChatKitRequest['type']>().toEqualTypeOf<(typeof CHATKIT_REQUEST_TYPES)[number]>();
  });
});

describe('parseChatKitRequest: bad requests get a BadRequest that names the problem', () => {
  it.each([
    ['a body that is not an object', [1, 2], 'request body must be a JSON object, got array'],
    ['null', null, 'request body must be a JSON object, got null'],
    ['no type', { params: {} }, 'type is required'],
    ['a type that is not a string', { type: 7, params: {} }, 'type: expected string, got 7'],
    ['an unknown type', { type: 'threads.foo', params: {} }, 'unknown request type "threads.foo"'],
    ['no params (even when every param has a default)', { type: 'threads.list' }, 'params is required'],
    ['params that are not an object', { type: 'threads.list', params: null }, 'params: expected object, got null'],
    ['a missing thread_id', { type: 'threads.get_by_id', params: {} }, 'params.thread_id: required'],
    ['a thread_id of the wrong type', { type: 'threads.delete', params: { thread_id: 12 } }, 'params.thread_id: expected string, got 12'],
    [
      'a wrong literal for order',
      { type: 'items.list', params: { thread_id: 't', order: 'up' } },
      'params.order: expected one of "asc", "desc", got "up"',
    ],
    ['a negative limit', { type: 'threads.list', params: { limit: -1 } }, 'params.limit: must be >= 0, got -1'],
    ['a fractional limit', { type: 'threads.list', params: { limit: 2.5 } }, 'params.limit: expected integer, got 2.5'],
    ['a missing tool result', { type: 'threads.add_client_tool_output', params: { thread_id: 't' } }, 'params.result: required'],
    [
      'an unknown feedback kind',
      { type: 'items.feedback', params: { thread_id: 't', item_ids: [], kind: 'meh' } },
      'params.kind: expected one of "positive", "negative", got "meh"',
    ],
    ['a null title', { type: 'threads.update', params: { thread_id: 't', title: null } }, 'params.title: expected string, got null'],
    [
      'an input without attachments and inference_options (docs/conformance.md A4)',
      { type: 'threads.create', params: { input: { content: [] } } },
      'params.input.attachments: required; params.input.inference_options: required',
    ],
    [
      'an unknown content part type',
      { type: 'threads.create', params: { input: { content: [{ type: 'input_image' }], attachments: [], inference_options: {} } } },
      'params.input.content[0].type: expected one of "input_text", "input_tag", got "input_image"',
    ],
    [
      'a content part without text',
      { type: 'threads.create', params: { input: { content: [{ type: 'input_text' }], attachments: [], inference_options: {} } } },
      'params.input.content[0].text: required',
    ],
    ['a null request metadata', { type: 'threads.list', params: {}, metadata: null }, 'metadata: expected object, got null'],
    [
      'a negative attachment size',
      { type: 'attachments.create', params: { name: 'a', size: -5, mime_type: 'text/plain' } },
      'params.size: must be >= 0, got -5',
    ],
    ['an action without type', { type: 'threads.custom_action', params: { thread_id: 't', action: {} } }, 'params.action.type: required'],
    [
      'a structured input status outside answered/skipped',
      { type: 'threads.add_structured_input', params: { thread_id: 't', item_id: 'i', input: { status: 'pending' } } },
      'params.input.status: expected one of "answered", "skipped", got "pending"',
    ],
  ])('%s', (_name, body, message) => {
    expect(badRequestMessage(body)).toBe(message);
  });

  it('reports at most five problems', () => {
    const message = badRequestMessage({ type: 'items.feedback', params: { item_ids: [1, 2, 3, 4, 5, 6] } });
    expect(message.split('; ')).toHaveLength(6);
    expect(message).toMatch(/; and \d+ more$/);
  });
});
