// `input.transcribe` (PROTOCOL §3.2): base64 audio from the composer's dictation, handed to the
// app's hook, or by default to the OpenAI transcription endpoint through the `openai` package.
import OpenAI, { toFile } from 'openai';
import type { RequestContext, SwitchyardApp } from '@switchyard/app-api';
import { BadRequest, PayloadTooLarge } from '@switchyard/errors';

export type Transcriber = (audio: Buffer, mimeType: string, mediaType: string, context: RequestContext) => Promise<string>;

const EXTENSIONS: Record<string, string> = {
  'audio/webm': 'webm',
  'audio/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
};

export function openAITranscriber(opts: { apiKey: string; baseURL?: string; model?: string }): Transcriber {
  const client = new OpenAI({ apiKey: opts.apiKey, ...(opts.baseURL ? { baseURL: opts.baseURL } : {}) });
  return async (audio, _mimeType, mediaType) => {
    const file = await toFile(audio, `audio.${EXTENSIONS[mediaType] ?? 'webm'}`, { type: mediaType });
    const res = await client.audio.transcriptions.create({ file, model: opts.model ?? 'gpt-4o-mini-transcribe' });
    return res.text;
  };
}

export async function transcribe(
  app: SwitchyardApp,
  fallback: Transcriber | null,
  params: { audio_base64: string; mime_type: string },
  context: RequestContext,
  maxBytes: number,
): Promise<{ text: string }> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(params.audio_base64)) throw new BadRequest('params.audio_base64: not valid base64');
  const audio = Buffer.from(params.audio_base64, 'base64');
  if (audio.length > maxBytes) throw new PayloadTooLarge(`audio exceeds ${maxBytes} bytes`);
  const mediaType = params.mime_type.split(';')[0]!.trim().toLowerCase();
  if (app.transcribe) return { text: await app.transcribe({ audio, mimeType: params.mime_type, mediaType, context }) };
  if (!fallback) throw new BadRequest('transcription is not configured on this server');
  return { text: await fallback(audio, params.mime_type, mediaType, context) };
}
