// What an upload really is: the declared MIME type's syntax, and the bytes' magic numbers (file-type)
// checked against it. Images must prove their format; text that nothing contradicts is let through.
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';
import { BadRequest, UnsupportedMediaType } from '@switchyard/errors';

export interface MimeType {
  /** Lower-cased top-level type, e.g. `image`. */
  type: string;
  /** `type/subtype` lower-cased, parameters dropped, e.g. `audio/webm` for `audio/webm;codecs=opus`. */
  essence: string;
}

/** RFC 9110 `token`: what a type, a subtype and a parameter name are made of. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MIME_PATTERN = new RegExp(`^(${TOKEN})/(${TOKEN})(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*"))*\\s*$`);
const MAX_MIME_LENGTH = 255;

export function parseMimeType(value: string): MimeType | null {
  if (typeof value !== 'string' || value.length > MAX_MIME_LENGTH) return null;
  const match = MIME_PATTERN.exec(value.trim());
  if (!match) return null;
  const type = (match[1] ?? '').toLowerCase();
  return { type, essence: `${type}/${(match[2] ?? '').toLowerCase()}` };
}

export function requireMimeType(value: string): MimeType {
  const mime = parseMimeType(value);
  if (!mime) throw new BadRequest(`mime_type ${JSON.stringify(value)} is not a valid MIME type`);
  return mime;
}

/**
 * Names for one format. Clients and operating systems spell some types their own way, and
 * file-type reports a container (webm, ogg, mp4) as video even when it holds only audio.
 */
const EQUIVALENT_GROUPS: readonly (readonly string[])[] = [
  ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  ['image/png', 'image/x-png', 'image/apng'],
  ['image/bmp', 'image/x-bmp', 'image/x-ms-bmp'],
  ['image/x-icon', 'image/vnd.microsoft.icon'],
  ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'],
  ['application/xml', 'text/xml'],
  ['application/zip', 'application/x-zip-compressed', 'application/x-zip'],
  ['application/pdf', 'application/x-pdf'],
  ['application/gzip', 'application/x-gzip'],
  ['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg'],
  ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
  ['audio/webm', 'video/webm'],
  ['audio/ogg', 'audio/opus', 'video/ogg', 'application/ogg'],
  ['audio/mp4', 'audio/x-m4a', 'audio/m4a', 'video/mp4', 'video/x-m4v'],
  ['video/matroska', 'video/x-matroska', 'audio/x-matroska'],
  ['video/3gpp', 'audio/3gpp'],
  ['video/3gpp2', 'audio/3gpp2'],
];
const CANONICAL = new Map(EQUIVALENT_GROUPS.flatMap((group) => group.map((name) => [name, group[0] ?? name] as const)));
const canonical = (essence: string): string => CANONICAL.get(essence) ?? essence;

/** Office and other formats that are a ZIP or a Compound File inside: file-type may report only the container. */
function insideContainer(container: string, declared: string): boolean {
  if (container === 'application/zip') {
    return (
      declared.endsWith('+zip') ||
      declared.startsWith('application/vnd.openxmlformats-officedocument.') ||
      declared.startsWith('application/vnd.oasis.opendocument.') ||
      declared.startsWith('application/vnd.ms-') ||
      ['application/java-archive', 'application/vnd.android.package-archive', 'application/x-xpinstall'].includes(declared)
    );
  }
  if (container === 'application/x-cfb') {
    return declared === 'application/msword' || declared.startsWith('application/vnd.ms-') || declared === 'application/vnd.visio';
  }
  return false;
}

/** Types that are text on the wire; file-type recognises a few of them (XML, iCalendar) by their opening. */
function isTextual(essence: string): boolean {
  return (
    essence.startsWith('text/') ||
    essence.endsWith('+xml') ||
    essence.endsWith('+json') ||
    [
      'application/json',
      'application/xml',
      'application/javascript',
      'application/x-ndjson',
      'application/yaml',
      'application/x-yaml',
      'application/sql',
    ].includes(essence)
  );
}

const GENERIC = 'application/octet-stream';

export interface CheckedContent {
  /** What the blob store records and serves: the sniffed type when the bytes revealed one. */
  contentType: string;
  /** The sniffed type, if file-type recognised the bytes. */
  sniffed: string | null;
}

/**
 * Throws UnsupportedMediaType when the bytes contradict the declared type: an image that is not the
 * declared image format (or no image at all), a detected binary format other than the declared one,
 * or a declared binary format file-type knows but did not find.
 */
export async function checkContent(bytes: Buffer, declared: MimeType): Promise<CheckedContent> {
  const detected = await fileTypeFromBuffer(bytes);
  const sniffed = detected?.mime ?? null;
  const want = canonical(declared.essence);
  const mismatch = (): UnsupportedMediaType =>
    new UnsupportedMediaType(
      sniffed
        ? `the upload was declared ${declared.essence} but its bytes are ${sniffed}`
        : `the upload was declared ${declared.essence} but its bytes are not in that format`,
    );

  if (declared.type === 'image') {
    // An image is shown through preview_url and sent to the model: it must be the format it claims.
    if (!sniffed || canonical(sniffed) !== want) throw mismatch();
    return { contentType: sniffed, sniffed };
  }
  if (want === GENERIC) return { contentType: sniffed ?? GENERIC, sniffed };
  if (sniffed) {
    const got = canonical(sniffed);
    const agrees = got === want || insideContainer(got, want) || (isTextual(want) && isTextual(got));
    if (!agrees) throw mismatch();
    // A declared Office type is more useful to a reader than the bare ZIP container it sits in.
    return { contentType: got === want || isTextual(want) ? sniffed : declared.essence, sniffed };
  }
  // Nothing detected. A format file-type would have recognised is missing its signature: refuse it.
  // Text and formats it does not know pass, since nothing contradicts them.
  if (!isTextual(want) && (supportedMimeTypes.has(want) || supportedMimeTypes.has(declared.essence))) throw mismatch();
  return { contentType: declared.essence, sniffed: null };
}
