// The GCS driver through the real @google-cloud/storage client against @switchyard/gcs-test-server:
// the shared contract, then what is specific to GCS (stored object shape, URLs, readiness).

import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Storage } from '@google-cloud/storage';
import { Conflict, ServiceUnavailable } from '@switchyard/errors';
import { startGcsTestServer, type GcsTestServer } from '@switchyard/gcs-test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcsBlobStore, type BlobStore } from '../src/index.ts';
import { describeBlobStoreContract } from './blob-store-contract.ts';

// A throwaway signing identity: V4 signing is local, so any RSA key works, and the server verifies with its public half.
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const credentials = { client_email: 'blob-signer@switchyard-test.iam.gserviceaccount.com', private_key: privateKey };
const BUCKET = 'switchyard-blobs';

async function startServer(): Promise<GcsTestServer> {
  return startGcsTestServer({ buckets: [BUCKET], autoCreateBuckets: false, signingKeys: { [credentials.client_email]: publicKey } });
}

describeBlobStoreContract('gcs', async () => {
  const server = await startServer();
  return {
    store: createGcsBlobStore({ bucket: BUCKET, apiEndpoint: server.url, projectId: 'switchyard-test', credentials }),
    teardown: () => server.close(),
  };
});

describe('GCS driver specifics', () => {
  let server: GcsTestServer;
  let store: BlobStore;

  beforeAll(async () => {
    server = await startServer();
    store = createGcsBlobStore({ bucket: BUCKET, apiEndpoint: server.url, projectId: 'switchyard-test', credentials });
  });
  afterAll(async () => {
    await server.close();
  });

  it('stores the object with its content type and sha256 custom metadata, in one generation', async () => {
    const bytes = Buffer.from('gcs object');
    await store.put('images/u_1/t_1/img_shape.png', bytes, { contentType: 'image/png', metadata: { owner: 'u_1' } });
    await store.put('images/u_1/t_1/img_shape.png', bytes, { contentType: 'image/png', metadata: { owner: 'u_1' } });
    const stored = server.objects(BUCKET).filter((o) => o.name === 'images/u_1/t_1/img_shape.png');
    expect(stored).toEqual([
      {
        name: 'images/u_1/t_1/img_shape.png',
        size: bytes.length,
        contentType: 'image/png',
        metadata: { owner: 'u_1', sha256: createHash('sha256').update(bytes).digest('hex') },
        generation: expect.stringMatching(/^\d+$/) as unknown as string,
      },
    ]);
  });

  it('signs V4 URLs for the configured endpoint, path-style', async () => {
    const url = new URL(await store.signedUrl('images/u_1/t_1/img_shape.png', { expiresInSeconds: 120 }));
    expect(url.origin).toBe(server.url);
    expect(url.pathname).toBe(`/${BUCKET}/images/u_1/t_1/img_shape.png`);
    expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(url.searchParams.get('X-Goog-Expires')).toBe('120');
  });

  it('treats an object another writer created without a sha256 as a conflict', async () => {
    const raw = new Storage({ apiEndpoint: server.url, projectId: 'switchyard-test' });
    await raw.bucket(BUCKET).file('attachments/u_1/att_foreign').save('foreign', { resumable: false });
    await expect(store.put('attachments/u_1/att_foreign', Buffer.from('foreign'), { contentType: 'text/plain' })).rejects.toBeInstanceOf(
      Conflict,
    );
  });

  it('fails ping with ServiceUnavailable when the bucket does not exist', async () => {
    const missing = createGcsBlobStore({ bucket: 'no-such-bucket', apiEndpoint: server.url, projectId: 'switchyard-test', credentials });
    await expect(missing.ping()).rejects.toBeInstanceOf(ServiceUnavailable);
  });

  it('fails ping and reads with ServiceUnavailable when the endpoint is unreachable', async () => {
    const down = await startServer();
    const url = down.url;
    await down.close();
    const unreachable = createGcsBlobStore({ bucket: BUCKET, apiEndpoint: url, projectId: 'switchyard-test', credentials, maxRetries: 0 });
    await expect(unreachable.ping()).rejects.toBeInstanceOf(ServiceUnavailable);
    await expect(unreachable.get('images/u_1/t_1/img_shape.png')).rejects.toBeInstanceOf(ServiceUnavailable);
  });

  it('fails ping within its budget when the endpoint accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const blackhole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as AddressInfo).port;
    try {
      const hung = createGcsBlobStore({ bucket: BUCKET, apiEndpoint: `http://127.0.0.1:${port}`, credentials, pingTimeoutMs: 300 });
      const started = Date.now();
      await expect(hung.ping()).rejects.toBeInstanceOf(ServiceUnavailable);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });
});
