// @switchyard/run-log: one run's events in Redis — the bounded log (Streams), live fan-out (pub/sub),
// attaching a client from any gateway, the ordered sequencer a worker writes through, and run control.
export { decodeBatch, type PendingEntry, type RunLogEntry, type RunOutcome } from './entries.ts';
export { RunEndedError, RunFencedError, RunLogFullError, RunLogMissingError } from './errors.ts';
export { runKeys } from './keys.ts';
export { RunControl } from './run-control.ts';
export { formatCheckpoint, RunLog, type ResumePoint } from './run-log.ts';
export { RunEventSequencer } from './sequencer.ts';
export { RunLogSubscriber, type Attachment } from './subscriber.ts';
