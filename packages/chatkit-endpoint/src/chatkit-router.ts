// The express adapter of the ChatKit server: `POST /chatkit` (JSON or SSE by request type), plus the
// run routes `GET /chatkit/runs/:runId/events` (re-attach) and `POST /chatkit/runs/:runId/cancel`, and
// the upload routes. What a request means is @switchyard/chatkit-server's business; this file checks
// and parses (the request boundary: nothing is reserved or written for a request that fails it),
// authenticates, attaches SSE and answers errors as JSON (error-answer.ts, through `httpErrorOf`).
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AttachmentDeps } from '@switchyard/attachments';
import type { Authenticate } from '@switchyard/auth';
import type { ChatKitServer, RunWatchdog } from '@switchyard/chatkit-server';
import { BadRequest, NotFound, UnsupportedMediaType } from '@switchyard/errors';
import { AttachLimiter, type AttachLease, type Limits } from '@switchyard/limits';
import type { Logger } from '@switchyard/logging';
import type { ChatMetrics } from '@switchyard/metrics';
import { isStreamingRequest, parseChatKitRequest, parseJsonBody } from '@switchyard/protocol';
import type { RunControl, RunLog, RunLogSubscriber } from '@switchyard/run-log';
import { linkToCarrier } from '@switchyard/tracing';
import { sendError } from './error-answer.ts';
import { noteRun, requestSpan, spanOf } from './request-span.ts';
import { ownerOf } from './identity.ts';
import { attachSse, RUN_ID_HEADER, type SseStreams } from './sse-attach.ts';
import { createUploadRouter } from './upload-router.ts';

export type DisconnectPolicy = 'cancel' | 'detach' | 'grace';

export interface ChatKitRouterDeps {
  server: ChatKitServer;
  runLog: RunLog;
  control: RunControl;
  subscriber: RunLogSubscriber;
  /** The upload routes' records, tokens and size limit. */
  attachments: AttachmentDeps;
  logger: Logger;
  /** The one authentication step of every route (the gateway composes it). */
  authenticate: Authenticate;
  bodyLimitBytes: number;
  heartbeatMs: number;
  disconnect: { policy: DisconnectPolicy; graceMs: number };
  limits: Limits;
  /** `maxAttachesPerUser`: open SSE streams per user across gateways (MAX_ATTACHES_PER_USER; 0 or absent = off). */
  sse: { maxBufferedBytes: number; registry: SseStreams; maxAttachesPerUser?: number };
  metrics?: ChatMetrics;
  /** Ends attached runs whose job is gone; each open stream checks its run every `intervalMs`. */
  runWatchdog?: Pick<RunWatchdog, 'forRun' | 'intervalMs'>;
}

type Handler = (req: Request, res: Response) => Promise<void>;

function lastEventId(req: Request): number {
  const raw = req.get('last-event-id') ?? (typeof req.query.after === 'string' ? req.query.after : undefined) ?? '0';
  const seq = Number(raw);
  if (!Number.isInteger(seq) || seq < 0) throw new BadRequest(`Last-Event-ID must be a non-negative integer, got "${raw}"`);
  return seq;
}

/** What express.raw decodes; the decoded size counts against the body limit (a zip bomb is a 413). */
const CONTENT_ENCODINGS: ReadonlySet<string> = new Set(['identity', 'gzip', 'deflate', 'br']);
const UTF8 = /^"?utf-?8"?$/i;

/**
 * `POST /chatkit` takes `application/json` (UTF-8) only, checked before a byte of the body is read:
 * a `text/plain` or form body, which a page on another origin may send without a CORS preflight,
 * never reaches the handler.
 */
function checkBodyHeaders(req: Request, _res: Response, next: NextFunction): void {
  const [mediaType = '', ...params] = (req.get('content-type') ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json')
    throw new UnsupportedMediaType('POST /chatkit takes Content-Type: application/json');
  for (const param of params) {
    const [key = '', value = ''] = param.split('=');
    if (key.trim().toLowerCase() === 'charset' && !UTF8.test(value.trim()))
      throw new UnsupportedMediaType('the request body must be UTF-8 (charset=utf-8)');
  }
  const encoding = (req.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && !CONTENT_ENCODINGS.has(encoding))
    throw new UnsupportedMediaType('Content-Encoding must be identity, gzip, deflate or br');
  next();
}

const NO_BODY = Buffer.alloc(0);

export function createChatKitRouter(deps: ChatKitRouterDeps): Router {
  const router = express.Router();
  // Raw bytes, parsed by us: a bad body gets a message naming the problem, not a parser's default.
  // Its errors (too large, undecodable, aborted) are typed; `httpErrorOf` maps them.
  const rawBody = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);
  const attachLimit = new AttachLimiter(deps.runLog.redis, { maxPerUser: deps.sse.maxAttachesPerUser ?? 0 });
  /** A slot for one SSE stream of the request's user (429 over the cap), given back when the response closes. */
  const takeAttachSlot = async (res: Response, owner: string): Promise<AttachLease> => {
    const lease = await attachLimit.acquire(owner);
    res.once('close', lease.release);
    return lease;
  };

  /** What a client going away means for its run (docs/architecture.md §6). */
  const onClientGone = (runId: string) => () => {
    const { policy, graceMs } = deps.disconnect;
    if (policy === 'detach') return;
    const cancel = () => deps.control.requestCancel(runId, 'client disconnected');
    if (policy === 'cancel') {
      deps.metrics?.cancels.inc({ source: 'disconnect' });
      void cancel().catch((err: unknown) => deps.logger.warn({ err, runId }, 'cancel on disconnect failed'));
      return;
    }
    const timer = setTimeout(() => {
      void (async () => {
        const meta = await deps.runLog.meta(runId);
        if (!meta || meta.endedAt !== undefined) return;
        if ((await deps.runLog.attachedCount(runId)) <= 0) {
          deps.metrics?.cancels.inc({ source: 'disconnect' });
          await cancel();
        }
      })().catch((err: unknown) => deps.logger.warn({ err, runId }, 'grace cancel check failed'));
    }, graceMs);
    timer.unref();
  };

  const stream = async (
    req: Request,
    res: Response,
    runId: string,
    after: number,
    timing: { startedAt?: number; reattach?: boolean } = {},
    lease?: AttachLease,
  ) => {
    if (!lease) await takeAttachSlot(res, await ownerOf(req, deps.authenticate));
    await deps.runLog.adjustAttached(runId, 1);
    res.on('close', () => void deps.runLog.adjustAttached(runId, -1).catch(() => undefined));
    await attachSse(req, res, deps.subscriber, runId, after, {
      heartbeatMs: deps.heartbeatMs,
      logger: deps.logger,
      maxBufferedBytes: deps.sse.maxBufferedBytes,
      registry: deps.sse.registry,
      runExists: async () => (await deps.runLog.meta(runId)) !== null,
      ...(deps.runWatchdog ? { checkRun: deps.runWatchdog.forRun(runId), checkRunEveryMs: deps.runWatchdog.intervalMs } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...timing,
      onClientGone: onClientGone(runId),
    });
  };

  router.post(
    '/chatkit',
    (_req: Request, res: Response, next: NextFunction) => {
      res.locals.startedAt = performance.now();
      next();
    },
    checkBodyHeaders,
    rawBody,
    // After the body parser: its stream callbacks would run outside the span's async context.
    requestSpan('POST /chatkit'),
    wrap(async (req, res) => {
      const owner = await ownerOf(req, deps.authenticate);
      // Checked completely (bounds, then shape) before the rate limit or anything else is spent on it.
      const request = parseChatKitRequest(parseJsonBody(Buffer.isBuffer(req.body) ? req.body : NO_BODY));
      await deps.limits.consumeRequest(owner);
      spanOf(res)?.setAttribute('chatkit.request.type', request.type);
      // A streaming answer is an open attach: refused over the user's cap before the run starts.
      const lease = isStreamingRequest(request) ? await takeAttachSlot(res, owner) : undefined;
      const handled = await deps.server.handle(owner, request);
      if (handled.kind === 'json') {
        res.json(handled.body);
        return;
      }
      const { run } = handled;
      if (run.runId === null) {
        // retry_after_item with an unknown item: an empty stream, as the reference answers (docs/protocol.md §6.6).
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }).end();
        return;
      }
      noteRun(res, run.runId, run.threadId);
      req.log?.info({ runId: run.runId, threadId: run.threadId, request: request.type }, 'run started');
      await stream(req, res, run.runId, 0, { startedAt: res.locals.startedAt as number }, lease);
    }),
  );

  const ownedRun = async (req: Request) => {
    const owner = await ownerOf(req, deps.authenticate);
    const runId = String(req.params.runId);
    const meta = await deps.runLog.meta(runId);
    // Another owner's run is indistinguishable from a missing one.
    if (!meta || meta.owner !== owner) throw new NotFound(`run ${runId} not found`);
    return meta;
  };

  router.get(
    '/chatkit/runs/:runId/events',
    requestSpan('GET /chatkit/runs/:runId/events'),
    wrap(async (req, res) => {
      const after = lastEventId(req);
      const meta = await ownedRun(req);
      noteRun(res, meta.runId, meta.threadId);
      // A re-attach is its own request (its own trace unless the client sends one): link it to the run's.
      const span = spanOf(res);
      if (span && meta.traceparent) linkToCarrier(span, { traceparent: meta.traceparent }, { 'switchyard.link': 'run' });
      await stream(req, res, meta.runId, after, { reattach: true });
    }),
  );

  router.post(
    '/chatkit/runs/:runId/cancel',
    wrap(async (req, res) => {
      const meta = await ownedRun(req);
      if (meta.endedAt === undefined) {
        await deps.control.requestCancel(meta.runId, 'cancelled by request');
        deps.metrics?.cancels.inc({ source: 'request' });
      }
      res.status(202).set(RUN_ID_HEADER, meta.runId).json({});
    }),
  );

  router.use(createUploadRouter({ ...deps.attachments, ownerOf: (req) => ownerOf(req, deps.authenticate) }));

  // Whatever these routes throw, the router's own URIError for a bad `%zz` in `:runId` included.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => sendError(req, res, err));
  return router;
}
