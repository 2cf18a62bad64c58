// Framing of the MongoDB wire protocol: the legacy OP_QUERY/OP_REPLY pair the driver still uses for
// its first handshake, and OP_MSG for everything after. Compression is never offered, so never seen.
import { decode, encode } from './values.ts';
import type { Doc } from './values.ts';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;

/** Larger than any message the driver sends (its limit is maxMessageSizeBytes, 48 MB). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export type Request =
  /** OP_MSG: document sequences are already folded into `body` under their identifiers. */
  | { kind: 'msg'; requestId: number; body: Doc; moreToCome: boolean }
  | { kind: 'query'; requestId: number; collection: string; query: Doc }
  | { kind: 'unsupported'; requestId: number; opCode: number };

/** Length of the next message once its 4-byte prefix has arrived. */
export const messageLength = (buffer: Buffer): number | undefined => (buffer.length >= 4 ? buffer.readInt32LE(0) : undefined);

export function parseMessage(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return { requestId, ...parseMsg(message) };
  if (opCode === OP_QUERY) return { requestId, ...parseQuery(message) };
  return { kind: 'unsupported', requestId, opCode };
}

function parseMsg(message: Buffer): { kind: 'msg'; body: Doc; moreToCome: boolean } {
  const flags = message.readUInt32LE(HEADER_BYTES);
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let body: Doc | undefined;
  const sequences: [string, Doc[]][] = [];
  let pos = HEADER_BYTES + 4;
  while (pos < end) {
    const kind = message[pos++];
    const size = message.readInt32LE(pos);
    if (kind === 0) {
      body = decode(message.subarray(pos, pos + size));
    } else if (kind === 1) {
      const [identifier, docsStart] = readCString(message, pos + 4);
      sequences.push([identifier, readDocs(message, docsStart, pos + size)]);
    } else {
      throw new Error(`unknown OP_MSG section kind ${String(kind)}`);
    }
    pos += size;
  }
  if (!body) throw new Error('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  return { kind: 'msg', body, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

function parseQuery(message: Buffer): { kind: 'query'; collection: string; query: Doc } {
  const [collection, afterName] = readCString(message, HEADER_BYTES + 4);
  const docStart = afterName + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(docStart);
  const query = decode(message.subarray(docStart, docStart + size));
  // Old clients wrap the command as {$query: {...}, $readPreference: ...}.
  const wrapped = query['$query'];
  return { kind: 'query', collection, query: wrapped && typeof wrapped === 'object' ? (wrapped as Doc) : query };
}

function readCString(buffer: Buffer, start: number): [string, number] {
  const end = buffer.indexOf(0, start);
  if (end < 0) throw new Error('unterminated cstring');
  return [buffer.toString('utf8', start, end), end + 1];
}

function readDocs(buffer: Buffer, start: number, end: number): Doc[] {
  const docs: Doc[] = [];
  for (let pos = start; pos < end;) {
    const size = buffer.readInt32LE(pos);
    docs.push(decode(buffer.subarray(pos, pos + size)));
    pos += size;
  }
  return docs;
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  bytes.writeInt32LE(length, 0);
  bytes.writeInt32LE(requestId, 4);
  bytes.writeInt32LE(responseTo, 8);
  bytes.writeInt32LE(opCode, 12);
  return bytes;
}

/** An OP_MSG reply: flags 0 and a single body section. */
export function encodeMsg(requestId: number, responseTo: number, body: Doc): Buffer {
  const doc = encode(body);
  const prefix = Buffer.alloc(5); // flagBits, then section kind 0
  return Buffer.concat([header(HEADER_BYTES + 5 + doc.length, requestId, responseTo, OP_MSG), prefix, doc]);
}

/** An OP_REPLY carrying one document: the answer to a legacy OP_QUERY command. */
export function encodeReply(requestId: number, responseTo: number, reply: Doc): Buffer {
  const doc = encode(reply);
  const fields = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(HEADER_BYTES + 20 + doc.length, requestId, responseTo, OP_REPLY), fields, doc]);
}
