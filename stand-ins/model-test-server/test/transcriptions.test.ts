// POST /v1/audio/transcriptions driven by the real `openai` client (multipart built by the SDK):
// deterministic transcripts, the request log, the text format and OpenAI-shaped errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from 'openai';
import { toFile } from 'openai/uploads';
import { startModelTestServer, transcriptText } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { client, sha256 } from './helpers.ts';

let server: ModelTestServer;

beforeAll(async () => {
  server = await startModelTestServer({ maxRecorded: 3 });
});
afterAll(async () => {
  await server.close();
});

describe('POST /v1/audio/transcriptions with the openai client', () => {
  it('answers a deterministic transcript and records bytes, filename, type and model', async () => {
    const audio = Buffer.from('hello audio');
    const before = server.transcriptions.length;
    const result = await client(server).audio.transcriptions.create({
      file: await toFile(audio, 'dictation.webm', { type: 'audio/webm;codecs=opus' }),
      model: 'gpt-4o-mini-transcribe',
      language: 'en',
    });
    expect(result).toEqual({ text: 'transcript of 11 bytes of audio/webm' });
    expect(transcriptText(audio.length, 'audio/webm')).toBe(result.text);
    expect(server.transcriptions.slice(before)).toEqual([
      {
        model: 'gpt-4o-mini-transcribe',
        filename: 'dictation.webm',
        mimeType: 'audio/webm',
        bytes: 11,
        sha256: sha256(audio),
        fields: { language: 'en' },
        receivedAt: expect.any(Number),
      },
    ]);
  });

  it('takes the type from the extension when the part is untyped, and answers response_format text as a string', async () => {
    const audio = Buffer.alloc(1234, 9);
    const text = await client(server).audio.transcriptions.create({
      file: await toFile(audio, 'memo.m4a'),
      model: 'whisper-1',
      response_format: 'text',
    });
    expect(text).toBe('transcript of 1234 bytes of audio/mp4');
    expect(server.transcriptions.at(-1)).toMatchObject({ model: 'whisper-1', filename: 'memo.m4a', mimeType: 'audio/mp4', bytes: 1234 });
  });

  it('refuses a request without a model or with an unsupported format as the API does, recording nothing', async () => {
    const count = server.transcriptions.length;
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('abc')], { type: 'audio/wav' }), 'a.wav');
    const res = await fetch(`${server.baseURL}/audio/transcriptions`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'missing_required_parameter' } });

    const srt = client(server).audio.transcriptions.create({
      file: await toFile(Buffer.from('abc'), 'a.wav', { type: 'audio/wav' }),
      model: 'whisper-1',
      response_format: 'srt',
    });
    await expect(srt).rejects.toBeInstanceOf(BadRequestError);
    expect(server.transcriptions.length).toBe(count);
  });

  it('keeps at most maxRecorded entries, oldest dropped', async () => {
    for (let n = 1; n <= 4; n++) {
      await client(server).audio.transcriptions.create({
        file: await toFile(Buffer.alloc(n), `clip-${n}.wav`, { type: 'audio/wav' }),
        model: 'whisper-1',
      });
    }
    expect(server.transcriptions.map((t) => t.filename)).toEqual(['clip-2.wav', 'clip-3.wav', 'clip-4.wav']);
  });
});
