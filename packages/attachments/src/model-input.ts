// An attachment as model input (docs/protocol.md §7.8): an Agents SDK `input_image` or `input_file` part built
// from the blob store's bytes, never from MongoDB, and never from a URL the client supplied.
import type { Attachment } from '@switchyard/protocol';
import { attachmentBlobName, type AttachmentDeps } from './attachments.ts';

/** Structurally `InputImage` of @openai/agents-core (a data: or https: URL in `image`). */
export interface AttachmentInputImage {
  type: 'input_image';
  image: string;
}

/** Structurally `InputFile` of @openai/agents-core: a data URL string is sent as `file_data`. */
export interface AttachmentInputFile {
  type: 'input_file';
  file: string;
  filename: string;
}

export type AttachmentModelInput = AttachmentInputImage | AttachmentInputFile;

/**
 * Images as a data URL or a short-lived signed URL (`mode`); files always as a data URL, since a
 * file URL would have to be fetched by the provider and local-driver URLs are not reachable from it.
 * Null when the bytes never arrived (a two-phase upload that was not completed): there is nothing to send.
 */
export async function attachmentToModelInput(
  deps: AttachmentDeps,
  owner: string,
  a: Attachment,
  mode: 'data_url' | 'signed_url',
): Promise<AttachmentModelInput | null> {
  const name = attachmentBlobName(owner, a.id);
  const stat = await deps.blob.stat(name);
  if (!stat) return null;
  if (a.type === 'image' && mode === 'signed_url') {
    return { type: 'input_image', image: await deps.blob.signedUrl(name, { expiresInSeconds: deps.urlTtlSeconds }) };
  }
  // The stored content type is the sniffed one, so the data URL says what the bytes really are.
  const dataUrl = `data:${stat.contentType};base64,${(await deps.blob.get(name)).toString('base64')}`;
  return a.type === 'image' ? { type: 'input_image', image: dataUrl } : { type: 'input_file', file: dataUrl, filename: a.name };
}
