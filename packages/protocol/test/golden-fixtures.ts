// Reads the reference's golden recordings (test/golden/*.txt) into requests, answers and store dumps.
// The format is line-based; see test/golden/README.md.
import { readdirSync, readFileSync } from 'node:fs';

export interface GoldenRequest {
  file: string;
  label: string;
  /** The body exactly as recorded (Python `json.dumps`, with spaces). */
  body: string;
  /** What the reference answered. */
  answer: { kind: 'sse'; frames: string[] } | { kind: 'json'; body: string } | { kind: 'raised'; error: string } | { kind: 'none' };
}

export interface GoldenFile {
  file: string;
  requests: GoldenRequest[];
  /** Every `data: ` payload in the file, in order, including streams recorded without a request. */
  frames: string[];
  /** `=== STORE thread: {…}` dumps: server-side ThreadMetadata. */
  storeThreads: string[];
  /** `=== STORE attachment …: {…}` dumps: server-side Attachment. */
  storeAttachments: string[];
  /** JSON item lines under `=== STORE items…:` headers: stored ThreadItems. */
  storeItems: string[];
}

export const GOLDEN_DIR = new URL('./golden/', import.meta.url);

export function readGoldenFiles(): GoldenFile[] {
  return readdirSync(GOLDEN_DIR)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .map((name) => parseGolden(name, readFileSync(new URL(name, GOLDEN_DIR), 'utf8')));
}

function parseGolden(file: string, text: string): GoldenFile {
  const out: GoldenFile = { file, requests: [], frames: [], storeThreads: [], storeAttachments: [], storeItems: [] };
  const lines = text.split('\n');
  let mode: 'none' | 'sse' | 'store-items' = 'none';
  let current: GoldenRequest | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('>>> REQUEST')) {
      current = { file, label: line.slice('>>> REQUEST'.length).trim(), body: lines[++i] ?? '', answer: { kind: 'none' } };
      out.requests.push(current);
      mode = 'none';
    } else if (line.startsWith('<<< SSE')) {
      mode = 'sse';
      if (current && current.answer.kind === 'none') current.answer = { kind: 'sse', frames: [] };
    } else if (line.startsWith('<<< JSON')) {
      mode = 'none';
      if (current) current.answer = { kind: 'json', body: lines[++i] ?? '' };
    } else if (line.startsWith('<<< RAISED')) {
      mode = 'none';
      if (current) current.answer = { kind: 'raised', error: line.slice('<<< RAISED'.length).replace('(no response body)', '').trim() };
    } else if (line.startsWith('=== STORE thread: ')) {
      mode = 'none';
      out.storeThreads.push(line.slice('=== STORE thread: '.length));
    } else if (line.startsWith('=== STORE attachment')) {
      mode = 'none';
      out.storeAttachments.push(line.slice(line.indexOf(': {') + 2));
    } else if (/^=== STORE items( after cancellation)?:$/.test(line)) {
      mode = 'store-items';
    } else if (line.startsWith('===')) {
      mode = 'none';
    } else if (mode === 'sse' && line.startsWith('data: ')) {
      const frame = line.slice('data: '.length);
      out.frames.push(frame);
      if (current?.answer.kind === 'sse') current.answer.frames.push(frame);
    } else if (mode === 'store-items' && line.startsWith('{')) {
      out.storeItems.push(line);
    }
  }
  return out;
}
