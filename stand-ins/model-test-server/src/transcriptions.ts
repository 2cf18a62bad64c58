// Speech to text for the model test server: `POST /v1/audio/transcriptions` as the openai client's
// `audio.transcriptions.create` sends it (multipart `file` + `model`), answered with a deterministic text.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import type { Transcription } from 'openai/resources/audio/transcriptions';
import { invalidRequestBody, type OpenAIErrorBody } from './faults.ts';
import { appendBounded } from './request-log.ts';

export const TRANSCRIPTION_PATHS: ReadonlySet<string> = new Set(['/v1/audio/transcriptions', '/audio/transcriptions']);

/** OpenAI's documented upload limit for transcription. */
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;

export interface RecordedTranscription {
  model: string;
  /** The file part's filename, as the client sent it. */
  filename: string | null;
  /** The file part's type, or the type its extension implies when the part said only octet-stream. */
  mimeType: string;
  bytes: number;
  /** sha256 (hex) of the audio bytes. */
  sha256: string;
  /** The other form fields (`language`, `prompt`, `response_format`, …) verbatim. */
  fields: Record<string, string>;
  receivedAt: number;
}

/** The answer for `bytes` bytes of `mimeType` audio: a test can predict it without running audio through anything. */
export function transcriptText(bytes: number, mimeType: string): string {
  return `transcript of ${bytes} bytes of ${mimeType}`;
}

/** The requests the server saw, bounded like the Responses request log. */
export class TranscriptionLog {
  readonly entries: RecordedTranscription[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  record(entry: RecordedTranscription): void {
    appendBounded(this.entries, entry, this.#limit);
  }
}

/** The real service decides the format by the file's extension; so does this server when the part type is generic. */
const AUDIO_EXTENSIONS: Record<string, string> = {
  flac: 'audio/flac',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  mp4: 'audio/mp4',
  mpeg: 'audio/mpeg',
  mpga: 'audio/mpeg',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  webm: 'audio/webm',
};

function audioType(partType: string | undefined, filename: string | null): string {
  const essence = (partType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (essence && essence !== 'application/octet-stream') return essence;
  const ext = filename?.split('.').pop()?.toLowerCase() ?? '';
  return AUDIO_EXTENSIONS[ext] ?? 'application/octet-stream';
}

interface ParsedForm {
  file: { bytes: Buffer; filename: string | null; partType: string | undefined } | null;
  fields: Record<string, string>;
}

class FormError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAIErrorBody,
  ) {
    super(body.error.message);
  }
}

function readForm(req: IncomingMessage): Promise<ParsedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: MAX_AUDIO_BYTES + 1, files: 1, fields: 32 } });
    } catch {
      reject(new FormError(400, invalidRequestBody('Expected a multipart/form-data body with `file` and `model`.', 'invalid_multipart')));
      return;
    }
    const form: ParsedForm = { file: null, fields: {} };
    let file: Promise<void> = Promise.resolve();
    parser.on('field', (name, value) => {
      form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || form.file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      file = new Promise<void>((resolveFile, rejectFile) => {
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.once('limit', () =>
          rejectFile(new FormError(413, invalidRequestBody(`Audio files may be at most ${MAX_AUDIO_BYTES} bytes.`, 'file_too_large'))),
        );
        stream.once('end', () => {
          form.file = { bytes: Buffer.concat(chunks), filename: info.filename ?? null, partType: info.mimeType };
          resolveFile();
        });
      });
      // Reported from 'close' below; this only keeps an early rejection from going unhandled.
      file.catch(() => undefined);
    });
    parser.once('error', (err: unknown) =>
      reject(
        new FormError(
          400,
          invalidRequestBody(`Malformed multipart body: ${err instanceof Error ? err.message : String(err)}`, 'invalid_multipart'),
        ),
      ),
    );
    parser.once('close', () => {
      file.then(() => resolve(form), reject);
    });
    req.pipe(parser);
  });
}

/** Answers one transcription request (errors in OpenAI's error shape) and records it when it succeeds. */
export async function handleTranscription(log: TranscriptionLog, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'POST') throw new FormError(405, invalidRequestBody('Use POST for /v1/audio/transcriptions.'));
    if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '')) {
      throw new FormError(400, invalidRequestBody('Expected a multipart/form-data body with `file` and `model`.', 'invalid_multipart'));
    }
    const { file, fields } = await readForm(req);
    const { model, ...rest } = fields;
    if (!file) throw new FormError(400, invalidRequestBody('Missing required parameter: `file`.', 'missing_required_parameter'));
    if (!model) throw new FormError(400, invalidRequestBody('Missing required parameter: `model`.', 'missing_required_parameter'));
    const format = rest.response_format ?? 'json';
    if (rest.stream === 'true')
      throw new FormError(
        400,
        invalidRequestBody('Streaming transcriptions are not supported by the test server.', 'unsupported_parameter'),
      );
    if (format !== 'json' && format !== 'text') {
      throw new FormError(
        400,
        invalidRequestBody(`response_format ${format} is not supported by the test server (json, text).`, 'unsupported_parameter'),
      );
    }
    const mimeType = audioType(file.partType, file.filename);
    log.record({
      model,
      filename: file.filename,
      mimeType,
      bytes: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      fields: rest,
      receivedAt: Date.now(),
    });
    const text = transcriptText(file.bytes.length, mimeType);
    if (format === 'text') {
      // The client hands a `text` answer back as the body string.
      send(res, 200, 'text/plain; charset=utf-8', text);
      return;
    }
    const answer: Transcription = { text };
    send(res, 200, 'application/json', JSON.stringify(answer));
  } catch (err) {
    if (!(err instanceof FormError)) throw err;
    // Stop reading a body we will not use; the answer goes out regardless.
    req.unpipe();
    req.resume();
    send(res, err.status, 'application/json', JSON.stringify(err.body), { connection: 'close' });
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
