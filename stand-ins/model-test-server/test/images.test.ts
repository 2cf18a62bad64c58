// The image flow's pictures: real PNGs of a drawn scene (not noise) on the same byte targets and
// sizes as before, the same picture for the same prompt, and partials that are blurrier earlier
// stages of the final, converging on it. Cheap enough for tests that generate many images.
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { itemImage, renderNoisePng, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { client, expectNear, expectPng, sha256 } from './helpers.ts';

const BYTES = 300_000;
const PROMPTS = [
  'Please draw a lighthouse at dusk',
  'draw a cat',
  'an image of a cottage at night',
  'Draw a house by the sea',
  'draw a red fox',
];

interface Decoded {
  width: number;
  height: number;
  /** RGBA, as pngjs decodes. */
  data: Buffer;
}

function decode(png: Buffer): Decoded {
  return PNG.sync.read(png);
}

/** Bytes of the RGB channels that deflate keeps, per byte: ~1 for noise, small for a drawing. */
function compressibility(image: Decoded): number {
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let i = 0, o = 0; i < image.data.length; i += 4, o += 3) image.data.copy(rgb, o, i, i + 3);
  return deflateSync(rgb).length / rgb.length;
}

/** Share of pixels equal to their right-hand neighbour: large uniform regions. */
function flatShare(image: Decoded): number {
  let same = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 1; x < image.width; x++) {
      const a = (y * image.width + x) * 4;
      if (image.data.readUIntBE(a, 3) === image.data.readUIntBE(a - 4, 3)) same++;
    }
  }
  return same / (image.height * (image.width - 1));
}

/** Mean absolute channel difference after sampling both images on the same n×n grid. */
function difference(a: Decoded, b: Decoded, n = 96): number {
  let sum = 0;
  for (let gy = 0; gy < n; gy++) {
    for (let gx = 0; gx < n; gx++) {
      const pa = (Math.floor(((gy + 0.5) * a.height) / n) * a.width + Math.floor(((gx + 0.5) * a.width) / n)) * 4;
      const pb = (Math.floor(((gy + 0.5) * b.height) / n) * b.width + Math.floor(((gx + 0.5) * b.width) / n)) * 4;
      for (let k = 0; k < 3; k++) sum += Math.abs(a.data[pa + k]! - b.data[pb + k]!);
    }
  }
  return sum / (n * n * 3);
}

describe('scene images', () => {
  it('keep the byte targets and pixel sizes of the flow, and are drawings, not noise', () => {
    for (const bytes of [5_000, 100_000, BYTES, 3_000_000]) {
      const rendered = itemImage('ig_size', null, 2, bytes, 'draw a cat');
      const noise = renderNoisePng('ig_size', bytes);
      expectNear(rendered.png.length, bytes, 0.02);
      const image = decode(rendered.png);
      expect([image.width, image.height]).toEqual([rendered.width, rendered.height]);
      expect([image.width, image.height]).toEqual([noise.width, noise.height]);
      if (bytes < 100_000) continue;
      expect(compressibility(image)).toBeLessThan(0.1);
      expect(flatShare(image)).toBeGreaterThan(0.6);
      const random = decode(noise.png);
      expect(compressibility(random)).toBeGreaterThan(0.99);
      expect(flatShare(random)).toBeLessThan(0.01);
    }
  });

  it('draw the same picture for the same prompt (bytes differ per item), another for another prompt', () => {
    const a = itemImage('ig_a', null, 2, BYTES, 'Draw a lighthouse  at DUSK');
    const b = itemImage('ig_b', null, 2, BYTES, 'draw a lighthouse at dusk');
    expect(a.sha256).not.toBe(b.sha256);
    expect(decode(a.png).data.equals(decode(b.png).data)).toBe(true);
    expect(itemImage('ig_a', null, 2, BYTES, 'Draw a lighthouse  at DUSK').sha256).toBe(a.sha256);
    const pictures = new Set(PROMPTS.map((p) => sha256(decode(itemImage('ig_a', null, 2, BYTES, p).png).data)));
    expect(pictures.size).toBe(PROMPTS.length);
    // Without a prompt the item id picks the scene.
    expect(decode(itemImage('ig_x', null, 2, BYTES).png).data.equals(decode(itemImage('ig_y', null, 2, BYTES).png).data)).toBe(false);
  });

  it.each([1, 2, 3])('make %i partial(s) that differ from the final and converge on it', (count) => {
    for (const prompt of PROMPTS) {
      const final = decode(itemImage('ig_p', null, count, BYTES, prompt).png);
      const unrelated = decode(itemImage('ig_p', null, count, BYTES, `${prompt} on another planet`).png);
      const distances = Array.from({ length: count }, (_, i) => {
        const rendered = itemImage('ig_p', i, count, BYTES, prompt);
        expectNear(rendered.png.length, (BYTES * (i + 1)) / (count + 1), 0.05);
        const partial = decode(rendered.png);
        expect(partial.width).toBeLessThan(final.width);
        expect(compressibility(partial)).toBeLessThan(0.5);
        return difference(partial, final);
      });
      for (const [i, d] of distances.entries()) {
        expect(d, `${prompt}: partial ${i}`).toBeGreaterThan(0.3);
        if (i > 0) expect(d, `${prompt}: partial ${i}`).toBeLessThan(distances[i - 1]!);
      }
      // Even the first stage is the same scene: much closer to the final than another picture is.
      expect(distances[0]!, prompt).toBeLessThan(difference(unrelated, final) / 2);
    }
  });
});

describe('the image flow on the wire', () => {
  let server: ModelTestServer;
  beforeAll(async () => {
    server = await startModelTestServer({ imageBytes: 120_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('streams partial previews and a final picture of the prompt', async () => {
    const prompt = 'Please draw a lighthouse at dusk';
    const events: ResponseStreamEvent[] = [];
    const stream = await client(server).responses.create({
      model: 'gpt-test',
      input: prompt,
      tools: [{ type: 'image_generation', partial_images: 3 }],
      stream: true,
    });
    for await (const e of stream) events.push(e);
    const partials = events.flatMap((e) => (e.type === 'response.image_generation_call.partial_image' ? [e] : []));
    const done = events.flatMap((e) => (e.type === 'response.output_item.done' && e.item.type === 'image_generation_call' ? [e.item] : []));
    expect(partials.map((p) => p.partial_image_index)).toEqual([0, 1, 2]);
    const final = done[0];
    if (!final?.result) throw new Error('no final image');
    expect(final.result).toBe(itemImage(final.id, null, 3, 120_000, prompt).png.toString('base64'));
    const finalImage = decode(expectPng(final.result).bytes);
    const distances = partials.map((p) => difference(decode(expectPng(p.partial_image_b64).bytes), finalImage));
    expect(distances).toEqual([...distances].sort((x, y) => y - x));
  });
});
