// The files route's presentation and refusal details: Content-Disposition on every file (inline for the
// raster images the page shows, attachment for anything else, the name sanitized and RFC 5987 encoded),
// and a path that cannot be decoded answered as JSON 400, never as the framework's HTML error page.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore, createLocalFilesRouter, DOWNLOAD_NAME_METADATA_KEY, type BlobStore } from '../src/index.ts';
import { contentDispositionFor, downloadName } from '../src/local-files-router.ts';

const SECRET = 'test-signing-secret-0123456789';
let root: string;
let server: Server;
let base: string;
let store: BlobStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'switchyard-files-'));
  const app = express();
  app.use('/files', createLocalFilesRouter({ root, signingSecret: SECRET }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = createLocalBlobStore({ root, publicBaseUrl: base, signingSecret: SECRET });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

async function served(name: string, bytes: Buffer, contentType: string, metadata: Record<string, string> = {}) {
  await store.put(name, bytes, { contentType, metadata });
  return fetch(await store.signedUrl(name, { expiresInSeconds: 60 }));
}

describe('Content-Disposition', () => {
  it('serves a generated PNG inline under its object name', async () => {
    const res = await served('images/u_1/t_1/img_1.png', Buffer.from('png bytes'), 'image/png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('inline; filename=img_1.png');
  });

  it('serves anything else as an attachment, under the stored download name when there is one', async () => {
    const html = await served('attachments/u_1/atc_html', Buffer.from('<script>alert(1)</script>'), 'text/html', {
      [DOWNLOAD_NAME_METADATA_KEY]: 'page.html',
    });
    expect(html.headers.get('content-disposition')).toBe('attachment; filename=page.html');
    const svg = await served('attachments/u_1/atc_svg', Buffer.from('<svg/>'), 'image/svg+xml');
    expect(svg.headers.get('content-disposition')).toBe('attachment; filename=atc_svg');
  });

  it('keeps it on HEAD and range answers, and drops it from JSON errors', async () => {
    const name = 'images/u_1/t_1/img_2.webp';
    await store.put(name, Buffer.from('webp bytes'), { contentType: 'image/webp' });
    const url = await store.signedUrl(name, { expiresInSeconds: 60 });
    expect((await fetch(url, { method: 'HEAD' })).headers.get('content-disposition')).toBe('inline; filename=img_2.webp');
    expect((await fetch(url, { headers: { Range: 'bytes=0-3' } })).headers.get('content-disposition')).toBe('inline; filename=img_2.webp');
    const unsatisfiable = await fetch(url, { headers: { Range: 'bytes=999-' } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-disposition')).toBeNull();
  });

  it('sanitizes names: no control characters or separators, an ASCII fallback and a UTF-8 filename*', () => {
    expect(downloadName('a\r\nb/c\\d\u0000.txt', 'x')).toBe('a__b_c_d_.txt');
    expect(downloadName('  ..hidden  ', 'x')).toBe('hidden');
    expect(downloadName('', 'attachments/u/atc_1')).toBe('atc_1');
    expect(downloadName(undefined, '...')).toBe('download');
    expect([...downloadName('é'.repeat(500), 'x')]).toHaveLength(200);
    expect(contentDispositionFor('application/pdf', 'naïve “x”.pdf')).toBe(
      `attachment; filename="na?ve ?x?.pdf"; filename*=UTF-8''na%C3%AFve%20%E2%80%9Cx%E2%80%9D.pdf`,
    );
    expect(contentDispositionFor('IMAGE/JPEG; q=1', 'a "b".jpg')).toBe('inline; filename="a \\"b\\".jpg"');
  });
});

describe('undecodable paths', () => {
  it.each(['/files/%zz?exp=1&sig=x', '/files/a/%E0%A4%A?exp=1', '/files/%zz'])('%s answers JSON 400', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
    expect(body).not.toMatch(/<html|node_modules|at \w+ \(/i);
  });
});
