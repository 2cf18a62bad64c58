// A ChatKit SSE client for the end-to-end suites: real HTTP through fetch, frames parsed by
// eventsource-parser, so `id:` lines and `: ping` comments are handled as any conforming client would.
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  id?: string;
  data: unknown;
  raw: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Resolves when the server ends the stream (or the client aborts). */
  done: Promise<void>;
  abort(): void;
  /** Resolves once `n` events have arrived. */
  waitForEvents(n: number): Promise<void>;
}

export async function openSse(url: string, init: RequestInit): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const parser = createParser({
    onEvent(ev) {
      events.push({ ...(ev.id !== undefined ? { id: ev.id } : {}), data: JSON.parse(ev.data), raw: ev.data });
      for (const w of waiters.splice(0)) {
        if (events.length >= w.n) w.resolve();
        else waiters.push(w);
      }
    },
  });
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    done,
    abort: () => controller.abort(),
    waitForEvents: (n) => (events.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}

export async function postChatKit(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<SseStream> {
  return openSse(`${baseUrl}/chatkit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export async function postJson(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/chatkit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
