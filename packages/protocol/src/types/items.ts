// Thread items (docs/protocol.md §2.3): the eleven persisted item kinds, discriminated on `type`.
// Hidden-context items live in the store for model input only and are never sent to the client.
import type { Attachment } from './attachments.ts';
import type { AssistantMessageContent, InferenceOptions, UserMessageContent } from './content.ts';
import type { JsonObject, JsonValue } from './json.ts';
import type { StructuredInput, StructuredInputStatus } from './structured-input.ts';
import type { WidgetRoot } from './widgets.ts';
import type { Task, Workflow } from './workflow.ts';

interface ThreadItemBase {
  id: string;
  thread_id: string;
  /** ISO-8601; the reference emits naive local time, Switchyard emits `toISOString()`. */
  created_at: string;
}

export interface UserMessageItem extends ThreadItemBase {
  type: 'user_message';
  content: UserMessageContent[];
  /** default []; embedded attachment records (their `metadata` is stripped on the wire). */
  attachments: Attachment[];
  quoted_text?: string | null;
  /** Required, may be {}. */
  inference_options: InferenceOptions;
}

export interface AssistantMessageItem extends ThreadItemBase {
  type: 'assistant_message';
  content: AssistantMessageContent[];
}

export interface ClientToolCallItem extends ThreadItemBase {
  type: 'client_tool_call';
  /** default "pending" */
  status: 'pending' | 'completed';
  call_id: string;
  name: string;
  arguments: JsonObject;
  /** The client's result once completed; omitted on the wire when null. */
  output?: JsonValue;
}

export interface WidgetItem extends ThreadItemBase {
  type: 'widget';
  widget: WidgetRoot;
  copy_text?: string | null;
}

export interface GeneratedImage {
  id: string;
  url: string;
}

export interface GeneratedImageItem extends ThreadItemBase {
  type: 'generated_image';
  /** Absent until the first partial or the final image. */
  image?: GeneratedImage | null;
}

export interface StructuredInputItem extends ThreadItemBase {
  type: 'structured_input';
  /** default "pending" */
  status: StructuredInputStatus;
  inputs: StructuredInput[];
}

export interface WorkflowItem extends ThreadItemBase {
  type: 'workflow';
  workflow: Workflow;
}

export interface TaskItem extends ThreadItemBase {
  type: 'task';
  task: Task;
}

export interface HiddenContextItem extends ThreadItemBase {
  type: 'hidden_context_item';
  content: JsonValue;
}

export interface SDKHiddenContextItem extends ThreadItemBase {
  type: 'sdk_hidden_context';
  content: string;
}

export interface EndOfTurnItem extends ThreadItemBase {
  type: 'end_of_turn';
}

export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | GeneratedImageItem
  | StructuredInputItem
  | WorkflowItem
  | TaskItem
  | HiddenContextItem
  | SDKHiddenContextItem
  | EndOfTurnItem;

export type ThreadItemType = ThreadItem['type'];

export type ThreadItemOf<T extends ThreadItemType> = Extract<ThreadItem, { type: T }>;

export const THREAD_ITEM_TYPES = [
  'user_message',
  'assistant_message',
  'client_tool_call',
  'widget',
  'generated_image',
  'structured_input',
  'workflow',
  'task',
  'hidden_context_item',
  'sdk_hidden_context',
  'end_of_turn',
] as const satisfies readonly ThreadItemType[];

/** The text of the hidden note the reference stores when the client cancels a stream (docs/protocol.md §6.9). */
export const STREAM_CANCELLED_CONTEXT = 'The user cancelled the stream. Stop responding to the prior request.';

/** Hidden items are stored for model input only: never streamed, filtered from every listing. */
export function isHiddenContextItem(item: ThreadItem): item is HiddenContextItem | SDKHiddenContextItem {
  return item.type === 'hidden_context_item' || item.type === 'sdk_hidden_context';
}
