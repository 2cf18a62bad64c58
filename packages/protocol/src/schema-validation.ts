// Test-only: validates Switchyard's output against the reference's own JSON Schemas (schema/NOTICE.md).
// Each validator compiles its schema once, on first use; each throws an Error listing what ajv rejected.
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';

// ISO-8601 date-time with or without an offset: pydantic accepts the reference's naive local times.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

let ajv: Ajv2020 | undefined;

function compiler(): Ajv2020 {
  if (!ajv) {
    // strict: false lets the OpenAPI `discriminator` keyword (with `mapping`) pass as an annotation.
    ajv = new Ajv2020({ strict: false, allErrors: false });
    ajv.addFormat('date-time', DATE_TIME);
    ajv.addFormat('uri', (value: string) => URL.canParse(value));
  }
  return ajv;
}

function lazyValidator(file: string, what: string): (value: unknown) => void {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= compiler().compile(JSON.parse(readFileSync(new URL(`../schema/${file}`, import.meta.url), 'utf8')) as object);
    if (!validate(value)) throw new Error(`${what} does not match ${file}:\n${formatErrors(validate.errors)}`);
  };
}

const MAX_REPORTED_ERRORS = 20;

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  const list = errors ?? [];
  const lines = list
    .slice(0, MAX_REPORTED_ERRORS)
    .map((e) => `  ${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)} (schema ${e.schemaPath})`);
  if (list.length > MAX_REPORTED_ERRORS) lines.push(`  … and ${list.length - MAX_REPORTED_ERRORS} more`);
  return lines.join('\n');
}

/** One SSE event payload (`ThreadStreamEvent`). */
export const validateStreamEvent: (event: unknown) => void = lazyValidator('thread-stream-event.schema.json', 'stream event');
/** A Thread as sent by `threads.get_by_id`, `threads.update` and inside thread events. */
export const validateThread: (thread: unknown) => void = lazyValidator('thread.schema.json', 'thread');
export const validateThreadItem: (item: unknown) => void = lazyValidator('thread-item.schema.json', 'thread item');
export const validateThreadItemUpdate: (update: unknown) => void = lazyValidator('thread-item-update.schema.json', 'thread item update');
/** The `items.list` answer. */
export const validatePageOfThreadItems: (page: unknown) => void = lazyValidator('page-of-thread-items.schema.json', 'page of thread items');
/** The `threads.list` answer. */
export const validatePageOfThreads: (page: unknown) => void = lazyValidator('page-of-threads.schema.json', 'page of threads');
export const validateChatKitRequest: (request: unknown) => void = lazyValidator('chatkit-request.schema.json', 'request');
export const validateAttachment: (attachment: unknown) => void = lazyValidator('attachment.schema.json', 'attachment');
/** The `input.transcribe` answer. */
export const validateTranscriptionResult: (result: unknown) => void = lazyValidator(
  'transcription-result.schema.json',
  'transcription result',
);
/** The `threads.sync_custom_action` answer. */
export const validateSyncCustomActionResponse: (response: unknown) => void = lazyValidator(
  'sync-custom-action-response.schema.json',
  'sync custom action response',
);
