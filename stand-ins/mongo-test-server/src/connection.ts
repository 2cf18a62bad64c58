// One client connection: reassembles wire messages from the byte stream and answers each in order.
// Handlers are synchronous, so replies can never overtake one another.
import type { Socket } from 'node:net';
import type { CommandContext } from './commands/command.ts';
import { runCommand } from './commands/dispatch.ts';
import { CommandError } from './errors.ts';
import type { Doc } from './values.ts';
import { encodeMsg, encodeReply, MAX_MESSAGE_BYTES, messageLength, parseMessage } from './wire.ts';

const HEADER_BYTES = 16;
let lastRequestId = 0;

export type SharedState = Omit<CommandContext, 'db' | 'client'>;

export function serveConnection(socket: Socket, server: SharedState): void {
  const shared: Omit<CommandContext, 'db'> = { ...server, client: {} };
  // Chunks are joined once per complete message, not on every read: large inserts arrive in many.
  let chunks: Buffer[] = [];
  let buffered = 0;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (buffered < 4) return;
      if ((chunks[0]?.length ?? 0) < 4) chunks = [Buffer.concat(chunks)];
      const length = messageLength(chunks[0] ?? Buffer.alloc(0)) ?? 0;
      // Longer than the maxMessageSizeBytes hello advertises: closed before any of it is buffered.
      if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) return void socket.destroy();
      if (buffered < length) return;
      const joined = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
      const rest = joined.subarray(length);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      if (!answer(socket, joined.subarray(0, length), shared)) return void socket.destroy();
    }
  });
}

/** False when the message is not one this server can speak; the connection is then closed. */
function answer(socket: Socket, message: Buffer, shared: Omit<CommandContext, 'db'>): boolean {
  const started = performance.now();
  const record = (cmd: Doc, reply: Doc) =>
    shared.stats.record(Object.keys(cmd)[0] ?? '', reply.ok !== 1, (performance.now() - started) * 1000);
  let request;
  try {
    request = parseMessage(message);
  } catch {
    return false;
  }
  lastRequestId = (lastRequestId + 1) % 2 ** 31;
  const requestId = lastRequestId;
  switch (request.kind) {
    case 'msg': {
      const db = request.body['$db'];
      const reply = runCommand(request.body, { ...shared, db: typeof db === 'string' ? db : 'admin' });
      if (!request.moreToCome) socket.write(encoded(reply, (doc) => encodeMsg(requestId, request.requestId, doc)));
      record(request.body, reply);
      return true;
    }
    case 'query': {
      const [db = 'admin'] = request.collection.split('.');
      const reply = runCommand(request.query, { ...shared, db });
      socket.write(encoded(reply, (doc) => encodeReply(requestId, request.requestId, doc)));
      record(request.query, reply);
      return true;
    }
    case 'refused': {
      // Over a size or depth limit: an error reply, the command never runs, the connection stays.
      const reply = request.error.toReply();
      if (request.replyAs === 'query') socket.write(encoded(reply, (doc) => encodeReply(requestId, request.requestId, doc)));
      else if (!request.moreToCome) socket.write(encoded(reply, (doc) => encodeMsg(requestId, request.requestId, doc)));
      return true;
    }
    case 'unsupported':
      // The legacy opcodes (OP_INSERT, OP_GET_MORE, ...) are gone from MongoDB 6; it closes too.
      return false;
  }
}

/** A reply that cannot be serialized (say, over 16 MB) still gets an answer the driver can read. */
function encoded(reply: Doc, frame: (doc: Doc) => Buffer): Buffer {
  try {
    return frame(reply);
  } catch (error) {
    return frame(new CommandError('InternalError', `reply could not be encoded: ${String(error)}`).toReply());
  }
}
