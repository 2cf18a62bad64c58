// What an agent's tools can do to the conversation while they run (PROTOCOL §7.6, §8): push
// ChatKit events (progress, notices, client effects, widgets, tasks) in order with the model's
// events, and end the turn with a client tool call the browser answers.
import { streamWidget, type RespondArgs, type ResponseEvent } from '@switchyard/app-api';
import type { JsonObject, ThreadMetadata, ThreadStreamEvent, WidgetRoot } from '@switchyard/protocol';
import type { AsyncQueue } from './async-queue.ts';

export interface ClientToolCallRequest {
  name: string;
  arguments: JsonObject;
}

export class AgentChatContext {
  /** Set by a tool; the turn ends with a pending `client_tool_call` item (the agent must stop at that tool). */
  clientToolCall: ClientToolCallRequest | null = null;

  constructor(
    readonly args: RespondArgs,
    private readonly queue: AsyncQueue<ResponseEvent>,
  ) {}

  get thread(): ThreadMetadata {
    return this.args.thread;
  }

  emit(event: ThreadStreamEvent): void {
    this.queue.push(event);
  }

  /** Sends a widget whole (one root) or streamed (several roots, diffed as the reference does). */
  async widget(roots: WidgetRoot | Iterable<WidgetRoot> | AsyncIterable<WidgetRoot>, opts: { copyText?: string } = {}): Promise<string> {
    const id = this.args.newId('msg');
    const item = { id, thread_id: this.thread.id, created_at: new Date().toISOString(), type: 'widget' as const, ...(opts.copyText ? { copy_text: opts.copyText } : {}) };
    const sequence = Symbol.asyncIterator in Object(roots) || Symbol.iterator in Object(roots) ? (roots as Iterable<WidgetRoot>) : [roots as WidgetRoot];
    const events: ThreadStreamEvent[] = [];
    for await (const e of streamWidget(item, sequence)) events.push(e);
    // A one-root widget is sent as a single `done`, like the reference's non-streamed widgets.
    if (events.length === 2) this.emit(events[1]!);
    else for (const e of events) this.emit(e);
    return id;
  }

  requestClientToolCall(name: string, args: JsonObject): void {
    this.clientToolCall = { name, arguments: args };
  }
}
