// The reference's serialization (docs/protocol.md §1.4) and SSE framing: every byte Switchyard sends a client
// passes through here. Nulls are omitted, defaults written, server-only fields stripped, keys in the reference's order.
//
// What "exclude none" means, precisely (pydantic `model_dump_json(exclude_none=True)` in chatkit-python):
// - a model field whose value is null is omitted, at every depth of the typed model tree;
// - free-form values (`dict[str, Any]` / `Any`: client tool `arguments` and `output`, hidden context
//   `content`, `client_effect.data`, tag and entity `data`) are copied verbatim, nulls included:
//   pydantic-core's dict and any serializers do not apply exclude_none (pydantic-core#1091);
// - widget trees are the exception: the reference's widget serializer drops nulls recursively,
//   from every object and every array inside the tree (`_drop_none` in chatkit/widgets.py).
// Only declared fields are emitted, as pydantic does: extra keys on stored records (`_id`, owner, …) never leak.
import type { Annotation, Source } from './types/annotations.ts';
import type { Attachment } from './types/attachments.ts';
import type { AssistantMessageContent, InferenceOptions, UserMessageContent } from './types/content.ts';
import { THREAD_STREAM_EVENT_TYPES, type ThreadStreamEvent } from './types/events.ts';
import { isHiddenContextItem, THREAD_ITEM_TYPES, type ThreadItem } from './types/items.ts';
import type { Page } from './types/page.ts';
import type { StructuredInput } from './types/structured-input.ts';
import type { Thread, ThreadMetadata, ThreadStatus } from './types/thread.ts';
import { THREAD_ITEM_UPDATE_TYPES, type ThreadItemUpdate } from './types/updates.ts';
import type { Task, Workflow, WorkflowSummary } from './types/workflow.ts';

type WireObject = Record<string, unknown>;

/** Sets `key` unless the value is null or undefined ("exclude none" for one model field). */
function put(out: WireObject, key: string, value: unknown): void {
  if (value !== null && value !== undefined) out[key] = value;
}

/** Stored records may carry Date objects (MongoDB); the wire carries ISO-8601 strings. */
function timestamp(value: string): string {
  const v: unknown = value;
  return v instanceof Date ? v.toISOString() : value;
}

function isPlainObject(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function unknownKind(kind: string, value: { type: unknown }): TypeError {
  return new TypeError(`${kind}: unknown type ${JSON.stringify(value.type)}`);
}

/** Widget trees: nulls removed from every object and array at any depth (the reference's `_drop_none`). */
function dropNullsDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const element of value) if (element !== null && element !== undefined) out.push(dropNullsDeep(element));
    return out;
  }
  if (isPlainObject(value)) {
    const out: WireObject = {};
    for (const [key, member] of Object.entries(value)) put(out, key, dropNullsDeep(member));
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Threads and pages

function statusToWire(status: ThreadStatus | undefined): ThreadStatus {
  if (!status) return { type: 'active' };
  const out: WireObject = { type: status.type };
  if (status.type !== 'active') put(out, 'reason', status.reason);
  return out as unknown as ThreadStatus;
}

/**
 * The Thread JSON a client receives: server-side `metadata` replaced by `{}`, hidden-context items
 * filtered out of `items` (empty page by default: `thread.created`, `thread.updated`, `threads.list`,
 * `threads.update` all send it empty). Any `items` property on `meta` itself is ignored.
 */
export function threadToWire(meta: ThreadMetadata, items?: Page<ThreadItem>): Thread {
  const out: WireObject = {};
  put(out, 'title', meta.title);
  out.id = meta.id;
  out.created_at = timestamp(meta.created_at);
  out.status = statusToWire(meta.status);
  put(out, 'allowed_image_domains', meta.allowed_image_domains);
  out.metadata = {};
  out.items = itemsPageToWire(items ?? { data: [], has_more: false });
  return out as unknown as Thread;
}

export function pageToWire<T>(page: Page<T>, element: (value: T) => T): Page<T> {
  const out: WireObject = { data: (page.data ?? []).map(element), has_more: page.has_more ?? false };
  put(out, 'after', page.after);
  return out as unknown as Page<T>;
}

/** `items.list` answer: hidden-context items are dropped after paging, `after` is kept as the store set it. */
export function itemsPageToWire(page: Page<ThreadItem>): Page<ThreadItem> {
  const visible = (page.data ?? []).filter((item) => !isHiddenContextItem(item));
  return pageToWire({ ...page, data: visible }, itemToWire);
}

/** `threads.list` answer: each thread with `metadata: {}` and an empty items page. */
export function threadsPageToWire(page: Page<ThreadMetadata>): Page<Thread> {
  const out: WireObject = { data: (page.data ?? []).map((meta) => threadToWire(meta)), has_more: page.has_more ?? false };
  put(out, 'after', page.after);
  return out as unknown as Page<Thread>;
}

// ---------------------------------------------------------------------------------------------
// Attachments, content, sources

/** The attachment as the client sees it: `metadata` never leaves the server. */
export function attachmentToWire(attachment: Attachment): Attachment {
  const out: WireObject = { id: attachment.id, name: attachment.name, mime_type: attachment.mime_type };
  const upload = attachment.upload_descriptor;
  if (upload) out.upload_descriptor = { url: upload.url, method: upload.method, headers: upload.headers ?? {} };
  put(out, 'thread_id', attachment.thread_id);
  out.type = attachment.type;
  if (attachment.type === 'image') out.preview_url = attachment.preview_url;
  return out as unknown as Attachment;
}

function userContentToWire(part: UserMessageContent): UserMessageContent {
  switch (part.type) {
    case 'input_text':
      return { type: 'input_text', text: part.text };
    case 'input_tag': {
      const out: WireObject = { type: 'input_tag', id: part.id, text: part.text, data: part.data ?? {} };
      put(out, 'group', part.group);
      out.interactive = part.interactive ?? false;
      return out as unknown as UserMessageContent;
    }
    default:
      throw unknownKind('user message content', part);
  }
}

function inferenceOptionsToWire(options: InferenceOptions | undefined): InferenceOptions {
  const out: WireObject = {};
  if (options?.tool_choice) out.tool_choice = { id: options.tool_choice.id };
  put(out, 'model', options?.model);
  return out as InferenceOptions;
}

function assistantContentToWire(part: AssistantMessageContent): AssistantMessageContent {
  return { annotations: (part.annotations ?? []).map(annotationToWire), text: part.text, type: 'output_text' };
}

function annotationToWire(annotation: Annotation): Annotation {
  const out: WireObject = { type: 'annotation', source: sourceToWire(annotation.source) };
  put(out, 'index', annotation.index);
  return out as unknown as Annotation;
}

function sourceToWire(source: Source): Source {
  const out: WireObject = { title: source.title };
  put(out, 'description', source.description);
  put(out, 'timestamp', source.timestamp);
  put(out, 'group', source.group);
  out.type = source.type;
  switch (source.type) {
    case 'url':
      out.url = source.url;
      put(out, 'attribution', source.attribution);
      break;
    case 'file':
      out.filename = source.filename;
      break;
    case 'entity':
      out.id = source.id;
      put(out, 'icon', source.icon);
      put(out, 'label', source.label);
      put(out, 'inline_label', source.inline_label);
      out.interactive = source.interactive ?? false;
      out.data = source.data ?? {};
      put(out, 'preview', source.preview);
      break;
    default:
      throw unknownKind('source', source);
  }
  return out as unknown as Source;
}

// ---------------------------------------------------------------------------------------------
// Workflows, tasks, structured input

function taskToWire(task: Task): Task {
  const out: WireObject = { status_indicator: task.status_indicator ?? 'none', type: task.type };
  put(out, 'title', task.title);
  switch (task.type) {
    case 'custom':
      put(out, 'icon', task.icon);
      put(out, 'content', task.content);
      break;
    case 'web_search':
      put(out, 'title_query', task.title_query);
      out.queries = task.queries ?? [];
      out.sources = (task.sources ?? []).map(sourceToWire);
      break;
    case 'thought':
      out.content = task.content;
      break;
    case 'file':
      out.sources = (task.sources ?? []).map(sourceToWire);
      break;
    case 'image':
      break;
    default:
      throw unknownKind('task', task);
  }
  return out as unknown as Task;
}

function summaryToWire(summary: WorkflowSummary): WorkflowSummary {
  if ('duration' in summary) return { duration: summary.duration };
  const out: WireObject = { title: summary.title };
  put(out, 'icon', summary.icon);
  return out as unknown as WorkflowSummary;
}

function workflowToWire(workflow: Workflow): Workflow {
  const out: WireObject = { type: workflow.type, tasks: (workflow.tasks ?? []).map(taskToWire) };
  if (workflow.summary) out.summary = summaryToWire(workflow.summary);
  out.expanded = workflow.expanded ?? false;
  return out as unknown as Workflow;
}

function structuredInputToWire(input: StructuredInput): StructuredInput {
  const out: WireObject = { id: input.id, question: input.question };
  if (input.answer) out.answer = { values: input.answer.values ?? [], skipped: input.answer.skipped ?? false };
  out.type = input.type;
  switch (input.type) {
    case 'multiple_choice':
      out.options = input.options.map((option) => ({ value: option.value }));
      out.multiple = input.multiple ?? false;
      break;
    case 'freeform':
      put(out, 'description', input.description);
      break;
    default:
      throw unknownKind('structured input', input);
  }
  return out as unknown as StructuredInput;
}

// ---------------------------------------------------------------------------------------------
// Items, updates, events

/** One item as the client sees it. Hidden-context items serialize too; callers decide not to send them. */
export function itemToWire(item: ThreadItem): ThreadItem {
  const out: WireObject = { id: item.id, thread_id: item.thread_id, created_at: timestamp(item.created_at), type: item.type };
  switch (item.type) {
    case 'user_message':
      out.content = item.content.map(userContentToWire);
      out.attachments = (item.attachments ?? []).map(attachmentToWire);
      put(out, 'quoted_text', item.quoted_text);
      out.inference_options = inferenceOptionsToWire(item.inference_options);
      break;
    case 'assistant_message':
      out.content = item.content.map(assistantContentToWire);
      break;
    case 'client_tool_call':
      out.status = item.status ?? 'pending';
      out.call_id = item.call_id;
      out.name = item.name;
      out.arguments = item.arguments ?? {};
      put(out, 'output', item.output);
      break;
    case 'widget':
      out.widget = dropNullsDeep(item.widget);
      put(out, 'copy_text', item.copy_text);
      break;
    case 'generated_image':
      if (item.image) out.image = { id: item.image.id, url: item.image.url };
      break;
    case 'structured_input':
      out.status = item.status ?? 'pending';
      out.inputs = item.inputs.map(structuredInputToWire);
      break;
    case 'workflow':
      out.workflow = workflowToWire(item.workflow);
      break;
    case 'task':
      out.task = taskToWire(item.task);
      break;
    case 'hidden_context_item':
      put(out, 'content', item.content);
      break;
    case 'sdk_hidden_context':
      out.content = item.content;
      break;
    case 'end_of_turn':
      break;
    default:
      throw unknownKind('thread item', item);
  }
  return out as unknown as ThreadItem;
}

export function updateToWire(update: ThreadItemUpdate): ThreadItemUpdate {
  const out: WireObject = { type: update.type };
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      out.content_index = update.content_index;
      out.content = assistantContentToWire(update.content);
      break;
    case 'assistant_message.content_part.text_delta':
      out.content_index = update.content_index;
      out.delta = update.delta;
      break;
    case 'assistant_message.content_part.annotation_added':
      out.content_index = update.content_index;
      out.annotation_index = update.annotation_index;
      out.annotation = annotationToWire(update.annotation);
      break;
    case 'widget.streaming_text.value_delta':
      out.component_id = update.component_id;
      out.delta = update.delta;
      out.done = update.done;
      break;
    case 'widget.component.updated':
      out.component_id = update.component_id;
      out.component = dropNullsDeep(update.component);
      break;
    case 'widget.root.updated':
      out.widget = dropNullsDeep(update.widget);
      break;
    case 'workflow.task.added':
    case 'workflow.task.updated':
      out.task_index = update.task_index;
      out.task = taskToWire(update.task);
      break;
    case 'generated_image.updated':
      out.image = { id: update.image.id, url: update.image.url };
      put(out, 'progress', update.progress);
      break;
    default:
      throw unknownKind('thread item update', update);
  }
  return out as unknown as ThreadItemUpdate;
}

export function eventToWire(event: ThreadStreamEvent): ThreadStreamEvent {
  const out: WireObject = { type: event.type };
  switch (event.type) {
    case 'thread.created':
    case 'thread.updated':
      out.thread = threadToWire(event.thread, event.thread.items);
      break;
    case 'thread.item.added':
    case 'thread.item.done':
    case 'thread.item.replaced':
      out.item = itemToWire(event.item);
      break;
    case 'thread.item.updated':
      out.item_id = event.item_id;
      out.update = updateToWire(event.update);
      break;
    case 'thread.item.removed':
      out.item_id = event.item_id;
      break;
    case 'stream_options':
      out.stream_options = { allow_cancel: event.stream_options.allow_cancel };
      break;
    case 'progress_update':
      put(out, 'icon', event.icon);
      out.text = event.text;
      break;
    case 'client_effect':
      out.name = event.name;
      out.data = event.data ?? {};
      break;
    case 'error':
      out.code = event.code ?? 'custom';
      put(out, 'message', event.message);
      out.allow_retry = event.allow_retry ?? false;
      break;
    case 'notice':
      out.level = event.level;
      out.message = event.message;
      put(out, 'title', event.title);
      break;
    default:
      throw unknownKind('thread stream event', event);
  }
  return out as unknown as ThreadStreamEvent;
}

// ---------------------------------------------------------------------------------------------
// Any wire value

const eventTypes: ReadonlySet<string> = new Set(THREAD_STREAM_EVENT_TYPES);
const itemTypes: ReadonlySet<string> = new Set(THREAD_ITEM_TYPES);
const updateTypes: ReadonlySet<string> = new Set(THREAD_ITEM_UPDATE_TYPES);

/**
 * Serializes any value the protocol sends, recognised by shape: a stream event, a thread item, an
 * item update, an attachment (`type` file/image with `mime_type`), a page (`data` + `has_more`;
 * hidden items dropped), a thread (`id` + `created_at`, no `type`). Anything else (`{}`,
 * `{"text": …}`, `{"updated_item": …}`) has its null members omitted and the others serialized.
 * Prefer the typed helpers when the kind is known; the result is safe to JSON.stringify.
 */
export function toWire<T>(value: T): T {
  return anyToWire(value) as T;
}

function anyToWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(anyToWire);
  if (!isPlainObject(value)) return value;
  const type = value.type;
  if (typeof type === 'string') {
    if (eventTypes.has(type)) return eventToWire(value as unknown as ThreadStreamEvent);
    if (itemTypes.has(type)) return itemToWire(value as unknown as ThreadItem);
    if (updateTypes.has(type)) return updateToWire(value as unknown as ThreadItemUpdate);
    if ((type === 'file' || type === 'image') && 'mime_type' in value) return attachmentToWire(value as unknown as Attachment);
  }
  if (Array.isArray(value.data) && 'has_more' in value) {
    const page = value as unknown as Page<unknown>;
    const visible = page.data.filter((element) => !(isPlainObject(element) && isHiddenType(element.type)));
    return pageToWire({ ...page, data: visible }, anyToWire);
  }
  if (typeof value.id === 'string' && 'created_at' in value && !('type' in value)) {
    const thread = value as unknown as ThreadMetadata & { items?: Page<ThreadItem> };
    return threadToWire(thread, thread.items);
  }
  const out: WireObject = {};
  for (const [key, member] of Object.entries(value)) put(out, key, anyToWire(member));
  return out;
}

function isHiddenType(type: unknown): boolean {
  return type === 'hidden_context_item' || type === 'sdk_hidden_context';
}

// ---------------------------------------------------------------------------------------------
// SSE framing (docs/protocol.md §1.3): `data: <compact JSON>\n\n`, preceded by `id: <id>\n` when the frame
// carries a run-log sequence number (Switchyard's resumable streams; the reference sends no ids).

export function encodeSseFrame(event: ThreadStreamEvent, id?: string): string {
  return encodeSseData(JSON.stringify(eventToWire(event)), id);
}

/** Frames an event that is already wire JSON (e.g. read back from the run log) without re-serializing it. */
export function encodeSseData(json: string, id?: string): string {
  if (json.includes('\n') || json.includes('\r')) throw new TypeError('SSE data must be compact single-line JSON');
  if (id === undefined) return `data: ${json}\n\n`;
  if (/[\r\n\0]/.test(id)) throw new TypeError(`SSE id must not contain line breaks or NUL: ${JSON.stringify(id)}`);
  return `id: ${id}\ndata: ${json}\n\n`;
}

/** A comment frame (`: ping`), ignored by every SSE parser; keeps idle streams alive through proxies. */
export function encodeSseComment(text: string): string {
  if (/[\r\n]/.test(text)) throw new TypeError('SSE comment must be a single line');
  return `: ${text}\n\n`;
}
