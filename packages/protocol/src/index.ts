// @switchyard/protocol: the ChatKit wire protocol as the reference server (chatkit-python 1.6.5) speaks it.
// Types for every wire shape, the request parser, the serializer and SSE framing, ids, and update folding.

export type { Annotation, EntitySource, FileSource, Source, URLSource } from './types/annotations.ts';
export type { Attachment, AttachmentUploadDescriptor, FileAttachment, ImageAttachment } from './types/attachments.ts';
export type {
  AssistantMessageContent,
  InferenceOptions,
  ToolChoice,
  UserMessageContent,
  UserMessageInput,
  UserMessageTagContent,
  UserMessageTextContent,
} from './types/content.ts';
export {
  THREAD_STREAM_EVENT_TYPES,
  type ClientEffectEvent,
  type ErrorCode,
  type ErrorEvent,
  type NoticeEvent,
  type ProgressUpdateEvent,
  type StreamOptions,
  type StreamOptionsEvent,
  type ThreadCreatedEvent,
  type ThreadItemAddedEvent,
  type ThreadItemDoneEvent,
  type ThreadItemRemovedEvent,
  type ThreadItemReplacedEvent,
  type ThreadItemUpdatedEvent,
  type ThreadStreamEvent,
  type ThreadStreamEventOf,
  type ThreadStreamEventType,
  type ThreadUpdatedEvent,
} from './types/events.ts';
export { ICON_NAMES, isIconName, type IconName } from './types/icons.ts';
export {
  isHiddenContextItem,
  STREAM_CANCELLED_CONTEXT,
  THREAD_ITEM_TYPES,
  type AssistantMessageItem,
  type ClientToolCallItem,
  type EndOfTurnItem,
  type GeneratedImage,
  type GeneratedImageItem,
  type HiddenContextItem,
  type SDKHiddenContextItem,
  type StructuredInputItem,
  type TaskItem,
  type ThreadItem,
  type ThreadItemOf,
  type ThreadItemType,
  type UserMessageItem,
  type WidgetItem,
  type WorkflowItem,
} from './types/items.ts';
export type { JsonObject, JsonPrimitive, JsonValue } from './types/json.ts';
export { emptyPage, type Page } from './types/page.ts';
export type { EmptyResponse, SyncCustomActionResponse, TranscriptionResult } from './types/responses.ts';
export type {
  StructuredInput,
  StructuredInputAnswer,
  StructuredInputFreeform,
  StructuredInputMultipleChoice,
  StructuredInputOption,
  StructuredInputStatus,
} from './types/structured-input.ts';
export type { ActiveStatus, ClosedStatus, LockedStatus, Thread, ThreadMetadata, ThreadStatus } from './types/thread.ts';
export {
  THREAD_ITEM_UPDATE_TYPES,
  type AssistantMessageContentPartAdded,
  type AssistantMessageContentPartAnnotationAdded,
  type AssistantMessageContentPartDone,
  type AssistantMessageContentPartTextDelta,
  type GeneratedImageUpdated,
  type ThreadItemUpdate,
  type ThreadItemUpdateType,
  type WidgetComponentUpdated,
  type WidgetRootUpdated,
  type WidgetStreamingTextValueDelta,
  type WorkflowTaskAdded,
  type WorkflowTaskUpdated,
} from './types/updates.ts';
export type { Action, ActionConfig, WidgetComponent, WidgetRoot, WidgetRootType } from './types/widgets.ts';
export type {
  CustomSummary,
  CustomTask,
  DurationSummary,
  FileTask,
  ImageTask,
  SearchTask,
  Task,
  TaskStatusIndicator,
  ThoughtTask,
  Workflow,
  WorkflowSummary,
} from './types/workflow.ts';

export { applyItemUpdate } from './apply-update.ts';
export { ID_PREFIXES, newId, type IdPrefix } from './ids.ts';
export { exceededJsonBound, scanJsonText, type JsonBounds } from './json-bounds.ts';
export {
  MAX_ACTION_PAYLOAD_CHARS,
  MAX_ATTACHMENTS_PER_MESSAGE,
  MAX_CONTENT_PARTS,
  MAX_FEEDBACK_ITEM_IDS,
  MAX_ID_LENGTH,
  MAX_JSON_DEPTH,
  MAX_JSON_NODES,
  MAX_METADATA_CHARS,
  MAX_METADATA_DEPTH,
  MAX_MIME_TYPE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_STRUCTURED_ANSWERS,
  MAX_TEXT_LENGTH,
} from './request-limits.ts';
export {
  CHATKIT_REQUEST_TYPES,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  STREAMING_REQUEST_TYPES,
  actionSchema,
  attachmentsCreateRequest,
  attachmentsDeleteRequest,
  chatKitRequestSchema,
  inputTranscribeRequest,
  isStreamingRequest,
  itemsFeedbackRequest,
  itemsListRequest,
  jsonObjectSchema,
  parseChatKitRequest,
  parseJsonBody,
  threadsAddClientToolOutputRequest,
  threadsAddStructuredInputRequest,
  threadsAddUserMessageRequest,
  threadsCreateRequest,
  threadsCustomActionRequest,
  threadsDeleteRequest,
  threadsGetByIdRequest,
  threadsListRequest,
  threadsRetryAfterItemRequest,
  threadsSyncCustomActionRequest,
  threadsUpdateRequest,
  type ChatKitRequest,
  type ChatKitRequestOf,
  type ChatKitRequestParams,
  type ChatKitRequestType,
  type FeedbackKind,
  type NonStreamingRequest,
  type PageOrder,
  type StreamingRequest,
  type StreamingRequestType,
  type StructuredInputSubmission,
} from './requests.ts';
export {
  attachmentToWire,
  encodeSseComment,
  encodeSseData,
  encodeSseFrame,
  eventToWire,
  itemToWire,
  itemsPageToWire,
  pageToWire,
  threadToWire,
  threadsPageToWire,
  toWire,
  updateToWire,
} from './wire.ts';
