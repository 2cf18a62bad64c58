// The ops page's WebSocket (`ws`) on the gateway's HTTP server: upgrades on its one path are accepted
// only with a valid live token; each socket gets the recent history, then every new point.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { OpsPoint } from './figures.ts';
import type { OpsHub } from './hub.ts';
import type { LiveTokens } from './live-token.ts';

/** What the server sends; the page never sends anything. */
export type LiveMessage = { type: 'history'; intervalMs: number; points: OpsPoint[] } | { type: 'point'; point: OpsPoint };

export interface LiveSocketOptions {
  hub: Pick<OpsHub, 'history' | 'subscribe'>;
  tokens: Pick<LiveTokens, 'verify'>;
  /** The hub's tick interval, told to the page so it can tell a live feed from a stalled one. */
  intervalMs: number;
  /** Default `/ops/live`. */
  path?: string;
  /** A socket with more unsent bytes than this skips points until it drains (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Pings find dead peers (default 30 s). */
  heartbeatMs?: number;
}

export interface LiveSocketServer {
  readonly clients: number;
  /** Closes every socket (terminating those that do not answer within a second) and detaches. */
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ error: { code: 'unauthorized', message: 'a valid ops live token is required (GET /ops/live-token)' } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function attachLiveSocket(server: Server, opts: LiveSocketOptions): LiveSocketServer {
  const path = opts.path ?? '/ops/live';
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const alive = new WeakMap<WebSocket, boolean>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== path) {
      // Other upgrades belong to other listeners; with none, do what Node does without any: hang up.
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    // The client may reset the connection while the token is checked; an unhandled 'error' would crash.
    socket.on('error', () => socket.destroy());
    void opts.tokens.verify(url.searchParams.get('token')).then((role) => {
      if (!role) {
        refuse(socket, 401, 'Unauthorized');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
  };

  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    const hello: LiveMessage = { type: 'history', intervalMs: opts.intervalMs, points: opts.hub.history() };
    ws.send(JSON.stringify(hello));
  });

  const unsubscribe = opts.hub.subscribe((point) => {
    if (wss.clients.size === 0) return;
    const frame = JSON.stringify({ type: 'point', point } satisfies LiveMessage);
    for (const ws of wss.clients) {
      // A page that cannot keep up misses points rather than growing this process's memory.
      if (ws.readyState === ws.OPEN && ws.bufferedAmount <= maxBuffered) ws.send(frame);
    }
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, opts.heartbeatMs ?? 30_000);
  heartbeat.unref();

  server.on('upgrade', onUpgrade);
  return {
    get clients() {
      return wss.clients.size;
    },
    async close() {
      server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      unsubscribe();
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              const timer = setTimeout(() => ws.terminate(), 1_000);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(1001, 'gateway shutting down');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
