// CLI for the embedded MongoDB-compatible default: starts the server and prints its URL on stdout.
// Usage: tsx stand-ins/mongo-test-server/src/main.ts [--port 27018] [--host 127.0.0.1] [--exit-with-parent]
// --exit-with-parent: stop when the launching process is gone (npm start killed with SIGKILL), so a
// child started by the launcher never outlives it holding its port and memory.
import { parseArgs } from 'node:util';
import { startMongoTestServer } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, 'exit-with-parent': { type: 'boolean' } } });
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port: ${String(values.port)}`);
  process.exit(2);
}

const server = await startMongoTestServer({ host: values.host, port });
console.log(server.url);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}

if (values['exit-with-parent']) {
  const parent = process.ppid;
  // Reparenting changes ppid when the parent dies; there is no event for it.
  setInterval(() => {
    if (process.ppid !== parent) void server.close().then(() => process.exit(0));
  }, 1_000).unref();
}
