// Real PNG images for the image-generation flow: a small drawn scene (sky, sun or moon, sea or
// meadow, hills, a lighthouse or a house) chosen by a hash of the prompt, stored with level-0 deflate
// so the file lands on a byte target. Partials are the same scene drawn coarser and upscaled, so the
// previews sharpen into the final picture. Hand-written: no package serves the Responses API offline.
import { createCipheriv, createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { drawScene, sceneFor, type Raster } from './scene.ts';

export interface RenderedPng {
  png: Buffer;
  sha256: string;
  width: number;
  height: number;
}

// Fixed PNG overhead around the pixel rows: signature (8), IHDR chunk (25), IDAT chunk framing (12),
// zlib header and adler32 (6), IEND chunk (12). (The short tEXt chunk naming the item is not counted.)
const FIXED_OVERHEAD = 8 + 25 + 12 + 6 + 12;
// Stored (level 0) deflate blocks hold at most 65,535 bytes and cost 5 bytes of framing each.
const STORED_BLOCK = 65_535;
const MIN_SIDE = 8;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The image the server sends for an image_generation_call item: the final (`partialIndex` null) at
 * `imageBytes`, partial i of n at (i+1)/(n+1) of it. The picture is a pure function of `prompt`
 * (the item id when there is none); the item id is written into a tEXt chunk, so every item's
 * bytes differ while a test (or a retry holding the item id and prompt) can reproduce them exactly.
 */
export function itemImage(
  itemId: string,
  partialIndex: number | null,
  partialCount: number,
  imageBytes: number,
  prompt?: string | null,
): RenderedPng {
  const scene = sceneFor(prompt ?? '', itemId);
  if (partialIndex === null) {
    return renderPng(imageBytes, `switchyard ${itemId} final`, (raster) => drawScene(raster, scene, 1));
  }
  const targetBytes = (imageBytes * (partialIndex + 1)) / (partialCount + 1);
  // Partial i of n is the scene at 1/(3·2^(n-1-i)) of its size, smoothly upscaled: n=3 gives 1/12,
  // 1/6, 1/3 — soft, less detailed stages converging on the final.
  const factor = 3 * 2 ** (partialCount - 1 - partialIndex);
  const detail = (partialIndex + 1) / (partialCount + 1);
  return renderPng(targetBytes, `switchyard ${itemId} partial ${partialIndex}`, (raster) => {
    // Drawn at twice the coarse size and averaged down (anti-aliased), then smoothly upscaled.
    const fine = newRaster(Math.max(2, Math.round((2 * raster.width) / factor)), Math.max(2, Math.round((2 * raster.height) / factor)));
    drawScene(fine, scene, detail);
    upscale(downsample(fine, 2), raster);
  });
}

/**
 * Renders an RGB PNG of pseudo-random noise whose encoded size is within a few bytes of
 * `targetBytes` (for targets above a few hundred bytes): an AES-CTR keystream keyed by `seed`, for
 * callers that want bytes nothing can compress.
 */
export function renderNoisePng(seed: string, targetBytes: number): RenderedPng {
  return renderPng(targetBytes, null, (raster) => {
    const pixels = noise(seed, raster.width * raster.height * 3);
    const rowBytes = raster.width * 3;
    for (let y = 0; y < raster.height; y++) pixels.copy(raster.data, y * raster.stride + 1, y * rowBytes, (y + 1) * rowBytes);
  });
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A raster laid out as PNG scanlines: each row a filter byte (0, None) and then RGB triples. */
function newRaster(width: number, height: number): Raster {
  const stride = width * 3 + 1;
  return { width, height, stride, data: Buffer.alloc(stride * height) };
}

function renderPng(targetBytes: number, comment: string | null, paint: (raster: Raster) => void): RenderedPng {
  const { width, height } = dimensionsFor(targetBytes);
  const raster = newRaster(width, height);
  paint(raster);
  // Stored deflate over rows already in PNG layout: no filtering, no compression, one native pass.
  const png = encodePng(width, height, raster.data, comment);
  return { png, sha256: sha256Hex(png), width, height };
}

/**
 * A PNG of about a hundred bytes whose header declares `width`×`height` while its pixel data is a
 * token: what a decompression-bomb upload looks like to anything that reads only the header.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  return encodePng(width, height, Buffer.alloc(64), null);
}

function encodePng(width: number, height: number, scanlines: Buffer, comment: string | null): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const chunks: Array<[string, Buffer]> = [['IHDR', ihdr]];
  if (comment !== null) chunks.push(['tEXt', Buffer.from(`Comment\0${comment}`, 'latin1')]);
  chunks.push(['IDAT', deflateSync(scanlines, { level: 0 })], ['IEND', Buffer.alloc(0)]);
  const out = Buffer.allocUnsafe(PNG_SIGNATURE.length + chunks.reduce((n, [, data]) => n + 12 + data.length, 0));
  PNG_SIGNATURE.copy(out, 0);
  let at = PNG_SIGNATURE.length;
  for (const [type, data] of chunks) {
    out.writeUInt32BE(data.length, at);
    out.write(type, at + 4, 'latin1');
    data.copy(out, at + 8);
    out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + data.length)), at + 8 + data.length);
    at += 12 + data.length;
  }
  return out;
}

/** Averages `factor`×`factor` blocks (edge blocks may be smaller): an anti-aliased coarse stage. */
function downsample(src: Raster, factor: number): Raster {
  const f = Math.max(1, Math.floor(factor));
  const dst = newRaster(Math.max(1, Math.ceil(src.width / f)), Math.max(1, Math.ceil(src.height / f)));
  const column = new Int32Array(src.width);
  for (let x = 0; x < src.width; x++) column[x] = Math.floor(x / f) * 3;
  const sums = new Uint32Array(dst.width * 3);
  for (let by = 0; by < dst.height; by++) {
    sums.fill(0);
    const y1 = Math.min(src.height, (by + 1) * f);
    for (let y = by * f; y < y1; y++) {
      let o = y * src.stride + 1;
      for (let x = 0; x < src.width; x++, o += 3) {
        const b = column[x]!;
        sums[b] = sums[b]! + src.data[o]!;
        sums[b + 1] = sums[b + 1]! + src.data[o + 1]!;
        sums[b + 2] = sums[b + 2]! + src.data[o + 2]!;
      }
    }
    const rows = y1 - by * f;
    let o = by * dst.stride + 1;
    for (let bx = 0; bx < dst.width; bx++, o += 3) {
      const n = rows * (Math.min(src.width, (bx + 1) * f) - bx * f);
      dst.data[o] = sums[bx * 3]! / n + 0.5;
      dst.data[o + 1] = sums[bx * 3 + 1]! / n + 0.5;
      dst.data[o + 2] = sums[bx * 3 + 2]! / n + 0.5;
    }
  }
  return dst;
}

/**
 * Bilinear upscale (any ratio): the coarse stage reads as a soft, blurred preview of the scene.
 * Each output row first blends its two source rows at the coarse width, then interpolates along
 * it; weights are 8-bit fixed point so the per-pixel work is integer arithmetic.
 */
function upscale(src: Raster, dst: Raster): void {
  const left = new Int32Array(dst.width);
  const right = new Int32Array(dst.width);
  const weight = new Int32Array(dst.width);
  for (let x = 0; x < dst.width; x++) {
    const sx = Math.min(src.width - 1, Math.max(0, ((x + 0.5) * src.width) / dst.width - 0.5));
    const i = Math.floor(sx);
    left[x] = i * 3;
    right[x] = Math.min(src.width - 1, i + 1) * 3;
    weight[x] = Math.round((sx - i) * 256);
  }
  // Source rows blended vertically, scaled by 256.
  const row = new Int32Array(src.width * 3);
  const s = src.data;
  const d = dst.data;
  for (let y = 0; y < dst.height; y++) {
    const sy = Math.min(src.height - 1, Math.max(0, ((y + 0.5) * src.height) / dst.height - 0.5));
    const r0 = Math.floor(sy) * src.stride + 1;
    const r1 = Math.min(src.height - 1, Math.floor(sy) + 1) * src.stride + 1;
    const wy = Math.round((sy - Math.floor(sy)) * 256);
    for (let k = 0; k < row.length; k++) row[k] = (s[r0 + k]! << 8) + (s[r1 + k]! - s[r0 + k]!) * wy;
    let o = y * dst.stride + 1;
    for (let x = 0; x < dst.width; x++, o += 3) {
      const a = left[x]!;
      const b = right[x]!;
      const w = weight[x]!;
      const v = 256 - w;
      d[o] = (row[a]! * v + row[b]! * w + 32768) >> 16;
      d[o + 1] = (row[a + 1]! * v + row[b + 1]! * w + 32768) >> 16;
      d[o + 2] = (row[a + 2]! * v + row[b + 2]! * w + 32768) >> 16;
    }
  }
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
