// Folding updates into items (docs/protocol.md §5 "Application semantics"), checked on hand-made cases,
// on the reference's recorded streams, and as a property: folding the deltas of any split gives back the
// text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyItemUpdate,
  type Annotation,
  type AssistantMessageItem,
  type GeneratedImageItem,
  type ThreadItem,
  type ThreadItemUpdate,
  type ThreadStreamEvent,
  type WidgetItem,
  type WorkflowItem,
} from '../src/index.ts';
import { readGoldenFiles } from './golden-fixtures.ts';

const base = { thread_id: 'thr_1', created_at: '2026-05-19T10:00:00.000Z' };
const message = (content: AssistantMessageItem['content'] = []): AssistantMessageItem => ({
  id: 'msg_1',
  ...base,
  type: 'assistant_message',
  content,
});
const part = (text: string, annotations: Annotation[] = []) => ({ annotations, text, type: 'output_text' as const });
const annotation = (url: string, index: number): Annotation => ({ type: 'annotation', source: { type: 'url', url, title: url }, index });

function fold(item: ThreadItem, updates: ThreadItemUpdate[]): ThreadItem {
  return updates.reduce(applyItemUpdate, item);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

describe('assistant_message', () => {
  it('a text delta for a part that does not exist yet pads content with empty output_text parts', () => {
    const item = applyItemUpdate(message(), { type: 'assistant_message.content_part.text_delta', content_index: 2, delta: 'Hi' });
    expect(item).toEqual(message([part(''), part(''), part('Hi')]));
  });

  it('text deltas append to the part at content_index', () => {
    const item = fold(message([part('A'), part('B')]), [
      { type: 'assistant_message.content_part.text_delta', content_index: 1, delta: 'ee' },
      { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'h' },
    ]);
    expect(item).toEqual(message([part('Ah'), part('Bee')]));
  });

  it('content_part.added replaces the part at content_index', () => {
    const item = applyItemUpdate(message([part('old')]), {
      type: 'assistant_message.content_part.added',
      content_index: 0,
      content: part(''),
    });
    expect(item).toEqual(message([part('')]));
  });

  it('annotation_added inserts at annotation_index, and appends when the index is past the end', () => {
    const a = annotation('https://a', 1);
    const b = annotation('https://b', 2);
    const c = annotation('https://c', 3);
    const item = fold(message([part('text', [a])]), [
      { type: 'assistant_message.content_part.annotation_added', content_index: 0, annotation_index: 0, annotation: b },
      { type: 'assistant_message.content_part.annotation_added', content_index: 0, annotation_index: 9, annotation: c },
    ]);
    expect(item).toEqual(message([part('text', [b, a, c])]));
  });

  it('content_part.done replaces the whole part, streamed annotations included (docs/protocol.md §10 item 4)', () => {
    const item = fold(message(), [
      { type: 'assistant_message.content_part.added', content_index: 0, content: part('') },
      { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Hi there' },
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 0,
        annotation: annotation('https://a', 5),
      },
      { type: 'assistant_message.content_part.done', content_index: 0, content: part('Hi there') },
    ]);
    expect(item).toEqual(message([part('Hi there')]));
  });
});

describe('workflow', () => {
  const workflow = (tasks: WorkflowItem['workflow']['tasks']): WorkflowItem => ({
    id: 'wf_1',
    ...base,
    type: 'workflow',
    workflow: { type: 'custom', tasks, expanded: false },
  });
  const step = (title: string, status_indicator: 'none' | 'loading' | 'complete' = 'loading') => ({
    status_indicator,
    type: 'custom' as const,
    title,
  });

  it('task.added appends, whatever task_index says', () => {
    const item = fold(workflow([]), [
      { type: 'workflow.task.added', task_index: 0, task: step('one') },
      { type: 'workflow.task.added', task_index: 5, task: step('two') },
    ]);
    expect(item).toEqual(workflow([step('one'), step('two')]));
  });

  it('task.updated replaces tasks[task_index]', () => {
    const item = applyItemUpdate(workflow([step('one'), step('two')]), {
      type: 'workflow.task.updated',
      task_index: 1,
      task: step('two', 'complete'),
    });
    expect(item).toEqual(workflow([step('one'), step('two', 'complete')]));
  });

  it('task.updated for a task that does not exist changes nothing', () => {
    const item = workflow([step('one')]);
    expect(applyItemUpdate(item, { type: 'workflow.task.updated', task_index: 1, task: step('x') })).toBe(item);
  });
});

describe('generated_image', () => {
  it('generated_image.updated replaces the image', () => {
    const item: GeneratedImageItem = { id: 'msg_3', ...base, type: 'generated_image' };
    const first = applyItemUpdate(item, { type: 'generated_image.updated', image: { id: 'ig_1', url: 'p0.png' }, progress: 0 });
    const second = applyItemUpdate(first, { type: 'generated_image.updated', image: { id: 'ig_1', url: 'p1.png' }, progress: 1 / 3 });
    expect(second).toEqual({ ...item, image: { id: 'ig_1', url: 'p1.png' } });
  });
});

describe('widget (folded as the client does; the reference leaves pending widgets alone)', () => {
  const widget: WidgetItem = {
    id: 'w',
    ...base,
    type: 'widget',
    widget: { type: 'Card', children: [{ type: 'Row', children: [{ type: 'Text', id: 't', value: 'Hel', streaming: true }] }] },
  };

  it('streaming_text.value_delta appends to the value of the component with that id', () => {
    const item = applyItemUpdate(widget, { type: 'widget.streaming_text.value_delta', component_id: 't', delta: 'lo', done: false });
    expect(item).toEqual({
      ...widget,
      widget: { type: 'Card', children: [{ type: 'Row', children: [{ type: 'Text', id: 't', value: 'Hello', streaming: true }] }] },
    });
  });

  it('component.updated replaces the component with that id', () => {
    const item = applyItemUpdate(widget, {
      type: 'widget.component.updated',
      component_id: 't',
      component: { type: 'Text', id: 't', value: 'New' },
    });
    expect(item).toEqual({
      ...widget,
      widget: { type: 'Card', children: [{ type: 'Row', children: [{ type: 'Text', id: 't', value: 'New' }] }] },
    });
  });

  it('root.updated replaces the tree; an unknown component id changes nothing', () => {
    const root = { type: 'Card' as const, children: [{ type: 'Text', value: 'Clicked' }] };
    expect(applyItemUpdate(widget, { type: 'widget.root.updated', widget: root })).toEqual({ ...widget, widget: root });
    expect(applyItemUpdate(widget, { type: 'widget.streaming_text.value_delta', component_id: 'nope', delta: 'x', done: true })).toBe(
      widget,
    );
  });
});

describe('purity and mismatches', () => {
  it('never mutates its input', () => {
    const item = deepFreeze(message([part('A', [annotation('https://a', 0)])]));
    const snapshot = structuredClone(item);
    fold(item, [
      { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'b' },
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 0,
        annotation: annotation('https://b', 1),
      },
      { type: 'assistant_message.content_part.text_delta', content_index: 3, delta: 'c' },
    ]);
    expect(item).toEqual(snapshot);
  });

  it('an update for another kind of item returns the item unchanged', () => {
    const item = message([part('A')]);
    expect(applyItemUpdate(item, { type: 'workflow.task.added', task_index: 0, task: { status_indicator: 'none', type: 'image' } })).toBe(
      item,
    );
    expect(applyItemUpdate(item, { type: 'generated_image.updated', image: { id: 'i', url: 'u' } })).toBe(item);
    const image: GeneratedImageItem = { id: 'g', ...base, type: 'generated_image' };
    expect(applyItemUpdate(image, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'x' })).toBe(image);
  });
});

describe('folding the reference’s recorded streams', () => {
  /** For each item id in a stream: the `added` item folded with every following update, and the item of its `done` (if any). */
  function foldedStreams(file: string) {
    const golden = readGoldenFiles().find((f) => f.file.startsWith(file));
    if (!golden) throw new Error(`no golden file ${file}`);
    const folded = new Map<string, ThreadItem>();
    const done = new Map<string, ThreadItem>();
    for (const frame of golden.frames) {
      const event = JSON.parse(frame) as ThreadStreamEvent;
      if (event.type === 'thread.item.added') folded.set(event.item.id, event.item);
      if (event.type === 'thread.item.updated') {
        const item = folded.get(event.item_id);
        if (item) folded.set(event.item_id, applyItemUpdate(item, event.update));
      }
      if (event.type === 'thread.item.done') done.set(event.item.id, event.item);
    }
    return { folded, done, golden };
  }

  it('01: added + part added + deltas + annotation + part done gives the final message content', () => {
    const { folded, done } = foldedStreams('01_');
    for (const id of ['msg_0003', 'msg_0005']) {
      expect((folded.get(id) as AssistantMessageItem).content).toEqual((done.get(id) as AssistantMessageItem).content);
    }
  });

  it('20: the Responses mapping’s part done carries annotations [], so only the final item has them', () => {
    const { folded, done } = foldedStreams('20_');
    expect((folded.get('msg_resp_1') as AssistantMessageItem).content).toEqual([part('Hi there')]);
    expect((done.get('msg_resp_1') as AssistantMessageItem).content[0]?.annotations).toHaveLength(1);
  });

  it('21: workflow task added/updated give the final task list', () => {
    const { folded, done } = foldedStreams('21_');
    expect((folded.get('wf_0003') as WorkflowItem).workflow.tasks).toEqual((done.get('wf_0003') as WorkflowItem).workflow.tasks);
  });

  it('24: generated_image.updated leaves the last partial in place until done', () => {
    const { folded } = foldedStreams('24_');
    expect((folded.get('msg_0003') as GeneratedImageItem).image).toEqual({
      id: 'ig_1',
      url: 'https://blob.example.com/ig_1-partial-2.png',
    });
  });

  it('13: the pending message folded at the disconnect is what the reference stored on cancellation', () => {
    const { folded, golden } = foldedStreams('13_');
    const storedItem = golden.storeItems.map((json) => JSON.parse(json) as ThreadItem).find((i) => i.id === 'msg_pending');
    expect(folded.get('msg_pending')).toEqual(storedItem);
  });
});

describe('property: folding text deltas', () => {
  it('the deltas of any split of a text, folded into an empty message, give back the text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 20 }),
        fc.nat(3),
        (text, cuts, index) => {
          const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
          const bounds = [0, ...points, text.length];
          const deltas = bounds.slice(1).map((end, i) => text.slice(bounds[i], end));
          const updates: ThreadItemUpdate[] = [
            { type: 'assistant_message.content_part.added', content_index: index, content: part('') },
            ...deltas.map((delta): ThreadItemUpdate => ({
              type: 'assistant_message.content_part.text_delta',
              content_index: index,
              delta,
            })),
          ];
          const item = fold(message(), updates) as AssistantMessageItem;
          expect(item.content).toHaveLength(index + 1);
          expect(item.content[index]?.text).toBe(text);
          expect(item.content.slice(0, index).every((p) => p.text === '')).toBe(true);
        },
      ),
    );
  });
});
