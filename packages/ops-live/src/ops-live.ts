// The live operations page as the gateway mounts it: the hub (started at once, so a page opened
// later still gets history), the `/ops` router, and the WebSocket attached to the HTTP server.
import type { Server } from 'node:http';
import type { OpsCredentials } from '@switchyard/queue-dashboard';
import type { RedisClient } from '@switchyard/redis-connection';
import type { Router } from 'express';
import { OpsHub, type HubQueue } from './hub.ts';
import { attachLiveSocket, type LiveSocketServer } from './live-socket.ts';
import { LiveTokens } from './live-token.ts';
import { createOpsRouter } from './router.ts';
import { SnapshotReader } from './snapshot-reader.ts';

export interface OpsLiveOptions {
  redis: RedisClient;
  queues: readonly HubQueue[];
  credentials: OpsCredentials;
  /** OPS_SNAPSHOT_INTERVAL_MS: the hub ticks at the publishers' pace. */
  intervalMs: number;
  /** Default `/ops`. */
  basePath?: string;
  onError?: (err: unknown) => void;
}

export interface OpsLive {
  readonly router: Router;
  readonly hub: OpsHub;
  /** Serves the WebSocket on `<basePath>/live` of this server (call once, after listen()). */
  attach(server: Server): void;
  /** Closes the sockets and stops the hub; call before awaiting server.close(), which waits for them. */
  close(): Promise<void>;
}

export function createOpsLive(opts: OpsLiveOptions): OpsLive {
  const basePath = opts.basePath ?? '/ops';
  const tokens = new LiveTokens(opts.credentials);
  const hub = new OpsHub({
    snapshots: new SnapshotReader(opts.redis),
    queues: opts.queues,
    intervalMs: opts.intervalMs,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  hub.start();
  let socket: LiveSocketServer | null = null;
  return {
    router: createOpsRouter({ credentials: opts.credentials, tokens, basePath }),
    hub,
    attach(server) {
      if (socket) throw new Error('the ops WebSocket is already attached');
      socket = attachLiveSocket(server, { hub, tokens, intervalMs: opts.intervalMs, path: `${basePath}/live` });
    },
    async close() {
      await socket?.close();
      await hub.stop();
    },
  };
}
