// The sixteen ChatKit requests (docs/protocol.md §3) as zod schemas, and the one parser the gateway calls.
// Unknown keys are dropped, defaults are applied, and every rejection is a BadRequest naming the field.
// Sizes, counts and depths are bounded (request-limits.ts) before and while zod reads a request.
import { BadRequest } from '@switchyard/errors';
import { z } from 'zod';
import { exceededJsonBound, scanJsonText, type JsonBounds } from './json-bounds.ts';
import {
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
import type { InferenceOptions, UserMessageContent, UserMessageInput } from './types/content.ts';
import type { JsonObject, JsonValue } from './types/json.ts';
import type { Action } from './types/widgets.ts';

/** `limit` absent, null or 0 means this many (the reference's DEFAULT_PAGE_SIZE). */
export const DEFAULT_PAGE_SIZE = 20;
/** Larger `limit`s are clamped: a short page with `has_more: true` is valid protocol, an unbounded read is not. */
export const MAX_PAGE_SIZE = 100;

/** What a whole request body may be: checked on the raw bytes and again on the parsed value. */
const BODY_BOUNDS: JsonBounds = { maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES };

// Bodies come from JSON.parse, so any defined value is JSON: checking presence is enough and keeps
// large tool results cheap to accept (the body's bounds already hold them).
const jsonValue = z.custom<JsonValue>((value) => value !== undefined);

/** A zod issue for a value over a bound; `formatIssue` reports its message as is. */
function withinBounds<T extends z.ZodType>(schema: T, bounds: JsonBounds): T {
  return schema.check((ctx) => {
    const exceeded = exceededJsonBound(ctx.value, bounds);
    if (exceeded) ctx.issues.push({ code: 'custom', message: exceeded, input: ctx.value, params: { bound: true } });
  });
}

const METADATA_BOUNDS: JsonBounds = { maxDepth: MAX_METADATA_DEPTH, maxNodes: MAX_JSON_NODES, maxChars: MAX_METADATA_CHARS };

/**
 * A free-form JSON object as requests carry it (request `metadata`, an `input_tag`'s `data`; also
 * the run's metadata): at most MAX_METADATA_CHARS as JSON and MAX_METADATA_DEPTH levels deep.
 */
export const jsonObjectSchema = withinBounds(z.record(z.string(), jsonValue), METADATA_BOUNDS) satisfies z.ZodType<JsonObject>;

const id = z.string().max(MAX_ID_LENGTH);
const name = z.string().max(MAX_NAME_LENGTH);
const text = z.string().max(MAX_TEXT_LENGTH);
const mimeType = z.string().max(MAX_MIME_TYPE_LENGTH);

/** Optional string that treats null as absent (pydantic `str | None = None`). */
const optional = (schema: z.ZodString) => schema.nullish().transform((value) => value ?? undefined);

const pageLimit = z
  .number()
  .int()
  .nonnegative()
  .nullish()
  .transform((limit) => (limit ? Math.min(limit, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE));
const order = z.enum(['asc', 'desc']).default('desc');

const toolChoice = z.object({ id });
const inferenceOptions = z.object({
  tool_choice: toolChoice.nullish(),
  model: name.nullish(),
}) satisfies z.ZodType<InferenceOptions>;

const userMessageContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_text'), text }),
  z.object({
    type: z.literal('input_tag'),
    id,
    text: name,
    // The reference requires `data`; ChatKit.js marks it optional. Tolerate its absence.
    data: jsonObjectSchema.default({}),
    group: name.nullish(),
    interactive: z.boolean().default(false),
  }),
]) satisfies z.ZodType<UserMessageContent>;

const userMessageInput = z.object({
  content: z.array(userMessageContent).max(MAX_CONTENT_PARTS),
  // Both required, as in the reference (docs/conformance.md A4): ChatKit.js always sends them.
  attachments: z.array(id).max(MAX_ATTACHMENTS_PER_MESSAGE),
  quoted_text: optional(text),
  inference_options: inferenceOptions,
}) satisfies z.ZodType<UserMessageInput>;

/** A widget action as the client sends it; also what a `threads.custom_action` run carries to the worker. */
export const actionSchema = z.object({
  type: name,
  payload: withinBounds(jsonValue, { maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES, maxChars: MAX_ACTION_PAYLOAD_CHARS }).optional(),
}) satisfies z.ZodType<Action>;

const customActionParams = z.object({
  thread_id: id,
  item_id: optional(id),
  action: actionSchema,
});

const structuredInputSubmission = z.object({
  status: z.enum(['answered', 'skipped']).default('answered'),
  answers: z
    .record(
      id,
      z.object({
        values: z.array(text).max(MAX_STRUCTURED_ANSWERS).default([]),
        skipped: z.boolean().default(false),
      }),
    )
    .refine((answers) => Object.keys(answers).length <= MAX_STRUCTURED_ANSWERS, {
      message: `must have at most ${MAX_STRUCTURED_ANSWERS} answers`,
      params: { bound: true },
    })
    .default({}),
});

/** Builds `{type, params, metadata}` for one request type; `params` is required even when empty. */
function request<const T extends string, P extends z.ZodType>(type: T, params: P) {
  return z.object({
    type: z.literal(type),
    params,
    metadata: jsonObjectSchema.default({}),
  });
}

// Streaming requests (answered with text/event-stream).
export const threadsCreateRequest = request('threads.create', z.object({ input: userMessageInput }));
export const threadsAddUserMessageRequest = request('threads.add_user_message', z.object({ thread_id: id, input: userMessageInput }));
export const threadsAddClientToolOutputRequest = request(
  'threads.add_client_tool_output',
  // `result` must be present; null is a valid result.
  z.object({ thread_id: id, result: jsonValue }),
);
export const threadsAddStructuredInputRequest = request(
  'threads.add_structured_input',
  z.object({ thread_id: id, item_id: id, input: structuredInputSubmission }),
);
export const threadsRetryAfterItemRequest = request('threads.retry_after_item', z.object({ thread_id: id, item_id: id }));
export const threadsCustomActionRequest = request('threads.custom_action', customActionParams);

// JSON requests.
export const threadsGetByIdRequest = request('threads.get_by_id', z.object({ thread_id: id }));
export const threadsListRequest = request('threads.list', z.object({ limit: pageLimit, order, after: optional(id) }));
export const itemsListRequest = request('items.list', z.object({ thread_id: id, limit: pageLimit, order, after: optional(id) }));
export const itemsFeedbackRequest = request(
  'items.feedback',
  z.object({ thread_id: id, item_ids: z.array(id).max(MAX_FEEDBACK_ITEM_IDS), kind: z.enum(['positive', 'negative']) }),
);
export const attachmentsCreateRequest = request(
  'attachments.create',
  z.object({ name, size: z.number().int().nonnegative(), mime_type: mimeType }),
);
export const attachmentsDeleteRequest = request('attachments.delete', z.object({ attachment_id: id }));
export const threadsUpdateRequest = request('threads.update', z.object({ thread_id: id, title: name }));
export const threadsDeleteRequest = request('threads.delete', z.object({ thread_id: id }));
// The audio is bounded by the body limit and the app's decoded-size limit.
export const inputTranscribeRequest = request('input.transcribe', z.object({ audio_base64: z.string(), mime_type: mimeType }));
export const threadsSyncCustomActionRequest = request('threads.sync_custom_action', customActionParams);

const requestSchemas = {
  'threads.create': threadsCreateRequest,
  'threads.add_user_message': threadsAddUserMessageRequest,
  'threads.add_client_tool_output': threadsAddClientToolOutputRequest,
  'threads.add_structured_input': threadsAddStructuredInputRequest,
  'threads.retry_after_item': threadsRetryAfterItemRequest,
  'threads.custom_action': threadsCustomActionRequest,
  'threads.get_by_id': threadsGetByIdRequest,
  'threads.list': threadsListRequest,
  'items.list': itemsListRequest,
  'items.feedback': itemsFeedbackRequest,
  'attachments.create': attachmentsCreateRequest,
  'attachments.delete': attachmentsDeleteRequest,
  'threads.update': threadsUpdateRequest,
  'threads.delete': threadsDeleteRequest,
  'input.transcribe': inputTranscribeRequest,
  'threads.sync_custom_action': threadsSyncCustomActionRequest,
} as const;

/** All sixteen requests, discriminated on `type` (parseChatKitRequest gives better messages). */
export const chatKitRequestSchema = z.discriminatedUnion('type', [
  threadsCreateRequest,
  threadsAddUserMessageRequest,
  threadsAddClientToolOutputRequest,
  threadsAddStructuredInputRequest,
  threadsRetryAfterItemRequest,
  threadsCustomActionRequest,
  threadsGetByIdRequest,
  threadsListRequest,
  itemsListRequest,
  itemsFeedbackRequest,
  attachmentsCreateRequest,
  attachmentsDeleteRequest,
  threadsUpdateRequest,
  threadsDeleteRequest,
  inputTranscribeRequest,
  threadsSyncCustomActionRequest,
]);

/**
 * A parsed request: defaults applied (`metadata` {}, `order` "desc", `limit` resolved to
 * 1..MAX_PAGE_SIZE with null/0/absent → DEFAULT_PAGE_SIZE, structured-input defaults), nulls of
 * optional strings turned into `undefined`, unknown keys gone.
 */
export type ChatKitRequest = z.output<typeof chatKitRequestSchema>;
export type ChatKitRequestType = ChatKitRequest['type'];
export type ChatKitRequestOf<T extends ChatKitRequestType> = Extract<ChatKitRequest, { type: T }>;
export type ChatKitRequestParams<T extends ChatKitRequestType> = ChatKitRequestOf<T>['params'];
export type StructuredInputSubmission = z.output<typeof structuredInputSubmission>;
export type FeedbackKind = ChatKitRequestParams<'items.feedback'>['kind'];
export type PageOrder = ChatKitRequestParams<'items.list'>['order'];

export const CHATKIT_REQUEST_TYPES = Object.keys(requestSchemas) as ChatKitRequestType[];

/** Requests answered with `text/event-stream`; every other type gets one JSON body. */
export const STREAMING_REQUEST_TYPES = [
  'threads.create',
  'threads.add_user_message',
  'threads.add_client_tool_output',
  'threads.add_structured_input',
  'threads.retry_after_item',
  'threads.custom_action',
] as const satisfies readonly ChatKitRequestType[];

export type StreamingRequestType = (typeof STREAMING_REQUEST_TYPES)[number];
export type StreamingRequest = ChatKitRequestOf<StreamingRequestType>;
export type NonStreamingRequest = Exclude<ChatKitRequest, StreamingRequest>;

const streamingTypes: ReadonlySet<string> = new Set(STREAMING_REQUEST_TYPES);

export function isStreamingRequest(req: ChatKitRequest): req is StreamingRequest {
  return streamingTypes.has(req.type);
}

/**
 * Parses a request body (UTF-8 bytes, or text). Its depth and number of values are checked on the
 * raw bytes first, stopping at the first excess: a body over MAX_JSON_DEPTH or MAX_JSON_NODES is
 * refused before JSON.parse spends time or memory on it.
 */
export function parseJsonBody(body: string | Uint8Array): unknown {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const exceeded = scanJsonText(bytes, BODY_BOUNDS);
  if (exceeded) throw new BadRequest(`request body ${exceeded}`);
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function isRequestType(type: string): type is ChatKitRequestType {
  return Object.hasOwn(requestSchemas, type);
}

/**
 * Validates a decoded request body. Throws BadRequest whose message names each problem:
 * `unknown request type "threads.foo"`, `params is required`, `params.thread_id: required`,
 * `params.order: expected one of "asc", "desc", got "up"` (several joined with "; ").
 */
export function parseChatKitRequest(body: unknown): ChatKitRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequest(`request body must be a JSON object, got ${describe(body)}`);
  }
  const { type, params } = body as { type?: unknown; params?: unknown };
  if (type === undefined) throw new BadRequest('type is required');
  if (typeof type !== 'string') throw new BadRequest(`type: expected string, got ${describe(type)}`);
  if (!isRequestType(type)) throw new BadRequest(`unknown request type ${JSON.stringify(type)}`);
  if (params === undefined) throw new BadRequest('params is required');
  // Before zod walks it: zod recurses, and its issues would carry a deep value to whoever formats them.
  const exceeded = exceededJsonBound(body, BODY_BOUNDS);
  if (exceeded) throw new BadRequest(`request body ${exceeded}`);

  const result = requestSchemas[type].safeParse(body, { reportInput: true });
  // No `cause`: the issues hold the client's input, which belongs in neither logs nor answers.
  if (!result.success) throw new BadRequest(formatIssues(result.error.issues));
  return result.data;
}

const MAX_REPORTED_ISSUES = 5;

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_REPORTED_ISSUES).map(formatIssue);
  if (issues.length > MAX_REPORTED_ISSUES) lines.push(`and ${issues.length - MAX_REPORTED_ISSUES} more`);
  return lines.join('; ');
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  const input = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
    case 'custom':
      if (issue.code === 'custom' && isBoundIssue(issue)) return `${path}: ${issue.message}`;
      if (input === undefined) return `${path}: required`;
      return `${path}: expected ${issue.code === 'invalid_type' ? expectedName(issue.expected) : 'a JSON value'}, got ${describe(input)}`;
    case 'invalid_value':
      return `${path}: expected ${oneOf(issue.values)}, got ${describe(input)}`;
    case 'invalid_union': {
      // A discriminated union whose tag matched nothing: zod reports the whole object as input.
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
        const tag = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[issue.discriminator] : undefined;
        if (tag === undefined) return `${path}: required`;
        return `${path}: expected ${oneOf(options)}, got ${describe(tag)}`;
      }
      return `${path}: ${issue.message}`;
    }
    case 'too_small':
      return `${path}: must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}, got ${describe(input)}`;
    case 'too_big':
      if (issue.origin === 'string' && typeof input === 'string')
        return `${path}: must be at most ${String(issue.maximum)} characters, got ${input.length}`;
      if (issue.origin === 'array' && Array.isArray(input))
        return `${path}: must have at most ${String(issue.maximum)} entries, got ${input.length}`;
      return `${path}: must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}, got ${describe(input)}`;
    default:
      return `${path}: ${issue.message}`;
  }
}

function expectedName(expected: string): string {
  if (expected === 'int') return 'integer';
  if (expected === 'record') return 'object';
  return expected;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? (shown[0] ?? '') : `one of ${shown.join(', ')}`;
}

/** Issues raised by a bound (withinBounds, the answers count): their message says it all. */
function isBoundIssue(issue: z.core.$ZodIssueCustom): boolean {
  return issue.params?.bound === true;
}

// Paths hold the client's keys: a message shows a few short segments of them, never all of them.
const MAX_PATH_SEGMENTS = 12;
const MAX_KEY_CHARS = 40;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path.slice(0, MAX_PATH_SEGMENTS)) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const shown = String(key).length > MAX_KEY_CHARS ? `${String(key).slice(0, MAX_KEY_CHARS)}…` : String(key);
      out += out === '' ? shown : `.${shown}`;
    }
  }
  if (path.length > MAX_PATH_SEGMENTS) out += '…';
  return out === '' ? 'body' : out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
