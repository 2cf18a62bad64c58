// Serving a registry as Prometheus text: a `(req, res)` handler that node:http and Express both
// accept, and a bare listener for processes that have no HTTP server of their own (the workers).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export type MetricsRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers GET/HEAD with the registry in Prometheus text format. */
export function metricsHandler(registry: Registry): MetricsRequestHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res
          .writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}

/** Listens on `port` (0 = a free one) and serves `/metrics`; resolves once listening. */
export function startMetricsServer(port: number, registry: Registry, host = '0.0.0.0'): Promise<Server> {
  const handle = metricsHandler(registry);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') handle(req, res);
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
