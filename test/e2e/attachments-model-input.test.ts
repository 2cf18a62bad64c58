// Uploaded attachments reach the model as input parts: an image as `input_image` (bytes from the
// blob store), a text file as `input_file`.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { validateAttachment } from '@switchyard/protocol/schema-validation';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;
let gw: string;

beforeAll(async () => {
  sys = await startSystem({ transport: 'http' });
  gw = sys.gateways[0]!.url;
});
afterAll(async () => {
  await sys?.stop();
});

async function upload(bytes: Buffer, name: string, type: string): Promise<Json> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(`${gw}/chatkit/uploads`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  validateAttachment(body);
  return body;
}

it('a message with an image and a text file sends both to the model', async () => {
  const img = new PNG({ width: 16, height: 16 });
  img.data.fill(90);
  const png = PNG.sync.write(img);
  const image = await upload(png, 'cat.png', 'image/png');
  const file = await upload(Buffer.from('meeting notes: ship it'), 'notes.txt', 'text/plain');
  expect(image.type).toBe('image');
  expect(file.type).toBe('file');

  const s = await postChatKit(gw, {
    type: 'threads.create',
    params: {
      input: { content: [{ type: 'input_text', text: 'What is in these?' }], attachments: [image.id, file.id], inference_options: {} },
    },
  });
  await s.done;
  const user = (s.events[1]!.data as Json).item as Json;
  const attached = user.attachments as Json[];
  expect(attached.map((a) => a.id)).toEqual([image.id, file.id]);
  expect(attached.every((a) => !('metadata' in a))).toBe(true);
  const preview = await fetch(attached[0]!.preview_url as string);
  expect(
    createHash('sha256')
      .update(Buffer.from(await preview.arrayBuffer()))
      .digest('hex'),
  ).toBe(createHash('sha256').update(png).digest('hex'));

  const input = sys.model.requests[sys.model.requests.length - 1]!.body.input as unknown as Json[];
  const parts = input.flatMap((m) => (Array.isArray(m.content) ? (m.content as Json[]) : []));
  const imagePart = parts.find((p) => p.type === 'input_image')!;
  expect(imagePart.image_url).toBe(`data:image/png;base64,${png.toString('base64')}`);
  const filePart = parts.find((p) => p.type === 'input_file')!;
  expect(filePart.filename).toBe('notes.txt');
  expect(String(filePart.file_data)).toContain(Buffer.from('meeting notes: ship it').toString('base64'));
});
