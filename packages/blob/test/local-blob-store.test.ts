// The local driver with its files router mounted on a real express app: the shared contract, then
// the on-disk and HTTP details that only the local driver has.

import { mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Conflict, ServiceUnavailable } from '@switchyard/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore, createLocalFilesRouter, localFileSignature, type BlobStore } from '../src/index.ts';
import { describeBlobStoreContract } from './blob-store-contract.ts';

const SECRET = 'test-signing-secret-0123456789';

interface LocalSetup {
  store: BlobStore;
  root: string;
  baseUrl: string;
  teardown(): Promise<void>;
}

/** A gateway stand-in: the router mounted at /files on port 0, and a store signing URLs for it. */
async function startLocal(): Promise<LocalSetup> {
  const root = await mkdtemp(join(tmpdir(), 'switchyard-blob-'));
  const app = express();
  app.use('/files', createLocalFilesRouter({ root, signingSecret: SECRET }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    root,
    baseUrl,
    store: createLocalBlobStore({ root, publicBaseUrl: baseUrl, signingSecret: SECRET }),
    teardown: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(root, { recursive: true, force: true });
    },
  };
}

describeBlobStoreContract('local', startLocal);

describe('local driver specifics', () => {
  let local: LocalSetup;
  let store: BlobStore;
  const name = 'images/u_1/t_1/img_local.png';
  const bytes = Buffer.from('local image bytes');

  beforeAll(async () => {
    local = await startLocal();
    store = local.store;
    await store.put(name, bytes, { contentType: 'image/png', metadata: { owner: 'u_1' } });
  });
  afterAll(async () => {
    await local.teardown();
  });

  const urlFor = (objectName: string, exp: number, sig = localFileSignature(objectName, exp, SECRET)): string =>
    `${local.baseUrl}/files/${objectName}?exp=${exp}&sig=${sig}`;
  const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;

  it('keeps bytes and a JSON sidecar in separate trees and leaves no temp files behind', async () => {
    expect(await readFile(join(local.root, 'objects', 'images/u_1/t_1/img_local.png'), 'utf8')).toBe('local image bytes');
    const sidecar = JSON.parse(await readFile(join(local.root, 'meta', 'images/u_1/t_1/img_local.png.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(sidecar).toMatchObject({ size: bytes.length, contentType: 'image/png', metadata: { owner: 'u_1' } });
    expect(await readdir(join(local.root, 'tmp'))).toEqual([]);
  });

  it('signs URLs as <publicBaseUrl>/files/<name>?exp=<unix seconds>&sig=<base64url>', async () => {
    const before = Math.floor(Date.now() / 1000);
    const url = new URL(await store.signedUrl(name, { expiresInSeconds: 600 }));
    expect(`${url.origin}${url.pathname}`).toBe(`${local.baseUrl}/files/${name}`);
    const exp = Number(url.searchParams.get('exp'));
    expect(exp).toBeGreaterThanOrEqual(before + 600);
    expect(exp).toBeLessThanOrEqual(before + 601);
    expect(url.searchParams.get('sig')).toBe(localFileSignature(name, exp, SECRET));
  });

  it('serves with private caching until expiry, nosniff, a sandboxing CSP and Accept-Ranges', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const response = await fetch(urlFor(name, exp));
    expect(response.status).toBe(200);
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(response.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(598);
    expect(maxAge).toBeLessThanOrEqual(600);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(await response.text()).toBe('local image bytes');
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(urlFor(name, inAnHour()), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('content-type')).toBe('image/png');
  });

  it('answers an unsatisfiable range with 416 and the object size', async () => {
    const response = await fetch(urlFor(name, inAnHour()), { headers: { Range: `bytes=${bytes.length + 10}-` } });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a tampered signature, a tampered expiry and a missing signature with a 403 JSON error', async () => {
    const exp = inAnHour();
    const sig = localFileSignature(name, exp, SECRET);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    for (const url of [
      urlFor(name, exp, flipped),
      urlFor(name, exp + 3600, sig),
      `${local.baseUrl}/files/${name}`,
      `${local.baseUrl}/files/${name}?exp=${exp}`,
    ]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
  });

  it('refuses an expired URL with 403 and says it expired', async () => {
    const exp = Math.floor(Date.now() / 1000) - 1;
    const response = await fetch(urlFor(name, exp));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it('answers 404 for a validly signed URL to an object that does not exist', async () => {
    const response = await fetch(urlFor('images/u_1/t_1/never.png', inAnHour()));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('never serves files outside the objects tree, even for a path signed with the real secret', async () => {
    // The store never signs such a name; this proves the router does not rely on that alone.
    const exp = inAnHour();
    const sig = localFileSignature('../meta/images/u_1/t_1/img_local.png.json', exp, SECRET);
    const traversal = await fetch(`${local.baseUrl}/files/..%2Fmeta%2Fimages%2Fu_1%2Ft_1%2Fimg_local.png.json?exp=${exp}&sig=${sig}`);
    expect(traversal.status).toBe(400);
    expect(await traversal.text()).not.toContain('image/png');
  });

  it('completes a put whose writer died between publishing the bytes and writing the sidecar', async () => {
    const orphan = 'attachments/u_1/att_orphan';
    await store.put(orphan, Buffer.from('orphaned'), { contentType: 'text/plain' });
    await unlink(join(local.root, 'meta', `${orphan}.json`));
    expect(await store.stat(orphan)).toBeNull();
    expect(await store.put(orphan, Buffer.from('orphaned'), { contentType: 'text/plain' })).toEqual({ created: false });
    expect(await store.stat(orphan)).toMatchObject({ contentType: 'text/plain', size: 8 });
    await unlink(join(local.root, 'meta', `${orphan}.json`));
    await expect(store.put(orphan, Buffer.from('different'), { contentType: 'text/plain' })).rejects.toBeInstanceOf(Conflict);
  });

  it('refuses to start with a short signing secret', () => {
    expect(() => createLocalBlobStore({ root: local.root, publicBaseUrl: local.baseUrl, signingSecret: 'short' })).toThrow(/signingSecret/);
  });

  it('fails ping with ServiceUnavailable when the root cannot be created', async () => {
    const broken = createLocalBlobStore({
      root: join(local.root, 'objects', name, 'inside-a-file'),
      publicBaseUrl: local.baseUrl,
      signingSecret: SECRET,
    });
    await expect(broken.ping()).rejects.toBeInstanceOf(ServiceUnavailable);
  });
});
