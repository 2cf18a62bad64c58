// The errors a run log raises when an append is refused: the run already ended, its byte budget is
// spent, or another attempt owns the run now.

/** The run's terminal entry is already in the log: nothing can be appended after it. */
export class RunEndedError extends Error {
  override name = 'RunEndedError';
}

/** The run reached its byte budget (RUN_LOG_MAX_BYTES); only its end can still be appended. */
export class RunLogFullError extends Error {
  override name = 'RunLogFullError';
}

/** Another attempt owns the run now (this worker stalled and the job was handed over). */
export class RunFencedError extends Error {
  override name = 'RunFencedError';
}

/** The run has no log: it expired (RUN_LOG_ORPHAN_TTL) or was never created. */
export class RunLogMissingError extends Error {
  override name = 'RunLogMissingError';
}
