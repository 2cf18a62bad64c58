// Taking back what a failed start wrote: each write registers its inverse first, so a start that
// fails at any later step (or half-way through a write) leaves the store as the request found it.

export class Undo {
  private readonly steps: Array<() => Promise<void>> = [];

  /** Registers how to take the write back, then makes it. */
  async write(write: () => Promise<void>, undo: () => Promise<void>): Promise<void> {
    this.steps.push(undo);
    await write();
  }

  /** Runs every inverse, newest first; a failing one is reported and the rest still run. */
  async run(onError: (err: unknown) => void): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        onError(err);
      }
    }
  }
}
