// Reads what a scripted answer depends on from a Responses create body of any shape the SDKs send:
// the last user text, the image tool, the fault marker. Hand-written: no offline Responses server.
import type { ResponseCreateParams, Tool } from 'openai/resources/responses/responses';

/**
 * A body is accepted when it is a JSON object whose `input` (if any) is a string or a list. The
 * items themselves are not validated: the server must record and answer whatever the SDKs send
 * (`input_text`, `input_image` data or http URLs, assistant `output_text`, function calls, …).
 */
export function isCreateParams(value: unknown): value is ResponseCreateParams {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const input: unknown = Reflect.get(value, 'input');
  const tools: unknown = Reflect.get(value, 'tools');
  return (
    (input === undefined || typeof input === 'string' || Array.isArray(input)) &&
    (tools === undefined || tools === null || Array.isArray(tools))
  );
}

/**
 * The text of the latest user message: a string `input`, or the last item with role `user` (typed
 * `message` or the SDKs' easy form) with string content or `input_text` parts. Walked as unknown
 * because the wire may hold shapes newer than the types.
 */
export function lastUserText(body: ResponseCreateParams): string | null {
  const input: unknown = body.input;
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return null;
  for (let i = input.length - 1; i >= 0; i--) {
    const item: unknown = input[i];
    if (typeof item !== 'object' || item === null || Reflect.get(item, 'role') !== 'user') continue;
    const type: unknown = Reflect.get(item, 'type');
    if (type !== undefined && type !== 'message') continue;
    return contentText(Reflect.get(item, 'content'));
  }
  return null;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part !== 'object' || part === null) continue;
    const text: unknown = Reflect.get(part, 'text');
    if (Reflect.get(part, 'type') === 'input_text' && typeof text === 'string') texts.push(text);
  }
  return texts.join('\n');
}

export function imageGenerationTool(body: ResponseCreateParams): Tool.ImageGeneration | undefined {
  for (const tool of body.tools ?? []) {
    if (tool.type === 'image_generation') return tool;
  }
  return undefined;
}

export function asksForImage(text: string | null): boolean {
  return text !== null && /draw|image/i.test(text);
}

/** WebSocket-only envelope fields of `response.create` (absent from the HTTP create params). */
export function wsEnvelope(message: object): { streamId: string | undefined; generate: boolean } {
  const streamId: unknown = Reflect.get(message, 'stream_id');
  return {
    streamId: typeof streamId === 'string' ? streamId : undefined,
    generate: Reflect.get(message, 'generate') !== false,
  };
}

export function offersFunctionTool(body: ResponseCreateParams, name: string): boolean {
  return (body.tools ?? []).some((tool) => tool.type === 'function' && tool.name === name);
}

/** A function output the caller sent back, with the name of the call it answers when known. */
export interface FunctionOutput {
  callId: string;
  name: string | null;
  /** The output as text (text parts joined; other parts named by type). */
  output: string;
}

/**
 * The `function_call_output` items after the latest user message: present when the request
 * continues a tool round trip, so the scripted model answers instead of calling again.
 */
export function functionOutputsSinceLastUser(body: ResponseCreateParams): FunctionOutput[] {
  const input: unknown = body.input;
  if (!Array.isArray(input)) return [];
  const names = new Map<string, string>();
  for (const item of input) {
    if (typeof item !== 'object' || item === null || Reflect.get(item, 'type') !== 'function_call') continue;
    const callId: unknown = Reflect.get(item, 'call_id');
    const name: unknown = Reflect.get(item, 'name');
    if (typeof callId === 'string' && typeof name === 'string') names.set(callId, name);
  }
  const outputs: FunctionOutput[] = [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item: unknown = input[i];
    if (typeof item !== 'object' || item === null) continue;
    if (Reflect.get(item, 'role') === 'user') break;
    if (Reflect.get(item, 'type') !== 'function_call_output') continue;
    const callId: unknown = Reflect.get(item, 'call_id');
    if (typeof callId !== 'string') continue;
    outputs.unshift({ callId, name: names.get(callId) ?? null, output: outputText(Reflect.get(item, 'output')) });
  }
  return outputs;
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return JSON.stringify(output ?? null);
  return output
    .map((part: unknown) => {
      if (typeof part !== 'object' || part === null) return '';
      const text: unknown = Reflect.get(part, 'text');
      return typeof text === 'string' ? text : `[${String(Reflect.get(part, 'type'))}]`;
    })
    .join('');
}
