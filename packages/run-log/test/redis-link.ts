// A cuttable TCP link in front of a real redis-server, for outage tests: while cut, every connection
// through it is closed and new ones are closed as soon as they open, which is what a gateway sees when
// it loses Redis; Redis itself keeps its data, and clients connected to it directly (a worker that
// still reaches it) go on appending. Restored, the link passes connections through again. Hung, it
// keeps connections open but forwards nothing: a Redis that stops answering without closing.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RedisLink {
  /** `redis://127.0.0.1:<link port>`: connect the clients that should lose Redis here. */
  url: string;
  cut(): void;
  hang(): void;
  /** Ends a cut or a hang (a hung connection stays useless: cut it first). */
  restore(): void;
  close(): Promise<void>;
}

export async function startRedisLink(redisPort: number): Promise<RedisLink> {
  let isCut = false;
  let isHung = false;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(redisPort, '127.0.0.1');
    track(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.on('data', (chunk: Buffer) => {
      if (!isHung) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!isHung) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      isCut = true;
      for (const s of [...open]) s.destroy();
    },
    hang() {
      isHung = true;
    },
    restore() {
      isCut = false;
      isHung = false;
    },
    async close() {
      for (const s of [...open]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
