// `input.transcribe` (docs/protocol.md §3.2): base64 audio from the composer's dictation, checked and
// decoded here, then handed to the app's `transcribe` hook, as `respond` is the app's. An app without
// the hook answers 400: the server itself holds no model client.
import type { RequestContext, SwitchyardApp } from '@switchyard/app-api';
import { BadRequest, PayloadTooLarge } from '@switchyard/errors';

export async function transcribe(
  app: SwitchyardApp,
  params: { audio_base64: string; mime_type: string },
  context: RequestContext,
  maxBytes: number,
): Promise<{ text: string }> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(params.audio_base64)) throw new BadRequest('params.audio_base64: not valid base64');
  const audio = Buffer.from(params.audio_base64, 'base64');
  if (audio.length > maxBytes) throw new PayloadTooLarge(`audio exceeds ${maxBytes} bytes`);
  const mediaType = params.mime_type.split(';')[0]!.trim().toLowerCase();
  if (!app.transcribe) throw new BadRequest(`transcription is not configured: app ${app.name} has no transcribe hook`);
  return { text: await app.transcribe({ audio, mimeType: params.mime_type, mediaType, context }) };
}
