// Framing the driver rarely or never exercises on its own: document sequences, the checksum flag,
// moreToCome, and the legacy OP_QUERY handshake, sent as raw bytes.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoTestServer } from '../src/index.ts';
import type { MongoTestServer } from '../src/index.ts';
import { useMongo } from './fixture.ts';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

function frame(requestId: number, opCode: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, payload]);
}

function opMsg(
  requestId: number,
  body: Document,
  options: { flags?: number; sequence?: [string, Document[]]; checksum?: boolean } = {},
): Buffer {
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE((options.flags ?? 0) | (options.checksum ? 1 : 0));
  const sections = [flags, Buffer.from([0]), Buffer.from(serialize(body))];
  if (options.sequence) {
    const [identifier, docs] = options.sequence;
    const content = Buffer.concat([Buffer.from(`${identifier}\0`), ...docs.map((doc) => Buffer.from(serialize(doc)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + content.length);
    sections.push(Buffer.from([1]), size, content);
  }
  if (options.checksum) sections.push(Buffer.alloc(4)); // not verified by the server
  return frame(requestId, OP_MSG, Buffer.concat(sections));
}

/** Collects whole reply messages from a raw socket. */
class RawClient {
  #buffer = Buffer.alloc(0);
  #waiting: ((message: Buffer) => void)[] = [];
  readonly #socket: Socket;

  constructor(port: number) {
    this.#socket = connect(port, '127.0.0.1');
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

const msgBody = (reply: Buffer): Document => {
  expect(reply.readInt32LE(12)).toBe(OP_MSG);
  expect(reply[20]).toBe(0);
  return deserialize(reply.subarray(21));
};

let server: MongoTestServer;
let raw: RawClient;

beforeAll(async () => {
  server = await startMongoTestServer();
  raw = new RawClient(server.port);
});

afterAll(async () => {
  raw.close();
  await server.close();
});

describe('wire protocol', () => {
  it('answers a legacy OP_QUERY ismaster with an OP_REPLY', async () => {
    const query = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from('admin.$cmd\0'),
      Buffer.alloc(4),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from(serialize({ ismaster: 1, helloOk: true })),
    ]);
    const reply = await raw.request(frame(7, OP_QUERY, query));
    expect(reply.readInt32LE(8)).toBe(7); // responseTo
    expect(reply.readInt32LE(12)).toBe(OP_REPLY);
    expect(reply.readInt32LE(32)).toBe(1); // numberReturned
    expect(deserialize(reply.subarray(36))).toMatchObject({ ismaster: true, helloOk: true, maxWireVersion: 21, ok: 1 });
  });

  it('folds an OP_MSG document sequence into the command and ignores the checksum bytes', async () => {
    const reply = await raw.request(
      opMsg(8, { insert: 'seq', $db: 'wire' }, { sequence: ['documents', [{ _id: 1 }, { _id: 2 }]], checksum: true }),
    );
    expect(reply.readInt32LE(8)).toBe(8);
    expect(msgBody(reply)).toEqual({ n: 2, ok: 1 });
  });

  it('sends no reply when moreToCome is set, but still runs the command', async () => {
    raw.send(opMsg(9, { insert: 'quiet', documents: [{ _id: 'q' }], $db: 'wire' }, { flags: 2 }));
    const reply = await raw.request(opMsg(10, { count: 'quiet', $db: 'wire' }));
    expect(reply.readInt32LE(8)).toBe(10);
    expect(msgBody(reply)).toEqual({ n: 1, ok: 1 });
  });
});

describe('unacknowledged writes through the driver', () => {
  const mongo = useMongo();

  it('applies a w:0 insert (sent with moreToCome)', async () => {
    const collection = mongo.freshDb().collection<{ _id: number }>('w0');
    await collection.insertOne({ _id: 1 }, { writeConcern: { w: 0 } });
    expect(await collection.find().toArray()).toEqual([{ _id: 1 }]);
  });
});
