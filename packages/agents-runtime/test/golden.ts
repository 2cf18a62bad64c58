// The reference's recordings (packages/protocol/test/golden) as the agents suites compare them:
// the SSE frames an app's `respond` produced (after `stream_options`), with ids and timestamps
// normalised so that runs with other ids compare equal, and our events serialised the same way.
import { readFileSync } from 'node:fs';
import { eventToWire, type ThreadStreamEvent } from '@switchyard/protocol';

const GOLDEN_DIR = new URL('../../protocol/test/golden/', import.meta.url);
const ID_KEYS = new Set(['id', 'item_id', 'thread_id', 'call_id']);

/** Every `data:` frame of a golden file. */
export function goldenFrames(file: string): string[] {
  return readFileSync(new URL(file, GOLDEN_DIR), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice('data: '.length));
}

/** The frames after `stream_options`: what the app's respond generator (and the pipeline's error) produced. */
export function respondFrames(file: string): string[] {
  const frames = goldenFrames(file);
  const at = frames.findIndex((f) => (JSON.parse(f) as { type: string }).type === 'stream_options');
  return frames.slice(at + 1);
}

/** One `=== STORE items …` line of a golden file: [type, id] pairs. */
export function goldenStoredItems(file: string): Array<[string, string]> {
  const line = readFileSync(new URL(file, GOLDEN_DIR), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('=== STORE items for'));
  return line ? (JSON.parse(line.slice(line.indexOf(':') + 1)) as Array<[string, string]>) : [];
}

export function wire(events: ThreadStreamEvent[]): string[] {
  return events.map((e) => JSON.stringify(eventToWire(e)));
}

/**
 * Ids become `<id:N>` by order of first appearance across the whole sequence (so "the same id
 * twice" is still checked), timestamps `<ts>`; with `imageUrls`, the URLs of generated images
 * `<url>` (the ingest path signs its own). Everything else, key order included, must match.
 */
export function normalise(frames: string[], opts: { imageUrls?: boolean } = {}): string[] {
  const ids = new Map<string, string>();
  const walk = (value: unknown, key: string | null, parent: string | null = null): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, null, key));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k, key)]));
    }
    if (opts.imageUrls && key === 'url' && parent === 'image') return '<url>';
    if (typeof value === 'string' && key !== null && ID_KEYS.has(key)) {
      if (!ids.has(value)) ids.set(value, `<id:${ids.size + 1}>`);
      return ids.get(value);
    }
    if (typeof value === 'string' && key === 'created_at') return '<ts>';
    // A workflow's duration is whole seconds of wall clock between reasoning and answer: 0 in the
    // recordings and here, unless a loaded machine stalls a second in between.
    if (key === 'duration' && parent === 'summary' && Number.isInteger(value) && (value as number) >= 0) return '<duration>';
    return value;
  };
  return frames.map((f) => JSON.stringify(walk(JSON.parse(f), null)));
}
