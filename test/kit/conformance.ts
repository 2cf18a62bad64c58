// The system the conformance suites drive: the real services running the scripted conformance app
// (test/fixtures/conformance-app.ts) with the reference's disconnect behaviour (cancel).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSystem, type System } from './system.ts';

export interface ConformanceSystem extends System {
  url: string;
  /** Calls the app's hooks recorded (feedback, actions, respond), oldest first. */
  hookLog(): Array<{ kind: string; data: Record<string, unknown> }>;
  clearHookLog(): void;
}

export async function startConformanceSystem(env: Record<string, string> = {}): Promise<ConformanceSystem> {
  const log = join(mkdtempSync(join(tmpdir(), 'switchyard-conformance-')), 'hooks.jsonl');
  writeFileSync(log, '');
  const sys = await startSystem({
    transport: 'http',
    env: {
      SWITCHYARD_APP: fileURLToPath(new URL('../fixtures/conformance-app.ts', import.meta.url)),
      CONFORMANCE_LOG: log,
      DISCONNECT_POLICY: 'cancel',
      ...env,
    },
  });
  return {
    ...sys,
    url: sys.gateways[0]!.url,
    hookLog: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> }),
    clearHookLog: () => writeFileSync(log, ''),
  };
}
