// Public entry of @switchyard/gcs-test-server: a hand-written GCS JSON/XML API test server for tests
// and local runs, since no real emulator can run in this environment.

export { startGcsTestServer } from './gcs-test-server.ts';
export type { GcsTestServer, GcsTestServerOptions } from './gcs-test-server.ts';
