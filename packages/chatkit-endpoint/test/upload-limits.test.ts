// Uploads over real HTTP against the image limits (a header that cannot be read: 400; too many pixels
// or too long a side: 422, nothing stored), and downloads carrying Content-Disposition.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseContentDisposition } from 'content-disposition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentBlobName, createAttachment, UPLOAD_TOKEN_HEADER } from '@switchyard/attachments';
import type { Attachment } from '@switchyard/protocol';
import { PDF_BYTES, PNG_BYTES, startUploadHarness, USER_HEADER, type UploadHarness } from './upload-harness.ts';
import { pngDeclaring } from '@switchyard/model-test-server';

let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness({ maxUploadBytes: 64 * 1024, imageLimits: { maxPixels: 1_000_000, maxDimension: 2_000 } });
});
afterAll(async () => {
  await h?.close();
});

async function upload(owner: string, bytes: Buffer, type: string, filename: string) {
  const body = new FormData();
  body.append('file', new Blob([bytes], { type }), filename);
  const res = await fetch(`${h.baseUrl}/chatkit/uploads`, { method: 'POST', headers: { [USER_HEADER]: owner }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function storedObjects(owner: string): Promise<string[]> {
  return readdir(join(h.root, 'objects', 'attachments', owner)).catch(() => []);
}

describe('uploaded images against the limits', () => {
  it('refuses a PNG declaring 100000×100000 (direct and two-phase) with 422 and stores nothing', async () => {
    const bomb = pngDeclaring(100_000, 100_000);
    const direct = await upload('ivan', bomb, 'image/png', 'bomb.png');
    expect(direct).toEqual({
      status: 422,
      json: { error: { code: 'invalid_content', message: expect.stringContaining('100000x100000') } },
    });
    expect(await h.store.attachments.countDocuments({ owner: 'ivan' })).toBe(0);
    expect(await storedObjects('ivan')).toEqual([]);

    const pending = await createAttachment(h.deps, 'ivan', { name: 'bomb.png', size: bomb.length, mime_type: 'image/png' });
    const res = await fetch(pending.upload_descriptor!.url, {
      method: 'PUT',
      headers: {
        [USER_HEADER]: 'ivan',
        [UPLOAD_TOKEN_HEADER]: pending.upload_descriptor!.headers[UPLOAD_TOKEN_HEADER]!,
        'content-type': 'image/png',
      },
      body: bomb,
    });
    expect(res.status).toBe(422);
    expect(await h.blob.stat(attachmentBlobName('ivan', pending.id))).toBeNull();
    expect(await storedObjects('ivan')).toEqual([]);
  });

  it('refuses too long a side (the configured limits reach the router) with 422', async () => {
    expect((await upload('ivan', pngDeclaring(2_001, 4), 'image/png', 'strip.png')).status).toBe(422);
    expect((await upload('ivan', pngDeclaring(1_001, 1_000), 'image/png', 'big.png')).status).toBe(422);
    expect((await upload('ivan', pngDeclaring(1_000, 1_000), 'image/png', 'ok.png')).status).toBe(200);
  });

  it('refuses a truncated PNG with 400 and stores nothing', async () => {
    for (const length of [12, 20]) {
      const truncated = Buffer.from(pngDeclaring(64, 64).subarray(0, length));
      const res = await upload('judy', truncated, 'image/png', 'cut.png');
      expect(res, `${length} bytes`).toEqual({
        status: 400,
        json: { error: { code: 'bad_request', message: expect.stringContaining('header') } },
      });
    }
    expect(await h.store.attachments.countDocuments({ owner: 'judy' })).toBe(0);
    expect(await storedObjects('judy')).toEqual([]);
  });
});

describe('downloads say how to present the bytes', () => {
  it('serves an uploaded image inline under its own name', async () => {
    const res = await upload('kim', PNG_BYTES, 'image/png', 'cat.png');
    const a = res.json as unknown as Attachment;
    if (a.type !== 'image') throw new Error('expected an image');
    const file = await fetch(a.preview_url);
    expect(file.status).toBe(200);
    expect(parseContentDisposition(file.headers.get('content-disposition')!)).toEqual({
      type: 'inline',
      parameters: { filename: 'cat.png' },
    });
  });

  it('serves any other file as an attachment, with an ASCII fallback and the RFC 5987 UTF-8 name, control characters removed', async () => {
    // Two-phase: the name comes from attachments.create as the client wrote it, control characters included.
    const pending = await createAttachment(h.deps, 'kim', {
      name: 'rapport “été”\r\n/x.pdf',
      size: PDF_BYTES.length,
      mime_type: 'application/pdf',
    });
    const put = await fetch(pending.upload_descriptor!.url, {
      method: 'PUT',
      headers: {
        [USER_HEADER]: 'kim',
        [UPLOAD_TOKEN_HEADER]: pending.upload_descriptor!.headers[UPLOAD_TOKEN_HEADER]!,
        'content-type': 'application/pdf',
      },
      body: PDF_BYTES,
    });
    expect(put.status).toBe(200);
    const url = await h.blob.signedUrl(attachmentBlobName('kim', pending.id), { expiresInSeconds: 60 });
    const file = await fetch(url);
    expect(file.status).toBe(200);
    const header = file.headers.get('content-disposition')!;
    const match = /^attachment; filename="([\x20-\x7e]+)"; filename\*=UTF-8''(\S+)$/.exec(header);
    expect(match, header).not.toBeNull();
    expect(match![1]).toBe('rapport ??t??___x.pdf');
    expect(decodeURIComponent(match![2]!)).toBe('rapport “été”___x.pdf');
  });
});
