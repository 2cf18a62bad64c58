// Sends the appends made during one event-loop turn as one call of the append script: a worker
// carrying 100 runs makes thousands of appends a second, one per run per batch, and in Redis each
// script call has a fixed cost (about 20 µs on the development machine, more than the commands it
// runs) on top of a socket write here and a read there (docs/benchmarks/README.md, "Profiles").
// Carried together, the batches of every run that got a model delta in the same turn share them.
//
// Not ioredis' `enableAutoPipelining`: in ioredis 6 a pipeline cut by a Redis restart can resolve
// with holes, and its auto-pipelining callback then throws out of a process.nextTick and kills the
// process (found by the chaos campaign). Here a call is one command: ioredis re-sends it after a
// reconnect like any other, which is safe because only batch-tokened appends come through here (the
// script answers a batch sent twice with its first seq and appends nothing), and two batches of one
// run never share a call (a re-sent call's earlier batch would no longer be its run's last).

/** One batch for the script: its three keys and its arguments (without the leading count). */
export interface BatchCall {
  runId: string;
  keys: [string, string, string];
  args: string[];
}

type Pending = BatchCall & { resolve: (first: number) => void; reject: (err: unknown) => void };

/** The most batches, and about the most argument bytes, in one call; a turn with more sends several. */
const MAX_BATCHES = 256;
const MAX_BYTES = 1024 * 1024;

export class AppendCoalescer {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Calls sent and batches carried (tests and benchmarks read these). */
  readonly stats = { calls: 0, batches: 0 };

  /** `send` runs the script once over `keys` (three per batch) and `args` and answers one number per batch. */
  constructor(private readonly send: (keys: string[], args: string[]) => Promise<unknown>) {}

  append(call: BatchCall): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ ...call, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the poll phase: the appends prompted by every socket read of this turn go together.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    let group: Pending[] = [];
    let runs = new Set<string>();
    let bytes = 0;
    for (const p of pending) {
      const size = p.args.reduce((a, s) => a + s.length, 0);
      if (group.length > 0 && (group.length >= MAX_BATCHES || bytes + size > MAX_BYTES || runs.has(p.runId))) {
        this.sendGroup(group);
        group = [];
        runs = new Set();
        bytes = 0;
      }
      group.push(p);
      runs.add(p.runId);
      bytes += size;
    }
    if (group.length > 0) this.sendGroup(group);
  }

  private sendGroup(group: Pending[]): void {
    this.stats.calls++;
    this.stats.batches += group.length;
    const keys = group.flatMap((p) => p.keys);
    const args = group.flatMap((p) => [String(p.args.length), ...p.args]);
    this.send(keys, args).then(
      (results) => {
        if (!Array.isArray(results) || results.length !== group.length || !results.every((r) => typeof r === 'number')) {
          const err = new Error(`append script answered ${JSON.stringify(results)} for ${group.length} batches`);
          for (const p of group) p.reject(err);
          return;
        }
        group.forEach((p, i) => p.resolve(results[i] as number));
      },
      (err: unknown) => {
        for (const p of group) p.reject(err);
      },
    );
  }
}
