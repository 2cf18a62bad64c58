// Starting Switchyard's services as real child processes (for `npm start` and the end-to-end
// suites): TypeScript run through tsx, env passed explicitly, output prefixed, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export type ServiceName = 'gateway' | 'generation-worker' | 'image-ingest-worker';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Lines the process printed (kept for assertions and failure reports). */
  output: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** A label for log prefixes, e.g. `gateway-b`. */
  label?: string;
  /** Forward output to this process's stdout (npm start) instead of only keeping it. */
  inheritOutput?: boolean;
  maxOutputLines?: number;
}

/**
 * Turns a stream's chunks into whole lines. A pipe chunk can end mid-line (a long JSON log line,
 * or a write racing the reader), and tests search these lines, so the unfinished tail is carried
 * to the next chunk and flushed at the end.
 */
export function lineReader(onLine: (line: string) => void): { data: (chunk: string) => void; end: () => void } {
  let tail = '';
  return {
    data: (chunk) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop() ?? '';
      lines.forEach(onLine);
    },
    end: () => {
      onLine(tail);
      tail = '';
    },
  };
}

export function spawnService(service: ServiceName, opts: SpawnOptions): ServiceProcess {
  const entry = join(REPO_ROOT, 'services', service, 'src', 'main.ts');
  return spawnProcess(['--import', require.resolve('tsx'), entry], { ...opts, label: opts.label ?? service });
}

/**
 * Runs `node <args>` in `cwd` (the repository unless given) with only PATH, HOME and `opts.env`:
 * a service, or a container's command run in a tree laid out as its image (the compose test).
 */
export function spawnProcess(args: string[], opts: SpawnOptions & { label: string; cwd?: string }): ServiceProcess {
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { label } = opts;
  const output: string[] = [];
  const max = opts.maxOutputLines ?? 5_000;
  const keep = (line: string) => {
    if (!line) return;
    output.push(line);
    if (output.length > max) output.shift();
    if (opts.inheritOutput) process.stdout.write(`[${label}] ${line}\n`);
  };
  for (const stream of [child.stdout, child.stderr]) {
    const reader = lineReader(keep);
    // setEncoding also keeps a multi-byte character split across chunks whole.
    stream?.setEncoding('utf8');
    stream?.on('data', reader.data);
    stream?.on('end', () => reader.end());
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: label,
    child,
    pid: child.pid ?? -1,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls a URL until it answers 200 (readiness), failing with the service output on timeout. */
export async function waitForHttpOk(url: string, timeoutMs: number, services: ServiceProcess[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    for (const s of services) {
      if (s.child.exitCode !== null) throw new Error(`${s.name} exited with ${s.child.exitCode}:\n${s.output.slice(-30).join('\n')}`);
    }
    try {
      const res = await fetch(url);
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tails = services.map((s) => `--- ${s.name}\n${s.output.slice(-20).join('\n')}`).join('\n');
  throw new Error(`${url} not ready after ${timeoutMs} ms (last: ${last})\n${tails}`);
}
