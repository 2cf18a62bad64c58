// The image path with the production blob driver: @google-cloud/storage against the GCS test
// server. Objects get deterministic names, sha256 metadata and signed URLs that serve their bytes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;

beforeAll(async () => {
  sys = await startSystem({ transport: 'http', blob: 'gcs', imageBytes: 250_000 });
});
afterAll(async () => {
  await sys?.stop();
});

it('stores every frame in GCS under its deterministic name and serves it through a V4 signed URL', async () => {
  const s = await postChatKit(sys.gateways[0]!.url, {
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text: 'draw a fox' }], attachments: [], inference_options: {} } },
  });
  await s.done;
  const events = s.events.map((e) => e.data as Json);
  const threadId = (events[0]!.thread as Json).id as string;
  const sent = sys.model.sentImages;
  const imageId = sent[0]!.itemId;

  const objects = sys.gcs!.objects('switchyard-test');
  expect(objects.map((o) => o.name).sort()).toEqual(
    [
      `images/dev/${threadId}/${imageId}-partial-0.png`,
      `images/dev/${threadId}/${imageId}-partial-1.png`,
      `images/dev/${threadId}/${imageId}.png`,
    ].sort(),
  );
  for (const o of objects) {
    expect(o.contentType).toBe('image/png');
    expect(o.metadata).toMatchObject({ owner: 'dev', thread: threadId });
    expect(sent.map((x) => x.sha256)).toContain(o.metadata.sha256);
  }

  const urls = events
    .filter((e) => e.type === 'thread.item.updated' || (e.type === 'thread.item.done' && (e.item as Json).type === 'generated_image'))
    .map((e) => ((e.update ?? e.item) as Json).image as Json | undefined)
    .filter((i): i is Json => !!i)
    .map((i) => i.url as string);
  expect(urls.length).toBe(3);
  for (const [i, url] of urls.entries()) {
    expect(url).toContain('X-Goog-Signature=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(
      createHash('sha256')
        .update(Buffer.from(await res.arrayBuffer()))
        .digest('hex'),
    ).toBe(sent[i]!.sha256);
  }
});
