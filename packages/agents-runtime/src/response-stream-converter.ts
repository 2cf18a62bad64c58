// Turns the Agents SDK's stream of raw Responses events into ChatKit thread events, following the
// reference's mapping (PROTOCOL §7.2, §7.5): Responses item ids reused, annotation indices that skip
// dropped citations, images handed out as frames for the ingest path instead of data URLs.
import type { RunStreamEvent } from '@openai/agents';
import { isOpenAIResponsesRawModelStreamEvent } from '@openai/agents-openai';
import type { ResponseOutputMessage, ResponseStreamEvent } from 'openai/resources/responses/responses';
import {
  newId,
  type Annotation,
  type AssistantMessageContent,
  type AssistantMessageItem,
  type GeneratedImageItem,
  type ThreadStreamEvent,
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

type ResponsesAnnotation = ResponseOutputMessage['content'][number] extends infer P
  ? P extends { annotations: Array<infer A> }
    ? A
    : never
  : never;

/** Default annotation conversion (PROTOCOL §7.5); returns null for kinds the reference drops. */
export function convertAnnotation(a: ResponsesAnnotation): Annotation | null {
  switch (a.type) {
    case 'file_citation':
      return a.filename ? { type: 'annotation', source: { type: 'file', filename: a.filename, title: a.filename }, index: a.index } : null;
    case 'container_file_citation':
      return a.filename ? { type: 'annotation', source: { type: 'file', filename: a.filename, title: a.filename }, index: a.end_index } : null;
    case 'url_citation':
      return { type: 'annotation', source: { type: 'url', url: a.url, title: a.title }, index: a.end_index };
    default:
      return null;
  }
}

function convertContent(part: ResponseOutputMessage['content'][number], withAnnotations: boolean): AssistantMessageContent {
  if (part.type === 'refusal') return { annotations: [], text: part.refusal, type: 'output_text' };
  const annotations = withAnnotations
    ? part.annotations.map(convertAnnotation).filter((a): a is Annotation => a !== null)
    : [];
  return { annotations, text: part.text, type: 'output_text' };
}

export interface ConverterOptions {
  threadId: string;
  /** `partial_images` the image tool was configured with; drives `progress`. */
  partialImages: number;
  now?: () => string;
}

export class ResponseStreamConverter {
  private readonly annotationCounts = new Map<string, number>();
  private activeImage: { item: GeneratedImageItem; imageId: string } | null = null;
  /** Every ChatKit item id this run produced (guardrail tripwires remove them all). */
  readonly producedItemIds = new Set<string>();
  /** True once an image finished and no message has started since (PITFALLS: image-only loops). */
  imageDoneWithoutMessage = false;
  messagesDone = 0;
  /** Function calls the model made, by tool name (a client tool call reuses their ids, §7.6). */
  readonly functionCalls = new Map<string, { itemId: string; callId: string }>();

  constructor(
    private readonly out: ChatKitEmitter,
    private readonly opts: ConverterOptions,
  ) {}

  private now(): string {
    return this.opts.now?.() ?? new Date().toISOString();
  }

  /** Feeds one Agents SDK stream event; non-Responses events are ignored here. */
  handle(event: RunStreamEvent): void {
    if (isOpenAIResponsesRawModelStreamEvent(event)) this.handleRaw(event.data.event);
    else if (event.type === 'run_item_stream_event' && event.item.type === 'tool_call_item') {
      const raw = event.item.rawItem;
      if (raw.type === 'function_call' && raw.id) {
        this.functionCalls.set(raw.name, { itemId: raw.id, callId: raw.callId });
        this.producedItemIds.add(raw.id);
      }
    }
  }

  handleRaw(e: ResponseStreamEvent): void {
    switch (e.type) {
      case 'response.output_item.added': {
        const item = e.item;
        if (item.type === 'message') {
          this.imageDoneWithoutMessage = false;
          const msg: AssistantMessageItem = {
            id: item.id,
            thread_id: this.opts.threadId,
            created_at: this.now(),
            type: 'assistant_message',
            content: item.content.map((p) => convertContent(p, true)),
          };
          this.producedItemIds.add(item.id);
          this.out.event({ type: 'thread.item.added', item: msg });
        } else if (item.type === 'image_generation_call') {
          const img: GeneratedImageItem = {
            id: newId('msg'),
            thread_id: this.opts.threadId,
            created_at: this.now(),
            type: 'generated_image',
          };
          this.activeImage = { item: img, imageId: item.id };
          this.producedItemIds.add(img.id);
          this.out.event({ type: 'thread.item.added', item: img });
        }
        return;
      }
      case 'response.content_part.added': {
        if (e.part.type === 'reasoning_text') return;
        this.out.event({
          type: 'thread.item.updated',
          item_id: e.item_id,
          update: { type: 'assistant_message.content_part.added', content_index: e.content_index, content: convertContent(e.part, true) },
        });
        return;
      }
      case 'response.output_text.delta':
        this.out.textDelta(e.item_id, e.content_index, e.delta);
        return;
      case 'response.output_text.annotation.added': {
        const annotation = convertAnnotation(e.annotation as ResponsesAnnotation);
        if (!annotation) return;
        const key = `${e.item_id}:${e.content_index}`;
        const index = this.annotationCounts.get(key) ?? 0;
        this.annotationCounts.set(key, index + 1);
        this.out.event({
          type: 'thread.item.updated',
          item_id: e.item_id,
          update: { type: 'assistant_message.content_part.annotation_added', content_index: e.content_index, annotation_index: index, annotation },
        });
        return;
      }
      case 'response.output_text.done':
        this.out.event({
          type: 'thread.item.updated',
          item_id: e.item_id,
          update: { type: 'assistant_message.content_part.done', content_index: e.content_index, content: { annotations: [], text: e.text, type: 'output_text' } },
        });
        return;
      case 'response.image_generation_call.partial_image': {
        const active = this.activeImage;
        if (!active) return;
        this.out.imageFrame({
          item: active.item,
          imageId: e.item_id,
          partialIndex: e.partial_image_index,
          b64: e.partial_image_b64,
          format: (e as { output_format?: string }).output_format ?? 'png',
        });
        return;
      }
      case 'response.output_item.done': {
        const item = e.item;
        if (item.type === 'message') {
          const msg: AssistantMessageItem = {
            id: item.id,
            thread_id: this.opts.threadId,
            created_at: this.now(),
            type: 'assistant_message',
            content: item.content.map((p) => convertContent(p, true)),
          };
          this.messagesDone++;
          this.out.event({ type: 'thread.item.done', item: msg });
        } else if (item.type === 'image_generation_call' && item.result && this.activeImage) {
          const active = this.activeImage;
          this.activeImage = null;
          this.imageDoneWithoutMessage = true;
          this.out.imageFrame({
            item: active.item,
            imageId: item.id,
            partialIndex: null,
            b64: item.result,
            format: (item as { output_format?: string }).output_format ?? 'png',
          });
        }
        return;
      }
      default:
        return;
    }
  }
}
