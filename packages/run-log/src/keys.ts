// Every Redis key of one run shares the hash tag {run:<runId>}, so a run lives in one cluster slot
// and its append script never needs a multi-slot command.

export function runKeys(runId: string) {
  const tag = `{run:${runId}}`;
  return {
    log: `${tag}:log`,
    meta: `${tag}:meta`,
    channel: `${tag}:live`,
    control: `${tag}:control`,
    /** Where a later attempt can continue the run's model response (docs/resume.md). */
    resume: `${tag}:resume`,
    imageBytes: (imageId: string, partialIndex: number | null) =>
      `${tag}:img:${imageId}:${partialIndex === null ? 'final' : `p${partialIndex}`}`,
  };
}
