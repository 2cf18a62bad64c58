// Real PNG images for the image-generation flow: seeded noise so nothing downstream can compress
// them, sized to a byte target. Hand-written: no package serves the Responses API offline.
import { createCipheriv, createHash } from 'node:crypto';
import { PNG } from 'pngjs';

export interface RenderedPng {
  png: Buffer;
  sha256: string;
  width: number;
  height: number;
}

// Fixed PNG overhead around the pixel rows: signature (8), IHDR chunk (25), IDAT chunk framing (12),
// zlib header and adler32 (6), IEND chunk (12).
const FIXED_OVERHEAD = 8 + 25 + 12 + 6 + 12;
// Stored (level 0) deflate blocks hold at most 65,535 bytes and cost 5 bytes of framing each.
const STORED_BLOCK = 65_535;
const MIN_SIDE = 8;

/**
 * Renders an RGB PNG of pseudo-random noise whose encoded size is within a few bytes of
 * `targetBytes` (for targets above a few hundred bytes). The pixels are an AES-CTR keystream keyed
 * by `seed`, so the same seed always yields the same bytes — a retry of the same item id, or a test
 * recomputing an image, gets identical output — while being cheap to produce at several MB.
 */
export function renderNoisePng(seed: string, targetBytes: number): RenderedPng {
  const { width, height } = dimensionsFor(targetBytes);
  const pixels = noise(seed, width * height * 3);
  const image = new PNG();
  image.width = width;
  image.height = height;
  image.data = pixels;
  // Stored deflate and the None filter: noise would not shrink anyway, and skipping the work keeps
  // multi-MB images at a few ms of CPU. inputColorType = colorType takes pngjs's no-copy path.
  const png = PNG.sync.write(image, {
    colorType: 2,
    inputColorType: 2,
    inputHasAlpha: false,
    deflateLevel: 0,
    filterType: 0,
  });
  return { png, sha256: sha256Hex(png), width, height };
}

/**
 * The image the server sends for an image_generation_call item: the final (`partialIndex` null) at
 * `imageBytes`, partial i of n at (i+1)/(n+1) of it. A pure function of its arguments, so a test
 * (or a retry holding the item id) can reproduce the exact bytes.
 */
export function itemImage(itemId: string, partialIndex: number | null, partialCount: number, imageBytes: number): RenderedPng {
  if (partialIndex === null) return renderNoisePng(`${itemId}:final`, imageBytes);
  return renderNoisePng(`${itemId}:partial:${partialIndex}`, (imageBytes * (partialIndex + 1)) / (partialCount + 1));
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Picks a near-square size whose stored-deflate PNG lands on the byte target. */
function dimensionsFor(targetBytes: number): { width: number; height: number } {
  const budget = Math.max(targetBytes - FIXED_OVERHEAD, MIN_SIDE * (MIN_SIDE * 3 + 1));
  // Each row is a filter byte plus 3 bytes per pixel; stored blocks add 5 bytes per 65,535.
  const rawBudget = budget / (1 + 5 / STORED_BLOCK);
  const width = Math.max(MIN_SIDE, Math.round(Math.sqrt(rawBudget / 3)));
  const height = Math.max(MIN_SIDE, Math.round(rawBudget / (width * 3 + 1)));
  return { width, height };
}

function noise(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(`switchyard-model-test-server:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}
