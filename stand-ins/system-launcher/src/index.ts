// @switchyard/system-launcher: boots the whole system for `npm start` and the end-to-end suites — the
// embedded dependencies (Redis, MongoDB, model) and the three services as child processes.
export { startEmbeddedDependencies, startMongoTestServerProcess, type EmbeddedDependencies } from './embedded-dependencies.ts';
export { REPO_ROOT, spawnProcess, spawnService, waitForHttpOk, type ServiceName, type ServiceProcess } from './service-process.ts';
