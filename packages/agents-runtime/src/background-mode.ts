// Background mode (MODEL_BACKGROUND, docs/resume.md): every streamed model response is created with
// `background: true` and `store: true`, so it keeps running upstream when the worker that streams it
// dies, and a later attempt of the run can continue it. Both happen at the `fetch` the `openai`
// client uses, below the Agents SDK, which neither creates background responses nor retrieves them:
// - a streamed `POST /responses` gets the two fields added;
// - when the run's ModelSession says the next model call continues a response, that POST is
//   answered by `GET /responses/{id}?stream=true` instead: the response's events from its first
//   one, which the SDK reads as if it had just created it (the pipeline drops what the client has).
// A response that cannot be continued (gone, failed, cancelled, never left `queued`) answers the
// POST with a 410 the retry policy does not retry, and the session says why: the run regenerates.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What one run's model calls share: the response to continue and the responses it started. */
export class ModelSession {
  /** The next streamed model call continues this response instead of creating one. */
  resumeNext: string | null = null;
  /** Why continuing `resumeNext` failed; the run then regenerates. */
  resumeFailed: string | null = null;
  /** Background responses this run created or continued, oldest first. */
  readonly responses: string[] = [];
  /** Those that completed (nothing left to cancel). */
  readonly completed = new Set<string>();
  /** Told when a streamed model call begins, before its request is sent (a turn of the agent loop starts). */
  onCallStart: (() => void) | null = null;

  /** Responses that may still be running upstream. */
  unfinished(): string[] {
    return this.responses.filter((id) => !this.completed.has(id));
  }
}

/** The session of the run whose code is running (set around the Agents SDK run). */
export const modelSessions = new AsyncLocalStorage<ModelSession>();

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface BackgroundFetchOptions {
  /** How long a response to continue may stay `queued` before it counts as stuck (default 5 s). */
  queuedWaitMs?: number;
  /** Poll interval while it is queued (default 250 ms). */
  pollMs?: number;
}

/** Statuses whose events can be streamed again from the start. */
const CONTINUABLE = new Set(['in_progress', 'completed', 'incomplete']);

function gone(reason: string): Response {
  return new Response(JSON.stringify({ error: { message: reason, type: 'invalid_request_error', code: 'resume_unavailable' } }), {
    status: 410,
    headers: { 'content-type': 'application/json' },
  });
}

function getInit(init: RequestInit | undefined): RequestInit {
  const headers = new Headers(init?.headers);
  headers.delete('content-type');
  headers.delete('content-length');
  return { method: 'GET', headers, ...(init?.signal ? { signal: init.signal } : {}) };
}

function isStreamedCreate(url: string, init: RequestInit | undefined): Record<string, unknown> | null {
  if ((init?.method ?? 'GET').toUpperCase() !== 'POST' || !/\/responses$/.test(new URL(url).pathname)) return null;
  if (typeof init?.body !== 'string') return null;
  try {
    const body = JSON.parse(init.body) as Record<string, unknown>;
    return body.stream === true ? body : null;
  } catch {
    return null;
  }
}

async function continueResponse(inner: Fetch, createUrl: string, id: string, init: RequestInit | undefined, opts: BackgroundFetchOptions) {
  const session = modelSessions.getStore();
  const base = `${createUrl}/${encodeURIComponent(id)}`;
  const deadline = Date.now() + (opts.queuedWaitMs ?? 5_000);
  for (;;) {
    const res = await inner(base, getInit(init));
    if (res.status === 404) return fail(session, id, 'the response is gone upstream (expired or never stored)');
    if (!res.ok) return res;
    const { status } = (await res.json()) as { status?: string };
    if (status && CONTINUABLE.has(status)) break;
    if (status !== 'queued') return fail(session, id, `the response is ${status ?? 'in an unknown state'}`);
    if (Date.now() >= deadline) {
      // A stream broken right at `response.created` can leave a response queued for good.
      await inner(`${base}/cancel`, { ...getInit(init), method: 'POST' }).catch(() => undefined);
      return fail(session, id, 'the response stayed queued');
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
  return inner(`${base}?stream=true`, getInit(init));
}

/** The response cannot be continued; it is gone, ended or was cancelled here, so nothing is left to cancel. */
function fail(session: ModelSession | undefined, id: string, reason: string): Response {
  if (session) {
    session.resumeFailed = reason;
    session.completed.add(id);
  }
  return gone(reason);
}

export function backgroundFetch(inner: Fetch, opts: BackgroundFetchOptions = {}): Fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = isStreamedCreate(url, init);
    if (!body) return inner(input, init);
    const session = modelSessions.getStore();
    if (session?.resumeFailed) return gone(session.resumeFailed);
    if (session?.resumeNext) return continueResponse(inner, url, session.resumeNext, init, opts);
    return inner(input, { ...init, body: JSON.stringify({ ...body, background: true, store: true }) });
  };
}
