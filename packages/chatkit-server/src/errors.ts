// The errors chatkit-server raises itself; request errors that become HTTP answers are the shared
// classes of @switchyard/errors (BadRequest, Conflict, NotFound, …).

/** A job whose data is not a RunPlan: a producer from another version, or a corrupted job. */
export class InvalidRunPlan extends Error {
  override name = 'InvalidRunPlan';
  constructor(readonly issues: string) {
    super(`run job data is not a valid RunPlan: ${issues}`);
  }
}

/** The run was cancelled (client stop, operator cancel); carries the reason. */
export class RunCancelled extends Error {
  override name = 'RunCancelled';
}

/** The image-ingest worker did not finish a frame in time: the run ends with an `error` event. */
export class ImageIngestTimeout extends Error {
  override name = 'ImageIngestTimeout';
}

/** The worker stopped the attempt to hand the run to another worker (drain time over); not an ending. */
export class RunHandedOff extends Error {
  override name = 'RunHandedOff';
}
