// `npm start`: the whole system on this machine. Starts each embedded default that no setting
// replaces, then the gateway, one generation worker and one image-ingest worker as child
// processes, waits for /readyz and prints a curl that streams an answer with an image.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { demoPageEnabled, loadConfig } from '@switchyard/config';
import { REPO_ROOT, spawnService, startEmbeddedDependencies, waitForHttpOk, type ServiceProcess } from '@switchyard/system-launcher';

const announce = (line: string) => console.log(`[switchyard] ${line}`);
const port = process.env.PORT ?? '8080';

const embedded = await startEmbeddedDependencies({
  env: process.env,
  announce,
  blobRoot: join(REPO_ROOT, '.data', 'blobs'),
  model: { deltaDelayMs: 20, imageBytes: 400_000 },
  // Its own process, like MongoDB's: under a burst neither shares this event loop.
  modelServer: 'own-process',
});
const env: Record<string, string> = {
  ...(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>),
  ...embedded.env,
  PORT: port,
};
if (!process.env.SWITCHYARD_APP) {
  env.SWITCHYARD_APP = join(REPO_ROOT, 'examples', 'image-designer', 'src', 'app.ts');
  announce(
    'embedded default: the example app examples/image-designer (image designer agent, palette widget, client tool); set SWITCHYARD_APP to your own module',
  );
}
if (!process.env.HOST) {
  env.HOST = '127.0.0.1';
  announce('embedded default: HOST=127.0.0.1 (only this machine can reach the gateway; set HOST=0.0.0.0 to listen on every interface)');
}
if (!process.env.NODE_ENV) {
  env.NODE_ENV = 'development';
  announce('embedded default: NODE_ENV=development (requests without credentials act as user "dev"; X-Switchyard-User picks another)');
}
// Without credentials the operations pages are not mounted; a person running `npm start` wants them.
const randomOpsTokens = !process.env.OPS_VIEWER_TOKEN && !process.env.OPS_OPERATOR_TOKEN;
if (randomOpsTokens) {
  env.OPS_VIEWER_TOKEN = randomBytes(12).toString('hex');
  env.OPS_OPERATOR_TOKEN = randomBytes(12).toString('hex');
  announce('embedded default: random OPS_VIEWER_TOKEN and OPS_OPERATOR_TOKEN for /ops and /admin/queues (printed when ready)');
}

const services: ServiceProcess[] = [
  spawnService('gateway', { env, inheritOutput: true }),
  spawnService('generation-worker', { env, inheritOutput: true }),
  spawnService('image-ingest-worker', { env, inheritOutput: true }),
];

let stopping = false;
const stopAll = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await Promise.all(services.map((s) => s.stop()));
  await embedded.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// The embedded MongoDB and model servers run in their own processes too: without them nothing works.
for (const s of [...services, ...[embedded.mongoProcess, embedded.modelProcess].filter((p) => p !== undefined)]) {
  void s.exited.then((code) => {
    if (!stopping) {
      announce(`${s.name} exited with code ${code}; stopping everything`);
      void stopAll(1);
    }
  });
}

try {
  await waitForHttpOk(`http://127.0.0.1:${port}/readyz`, 60_000, services);
} catch (err) {
  announce(String(err));
  await stopAll(1);
}
announce(`ready: http://localhost:${port}  (GET /readyz answers 200)`);
// The gateway has started, so this environment is a valid configuration.
if (demoPageEnabled(loadConfig(env))) {
  announce(`demo chat page: http://localhost:${port}/`);
}
const opsLogin = randomOpsTokens
  ? `user operator, password ${env.OPS_OPERATOR_TOKEN} (or viewer / ${env.OPS_VIEWER_TOKEN})`
  : 'your OPS_OPERATOR_TOKEN / OPS_VIEWER_TOKEN';
announce(`live operations page: http://localhost:${port}/ops  (${opsLogin})`);
announce(`queue dashboard: http://localhost:${port}/admin/queues  (operator; viewers use /admin/queues/view)`);
announce('stream an answer with a generated image:');
console.log(
  `\n  curl -N http://localhost:${port}/chatkit -H 'Content-Type: application/json' \\\n` +
    `    -d '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"Please draw a lighthouse at dusk"}],"attachments":[],"inference_options":{}}}}'\n`,
);
