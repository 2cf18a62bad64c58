// Wire messages as raw bytes, for what the driver never sends on its own: document sequences, the
// checksum flag, legacy OP_QUERY, and documents no BSON serializer would build.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import { expect } from 'vitest';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

export function frame(requestId: number, opCode: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, payload]);
}

const bytesOf = (doc: Document | Buffer): Buffer => (Buffer.isBuffer(doc) ? doc : Buffer.from(serialize(doc)));

/** An OP_MSG; documents may be given already encoded, as raw bytes. */
export function opMsg(
  requestId: number,
  body: Document | Buffer,
  options: { flags?: number; sequence?: [string, (Document | Buffer)[]]; checksum?: boolean } = {},
): Buffer {
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE((options.flags ?? 0) | (options.checksum ? 1 : 0));
  const sections = [flags, Buffer.from([0]), bytesOf(body)];
  if (options.sequence) {
    const [identifier, docs] = options.sequence;
    const content = Buffer.concat([Buffer.from(`${identifier}\0`), ...docs.map(bytesOf)]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + content.length);
    sections.push(Buffer.from([1]), size, content);
  }
  if (options.checksum) sections.push(Buffer.alloc(4)); // not verified by the server
  return frame(requestId, OP_MSG, Buffer.concat(sections));
}

/** `{x: {x: ... {x: 1}}}` nested `levels` deep (the document itself is level 1), built without recursion. */
export function nestedBytes(levels: number): Buffer {
  const wrap = 8; // int32 length, type 0x03, "x\0", and the closing NUL
  const bytes = Buffer.alloc(12 + wrap * (levels - 1));
  for (let level = 0; level < levels - 1; level++) {
    const at = level * 7;
    bytes.writeInt32LE(bytes.length - wrap * level, at);
    bytes.write('\x03x\0', at + 4, 'latin1');
  }
  const inner = (levels - 1) * 7;
  bytes.writeInt32LE(12, inner);
  bytes.write('\x10x\0', inner + 4, 'latin1');
  bytes.writeInt32LE(1, inner + 7);
  return bytes; // the closing NULs are the zero-filled tail
}

/** A BSON document from encoded elements. */
export function documentOf(...elements: Buffer[]): Buffer {
  const content = Buffer.concat(elements);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + content.length + 1);
  return Buffer.concat([size, content, Buffer.from([0])]);
}

export function stringElement(name: string, value: string): Buffer {
  const text = Buffer.from(`${value}\0`);
  const length = Buffer.alloc(4);
  length.writeInt32LE(text.length);
  return Buffer.concat([Buffer.from(`\x02${name}\0`, 'latin1'), length, text]);
}

export const documentElement = (name: string, doc: Buffer): Buffer => Buffer.concat([Buffer.from(`\x03${name}\0`, 'latin1'), doc]);

/** Collects whole reply messages from a raw socket. */
export class RawClient {
  #buffer = Buffer.alloc(0);
  #waiting: ((message: Buffer) => void)[] = [];
  readonly #socket: Socket;
  /** Resolves when the server ends the connection. */
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.#socket = connect(port, '127.0.0.1');
    this.#socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 4 && this.#buffer.length >= this.#buffer.readInt32LE(0)) {
        const length = this.#buffer.readInt32LE(0);
        const message = this.#buffer.subarray(0, length);
        this.#buffer = this.#buffer.subarray(length);
        this.#waiting.shift()?.(message);
      }
    });
  }

  request(message: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#socket.write(message);
    });
  }

  send(message: Buffer): void {
    this.#socket.write(message);
  }

  close(): void {
    this.#socket.destroy();
  }
}

export const msgBody = (reply: Buffer): Document => {
  expect(reply.readInt32LE(12)).toBe(OP_MSG);
  expect(reply[20]).toBe(0);
  return deserialize(reply.subarray(21));
};
