// The ChatKit server without a transport: every one of the 16 requests of docs/protocol.md §3, for an
// owner an adapter has already authenticated. Streaming requests start a run (start-run/), JSON
// requests are answered from the store and the app's hooks (requests/).
import type { RequestContext } from '@switchyard/app-api';
import { isStreamingRequest, type ChatKitRequest } from '@switchyard/protocol';
import { handleJsonRequest } from './requests/json-requests.ts';
import { startRun, type StartedRun, type StartRunDeps } from './start-run/start-run.ts';

export interface ChatKitServerDeps extends StartRunDeps {
  /** Largest decoded `input.transcribe` audio. */
  maxAudioBytes: number;
}

/** What the adapter sends back: a run to attach the client to, or a JSON body. */
export type HandledRequest = { kind: 'stream'; run: StartedRun } | { kind: 'json'; body: unknown };

export class ChatKitServer {
  constructor(private readonly deps: ChatKitServerDeps) {}

  async handle(owner: string, request: ChatKitRequest): Promise<HandledRequest> {
    if (isStreamingRequest(request)) return { kind: 'stream', run: await startRun(this.deps, owner, request) };
    const context: RequestContext = { owner, metadata: request.metadata as Record<string, unknown> };
    return { kind: 'json', body: await handleJsonRequest(this.deps, context, request) };
  }
}
