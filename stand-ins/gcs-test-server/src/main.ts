// CLI for the GCS test server: `tsx stand-ins/gcs-test-server/src/main.ts [--port N] [--bucket NAME]...`.
// Prints the two ways to point @google-cloud/storage at it and runs until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { startGcsTestServer } from './gcs-test-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '0' },
    bucket: { type: 'string', multiple: true, default: [] },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`gcs-test-server: invalid --port ${values.port}`);
  process.exit(2);
}

const server = await startGcsTestServer({ port, buckets: values.bucket });
console.log(`gcs-test-server listening on ${server.url} (in-memory; contents are lost on exit)`);
console.log(`  apiEndpoint: '${server.url}'   or   STORAGE_EMULATOR_HOST=${server.url}`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('gcs-test-server: close failed', err);
        process.exit(1);
      },
    );
  });
}
