// The floor of the benchmark: the Agents SDK serving chats from one process and nothing else. Per
// `POST /chat` it runs the same built-in agent the generation worker runs (agents-runtime's
// createDefaultAgent, providers from createModelProviderPool: HTTP streaming, or a pool of Responses
// WebSocket providers sized to the concurrency) with `run(agent, input, { stream: true })` and writes
// every text delta to the client at once as a ChatKit-like SSE `thread.item.updated` text_delta.
// Started as a child process by the benchmark; prints its URL on stdout.
// Env: FLOOR_MODEL_BASE_URL, FLOOR_TRANSPORT (http|websocket), FLOOR_CONCURRENCY, FLOOR_MODEL.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createDefaultAgent, createModelProviderPool } from '../../packages/agents-runtime/src/index.ts';

// The SDK instance agents-runtime itself loads (the root package does not depend on it): the same
// module, so the agent built there and this Runner agree.
type AgentsSdk = typeof import('../../packages/agents-runtime/node_modules/@openai/agents');
const sdkEntry = new URL('../../packages/agents-runtime/node_modules/@openai/agents/dist/index.mjs', import.meta.url);
const { Runner } = (await import(sdkEntry.href)) as AgentsSdk;

const baseURL = process.env.FLOOR_MODEL_BASE_URL;
if (!baseURL) throw new Error('FLOOR_MODEL_BASE_URL is required');
const transport = process.env.FLOOR_TRANSPORT === 'websocket' ? 'websocket' : 'http';
const concurrency = Number(process.env.FLOOR_CONCURRENCY ?? '100');

const agent = createDefaultAgent({ model: process.env.FLOOR_MODEL ?? 'gpt-4.1', partialImages: 2 });
// Also sets the SDK's tracing off (no OpenAI key here) and Node 20's global WebSocket for `ws`.
const providers = createModelProviderPool({ apiKey: 'bench', baseURL, transport, concurrency });
const runners = new WeakMap<object, InstanceType<AgentsSdk['Runner']>>();
let items = 0;

async function readText(req: IncomingMessage): Promise<string> {
  let body = '';
  req.setEncoding('utf8');
  for await (const chunk of req) body += String(chunk);
  const parsed = JSON.parse(body) as { text?: unknown };
  return typeof parsed.text === 'string' ? parsed.text : '';
}

const sse = (res: ServerResponse, event: unknown) => res.write(`data: ${JSON.stringify(event)}\n\n`);

async function serveChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await readText(req);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const itemId = `msg_floor_${++items}`;
  const lease = await providers.lease();
  try {
    let runner = runners.get(lease.provider);
    if (!runner) {
      runner = new Runner({ modelProvider: lease.provider, tracingDisabled: true });
      runners.set(lease.provider, runner);
    }
    const result = await runner.run(agent, text, { stream: true });
    let answer = '';
    for await (const ev of result) {
      if (ev.type !== 'raw_model_stream_event' || ev.data.type !== 'output_text_delta') continue;
      answer += ev.data.delta;
      sse(res, {
        type: 'thread.item.updated',
        item_id: itemId,
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: ev.data.delta },
      });
    }
    await result.completed;
    sse(res, {
      type: 'thread.item.done',
      item: { id: itemId, type: 'assistant_message', content: [{ type: 'output_text', text: answer, annotations: [] }] },
    });
  } catch (err) {
    sse(res, { type: 'error', message: String(err) });
  } finally {
    lease.release();
    res.end();
  }
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/chat') {
    serveChat(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
    return;
  }
  res.writeHead(req.url === '/readyz' ? 200 : 404).end();
});
server.requestTimeout = 0;
server.headersTimeout = 0;
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  console.log(`http://127.0.0.1:${address.port}`);
});

const shutdown = () => {
  server.closeAllConnections();
  server.close();
  void providers.close().finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
