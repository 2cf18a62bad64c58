// One image frame from Redis to the blob store and the client (docs/architecture.md §4): validate, upload
// idempotently, sign a URL, append the event once (deduplicated by job id) under the fence of the run
// attempt that produced the frame, then persist the final item, then drop the bytes. Safe to retry at
// any step. A frame of an attempt that lost the run (taken over, handed off, run ended) changes
// nothing: its append is refused, its blob object is deleted, no item is stored (a save that raced a
// take-over is taken back), and the job completes `discarded` so the lost attempt stops.
import { UnrecoverableError } from 'bullmq';
import { imageObjectName, type BlobStore } from '@switchyard/blob';
import { eventToWire, type GeneratedImageItem, type ThreadStreamEvent } from '@switchyard/protocol';
import { imageIngestJobId, type ImageIngestJobData, type ImageIngestResult } from '@switchyard/queues';
import type { RedisClient } from '@switchyard/redis-connection';
import { RunEndedError, RunFencedError, type RunLog } from '@switchyard/run-log';
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

/** The job's outcome when its attempt no longer owns the run: nothing was made visible. */
const DISCARDED: ImageIngestResult = {
  discarded: true,
  url: '',
  objectName: '',
  sha256: '',
  bytes: 0,
  width: 0,
  height: 0,
  contentType: '',
};

export async function processIngest(deps: IngestDeps, data: ImageIngestJobData): Promise<ImageIngestResult> {
  const bytes = await deps.redis.getBuffer(data.bytesKey);
  if (!bytes) {
    // The bytes go last, after the append and the item: an earlier try of this job (its worker killed
    // before BullMQ heard it finish) did everything, or was discarded.
    if (await deps.runLog.dedupeUsed(data.runId, imageIngestJobId(data))) return { ...DISCARDED, discarded: undefined, repeated: true };
    if (!(await deps.runLog.owns(data.runId, data.attempt))) return DISCARDED;
    throw new UnrecoverableError(`image bytes ${data.bytesKey} are gone (expired or never stored)`);
  }
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

  let item: GeneratedImageItem | null = null;
  let event: ThreadStreamEvent;
  if (data.partialIndex === null) {
    item = {
      id: data.itemId,
      thread_id: data.threadId,
      created_at: data.itemCreatedAt,
      type: 'generated_image',
      image: { id: data.imageId, url },
    };
    event = { type: 'thread.item.done', item };
  } else {
    const progress = data.partialImages > 0 ? Math.min(1, data.partialIndex / data.partialImages) : 0;
    event = {
      type: 'thread.item.updated',
      item_id: data.itemId,
      update: { type: 'generated_image.updated', image: { id: data.imageId, url }, progress },
    };
  }
  try {
    await deps.runLog.append(data.runId, [{ kind: 'event', json: JSON.stringify(eventToWire(event)) }], {
      dedupeToken: imageIngestJobId(data),
      fence: data.attempt,
      ...(data.checkpoint ? { checkpoint: data.checkpoint } : {}),
    });
  } catch (err) {
    if (err instanceof RunFencedError || err instanceof RunEndedError) return discard(deps, data, objectName);
    throw err;
  }
  if (item) {
    // After the append (the log shows the item before the store has it), then checked against the
    // fence: a take-over between the two that regenerates the answer noted the item before removing
    // it from view and from the store, so it is taken back; one that continues the model response
    // (docs/resume.md) keeps what the log shows, this item included.
    await deps.store.addItem(data.owner, data.threadId, item, {
      name: objectName,
      sha256: image.sha256,
      bytes: image.bytes,
      contentType: image.contentType,
      width: image.width,
      height: image.height,
    });
    if (!(await deps.runLog.owns(data.runId, data.attempt)) && (await deps.runLog.isNoted(data.runId, item.id))) {
      await deps.store.deleteThreadItem(data.owner, data.threadId, item.id);
      return discard(deps, data, objectName);
    }
  }
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

/** A lost attempt's frame: its blob object (if uploaded) and bytes go, nothing else was written. */
async function discard(deps: IngestDeps, data: ImageIngestJobData, objectName: string): Promise<ImageIngestResult> {
  // Uploaded by this try or by an earlier try of the same job: no item will ever point at it.
  await deps.blob.delete(objectName);
  await deps.redis.del(data.bytesKey);
  return DISCARDED;
}
