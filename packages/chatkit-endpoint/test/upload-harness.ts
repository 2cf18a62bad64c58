// A gateway stand-in for the attachment tests: the upload router and the local files route on a real
// express app (port 0), the real ChatStore on the MongoDB test server, blobs in a temp directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { MongoClient } from 'mongodb';
import { createLocalBlobStore, createLocalFilesRouter, type BlobStore } from '@switchyard/blob';
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import { ChatStore } from '@switchyard/store';
import type { AttachmentDeps, ImageLimits } from '@switchyard/attachments';
import { createUploadRouter } from '../src/upload-router.ts';

const FILES_SECRET = 'files-signing-secret-0123456789';
const UPLOAD_SECRET = 'upload-token-secret-0123456789';
export const USER_HEADER = 'x-switchyard-user';

export interface UploadHarness {
  baseUrl: string;
  deps: AttachmentDeps;
  store: ChatStore;
  blob: BlobStore;
  /** The local blob root (objects under `objects/`). */
  root: string;
  close(): Promise<void>;
}

export async function startUploadHarness(opts: { maxUploadBytes: number; imageLimits?: ImageLimits }): Promise<UploadHarness> {
  let mongo: MongoTestServer | undefined;
  let url = process.env.MONGODB_URL;
  if (!url) {
    mongo = await startMongoTestServer();
    url = mongo.url;
  }
  const client = new MongoClient(url);
  await client.connect();
  const store = new ChatStore(client.db(`attachments_test_${randomBytes(4).toString('hex')}`));
  await store.ensureIndexes();

  const root = await mkdtemp(join(tmpdir(), 'switchyard-uploads-'));
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  // The base URL is only known once listening; the routes are mounted after it.
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const blob = createLocalBlobStore({ root, publicBaseUrl: baseUrl, signingSecret: FILES_SECRET });
  const deps: AttachmentDeps = {
    store,
    blob,
    publicBaseUrl: baseUrl,
    maxUploadBytes: opts.maxUploadBytes,
    urlTtlSeconds: 600,
    uploadTokenSecret: UPLOAD_SECRET,
    ...(opts.imageLimits ? { imageLimits: opts.imageLimits } : {}),
  };
  app.use('/files', createLocalFilesRouter({ root, signingSecret: FILES_SECRET }));
  app.use(createUploadRouter({ ...deps, ownerOf: async (req) => req.get(USER_HEADER) ?? 'dev' }));

  return {
    baseUrl,
    deps,
    store,
    blob,
    root,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.db.dropDatabase().catch(() => undefined);
      await client.close();
      await mongo?.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A real 1×1 RGBA PNG. */
export const PNG_BYTES = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** The opening of a PDF: enough for magic-number detection. */
export const PDF_BYTES = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
