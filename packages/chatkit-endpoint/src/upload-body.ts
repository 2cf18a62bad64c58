// Reading an upload's bytes from the request: a multipart `file` field (busboy) or the raw body. The
// size limit is enforced as bytes arrive, so an oversized upload costs at most the limit in memory.
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from '@switchyard/errors';

export interface UploadedBody {
  bytes: Buffer;
  /** The multipart part's filename (UTF-8), absent for a raw body. */
  filename?: string;
  /** The multipart part's or the raw request's Content-Type, as the client declared it. */
  declaredType?: string;
}

/** Room for the boundaries and part headers around the file in a multipart body. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const FILE_FIELD = 'file';

export function isMultipart(req: IncomingMessage): boolean {
  return /^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '');
}

function tooLarge(maxBytes: number): PayloadTooLarge {
  return new PayloadTooLarge(`the upload exceeds ${maxBytes} bytes`);
}

/** Refuses up front when the client announced a length it may not send: no byte needs to be read. */
function checkDeclaredLength(req: IncomingMessage, maxBytes: number, overhead = 0): void {
  const raw = req.headers['content-length'];
  if (raw !== undefined && Number(raw) > maxBytes + overhead) throw tooLarge(maxBytes);
}

/**
 * The bytes of an upload. `multipart: 'required'` is the direct strategy (a form with `file`);
 * otherwise a multipart body is read the same way and anything else is taken as the raw bytes.
 */
export async function readUploadBody(
  req: IncomingMessage,
  opts: { maxBytes: number; multipart: 'required' | 'optional' },
): Promise<UploadedBody> {
  // A body parser mounted ahead of the router would have eaten the stream: fail loudly, never hang.
  if (req.readableEnded) throw new Error('the upload body was already consumed; mount the upload router before body parsers');
  if (isMultipart(req)) {
    checkDeclaredLength(req, opts.maxBytes, MULTIPART_OVERHEAD_BYTES);
    return readMultipartFile(req, opts.maxBytes);
  }
  if (opts.multipart === 'required') throw new UnsupportedMediaType('send the file as multipart/form-data with a "file" field');
  checkDeclaredLength(req, opts.maxBytes);
  const bytes = await readRaw(req, opts.maxBytes);
  const declaredType = req.headers['content-type'];
  return { bytes, ...(declaredType ? { declaredType } : {}) };
}

/**
 * Collects the raw body up to `maxBytes`. On overflow it stops listening and lets the rest drain
 * into the void (never buffered) while the caller answers 413.
 */
function readRaw(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: unknown): void => {
      cleanup();
      // Keep the stream flowing so the client's remaining bytes are discarded, not left in the socket.
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) fail(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: unknown): void => fail(err);
    const onClose = (): void => {
      if (!req.complete) fail(new BadRequest('the upload was aborted before it completed'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

function readMultipartFile(req: IncomingMessage, maxBytes: number): Promise<UploadedBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers send filenames as raw UTF-8; busboy's default (latin1) would mangle them.
        defParamCharset: 'utf8',
        // busboy reports the limit once a part *reaches* fileSize; one byte more lets exactly maxBytes through.
        limits: { fileSize: maxBytes + 1, files: 1, fields: 16, parts: 17, fieldSize: 16 * 1024, headerPairs: 64 },
      });
    } catch (err) {
      // A multipart content type without a usable boundary.
      reject(new BadRequest(`malformed multipart body: ${messageOf(err)}`));
      return;
    }
    let settled = false;
    let file: Promise<UploadedBody> | undefined;
    const settle = (outcome: { ok: UploadedBody } | { err: unknown }): void => {
      if (settled) return;
      settled = true;
      if ('err' in outcome) {
        req.unpipe(parser);
        // Drain what the client still sends; the parser is done with it.
        req.resume();
        reject(outcome.err);
      } else {
        resolve(outcome.ok);
      }
    };

    parser.on('file', (name, stream, info) => {
      if (name !== FILE_FIELD || file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      file = new Promise<UploadedBody>((resolveFile, rejectFile) => {
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          chunks.push(chunk);
        });
        // busboy stops the part at `fileSize` and says so; the bytes past it are never delivered.
        stream.once('limit', () => rejectFile(tooLarge(maxBytes)));
        stream.once('error', rejectFile);
        stream.once('end', () => {
          if (stream.truncated) return;
          resolveFile({
            bytes: Buffer.concat(chunks, size),
            ...(info.filename ? { filename: info.filename } : {}),
            ...(info.mimeType ? { declaredType: info.mimeType } : {}),
          });
        });
      });
      file.catch((err: unknown) => settle({ err }));
    });
    parser.once('error', (err: unknown) => settle({ err: new BadRequest(`malformed multipart body: ${messageOf(err)}`) }));
    parser.once('close', () => {
      if (!file) {
        settle({ err: new BadRequest(`the multipart body has no "${FILE_FIELD}" file field`) });
        return;
      }
      file.then(
        (ok) => settle({ ok }),
        (err: unknown) => settle({ err }),
      );
    });
    req.once('close', () => {
      if (!req.complete) settle({ err: new BadRequest('the upload was aborted before it completed') });
    });
    req.pipe(parser);
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
