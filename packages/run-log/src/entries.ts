// What a run log holds: ChatKit events (already in wire JSON) and one terminal entry that is
// not a ChatKit event. Encoded as one prefix character plus JSON so the Lua script stays dumb.

export type RunOutcome = 'completed' | 'failed' | 'cancelled';

export interface RunEnd {
  outcome: RunOutcome;
  /** Human-readable reason for failed runs (never sent to the client verbatim). */
  reason?: string;
}

export type RunLogEntry = { seq: number; kind: 'event'; json: string } | { seq: number; kind: 'end'; end: RunEnd };

export type PendingEntry = { kind: 'event'; json: string } | { kind: 'end'; end: RunEnd };

export function encodeEntry(e: PendingEntry): string {
  return e.kind === 'event' ? `e${e.json}` : `x${JSON.stringify(e.end)}`;
}

export function decodeEntry(seq: number, raw: string): RunLogEntry {
  if (raw.startsWith('e')) return { seq, kind: 'event', json: raw.slice(1) };
  if (raw.startsWith('x')) return { seq, kind: 'end', end: JSON.parse(raw.slice(1)) as RunEnd };
  throw new Error(`run log entry ${seq} has an unknown kind`);
}

/** A published batch: `<firstSeq>\n<entry>\n<entry>…` (JSON never contains a raw newline). */
export function decodeBatch(message: string): RunLogEntry[] {
  const lines = message.split('\n');
  const first = Number(lines[0]);
  return lines.slice(1).map((raw, i) => decodeEntry(first + i, raw));
}
