// Folding a ThreadItemUpdate into an item (docs/protocol.md §5 "Application semantics"), as the
// reference does for pending items on cancellation and as the client does on screen. Pure: the input is
// never mutated.
import type { AssistantMessageContent } from './types/content.ts';
import type { AssistantMessageItem, GeneratedImageItem, ThreadItem, WidgetItem, WorkflowItem } from './types/items.ts';
import type { JsonValue } from './types/json.ts';
import type {
  AssistantMessageContentPartAdded,
  AssistantMessageContentPartAnnotationAdded,
  AssistantMessageContentPartDone,
  AssistantMessageContentPartTextDelta,
  GeneratedImageUpdated,
  ThreadItemUpdate,
  WidgetComponentUpdated,
  WidgetRootUpdated,
  WidgetStreamingTextValueDelta,
  WorkflowTaskAdded,
  WorkflowTaskUpdated,
} from './types/updates.ts';
import type { WidgetRoot } from './types/widgets.ts';

type AssistantMessageUpdate =
  | AssistantMessageContentPartAdded
  | AssistantMessageContentPartTextDelta
  | AssistantMessageContentPartAnnotationAdded
  | AssistantMessageContentPartDone;

/**
 * Returns the item with `update` applied (a new object; unchanged parts are shared). An update that
 * does not apply to the item's kind returns the item itself, as the reference ignores it.
 *
 * - assistant_message: `content` is first padded with empty output_text parts up to `content_index`;
 *   part added/done replace the part (so a done part with `annotations: []` drops streamed ones, the
 *   final item carries them); text_delta appends; annotation_added inserts at `annotation_index`,
 *   or appends when the index is past the end.
 * - workflow: task added appends (whatever `task_index` says, as the reference); task updated replaces
 *   `tasks[task_index]`, and is ignored when that index does not exist.
 * - generated_image: `image` is replaced.
 * - widget (the reference does not fold these; the client does): root updated replaces the tree,
 *   component updated replaces the component whose `id` matches, streaming text appends `delta` to
 *   that component's `value`.
 */
export function applyItemUpdate(item: ThreadItem, update: ThreadItemUpdate): ThreadItem {
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.text_delta':
    case 'assistant_message.content_part.annotation_added':
    case 'assistant_message.content_part.done':
      return item.type === 'assistant_message' ? applyToAssistantMessage(item, update) : item;
    case 'workflow.task.added':
    case 'workflow.task.updated':
      return item.type === 'workflow' ? applyToWorkflow(item, update) : item;
    case 'generated_image.updated':
      return item.type === 'generated_image' ? applyToGeneratedImage(item, update) : item;
    case 'widget.root.updated':
    case 'widget.component.updated':
    case 'widget.streaming_text.value_delta':
      return item.type === 'widget' ? applyToWidget(item, update) : item;
    default:
      return item;
  }
}

function emptyPart(): AssistantMessageContent {
  return { annotations: [], text: '', type: 'output_text' };
}

function applyToAssistantMessage(item: AssistantMessageItem, update: AssistantMessageUpdate): AssistantMessageItem {
  const index = update.content_index;
  const content = [...item.content];
  while (content.length <= index) content.push(emptyPart());
  const part = content[index] ?? emptyPart();
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      content[index] = update.content;
      break;
    case 'assistant_message.content_part.text_delta':
      content[index] = { ...part, text: part.text + update.delta };
      break;
    case 'assistant_message.content_part.annotation_added': {
      const annotations = [...part.annotations];
      annotations.splice(Math.min(update.annotation_index, annotations.length), 0, update.annotation);
      content[index] = { ...part, annotations };
      break;
    }
  }
  return { ...item, content };
}

function applyToWorkflow(item: WorkflowItem, update: WorkflowTaskAdded | WorkflowTaskUpdated): WorkflowItem {
  const tasks = item.workflow.tasks;
  if (update.type === 'workflow.task.added') {
    return { ...item, workflow: { ...item.workflow, tasks: [...tasks, update.task] } };
  }
  if (update.task_index < 0 || update.task_index >= tasks.length) return item;
  const replaced = tasks.map((task, i) => (i === update.task_index ? update.task : task));
  return { ...item, workflow: { ...item.workflow, tasks: replaced } };
}

function applyToGeneratedImage(item: GeneratedImageItem, update: GeneratedImageUpdated): GeneratedImageItem {
  return { ...item, image: update.image };
}

type WidgetUpdate = WidgetRootUpdated | WidgetComponentUpdated | WidgetStreamingTextValueDelta;

function applyToWidget(item: WidgetItem, update: WidgetUpdate): WidgetItem {
  if (update.type === 'widget.root.updated') return { ...item, widget: update.widget };
  const replace =
    update.type === 'widget.component.updated'
      ? (): JsonValue => update.component as JsonValue
      : (node: { [key: string]: JsonValue }): JsonValue => ({
          ...node,
          value: (typeof node.value === 'string' ? node.value : '') + update.delta,
        });
  const widget = mapComponentById(item.widget as JsonValue, update.component_id, replace) as WidgetRoot;
  return widget === item.widget ? item : { ...item, widget };
}

/** Rewrites the first node whose `id` matches, copying only the path to it; returns `node` itself when absent. */
function mapComponentById(node: JsonValue, id: string, replace: (node: { [key: string]: JsonValue }) => JsonValue): JsonValue {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child = node[i] as JsonValue;
      const mapped = mapComponentById(child, id, replace);
      if (mapped !== child) return node.map((c, j) => (j === i ? mapped : c));
    }
    return node;
  }
  if (typeof node !== 'object' || node === null) return node;
  if (node.id === id) return replace(node);
  const children = node.children;
  if (children === undefined) return node;
  const mapped = mapComponentById(children, id, replace);
  return mapped === children ? node : { ...node, children: mapped };
}
