// Framing the driver rarely or never exercises on its own: document sequences, the checksum flag,
// moreToCome, and the legacy OP_QUERY handshake, sent as raw bytes.
import { deserialize, serialize } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoTestServer } from '../src/index.ts';
import type { MongoTestServer } from '../src/index.ts';
import { useMongo } from './fixture.ts';
import { frame, msgBody, OP_QUERY, OP_REPLY, opMsg, RawClient } from './raw.ts';

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
