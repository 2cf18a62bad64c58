// Switchyard against the reference's recorded bytes: every request it accepted parses, every event and
// JSON body it sent validates against its schemas and comes out of our serializer byte for byte.
import { BadRequest } from '@switchyard/errors';
import { describe, expect, it } from 'vitest';
import {
  attachmentToWire,
  eventToWire,
  itemToWire,
  itemsPageToWire,
  parseChatKitRequest,
  parseJsonBody,
  threadsPageToWire,
  threadToWire,
  toWire,
  type Attachment,
  type Page,
  type Thread,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
} from '../src/index.ts';
import {
  validateAttachment,
  validateChatKitRequest,
  validatePageOfThreadItems,
  validatePageOfThreads,
  validateStreamEvent,
  validateSyncCustomActionResponse,
  validateThread,
  validateThreadItem,
  validateTranscriptionResult,
} from '../src/schema-validation.ts';
import { readGoldenFiles, type GoldenRequest } from './golden-fixtures.ts';

const files = readGoldenFiles();
const requests = files.flatMap((f) => f.requests);
const requestType = (r: GoldenRequest): string => (JSON.parse(r.body) as { type: string }).type;
const rejectedByReference = (r: GoldenRequest): boolean => r.answer.kind === 'raised' && r.answer.error.startsWith('ValidationError');

/**
 * Python writes an integral float as `0.0`, JSON.stringify as `0`: the same JSON number. The recorded
 * `generated_image.updated` progress values are the only place this shows; everything else is compared
 * byte for byte with no normalization.
 */
function withJsFloats(json: string): string {
  return json.replace(/"progress":(\d+)\.0(?=[,}])/g, '"progress":$1');
}

describe('golden recordings', () => {
  it('cover every file, request and frame', () => {
    expect(files).toHaveLength(21);
    expect(requests.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => f.frames).length).toBeGreaterThan(150);
  });

  describe('every SSE frame the reference sent', () => {
    const frames = files.flatMap((f) => f.frames.map((frame, i) => ({ name: `${f.file} frame ${i + 1}`, frame })));

    it.each(frames)('$name validates and re-serializes to the same bytes', ({ frame }) => {
      const event = JSON.parse(frame) as ThreadStreamEvent;
      validateStreamEvent(event);
      const wire = JSON.stringify(eventToWire(event));
      expect(wire).toBe(withJsFloats(frame));
      expect(JSON.stringify(toWire(event))).toBe(wire);
      validateStreamEvent(JSON.parse(wire));
    });

    it('differ from ours only in Python float formatting, and only in generated_image progress', () => {
      const differing = frames.filter(({ frame }) => JSON.stringify(eventToWire(JSON.parse(frame) as ThreadStreamEvent)) !== frame);
      expect(differing.map((f) => f.name)).toEqual([
        '23_agent_image_generation_default_converter.txt frame 5',
        '23_agent_image_generation_default_converter.txt frame 6',
        '23_agent_image_generation_default_converter.txt frame 7',
        '24_agent_image_generation_partial_images_3_url_converter.txt frame 5',
      ]);
    });
  });

  describe('every request the reference accepted', () => {
    const accepted = requests.filter((r) => !rejectedByReference(r)).map((r) => ({ ...r, type: requestType(r) }));

    it.each(accepted)('$file $type $label parses, and the parsed request is valid for the reference', (r) => {
      const parsed = parseChatKitRequest(parseJsonBody(r.body));
      expect(parsed.type).toBe(r.type);
      expect(parsed.metadata).toEqual({});
      validateChatKitRequest(JSON.parse(JSON.stringify(parsed)));
    });
  });

  describe('every request the reference rejected', () => {
    const expected: Record<string, string> = {
      '{"type": "threads.bogus", "params": {}}': 'unknown request type "threads.bogus"',
      '{"type": "threads.create", "params": {"input": {"content": []}}}':
        'params.input.attachments: required; params.input.inference_options: required',
    };

    it('is exactly the two recorded validation failures', () => {
      expect(requests.filter(rejectedByReference).map((r) => r.body)).toEqual(Object.keys(expected));
    });

    it.each(Object.entries(expected))('%s is a BadRequest: %s', (body, message) => {
      const parse = () => parseChatKitRequest(parseJsonBody(body));
      expect(parse).toThrow(BadRequest);
      expect(parse).toThrow(message);
      try {
        parse();
      } catch (err) {
        expect((err as Error).message).toBe(message);
      }
    });
  });

  describe('every JSON answer', () => {
    const answers = requests.flatMap((r) => (r.answer.kind === 'json' ? [{ ...r, type: requestType(r), json: r.answer.body }] : []));

    const byType: Record<string, { validate: (body: unknown) => void; serialize: (body: never) => unknown }> = {
      'threads.get_by_id': { validate: validateThread, serialize: (t: Thread) => threadToWire(t, t.items) },
      'threads.update': { validate: validateThread, serialize: (t: Thread) => threadToWire(t, t.items) },
      'threads.list': { validate: validatePageOfThreads, serialize: (p: Page<ThreadMetadata>) => threadsPageToWire(p) },
      'items.list': { validate: validatePageOfThreadItems, serialize: (p: Page<ThreadItem>) => itemsPageToWire(p) },
      'attachments.create': { validate: validateAttachment, serialize: (a: Attachment) => attachmentToWire(a) },
      'input.transcribe': { validate: validateTranscriptionResult, serialize: (b: object) => toWire(b) },
      'threads.sync_custom_action': { validate: validateSyncCustomActionResponse, serialize: (b: object) => toWire(b) },
      'threads.delete': { validate: (b) => expect(b).toEqual({}), serialize: (b: object) => toWire(b) },
      'items.feedback': { validate: (b) => expect(b).toEqual({}), serialize: (b: object) => toWire(b) },
      'attachments.delete': { validate: (b) => expect(b).toEqual({}), serialize: (b: object) => toWire(b) },
    };

    it('cover every JSON request type', () => {
      expect(new Set(answers.map((a) => a.type))).toEqual(new Set(Object.keys(byType)));
    });

    it.each(answers)('$file $type $label validates and re-serializes to the same bytes', (a) => {
      const spec = byType[a.type];
      if (!spec) throw new Error(`no expectation for ${a.type}`);
      const body = JSON.parse(a.json) as never;
      spec.validate(body);
      expect(JSON.stringify(spec.serialize(body))).toBe(a.json);
      expect(JSON.stringify(toWire(body))).toBe(a.json);
    });
  });

  describe('store dumps (server-side records)', () => {
    const storeItems = files.flatMap((f) => f.storeItems.map((json) => ({ file: f.file, json })));

    it.each(storeItems)('$file: a stored item validates and serializes to the same bytes', ({ json }) => {
      const item = JSON.parse(json) as ThreadItem;
      validateThreadItem(item);
      expect(JSON.stringify(itemToWire(item))).toBe(json);
    });

    const storeThreads = files.flatMap((f) =>
      f.storeThreads.map((json) => ({
        file: f.file,
        json,
        streamed: f.frames
          .map((frame) => JSON.parse(frame) as ThreadStreamEvent)
          .flatMap((e) => (e.type === 'thread.created' || e.type === 'thread.updated' ? [JSON.stringify(e.thread)] : [])),
      })),
    );

    it.each(storeThreads)('$file: a stored thread serializes exactly as the reference streamed it (metadata {} and empty items)', (t) => {
      const wire = threadToWire(JSON.parse(t.json) as ThreadMetadata);
      validateThread(wire);
      expect(wire.metadata).toEqual({});
      expect(t.streamed).toContain(JSON.stringify(wire));
    });

    it('a stored attachment serializes exactly as embedded in the streamed user message (metadata stripped)', () => {
      const golden = files.find((f) => f.storeAttachments.length > 0);
      const stored = JSON.parse(golden?.storeAttachments[0] ?? 'null') as Attachment;
      expect(stored.metadata).toEqual({ secret: 'server-only' });
      const embedded = golden?.frames
        .map((frame) => JSON.parse(frame) as ThreadStreamEvent)
        .flatMap((e) => (e.type === 'thread.item.done' && e.item.type === 'user_message' ? e.item.attachments : []))
        .find((a) => a.id === stored.id);
      expect(JSON.stringify(attachmentToWire(stored))).toBe(JSON.stringify(embedded));
      validateAttachment(attachmentToWire(stored));
    });
  });
});
