// Deterministic object names for images and attachments, and the validation every driver applies
// to a name before it touches a bucket or a path on disk.

import { BadRequest } from '@switchyard/errors';

/**
 * One path segment: starts with a letter, digit or `_`, then letters, digits, `.`, `_`, `-`, `@`, `:`
 * (`@` because owners may be e-mail-like ids, `:` because a tenant prefixes its users' ids). All are
 * safe in GCS names, POSIX file paths and URL paths.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._@:-]{0,127}$/;
const EXTENSION = /^[a-z0-9]{1,10}$/;
/** GCS caps names at 1024 bytes; our names are ASCII, so characters equal bytes. */
const MAX_NAME_LENGTH = 1024;
const MAX_PARTIAL_INDEX = 1000;

/** Throws BadRequest unless `name` is a relative, `/`-separated path of safe segments without `..`. */
export function assertValidObjectName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new BadRequest('Object name must be 1 to 1024 characters');
  }
  // `..` is refused anywhere, not only as a whole segment, so no later join or decode can climb out.
  if (name.startsWith('/') || name.includes('..') || !name.split('/').every((segment) => SEGMENT.test(segment))) {
    throw new BadRequest(`Invalid object name: ${JSON.stringify(name)}`);
  }
}

export function imageObjectName(p: { owner: string; threadId: string; imageId: string; partialIndex?: number; ext: string }): string {
  assertId('owner', p.owner);
  assertId('threadId', p.threadId);
  assertId('imageId', p.imageId);
  if (!EXTENSION.test(p.ext)) throw new BadRequest(`Invalid image extension: ${JSON.stringify(p.ext)}`);
  let suffix = '';
  if (p.partialIndex !== undefined) {
    if (!Number.isInteger(p.partialIndex) || p.partialIndex < 0 || p.partialIndex > MAX_PARTIAL_INDEX) {
      throw new BadRequest(`Invalid partial image index: ${p.partialIndex}`);
    }
    suffix = `-partial-${p.partialIndex}`;
  }
  return checked(`images/${p.owner}/${p.threadId}/${p.imageId}${suffix}.${p.ext}`);
}

export function attachmentObjectName(p: { owner: string; attachmentId: string }): string {
  assertId('owner', p.owner);
  assertId('attachmentId', p.attachmentId);
  return checked(`attachments/${p.owner}/${p.attachmentId}`);
}

function assertId(field: string, value: string): void {
  if (typeof value !== 'string' || !SEGMENT.test(value) || value.includes('..')) {
    throw new BadRequest(`Invalid ${field} for an object name: ${JSON.stringify(value)}`);
  }
}

function checked(name: string): string {
  assertValidObjectName(name);
  return name;
}
