// Send-time stamps for benchmarks (`stamp: true`): every text delta starts with `[ts:<ms>]`, the
// moment the server emitted it on the machine's monotonic clock (CLOCK_MONOTONIC through
// process.hrtime, the same in every process of the machine) in milliseconds with microsecond
// digits. A client on the same machine subtracts it from its own `stampClockMs()` when the delta
// arrives; a relay that coalesces deltas keeps every stamp, so each delta is measured. Hand-written.

const STAMP_PATTERN = /\[ts:(\d+\.\d+)\]/g;

/** Milliseconds on the machine-wide monotonic clock (comparable across processes, not wall time). */
export function stampClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The stamp a delta starts with: `[ts:123456.789012]`. */
export function stampText(ms: number = stampClockMs()): string {
  return `[ts:${ms.toFixed(6)}]`;
}

/** Every stamp in `text` (a delta, or several coalesced), in order. */
export function parseStamps(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(STAMP_PATTERN)) out.push(Number(m[1]));
  return out;
}
