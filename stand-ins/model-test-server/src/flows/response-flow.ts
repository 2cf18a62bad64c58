// The scripted answer to one create request as a sequence of typed Responses stream events: the
// output items a plan lists (reasoning, messages with annotations, function calls, images), each
// derived from a script of scripts.ts. Hand-written: no offline Responses server.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Response,
  ResponseCompletedEvent,
  ResponseCreateParams,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseStatus,
  ResponseStreamEvent,
  ResponseUsage,
  Tool,
} from 'openai/resources/responses/responses';
import { itemImage } from '../png.ts';
import type { SentImage } from '../request-log.ts';
import { flowPlan } from './markers.ts';
import { asksForImage, functionOutputsSinceLastUser, imageGenerationTool, offersFunctionTool } from './request.ts';
import { NAMED_SCRIPTS, REASONING, textMessage } from './scripts.ts';
import { titleFromText, titleSubject } from './title.ts';
import type { FunctionCallScript, ItemScript, MessageScript, ReasoningScript } from './scripts.ts';
import { IMAGE_CAPTION, answerText, flowProblemText, functionResultText, splitDeltas } from './text.ts';
import { stampText } from '../stamp.ts';

export const DEFAULT_MODEL = 'gpt-test';
/** The API allows 0–3 partial images per image_generation_call. */
const MAX_PARTIAL_IMAGES = 3;
/** Roughly what a 1024×1024 high-quality image bills as output tokens. */
const IMAGE_OUTPUT_TOKENS = 4160;

export interface FlowSettings {
  imageBytes: number;
  deltaDelayMs: number;
  textDeltas: number;
  /** Prefix every text delta with its send time (stamp.ts), for benchmarks. */
  stamp?: boolean;
}

export interface FlowRequest {
  responseId: string;
  body: ResponseCreateParams;
  /** Streaming answers pace their deltas and send partial images; JSON answers do neither. */
  streaming: boolean;
  /** WebSocket `generate: false` warms up state: the response completes with no output. */
  generate: boolean;
  userText: string | null;
  /**
   * HTTP `background: true`: the response starts `queued` (`response.created` says so and a
   * `response.queued` follows, as the API streams it) and its objects carry `background: true`.
   */
  background?: boolean;
}

/** One event to send, plus the digest of the image it carries so the transport can log it once sent. */
export interface FlowFrame {
  event: ResponseStreamEvent;
  image?: SentImage;
}

export function newId(prefix: 'resp' | 'msg' | 'ig' | 'rs' | 'fc' | 'call'): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

/** Yields the whole answer; the last frame is always `response.completed`. */
export async function* responseFlow(request: FlowRequest, settings: FlowSettings): AsyncGenerator<FlowFrame, void, undefined> {
  const writer = new FlowWriter(request, settings);
  const background = request.background === true;
  yield writer.frame({
    type: 'response.created',
    sequence_number: writer.seq(),
    response: writer.snapshot(background ? 'queued' : 'in_progress'),
  });
  if (background) yield writer.frame({ type: 'response.queued', sequence_number: writer.seq(), response: writer.snapshot('queued') });
  yield writer.frame({ type: 'response.in_progress', sequence_number: writer.seq(), response: writer.snapshot('in_progress') });
  if (request.generate) {
    for (const script of planItems(request, settings)) yield* writer.item(script);
  }
  yield writer.frame(writer.completed());
}

/**
 * What the answer holds, from the user's `[flow:…]` markers and the input. A request that brings
 * function outputs back gets a text answer quoting them (the round trip ends); a thread-title
 * request gets a short title; without markers the answer is text, or an image and a caption when
 * the user asks to draw and the tool is offered.
 */
export function planItems(request: Pick<FlowRequest, 'body' | 'userText'>, settings: Pick<FlowSettings, 'textDeltas'>): ItemScript[] {
  const text = (words: string): MessageScript => textMessage(splitDeltas(words, settings.textDeltas));
  const outputs = functionOutputsSinceLastUser(request.body);
  // A title request (see title.ts) gets a short title only: no echo, no image, no scripted flow
  // (markers in the conversation text it quotes are not meant for it).
  const subject = outputs.length === 0 ? titleSubject(request.body, request.userText) : null;
  if (subject !== null) return [text(titleFromText(subject))];
  const plan = flowPlan(request.userText);
  if (plan.problems.length > 0) return [text(flowProblemText(plan.problems))];
  const items: ItemScript[] = plan.reasoning ? [REASONING] : [];
  if (outputs.length > 0) {
    items.push(text(outputs.map((o) => functionResultText(o.name, o.output)).join(' ')));
    return items;
  }
  const tool = imageGenerationTool(request.body);
  const body = plan.body;
  if (body === null) {
    // Image answers end with a message: a response holding only an image_generation_call makes
    // the Agents runner call the model again every turn (see PITFALLS); [flow:image_only] does that.
    if (tool && asksForImage(request.userText)) items.push({ type: 'image', tool }, text(IMAGE_CAPTION));
    else items.push(text(answerText(request.userText)));
  } else if (body.kind === 'script') {
    items.push(...NAMED_SCRIPTS[body.name]);
  } else if (body.kind === 'function_call') {
    if (offersFunctionTool(request.body, body.name)) items.push({ type: 'function_call', name: body.name, arguments: body.arguments });
    else items.push(text(flowProblemText([`no function tool named "${body.name}" was offered`])));
  } else if (tool) {
    items.push({ type: 'image', tool });
  } else {
    items.push(text(flowProblemText(['[flow:image_only] needs the image_generation tool'])));
  }
  return items;
}

class FlowWriter {
  readonly #request: FlowRequest;
  readonly #settings: FlowSettings;
  readonly #createdAt = Math.floor(Date.now() / 1000);
  readonly #output: ResponseOutputItem[] = [];
  #sequence = 0;
  #outputTokens = 0;

  constructor(request: FlowRequest, settings: FlowSettings) {
    this.#request = request;
    this.#settings = settings;
  }

  seq(): number {
    return this.#sequence++;
  }

  frame(event: ResponseStreamEvent, image?: SentImage): FlowFrame {
    return image ? { event, image } : { event };
  }

  item(script: ItemScript): AsyncGenerator<FlowFrame, void, undefined> {
    switch (script.type) {
      case 'reasoning':
        return this.reasoningItem(script);
      case 'message':
        return this.messageItem(script);
      case 'function_call':
        return this.functionCallItem(script);
      case 'image':
        return this.imageItem(script.tool);
    }
  }

  async *reasoningItem(script: ReasoningScript): AsyncGenerator<FlowFrame, void, undefined> {
    const outputIndex = this.#output.length;
    const id = newId('rs');
    const item: ResponseReasoningItem = { id, type: 'reasoning', summary: [], status: 'in_progress' };
    const base = { item_id: id, output_index: outputIndex };
    yield this.frame({ type: 'response.output_item.added', sequence_number: this.seq(), output_index: outputIndex, item });
    const summary: ResponseReasoningItem.Summary[] = [];
    for (const [summaryIndex, deltas] of script.summaries.entries()) {
      yield this.frame({
        type: 'response.reasoning_summary_part.added',
        sequence_number: this.seq(),
        ...base,
        summary_index: summaryIndex,
        part: { type: 'summary_text', text: '' },
      });
      for (const delta of deltas) {
        await this.#pace();
        yield this.frame({
          type: 'response.reasoning_summary_text.delta',
          sequence_number: this.seq(),
          ...base,
          summary_index: summaryIndex,
          delta,
        });
      }
      const text = deltas.join('');
      yield this.frame({
        type: 'response.reasoning_summary_text.done',
        sequence_number: this.seq(),
        ...base,
        summary_index: summaryIndex,
        text,
      });
      yield this.frame({
        type: 'response.reasoning_summary_part.done',
        sequence_number: this.seq(),
        ...base,
        summary_index: summaryIndex,
        part: { type: 'summary_text', text },
      });
      summary.push({ type: 'summary_text', text });
      this.#outputTokens += Math.ceil(text.length / 4);
    }
    const done: ResponseReasoningItem = { id, type: 'reasoning', summary, status: 'completed' };
    this.#output.push(done);
    yield this.frame({ type: 'response.output_item.done', sequence_number: this.seq(), output_index: outputIndex, item: done });
  }

  async *messageItem(script: MessageScript): AsyncGenerator<FlowFrame, void, undefined> {
    const outputIndex = this.#output.length;
    const id = newId('msg');
    const partEvents = script.partEvents ?? true;
    const item: ResponseOutputMessage = { id, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    const base = { item_id: id, output_index: outputIndex };
    yield this.frame({ type: 'response.output_item.added', sequence_number: this.seq(), output_index: outputIndex, item });
    const parts: ResponseOutputText[] = [];
    for (const [contentIndex, partScript] of script.parts.entries()) {
      const stamp = this.#settings.stamp === true;
      // Stamped deltas differ from the script's: the part's text is what was actually sent.
      const sentDeltas: string[] = [];
      const annotations = partScript.annotations ?? [];
      if (partEvents) {
        const emptyPart: ResponseOutputText = { type: 'output_text', text: '', annotations: [] };
        yield this.frame({
          type: 'response.content_part.added',
          sequence_number: this.seq(),
          ...base,
          content_index: contentIndex,
          part: emptyPart,
        });
      }
      for (const scripted of partScript.deltas) {
        await this.#pace();
        const delta = stamp ? `${stampText()}${scripted}` : scripted;
        sentDeltas.push(delta);
        yield this.frame({
          type: 'response.output_text.delta',
          sequence_number: this.seq(),
          ...base,
          content_index: contentIndex,
          delta,
          logprobs: [],
        });
      }
      const text = sentDeltas.join('');
      for (const [annotationIndex, annotation] of annotations.entries()) {
        yield this.frame({
          type: 'response.output_text.annotation.added',
          sequence_number: this.seq(),
          ...base,
          content_index: contentIndex,
          annotation_index: annotationIndex,
          annotation,
        });
      }
      const part: ResponseOutputText = { type: 'output_text', text, annotations };
      if (partEvents) {
        yield this.frame({
          type: 'response.output_text.done',
          sequence_number: this.seq(),
          ...base,
          content_index: contentIndex,
          text,
          logprobs: [],
        });
        yield this.frame({ type: 'response.content_part.done', sequence_number: this.seq(), ...base, content_index: contentIndex, part });
      }
      parts.push(part);
      this.#outputTokens += Math.ceil(text.length / 4);
    }
    const done: ResponseOutputMessage = { ...item, status: 'completed', content: parts };
    this.#output.push(done);
    yield this.frame({ type: 'response.output_item.done', sequence_number: this.seq(), output_index: outputIndex, item: done });
  }

  async *functionCallItem(script: FunctionCallScript): AsyncGenerator<FlowFrame, void, undefined> {
    const outputIndex = this.#output.length;
    const id = newId('fc');
    const item: ResponseFunctionToolCall = {
      id,
      type: 'function_call',
      call_id: newId('call'),
      name: script.name,
      arguments: '',
      status: 'in_progress',
    };
    const base = { item_id: id, output_index: outputIndex };
    yield this.frame({ type: 'response.output_item.added', sequence_number: this.seq(), output_index: outputIndex, item });
    await this.#pace();
    yield this.frame({ type: 'response.function_call_arguments.delta', sequence_number: this.seq(), ...base, delta: script.arguments });
    yield this.frame({ type: 'response.function_call_arguments.done', sequence_number: this.seq(), ...base, arguments: script.arguments });
    const done: ResponseFunctionToolCall = { ...item, arguments: script.arguments, status: 'completed' };
    this.#output.push(done);
    this.#outputTokens += Math.ceil(script.arguments.length / 4);
    yield this.frame({ type: 'response.output_item.done', sequence_number: this.seq(), output_index: outputIndex, item: done });
  }

  async *imageItem(tool: Tool.ImageGeneration): AsyncGenerator<FlowFrame, void, undefined> {
    const outputIndex = this.#output.length;
    const id = newId('ig');
    // The API resolves `auto` to what it actually produced; report concrete values the same way.
    const size = tool.size !== undefined && tool.size !== 'auto' ? tool.size : '1024x1024';
    const quality = tool.quality !== undefined && tool.quality !== 'auto' ? tool.quality : 'high';
    const background = tool.background === 'transparent' ? 'transparent' : 'opaque';
    const partials = this.#request.streaming ? Math.max(0, Math.min(MAX_PARTIAL_IMAGES, Math.floor(tool.partial_images ?? 0))) : 0;
    const added: ResponseOutputItem.ImageGenerationCall = { id, type: 'image_generation_call', status: 'in_progress', result: null };
    const base = { item_id: id, output_index: outputIndex };
    yield this.frame({ type: 'response.output_item.added', sequence_number: this.seq(), output_index: outputIndex, item: added });
    yield this.frame({ type: 'response.image_generation_call.in_progress', sequence_number: this.seq(), ...base });
    yield this.frame({ type: 'response.image_generation_call.generating', sequence_number: this.seq(), ...base });
    for (let index = 0; index < partials; index++) {
      await this.#pace();
      // Partials are real PNGs too, growing towards the final size and sharpening like a refining render.
      const partial = itemImage(id, index, partials, this.#settings.imageBytes, this.#request.userText);
      yield this.frame(
        {
          type: 'response.image_generation_call.partial_image',
          sequence_number: this.seq(),
          ...base,
          partial_image_b64: partial.png.toString('base64'),
          partial_image_index: index,
          size,
          quality,
          background,
          output_format: 'png',
        },
        { itemId: id, partialIndex: index, sha256: partial.sha256, bytes: partial.png.length },
      );
    }
    await this.#pace();
    const final = itemImage(id, null, partials, this.#settings.imageBytes, this.#request.userText);
    yield this.frame({ type: 'response.image_generation_call.completed', sequence_number: this.seq(), ...base });
    const done: ResponseOutputItem.ImageGenerationCall = {
      id,
      type: 'image_generation_call',
      status: 'completed',
      result: final.png.toString('base64'),
      action: 'generate',
      background,
      output_format: 'png',
      quality,
      size,
      revised_prompt: this.#request.userText,
    };
    this.#output.push(done);
    this.#outputTokens += IMAGE_OUTPUT_TOKENS;
    yield this.frame(
      { type: 'response.output_item.done', sequence_number: this.seq(), output_index: outputIndex, item: done },
      { itemId: id, partialIndex: null, sha256: final.sha256, bytes: final.png.length },
    );
  }

  completed(): ResponseCompletedEvent {
    const response = this.snapshot('completed');
    response.completed_at = Math.floor(Date.now() / 1000);
    response.usage = this.#usage();
    return { type: 'response.completed', sequence_number: this.seq(), response };
  }

  /** The response object as the API reports it at this point: request settings echoed back. */
  snapshot(status: ResponseStatus): Response {
    const body = this.#request.body;
    const output = [...this.#output];
    const response: Response = {
      id: this.#request.responseId,
      object: 'response',
      created_at: this.#createdAt,
      status,
      background: this.#request.background === true,
      error: null,
      incomplete_details: null,
      access_programs: null,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      max_tool_calls: body.max_tool_calls ?? null,
      metadata: body.metadata ?? {},
      model: body.model ?? DEFAULT_MODEL,
      output,
      // Not on the real wire (the SDK derives it), but the type requires it and the SDK keeps a
      // present value, so send the same concatenation it would compute.
      output_text: outputText(output),
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      previous_response_id: body.previous_response_id ?? null,
      prompt_cache_key: body.prompt_cache_key ?? null,
      reasoning: body.reasoning ?? { effort: null, summary: null },
      safety_identifier: body.safety_identifier ?? null,
      service_tier: 'default',
      temperature: body.temperature ?? 1,
      text: body.text ?? { format: { type: 'text' } },
      tool_choice: body.tool_choice ?? 'auto',
      tools: body.tools ?? [],
      top_logprobs: body.top_logprobs ?? 0,
      top_p: body.top_p ?? 1,
      truncation: body.truncation ?? 'disabled',
    };
    if (body.user !== undefined) response.user = body.user;
    return response;
  }

  #usage(): ResponseUsage {
    // Token counts are estimates (4 characters a token); tests only need them present and stable.
    const inputTokens = Math.ceil(JSON.stringify(this.#request.body.input ?? '').length / 4);
    return {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: this.#outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + this.#outputTokens,
    };
  }

  async #pace(): Promise<void> {
    if (this.#request.streaming && this.#settings.deltaDelayMs > 0) await sleep(this.#settings.deltaDelayMs);
  }
}

/** The concatenated text of the output's messages, as the SDK derives `output_text`. */
export function outputText(output: ResponseOutputItem[]): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of item.content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}
