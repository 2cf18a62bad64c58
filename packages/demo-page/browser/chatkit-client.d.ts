// Types of chatkit-client.js for the TypeScript tests (the browser loads the .js itself, no build step).
import type { ThreadStreamEvent } from '@switchyard/protocol';

export const RUN_ID_HEADER: string;

export class ChatKitHttpError extends Error {
  constructor(status: number, code: string, message: string);
  status: number;
  code: string;
}

export type RunOutcome = 'ended' | 'detached' | 'gone' | 'lost';

export interface RunHandlers {
  onEvent(event: ThreadStreamEvent): void;
  onConnection?(state: 'streaming' | 'reattaching'): void;
}

export class Run {
  runId: string | null;
  lastSeq: number;
  done: Promise<RunOutcome>;
  stop(): Promise<void>;
  detach(): void;
}

export class ChatKitClient {
  constructor(options?: { endpoint?: string; headers?: Record<string, string>; fetch?: typeof fetch });
  endpoint: string;
  request(type: string, params: object): Promise<unknown>;
  stream(type: string, params: object, handlers: RunHandlers): Promise<Run>;
  attach(runId: string, afterSeq: number, handlers: RunHandlers): Run;
}
