// The behaviour every BlobStore driver must show, written once and run against each driver over
// real HTTP: create-once puts, reads, deletes, signed URLs (bytes, type, ranges, refusals), names.

import { createHash } from 'node:crypto';
import { BadRequest, Conflict, NotFound } from '@switchyard/errors';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BlobStore } from '../src/index.ts';

export interface ContractFixture {
  store: BlobStore;
  teardown(): Promise<void>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every byte value, so encoding mistakes anywhere on the path show up as a hash mismatch. */
const BINARY = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) % 256));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

/** Signs while the clock reads two hours ago, so the URL is already expired when it is fetched. */
async function signInThePast(store: BlobStore, name: string): Promise<string> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(Date.now() - 2 * 60 * 60 * 1000);
    return await store.signedUrl(name, { expiresInSeconds: 60 });
  } finally {
    vi.useRealTimers();
  }
}

export function describeBlobStoreContract(driver: 'gcs' | 'local', setup: () => Promise<ContractFixture>): void {
  describe(`BlobStore contract (${driver} driver)`, () => {
    let fixture: ContractFixture;
    let store: BlobStore;

    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture.teardown();
    });

    it(`reports its driver as ${driver} and answers ping`, async () => {
      expect(store.driver).toBe(driver);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('puts, gets and stats an object with its content type, custom metadata and sha256', async () => {
      const name = 'images/u_1/t_1/img_1.png';
      await expect(store.put(name, BINARY, { contentType: 'image/png', metadata: { owner: 'u_1', run: 'r_1' } })).resolves.toEqual({
        created: true,
      });
      expect(sha256(await store.get(name))).toBe(sha256(BINARY));
      expect(await store.stat(name)).toEqual({
        size: BINARY.length,
        contentType: 'image/png',
        metadata: { owner: 'u_1', run: 'r_1', sha256: sha256(BINARY) },
      });
    });

    it('returns null from stat and NotFound from get for a missing object', async () => {
      expect(await store.stat('images/u_1/t_1/missing.png')).toBeNull();
      expect(await rejection(store.get('images/u_1/t_1/missing.png'))).toBeInstanceOf(NotFound);
    });

    it('deletes an object, and deleting a missing one is not an error', async () => {
      const name = 'attachments/u_1/att_delete';
      await store.put(name, Buffer.from('to delete'), { contentType: 'text/plain' });
      await store.delete(name);
      expect(await store.stat(name)).toBeNull();
      expect(await rejection(store.get(name))).toBeInstanceOf(NotFound);
      await expect(store.delete(name)).resolves.toBeUndefined();
    });

    it('treats a re-put of identical bytes as an idempotent retry (created: false)', async () => {
      const name = 'images/u_1/t_1/img_retry-partial-0.png';
      const bytes = Buffer.from('partial image bytes');
      expect(await store.put(name, bytes, { contentType: 'image/png', metadata: { run: 'r_1' } })).toEqual({ created: true });
      expect(await store.put(name, bytes, { contentType: 'image/png', metadata: { run: 'r_1' } })).toEqual({ created: false });
      expect((await store.get(name)).toString()).toBe('partial image bytes');
    });

    it('lets exactly one of several concurrent identical puts create the object', async () => {
      const name = 'images/u_1/t_1/img_race.webp';
      const bytes = Buffer.from('raced bytes');
      const results = await Promise.all(Array.from({ length: 5 }, () => store.put(name, bytes, { contentType: 'image/webp' })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await store.get(name)).toString()).toBe('raced bytes');
    });

    it('refuses different bytes under an existing name with Conflict and keeps the original', async () => {
      const name = 'images/u_1/t_1/img_conflict.png';
      await store.put(name, Buffer.from('original'), { contentType: 'image/png' });
      expect(await rejection(store.put(name, Buffer.from('impostor'), { contentType: 'image/png' }))).toBeInstanceOf(Conflict);
      expect((await store.get(name)).toString()).toBe('original');
    });

    it('refuses a caller-supplied sha256 that does not match the bytes', async () => {
      const err = await rejection(
        store.put('attachments/u_1/att_badsha', Buffer.from('x'), { contentType: 'text/plain', metadata: { sha256: '00' } }),
      );
      expect(err).toBeInstanceOf(BadRequest);
      expect(await store.stat('attachments/u_1/att_badsha')).toBeNull();
    });

    it('serves a signed URL over HTTP with the exact bytes and the stored content type', async () => {
      // An e-mail-like owner: `@` must survive signing, URL encoding and the server's decoding.
      const name = 'images/alice@example.com/t_1/img_signed.png';
      await store.put(name, BINARY, { contentType: 'image/png' });
      const url = await store.signedUrl(name, { expiresInSeconds: 300 });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(BINARY));
    });

    it('serves a Range request on a signed URL as 206 with the right slice', async () => {
      const name = 'images/u_1/t_1/img_range.png';
      await store.put(name, BINARY, { contentType: 'image/png' });
      const url = await store.signedUrl(name, { expiresInSeconds: 300 });
      const response = await fetch(url, { headers: { Range: 'bytes=100-299' } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 100-299/${BINARY.length}`);
      expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), BINARY.subarray(100, 300))).toBe(0);
    });

    it('refuses an expired signed URL', async () => {
      const name = 'images/u_1/t_1/img_expired.png';
      await store.put(name, Buffer.from('secret pixels'), { contentType: 'image/png' });
      const response = await fetch(await signInThePast(store, name));
      expect([400, 403]).toContain(response.status);
      expect(await response.text()).not.toContain('secret pixels');
    });

    it('refuses a signed URL whose object name was swapped for another', async () => {
      await store.put('images/u_1/t_1/img_public.png', Buffer.from('shared'), { contentType: 'image/png' });
      await store.put('images/u_2/t_9/img_private.png', Buffer.from('private'), { contentType: 'image/png' });
      const url = await store.signedUrl('images/u_1/t_1/img_public.png', { expiresInSeconds: 300 });
      const forged = url.replace('u_1/t_1/img_public.png', 'u_2/t_9/img_private.png');
      expect(forged).not.toBe(url);
      const response = await fetch(forged);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain('private');
    });

    it('rejects unsafe object names with BadRequest on every operation', async () => {
      const bad = [
        '',
        '/images/a.png',
        '../etc/passwd',
        'images/../../x',
        'images/a..b/c',
        'images//a',
        'images/a b',
        'images/.hidden',
        'a\nb',
        'images/a/',
      ];
      for (const name of bad) {
        for (const call of [
          () => store.put(name, Buffer.from('x'), { contentType: 'text/plain' }),
          () => store.get(name),
          () => store.stat(name),
          () => store.delete(name),
          () => store.signedUrl(name, { expiresInSeconds: 60 }),
        ]) {
          expect(await rejection(call()), `name ${JSON.stringify(name)}`).toBeInstanceOf(BadRequest);
        }
      }
    });

    it('rejects a signed URL lifetime outside 1 second to 7 days', async () => {
      for (const expiresInSeconds of [0, -1, 1.5, 7 * 24 * 60 * 60 + 1]) {
        expect(await rejection(store.signedUrl('images/u_1/t_1/img_1.png', { expiresInSeconds }))).toBeInstanceOf(BadRequest);
      }
    });
  });
}
