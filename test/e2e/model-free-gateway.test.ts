// The gateway never loads a model SDK: the app is named by module and an app loads its agent only in
// the generation worker. Every module each service resolves is recorded (a resolve hook preloaded
// through NODE_OPTIONS) while a chat runs end to end, for the built-in app and the example app.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

const RECORDER = fileURLToPath(new URL('../fixtures/module-recorder.mjs', import.meta.url));
const AGENTS_SDK = /\/node_modules\/@openai\/agents(-core|-openai)?\//;
const OPENAI_CLIENT = /\/node_modules\/openai\//;

let sys: System | undefined;
let logDir: string | undefined;
afterEach(async () => {
  await sys?.stop();
  sys = undefined;
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

/** Module URLs per service name, from the recorder's files. */
function loadedModules(dir: string): Map<string, string[]> {
  const byService = new Map<string, string[]>();
  for (const f of readdirSync(dir)) {
    const service = f.replace(/-\d+\.log$/, '');
    byService.set(service, [...(byService.get(service) ?? []), ...readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)]);
  }
  return byService;
}

const apps: Array<[string, Record<string, string>]> = [
  ['the built-in app (SWITCHYARD_APP unset)', {}],
  ['the example app', { SWITCHYARD_APP: fileURLToPath(new URL('../../examples/image-designer/src/app.ts', import.meta.url)) }],
];

describe('the gateway loads no model SDK', () => {
  it.each(apps)('%s: the worker runs the agent, the gateway never resolves @openai/agents or openai', async (_name, env) => {
    logDir = mkdtempSync(join(tmpdir(), 'switchyard-modules-'));
    sys = await startSystem({ transport: 'http', env: { ...env, MODULE_LOG_DIR: logDir, NODE_OPTIONS: `--import ${RECORDER}` } });
    const s = await postChatKit(sys.gateways[0]!.url, {
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: 'hello there' }], attachments: [], inference_options: {} } },
    });
    await s.done;
    const types = s.events.map((e) => (e.data as { type: string }).type);
    expect(types).toContain('thread.item.done');
    expect(types).not.toContain('error');

    const modules = loadedModules(logDir);
    const gateway = modules.get('gateway') ?? [];
    const worker = modules.get('generation-worker') ?? [];
    // The recorder saw both processes, and the worker did load the SDK: the check below can fail.
    expect(gateway.some((u) => u.includes('/express/'))).toBe(true);
    expect(worker.some((u) => AGENTS_SDK.test(u))).toBe(true);
    expect(gateway.filter((u) => AGENTS_SDK.test(u) || OPENAI_CLIENT.test(u))).toEqual([]);
  });
});
