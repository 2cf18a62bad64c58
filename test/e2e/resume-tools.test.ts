// MODEL_BACKGROUND with the agent loop (docs/resume.md): a run whose first model response called a
// function tool and whose worker dies while the second response streams is continued from the run
// state saved as that second call began: the tool is not run again, and the client sees one
// continuous answer.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { functionResultText } from '@switchyard/model-test-server';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;
const toolLog = join(mkdtempSync(join(tmpdir(), 'switchyard-resume-tools-')), 'tool-runs.log');

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    workers: 2,
    deltaDelayMs: 40,
    textDeltas: 40,
    env: {
      SWITCHYARD_APP: fileURLToPath(new URL('../fixtures/resume-app.ts', import.meta.url)),
      RESUME_TOOL_LOG: toolLog,
      MODEL_BACKGROUND: 'true',
      WORKER_LOCK_MS: '3000',
      WORKER_STALLED_INTERVAL_MS: '500',
    },
  });
});
afterAll(async () => {
  await sys?.stop();
});

const toolRuns = (key: string) =>
  existsSync(toolLog)
    ? readFileSync(toolLog, 'utf8')
        .split('\n')
        .filter((l) => l === key).length
    : 0;

it('a worker killed while the answer after a tool call streams: the tool runs once, the answer continues', async () => {
  const s = await postChatKit(sys.gateways[0]!.url, {
    type: 'threads.create',
    params: {
      input: {
        content: [{ type: 'input_text', text: 'go [flow:function_call:record_step {"key":"k1"}]' }],
        attachments: [],
        inference_options: {},
      },
    },
  });
  const runId = s.headers.get('x-switchyard-run-id')!;
  // Wait for the second response's text.
  const deadline = Date.now() + 20_000;
  while (
    !s.events.some((e) => (((e.data as Json).update as Json | undefined)?.type ?? '') === 'assistant_message.content_part.text_delta')
  ) {
    if (Date.now() > deadline) throw new Error('no text arrived');
    await new Promise((r) => setTimeout(r, 20));
  }
  const holder = sys.workers.find((w) => w.output.some((l) => l.includes('"msg":"run started"') && l.includes(runId)))!;
  await holder.stop('SIGKILL');
  await s.done;
  await sys.restartProcess(holder.name);

  expect(toolRuns('k1')).toBe(1);
  const events = s.events.map((e) => e.data as Json);
  expect(events.filter((e) => e.type === 'thread.item.removed')).toEqual([]);
  const done = events
    .filter((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'assistant_message')
    .map((e) => e.item as Json);
  expect(done).toHaveLength(1);
  const text = (done[0]!.content as Json[])[0]!.text as string;
  expect(text).toBe(functionResultText('record_step', 'recorded k1'));
  const streamed = events
    .filter((e) => e.type === 'thread.item.updated' && e.item_id === done[0]!.id)
    .map((e) => e.update as Json)
    .filter((u) => u.type === 'assistant_message.content_part.text_delta')
    .map((u) => u.delta)
    .join('');
  expect(streamed).toBe(text);
  expect(sys.workers.some((w) => w.output.some((l) => l.includes('continuing its model response') && l.includes(runId)))).toBe(true);
  const threadId = (events[0]!.thread as Json).id as string;
  const docs = await sys.db.collection('items').find({ thread_id: threadId }).toArray();
  expect(docs.map((d) => d.type).sort()).toEqual(['assistant_message', 'user_message']);
});
