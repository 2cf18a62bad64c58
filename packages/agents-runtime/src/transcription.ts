// `input.transcribe` for apps: OpenAI's transcription endpoint through the `openai` package, loaded on
// the first call so a gateway that never transcribes never loads a model client.
import type { TranscribeArgs } from '@switchyard/app-api';

const EXTENSIONS: Record<string, string> = {
  'audio/webm': 'webm',
  'audio/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
};

export interface OpenAITranscriberOptions {
  apiKey: string;
  baseURL?: string;
  model?: string;
}

/** An app's `transcribe` hook backed by OpenAI (or any endpoint speaking its transcription API). */
export function openAITranscriber(opts: OpenAITranscriberOptions): (args: TranscribeArgs) => Promise<string> {
  let client: Promise<{ transcribe(file: Buffer, name: string, type: string): Promise<string> }> | null = null;
  const connect = async () => {
    const { default: OpenAI, toFile } = await import('openai');
    const openai = new OpenAI({ apiKey: opts.apiKey, ...(opts.baseURL ? { baseURL: opts.baseURL } : {}) });
    return {
      async transcribe(audio: Buffer, name: string, type: string) {
        const res = await openai.audio.transcriptions.create({
          file: await toFile(audio, name, { type }),
          model: opts.model ?? 'gpt-4o-mini-transcribe',
        });
        return res.text;
      },
    };
  };
  return async ({ audio, mediaType }) => {
    client ??= connect();
    return (await client).transcribe(audio, `audio.${EXTENSIONS[mediaType] ?? 'webm'}`, mediaType);
  };
}

/** The transcriber the environment configures (OPENAI_API_KEY, OPENAI_BASE_URL, TRANSCRIPTION_MODEL), or undefined. */
export function transcriberFromEnv(env: Record<string, string | undefined>): ((args: TranscribeArgs) => Promise<string>) | undefined {
  if (!env.OPENAI_API_KEY) return undefined;
  return openAITranscriber({
    apiKey: env.OPENAI_API_KEY,
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    ...(env.TRANSCRIPTION_MODEL ? { model: env.TRANSCRIPTION_MODEL } : {}),
  });
}
