// The example app's hooks as a ChatKit client would exercise them.
import { describe, expect, it } from 'vitest';
import { validateStreamEvent, validateThreadItem } from '@switchyard/protocol/schema-validation';
import type { ActionArgs } from '@switchyard/app-api';
import type { WidgetItem } from '@switchyard/protocol';
import app, { paletteAction, paletteWidget } from '../src/app.ts';

const sender: WidgetItem = {
  id: 'msg_w',
  thread_id: 'thr_1',
  created_at: '2026-11-22T00:00:00.000Z',
  type: 'widget',
  widget: paletteWidget(['#111', '#eee']),
};

function actionArgs(type: string): ActionArgs {
  return {
    action: { type, payload: { colors: ['#111', '#eee'] } },
    sender,
    thread: { id: 'thr_1', created_at: sender.created_at, status: { type: 'active' }, metadata: {} },
    context: { owner: 'dev', metadata: {} },
    items: { loadItems: async () => [], loadItem: async () => sender },
    newId: (p) => `${p}_1`,
    saveItem: async () => undefined,
    signal: new AbortController().signal,
  };
}

describe('image designer example', () => {
  it('palette.regenerate streams the caption as value deltas and ends by replacing the widget', async () => {
    const events = [];
    for await (const e of paletteAction(actionArgs('palette.regenerate'))) {
      if (e.type !== 'switchyard.image_frame') validateStreamEvent(e);
      events.push(e);
    }
    const kinds = events.map((e) => (e.type === 'thread.item.updated' ? e.update.type : e.type));
    expect(kinds).toEqual([
      'progress_update',
      'widget.root.updated',
      'widget.streaming_text.value_delta',
      'widget.streaming_text.value_delta',
      'widget.streaming_text.value_delta',
      'thread.item.replaced',
    ]);
  });

  it('palette.favorite is answered synchronously with the updated widget', async () => {
    const a = await app({ role: 'gateway', env: {}, services: {} });
    const updated = await a.syncAction!({ ...actionArgs('palette.favorite') });
    expect(updated).not.toBeNull();
    validateThreadItem(updated);
    expect(JSON.stringify(updated)).toContain('★ Saved');
  });

  it('in the gateway, respond refuses to run (models run in workers)', async () => {
    const a = await app({ role: 'gateway', env: {}, services: {} });
    const it = a.respond({ ...actionArgs('x'), input: null })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/generation worker/);
  });
});
