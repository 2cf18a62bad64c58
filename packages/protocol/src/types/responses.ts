// Bodies of the JSON (non-streaming) answers that are not a Thread, a Page or an Attachment
// (docs/protocol.md §3.2). `threads.delete`, `items.feedback` and `attachments.delete` answer exactly
// `{}`.
import type { ThreadItem } from './items.ts';

export type EmptyResponse = Record<string, never>;

/** `input.transcribe` */
export interface TranscriptionResult {
  text: string;
}

/** `threads.sync_custom_action`: `{}` when the handler returned no item. */
export interface SyncCustomActionResponse {
  updated_item?: ThreadItem | null;
}
