// The transport-neutral heart of the model test server: admits a create request (log, fault choice,
// user text) and hands back its scripted frames, or runs them in the background store (background
// mode). Hand-written: no offline Responses API server.
import type { ResponseCreateParams } from 'openai/resources/responses/responses';
import { BackgroundStore } from './background.ts';
import type { BackgroundResponse } from './background.ts';
import { FaultQueue, faultFromMarker, isBackgroundFault } from './faults.ts';
import type { Fault } from './faults.ts';
import { lastUserText } from './flows/request.ts';
import { newId, responseFlow } from './flows/response-flow.ts';
import type { FlowFrame, FlowSettings } from './flows/response-flow.ts';
import { appendBounded, type CompletedResponse, type RecordedRequest, type SentImage } from './request-log.ts';

/** How many response ids keep their user text for `previous_response_id` continuations. */
const REMEMBERED_RESPONSES = 10_000;

/** The flow's settings plus how long a background response is kept after its last event. */
export interface CoreSettings extends FlowSettings {
  backgroundTtlMs: number;
}

/** What `configure` may change while the server runs. */
export type SettingsPatch = Partial<Pick<CoreSettings, 'deltaDelayMs' | 'textDeltas' | 'stamp' | 'backgroundTtlMs'>>;

export interface Admission {
  responseId: string;
  /** The fault this request must suffer, if any: a queued one first, else a marker in the text. */
  fault: Fault | null;
  frames(): AsyncGenerator<FlowFrame, void, undefined>;
  /** Background requests only: starts the flow in the background store (see background.ts). */
  startBackground(): Promise<BackgroundResponse>;
}

export interface AdmitOptions {
  transport: RecordedRequest['transport'];
  connectionId: number;
  path: string;
  body: ResponseCreateParams;
  streaming: boolean;
  generate: boolean;
  /** HTTP `background: true` (the flow then always paces and sends partial images: it is kept for streams). */
  background?: boolean;
}

export class ResponsesCore {
  readonly requests: RecordedRequest[] = [];
  readonly sentImages: SentImage[] = [];
  readonly completedResponses: CompletedResponse[] = [];
  readonly faults = new FaultQueue();
  /** Background responses, kept for GET, retrieval streams and cancel until they expire. */
  readonly background = new BackgroundStore((frame) => this.sent(frame));
  #settings: CoreSettings;
  readonly #maxRecorded: number;
  readonly #remembered = new Map<string, { userText: string | null; background: boolean }>();
  readonly #connectionIds = new WeakMap<object, number>();
  #connections = 0;

  constructor(settings: CoreSettings, maxRecorded: number) {
    this.#settings = settings;
    this.#maxRecorded = maxRecorded;
  }

  admit(options: AdmitOptions): Admission {
    const responseId = newId('resp');
    const background = options.background === true;
    this.record({
      kind: 'create',
      id: responseId,
      transport: options.transport,
      connectionId: options.connectionId,
      path: options.path,
      body: options.body,
    });
    const userText = this.#userText(options.body);
    this.#remember(responseId, userText, background);
    // Background-only faults wait in the queue for a background request (FIFO among those that apply).
    const queued = this.faults.take((fault) => background || !isBackgroundFault(fault));
    const fault = queued ?? (userText === null ? null : faultFromMarker(userText));
    const request = {
      responseId,
      body: options.body,
      streaming: options.streaming || background,
      generate: options.generate,
      userText,
      background,
    };
    const settings = this.#settings;
    return {
      responseId,
      fault,
      frames: () => responseFlow(request, settings),
      startBackground: () => {
        if (!background) throw new Error('startBackground() on a request without background: true');
        const held = fault !== null && isBackgroundFault(fault) ? fault : null;
        return this.background.start(responseId, responseFlow(request, settings), held, settings.backgroundTtlMs);
      },
    };
  }

  /** Logs a request (a create via admit(); retrieves and cancels directly). */
  record(entry: Omit<RecordedRequest, 'receivedAt'>): void {
    appendBounded(this.requests, { ...entry, receivedAt: Date.now() }, this.#maxRecorded);
  }

  /**
   * A response this server answered without `background` (among the latest it remembers): the API
   * refuses to cancel those, rather than saying it does not know them.
   */
  isForegroundResponse(responseId: string): boolean {
    return this.#remembered.get(responseId)?.background === false;
  }

  /** The settings of later requests (answers already started keep theirs). */
  get settings(): Readonly<CoreSettings> {
    return this.#settings;
  }

  /** Changes the settings of requests admitted from now on (benchmarks switch sizes between phases). */
  configure(patch: SettingsPatch): void {
    this.#settings = { ...this.#settings, ...patch };
  }

  /** A stable number for a TCP socket; an HTTP request and a WebSocket upgrade share their socket's. */
  connectionId(socket: object): number {
    let id = this.#connectionIds.get(socket);
    if (id === undefined) {
      id = ++this.#connections;
      this.#connectionIds.set(socket, id);
    }
    return id;
  }

  /** Called by a transport once a frame has been written, so `sentImages` lists only what left. */
  sent(frame: FlowFrame): void {
    if (frame.image) appendBounded(this.sentImages, frame.image, this.#maxRecorded);
    if (frame.event.type === 'response.completed' && frame.event.response.usage) {
      appendBounded(this.completedResponses, { id: frame.event.response.id, usage: frame.event.response.usage }, this.#maxRecorded);
    }
  }

  /**
   * A continuation (`previous_response_id`) often carries only tool outputs: the user text then
   * comes from the response it continues, as the real API would see it in its stored context.
   */
  #userText(body: ResponseCreateParams): string | null {
    const own = lastUserText(body);
    if (own !== null) return own;
    const previous = body.previous_response_id;
    return previous ? (this.#remembered.get(previous)?.userText ?? null) : null;
  }

  #remember(responseId: string, userText: string | null, background: boolean): void {
    this.#remembered.set(responseId, { userText, background });
    if (this.#remembered.size > REMEMBERED_RESPONSES) {
      const oldest = this.#remembered.keys().next();
      if (!oldest.done) this.#remembered.delete(oldest.value);
    }
  }
}
