// One image frame from Redis to the blob store and the client (docs/architecture.md §4): validate, upload
// idempotently, sign a URL, persist the final item, append the event once (deduplicated by job id),
// then drop the bytes. Safe to retry at any step.
import { UnrecoverableError } from 'bullmq';
import { imageObjectName, type BlobStore } from '@switchyard/blob';
import { eventToWire, type GeneratedImageItem, type ThreadStreamEvent } from '@switchyard/protocol';
import { imageIngestJobId, type ImageIngestJobData, type ImageIngestResult } from '@switchyard/queues';
import type { RedisClient } from '@switchyard/redis-connection';
import type { RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import { ImageRejected, type RejectReason } from './errors.ts';
import { validateImage, type ImageLimits } from './image-validation.ts';

export interface IngestDeps {
  redis: RedisClient;
  runLog: RunLog;
  store: ChatStore;
  blob: BlobStore;
  limits: ImageLimits;
  urlTtlSeconds: number;
  onRejected?: (reason: RejectReason) => void;
}

export async function processIngest(deps: IngestDeps, data: ImageIngestJobData): Promise<ImageIngestResult> {
  const bytes = await deps.redis.getBuffer(data.bytesKey);
  if (!bytes) throw new UnrecoverableError(`image bytes ${data.bytesKey} are gone (expired or never stored)`);
  let image;
  try {
    image = await validateImage(bytes, data.expectedFormat, deps.limits);
  } catch (err) {
    if (err instanceof ImageRejected) {
      deps.onRejected?.(err.reason);
      throw new UnrecoverableError(`image rejected (${err.reason}): ${err.message}`);
    }
    throw err;
  }
  const objectName = imageObjectName({
    owner: data.owner,
    threadId: data.threadId,
    imageId: data.imageId,
    ...(data.partialIndex === null ? {} : { partialIndex: data.partialIndex }),
    ext: image.ext,
  });
  await deps.blob.put(objectName, bytes, {
    contentType: image.contentType,
    metadata: { sha256: image.sha256, owner: data.owner, thread: data.threadId, run: data.runId },
  });
  const url = await deps.blob.signedUrl(objectName, { expiresInSeconds: deps.urlTtlSeconds });

  let event: ThreadStreamEvent;
  if (data.partialIndex === null) {
    const item: GeneratedImageItem = {
      id: data.itemId,
      thread_id: data.threadId,
      created_at: data.itemCreatedAt,
      type: 'generated_image',
      image: { id: data.imageId, url },
    };
    await deps.store.addItem(data.owner, data.threadId, item, {
      name: objectName,
      sha256: image.sha256,
      bytes: image.bytes,
      contentType: image.contentType,
      width: image.width,
      height: image.height,
    });
    event = { type: 'thread.item.done', item };
  } else {
    const progress = data.partialImages > 0 ? Math.min(1, data.partialIndex / data.partialImages) : 0;
    event = {
      type: 'thread.item.updated',
      item_id: data.itemId,
      update: { type: 'generated_image.updated', image: { id: data.imageId, url }, progress },
    };
  }
  await deps.runLog.append(data.runId, [{ kind: 'event', json: JSON.stringify(eventToWire(event)) }], {
    dedupeToken: imageIngestJobId(data),
  });
  await deps.redis.del(data.bytesKey);
  return {
    url,
    objectName,
    sha256: image.sha256,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    contentType: image.contentType,
  };
}
