// The request boundary's limits: how large and how deep a ChatKit request (docs/protocol.md §3) may
// be. `parseJsonBody` and `parseChatKitRequest` (requests.ts) hold every request to them.
//
// The protocol's own shapes nest six levels deep (body, params, input, content, part, a tag's `data`);
// the caps are generous for real clients and finite for hostile ones. A request over any of them is
// a 400 naming the field and the cap, answered before a store, a queue or the app is touched.

/** Containers (objects, arrays) nested in one request body, counting the body itself as level 1. */
export const MAX_JSON_DEPTH = 32;
/** JSON values (containers and scalars, keys not counted) in one request body. */
export const MAX_JSON_NODES = 20_000;

/** Thread, item and attachment ids, cursors (`after`), tool choice and tag ids, answer keys. */
export const MAX_ID_LENGTH = 128;
/** `mime_type` (`attachments.create`, `input.transcribe`): RFC 6838 names with parameters fit easily. */
export const MAX_MIME_TYPE_LENGTH = 255;
/** Attachment names, thread titles, model names, action types, a tag's text and group. */
export const MAX_NAME_LENGTH = 1_024;
/** User text: `input_text` content, `quoted_text`, structured input answer values. */
export const MAX_TEXT_LENGTH = 100_000;

/** Content parts in one user message. */
export const MAX_CONTENT_PARTS = 100;
/** Attachment ids in one user message: each is loaded and checked before the message is stored. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 100;
/** `item_ids` of one `items.feedback`. */
export const MAX_FEEDBACK_ITEM_IDS = 100;
/** Answered inputs in one `threads.add_structured_input`, and values in one answer. */
export const MAX_STRUCTURED_ANSWERS = 100;

/**
 * Free-form objects that are kept or handed on — the request `metadata` (travels with the run to
 * the worker and the app) and an `input_tag`'s `data` (stored with the message): their size as
 * JSON in characters (string escapes not counted) and their depth, the object itself being level 1.
 */
export const MAX_METADATA_CHARS = 16 * 1024;
export const MAX_METADATA_DEPTH = 16;
/** A widget action's `payload` as JSON, in characters: it travels in the run's queue job. */
export const MAX_ACTION_PAYLOAD_CHARS = 64 * 1024;
