// What an agent's tools can do to the conversation while they run (docs/protocol.md §7.4, §7.6, §8): push
// ChatKit events (progress, notices, client effects, items) in order with the model's events, send
// widgets whole or streamed, run custom workflows and tasks, and end the turn with a client tool
// call the browser answers. Everything goes through the run's converter, which ends an open
// workflow when a visible item follows it and remembers every item for a guardrail tripwire.
import { streamWidget, type RespondArgs } from '@switchyard/app-api';
import type {
  JsonObject,
  Task,
  ThreadMetadata,
  ThreadStreamEvent,
  WidgetRoot,
  Workflow,
  WorkflowItem,
  WorkflowSummary,
} from '@switchyard/protocol';
import type { ClientToolCallRequest, ResponseStreamConverter } from './response-stream-converter.ts';

export class AgentChatContext {
  /** Set by a tool; the turn ends with a pending `client_tool_call` item (the agent must stop at that tool). */
  clientToolCall: ClientToolCallRequest | null = null;

  constructor(
    readonly args: RespondArgs,
    private readonly converter: ResponseStreamConverter,
  ) {}

  get thread(): ThreadMetadata {
    return this.args.thread;
  }

  /** Any ChatKit event: `progress_update`, `notice`, `client_effect`, items, item updates. */
  emit(event: ThreadStreamEvent): void {
    this.converter.sideEvent(event);
  }

  /** Sends a widget whole (one root) or streamed (several roots, diffed as the reference does, docs/protocol.md §8). */
  async widget(roots: WidgetRoot | Iterable<WidgetRoot> | AsyncIterable<WidgetRoot>, opts: { copyText?: string } = {}): Promise<string> {
    const id = this.args.newId('msg');
    const item = {
      id,
      thread_id: this.thread.id,
      created_at: new Date().toISOString(),
      type: 'widget' as const,
      ...(opts.copyText ? { copy_text: opts.copyText } : {}),
    };
    const sequence =
      Symbol.asyncIterator in Object(roots) || Symbol.iterator in Object(roots) ? (roots as Iterable<WidgetRoot>) : [roots as WidgetRoot];
    const events: ThreadStreamEvent[] = [];
    for await (const e of streamWidget(item, sequence)) events.push(e);
    // A one-root widget is sent as a single `done`, like the reference's non-streamed widgets.
    if (events.length === 2) this.emit(events[1]!);
    else for (const e of events) this.emit(e);
    return id;
  }

  /** The workflow open right now (a reasoning workflow, one a tool started, or one continued from the last turn). */
  get workflow(): WorkflowItem | null {
    return this.converter.activeWorkflow;
  }

  /** Starts a workflow; a custom one without tasks appears with its first task. */
  startWorkflow(workflow: Workflow): WorkflowItem {
    return this.converter.startWorkflow(workflow);
  }

  /** Appends a task to the open workflow (a custom one is started if none is open). */
  addWorkflowTask(task: Task): void {
    this.converter.addWorkflowTask(task);
  }

  updateWorkflowTask(task: Task, taskIndex: number): void {
    this.converter.updateWorkflowTask(task, taskIndex);
  }

  /** Ends the open workflow: a custom summary and `expanded` are allowed; default is the duration, collapsed. */
  endWorkflow(opts: { summary?: WorkflowSummary; expanded?: boolean } = {}): void {
    this.converter.endWorkflow(opts);
  }

  requestClientToolCall(name: string, args: JsonObject): void {
    this.clientToolCall = { name, arguments: args };
  }
}
