import { Agent, Runner, RunState, tool, OpenAIProvider, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { startModelTestServer } from '../../stand-ins/model-test-server/src/index.ts';
setTracingDisabled(true);
const server = await startModelTestServer({ deltaDelayMs: 5 });
let toolRuns = 0;
const add = tool({ name: 'add', description: 'adds', parameters: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => { toolRuns++; return String(a + b); } });
const agent = new Agent({ name: 'a', instructions: 'x', tools: [add], model: 'gpt-test' });
const bodies: string[] = [];
const client = new OpenAI({ apiKey: 'k', baseURL: server.baseURL, fetch: async (u: any, init: any) => { if (init?.body) bodies.push(String(init.body)); return fetch(u, init); } });
const provider = new OpenAIProvider({ openAIClient: client });
const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
const ac = new AbortController();
const r = await runner.run(agent, [{ role: 'user', content: 'hi [flow:function_call:add {"a":1,"b":2}]' }], { stream: true, signal: ac.signal });
r.completed.catch(() => undefined);
let saved: string | null = null; let created = 0;
for await (const ev of r) {
  if (ev.type === 'raw_model_stream_event' && (ev.data as any).type === 'model' && (ev.data as any).event?.type === 'response.created') {
    created++;
    if (created === 2) { saved = r.state.toString(); ac.abort(); break; }
  }
}
console.log('toolRuns', toolRuns, 'state bytes', saved?.length, 'requests', bodies.length);
const st = await RunState.fromString(agent, saved!);
console.log('currentTurn', (st as any)._currentTurn, 'step', (st as any)._currentStep?.type);
const r2 = await runner.run(agent, st, { stream: true });
let text = '';
for await (const ev of r2) { if (ev.type === 'raw_model_stream_event' && (ev.data as any).event?.type === 'response.output_text.delta') text += (ev.data as any).event.delta; }
await r2.completed;
console.log('toolRuns', toolRuns, 'text', text.slice(0, 80), 'final', String(r2.finalOutput).slice(0,60));
console.log('last request input', JSON.stringify(JSON.parse(bodies.at(-1)!).input).slice(0, 600));
await server.close();
