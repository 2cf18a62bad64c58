// Judging one chaos run from what its client saw and what MongoDB holds for its thread. Pure
// functions over recorded events, so the verdict does not depend on timing and judge.test.ts can
// pin every rule on hand-written event lists. The columns (docs/chaos.md):
//   lost events      seq gaps: the highest seq received minus the distinct seqs received;
//   duplicate events the same seq received twice, or a text-delta event whose JSON equals the
//                    previous event's (one delta batch appended twice under two seqs);
//   text mismatch    an assistant message whose text, rebuilt from the client's deltas, differs
//                    from the text of its `thread.item.done` (a delta lost or doubled in substance);
//   zombie events    an event about an item received after `thread.item.removed` for that item;
//   zombie items     a stored item the client never ended up with (never shown done, or told it
//                    was removed, whatever came about it afterwards);
//   missing items    an item the client ended up with that the store does not hold;
//   duplicate items  more than one assistant_message, or more than one generated_image, stored for
//                    the run's thread (each chaos run is the only response of its own thread).

type Json = Record<string, unknown>;

/** One event as the client received it (`id` is the run-log seq; the gateway's own errors have none). */
export interface SeenEvent {
  id?: string;
  data: unknown;
  raw: string;
}

/** One stored item of the run's thread (a document of the `items` collection). */
export interface StoredItem {
  item_id: string;
  type: string;
}

export type Outcome = 'completed' | 'error' | 'hang';

export interface Verdict {
  outcome: Outcome;
  lost: number;
  duplicateEvents: number;
  textMismatch: number;
  zombieEvents: number;
  zombieItems: number;
  missingItems: number;
  duplicateItems: number;
  /** One line per defect, for the failure report. */
  details: string[];
}

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

/** The event that ends a run for its client: an `error`, or the assistant message done. */
export function isFinal(data: unknown): boolean {
  const e = obj(data);
  return e.type === 'error' || (e.type === 'thread.item.done' && obj(e.item).type === 'assistant_message');
}

/** The item an event is about, if any. */
function itemIdOf(e: Json): string | undefined {
  if (e.type === 'thread.item.added' || e.type === 'thread.item.done' || e.type === 'thread.item.replaced') {
    const id = obj(e.item).id;
    return typeof id === 'string' ? id : undefined;
  }
  if (e.type === 'thread.item.updated' || e.type === 'thread.item.removed') return typeof e.item_id === 'string' ? e.item_id : undefined;
  return undefined;
}

function isTextDelta(e: Json): boolean {
  return e.type === 'thread.item.updated' && obj(e.update).type === 'assistant_message.content_part.text_delta';
}

/**
 * The outcome as the client knows it: `ended` says the client saw the run end (a re-attach after
 * the final event answered an empty, closed stream, or the gateway said the run is gone).
 */
export function outcomeOf(events: SeenEvent[], ended: boolean): Outcome {
  const last = events[events.length - 1];
  if (!ended || !last || !isFinal(last.data)) return 'hang';
  return obj(last.data).type === 'error' ? 'error' : 'completed';
}

export function judgeRun(events: SeenEvent[], ended: boolean, stored: StoredItem[]): Verdict {
  const details: string[] = [];
  const seqs = events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
  const distinct = new Set<number>();
  let duplicateEvents = 0;
  for (const seq of seqs) {
    if (distinct.has(seq)) {
      duplicateEvents++;
      details.push(`seq ${seq} received twice`);
    }
    distinct.add(seq);
  }
  const lost = Math.max(0, ...seqs) - distinct.size;
  if (lost > 0) details.push(`${lost} seq(s) missing below ${Math.max(...seqs)}`);

  // Replay: what the client shows at the end, and the text it rebuilt for every assistant message.
  const shown = new Map<string, string>(); // item id → type
  const removed = new Set<string>();
  const rebuilt = new Map<string, string[]>(); // assistant message id → text per content index
  const doneText = new Map<string, string[]>();
  let zombieEvents = 0;
  let previous: SeenEvent | undefined;
  for (const ev of events) {
    const e = obj(ev.data);
    if (previous && isTextDelta(e) && ev.raw === previous.raw) {
      duplicateEvents++;
      details.push(`text delta batch repeated at seq ${ev.id ?? '?'}: ${ev.raw.slice(0, 120)}`);
    }
    previous = ev;
    const itemId = itemIdOf(e);
    if (itemId === undefined) continue;
    if (removed.has(itemId)) {
      zombieEvents++;
      details.push(`${String(e.type)} for item ${itemId} after its thread.item.removed (seq ${ev.id ?? '?'})`);
      // What a client makes of it is not defined; the replay goes on as if it were applied.
    }
    const update = obj(e.update);
    switch (e.type) {
      case 'thread.item.added':
      case 'thread.item.replaced':
      case 'thread.item.done': {
        const item = obj(e.item);
        if (e.type === 'thread.item.added' && item.type === 'assistant_message') {
          rebuilt.set(
            itemId,
            (Array.isArray(item.content) ? item.content : []).map((c) => String(obj(c).text ?? '')),
          );
        }
        if (e.type === 'thread.item.done' && item.type === 'assistant_message') {
          doneText.set(
            itemId,
            (Array.isArray(item.content) ? item.content : []).map((c) => String(obj(c).text ?? '')),
          );
        }
        // A removed item never legitimately comes back (a new attempt answers with new ids): what a
        // stale attempt sends about it later is a zombie event, and it stays out of the client's items.
        if (e.type !== 'thread.item.added' && !removed.has(itemId)) shown.set(itemId, String(item.type));
        break;
      }
      case 'thread.item.removed':
        shown.delete(itemId);
        removed.add(itemId);
        break;
      case 'thread.item.updated': {
        const parts = rebuilt.get(itemId);
        if (!parts) break;
        const index = Number(update.content_index ?? 0);
        if (update.type === 'assistant_message.content_part.added') parts[index] = String(obj(update.content).text ?? '');
        if (update.type === 'assistant_message.content_part.text_delta') parts[index] = (parts[index] ?? '') + String(update.delta ?? '');
        break;
      }
      default:
        break;
    }
  }

  let textMismatch = 0;
  for (const [id, text] of doneText) {
    if (!shown.has(id)) continue; // removed later: what it said no longer matters to the client
    const parts = rebuilt.get(id);
    if (!parts || parts.join('\u0000') !== text.join('\u0000')) {
      textMismatch++;
      details.push(
        `assistant message ${id}: deltas rebuild ${JSON.stringify((parts ?? []).join('').slice(-60))}, done says ${JSON.stringify(text.join('').slice(-60))}`,
      );
    }
  }

  const storedIds = new Set(stored.map((s) => s.item_id));
  let zombieItems = 0;
  for (const s of stored) {
    if (shown.has(s.item_id)) continue;
    zombieItems++;
    details.push(`stored ${s.type} ${s.item_id} the client ${removed.has(s.item_id) ? 'was told was removed' : 'was never shown done'}`);
  }
  let missingItems = 0;
  for (const [id, type] of shown) {
    if (storedIds.has(id)) continue;
    missingItems++;
    details.push(`${type} ${id} shown done to the client is not stored`);
  }
  const count = (type: string) => stored.filter((s) => s.type === type).length;
  const duplicateItems = Math.max(0, count('assistant_message') - 1) + Math.max(0, count('generated_image') - 1);
  if (duplicateItems > 0)
    details.push(`stored: ${count('assistant_message')} assistant_message, ${count('generated_image')} generated_image`);

  return {
    outcome: outcomeOf(events, ended),
    lost,
    duplicateEvents,
    textMismatch,
    zombieEvents,
    zombieItems,
    missingItems,
    duplicateItems,
    details,
  };
}
