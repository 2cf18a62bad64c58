// ThreadItemUpdate (docs/protocol.md §5): the `update` of a `thread.item.updated` event. Not
// discriminated in the reference's model, so `type` must always be sent; `applyItemUpdate` folds these
// into an item.
import type { Annotation } from './annotations.ts';
import type { AssistantMessageContent } from './content.ts';
import type { GeneratedImage } from './items.ts';
import type { WidgetComponent, WidgetRoot } from './widgets.ts';
import type { Task } from './workflow.ts';

export interface AssistantMessageContentPartAdded {
  type: 'assistant_message.content_part.added';
  content_index: number;
  content: AssistantMessageContent;
}

export interface AssistantMessageContentPartTextDelta {
  type: 'assistant_message.content_part.text_delta';
  content_index: number;
  delta: string;
}

export interface AssistantMessageContentPartAnnotationAdded {
  type: 'assistant_message.content_part.annotation_added';
  content_index: number;
  annotation_index: number;
  annotation: Annotation;
}

export interface AssistantMessageContentPartDone {
  type: 'assistant_message.content_part.done';
  content_index: number;
  content: AssistantMessageContent;
}

export interface WidgetStreamingTextValueDelta {
  type: 'widget.streaming_text.value_delta';
  component_id: string;
  delta: string;
  done: boolean;
}

export interface WidgetComponentUpdated {
  type: 'widget.component.updated';
  component_id: string;
  component: WidgetComponent;
}

export interface WidgetRootUpdated {
  type: 'widget.root.updated';
  widget: WidgetRoot;
}

export interface WorkflowTaskAdded {
  type: 'workflow.task.added';
  task_index: number;
  task: Task;
}

/** Full replacement of `tasks[task_index]`. */
export interface WorkflowTaskUpdated {
  type: 'workflow.task.updated';
  task_index: number;
  task: Task;
}

/** Since 1.4.1. `progress` in 0..1 (never 1.0 for a partial). */
export interface GeneratedImageUpdated {
  type: 'generated_image.updated';
  image: GeneratedImage;
  progress?: number | null;
}

export type ThreadItemUpdate =
  | AssistantMessageContentPartAdded
  | AssistantMessageContentPartTextDelta
  | AssistantMessageContentPartAnnotationAdded
  | AssistantMessageContentPartDone
  | WidgetStreamingTextValueDelta
  | WidgetComponentUpdated
  | WidgetRootUpdated
  | WorkflowTaskAdded
  | WorkflowTaskUpdated
  | GeneratedImageUpdated;

export type ThreadItemUpdateType = ThreadItemUpdate['type'];

export const THREAD_ITEM_UPDATE_TYPES = [
  'assistant_message.content_part.added',
  'assistant_message.content_part.text_delta',
  'assistant_message.content_part.annotation_added',
  'assistant_message.content_part.done',
  'widget.streaming_text.value_delta',
  'widget.component.updated',
  'widget.root.updated',
  'workflow.task.added',
  'workflow.task.updated',
  'generated_image.updated',
] as const satisfies readonly ThreadItemUpdateType[];
