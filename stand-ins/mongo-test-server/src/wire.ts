// Framing of the MongoDB wire protocol: the legacy OP_QUERY/OP_REPLY pair the driver still uses for
// its first handshake, and OP_MSG for everything after. Compression is never offered, so never seen.
// Every document is checked against the size and depth limits before it is decoded (limits.ts).
import { CommandError } from './errors.ts';
import { checkCommandDocument } from './limits.ts';
import { decode, encode } from './values.ts';
import type { Doc } from './values.ts';

export { MAX_MESSAGE_BYTES } from './limits.ts';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;

export type Request =
  /** OP_MSG: document sequences are already folded into `body` under their identifiers. */
  | { kind: 'msg'; requestId: number; body: Doc; moreToCome: boolean }
  | { kind: 'query'; requestId: number; collection: string; query: Doc }
  /** A well-framed message holding a document over a limit: answered with `error`, never run. */
  | { kind: 'refused'; requestId: number; replyAs: 'msg' | 'query'; error: CommandError; moreToCome: boolean }
  | { kind: 'unsupported'; requestId: number; opCode: number };

/** A request as parsed, before its id is attached. */
type Parsed<Kind extends Request['kind']> =
  Extract<Request, { kind: Kind }> extends infer R ? (R extends unknown ? Omit<R, 'requestId'> : never) : never;

/** Length of the next message once its 4-byte prefix has arrived. */
export const messageLength = (buffer: Buffer): number | undefined => (buffer.length >= 4 ? buffer.readInt32LE(0) : undefined);

export function parseMessage(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return { requestId, ...parseMsg(message) };
  if (opCode === OP_QUERY) return { requestId, ...parseQuery(message) };
  return { kind: 'unsupported', requestId, opCode };
}

function parseMsg(message: Buffer): Parsed<'msg' | 'refused'> {
  const flags = message.readUInt32LE(HEADER_BYTES);
  const moreToCome = (flags & MORE_TO_COME) !== 0;
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let body: Doc | undefined;
  const sequences: [string, Doc[]][] = [];
  let pos = HEADER_BYTES + 4;
  try {
    while (pos < end) {
      const kind = message[pos++];
      if (kind === 0) {
        const size = checkCommandDocument(message, pos, end);
        body = decode(message.subarray(pos, pos + size));
        pos += size;
      } else if (kind === 1) {
        if (pos + 4 > end) throw new Error('truncated document sequence');
        const size = message.readInt32LE(pos);
        if (size < 5 || pos + size > end) throw new Error('document sequence length out of range');
        const [identifier, docsStart] = readCString(message, pos + 4, pos + size);
        sequences.push([identifier, readDocs(message, docsStart, pos + size)]);
        pos += size;
      } else {
        throw new Error(`unknown OP_MSG section kind ${String(kind)}`);
      }
    }
  } catch (error) {
    if (error instanceof CommandError) return { kind: 'refused', replyAs: 'msg', error, moreToCome };
    throw error;
  }
  if (!body) throw new Error('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  return { kind: 'msg', body, moreToCome };
}

function parseQuery(message: Buffer): Parsed<'query' | 'refused'> {
  const [collection, afterName] = readCString(message, HEADER_BYTES + 4, message.length);
  const docStart = afterName + 8; // numberToSkip, numberToReturn
  let query: Doc;
  try {
    const size = checkCommandDocument(message, docStart, message.length);
    query = decode(message.subarray(docStart, docStart + size));
  } catch (error) {
    if (error instanceof CommandError) return { kind: 'refused', replyAs: 'query', error, moreToCome: false };
    throw error;
  }
  // Old clients wrap the command as {$query: {...}, $readPreference: ...}.
  const wrapped = query['$query'];
  return { kind: 'query', collection, query: wrapped && typeof wrapped === 'object' ? (wrapped as Doc) : query };
}

function readCString(buffer: Buffer, start: number, limit: number): [string, number] {
  const end = buffer.indexOf(0, start);
  if (end < 0 || end >= limit) throw new Error('unterminated cstring');
  return [buffer.toString('utf8', start, end), end + 1];
}

function readDocs(buffer: Buffer, start: number, end: number): Doc[] {
  const docs: Doc[] = [];
  for (let pos = start; pos < end;) {
    const size = checkCommandDocument(buffer, pos, end);
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
