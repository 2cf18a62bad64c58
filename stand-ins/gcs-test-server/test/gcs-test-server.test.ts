// The real @google-cloud/storage client against the test server, once per way of pointing it there
// (`apiEndpoint` and `STORAGE_EMULATOR_HOST`), plus the raw HTTP behaviours the client relies on.

import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ApiError, Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGcsTestServer, type GcsTestServer } from '../src/index.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const credentials = { client_email: 'signer@switchyard-test.iam.gserviceaccount.com', private_key: privateKey };

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Both documented ways of aiming the client at a non-Google endpoint. */
const endpointStyles = {
  apiEndpoint: (url: string) => new Storage({ apiEndpoint: url, projectId: 'switchyard-test', credentials }),
  STORAGE_EMULATOR_HOST: (url: string) => {
    // The client reads the variable in its constructor (and, for post policies, when signing).
    const previous = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = url;
    try {
      return new Storage({ projectId: 'switchyard-test', credentials });
    } finally {
      if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = previous;
    }
  },
} as const;

async function expectApiError(promise: Promise<unknown>, code: number): Promise<ApiError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  expect((err as ApiError).code).toBe(code);
  return err as ApiError;
}

describe.each(Object.entries(endpointStyles))('with the client configured by %s', (_style, makeStorage) => {
  let server: GcsTestServer;
  let storage: Storage;

  beforeAll(async () => {
    server = await startGcsTestServer({ signingKeys: { [credentials.client_email]: publicKey } });
    storage = makeStorage(server.url);
    await storage.createBucket('images-bucket');
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates and reads buckets explicitly, and refuses a duplicate with 409', async () => {
    const [exists] = await storage.bucket('images-bucket').exists();
    expect(exists).toBe(true);
    const [metadata] = await storage.bucket('images-bucket').getMetadata();
    expect(metadata.name).toBe('images-bucket');
    await expectApiError(storage.createBucket('images-bucket'), 409);
    const [missing] = await storage.bucket('no-such-bucket').exists();
    expect(missing).toBe(false);
  });

  it('stores a single-request (multipart) upload with its content type and custom metadata', async () => {
    const bytes = Buffer.from('multipart bytes \u0000\u00ff binary-safe');
    const file = storage.bucket('images-bucket').file('images/u1/t1/a.png');
    await file.save(bytes, {
      resumable: false,
      contentType: 'image/png',
      metadata: { metadata: { sha256: sha256(bytes), owner: 'u1' } },
    });
    const [metadata] = await file.getMetadata();
    expect(metadata.contentType).toBe('image/png');
    expect(metadata.size).toBe(String(bytes.length));
    expect(metadata.metadata).toEqual({ sha256: sha256(bytes), owner: 'u1' });
    const [downloaded] = await file.download();
    expect(Buffer.compare(downloaded, bytes)).toBe(0);
    expect(server.objects('images-bucket').find((o) => o.name === 'images/u1/t1/a.png')).toMatchObject({
      size: bytes.length,
      contentType: 'image/png',
      metadata: { owner: 'u1' },
    });
  });

  it('stores a resumable upload made in one request, and one made in several chunks', async () => {
    const small = Buffer.from('resumable in one go');
    const one = storage.bucket('images-bucket').file('resumable/one.txt');
    await one.save(small, { resumable: true, contentType: 'text/plain', metadata: { metadata: { kind: 'one' } } });
    const [oneMeta] = await one.getMetadata();
    expect(oneMeta).toMatchObject({ contentType: 'text/plain', metadata: { kind: 'one' } });

    // 256 KiB is the smallest chunk the client allows; 600 KiB makes three PUTs with 308s between.
    const large = Buffer.alloc(600 * 1024, 7);
    large.write('head', 0);
    const chunked = storage.bucket('images-bucket').file('resumable/chunked.bin');
    await chunked.save(large, { resumable: true, chunkSize: 256 * 1024, contentType: 'application/octet-stream' });
    const [downloaded] = await chunked.download();
    expect(sha256(downloaded)).toBe(sha256(large));
  });

  it('answers ifGenerationMatch=0 on an existing object with a GCS-shaped 412, for both upload paths', async () => {
    const file = storage.bucket('images-bucket').file('precondition/x.txt');
    await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const simple = await expectApiError(file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }), 412);
    expect(simple.errors?.[0]?.reason).toBe('conditionNotMet');
    const resumable: unknown = await file
      .save('third', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } })
      .catch((e: unknown) => e);
    expect((resumable as { code?: unknown }).code).toBe(412);
    const [content] = await file.download();
    expect(content.toString()).toBe('first');
  });

  it('gives every write a new, larger generation', async () => {
    const file = storage.bucket('images-bucket').file('generations/g.txt');
    await file.save('v1', { resumable: false });
    const [first] = await file.getMetadata();
    await file.save('v2', { resumable: false });
    const [second] = await file.getMetadata();
    expect(BigInt(String(second.generation))).toBeGreaterThan(BigInt(String(first.generation)));
    await expectApiError(file.save('v3', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(first.generation) } }), 412);
    await file.save('v3', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(second.generation) } });
  });

  it('downloads byte ranges', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    const file = storage.bucket('images-bucket').file('ranges/r.bin');
    await file.save(bytes, { resumable: false });
    const [slice] = await file.download({ start: 3, end: 7 });
    expect(slice.toString()).toBe('34567');
  });

  it('deletes objects, 404s on a missing one, and ignores it when asked', async () => {
    const file = storage.bucket('images-bucket').file('delete/d.txt');
    await file.save('gone soon', { resumable: false });
    await file.delete();
    const [exists] = await file.exists();
    expect(exists).toBe(false);
    await expectApiError(file.getMetadata(), 404);
    await expectApiError(file.delete(), 404);
    await file.delete({ ignoreNotFound: true });
    await expectApiError(file.download(), 404);
  });

  it('lists objects by prefix and by delimiter', async () => {
    const bucket = storage.bucket('images-bucket');
    for (const name of ['list/a/1.txt', 'list/a/2.txt', 'list/b/3.txt', 'list/top.txt'])
      await bucket.file(name).save(name, { resumable: false });
    const [files] = await bucket.getFiles({ prefix: 'list/a/' });
    expect(files.map((f) => f.name)).toEqual(['list/a/1.txt', 'list/a/2.txt']);
    const [, , response] = await bucket.getFiles({ prefix: 'list/', delimiter: '/', autoPaginate: false });
    expect((response as { prefixes?: string[] }).prefixes).toEqual(['list/a/', 'list/b/']);
    const [firstPage, nextQuery] = await bucket.getFiles({ prefix: 'list/', maxResults: 2, autoPaginate: false });
    expect(firstPage).toHaveLength(2);
    expect(nextQuery).toMatchObject({ pageToken: 'list/a/2.txt' });
  });

  it('serves a V4 signed URL at the configured endpoint, path-style, with the stored content type', async () => {
    const bytes = Buffer.from('signed read bytes');
    const file = storage.bucket('images-bucket').file('signed/s.webp');
    await file.save(bytes, { resumable: false, contentType: 'image/webp' });
    const [signed] = await file.getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + 60_000 });
    const url = new URL(signed);
    expect(url.origin).toBe(server.url);
    expect(url.pathname).toBe('/images-bucket/signed/s.webp');
    expect(url.searchParams.get('X-Goog-Expires')).toBe('60');

    const response = await fetch(signed);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(bytes));

    const ranged = await fetch(signed, { headers: { Range: 'bytes=7-10' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 7-10/${bytes.length}`);
    expect(await ranged.text()).toBe('read');

    const [v2] = await file.getSignedUrl({ version: 'v2', action: 'read', expires: Date.now() + 60_000 });
    expect((await fetch(v2)).status).toBe(200);
  });

  it('refuses expired, tampered and unsigned path-style reads', async () => {
    const file = storage.bucket('images-bucket').file('signed/guarded.txt');
    await file.save('guarded', { resumable: false });

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 2 * 60 * 60 * 1000);
    const [expired] = await file.getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + 60_000 });
    vi.useRealTimers();
    const expiredResponse = await fetch(expired);
    expect(expiredResponse.status).toBe(400);
    expect(await expiredResponse.text()).toContain('<Code>ExpiredToken</Code>');

    const [signed] = await file.getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + 60_000 });
    const otherObject = signed.replace('/guarded.txt', '/s.webp');
    expect((await fetch(otherObject)).status).toBe(403);
    const url = new URL(signed);
    url.searchParams.set('X-Goog-Expires', '600');
    expect((await fetch(url)).status).toBe(403);

    const unsigned = await fetch(`${server.url}/images-bucket/signed/guarded.txt`);
    expect(unsigned.status).toBe(403);
  });
});

describe('raw HTTP behaviour', () => {
  let server: GcsTestServer;
  beforeAll(async () => {
    server = await startGcsTestServer({ buckets: ['raw-bucket'] });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const upload = (query: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/upload/storage/v1/b/raw-bucket/o?${query}`, { method: 'POST', body, headers });

  it('accepts uploadType=media with the content type from the header', async () => {
    const response = await upload('uploadType=media&name=media%2Fm.txt', 'media body', { 'Content-Type': 'text/plain' });
    expect(response.status).toBe(200);
    const resource = (await response.json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ name: 'media/m.txt', contentType: 'text/plain', size: '10', bucket: 'raw-bucket' });
    const media = await fetch(`${server.url}/storage/v1/b/raw-bucket/o/${encodeURIComponent('media/m.txt')}?alt=media`);
    expect(await media.text()).toBe('media body');
    expect(media.headers.get('x-goog-hash')).toMatch(/^crc32c=.+,md5=.+$/);
  });

  it('returns the GCS error body for a failed precondition', async () => {
    await upload('uploadType=media&name=p.txt&ifGenerationMatch=0', 'one');
    const response = await upload('uploadType=media&name=p.txt&ifGenerationMatch=0', 'two');
    expect(response.status).toBe(412);
    expect(await response.json()).toEqual({
      error: {
        code: 412,
        message: 'At least one of the pre-conditions you specified did not hold.',
        errors: [
          {
            message: 'At least one of the pre-conditions you specified did not hold.',
            domain: 'global',
            reason: 'conditionNotMet',
            locationType: 'header',
            location: 'If-Match',
          },
        ],
      },
    });
  });

  it('drives a resumable session by hand: status query, partial chunk, final chunk', async () => {
    const start = await fetch(`${server.url}/upload/storage/v1/b/raw-bucket/o?uploadType=resumable&name=manual.bin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Upload-Content-Type': 'application/x-test' },
      body: JSON.stringify({ metadata: { step: 'manual' } }),
    });
    const session = start.headers.get('location');
    expect(session).toMatch(/upload_id=/);
    const put = (body: string, range: string) => fetch(session ?? '', { method: 'PUT', body, headers: { 'Content-Range': range } });
    const first = await put('hello ', 'bytes 0-5/*');
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe('bytes=0-5');
    const status = await put('', 'bytes */*');
    expect(status.status).toBe(308);
    const last = await put('world', 'bytes 6-10/11');
    expect(last.status).toBe(200);
    expect(server.objects('raw-bucket').find((o) => o.name === 'manual.bin')).toMatchObject({
      size: 11,
      contentType: 'application/x-test',
      metadata: { step: 'manual' },
    });
  });

  it('honours Range on alt=media: suffix ranges, open ranges, and 416 past the end', async () => {
    await upload('uploadType=media&name=range.txt', 'abcdefghij');
    const media = (range: string) => fetch(`${server.url}/b/raw-bucket/o/range.txt?alt=media`, { headers: { Range: range } });
    const suffix = await media('bytes=-3');
    expect([suffix.status, await suffix.text(), suffix.headers.get('content-range')]).toEqual([206, 'hij', 'bytes 7-9/10']);
    const open = await media('bytes=8-');
    expect([open.status, await open.text()]).toEqual([206, 'ij']);
    const beyond = await media('bytes=10-20');
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, 'bytes */10']);
  });

  it('404s uploads to unknown buckets when auto-creation is off', async () => {
    const strict = await startGcsTestServer({ autoCreateBuckets: false });
    try {
      const response = await fetch(`${strict.url}/upload/storage/v1/b/nowhere/o?uploadType=media&name=x`, { method: 'POST', body: 'x' });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(404);
    } finally {
      await strict.close();
    }
  });
});

describe('CLI', () => {
  it('starts on the requested port with the requested buckets and stops on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--bucket', 'cli-bucket'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`CLI exited early with ${code}`)));
      });
      const response = await fetch(`${url}/storage/v1/b/cli-bucket`);
      expect(response.status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 20_000);
});
