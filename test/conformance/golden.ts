// Reads the reference's golden recordings (packages/protocol/test/golden) into steps
// a replay can follow, and compares Switchyard's answers with the recorded ones once ids and
// timestamps are normalised.
//
// The format is line based: `>>> REQUEST (label)` + one line of JSON body; the answer as
// `<<< SSE …` + `data: …` frames (or `[[stream generator raised …]]` when the reference aborted the
// stream), `<<< JSON (…)` + one line, or `<<< RAISED (no response body) Error: message`; store dumps
// as `=== STORE items for thr_…: [[type, id], …]`, `=== STORE thread: {…}`, `=== STORE attachment …: {…}`,
// `=== STORE items[ after cancellation]:` + one JSON item per line; and
// `=== responder was called with input ids: […]`.
import { readdirSync, readFileSync } from 'node:fs';

export type Json = Record<string, unknown>;

export type GoldenAnswer =
  { kind: 'sse'; label: string; frames: Json[]; raised?: string } | { kind: 'json'; body: unknown } | { kind: 'raised'; error: string };

export type GoldenStep =
  | { kind: 'request'; label: string; body: Json }
  | GoldenAnswer
  | { kind: 'store-item-ids'; threadId: string; items: Array<[string, string]> }
  | { kind: 'store-items'; label: string; items: Json[] }
  | { kind: 'store-thread'; thread: Json }
  | { kind: 'store-attachment'; label: string; attachment: Json }
  | { kind: 'responder-inputs'; ids: Array<string | null> };

export interface Exchange {
  /** Absent when the recording shows an answer without its request (G:13, G:14). */
  request?: { label: string; body: Json };
  answer?: GoldenAnswer;
  /** Store dumps recorded after this answer. */
  store: GoldenStep[];
}

export interface GoldenFile {
  name: string;
  number: string;
  steps: GoldenStep[];
  exchanges: Exchange[];
}

export const GOLDEN_DIR = new URL('../../packages/protocol/test/golden/', import.meta.url);

export function readGolden(number: string): GoldenFile {
  const name = readdirSync(GOLDEN_DIR).find((f) => f.startsWith(`${number}_`) && f.endsWith('.txt'));
  if (!name) throw new Error(`no golden file ${number}_*.txt in ${GOLDEN_DIR.pathname}`);
  return parseGolden(name, readFileSync(new URL(name, GOLDEN_DIR), 'utf8'));
}

export function parseGolden(name: string, text: string): GoldenFile {
  const steps: GoldenStep[] = [];
  const lines = text.split('\n');
  let sse: Extract<GoldenStep, { kind: 'sse' }> | undefined;
  let items: Extract<GoldenStep, { kind: 'store-items' }> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const label = (prefix: string) =>
      line
        .slice(prefix.length)
        .trim()
        .replace(/^\((.*)\)$/, '$1');
    if (line.startsWith('>>> REQUEST')) {
      sse = items = undefined;
      steps.push({ kind: 'request', label: label('>>> REQUEST'), body: JSON.parse(lines[++i] ?? '') as Json });
    } else if (line.startsWith('<<< SSE')) {
      items = undefined;
      sse = { kind: 'sse', label: label('<<< SSE'), frames: [] };
      steps.push(sse);
    } else if (line.startsWith('<<< JSON')) {
      sse = items = undefined;
      steps.push({ kind: 'json', body: JSON.parse(lines[++i] ?? '') });
    } else if (line.startsWith('<<< RAISED')) {
      sse = items = undefined;
      steps.push({ kind: 'raised', error: line.slice('<<< RAISED'.length).replace('(no response body)', '').trim() });
    } else if (line.startsWith('=== STORE items for ')) {
      sse = items = undefined;
      const m = /^=== STORE items for (\S+): (.*)$/.exec(line);
      if (!m) throw new Error(`${name}:${i + 1}: unreadable store line`);
      steps.push({ kind: 'store-item-ids', threadId: m[1]!, items: JSON.parse(m[2]!) as Array<[string, string]> });
    } else if (/^=== STORE items( .*)?:$/.test(line)) {
      sse = undefined;
      items = { kind: 'store-items', label: line.slice('=== STORE items'.length, -1).trim(), items: [] };
      steps.push(items);
    } else if (line.startsWith('=== STORE thread: ')) {
      sse = items = undefined;
      steps.push({ kind: 'store-thread', thread: JSON.parse(line.slice('=== STORE thread: '.length)) as Json });
    } else if (line.startsWith('=== STORE attachment')) {
      sse = items = undefined;
      const at = line.indexOf(': {');
      steps.push({
        kind: 'store-attachment',
        label: line.slice('=== STORE attachment'.length, at).trim(),
        attachment: JSON.parse(line.slice(at + 2)) as Json,
      });
    } else if (line.startsWith('=== responder was called with input ids: ')) {
      sse = items = undefined;
      steps.push({
        kind: 'responder-inputs',
        ids: JSON.parse(line.slice('=== responder was called with input ids: '.length)) as Array<string | null>,
      });
    } else if (line.startsWith('===') || line.startsWith('>>>') || line.startsWith('<<<')) {
      throw new Error(`${name}:${i + 1}: unknown golden line ${line}`);
    } else if (sse && line.startsWith('data: ')) {
      sse.frames.push(JSON.parse(line.slice('data: '.length)) as Json);
    } else if (sse && /^\[\[stream generator raised (.*)\]\]$/.test(line)) {
      sse.raised = /^\[\[stream generator raised (.*)\]\]$/.exec(line)![1]!;
    } else if (items && line.startsWith('{')) {
      items.items.push(JSON.parse(line) as Json);
    } else if (line.trim() !== '' && !line.startsWith('  ') && !line.startsWith('`')) {
      // Continuation lines of a RAISED validation message are indented or start with a backquoted path.
      throw new Error(`${name}:${i + 1}: unexpected line ${JSON.stringify(line)}`);
    }
  }
  return { name, number: name.slice(0, 2), steps, exchanges: toExchanges(steps) };
}

function toExchanges(steps: GoldenStep[]): Exchange[] {
  const out: Exchange[] = [];
  let current: Exchange | undefined;
  for (const step of steps) {
    if (step.kind === 'request') {
      current = { request: { label: step.label, body: step.body }, store: [] };
      out.push(current);
    } else if (step.kind === 'sse' || step.kind === 'json' || step.kind === 'raised') {
      if (!current || current.answer) {
        current = { store: [] };
        out.push(current);
      }
      current.answer = step;
    } else {
      if (!current) {
        current = { store: [] };
        out.push(current);
      }
      current.store.push(step);
    }
  }
  return out;
}

// ── normalisation ────────────────────────────────────────────────────────────────────────────────

/** Ids the reference's test store generated (`thr_0001`, `msg_0002`, `atc_0001`, `shcx_0003`). */
const GOLDEN_ID = /^([a-z]+)_\d{4}$/;
/** Ids Switchyard generates (`<prefix>_<16 hex>`). */
const OUR_ID = /^([a-z]+)_[0-9a-f]{16}$/;
/** The reference writes naive local time; Switchyard ISO-8601 with Z (README "Behaviour choices"). */
const GOLDEN_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;
const OUR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * Golden id ↔ Switchyard id, learnt while comparing (the first place an id appears binds it) and
 * used to rewrite the recorded requests so they name Switchyard's ids.
 */
export class IdMap {
  readonly toOurs = new Map<string, string>();
  readonly toGolden = new Map<string, string>();

  bind(golden: string, ours: string): string | null {
    const known = this.toOurs.get(golden);
    if (known !== undefined) return known === ours ? null : `${golden} was ${known}, now ${ours}`;
    const other = this.toGolden.get(ours);
    if (other !== undefined) return `${ours} is already ${other}, not ${golden}`;
    this.toOurs.set(golden, ours);
    this.toGolden.set(ours, golden);
    return null;
  }

  /** A recorded request with every known golden id replaced by Switchyard's (unknown ids such as `thr_missing` kept). */
  rewrite<T>(value: T): T {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.toOurs.get(v) ?? v;
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  ours(golden: string): string {
    const id = this.toOurs.get(golden);
    if (id === undefined) throw new Error(`golden id ${golden} was never seen`);
    return id;
  }
}

/**
 * Values an integration decides (the reference's test attachment store vs Switchyard's upload route
 * and signed URLs; server-only attachment metadata): compared as present-or-absent only.
 */
const INTEGRATION_DEFINED = new Set(['upload_descriptor', 'preview_url']);

/**
 * Compares a recorded value with Switchyard's, binding ids and skipping timestamps (which must be
 * naive on the golden side and ISO-8601 with Z on ours). Returns the differences, one per line.
 */
export function compareNormalised(
  golden: unknown,
  ours: unknown,
  ids: IdMap,
  path = '$',
  opts: { attachmentMetadata?: boolean } = {},
): string[] {
  const diffs: string[] = [];
  const walk = (g: unknown, o: unknown, p: string, key: string | undefined): void => {
    if (key !== undefined && INTEGRATION_DEFINED.has(key)) {
      if ((g === undefined) !== (o === undefined))
        diffs.push(`${p}: present in one answer only (golden ${JSON.stringify(g)}, ours ${JSON.stringify(o)})`);
      return;
    }
    if (key === 'metadata' && opts.attachmentMetadata) {
      if ((g === undefined) !== (o === undefined)) diffs.push(`${p}: stored attachment metadata present in one store only`);
      return;
    }
    if (key === 'created_at' && typeof g === 'string' && typeof o === 'string') {
      if (!GOLDEN_TIME.test(g)) diffs.push(`${p}: golden timestamp ${g} unexpected`);
      if (!OUR_TIME.test(o)) diffs.push(`${p}: ${o} is not ISO-8601 with Z`);
      return;
    }
    if (typeof g === 'string' && typeof o === 'string') {
      const gm = GOLDEN_ID.exec(g);
      const om = OUR_ID.exec(o);
      if (gm && om && gm[1] === om[1]) {
        const problem = ids.bind(g, o);
        if (problem) diffs.push(`${p}: id mismatch: ${problem}`);
        return;
      }
      if (g !== o) diffs.push(`${p}: golden ${JSON.stringify(g)}, ours ${JSON.stringify(o)}`);
      return;
    }
    if (Array.isArray(g) && Array.isArray(o)) {
      if (g.length !== o.length) diffs.push(`${p}: golden has ${g.length} elements, ours ${o.length}`);
      for (let i = 0; i < Math.min(g.length, o.length); i++) walk(g[i], o[i], `${p}[${i}]`, undefined);
      return;
    }
    if (g && o && typeof g === 'object' && typeof o === 'object' && !Array.isArray(g) && !Array.isArray(o)) {
      const gk = Object.keys(g).sort();
      const ok = Object.keys(o).sort();
      const missing = gk.filter((k) => !ok.includes(k) && !INTEGRATION_DEFINED.has(k));
      const extra = ok.filter((k) => !gk.includes(k) && !INTEGRATION_DEFINED.has(k));
      if (missing.length) diffs.push(`${p}: ours lacks ${missing.join(', ')}`);
      if (extra.length) diffs.push(`${p}: ours has extra ${extra.join(', ')}`);
      for (const k of gk) if (ok.includes(k) || INTEGRATION_DEFINED.has(k)) walk((g as Json)[k], (o as Json)[k], `${p}.${k}`, k);
      return;
    }
    if (g !== o) diffs.push(`${p}: golden ${JSON.stringify(g)}, ours ${JSON.stringify(o)}`);
  };
  walk(golden, ours, path, undefined);
  return diffs;
}

/** `thread.created`, `thread.item.done:user_message`, `updated:<update type>`, … */
export function eventKinds(events: Json[]): string[] {
  return events.map((e) =>
    e.type === 'thread.item.updated'
      ? `updated:${(e.update as Json).type as string}`
      : e.item
        ? `${e.type as string}:${(e.item as Json).type as string}`
        : String(e.type),
  );
}
