import { Agent } from '@openai/agents';
import { startModelTestServer } from '../../stand-ins/model-test-server/src/index.ts';
import { createModelProviderPool } from './src/model-provider.ts';
import { agentRunner } from './src/agent-run.ts';
import { ResponseStreamConverter } from './src/response-stream-converter.ts';
const server = await startModelTestServer({ deltaDelayMs: 5 });
const pool = createModelProviderPool({ apiKey: 'k', baseURL: server.baseURL, transport: 'http', concurrency: 2, background: true });
const agent = new Agent({ name: 'a', instructions: 'x', model: 'gpt-test' });
let n = 0;
const conv = new ResponseStreamConverter({ event: () => n++, textDelta: () => n++, imageFrame: () => n++ }, { threadId: 't', partialImages: 0 });
const lease = await pool.lease();
const t = setTimeout(() => { console.log('stuck; events', n, server.requests.map((r: any) => JSON.stringify(r).slice(0, 200))); process.exit(1); }, 8000);
try {
  const out = await agentRunner({ agent, input: [{ role: 'user', content: 'hi' }], provider: lease.provider, converter: conv,
    onModelResponse: (id, st) => console.log('model_response', id, st.length) });
  console.log('outcome', out, 'events', n);
} catch (e) { console.log('error', e); }
clearTimeout(t);
await server.close();
