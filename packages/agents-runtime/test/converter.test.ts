// The Responses → ChatKit mapping against the reference (docs/conformance.md N1–N23,
// docs/protocol.md §7): raw event sequences replayed into the converter, the ChatKit events compared
// with the reference's unit-test expectations and, for the recorded runs, with golden 20–26 frame for
// frame (ids and timestamps normalised).
import { describe, expect, it } from 'vitest';
import {
  Agent,
  InputGuardrailTripwireTriggered,
  OutputGuardrailTripwireTriggered,
  RunItemStreamEvent,
  RunRawModelStreamEvent,
  RunToolCallItem,
} from '@openai/agents';
import { chatKitErrorEventOf } from '@switchyard/errors';
import type { ThreadItem, ThreadStreamEvent, WorkflowItem } from '@switchyard/protocol';
import {
  accumulateText,
  convertAnnotation,
  dataUrlImage,
  ResponseStreamConverter,
  workflowToContinue,
  type ConverterOptions,
  type ImageFrame,
} from '../src/index.ts';
import { normalise, respondFrames, wire } from './golden.ts';
import { annotations, raw } from './raw-events.ts';

const T0 = Date.parse('2026-11-22T01:33:06.000Z');

function harness(opts: Partial<ConverterOptions> = {}) {
  const events: ThreadStreamEvent[] = [];
  const frames: ImageFrame[] = [];
  const counters = new Map<string, number>();
  let clock = T0;
  const converter = new ResponseStreamConverter(
    {
      event: (e) => events.push(e),
      textDelta: (itemId, contentIndex, delta) =>
        events.push({
          type: 'thread.item.updated',
          item_id: itemId,
          update: { type: 'assistant_message.content_part.text_delta', content_index: contentIndex, delta },
        }),
      imageFrame: (f) => frames.push(f),
    },
    {
      threadId: 'thr_1',
      partialImages: 0,
      now: () => new Date(clock),
      newId: (prefix) => {
        const n = (counters.get(prefix) ?? 0) + 1;
        counters.set(prefix, n);
        return `${prefix}_${n}`;
      },
      ...opts,
    },
  );
  return { converter, events, frames, tick: (ms: number) => (clock += ms) };
}

const agent = new Agent({ name: 'test' });
function functionCall(id: string, callId: string, name: string): RunItemStreamEvent {
  return new RunItemStreamEvent(
    'tool_called',
    new RunToolCallItem({ type: 'function_call', id, callId, name, arguments: '{}', status: 'completed' }, agent),
  );
}
const types = (events: ThreadStreamEvent[]) =>
  events.map((e) =>
    e.type === 'thread.item.updated'
      ? `upd:${e.update.type}`
      : e.type === 'thread.item.added' || e.type === 'thread.item.done'
        ? `${e.type}:${e.item.type}`
        : e.type,
  );
const tripwire = new InputGuardrailTripwireTriggered('tripped', {
  guardrail: { type: 'input', name: 'no' },
  output: { tripwireTriggered: true, outputInfo: null },
});

describe('N. raw Responses events (reference agents tests)', () => {
  it('N1: a text delta → text_delta on the Responses item id', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.textDelta('123', 'Hello, world!'));
    expect(events).toEqual([
      {
        type: 'thread.item.updated',
        item_id: '123',
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Hello, world!' },
      },
    ]);
  });

  it('N2: content_part.added at index 1 → content_part.added with the converted part', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.partAdded('123', 1, 'New content'));
    expect(events).toEqual([
      {
        type: 'thread.item.updated',
        item_id: '123',
        update: {
          type: 'assistant_message.content_part.added',
          content_index: 1,
          content: { annotations: [], text: 'New content', type: 'output_text' },
        },
      },
    ]);
  });

  it('N3: output_text.done → content_part.done with the full text and no annotations', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.textDone('123', 'Final text'));
    expect(events).toEqual([
      {
        type: 'thread.item.updated',
        item_id: '123',
        update: {
          type: 'assistant_message.content_part.done',
          content_index: 0,
          content: { annotations: [], text: 'Final text', type: 'output_text' },
        },
      },
    ]);
  });

  it('N4: a file citation → annotation_added with a file source and the citation index', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.annotation('123', 0, annotations.file('file.txt', 5)));
    expect(events).toEqual([
      {
        type: 'thread.item.updated',
        item_id: '123',
        update: {
          type: 'assistant_message.content_part.annotation_added',
          content_index: 0,
          annotation_index: 0,
          annotation: { type: 'annotation', source: { type: 'file', filename: 'file.txt', title: 'file.txt' }, index: 5 },
        },
      },
    ]);
  });

  it('N5: an empty filename is dropped and does not take an index; container and URL citations use end_index', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.annotation('123', 0, annotations.file('', 1)));
    converter.handleRaw(raw.annotation('123', 1, annotations.container('container.txt', 3)));
    converter.handleRaw(raw.annotation('123', 2, annotations.url('https://example.com', 'Example', 5)));
    expect(events.map((e) => e.type === 'thread.item.updated' && e.update)).toEqual([
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 0,
        annotation: { type: 'annotation', source: { type: 'file', filename: 'container.txt', title: 'container.txt' }, index: 3 },
      },
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 1,
        annotation: { type: 'annotation', source: { type: 'url', url: 'https://example.com', title: 'Example' }, index: 5 },
      },
    ]);
  });

  it('N6: a custom annotation converter is used for streamed annotations and the final item', () => {
    const { converter, events } = harness({
      convertAnnotation: (a) =>
        a.type === 'url_citation'
          ? { type: 'annotation', source: { type: 'url', url: a.url, title: `custom ${a.title}` }, index: 0 }
          : convertAnnotation(a),
    });
    const url = annotations.url('https://example.com', 'Example', 5);
    converter.handleRaw(raw.annotation('1', 0, url));
    converter.handleRaw(raw.messageDone('1', [raw.text('Hello', [url])]));
    const custom = { type: 'annotation', source: { type: 'url', url: 'https://example.com', title: 'custom Example' }, index: 0 };
    expect(events[0]).toMatchObject({ update: { annotation: custom } });
    expect(events[1]).toMatchObject({ type: 'thread.item.done', item: { content: [{ annotations: [custom] }] } });
  });

  it('N7: the final message carries the converted annotations of every part (file_path dropped, refusal as text); other items are ignored', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.fileSearchDone('fs_1'));
    converter.handleRaw(
      raw.messageDone('1', [
        raw.text('Hello, world!', [
          annotations.file('test.txt', 0),
          annotations.container('container.txt', 3),
          annotations.url('https://www.google.com', 'Google', 10),
          annotations.filePath(2),
        ]),
        { type: 'refusal', refusal: "Can't do that" },
      ]),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'thread.item.done',
      item: {
        id: '1',
        type: 'assistant_message',
        content: [
          {
            text: 'Hello, world!',
            annotations: [
              { source: { type: 'file', filename: 'test.txt' }, index: 0 },
              { source: { type: 'file', filename: 'container.txt' }, index: 3 },
              { source: { type: 'url', url: 'https://www.google.com', title: 'Google' }, index: 10 },
            ],
          },
          { text: "Can't do that", annotations: [] },
        ],
      },
    });
  });

  it('N8: events pushed by tools and model events both go out, in order', () => {
    const { converter, events } = harness();
    converter.sideEvent({
      type: 'thread.item.added',
      item: {
        id: 'w1',
        thread_id: 'thr_1',
        created_at: new Date(T0).toISOString(),
        type: 'widget',
        widget: { type: 'Card', children: [] },
      },
    });
    converter.handleRaw(raw.textDelta('m1', 'hi'));
    expect(types(events)).toEqual(['thread.item.added:widget', 'upd:assistant_message.content_part.text_delta']);
  });

  it('N10: only the first thought streams; a later summary is added whole', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'Think'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'ing 1'));
    converter.handleRaw(raw.summaryDone('rs_1', 0, 'Thinking 1'));
    converter.handleRaw(raw.summaryDelta('rs_1', 1, 'Think'));
    converter.handleRaw(raw.summaryDelta('rs_1', 1, 'ing 2'));
    converter.handleRaw(raw.summaryDone('rs_1', 1, 'Thinking 2'));
    expect(
      events.map((e) =>
        e.type === 'thread.item.updated'
          ? [
              e.update.type,
              'task_index' in e.update ? e.update.task_index : null,
              'task' in e.update && e.update.task.type === 'thought' ? e.update.task.content : null,
            ]
          : e.type,
      ),
    ).toEqual([
      'thread.item.added',
      ['workflow.task.added', 0, 'Think'],
      ['workflow.task.updated', 0, 'Thinking 1'],
      ['workflow.task.updated', 0, 'Thinking 1'],
      ['workflow.task.added', 1, 'Thinking 2'],
    ]);
    expect(events[0]).toEqual({
      type: 'thread.item.added',
      item: {
        id: 'wf_1',
        thread_id: 'thr_1',
        created_at: new Date(T0).toISOString(),
        type: 'workflow',
        workflow: { type: 'reasoning', tasks: [], expanded: false },
      },
    });
  });

  it('N11: a message ends the reasoning workflow with its duration in whole seconds, collapsed', () => {
    const { converter, events, tick } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    converter.handleRaw(raw.summaryDone('rs_1', 0, 'Thinking 1'));
    tick(2_900);
    converter.handleRaw(raw.messageAdded('m1'));
    expect(types(events)).toEqual([
      'thread.item.added:workflow',
      'upd:workflow.task.added',
      'thread.item.done:workflow',
      'thread.item.added:assistant_message',
    ]);
    expect(events[2]).toMatchObject({
      item: {
        id: 'wf_1',
        workflow: { type: 'reasoning', summary: { duration: 2 }, expanded: false, tasks: [{ type: 'thought', content: 'Thinking 1' }] },
      },
    });
  });

  it('N12: an automatic end keeps a custom summary', () => {
    const { converter, events } = harness();
    converter.startWorkflow({
      type: 'custom',
      tasks: [{ type: 'custom', title: 'Step', status_indicator: 'loading' }],
      summary: { title: 'Test' },
      expanded: true,
    });
    converter.handleRaw(raw.messageAdded('m1'));
    expect(events[1]).toMatchObject({ type: 'thread.item.done', item: { workflow: { summary: { title: 'Test' }, expanded: false } } });
  });

  it('N13: a workflow open at the end of the run is handed over for storage, with no done event', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    converter.handleRaw(raw.summaryDone('rs_1', 0, 'Thinking'));
    const open = converter.takeOpenWorkflow();
    expect(types(events)).toEqual(['thread.item.added:workflow', 'upd:workflow.task.added']);
    expect(open).toMatchObject({ id: 'wf_1', workflow: { type: 'reasoning', tasks: [{ content: 'Thinking' }] } });
    expect(open?.workflow.summary).toBeUndefined();
    expect(converter.takeOpenWorkflow()).toBeNull();
  });

  it('N14: an image with the default converter: added without image, then done with a data URL, nothing else', () => {
    const { converter, events } = harness({ base64ImageToUrl: dataUrlImage });
    converter.handleRaw(raw.imageAdded('img_call_1'));
    converter.handleRaw(raw.imageDone('img_call_1', 'dGVzdA=='));
    expect(events).toEqual([
      {
        type: 'thread.item.added',
        item: { id: 'msg_1', thread_id: 'thr_1', created_at: new Date(T0).toISOString(), type: 'generated_image' },
      },
      {
        type: 'thread.item.done',
        item: {
          id: 'msg_1',
          thread_id: 'thr_1',
          created_at: new Date(T0).toISOString(),
          type: 'generated_image',
          image: { id: 'img_call_1', url: 'data:image/png;base64,dGVzdA==' },
        },
      },
    ]);
  });

  it('N15: a custom base64ImageToUrl is called once for the final image, with no partial index', () => {
    const calls: unknown[][] = [];
    const { converter, events } = harness({ base64ImageToUrl: (...args) => (calls.push(args), 'https://example.com/img.png') });
    converter.handleRaw(raw.imageAdded('img_call_1'));
    converter.handleRaw(raw.imageDone('img_call_1', 'dGVzdA=='));
    expect(calls).toEqual([['img_call_1', 'dGVzdA==', null]]);
    expect(events[1]).toMatchObject({ item: { image: { id: 'img_call_1', url: 'https://example.com/img.png' } } });
  });

  it('N16: a partial image with partial_images=3 reports progress 1/3', () => {
    const { converter, events } = harness({ base64ImageToUrl: dataUrlImage, partialImages: 3 });
    converter.handleRaw(raw.imageAdded('img_call_1'));
    converter.handleRaw(raw.partialImage('img_call_1', 1, 'dGVzdA=='));
    converter.handleRaw(raw.imageDone('img_call_1', 'dGVzdA=='));
    expect(events).toHaveLength(3);
    expect(events[1]).toEqual({
      type: 'thread.item.updated',
      item_id: 'msg_1',
      update: { type: 'generated_image.updated', image: { id: 'img_call_1', url: 'data:image/png;base64,dGVzdA==' }, progress: 1 / 3 },
    });
  });

  it('the ingest path gets frames instead: each partial with its index, then the final image', () => {
    const { converter, events, frames } = harness({ partialImages: 2 });
    converter.handleRaw(raw.imageAdded('ig_1'));
    converter.handleRaw(raw.partialImage('ig_1', 0, 'UDA='));
    converter.handleRaw(raw.imageDone('ig_1', 'RklOQUw='));
    expect(types(events)).toEqual(['thread.item.added:generated_image']);
    expect(frames.map((f) => [f.item.id, f.imageId, f.partialIndex, f.b64, f.format])).toEqual([
      ['msg_1', 'ig_1', 0, 'UDA=', 'png'],
      ['msg_1', 'ig_1', null, 'RklOQUw=', 'png'],
    ]);
  });

  it('N19: a tripwire takes back every produced item: the message, and what tools pushed', () => {
    for (const err of [
      tripwire,
      new OutputGuardrailTripwireTriggered('x', {
        guardrail: { type: 'output', name: 'no' },
        agent,
        agentOutput: '',
        output: { tripwireTriggered: true, outputInfo: null },
      }),
    ]) {
      const { converter } = harness();
      converter.handleRaw(raw.messageAdded('1'));
      converter.sideEvent({
        type: 'thread.item.added',
        item: { id: '2', thread_id: 'thr_1', created_at: new Date(T0).toISOString(), type: 'assistant_message', content: [] },
      });
      converter.sideEvent({
        type: 'thread.item.done',
        item: {
          id: '3',
          thread_id: 'thr_1',
          created_at: new Date(T0).toISOString(),
          type: 'widget',
          widget: { type: 'Card', children: [] },
        },
      });
      expect(err).toBeInstanceOf(Error);
      expect(converter.removalEvents()).toEqual(['1', '2', '3'].map((id) => ({ type: 'thread.item.removed', item_id: id })));
    }
  });

  it('N21: a client tool call reuses the function call item id and call id', () => {
    const { converter, events } = harness();
    converter.handle(functionCall('fc_123', 'call_123', 'get_selection'));
    events.push({ type: 'thread.item.done', item: converter.clientToolCallItem({ name: 'get_selection', arguments: {} }) });
    expect(events).toEqual([
      {
        type: 'thread.item.done',
        item: {
          id: 'fc_123',
          thread_id: 'thr_1',
          created_at: new Date(T0).toISOString(),
          type: 'client_tool_call',
          status: 'pending',
          call_id: 'call_123',
          name: 'get_selection',
          arguments: {},
        },
      },
    ]);
    expect([...converter.producedItemIds]).toEqual(['fc_123']);
  });

  it('N22: a run continues the workflow left before a client tool call; its end reuses the id', () => {
    const wf: WorkflowItem = {
      id: 'wf_old',
      thread_id: 'thr_1',
      created_at: new Date(T0 - 5_000).toISOString(),
      type: 'workflow',
      workflow: { type: 'reasoning', tasks: [{ type: 'thought', content: 'Earlier', status_indicator: 'none' }], expanded: false },
    };
    const call: ThreadItem = {
      id: 'fc_1',
      thread_id: 'thr_1',
      created_at: new Date(T0).toISOString(),
      type: 'client_tool_call',
      status: 'completed',
      call_id: 'c',
      name: 'n',
      arguments: {},
      output: 1,
    };
    expect(workflowToContinue([wf, call])).toBe(wf);
    expect(workflowToContinue([wf])).toBe(wf);
    expect(workflowToContinue([call, wf, { ...call, type: 'end_of_turn' } as ThreadItem])).toBeNull();
    const { converter, events } = harness();
    converter.continueWorkflow(wf);
    converter.handleRaw(raw.reasoningAdded('rs_2'));
    converter.handleRaw(raw.summaryDelta('rs_2', 0, 'ignored: the workflow has tasks'));
    converter.handleRaw(raw.summaryDone('rs_2', 0, 'Later'));
    converter.handleRaw(raw.messageAdded('m2'));
    expect(types(events)).toEqual(['upd:workflow.task.added', 'thread.item.done:workflow', 'thread.item.added:assistant_message']);
    expect(events[0]).toMatchObject({ item_id: 'wf_old', update: { task_index: 1, task: { content: 'Later' } } });
    expect(events[1]).toMatchObject({
      item: { id: 'wf_old', workflow: { tasks: [{ content: 'Earlier' }, { content: 'Later' }], summary: { duration: 5 } } },
    });
  });

  it('N23: accumulateText turns text deltas into growing Text widgets, the last one no longer streaming', async () => {
    async function* deltas() {
      for (const d of ['Hello, ', 'world!']) yield new RunRawModelStreamEvent({ type: 'output_text_delta', delta: d });
    }
    const base = { type: 'Text' as const, id: 't', value: '', streaming: true };
    const out = [];
    for await (const w of accumulateText(deltas(), base)) out.push(w);
    expect(out).toEqual([
      base,
      { ...base, value: 'Hello, ' },
      { ...base, value: 'Hello, world!' },
      { ...base, value: 'Hello, world!', streaming: false },
    ]);
  });
});

describe('workflows and tool events (docs/protocol.md §7.4)', () => {
  it('a tool item ends the open workflow; client tool calls and hidden context do not', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    const at = new Date(T0).toISOString();
    converter.sideEvent({
      type: 'thread.item.done',
      item: { id: 'h1', thread_id: 'thr_1', created_at: at, type: 'hidden_context_item', content: 'x' },
    });
    converter.sideEvent({ type: 'progress_update', text: 'working' });
    expect(converter.activeWorkflow?.id).toBe('wf_1');
    converter.sideEvent({
      type: 'thread.item.done',
      item: { id: 'w1', thread_id: 'thr_1', created_at: at, type: 'widget', widget: { type: 'Card', children: [] } },
    });
    expect(types(events)).toEqual([
      'thread.item.added:workflow',
      'thread.item.done:hidden_context_item',
      'progress_update',
      'thread.item.done:workflow',
      'thread.item.done:widget',
    ]);
    expect(converter.activeWorkflow).toBeNull();
  });

  it('a custom workflow appears with its first task; tasks update by index; an explicit end may stay expanded', () => {
    const { converter, events } = harness();
    converter.startWorkflow({ type: 'custom', tasks: [], expanded: true });
    expect(events).toEqual([]);
    converter.addWorkflowTask({ type: 'custom', title: 'Fetch', status_indicator: 'loading' });
    converter.addWorkflowTask({ type: 'custom', title: 'Parse', status_indicator: 'loading' });
    converter.updateWorkflowTask({ type: 'custom', title: 'Fetch', status_indicator: 'complete' }, 0);
    converter.endWorkflow({ expanded: true });
    expect(types(events)).toEqual([
      'thread.item.added:workflow',
      'upd:workflow.task.added',
      'upd:workflow.task.updated',
      'thread.item.done:workflow',
    ]);
    expect(events[0]).toMatchObject({ item: { workflow: { tasks: [{ title: 'Fetch' }] } } });
    expect(events[3]).toMatchObject({
      item: { workflow: { tasks: [{ status_indicator: 'complete' }, { title: 'Parse' }], summary: { duration: 0 }, expanded: true } },
    });
  });

  it('a workflow a tool adds itself becomes the open one; finishing it itself closes it', () => {
    const { converter, events } = harness();
    const wf: WorkflowItem = {
      id: 'wf_tool',
      thread_id: 'thr_1',
      created_at: new Date(T0).toISOString(),
      type: 'workflow',
      workflow: { type: 'custom', tasks: [{ type: 'custom', title: 'First', status_indicator: 'none' }], expanded: false },
    };
    converter.sideEvent({ type: 'thread.item.added', item: wf });
    expect(converter.activeWorkflow?.id).toBe('wf_tool');
    converter.addWorkflowTask({ type: 'custom', title: 'Step', status_indicator: 'none' });
    expect(events[1]).toMatchObject({ item_id: 'wf_tool', update: { type: 'workflow.task.added', task_index: 1 } });
    converter.sideEvent({ type: 'thread.item.done', item: { ...wf, workflow: { ...wf.workflow, summary: { title: 'Done' } } } });
    expect(converter.activeWorkflow).toBeNull();
    expect(converter.takeOpenWorkflow()).toBeNull();
  });

  it('events are snapshots: a workflow growing later does not change what was already emitted', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'a'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'b'));
    expect(events[0]).toMatchObject({ item: { workflow: { tasks: [] } } });
    expect(events[1]).toMatchObject({ update: { task: { content: 'a' } } });
  });
});

describe('golden 20–26: converter output equals the recorded frames (ids and timestamps normalised)', () => {
  it('20 text with annotations (N9: one annotation dropped without taking an index)', () => {
    const { converter, events } = harness();
    const url = annotations.url('https://example.com/a', 'A', 5);
    converter.handleRaw(raw.messageAdded('msg_resp_1'));
    converter.handleRaw(raw.partAdded('msg_resp_1', 0));
    converter.handleRaw(raw.textDelta('msg_resp_1', 'Hi '));
    converter.handleRaw(raw.textDelta('msg_resp_1', 'there'));
    converter.handleRaw(raw.annotation('msg_resp_1', 0, annotations.filePath(1)));
    converter.handleRaw(raw.annotation('msg_resp_1', 1, url));
    converter.handleRaw(raw.textDone('msg_resp_1', 'Hi there'));
    converter.handleRaw(raw.messageDone('msg_resp_1', [raw.text('Hi there', [annotations.filePath(1), url])]));
    expect(normalise(wire(events))).toEqual(normalise(respondFrames('20_agent_text_annotations.txt')));
  });

  it('21 reasoning workflow ended by the message', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'Think'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'ing'));
    converter.handleRaw(raw.summaryDone('rs_1', 0, 'Thinking'));
    converter.handleRaw(raw.summaryDelta('rs_1', 1, 'More'));
    converter.handleRaw(raw.summaryDone('rs_1', 1, 'More thoughts'));
    converter.handleRaw(raw.messageAdded('msg_resp_2'));
    converter.handleRaw(raw.textDelta('msg_resp_2', 'Answer'));
    converter.handleRaw(raw.messageDone('msg_resp_2', [raw.text('Answer')]));
    expect(normalise(wire(events))).toEqual(normalise(respondFrames('21_agent_reasoning_workflow.txt')));
  });

  it('22 reasoning only: the workflow is left open (no done) and handed over for storage', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.reasoningAdded('rs_1'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'Think'));
    converter.handleRaw(raw.summaryDelta('rs_1', 0, 'ing'));
    converter.handleRaw(raw.summaryDone('rs_1', 0, 'Thinking'));
    const open = converter.takeOpenWorkflow();
    expect(normalise(wire(events))).toEqual(normalise(respondFrames('22_agent_reasoning_only_workflow_left_open.txt')));
    expect(open?.workflow.tasks).toEqual([{ type: 'thought', content: 'Thinking', status_indicator: 'none' }]);
  });

  it('23 image, default converter (N17: progress 0 without partial_images)', () => {
    const { converter, events } = harness({ base64ImageToUrl: dataUrlImage });
    converter.handleRaw(raw.imageAdded('ig_1'));
    for (const [i, b64] of ['UDA=', 'UDE=', 'UDI='].entries()) converter.handleRaw(raw.partialImage('ig_1', i, b64));
    converter.handleRaw(raw.imageDone('ig_1', 'RklOQUw='));
    expect(normalise(wire(events))).toEqual(normalise(respondFrames('23_agent_image_generation_default_converter.txt')));
  });

  it('24 image, partial_images=3 and a URL converter (N18)', () => {
    const { converter, events } = harness({
      partialImages: 3,
      base64ImageToUrl: (id, _b64, index) => `https://blob.example.com/${id}${index === null ? '' : `-partial-${index}`}.png`,
    });
    converter.handleRaw(raw.imageAdded('ig_1'));
    for (const i of [0, 1, 2]) converter.handleRaw(raw.partialImage('ig_1', i, 'UA=='));
    converter.handleRaw(raw.imageDone('ig_1', 'RklOQUw='));
    expect(normalise(wire(events))).toEqual(normalise(respondFrames('24_agent_image_generation_partial_images_3_url_converter.txt')));
  });

  it('25 guardrail tripwire (N20): removed for the partial message, then the pipeline error', () => {
    const { converter, events } = harness();
    converter.handleRaw(raw.messageAdded('msg_resp_g'));
    converter.handleRaw(raw.textDelta('msg_resp_g', 'Partial'));
    events.push(...converter.removalEvents());
    const frames = [...wire(events), JSON.stringify(chatKitErrorEventOf(tripwire))];
    expect(normalise(frames)).toEqual(normalise(respondFrames('25_agent_guardrail_tripwire.txt')));
  });

  it('26 client tool call ending the turn', () => {
    const { converter, events } = harness();
    converter.handle(functionCall('fc_9', 'call_9', 'get_selection'));
    events.push({ type: 'thread.item.done', item: converter.clientToolCallItem({ name: 'get_selection', arguments: { max: 2 } }) });
    expect(normalise(wire(events))).toEqual(normalise(respondFrames('26_agent_client_tool_call.txt')));
  });
});
