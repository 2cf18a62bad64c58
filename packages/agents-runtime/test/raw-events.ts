// Typed Responses stream events for replaying the reference's scenarios into the converter: each
// builder returns an `openai` type, so a replay is a sequence the real API could have sent.
import type {
  ResponseContentPartAddedEvent,
  ResponseImageGenCallPartialImageEvent,
  ResponseOutputItemAddedEvent,
  ResponseOutputItemDoneEvent,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseOutputTextAnnotationAddedEvent,
  ResponseReasoningSummaryTextDeltaEvent,
  ResponseReasoningSummaryTextDoneEvent,
  ResponseTextDeltaEvent,
  ResponseTextDoneEvent,
} from 'openai/resources/responses/responses';

export type OutputAnnotation = ResponseOutputText['annotations'][number];

let sequence = 0;
const seq = () => sequence++;

export const raw = {
  messageAdded(id: string, outputIndex = 0): ResponseOutputItemAddedEvent {
    return {
      type: 'response.output_item.added',
      sequence_number: seq(),
      output_index: outputIndex,
      item: { id, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    };
  },
  partAdded(itemId: string, contentIndex: number, text = ''): ResponseContentPartAddedEvent {
    return {
      type: 'response.content_part.added',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      content_index: contentIndex,
      part: { type: 'output_text', text, annotations: [] },
    };
  },
  textDelta(itemId: string, delta: string, contentIndex = 0): ResponseTextDeltaEvent {
    return {
      type: 'response.output_text.delta',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      content_index: contentIndex,
      delta,
      logprobs: [],
    };
  },
  annotation(
    itemId: string,
    annotationIndex: number,
    annotation: OutputAnnotation,
    contentIndex = 0,
  ): ResponseOutputTextAnnotationAddedEvent {
    return {
      type: 'response.output_text.annotation.added',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      content_index: contentIndex,
      annotation_index: annotationIndex,
      annotation,
    };
  },
  textDone(itemId: string, text: string, contentIndex = 0): ResponseTextDoneEvent {
    return {
      type: 'response.output_text.done',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      content_index: contentIndex,
      text,
      logprobs: [],
    };
  },
  messageDone(id: string, content: Array<ResponseOutputText | ResponseOutputRefusal>, outputIndex = 0): ResponseOutputItemDoneEvent {
    const item: ResponseOutputMessage = { id, type: 'message', role: 'assistant', status: 'completed', content };
    return { type: 'response.output_item.done', sequence_number: seq(), output_index: outputIndex, item };
  },
  text(text: string, annotations: OutputAnnotation[] = []): ResponseOutputText {
    return { type: 'output_text', text, annotations };
  },
  reasoningAdded(id: string): ResponseOutputItemAddedEvent {
    return { type: 'response.output_item.added', sequence_number: seq(), output_index: 0, item: { id, type: 'reasoning', summary: [] } };
  },
  summaryDelta(itemId: string, summaryIndex: number, delta: string): ResponseReasoningSummaryTextDeltaEvent {
    return {
      type: 'response.reasoning_summary_text.delta',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      summary_index: summaryIndex,
      delta,
    };
  },
  summaryDone(itemId: string, summaryIndex: number, text: string): ResponseReasoningSummaryTextDoneEvent {
    return {
      type: 'response.reasoning_summary_text.done',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      summary_index: summaryIndex,
      text,
    };
  },
  imageAdded(id: string): ResponseOutputItemAddedEvent {
    return {
      type: 'response.output_item.added',
      sequence_number: seq(),
      output_index: 0,
      item: { id, type: 'image_generation_call', status: 'in_progress', result: null },
    };
  },
  partialImage(itemId: string, index: number, b64: string): ResponseImageGenCallPartialImageEvent {
    return {
      type: 'response.image_generation_call.partial_image',
      sequence_number: seq(),
      item_id: itemId,
      output_index: 0,
      partial_image_index: index,
      partial_image_b64: b64,
    };
  },
  imageDone(id: string, result: string): ResponseOutputItemDoneEvent {
    return {
      type: 'response.output_item.done',
      sequence_number: seq(),
      output_index: 0,
      item: { id, type: 'image_generation_call', status: 'completed', result },
    };
  },
  fileSearchDone(id: string): ResponseOutputItemDoneEvent {
    return {
      type: 'response.output_item.done',
      sequence_number: seq(),
      output_index: 0,
      item: { id, type: 'file_search_call', status: 'completed', queries: ['q'] },
    };
  },
};

export const annotations = {
  file(filename: string, index: number): OutputAnnotation {
    return { type: 'file_citation', file_id: 'file_1', filename, index };
  },
  container(filename: string, endIndex: number): OutputAnnotation {
    return { type: 'container_file_citation', container_id: 'cntr_1', file_id: 'file_2', filename, start_index: 0, end_index: endIndex };
  },
  url(url: string, title: string, endIndex: number): OutputAnnotation {
    return { type: 'url_citation', url, title, start_index: 0, end_index: endIndex };
  },
  filePath(index: number): OutputAnnotation {
    return { type: 'file_path', file_id: 'file_3', index };
  },
};
