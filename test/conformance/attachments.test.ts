// Conformance, sections J (attachments) and K (transcription and feedback) of docs/conformance.md,
// over real HTTP: `attachments.create`/`delete`, the upload routes of docs/protocol.md §3.3
// (two-phase `PUT /chatkit/uploads/:id`, direct `POST /chatkit/uploads`), attachments in messages,
// `input.transcribe` through the conformance app's `transcribe` hook (agents-runtime's `openai`-backed
// transcriber) against the project's Responses API test server, and `items.feedback`.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { transcriptText } from '@switchyard/model-test-server';
import {
  ChatKitClient,
  PNG_1X1,
  snapshotStore,
  useConformanceSystem,
  storedAttachment,
  storedItems,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

const createAttachment = (name: string, size: number, mimeType: string) =>
  ck.json({ type: 'attachments.create', params: { name, size, mime_type: mimeType } });

async function uploadTwoPhase(attachment: Json, bytes: Uint8Array, contentType: string): Promise<Json> {
  const d = attachment.upload_descriptor as { url: string; method: string; headers: Record<string, string> };
  expect(d.method).toBe('PUT');
  const res = await ck.upload(d.url, bytes, d.headers, contentType);
  expect(res.status).toBe(200);
  return res.body as Json;
}

describe('J. attachments', () => {
  it('J1: attachments.create (file) answers the attachment with a PUT upload descriptor and no metadata; the store keeps metadata', async () => {
    const a = await createAttachment('notes.txt', 1024, 'text/plain');
    expect(a).toMatchObject({ id: expect.stringMatching(/^atc_/), name: 'notes.txt', mime_type: 'text/plain', type: 'file' });
    expect(a.upload_descriptor).toEqual({
      url: expect.stringMatching(/^http:\/\/.+\/chatkit\/uploads\/atc_/),
      method: 'PUT',
      headers: expect.any(Object),
    });
    expect(Object.keys((a.upload_descriptor as Json).headers as Json).length).toBeGreaterThan(0);
    expect(a).not.toHaveProperty('metadata');
    expect(a).not.toHaveProperty('preview_url');
    const stored = await storedAttachment(sys.db, a.id as string);
    expect(stored).toMatchObject({ id: a.id, name: 'notes.txt', type: 'file' });
    expect(stored!.metadata).toEqual(expect.any(Object));
  });

  it('J2: attachments.create (image) answers type image with an absolute preview_url', async () => {
    const a = await createAttachment('cat.png', PNG_1X1.length, 'image/png');
    expect(a).toMatchObject({ name: 'cat.png', mime_type: 'image/png', type: 'image' });
    expect(URL.canParse(a.preview_url as string)).toBe(true);
    // Once the bytes arrived, the preview shows them.
    const uploaded = await uploadTwoPhase(a, PNG_1X1, 'image/png');
    expect(uploaded).not.toHaveProperty('upload_descriptor');
    const preview = await fetch(uploaded.preview_url as string);
    expect(preview.status).toBe(200);
    expect(Buffer.from(await preview.arrayBuffer())).toEqual(PNG_1X1);
  });

  it('J3: attachments.create saves the attachment in the data store, so a message can use it', async () => {
    const a = await createAttachment('data.txt', 3, 'text/plain');
    expect(await storedAttachment(sys.db, a.id as string)).toMatchObject({ id: a.id, name: 'data.txt' });
    const { events } = await ck.create('[B1] with a file', { input: { attachments: [a.id] } });
    expect(((events[1]!.item as Json).attachments as Json[]).map((x) => x.id)).toEqual([a.id]);
  });

  it('J4: attachments.delete answers {} and removes the record and the bytes', async () => {
    const a = await createAttachment('gone.png', PNG_1X1.length, 'image/png');
    const uploaded = await uploadTwoPhase(a, PNG_1X1, 'image/png');
    expect((await fetch(uploaded.preview_url as string)).status).toBe(200);
    const answer = await ck.send({ type: 'attachments.delete', params: { attachment_id: a.id } });
    expect(answer).toMatchObject({ kind: 'json', status: 200, text: '{}' });
    expect(await storedAttachment(sys.db, a.id as string)).toBeNull();
    expect((await fetch(uploaded.preview_url as string)).status).toBe(404);
    // Deleting it again: the record is gone (reference: NotFound → 500; Switchyard 404).
    const again = await ck.refused({ type: 'attachments.delete', params: { attachment_id: a.id } });
    expect(again.status).toBe(404);
  });

  it('J5: an attachment stored with metadata appears in messages without it', async () => {
    const a = await createAttachment('secret.txt', 5, 'text/plain');
    expect((await storedAttachment(sys.db, a.id as string))!.metadata).toBeDefined();
    const { events, threadId } = await ck.create('[B1] see attachment', { input: { attachments: [a.id] } });
    const streamed = ((events[1]!.item as Json).attachments as Json[])[0]!;
    expect(streamed).not.toHaveProperty('metadata');
    const listed = ((await ck.items(threadId))[0]!.attachments as Json[])[0]!;
    expect(listed).not.toHaveProperty('metadata');
    expect(listed).toMatchObject({ id: a.id, name: 'secret.txt', type: 'file', thread_id: threadId });
    const got = ((((await ck.thread(threadId)).items as Json).data as Json[])[0]!.attachments as Json[])[0]!;
    expect(got).not.toHaveProperty('metadata');
  });

  it('J6: threads.create writes the new thread id into the stored attachment and the embedded one', async () => {
    const image = await createAttachment('cat.png', PNG_1X1.length, 'image/png');
    const file = await createAttachment('notes.txt', 10, 'text/plain');
    expect(await storedAttachment(sys.db, image.id as string)).not.toHaveProperty('thread_id');
    const { events, threadId } = await ck.create('[B1] See files', { input: { attachments: [image.id, file.id] } });
    const embedded = (events[1]!.item as Json).attachments as Json[];
    expect(embedded.map((x) => [x.id, x.type, x.thread_id])).toEqual([
      [image.id, 'image', threadId],
      [file.id, 'file', threadId],
    ]);
    for (const x of embedded) expect(x).not.toHaveProperty('metadata');
    expect((await storedAttachment(sys.db, image.id as string))!.thread_id).toBe(threadId);
    expect((await storedAttachment(sys.db, file.id as string))!.thread_id).toBe(threadId);
  });

  it('J7: threads.add_user_message writes the thread id into the stored attachment', async () => {
    const { threadId } = await ck.create('[B1] first');
    const a = await createAttachment('later.txt', 4, 'text/plain');
    const events = await ck.addMessage(threadId, '[B1] with attachment', { input: { attachments: [a.id] } });
    expect(((events[0]!.item as Json).attachments as Json[])[0]).toMatchObject({ id: a.id, thread_id: threadId });
    expect((await storedAttachment(sys.db, a.id as string))!.thread_id).toBe(threadId);
  });

  it('J8: a message naming an unknown attachment is refused; no thread or user item is stored', async () => {
    const before = await snapshotStore(sys.db);
    // Reference: the stream aborts after thread.created and leaves an empty thread behind; Switchyard checks
    // the attachment ids first and answers 404 JSON before streaming, writing nothing (README "Errors before streaming").
    const create = await ck.refused({
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: 'x' }], attachments: ['atc_missing'], inference_options: {} } },
    });
    expect(create.status).toBe(404);
    expect(create.error.message).toMatch(/atc_missing/);
    expect(await snapshotStore(sys.db)).toBe(before);
    const { threadId } = await ck.create('[B1] thread');
    const mid = await snapshotStore(sys.db);
    const add = await ck.refused({
      type: 'threads.add_user_message',
      params: {
        thread_id: threadId,
        input: { content: [{ type: 'input_text', text: 'x' }], attachments: ['atc_missing'], inference_options: {} },
      },
    });
    expect(add.status).toBe(404);
    expect(await snapshotStore(sys.db)).toBe(mid);
    expect((await storedItems(sys.db, threadId)).map((i) => i.type)).toEqual(['user_message']);
  });

  it('uploads (docs/protocol.md §3.3): a direct multipart upload answers the stored attachment, usable in a message', async () => {
    const res = await ck.uploadDirect(PNG_1X1, 'dot.png', 'image/png');
    expect(res.status).toBe(200);
    const a = res.body as Json;
    expect(a).toMatchObject({ id: expect.stringMatching(/^atc_/), name: 'dot.png', mime_type: 'image/png', type: 'image' });
    expect(a).not.toHaveProperty('upload_descriptor');
    expect(Buffer.from(await (await fetch(a.preview_url as string)).arrayBuffer())).toEqual(PNG_1X1);
    const { events } = await ck.create('[B1] direct', { input: { attachments: [a.id] } });
    expect(((events[1]!.item as Json).attachments as Json[])[0]).toMatchObject({ id: a.id, type: 'image' });
  });

  it('uploads (docs/protocol.md §3.3): a two-phase upload whose bytes contradict the declared type is refused and stores nothing', async () => {
    const a = await createAttachment('fake.png', 5, 'image/png');
    const before = await snapshotStore(sys.db);
    const d = a.upload_descriptor as { url: string; headers: Record<string, string> };
    const res = await ck.upload(d.url, Buffer.from('hello'), d.headers, 'image/png');
    expect(res.status).toBe(415);
    expect(await snapshotStore(sys.db)).toBe(before);
  });
});

describe('K. transcription and feedback', () => {
  it('K1: input.transcribe decodes the base64 audio and hands bytes and media type to the transcriber', async () => {
    const audio = Buffer.from('hello audio');
    const seen = sys.model.transcriptions.length;
    const body = await ck.json({
      type: 'input.transcribe',
      params: { audio_base64: audio.toString('base64'), mime_type: 'audio/webm;codecs=opus' },
    });
    // The app's hook (the openai package, loaded on first use) asked the Responses API test server.
    expect(body).toEqual({ text: transcriptText(audio.length, 'audio/webm') });
    const received = sys.model.transcriptions.slice(seen);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      bytes: audio.length,
      sha256: createHash('sha256').update(audio).digest('hex'),
      mimeType: 'audio/webm',
    });
  });

  it('K2: items.feedback answers {} and calls the hook with thread, items and kind, in order', async () => {
    const { threadId, events } = await ck.create('[K2] rate');
    const assistant = events.find((e) => (e.item as Json | undefined)?.type === 'assistant_message')!.item as Json;
    const widget = events.find((e) => (e.item as Json | undefined)?.type === 'widget')!.item as Json;
    sys.clearHookLog();
    for (const [id, kind] of [
      [assistant.id, 'positive'],
      [widget.id, 'negative'],
    ] as const) {
      const answer = await ck.send({ type: 'items.feedback', params: { thread_id: threadId, item_ids: [id], kind } });
      expect(answer).toMatchObject({ kind: 'json', status: 200, text: '{}' });
    }
    expect(
      sys
        .hookLog()
        .filter((h) => h.kind === 'feedback')
        .map((h) => h.data),
    ).toEqual([
      { threadId, itemIds: [assistant.id], kind: 'positive', owner: 'dev' },
      { threadId, itemIds: [widget.id], kind: 'negative', owner: 'dev' },
    ]);
  });

  it('K3: a feedback kind other than positive/negative is refused and the hook is not called', async () => {
    const { threadId, events } = await ck.create('[K2] rate badly');
    const assistant = events.find((e) => (e.item as Json | undefined)?.type === 'assistant_message')!.item as Json;
    sys.clearHookLog();
    // Reference: ValidationError → 500; Switchyard: 400 JSON (README "Errors before streaming").
    const res = await ck.refused({ type: 'items.feedback', params: { thread_id: threadId, item_ids: [assistant.id], kind: 'meh' } });
    expect(res.status).toBe(400);
    expect(res.error.message).toMatch(/kind/);
    expect(sys.hookLog().filter((h) => h.kind === 'feedback')).toEqual([]);
  });
});
