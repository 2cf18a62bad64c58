// The one ChatKit endpoint: `POST /chatkit` (JSON or SSE by request type) plus the re-attach route
// `GET /chatkit/runs/:runId/events`. Bad input is answered with a JSON error before any stream
// starts; `httpErrorOf` is the only place errors become HTTP.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Queue } from 'bullmq';
import { BadRequest, NotFound, PayloadTooLarge, httpErrorOf } from '@switchyard/errors';
import type { Logger } from '@switchyard/logging';
import { isStreamingRequest, parseChatKitRequest, parseJsonBody } from '@switchyard/protocol';
import type { RunJobData } from '@switchyard/queues';
import type { RunLog, RunLogSubscriber } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import { ownerOf, type IdentityOptions } from './identity.ts';
import { handleJsonRequest } from './json-requests.ts';
import { attachSse } from './sse-attach.ts';
import { startStreamingRequest } from './streaming-requests.ts';

export interface ChatKitRouterDeps {
  store: ChatStore;
  runLog: RunLog;
  subscriber: RunLogSubscriber;
  runsQueue: Queue<RunJobData>;
  logger: Logger;
  identity: IdentityOptions;
  bodyLimitBytes: number;
  heartbeatMs: number;
}

type Handler = (req: Request, res: Response) => Promise<void>;

function lastEventId(req: Request): number {
  const raw = req.get('last-event-id') ?? (typeof req.query.after === 'string' ? req.query.after : undefined) ?? '0';
  const seq = Number(raw);
  if (!Number.isInteger(seq) || seq < 0) throw new BadRequest(`Last-Event-ID must be a non-negative integer, got "${raw}"`);
  return seq;
}

export function createChatKitRouter(deps: ChatKitRouterDeps): Router {
  const router = express.Router();
  const sse = { heartbeatMs: deps.heartbeatMs, logger: deps.logger };
  // Raw bytes, parsed by us: a bad body gets a message naming the problem, not a parser's default.
  const rawBody = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);

  router.post(
    '/chatkit',
    rawBody,
    wrap(async (req, res) => {
      const owner = ownerOf(req, deps.identity);
      const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const request = parseChatKitRequest(parseJsonBody(text));
      if (isStreamingRequest(request)) {
        const run = await startStreamingRequest(deps, owner, request);
        req.log?.info({ runId: run.runId, threadId: run.threadId, request: request.type }, 'run started');
        await attachSse(req, res, deps.subscriber, run.runId, 0, sse);
        return;
      }
      res.json(await handleJsonRequest(deps.store, owner, request));
    }),
  );

  router.get(
    '/chatkit/runs/:runId/events',
    wrap(async (req, res) => {
      const owner = ownerOf(req, deps.identity);
      const runId = String(req.params.runId);
      const after = lastEventId(req);
      const meta = await deps.runLog.meta(runId);
      // Another owner's run is indistinguishable from a missing one.
      if (!meta || meta.owner !== owner) throw new NotFound(`run ${runId} not found`);
      await attachSse(req, res, deps.subscriber, runId, after, sse);
    }),
  );

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    const e = (err as { type?: string }).type === 'entity.too.large'
      ? new PayloadTooLarge(`request body exceeds ${deps.bodyLimitBytes} bytes`)
      : err;
    const http = httpErrorOf(e);
    if (http.status >= 500) req.log?.error({ err }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (http.retryAfterSeconds !== undefined) res.set('Retry-After', String(http.retryAfterSeconds));
    res.status(http.status).json(http.body);
  });
  return router;
}
