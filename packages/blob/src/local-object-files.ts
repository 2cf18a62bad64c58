// The local driver's on-disk layout, shared by the store and the files router: object bytes under
// `objects/`, a JSON sidecar per object under `meta/`, and temp files under `tmp/` (same filesystem).

import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { assertValidObjectName } from './object-names.ts';

export interface Sidecar {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
  createdAt: string;
}

export class LocalObjectFiles {
  readonly root: string;
  readonly objectsDir: string;
  readonly metaDir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.objectsDir = join(this.root, 'objects');
    this.metaDir = join(this.root, 'meta');
    this.tmpDir = join(this.root, 'tmp');
  }

  /** Where the bytes live. Separate trees keep a sidecar from ever colliding with an object's name. */
  dataPath(name: string): string {
    return this.inside(this.objectsDir, name, '');
  }

  sidecarPath(name: string): string {
    return this.inside(this.metaDir, name, '.json');
  }

  tempPath(): string {
    return join(this.tmpDir, randomUUID());
  }

  /** The sidecar, or null when the object does not exist (or its write never completed). */
  async readSidecar(name: string): Promise<Sidecar | null> {
    let text: string;
    try {
      text = await readFile(this.sidecarPath(name), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
    return parseSidecar(text, name);
  }

  /** Replaces the sidecar atomically: readers see the old JSON or the new one, never half of it. */
  async writeSidecar(name: string, sidecar: Sidecar): Promise<void> {
    const temp = this.tempPath();
    await writeFile(temp, JSON.stringify(sidecar), { flag: 'wx' });
    await rename(temp, this.sidecarPath(name));
  }

  private inside(dir: string, name: string, suffix: string): string {
    assertValidObjectName(name);
    const path = join(dir, ...name.split('/')) + suffix;
    // Belt and braces: validation already rules out traversal, this makes it impossible by construction.
    if (!path.startsWith(dir + sep)) throw new Error(`Object path escapes its directory: ${name}`);
    return path;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

function parseSidecar(text: string, name: string): Sidecar {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    const metadata = v.metadata;
    if (
      typeof v.size === 'number' &&
      typeof v.contentType === 'string' &&
      typeof v.createdAt === 'string' &&
      typeof metadata === 'object' &&
      metadata !== null &&
      Object.values(metadata).every((m) => typeof m === 'string')
    ) {
      return { size: v.size, contentType: v.contentType, createdAt: v.createdAt, metadata: { ...(metadata as Record<string, string>) } };
    }
  }
  throw new Error(`Corrupt sidecar for local object ${name}`);
}
