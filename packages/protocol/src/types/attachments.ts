// Attachments (docs/protocol.md §2.8): file or image records created by `attachments.create` or an
// upload route. `metadata` is server-side only and is stripped from every response by the wire
// serializer.
import type { JsonObject } from './json.ts';

export interface AttachmentUploadDescriptor {
  url: string;
  method: 'POST' | 'PUT';
  /** default {} */
  headers: Record<string, string>;
}

interface AttachmentBase {
  id: string;
  name: string;
  mime_type: string;
  /** Present only while a two-phase upload is pending. */
  upload_descriptor?: AttachmentUploadDescriptor | null;
  /** Set when a user message referencing the attachment is stored. */
  thread_id?: string | null;
  /** Server-side only: never serialized to the client. */
  metadata?: JsonObject | null;
}

export interface FileAttachment extends AttachmentBase {
  type: 'file';
}

export interface ImageAttachment extends AttachmentBase {
  type: 'image';
  /** Absolute URL (`data:` URLs are valid). */
  preview_url: string;
}

export type Attachment = FileAttachment | ImageAttachment;
