// @switchyard/ops-snapshots: what every process needs to write its metrics snapshot to Redis for the
// live operations page: the publisher, the worker load it reports, and the snapshot shape and keys.
export { ActiveJobs, type JobProcessor } from './active-jobs.ts';
export { PUBLISHED_AT_KEY, SNAPSHOTS_KEY } from './keys.ts';
export { startSnapshotPublisher, type SnapshotPublisher, type SnapshotPublisherOptions } from './publisher.ts';
export {
  OPS_METRIC_NAMES,
  parseSnapshot,
  processId,
  takeSnapshot,
  type MetricsSource,
  type ProcessSnapshot,
  type PublishedSnapshot,
  type Sample,
  type WorkerLoad,
} from './snapshot.ts';
export { SnapshotWriter } from './snapshot-writer.ts';
