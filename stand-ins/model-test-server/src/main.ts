// CLI for the model test server: `npm start` runs it as the embedded model when OPENAI_API_KEY is
// unset. Prints the baseURL alone on stdout. Hand-written: no package serves Responses offline.
import { parseArgs } from 'node:util';
import { startModelTestServer } from './server.ts';

const USAGE =
  'usage: model-test-server [--port N] [--image-bytes N] [--delta-delay-ms N] [--text-deltas N] [--host H] [--stamp] [--background-ttl-ms N] [--exit-with-parent]';

function numberArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    console.error(`--${name} must be a non-negative number\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'image-bytes': { type: 'string' },
    'delta-delay-ms': { type: 'string' },
    'text-deltas': { type: 'string' },
    host: { type: 'string' },
    // Every text delta starts with its send time (src/stamp.ts), for benchmarks.
    stamp: { type: 'boolean' },
    // How long background responses stay retrievable after their last event.
    'background-ttl-ms': { type: 'string' },
    // Stop when the launching process is gone (npm start killed with SIGKILL): never outlive it.
    'exit-with-parent': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const server = await startModelTestServer({
  port: numberArg('port', values.port),
  imageBytes: numberArg('image-bytes', values['image-bytes']),
  // A human watching `npm start` should see text arrive, not appear at once.
  deltaDelayMs: numberArg('delta-delay-ms', values['delta-delay-ms']) ?? 20,
  textDeltas: numberArg('text-deltas', values['text-deltas']),
  host: values.host,
  stamp: values.stamp ?? false,
  backgroundTtlMs: numberArg('background-ttl-ms', values['background-ttl-ms']),
  // A long-running dev server keeps a bounded log (GET /__control/requests shows the latest).
  maxRecorded: 1000,
});
// stdout carries only the baseURL so a parent process can read it; diagnostics go to stderr.
console.log(server.baseURL);
console.error(
  `model test server: ${server.baseURL} (HTTP + WebSocket mode); faults via POST /__control/faults or [fault:429|500|drop] in a message; scripted answers via [flow:reasoning|annotations|function_call:<tool>|image_only|…] (see README.md)`,
);

const shutdown = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
if (values['exit-with-parent']) {
  const parent = process.ppid;
  // Reparenting changes ppid when the parent dies; there is no event for it.
  setInterval(() => {
    if (process.ppid !== parent) shutdown();
  }, 1_000).unref();
}
