// The demo page's ChatKit transport: JSON requests and streaming requests on `POST /chatkit`, read
// with fetch and a stream reader; a dropped stream re-attaches with Last-Event-ID at
// `GET /chatkit/runs/<runId>/events`; Stop is `POST /chatkit/runs/<runId>/cancel`.
import { createSseParser } from './sse-parser.js';

/** The gateway names the run of a streaming response in this header (re-attach and cancel need it). */
export const RUN_ID_HEADER = 'X-Switchyard-Run-Id';

/** Re-attach attempts in a row that may fail (network, 5xx) before the page gives up on a run. */
const MAX_REATTACH_FAILURES = 6;

/** An answer other than 2xx, with the gateway's `{"error":{"code","message"}}` when it sent one. */
export class ChatKitHttpError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.name = 'ChatKitHttpError';
    this.status = status;
    this.code = code;
  }
}

/**
 * How a run's stream ended for this page: `ended` (the run is over), `detached` (the page let go),
 * `gone` (its log expired or it is not ours: 404), `lost` (re-attaching kept failing).
 * @typedef {'ended' | 'detached' | 'gone' | 'lost'} RunOutcome
 */

/**
 * @typedef {object} RunHandlers
 * @property {(event: any) => void} onEvent   every ThreadStreamEvent, in order, each once
 * @property {(state: 'streaming' | 'reattaching') => void} [onConnection]
 */

/** @param {Response} res */
async function httpError(res) {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.json();
    if (body && typeof body.error === 'object') {
      code = String(body.error.code ?? code);
      message = String(body.error.message ?? message);
    }
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return new ChatKitHttpError(res.status, code, message);
}

/** @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
      { once: true },
    );
  });
}

/** One response being streamed: its events arrive through the handlers until `done` settles. */
export class Run {
  /**
   * @param {ChatKitClient} client
   * @param {string | null} runId  null for a response without a run (an empty stream)
   * @param {RunHandlers} handlers
   * @param {AbortController} [controller]  the one the opening request already uses
   */
  constructor(client, runId, handlers, controller = new AbortController()) {
    this.client = client;
    this.runId = runId;
    this.handlers = handlers;
    /** The seq of the last event delivered: the Last-Event-ID of a re-attach. */
    this.lastSeq = 0;
    this.controller = controller;
    /** @type {Promise<RunOutcome>} */
    this.done = Promise.resolve('ended');
  }

  /** Asks the gateway to cancel the run; its stream then ends as usual (with whatever was persisted). */
  async stop() {
    if (this.runId === null) return;
    const res = await this.client.fetch(`${this.client.endpoint}/runs/${encodeURIComponent(this.runId)}/cancel`, {
      method: 'POST',
      headers: this.client.headers,
    });
    if (!res.ok) throw await httpError(res);
  }

  /** Lets go of the stream without cancelling (the gateway's disconnect policy decides). */
  detach() {
    this.controller.abort();
  }

  /** Reads one SSE response to its end, delivering each event once. */
  async read(/** @type {Response} */ res) {
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser((frame) => {
      const seq = Number(frame.id);
      // After a re-attach the gateway starts after Last-Event-ID; never show an event twice anyway.
      if (Number.isInteger(seq) && seq > 0) {
        if (seq <= this.lastSeq) return;
        this.lastSeq = seq;
      }
      let event;
      try {
        event = JSON.parse(frame.data);
      } catch {
        event = { type: 'error', code: 'custom', message: 'The server sent an event the page could not read.', allow_retry: false };
      }
      this.handlers.onEvent(event);
    });
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      parser.feed(decoder.decode());
    } finally {
      reader.releaseLock();
    }
  }

  /**
   * Follows the run after `first` (the POST's stream, or a first attach): re-attaches from the last
   * event until an attach ends cleanly without anything new, which means the run is over. The
   * gateway ends a stream at the run's end, but also when it drains or the client reads too slowly,
   * and the two look alike on the wire; the extra attach (one short request a turn) tells them apart.
   * @param {Promise<void>} first
   * @param {boolean} firstIsReattach  whether `first` already is an attach (then it can end the run)
   * @returns {Promise<RunOutcome>}
   */
  async follow(first, firstIsReattach) {
    const signal = this.controller.signal;
    if (this.runId === null) {
      try {
        await first;
        return 'ended';
      } catch (err) {
        if (signal.aborted) return 'detached';
        throw err;
      }
    }
    let failures = 0;
    let before = this.lastSeq;
    let attempt = first;
    let reattaching = firstIsReattach;
    for (;;) {
      try {
        await attempt;
        if (signal.aborted) return 'detached';
        if (reattaching && this.lastSeq === before) return 'ended';
        failures = 0;
      } catch (err) {
        if (signal.aborted) return 'detached';
        if (err instanceof ChatKitHttpError && err.status === 404) return 'gone';
        if (err instanceof ChatKitHttpError && err.status < 500 && err.status !== 429) throw err;
        if (this.lastSeq > before) failures = 0;
        if (++failures > MAX_REATTACH_FAILURES) return 'lost';
        this.handlers.onConnection?.('reattaching');
        await sleep(Math.min(8000, 250 * 2 ** failures), signal);
        if (signal.aborted) return 'detached';
      }
      before = this.lastSeq;
      reattaching = true;
      attempt = this.reattach();
    }
  }

  async reattach() {
    const res = await this.client.fetch(`${this.client.endpoint}/runs/${encodeURIComponent(String(this.runId))}/events`, {
      headers: { ...this.client.headers, 'Last-Event-ID': String(this.lastSeq) },
      signal: this.controller.signal,
    });
    if (!res.ok) throw await httpError(res);
    this.handlers.onConnection?.('streaming');
    await this.read(res);
  }
}

export class ChatKitClient {
  /**
   * @param {{ endpoint?: string, headers?: Record<string, string>, fetch?: typeof fetch }} [options]
   *   endpoint: the ChatKit URL (default `chatkit` next to the page, so a path prefix works)
   */
  constructor(options = {}) {
    this.endpoint = options.endpoint ?? new URL('chatkit', document.baseURI).href.replace(/\/$/, '');
    this.headers = options.headers ?? {};
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * A non-streaming request (`threads.get_by_id`, `threads.list`, `items.list`…).
   * @param {string} type @param {object} params
   */
  async request(type, params) {
    const res = await this.fetch(this.endpoint, {
      method: 'POST',
      headers: { ...this.headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type, params }),
    });
    if (!res.ok) throw await httpError(res);
    return res.json();
  }

  /**
   * A streaming request (`threads.create`, `threads.add_user_message`…). Resolves once the stream
   * is open (errors before it, such as 409 or 429, reject); events then flow to the handlers.
   * @param {string} type @param {object} params @param {RunHandlers} handlers
   * @returns {Promise<Run>}
   */
  async stream(type, params, handlers) {
    const controller = new AbortController();
    const res = await this.fetch(this.endpoint, {
      method: 'POST',
      headers: { ...this.headers, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ type, params }),
      signal: controller.signal,
    });
    if (!res.ok) throw await httpError(res);
    const run = new Run(this, res.headers.get(RUN_ID_HEADER), handlers, controller);
    handlers.onConnection?.('streaming');
    run.done = run.follow(run.read(res), false);
    return run;
  }

  /**
   * Re-attaches to a run this page started before (a reload, or the thread opened again).
   * @param {string} runId @param {number} afterSeq @param {RunHandlers} handlers
   * @returns {Run}
   */
  attach(runId, afterSeq, handlers) {
    const run = new Run(this, runId, handlers);
    run.lastSeq = afterSeq;
    run.done = run.follow(run.reattach(), true);
    return run;
  }
}
