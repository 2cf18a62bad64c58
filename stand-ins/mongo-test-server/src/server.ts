// The listening socket and its lifecycle: one in-memory storage and cursor registry shared by all
// connections, and a close() that ends every connection so clients fail fast instead of hanging.
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { serveConnection } from './connection.ts';
import { CommandStats } from './command-stats.ts';
import { CursorRegistry } from './cursors.ts';
import { FailPoints } from './failpoints.ts';
import { Storage } from './storage.ts';

export interface MongoTestServer {
  /** A connection string for the official driver, e.g. `mongodb://127.0.0.1:PORT/?directConnection=true`. */
  url: string;
  host: string;
  port: number;
  /** Ends all connections and the listener; the data is gone with it. */
  close(): Promise<void>;
}

export interface MongoTestServerOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
}

export async function startMongoTestServer(opts: MongoTestServerOptions = {}): Promise<MongoTestServer> {
  const host = opts.host ?? '127.0.0.1';
  const shared = { storage: new Storage(), cursors: new CursorRegistry(), failPoints: new FailPoints(), stats: new CommandStats() };
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, { ...shared, connectionId: ++connections });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `mongodb://${urlHost}:${String(port)}/?directConnection=true`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
