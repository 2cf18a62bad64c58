// Turns an Agents SDK run into ChatKit thread events exactly as the reference's
// `stream_agent_response` does (docs/protocol.md §7): raw Responses events (messages reusing the
// Responses item id, annotation indices that skip dropped citations, reasoning as a workflow whose
// first thought streams, images), run items (function calls), the events tools push while they run
// (§7.4: they end an open workflow), the workflow helpers, what is left at the end of the run (§7.6)
// and what a guardrail tripwire takes back (§7.7). Images go out as frames for the ingest path, or,
// in the reference's own mode, inline through a `base64ImageToUrl` function.
import type { RunStreamEvent } from '@openai/agents';
import { isOpenAIResponsesRawModelStreamEvent } from '@openai/agents-openai';
import type { ResponseOutputMessage, ResponseOutputText, ResponseStreamEvent } from 'openai/resources/responses/responses';
import {
  newId as defaultNewId,
  type Annotation,
  type AssistantMessageContent,
  type AssistantMessageItem,
  type ClientToolCallItem,
  type GeneratedImageItem,
  type IdPrefix,
  type JsonObject,
  type Task,
  type ThoughtTask,
  type ThreadItem,
  type ThreadStreamEvent,
  type Workflow,
  type WorkflowItem,
  type WorkflowSummary,
} from '@switchyard/protocol';

/** One image frame for the ingest path: a partial preview (index 0..) or the final image (null). */
export interface ImageFrame {
  item: GeneratedImageItem;
  imageId: string;
  partialIndex: number | null;
  b64: string;
  format: string;
}

/** Where converted output goes. Implementations keep order across all three calls. */
export interface ChatKitEmitter {
  event(e: ThreadStreamEvent): void;
  /** Text deltas are separate so the writer can coalesce them. */
  textDelta(itemId: string, contentIndex: number, delta: string): void;
  imageFrame(frame: ImageFrame): void;
}

/** A Responses annotation, on a final `output_text` part or in `output_text.annotation.added`. */
export type ResponsesAnnotation = ResponseOutputText['annotations'][number];

/** Default annotation conversion (docs/protocol.md §7.5); returns null for kinds the reference drops. */
export function convertAnnotation(a: ResponsesAnnotation): Annotation | null {
  switch (a.type) {
    case 'file_citation':
      return a.filename ? { type: 'annotation', source: { type: 'file', filename: a.filename, title: a.filename }, index: a.index } : null;
    case 'container_file_citation':
      return a.filename
        ? { type: 'annotation', source: { type: 'file', filename: a.filename, title: a.filename }, index: a.end_index }
        : null;
    case 'url_citation':
      return { type: 'annotation', source: { type: 'url', url: a.url, title: a.title }, index: a.end_index };
    default:
      return null;
  }
}

/** The reference's default `base64_image_to_url`: the whole image inline as a data URL. */
export function dataUrlImage(_imageId: string, b64: string, _partialIndex: number | null): string {
  return `data:image/png;base64,${b64}`;
}

export interface ConverterOptions {
  threadId: string;
  /** `partial_images` the image tool was configured with; drives `progress` (0 → always 0). */
  partialImages: number;
  now?: () => Date;
  /** Ids of items the converter creates (workflows, generated images); default `newId`. */
  newId?: (prefix: IdPrefix) => string;
  /**
   * Ids for items made from a Responses output item (a reasoning workflow, a generated image),
   * derived from that item's id: a later attempt that continues the response (docs/resume.md) must
   * give them the ids the client already has. Default: `newId`.
   */
  stableId?: (prefix: IdPrefix, responsesItemId: string) => string;
  /** Overrides the annotation conversion, for streamed annotations and final items alike (N6). */
  convertAnnotation?: (a: ResponsesAnnotation) => Annotation | null;
  /**
   * The reference's image mode: every partial and the final image become a URL here and go out as
   * `generated_image.updated` / `thread.item.done` events. Without it images go out as frames for
   * the ingest worker, which uploads them and emits those events itself.
   */
  base64ImageToUrl?: (imageId: string, b64: string, partialIndex: number | null) => string;
}

export interface ClientToolCallRequest {
  name: string;
  arguments: JsonObject;
}

/** Types a tool's item may have without ending the open workflow (docs/protocol.md §7.4). */
const WORKFLOW_KEEPING_TYPES = new Set<ThreadItem['type']>(['client_tool_call', 'hidden_context_item']);

/**
 * docs/protocol.md §7.1: the workflow a new run continues — the newest item if it is a workflow, or the one before
 * a newest client tool call (the turn that asked the browser left its workflow open).
 */
export function workflowToContinue(itemsOldestFirst: ThreadItem[]): WorkflowItem | null {
  const newest = itemsOldestFirst.at(-1);
  const before = itemsOldestFirst.at(-2);
  if (newest?.type === 'workflow') return newest;
  if (newest?.type === 'client_tool_call' && before?.type === 'workflow') return before;
  return null;
}

/** What a converter carries from one model response to the next (docs/resume.md): JSON. */
export interface ConverterSnapshot {
  workflow: WorkflowItem | null;
  /** The streaming thought as its place in the workflow's tasks. */
  streamingThought: { itemId: string; summaryIndex: number; taskIndex: number } | null;
  produced: string[];
  functionCalls: Array<[string, { itemId: string; callId: string }]>;
  lastFunctionCall: { itemId: string; callId: string } | null;
  annotationCounts: Array<[string, number]>;
}

export class ResponseStreamConverter {
  private readonly annotationCounts = new Map<string, number>();
  private activeImage: { item: GeneratedImageItem; imageId: string } | null = null;
  private workflow: WorkflowItem | null = null;
  /** The first thought of a reasoning workflow, streamed delta by delta (later ones arrive whole). */
  private streamingThought: { itemId: string; summaryIndex: number; task: ThoughtTask } | null = null;
  /** Every ChatKit item id this run produced, in order (guardrail tripwires remove them all). */
  readonly producedItemIds = new Set<string>();
  /** Function calls the model made, by tool name (a client tool call reuses their ids, docs/protocol.md §7.6). */
  readonly functionCalls = new Map<string, { itemId: string; callId: string }>();
  private lastFunctionCall: { itemId: string; callId: string } | null = null;

  constructor(
    private readonly out: ChatKitEmitter,
    private readonly opts: ConverterOptions,
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private newId(prefix: IdPrefix): string {
    return (this.opts.newId ?? defaultNewId)(prefix);
  }

  private idFor(prefix: IdPrefix, responsesItemId: string): string {
    return this.opts.stableId ? this.opts.stableId(prefix, responsesItemId) : this.newId(prefix);
  }

  /** The state between two model responses; an image is never in flight there. */
  snapshot(): ConverterSnapshot {
    const t = this.streamingThought;
    const taskIndex = t && this.workflow ? this.workflow.workflow.tasks.indexOf(t.task) : -1;
    return {
      workflow: this.workflow ? structuredClone(this.workflow) : null,
      streamingThought: t && taskIndex >= 0 ? { itemId: t.itemId, summaryIndex: t.summaryIndex, taskIndex } : null,
      produced: [...this.producedItemIds],
      functionCalls: [...this.functionCalls],
      lastFunctionCall: this.lastFunctionCall,
      annotationCounts: [...this.annotationCounts],
    };
  }

  /** Continues from a snapshot another converter of the same run took (a resumed attempt). */
  restore(s: ConverterSnapshot): void {
    this.workflow = s.workflow ? structuredClone(s.workflow) : null;
    const task = s.streamingThought && this.workflow?.workflow.tasks[s.streamingThought.taskIndex];
    this.streamingThought =
      s.streamingThought && task && task.type === 'thought'
        ? { itemId: s.streamingThought.itemId, summaryIndex: s.streamingThought.summaryIndex, task }
        : null;
    for (const id of s.produced) this.producedItemIds.add(id);
    for (const [name, call] of s.functionCalls) this.functionCalls.set(name, call);
    this.lastFunctionCall = s.lastFunctionCall;
    for (const [k, v] of s.annotationCounts) this.annotationCounts.set(k, v);
  }

  private annotation(a: ResponsesAnnotation): Annotation | null {
    return (this.opts.convertAnnotation ?? convertAnnotation)(a);
  }

  private content(part: ResponseOutputMessage['content'][number]): AssistantMessageContent {
    // Refusals become text, as in the reference.
    if (part.type === 'refusal') return { annotations: [], text: part.refusal, type: 'output_text' };
    const annotations = part.annotations.map((a) => this.annotation(a)).filter((a): a is Annotation => a !== null);
    return { annotations, text: part.text, type: 'output_text' };
  }

  /**
   * Items are mutated after they are emitted (tasks appended, thoughts growing) while the events
   * may still wait in the pipeline's queue: every event carries its own snapshot.
   */
  private emit(e: ThreadStreamEvent): void {
    if (e.type === 'thread.item.added' || e.type === 'thread.item.done') this.producedItemIds.add(e.item.id);
    this.out.event(structuredClone(e));
  }

  get activeWorkflow(): WorkflowItem | null {
    return this.workflow;
  }

  /** docs/protocol.md §7.1: continue a workflow the previous turn left open (see `workflowToContinue`). */
  continueWorkflow(item: WorkflowItem): void {
    this.workflow = structuredClone(item);
  }

  // ── Agents SDK stream ─────────────────────────────────────────────────────────────────────

  /** Feeds one Agents SDK stream event; events other than raw Responses events and run items are ignored. */
  handle(event: RunStreamEvent): void {
    if (isOpenAIResponsesRawModelStreamEvent(event)) this.handleRaw(event.data.event);
    else if (event.type === 'run_item_stream_event' && event.item.type === 'tool_call_item') {
      const raw = event.item.rawItem;
      // docs/protocol.md §7.3: remembered for a client tool call, and removed on a tripwire like any produced item.
      if (raw.type === 'function_call' && raw.id) {
        const call = { itemId: raw.id, callId: raw.callId };
        this.functionCalls.set(raw.name, call);
        this.lastFunctionCall = call;
        this.producedItemIds.add(raw.id);
      }
    }
  }

  handleRaw(e: ResponseStreamEvent): void {
    switch (e.type) {
      case 'response.output_item.added': {
        const item = e.item;
        if (item.type === 'reasoning') {
          if (this.workflow) return;
          this.workflow = {
            id: this.idFor('wf', item.id),
            thread_id: this.opts.threadId,
            created_at: this.now().toISOString(),
            type: 'workflow',
            workflow: { type: 'reasoning', tasks: [], expanded: false },
          };
          this.emit({ type: 'thread.item.added', item: this.workflow });
        } else if (item.type === 'message') {
          if (this.workflow) this.endWorkflowAutomatically();
          this.emit({
            type: 'thread.item.added',
            item: {
              id: item.id,
              thread_id: this.opts.threadId,
              created_at: this.now().toISOString(),
              type: 'assistant_message',
              content: item.content.map((p) => this.content(p)),
            },
          });
        } else if (item.type === 'image_generation_call') {
          // An image does not end an open workflow (docs/protocol.md §7.2).
          const img: GeneratedImageItem = {
            id: this.idFor('msg', item.id),
            thread_id: this.opts.threadId,
            created_at: this.now().toISOString(),
            type: 'generated_image',
          };
          this.activeImage = { item: img, imageId: item.id };
          this.emit({ type: 'thread.item.added', item: img });
        }
        return;
      }
      case 'response.content_part.added': {
        if (e.part.type === 'reasoning_text') return;
        this.emit({
          type: 'thread.item.updated',
          item_id: e.item_id,
          update: { type: 'assistant_message.content_part.added', content_index: e.content_index, content: this.content(e.part) },
        });
        return;
      }
      case 'response.output_text.delta':
        this.out.textDelta(e.item_id, e.content_index, e.delta);
        return;
      case 'response.output_text.annotation.added': {
        const annotation = e.annotation ? this.annotation(e.annotation) : null;
        if (!annotation) return;
        // Dropped annotations do not take an index: the client inserts at the index it is given.
        const key = `${e.item_id}:${e.content_index}`;
        const index = this.annotationCounts.get(key) ?? 0;
        this.annotationCounts.set(key, index + 1);
        this.emit({
          type: 'thread.item.updated',
          item_id: e.item_id,
          update: {
            type: 'assistant_message.content_part.annotation_added',
            content_index: e.content_index,
            annotation_index: index,
            annotation,
          },
        });
        return;
      }
      case 'response.output_text.done':
        // Annotations are not repeated here; the final item carries them (docs/protocol.md §7.2, §10 item 4).
        this.emit({
          type: 'thread.item.updated',
          item_id: e.item_id,
          update: {
            type: 'assistant_message.content_part.done',
            content_index: e.content_index,
            content: { annotations: [], text: e.text, type: 'output_text' },
          },
        });
        return;
      case 'response.reasoning_summary_text.delta':
        this.summaryDelta(e.item_id, e.summary_index, e.delta);
        return;
      case 'response.reasoning_summary_text.done':
        this.summaryDone(e.item_id, e.summary_index, e.text);
        return;
      case 'response.image_generation_call.partial_image': {
        const active = this.activeImage;
        if (!active) return;
        const format = e.output_format ?? 'png';
        if (this.opts.base64ImageToUrl) {
          const url = this.opts.base64ImageToUrl(e.item_id, e.partial_image_b64, e.partial_image_index);
          const progress = this.opts.partialImages > 0 ? Math.min(1, e.partial_image_index / this.opts.partialImages) : 0;
          active.item.image = { id: e.item_id, url };
          this.emit({
            type: 'thread.item.updated',
            item_id: active.item.id,
            update: { type: 'generated_image.updated', image: active.item.image, progress },
          });
          return;
        }
        this.out.imageFrame({
          item: structuredClone(active.item),
          imageId: e.item_id,
          partialIndex: e.partial_image_index,
          b64: e.partial_image_b64,
          format,
        });
        return;
      }
      case 'response.output_item.done': {
        const item = e.item;
        if (item.type === 'message') {
          const msg: AssistantMessageItem = {
            id: item.id,
            thread_id: this.opts.threadId,
            created_at: this.now().toISOString(),
            type: 'assistant_message',
            content: item.content.map((p) => this.content(p)),
          };
          this.emit({ type: 'thread.item.done', item: msg });
        } else if (item.type === 'image_generation_call' && item.result && this.activeImage) {
          const active = this.activeImage;
          this.activeImage = null;
          if (this.opts.base64ImageToUrl) {
            active.item.image = { id: item.id, url: this.opts.base64ImageToUrl(item.id, item.result, null) };
            this.emit({ type: 'thread.item.done', item: active.item });
            return;
          }
          this.out.imageFrame({
            item: structuredClone(active.item),
            imageId: item.id,
            partialIndex: null,
            b64: item.result,
            format: item.output_format ?? 'png',
          });
        }
        return;
      }
      default:
        return;
    }
  }

  private isStreamingThought(itemId: string, summaryIndex: number): boolean {
    const t = this.streamingThought;
    return (
      !!t && !!this.workflow && this.workflow.workflow.tasks.includes(t.task) && t.itemId === itemId && t.summaryIndex === summaryIndex
    );
  }

  /** Only the first thought streams (into an empty reasoning workflow); later deltas are ignored. */
  private summaryDelta(itemId: string, summaryIndex: number, delta: string): void {
    const wf = this.workflow;
    if (!wf) return;
    if (wf.workflow.type === 'reasoning' && wf.workflow.tasks.length === 0) {
      const task: ThoughtTask = { type: 'thought', content: delta, status_indicator: 'none' };
      this.streamingThought = { itemId, summaryIndex, task };
      wf.workflow.tasks.push(task);
      this.emit({ type: 'thread.item.updated', item_id: wf.id, update: { type: 'workflow.task.added', task_index: 0, task } });
    } else if (this.isStreamingThought(itemId, summaryIndex)) {
      const task = this.streamingThought!.task;
      task.content += delta;
      this.emit({
        type: 'thread.item.updated',
        item_id: wf.id,
        update: { type: 'workflow.task.updated', task_index: wf.workflow.tasks.indexOf(task), task },
      });
    }
  }

  /** A finished summary: the streamed thought gets its final text, any other becomes a new task. */
  private summaryDone(itemId: string, summaryIndex: number, text: string): void {
    const wf = this.workflow;
    if (!wf) return;
    if (this.isStreamingThought(itemId, summaryIndex)) {
      const task = this.streamingThought!.task;
      task.content = text;
      this.streamingThought = null;
      this.emit({
        type: 'thread.item.updated',
        item_id: wf.id,
        update: { type: 'workflow.task.updated', task_index: wf.workflow.tasks.indexOf(task), task },
      });
      return;
    }
    const task: ThoughtTask = { type: 'thought', content: text, status_indicator: 'none' };
    wf.workflow.tasks.push(task);
    this.emit({
      type: 'thread.item.updated',
      item_id: wf.id,
      update: { type: 'workflow.task.added', task_index: wf.workflow.tasks.length - 1, task },
    });
  }

  // ── Events from tools and the workflow helpers (docs/protocol.md §7.4) ────────────────────

  /**
   * An event a tool pushes while it runs. A visible item other than the open workflow itself (not
   * a client tool call or hidden context) ends that workflow first, so it renders above the item.
   */
  sideEvent(e: ThreadStreamEvent): void {
    if (
      (e.type === 'thread.item.added' || e.type === 'thread.item.done') &&
      this.workflow &&
      this.workflow.id !== e.item.id &&
      !WORKFLOW_KEEPING_TYPES.has(e.item.type)
    ) {
      this.endWorkflowAutomatically();
    }
    // A workflow a tool adds itself becomes the open one (as in the reference); one it finishes
    // itself is no longer open (so it is not stored again at the end of the run).
    if (e.type === 'thread.item.added' && e.item.type === 'workflow' && this.workflow?.id !== e.item.id)
      this.workflow = structuredClone(e.item);
    else if (e.type === 'thread.item.done' && e.item.type === 'workflow' && this.workflow?.id === e.item.id) {
      this.workflow = null;
      this.streamingThought = null;
    }
    this.emit(e);
  }

  /**
   * Starts a workflow (ending an open one first). A custom workflow without tasks is announced with
   * its first task; a reasoning workflow, or one with tasks, at once.
   */
  startWorkflow(workflow: Workflow): WorkflowItem {
    if (this.workflow) this.endWorkflowAutomatically();
    this.workflow = {
      id: this.newId('wf'),
      thread_id: this.opts.threadId,
      created_at: this.now().toISOString(),
      type: 'workflow',
      workflow: structuredClone(workflow),
    };
    if (workflow.type === 'reasoning' || workflow.tasks.length > 0) this.sideEvent({ type: 'thread.item.added', item: this.workflow });
    return this.workflow;
  }

  /** Appends a task; the first task of a custom workflow announces the workflow itself. */
  addWorkflowTask(task: Task): void {
    this.workflow ??= {
      id: this.newId('wf'),
      thread_id: this.opts.threadId,
      created_at: this.now().toISOString(),
      type: 'workflow',
      workflow: { type: 'custom', tasks: [], expanded: false },
    };
    const wf = this.workflow;
    wf.workflow.tasks.push(structuredClone(task));
    if (wf.workflow.type !== 'reasoning' && wf.workflow.tasks.length === 1) this.sideEvent({ type: 'thread.item.added', item: wf });
    else
      this.sideEvent({
        type: 'thread.item.updated',
        item_id: wf.id,
        update: { type: 'workflow.task.added', task_index: wf.workflow.tasks.length - 1, task },
      });
  }

  updateWorkflowTask(task: Task, taskIndex: number): void {
    const wf = this.workflow;
    if (!wf) throw new Error('updateWorkflowTask: no workflow is open');
    if (taskIndex < 0 || taskIndex >= wf.workflow.tasks.length) throw new Error(`updateWorkflowTask: no task ${taskIndex}`);
    wf.workflow.tasks[taskIndex] = structuredClone(task);
    this.sideEvent({ type: 'thread.item.updated', item_id: wf.id, update: { type: 'workflow.task.updated', task_index: taskIndex, task } });
  }

  /** Ends the open workflow explicitly: a given summary wins, else an existing one, else the duration. */
  endWorkflow(opts: { summary?: WorkflowSummary; expanded?: boolean } = {}): void {
    const wf = this.workflow;
    if (!wf) return;
    if (opts.summary) wf.workflow.summary = opts.summary;
    else wf.workflow.summary ??= this.durationOf(wf);
    wf.workflow.expanded = opts.expanded ?? false;
    this.workflow = null;
    this.streamingThought = null;
    this.sideEvent({ type: 'thread.item.done', item: wf });
  }

  private durationOf(wf: WorkflowItem): { duration: number } {
    // Whole seconds, truncated like the reference's int(timedelta.total_seconds()).
    return { duration: Math.max(0, Math.floor((this.now().getTime() - Date.parse(wf.created_at)) / 1000)) };
  }

  /** docs/protocol.md §7.4 automatic end: keep an existing summary, else the duration; always collapsed. */
  private endWorkflowAutomatically(): void {
    const wf = this.workflow;
    if (!wf) return;
    wf.workflow.summary ??= this.durationOf(wf);
    wf.workflow.expanded = false;
    this.workflow = null;
    this.streamingThought = null;
    this.emit({ type: 'thread.item.done', item: wf });
  }

  // ── End of run (docs/protocol.md §7.6) and tripwires (docs/protocol.md §7.7) ──────────────

  /**
   * The workflow still open when the run ends, handed over (and forgotten here) to be stored
   * without a `done` event, so the next turn continues it (docs/protocol.md §7.1).
   */
  takeOpenWorkflow(): WorkflowItem | null {
    const wf = this.workflow;
    this.workflow = null;
    this.streamingThought = null;
    return wf ? structuredClone(wf) : null;
  }

  /** The pending client tool call that ends the turn, with the function call's ids when the model made one. */
  clientToolCallItem(call: ClientToolCallRequest): ClientToolCallItem {
    const made = this.functionCalls.get(call.name) ?? this.lastFunctionCall;
    return {
      id: made?.itemId ?? this.newId('tc'),
      thread_id: this.opts.threadId,
      created_at: this.now().toISOString(),
      type: 'client_tool_call',
      status: 'pending',
      call_id: made?.callId ?? this.newId('tc'),
      name: call.name,
      arguments: call.arguments,
    };
  }

  /** docs/protocol.md §7.7: one `thread.item.removed` per item this run produced (messages, workflows, images, tool items, calls). */
  removalEvents(): ThreadStreamEvent[] {
    return [...this.producedItemIds].map((id) => ({ type: 'thread.item.removed', item_id: id }));
  }
}
