// Uploaded images get the limits generated images have: dimensions from the header (image-size), a
// header that cannot be read is a 400, more pixels or a longer side than allowed a 422.
import { describe, expect, it } from 'vitest';
import { checkContent, DEFAULT_IMAGE_LIMITS, parseMimeType, type MimeType } from '../src/index.ts';
import { pngDeclaring } from '@switchyard/model-test-server';

const mime = (v: string): MimeType => parseMimeType(v)!;

describe('uploaded image limits', () => {
  it('accepts an image within the limits', async () => {
    await expect(checkContent(pngDeclaring(1024, 768), mime('image/png'))).resolves.toEqual({
      contentType: 'image/png',
      sniffed: 'image/png',
    });
  });

  it('refuses a small PNG declaring 100000×100000 with 422, whatever type was declared', async () => {
    const bomb = pngDeclaring(100_000, 100_000);
    expect(bomb.length).toBeLessThan(300);
    for (const declared of ['image/png', 'application/octet-stream']) {
      await expect(checkContent(bomb, mime(declared))).rejects.toMatchObject({ status: 422, code: 'invalid_content' });
    }
  });

  it('applies the pixel limit and the longest-side limit separately', async () => {
    const limits = { maxPixels: 1_000_000, maxDimension: 2_000 };
    await expect(checkContent(pngDeclaring(1000, 1000), mime('image/png'), { imageLimits: limits })).resolves.toBeTruthy();
    await expect(checkContent(pngDeclaring(1001, 1000), mime('image/png'), { imageLimits: limits })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('pixels'),
    });
    await expect(checkContent(pngDeclaring(2001, 10), mime('image/png'), { imageLimits: limits })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('2000'),
    });
    expect(DEFAULT_IMAGE_LIMITS).toEqual({ maxPixels: 4096 * 4096, maxDimension: 8192 });
  });

  it('refuses a PNG cut off inside or before its dimensions with 400', async () => {
    const whole = pngDeclaring(64, 64);
    for (const length of [12, 16, 20, 23]) {
      await expect(checkContent(Buffer.from(whole.subarray(0, length)), mime('image/png')), `${length} bytes`).rejects.toMatchObject({
        status: 400,
        code: 'bad_request',
      });
    }
  });

  it('never reads dimensions from bytes past the upload (a slice of a larger buffer)', async () => {
    // The upload is the first 16 bytes; what follows in memory declares a huge image.
    const memory = pngDeclaring(100_000, 100_000);
    await expect(checkContent(memory.subarray(0, 16), mime('image/png'))).rejects.toMatchObject({ status: 400 });
    // And a valid small image sliced from a buffer of unrelated bytes is read from its own bytes.
    const small = pngDeclaring(10, 10);
    const pooled = Buffer.concat([small, pngDeclaring(100_000, 100_000)]);
    await expect(checkContent(pooled.subarray(0, small.length), mime('image/png'))).resolves.toMatchObject({ contentType: 'image/png' });
  });

  it('leaves non-images alone and still refuses bytes that are no image at all as 415', async () => {
    await expect(checkContent(Buffer.from('hello'), mime('text/plain'))).resolves.toMatchObject({ contentType: 'text/plain' });
    for (const text of ['hello', '', 'definitely not a picture'])
      await expect(checkContent(Buffer.from(text), mime('image/png')), JSON.stringify(text)).rejects.toMatchObject({ status: 415 });
  });
});
