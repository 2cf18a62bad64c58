// What an upload really is: the declared MIME type's syntax, and the bytes' magic numbers (file-type)
// checked against it. Images must prove their format and, like generated images (@switchyard/image-ingest),
// have a readable header (image-size) within the pixel and dimension limits; text that nothing
// contradicts is let through.
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';
import { imageSize } from 'image-size';
import { BadRequest, InvalidContent, UnsupportedMediaType } from '@switchyard/errors';

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

/** Limits on an uploaded image, read from its header before anything is stored. */
export interface ImageLimits {
  /** width × height (IMAGE_MAX_PIXELS, the limit generated images have). */
  maxPixels: number;
  /** Longest side in pixels (IMAGE_MAX_DIMENSION). */
  maxDimension: number;
}

/** The configuration's defaults (IMAGE_MAX_PIXELS, IMAGE_MAX_DIMENSION), used when no limits are given. */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxPixels: 4096 * 4096, maxDimension: 8192 };

type HeaderRead = { ok: true; width: number; height: number } | { ok: false; reason: string };

/**
 * Width and height from the image header. image-size reads through a DataView over the buffer's whole
 * ArrayBuffer, so a slice of a pooled Buffer would let it read past the upload's end (and a truncated
 * header would borrow its dimensions from unrelated bytes): it gets an exact copy, where reading past
 * the end throws instead.
 */
function readImageHeader(bytes: Buffer): HeaderRead {
  try {
    const { width, height } = imageSize(new Uint8Array(bytes));
    if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
      return { ok: false, reason: 'it declares no dimensions' };
    }
    return { ok: true, width, height };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Opening bytes of the common image formats: with one of them, bytes file-type cannot place are a cut-off image. */
const IMAGE_SIGNATURES: readonly Buffer[] = [
  Buffer.from('89504e470d0a1a0a', 'hex'), // PNG
  Buffer.from('ffd8ff', 'hex'), // JPEG
  Buffer.from('GIF8', 'latin1'),
  Buffer.from('RIFF', 'latin1'), // WebP (RIFF….WEBP)
];
const startsLikeImage = (bytes: Buffer): boolean =>
  IMAGE_SIGNATURES.some((sig) => bytes.length >= sig.length && bytes.subarray(0, sig.length).equals(sig));

/** 400 for a header that cannot be read (truncated, corrupt, a format without one), 422 beyond the limits. */
function checkImageHeader(bytes: Buffer, contentType: string, limits: ImageLimits): void {
  const header = readImageHeader(bytes);
  if (!header.ok) throw new BadRequest(`the ${contentType} image's header cannot be read (${header.reason})`);
  const { width, height } = header;
  if (width > limits.maxDimension || height > limits.maxDimension)
    throw new InvalidContent(`the image is ${width}x${height}; each side may be at most ${limits.maxDimension} pixels`);
  if (width * height > limits.maxPixels)
    throw new InvalidContent(`the image is ${width}x${height}; it may have at most ${limits.maxPixels} pixels`);
}

export interface CheckedContent {
  /** What the blob store records and serves: the sniffed type when the bytes revealed one. */
  contentType: string;
  /** The sniffed type, if file-type recognised the bytes. */
  sniffed: string | null;
}

/**
 * Throws UnsupportedMediaType when the bytes contradict the declared type: an image that is not the
 * declared image format (or no image at all), a detected binary format other than the declared one,
 * or a declared binary format file-type knows but did not find. Whatever ends up typed as an image
 * (declared so, or sniffed from generic bytes) must have a readable header (else BadRequest, 400) and
 * stay within `imageLimits` (else InvalidContent, 422), checked from the header alone.
 */
export async function checkContent(bytes: Buffer, declared: MimeType, opts: { imageLimits?: ImageLimits } = {}): Promise<CheckedContent> {
  const checked = await checkFormat(bytes, declared);
  if (checked.contentType.toLowerCase().startsWith('image/'))
    checkImageHeader(bytes, checked.contentType, opts.imageLimits ?? DEFAULT_IMAGE_LIMITS);
  return checked;
}

async function checkFormat(bytes: Buffer, declared: MimeType): Promise<CheckedContent> {
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
    // An image signature whose header is cut short (a truncated PNG) is a broken image, not another format.
    if (!sniffed && startsLikeImage(bytes)) throw new BadRequest(`the ${declared.essence} image's header cannot be read (it is cut short)`);
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
