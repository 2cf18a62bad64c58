// @switchyard/mongo-test-server: an in-memory server speaking MongoDB's wire protocol, for tests and
// the embedded dev default. Hand-written because no package offers a MongoDB server that runs here.
export { startMongoTestServer } from './server.ts';
export type { MongoTestServer, MongoTestServerOptions } from './server.ts';
