// Counts the jobs a worker's processor is running right now, the load its snapshot reports. BullMQ
// keeps that count private and counting its events drifts, so the processor itself is wrapped.

export type JobProcessor<J, R> = (job: J, token?: string, signal?: AbortSignal) => Promise<R>;

export class ActiveJobs {
  private active = 0;

  get count(): number {
    return this.active;
  }

  /**
   * The processor, counted. BullMQ hands an abort signal only to processors that declare three
   * parameters (`Function.length`), so the wrapper declares all three.
   */
  wrap<J, R>(processor: JobProcessor<J, R>): JobProcessor<J, R> {
    return async (job: J, token?: string, signal?: AbortSignal): Promise<R> => {
      this.active++;
      try {
        return await processor(job, token, signal);
      } finally {
        this.active--;
      }
    };
  }
}
