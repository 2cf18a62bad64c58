// Parser for the `multipart/related` bodies of `uploadType=multipart`: a JSON metadata part then
// the media part. Works on the raw bytes because the media part is binary.

import { badRequest } from './gcs-errors.ts';

export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

export function parseMultipartRelated(body: Buffer, contentType: string | undefined): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const token = boundary?.[1] ?? boundary?.[2]?.trim();
  if (!contentType?.toLowerCase().startsWith('multipart/related') || !token) {
    throw badRequest('uploadType=multipart needs a multipart/related body with a boundary');
  }
  const delimiter = Buffer.from(`--${token}`);
  const parts: MultipartPart[] = [];
  let cursor = body.indexOf(delimiter);
  if (cursor < 0) throw badRequest('Multipart body has no boundary delimiter');
  for (;;) {
    cursor += delimiter.length;
    if (body.subarray(cursor, cursor + 2).toString() === '--') return parts;
    const headerStart = skipLineBreak(body, cursor);
    // A part may have no headers at all, in which case its content starts after one blank line.
    const headerEnd =
      body.subarray(headerStart, headerStart + 2).toString() === '\r\n' ? headerStart - 2 : body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd < 0) throw badRequest('Multipart part has no header terminator');
    const contentStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), contentStart);
    if (next < 0) throw badRequest('Multipart body is not terminated');
    const headerBlock = headerEnd > headerStart ? body.subarray(headerStart, headerEnd).toString('utf8') : '';
    parts.push({ headers: parseHeaders(headerBlock), body: body.subarray(contentStart, next) });
    cursor = next + 2;
  }
}

function skipLineBreak(body: Buffer, at: number): number {
  if (body[at] === 0x0d && body[at + 1] === 0x0a) return at + 2;
  if (body[at] === 0x0a) return at + 1;
  return at;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
