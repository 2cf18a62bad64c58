// MongoDB's limits on what it accepts, with its own codes and messages. Every check here is iterative
// and runs before anything recursive (bson's deserializer, mingo, a deep copy) touches the value, so
// no input can exhaust the stack, and nothing over a limit is ever stored to break later queries.
//
// Sources (mongodb/mongo): src/mongo/bson/bson_depth.h (maxBSONDepth 200, storage 20 below it),
// src/mongo/bson/bson_validate.cpp, src/mongo/db/ops/insert.cpp (validateDepth, fixDocumentForInsert),
// src/mongo/db/update/storage_validation.cpp, src/mongo/db/exec/update_stage.cpp and upsert_stage.cpp,
// src/mongo/db/pipeline/field_path.cpp; codes from src/mongo/base/error_codes.yml.
import { calculateObjectSize } from 'bson';
import { CommandError } from './errors.ts';
import { bsonType, isPlainObject } from './values.ts';
import type { Doc } from './values.ts';

/** maxBsonObjectSize (BSONObjMaxUserSize): the largest document that may be stored, 16 MiB. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
/** BSONObjMaxInternalSize: a command document may exceed a user document by 16 KiB. */
export const MAX_COMMAND_OBJECT_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;
/** maxMessageSizeBytes, as advertised by hello; a longer message closes the connection. */
export const MAX_MESSAGE_BYTES = 48_000_000;
/** mongod's maxBSONDepth default: no BSON object in a message, and no field path, may nest deeper. */
export const MAX_BSON_DEPTH = 200;
/**
 * The documented "Nested Depth for BSON Documents" limit for stored documents. (mongod enforces
 * maxBSONDepth - 20 = 180 by default; the dev server holds to the documented 100, which is stricter.)
 */
export const MAX_STORAGE_DEPTH = 100;

const SIZE_LIMIT_TEXT = `${String(MAX_COMMAND_OBJECT_SIZE)}(${String(Math.floor(MAX_COMMAND_OBJECT_SIZE / 2 ** 20))}MB)`;

function tooLargeForCommand(size: number): CommandError {
  const message = `BSONObj size: ${String(size)} (0x${size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${SIZE_LIMIT_TEXT}`;
  return new CommandError('BSONObjectTooLarge', message);
}

const tooDeepForCommand = (): CommandError =>
  new CommandError('Overflow', `BSONObj exceeded maximum nested object depth: ${String(MAX_BSON_DEPTH)}`);

class MalformedBson extends Error {}

/** Bytes after the element name for fixed-size types; variable-size ones are measured below. */
const FIXED_SIZES = new Map<number, number>([
  [0x01, 8], // double
  [0x06, 0], // undefined
  [0x07, 12], // ObjectId
  [0x08, 1], // bool
  [0x09, 8], // UTC datetime
  [0x0a, 0], // null
  [0x10, 4], // int32
  [0x11, 8], // timestamp
  [0x12, 8], // int64
  [0x13, 16], // decimal128
  [0xff, 0], // MinKey
  [0x7f, 0], // MaxKey
]);

/** A length-prefixed document (or array) at `pos` that must end by `limit`; returns its size. */
function documentSize(buffer: Buffer, pos: number, limit: number): number {
  if (pos + 4 > limit) throw new MalformedBson('truncated document');
  const size = buffer.readInt32LE(pos);
  if (size < 5 || pos + size > limit) throw new MalformedBson('document length out of range');
  return size;
}

/** Bytes of a BSON string value (int32 length, bytes, NUL) at `pos`. */
function stringSize(buffer: Buffer, pos: number, limit: number): number {
  if (pos + 4 > limit) throw new MalformedBson('truncated string');
  const length = buffer.readInt32LE(pos);
  if (length < 1 || pos + 4 + length > limit) throw new MalformedBson('string length out of range');
  return 4 + length;
}

function cstringEnd(buffer: Buffer, pos: number, limit: number): number {
  const end = buffer.indexOf(0, pos);
  if (end < 0 || end >= limit) throw new MalformedBson('unterminated cstring');
  return end + 1;
}

/** The size of a scalar element's value at `pos`. */
function valueSize(type: number, buffer: Buffer, pos: number, limit: number): number {
  const fixed = FIXED_SIZES.get(type);
  if (fixed !== undefined) return fixed;
  switch (type) {
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return stringSize(buffer, pos, limit);
    case 0x05: {
      // binary: int32 length, subtype, bytes
      if (pos + 4 > limit) throw new MalformedBson('truncated binary');
      const length = buffer.readInt32LE(pos);
      if (length < 0) throw new MalformedBson('binary length out of range');
      return 5 + length;
    }
    case 0x0b: // regex: pattern and options, two cstrings
      return cstringEnd(buffer, cstringEnd(buffer, pos, limit), limit) - pos;
    case 0x0c: // DBPointer: string, ObjectId
      return stringSize(buffer, pos, limit) + 12;
    default:
      throw new MalformedBson(`unknown BSON type 0x${type.toString(16)}`);
  }
}

/**
 * Checks one BSON document of a message, without building it: at most MAX_COMMAND_OBJECT_SIZE bytes
 * (BSONObjectTooLarge, 10334) and at most MAX_BSON_DEPTH levels, the document itself being level 1
 * (Overflow, 15); both answered like mongod's BSON validation. Walks with an explicit stack, so any
 * depth costs only heap. Returns the document's size; bytes that are not BSON throw a plain Error.
 */
export function checkCommandDocument(buffer: Buffer, start: number, limit: number): number {
  const size = documentSize(buffer, start, limit);
  if (size > MAX_COMMAND_OBJECT_SIZE) throw tooLargeForCommand(size);
  // The offset of the terminating NUL of every document still open, outermost first.
  const ends = [start + size - 1];
  let pos = start + 4;
  for (let end = ends[0]; end !== undefined; end = ends[ends.length - 1]) {
    if (pos === end) {
      if (buffer[pos] !== 0) throw new MalformedBson('document not terminated');
      pos += 1;
      ends.pop();
      continue;
    }
    const type = buffer[pos] ?? 0;
    pos = cstringEnd(buffer, pos + 1, end);
    if (type === 0x03 || type === 0x04) {
      const inner = documentSize(buffer, pos, end);
      if (ends.length >= MAX_BSON_DEPTH) throw tooDeepForCommand();
      ends.push(pos + inner - 1);
      pos += 4;
    } else if (type === 0x0f) {
      // code with scope: int32 total length, code string, scope document ending the element
      const total = documentSize(buffer, pos, end);
      const scope = pos + 4 + stringSize(buffer, pos + 4, pos + total);
      if (scope + documentSize(buffer, scope, pos + total) !== pos + total) throw new MalformedBson('bad code with scope');
      if (ends.length >= MAX_BSON_DEPTH) throw tooDeepForCommand();
      ends.push(pos + total - 1);
      pos = scope + 4;
    } else {
      pos += valueSize(type, buffer, pos, end);
      if (pos > end) throw new MalformedBson('element overruns its document');
    }
  }
  return size;
}

/** Embedded documents and arrays, as MongoDB counts them (a DBRef is stored as a document). */
function children(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return Object.values(value);
  if (bsonType(value) === 'DBRef') {
    const ref = value as { oid: unknown; fields?: Doc };
    return [ref.oid, ...Object.values(ref.fields ?? {})];
  }
  return undefined;
}

/**
 * Whether `doc` nests deeper than `limit`, counted as mongod's validateDepth counts: the document
 * itself is level 1, each non-empty embedded document or array one more, an empty one nothing.
 */
export function nestsDeeperThan(doc: Doc, limit: number): boolean {
  const stack: [unknown, number][] = [[doc, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth] = top;
    for (const child of children(value) ?? []) {
      const grandchildren = children(child);
      if (!grandchildren || grandchildren.length === 0) continue;
      if (depth + 1 > limit) return true;
      stack.push([child, depth + 1]);
    }
  }
  return false;
}

const bsonSize = (doc: Doc): number => calculateObjectSize(doc, { ignoreUndefined: true });

/** A document about to be inserted (insert.cpp's fixDocumentForInsert). */
export function checkInsertable(doc: Doc): void {
  if (nestsDeeperThan(doc, MAX_STORAGE_DEPTH)) {
    throw new CommandError('Overflow', `cannot insert document because it exceeds ${String(MAX_STORAGE_DEPTH)} levels of nesting`);
  }
  const size = bsonSize(doc);
  if (size > MAX_BSON_OBJECT_SIZE) {
    throw new CommandError(
      'BadValue',
      `object to insert too large. size in bytes: ${String(size)}, max size: ${String(MAX_BSON_OBJECT_SIZE)}`,
    );
  }
}

/** The result of an update, or the document an upsert inserts (storage_validation, update/upsert stage). */
export function checkUpdated(doc: Doc, { upsert }: { upsert: boolean }): void {
  if (nestsDeeperThan(doc, MAX_STORAGE_DEPTH)) {
    throw new CommandError('Overflow', `Document exceeds maximum nesting depth of ${String(MAX_STORAGE_DEPTH)}`);
  }
  if (bsonSize(doc) <= MAX_BSON_OBJECT_SIZE) return;
  if (upsert) throw new CommandError('Location17420', `Document to upsert is larger than ${String(MAX_BSON_OBJECT_SIZE)}`);
  throw new CommandError('BSONObjectTooLarge', `Resulting document after update is larger than ${String(MAX_BSON_OBJECT_SIZE)}`);
}

const pathParts = (path: string): number => {
  let parts = 1;
  for (let i = path.indexOf('.'); i >= 0; i = path.indexOf('.', i + 1)) parts += 1;
  return parts;
};

/** A field path of more than MAX_BSON_DEPTH parts is refused, as FieldPath refuses it. */
export function checkFieldPath(path: string): void {
  if (pathParts(path) > MAX_BSON_DEPTH) throw new CommandError('Overflow', 'FieldPath is too long');
}

/**
 * Every key of a filter, sort, projection or pipeline, at any level, and every `$`-prefixed string
 * (a pipeline's field references), taken as a field path. mingo walks a path recursively, one call
 * per part, so this also bounds that recursion.
 */
export function checkFieldPaths(spec: unknown): void {
  const stack: unknown[] = [spec];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string' && value.startsWith('$')) checkFieldPath(value);
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        checkFieldPath(key);
        stack.push(child);
      }
    }
  }
}
