// Attachments over real HTTP (docs/protocol.md §2.8, §3.2, §3.3; docs/conformance.md J1–J5): direct and two-phase
// uploads, token and owner checks, MIME sniffing, streaming size limits, delete, model input.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest, NotFound, PayloadTooLarge } from '@switchyard/errors';
import type { Attachment } from '@switchyard/protocol';
import { validateAttachment } from '@switchyard/protocol/schema-validation';
import {
  attachmentBlobName,
  attachmentForWire,
  attachmentToModelInput,
  checkContent,
  createAttachment,
  deleteAttachment,
  parseMimeType,
  previewPlaceholder,
  UPLOAD_TOKEN_HEADER,
  uploadStateOf,
} from '@switchyard/attachments';
import { PDF_BYTES, PNG_BYTES, startUploadHarness, USER_HEADER, type UploadHarness } from './upload-harness.ts';

const MAX_BYTES = 64 * 1024;
let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness({ maxUploadBytes: MAX_BYTES });
});
afterAll(async () => {
  await h?.close();
});

const sha256 = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The checks every Attachment JSON the client receives must pass. */
function expectWireAttachment(json: unknown): Attachment {
  validateAttachment(json);
  expect(json).not.toHaveProperty('metadata');
  return json as Attachment;
}

function form(bytes: Buffer, type: string, filename: string, field = 'file'): FormData {
  const body = new FormData();
  body.append(field, new Blob([bytes], { type }), filename);
  return body;
}

async function directUpload(owner: string, body: FormData): Promise<Answer> {
  return answer(await fetch(`${h.baseUrl}/chatkit/uploads`, { method: 'POST', headers: { [USER_HEADER]: owner }, body }));
}

async function secondPhase(
  owner: string,
  created: Attachment,
  body: Buffer | FormData,
  opts: { token?: string | null; method?: 'PUT' | 'POST'; contentType?: string } = {},
): Promise<Answer> {
  const descriptor = created.upload_descriptor;
  if (!descriptor) throw new Error('no upload descriptor');
  const headers: Record<string, string> = { [USER_HEADER]: owner };
  const token = opts.token === undefined ? descriptor.headers[UPLOAD_TOKEN_HEADER] : opts.token;
  if (token !== null && token !== undefined) headers[UPLOAD_TOKEN_HEADER] = token;
  if (Buffer.isBuffer(body)) headers['content-type'] = opts.contentType ?? 'application/octet-stream';
  return answer(await fetch(descriptor.url, { method: opts.method ?? descriptor.method, headers, body }));
}

async function fetchBytes(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('direct upload (POST /chatkit/uploads, multipart "file")', () => {
  it('stores a PNG, saves an image attachment and serves its bytes at a signed preview_url', async () => {
    const res = await directUpload('alice', form(PNG_BYTES, 'image/png', 'cat.png'));
    expect(res.status).toBe(200);
    const a = expectWireAttachment(res.json);
    expect(a).toMatchObject({ name: 'cat.png', mime_type: 'image/png', type: 'image' });
    expect(a.id).toMatch(/^atc_[0-9a-f]{16}$/);
    expect(a).not.toHaveProperty('upload_descriptor');
    if (a.type !== 'image') throw new Error('expected an image');
    expect(a.preview_url).toMatch(new RegExp(`^${h.baseUrl}/files/attachments/alice/${a.id}\\?exp=\\d+&sig=`));

    const preview = await fetchBytes(a.preview_url);
    expect(preview.status).toBe(200);
    expect(preview.type).toBe('image/png');
    expect(sha256(preview.bytes)).toBe(sha256(PNG_BYTES));

    // The record keeps server-side metadata and no signed URL; the blob keeps the sniffed type.
    const stored = await h.store.loadAttachment('alice', a.id);
    expect(stored.type === 'image' && stored.preview_url).toBe(previewPlaceholder(a.id));
    expect(uploadStateOf(stored)?.stored).toEqual({ bytes: PNG_BYTES.length, sha256: sha256(PNG_BYTES), content_type: 'image/png' });
    expect(await h.blob.stat(attachmentBlobName('alice', a.id))).toMatchObject({ size: PNG_BYTES.length, contentType: 'image/png' });
    const doc = await h.store.attachments.findOne({ _id: a.id, owner: 'alice' });
    expect(doc?.blob).toMatchObject({
      name: `attachments/alice/${a.id}`,
      sha256: sha256(PNG_BYTES),
      bytes: PNG_BYTES.length,
      contentType: 'image/png',
    });
  });

  it('stores a text file as a file attachment without preview_url, keeping a UTF-8 filename', async () => {
    const text = Buffer.from('meeting notes\nsecond line\n');
    const res = await directUpload('alice', form(text, 'text/plain', 'notes – été.txt'));
    expect(res.status).toBe(200);
    const a = expectWireAttachment(res.json);
    expect(a).toMatchObject({ name: 'notes – été.txt', mime_type: 'text/plain', type: 'file' });
    expect(a).not.toHaveProperty('preview_url');
    expect(await h.blob.get(attachmentBlobName('alice', a.id))).toEqual(text);
  });

  it('types application/octet-stream bytes by what they are', async () => {
    const res = await directUpload('alice', form(PNG_BYTES, 'application/octet-stream', 'blob'));
    expect(res.status).toBe(200);
    expect(expectWireAttachment(res.json)).toMatchObject({ mime_type: 'image/png', type: 'image' });
  });

  it('refuses a PNG declared as image/jpeg with 415 and stores nothing', async () => {
    const before = await h.store.attachments.countDocuments({ owner: 'carol' });
    const res = await directUpload('carol', form(PNG_BYTES, 'image/jpeg', 'cat.jpg'));
    expect(res).toEqual({
      status: 415,
      json: { error: { code: 'unsupported_media_type', message: expect.stringContaining('image/png') } },
    });
    expect(await h.store.attachments.countDocuments({ owner: 'carol' })).toBe(before);
  });

  it('refuses an oversized file with 413 and stores nothing, announced or found while parsing', async () => {
    const before = await h.store.attachments.countDocuments({ owner: 'carol' });
    const announced = await directUpload('carol', form(Buffer.alloc(4 * MAX_BYTES, 1), 'text/plain', 'big.txt'));
    expect(announced).toEqual({ status: 413, json: { error: { code: 'payload_too_large', message: expect.any(String) } } });
    // Just over the limit: inside the multipart allowance, so busboy's file limit is what stops it.
    const parsed = await directUpload('carol', form(Buffer.alloc(MAX_BYTES + 1, 1), 'text/plain', 'big.txt'));
    expect(parsed.status).toBe(413);
    expect(await h.store.attachments.countDocuments({ owner: 'carol' })).toBe(before);
    // Exactly the limit is allowed.
    const exact = await directUpload('carol', form(Buffer.alloc(MAX_BYTES, 1), 'text/plain', 'max.txt'));
    expect(exact.status).toBe(200);
  });

  it('answers 400 without a "file" field and 415 for a body that is not multipart', async () => {
    const other = await directUpload('alice', form(PNG_BYTES, 'image/png', 'cat.png', 'upload'));
    expect(other).toEqual({ status: 400, json: { error: { code: 'bad_request', message: expect.stringContaining('"file"') } } });
    const raw = await answer(
      await fetch(`${h.baseUrl}/chatkit/uploads`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: PNG_BYTES }),
    );
    expect(raw.status).toBe(415);
  });
});

describe('two-phase upload (attachments.create, then the descriptor)', () => {
  it('J1/J3: a file attachment with a PUT descriptor, no metadata on the wire, metadata in the store', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'notes.txt', size: 1024, mime_type: 'text/plain' });
    expectWireAttachment(created);
    expect(created).toMatchObject({ name: 'notes.txt', mime_type: 'text/plain', type: 'file' });
    expect(created).not.toHaveProperty('preview_url');
    expect(created.upload_descriptor).toEqual({
      url: `${h.baseUrl}/chatkit/uploads/${created.id}`,
      method: 'PUT',
      headers: { [UPLOAD_TOKEN_HEADER]: expect.stringMatching(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/) },
    });
    const stored = await h.store.loadAttachment('alice', created.id);
    expect(uploadStateOf(stored)).toEqual({ declared_size: 1024, declared_mime_type: 'text/plain', stored: null });
  });

  it('J2: an image attachment carries a preview_url that serves the bytes once they are PUT; the descriptor is cleared', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'cat.png', size: PNG_BYTES.length, mime_type: 'image/png' });
    expectWireAttachment(created);
    if (created.type !== 'image') throw new Error('expected an image');
    expect((await fetchBytes(created.preview_url)).status).toBe(404);

    const res = await secondPhase('alice', created, PNG_BYTES, { contentType: 'image/png' });
    expect(res.status).toBe(200);
    const uploaded = expectWireAttachment(res.json);
    expect(uploaded).toMatchObject({ id: created.id, name: 'cat.png', mime_type: 'image/png', type: 'image' });
    expect(uploaded).not.toHaveProperty('upload_descriptor');
    if (uploaded.type !== 'image') throw new Error('expected an image');
    const preview = await fetchBytes(uploaded.preview_url);
    expect(preview.status).toBe(200);
    expect(sha256(preview.bytes)).toBe(sha256(PNG_BYTES));
    // The URL handed out at create time works too, now that the bytes are there.
    expect((await fetchBytes(created.preview_url)).status).toBe(200);

    const stored = await h.store.loadAttachment('alice', created.id);
    expect(stored).not.toHaveProperty('upload_descriptor');
    expect(stored.type === 'image' && stored.preview_url).toBe(previewPlaceholder(created.id));
    expect(uploadStateOf(stored)).toEqual({
      declared_size: PNG_BYTES.length,
      declared_mime_type: 'image/png',
      stored: { bytes: PNG_BYTES.length, sha256: sha256(PNG_BYTES), content_type: 'image/png' },
    });
  });

  it('accepts the bytes as a multipart "file" field with POST; a repeat of the same bytes is a retry, other bytes conflict', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'notes.txt', size: 5, mime_type: 'text/plain; charset=utf-8' });
    const text = Buffer.from('hello');
    const res = await secondPhase('alice', created, form(text, 'text/plain', 'notes.txt'), { method: 'POST' });
    expect(res.status).toBe(200);
    const uploaded = expectWireAttachment(res.json);
    expect(uploaded).toMatchObject({ id: created.id, mime_type: 'text/plain; charset=utf-8', type: 'file' });
    expect(uploaded).not.toHaveProperty('upload_descriptor');
    expect(uploaded).not.toHaveProperty('preview_url');
    expect(await h.blob.get(attachmentBlobName('alice', created.id))).toEqual(text);

    const again = await secondPhase('alice', created, text, { contentType: 'text/plain' });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(res.json);
    const other = await secondPhase('alice', created, Buffer.from('other'), { contentType: 'text/plain' });
    expect(other.status).toBe(409);
  });

  it('answers 403 for a missing, forged or foreign token and stores nothing', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'cat.png', size: PNG_BYTES.length, mime_type: 'image/png' });
    const another = await createAttachment(h.deps, 'alice', { name: 'dog.png', size: PNG_BYTES.length, mime_type: 'image/png' });
    const valid = created.upload_descriptor?.headers[UPLOAD_TOKEN_HEADER] ?? '';
    const forged = valid.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    for (const token of [null, 'nonsense', forged, another.upload_descriptor?.headers[UPLOAD_TOKEN_HEADER] ?? '']) {
      const res = await secondPhase('alice', created, PNG_BYTES, { token });
      expect(res).toEqual({ status: 403, json: { error: { code: 'forbidden', message: expect.any(String) } } });
    }
    expect(await h.blob.stat(attachmentBlobName('alice', created.id))).toBeNull();
    expect((await h.store.loadAttachment('alice', created.id)).upload_descriptor).toBeTruthy();
  });

  it("answers 404 for another owner's attachment, even with its valid token", async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'cat.png', size: PNG_BYTES.length, mime_type: 'image/png' });
    const res = await secondPhase('mallory', created, PNG_BYTES);
    expect(res).toEqual({ status: 404, json: { error: { code: 'not_found', message: expect.any(String) } } });
    expect(await h.blob.stat(attachmentBlobName('alice', created.id))).toBeNull();
    expect(await h.blob.stat(attachmentBlobName('mallory', created.id))).toBeNull();
  });

  it('answers 415 when the bytes contradict the declared type, and the upload stays pending', async () => {
    const jpeg = await createAttachment(h.deps, 'alice', { name: 'cat.jpg', size: PNG_BYTES.length, mime_type: 'image/jpeg' });
    expect((await secondPhase('alice', jpeg, PNG_BYTES)).status).toBe(415);
    const text = await createAttachment(h.deps, 'alice', { name: 'notes.txt', size: PDF_BYTES.length, mime_type: 'text/plain' });
    expect((await secondPhase('alice', text, PDF_BYTES)).status).toBe(415);
    const pdf = await createAttachment(h.deps, 'alice', { name: 'paper.pdf', size: 5, mime_type: 'application/pdf' });
    expect((await secondPhase('alice', pdf, Buffer.from('hello'))).status).toBe(415);
    for (const a of [jpeg, text, pdf]) {
      expect(await h.blob.stat(attachmentBlobName('alice', a.id))).toBeNull();
      expect((await h.store.loadAttachment('alice', a.id)).upload_descriptor).toBeTruthy();
    }
  });

  it('answers 413 for an oversized raw body, announced by Content-Length, and stores nothing', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'big.bin', size: MAX_BYTES, mime_type: 'application/octet-stream' });
    const res = await secondPhase('alice', created, Buffer.alloc(4 * MAX_BYTES, 7));
    expect(res).toEqual({ status: 413, json: { error: { code: 'payload_too_large', message: expect.any(String) } } });
    expect(await h.blob.stat(attachmentBlobName('alice', created.id))).toBeNull();
    expect((await h.store.loadAttachment('alice', created.id)).upload_descriptor).toBeTruthy();
  });

  it('answers 413 while a chunked body of unknown length is still arriving', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'stream.bin', size: MAX_BYTES, mime_type: 'application/octet-stream' });
    const url = new URL(created.upload_descriptor?.url ?? '');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'PUT',
        headers: { [USER_HEADER]: 'alice', [UPLOAD_TOKEN_HEADER]: created.upload_descriptor?.headers[UPLOAD_TOKEN_HEADER] ?? '' },
      });
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.once('error', (err: NodeJS.ErrnoException) => {
        // The server may close its side after answering; only an error before the answer counts.
        if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
      });
      // Never ended: a server that waited for the whole body before checking would hang here.
      const chunk = Buffer.alloc(8 * 1024, 3);
      let written = 0;
      const pump = (): void => {
        while (written < 16 * MAX_BYTES && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    expect(status).toBe(413);
    expect(await h.blob.stat(attachmentBlobName('alice', created.id))).toBeNull();
  });

  it('validates attachments.create: declared size against the limit, the MIME syntax, the name', async () => {
    await expect(
      createAttachment(h.deps, 'alice', { name: 'big.bin', size: MAX_BYTES + 1, mime_type: 'text/plain' }),
    ).rejects.toBeInstanceOf(PayloadTooLarge);
    for (const mime of ['png', 'image/', 'image png', 'text/plain; charset', 'a/b\nc']) {
      await expect(createAttachment(h.deps, 'alice', { name: 'x', size: 1, mime_type: mime })).rejects.toBeInstanceOf(BadRequest);
    }
    await expect(createAttachment(h.deps, 'alice', { name: '', size: 1, mime_type: 'text/plain' })).rejects.toBeInstanceOf(BadRequest);
  });
});

describe('reading and deleting', () => {
  it('J5: the client view strips metadata and re-signs the preview on every read; thread_id survives', async () => {
    const res = await directUpload('alice', form(PNG_BYTES, 'image/png', 'cat.png'));
    const uploaded = expectWireAttachment(res.json);
    const stored = await h.store.loadAttachment('alice', uploaded.id);
    await h.store.saveAttachment('alice', { ...stored, thread_id: 'thr_0001', metadata: { ...stored.metadata, note: 'private' } });
    const reread = await attachmentForWire(h.deps, 'alice', await h.store.loadAttachment('alice', uploaded.id));
    expectWireAttachment(reread);
    expect(reread).toMatchObject({ id: uploaded.id, thread_id: 'thr_0001', type: 'image' });
    if (reread.type !== 'image') throw new Error('expected an image');
    expect(sha256((await fetchBytes(reread.preview_url)).bytes)).toBe(sha256(PNG_BYTES));
  });

  it('J4: delete removes the bytes, then the record; unknown ids and other owners are NotFound', async () => {
    const res = await directUpload('alice', form(PNG_BYTES, 'image/png', 'cat.png'));
    const a = expectWireAttachment(res.json);
    if (a.type !== 'image') throw new Error('expected an image');
    await expect(deleteAttachment(h.deps, 'mallory', a.id)).rejects.toBeInstanceOf(NotFound);
    expect((await fetchBytes(a.preview_url)).status).toBe(200);

    await deleteAttachment(h.deps, 'alice', a.id);
    expect(await h.blob.stat(attachmentBlobName('alice', a.id))).toBeNull();
    expect((await fetchBytes(a.preview_url)).status).toBe(404);
    await expect(h.store.loadAttachment('alice', a.id)).rejects.toBeInstanceOf(NotFound);
    await expect(deleteAttachment(h.deps, 'alice', a.id)).rejects.toBeInstanceOf(NotFound);
  });

  it('deletes a pending two-phase attachment that never received bytes', async () => {
    const created = await createAttachment(h.deps, 'alice', { name: 'notes.txt', size: 3, mime_type: 'text/plain' });
    await deleteAttachment(h.deps, 'alice', created.id);
    await expect(h.store.loadAttachment('alice', created.id)).rejects.toBeInstanceOf(NotFound);
    // Its descriptor is dead too: the record it pointed at is gone.
    expect((await secondPhase('alice', created, Buffer.from('abc'), { contentType: 'text/plain' })).status).toBe(404);
  });
});

describe('attachments as model input', () => {
  it('gives images as a data URL or a signed URL, files as a data URL with their filename, pending uploads as null', async () => {
    const image = expectWireAttachment((await directUpload('alice', form(PNG_BYTES, 'image/png', 'cat.png'))).json);
    const dataPart = await attachmentToModelInput(h.deps, 'alice', image, 'data_url');
    expect(dataPart).toEqual({ type: 'input_image', image: `data:image/png;base64,${PNG_BYTES.toString('base64')}` });

    const urlPart = await attachmentToModelInput(h.deps, 'alice', image, 'signed_url');
    if (urlPart?.type !== 'input_image') throw new Error('expected an input_image');
    expect(sha256((await fetchBytes(urlPart.image)).bytes)).toBe(sha256(PNG_BYTES));

    const text = Buffer.from('a,b\n1,2\n');
    const file = expectWireAttachment((await directUpload('alice', form(text, 'text/csv', 'table.csv'))).json);
    expect(await attachmentToModelInput(h.deps, 'alice', file, 'signed_url')).toEqual({
      type: 'input_file',
      file: `data:text/csv;base64,${text.toString('base64')}`,
      filename: 'table.csv',
    });

    const pending = await createAttachment(h.deps, 'alice', { name: 'later.png', size: 10, mime_type: 'image/png' });
    expect(await attachmentToModelInput(h.deps, 'alice', pending, 'data_url')).toBeNull();
    // Another owner's view of the same id reads that owner's (absent) object, never alice's.
    expect(await attachmentToModelInput(h.deps, 'mallory', image, 'data_url')).toBeNull();
  });
});

describe('content checks', () => {
  const mime = (value: string) => {
    const parsed = parseMimeType(value);
    if (!parsed) throw new Error(`bad test MIME ${value}`);
    return parsed;
  };

  it('parses MIME types with parameters to their essence', () => {
    expect(parseMimeType('audio/webm;codecs=opus')).toEqual({ type: 'audio', essence: 'audio/webm' });
    expect(parseMimeType('Text/Plain; charset="utf-8"')).toEqual({ type: 'text', essence: 'text/plain' });
    expect(parseMimeType('text')).toBeNull();
  });

  it('accepts aliases and text that nothing contradicts, refuses contradictions', async () => {
    await expect(checkContent(PNG_BYTES, mime('image/x-png'))).resolves.toEqual({ contentType: 'image/png', sniffed: 'image/png' });
    await expect(checkContent(Buffer.from('<?xml version="1.0"?><a/>'), mime('text/plain'))).resolves.toMatchObject({
      sniffed: 'application/xml',
    });
    await expect(checkContent(Buffer.from('{"a":1}'), mime('application/json'))).resolves.toEqual({
      contentType: 'application/json',
      sniffed: null,
    });
    await expect(checkContent(Buffer.alloc(0), mime('text/plain'))).resolves.toEqual({ contentType: 'text/plain', sniffed: null });
    await expect(checkContent(Buffer.from('not an image'), mime('image/svg+xml'))).rejects.toMatchObject({ status: 415 });
    await expect(checkContent(PNG_BYTES, mime('application/json'))).rejects.toMatchObject({ status: 415 });
  });
});
