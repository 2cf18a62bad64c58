// The embedded blob store driver: objects as files under a root directory, served by the gateway's
// files route through expiring HMAC-signed URLs. Same create-once contract as the GCS driver.

import { createHash } from 'node:crypto';
import { access, constants, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Conflict, NotFound, ServiceUnavailable } from '@switchyard/errors';
import {
  assertExpiry,
  SHA256_METADATA_KEY,
  withSha256,
  type BlobStat,
  type BlobStore,
  type PutOptions,
  type PutResult,
} from './blob-store.ts';
import { isErrno, LocalObjectFiles, type Sidecar } from './local-object-files.ts';
import { assertValidObjectName } from './object-names.ts';
import { signLocalFileUrl } from './url-signing.ts';

export interface LocalBlobStoreOptions {
  root: string;
  /** Origin (and optional path prefix) the gateway is reached at, e.g. `http://localhost:8080`. */
  publicBaseUrl: string;
  /** HMAC key for file URLs; the files router must be given the same one. */
  signingSecret: string;
}

export function createLocalBlobStore(opts: LocalBlobStoreOptions): BlobStore {
  assertSigningSecret(opts.signingSecret);
  const publicBaseUrl = new URL(opts.publicBaseUrl).href.replace(/\/+$/, '');
  const files = new LocalObjectFiles(opts.root);
  let ready: Promise<void> | undefined;
  const ensureDirs = (): Promise<void> =>
    (ready ??= Promise.all([files.objectsDir, files.metaDir, files.tmpDir].map((dir) => mkdir(dir, { recursive: true }))).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    ));

  async function stat(name: string): Promise<BlobStat | null> {
    const sidecar = await files.readSidecar(name);
    return sidecar && { size: sidecar.size, contentType: sidecar.contentType, metadata: sidecar.metadata };
  }

  async function put(name: string, bytes: Buffer, putOpts: PutOptions): Promise<PutResult> {
    assertValidObjectName(name);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const sidecar: Sidecar = {
      size: bytes.length,
      contentType: putOpts.contentType,
      metadata: withSha256(putOpts.metadata, sha256),
      createdAt: new Date().toISOString(),
    };
    await ensureDirs();
    const dataPath = files.dataPath(name);
    await Promise.all([mkdir(dirname(dataPath), { recursive: true }), mkdir(dirname(files.sidecarPath(name)), { recursive: true })]);

    // Write the bytes in full to a temp file, then publish them with link(2): unlike rename(2), which
    // silently replaces, link fails with EEXIST, so exactly one writer ever creates a name.
    const temp = files.tempPath();
    try {
      await writeDurably(temp, bytes);
      try {
        await link(temp, dataPath);
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        return await resolveExisting(name, dataPath, sha256, sidecar);
      }
      // The sidecar is written after the bytes, so a reader that finds a sidecar always finds the data.
      await files.writeSidecar(name, sidecar);
      return { created: true };
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** A name already taken: identical bytes are an idempotent retry, anything else conflicts. */
  async function resolveExisting(name: string, dataPath: string, sha256: string, sidecar: Sidecar): Promise<PutResult> {
    const existing = await files.readSidecar(name);
    if (existing) {
      if (existing.metadata[SHA256_METADATA_KEY] === sha256) return { created: false };
      throw new Conflict(`Object ${name} already exists with different content`);
    }
    // Bytes without a sidecar: a concurrent put between its link and its sidecar, or one that died
    // there. The bytes on disk are complete (linked only after a full write), so compare them.
    const onDisk = createHash('sha256')
      .update(await readFile(dataPath))
      .digest('hex');
    if (onDisk !== sha256) throw new Conflict(`Object ${name} already exists with different content`);
    await files.writeSidecar(name, sidecar);
    return { created: false };
  }

  return {
    driver: 'local',
    put,
    stat,

    async get(name) {
      const sidecar = await files.readSidecar(name);
      if (!sidecar) throw new NotFound(`Object ${name} not found`);
      try {
        return await readFile(files.dataPath(name));
      } catch (err) {
        if (isErrno(err, 'ENOENT')) throw new NotFound(`Object ${name} not found`);
        throw err;
      }
    },

    async delete(name) {
      // Sidecar first: from that moment stat and get agree the object is gone.
      for (const path of [files.sidecarPath(name), files.dataPath(name)]) {
        await unlink(path).catch((err: unknown) => {
          if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
        });
      }
    },

    async signedUrl(name, { expiresInSeconds }) {
      assertValidObjectName(name);
      assertExpiry(expiresInSeconds);
      const exp = Math.floor(Date.now() / 1000) + expiresInSeconds;
      return signLocalFileUrl({ publicBaseUrl, name, exp, secret: opts.signingSecret });
    },

    async ping() {
      try {
        await ensureDirs();
        await access(files.root, constants.R_OK | constants.W_OK);
      } catch (err) {
        throw new ServiceUnavailable(`Local blob store at ${files.root} is not usable`, { cause: err });
      }
    },
  };
}

function assertSigningSecret(secret: string): void {
  // A short or empty secret would make every file URL forgeable; fail at startup, not at first use.
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new Error('The local blob store needs a signingSecret of at least 16 characters');
  }
}

async function writeDurably(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    // Flushed before it is linked into place, so a crash never publishes a truncated object.
    await handle.sync();
  } finally {
    await handle.close();
  }
}
