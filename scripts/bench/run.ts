// The benchmark itself (`npm run bench`, scripts/bench/main.ts; the smoke test calls it tiny): one
// stamping Responses upstream (the model test server in its own process), and against it, per model
// transport, two targets — the floor (the Agents SDK serving SSE in one process, floor-server.ts) and
// the whole Switchyard system (startSystem: gateway, generation worker, ingest worker, private Redis,
// the MongoDB test server in its own process) — each driven through the same scenarios by clients in
// this process. Figures per target and scenario: POST → headers, POST → first delta, per-delta
// latency (receive time − the delta's send stamp), delivered deltas/s, CPU and peak RSS per process,
// and for Switchyard BullMQ enqueue → worker start.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { createQueue, RUNS_QUEUE } from '@switchyard/queues';
import { createRedis } from '@switchyard/redis-connection';
import { spawnProcess, startMongoTestServerProcess, type ServiceProcess } from '@switchyard/system-launcher';
import { startSystem, type System } from '../../test/kit/system.ts';
import { chat, closeClientSockets, type ChatResult } from './client.ts';
import { measure, type Watched } from './procs.ts';

const require = createRequire(import.meta.url);
const TSX = require.resolve('tsx');

export type Transport = 'http' | 'websocket';
export type Target = 'floor' | 'switchyard';
export type ScenarioKind = 'steady' | 'burst' | 'perrun';

export interface ScenarioSpec {
  /** Name in tables and charts, e.g. `steady100`. */
  name: string;
  /**
   * steady: `concurrency` clients, each running chats back to back (`chats / concurrency` rounds),
   * their first starts spread over one answer's duration so the load is level; burst: `chats` chats
   * whose starts are spread evenly over `spreadMs`; perrun: `chats` chats, `concurrency` at a time.
   */
  kind: ScenarioKind;
  concurrency: number;
  chats: number;
  /** Text deltas per answer. */
  deltas: number;
  /** burst: the starts are spread over this many ms. */
  spreadMs?: number;
}

export interface BenchOptions {
  transports: Transport[];
  targets: Target[];
  scenarios: ScenarioSpec[];
  /** Pause before each text delta in the upstream (ms). */
  deltaDelayMs: number;
  /** Unmeasured chats per target before its first scenario (JIT, pools, sockets). */
  warmupChats: number;
  log: (line: string) => void;
}

export interface Summary {
  p50: number;
  p99: number;
  n: number;
}

export interface PhaseResult {
  transport: Transport;
  target: Target;
  scenario: ScenarioSpec;
  chats: number;
  failed: number;
  errors: string[];
  deltasExpected: number;
  deltasReceived: number;
  wallMs: number;
  headers: Summary;
  firstDelta: Summary;
  deltaLatency: Summary;
  deltasPerSecond: number;
  /** CPU ms used in the phase by each process of the target. */
  cpuMs: Record<string, number>;
  /** Peak RSS (MiB) in the phase of each process of the target. */
  rssMiB: Record<string, number>;
  /** CPU ms of processes that are neither target: the upstream and this process (the clients). */
  otherCpuMs: Record<string, number>;
  rssPerPhase: boolean;
  /** BullMQ job.processedOn − job.timestamp (Switchyard only), ms. */
  queueWait: Summary | null;
  /**
   * Switchyard only, the first delta's path in stages (wall clock, ms resolution): POST start →
   * job enqueued (job.timestamp), enqueued → worker start (= queueWait), worker start → first delta
   * at the client.
   */
  stages: { postToEnqueue: Summary; startToFirstDelta: Summary } | null;
  /**
   * Switchyard only: the phase's Redis commands (`INFO commandstats`: calls and µs inside Redis,
   * commands run by scripts counted too) and MongoDB commands (the test server's `serverStatus`:
   * count and µs it spent), summed over the phase.
   */
  operations?: Operations | null;
}

export interface Operations {
  redis: Record<string, { calls: number; usec: number }>;
  mongo: Record<string, { calls: number; usec: number }>;
}

export interface Machine {
  date: string;
  commit: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  redis: string;
}

export interface BenchResult {
  machine: Machine;
  options: Omit<BenchOptions, 'log'>;
  phases: PhaseResult[];
}

export const PROCESS_LABELS = {
  floor: ['floor server'],
  switchyard: ['gateway', 'generation worker', 'ingest worker', 'redis-server', 'mongo test server'],
} as const;
export const UPSTREAM_LABEL = 'model test server (upstream)';
export const CLIENT_LABEL = 'benchmark process (clients)';

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(xs: number[]): Summary {
  const finite = xs.filter((x) => Number.isFinite(x));
  // Typed arrays sort numerically and fast; the delta latencies run to 10^5 samples.
  const sorted = Array.from(Float64Array.from(finite).sort());
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

/** A user message long enough that the upstream can cut its echo into a few hundred deltas. */
function chatText(i: number): string {
  const story = 'Tell me a long story about trains crossing the mountains at dawn, the stations they pass and the people waiting there';
  return `Chat ${i}. ${story}. ${story}.`.slice(0, 240);
}

function waitForLine(proc: ServiceProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const line = proc.output.find((l) => pattern.test(l));
      if (line) return line.trim();
      if (proc.child.exitCode !== null)
        throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output.slice(-20).join('\n')}`);
      if (Date.now() > deadline)
        throw new Error(`${proc.name} printed no ${pattern} in ${timeoutMs} ms:\n${proc.output.slice(-20).join('\n')}`);
      await sleep(50);
    }
  })();
}

/** Runs `node --import tsx <entry> …args` and waits for the URL it prints. */
async function spawnTs(
  label: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ proc: ServiceProcess; url: string }> {
  const proc = spawnProcess(['--import', TSX, entry, ...args], { label, env });
  try {
    const url = await waitForLine(proc, /^http:\/\//, 60_000);
    return { proc, url };
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
}

interface Upstream {
  proc: ServiceProcess;
  baseURL: string;
  configure(settings: { deltaDelayMs: number; textDeltas: number }): Promise<void>;
}

async function startUpstream(deltaDelayMs: number): Promise<Upstream> {
  const { proc, url } = await spawnTs(
    'model-test-server',
    'stand-ins/model-test-server/src/main.ts',
    ['--stamp', '--delta-delay-ms', String(deltaDelayMs), '--text-deltas', '12'],
    {},
  );
  const control = `${url.replace(/\/v1$/, '')}/__control/settings`;
  return {
    proc,
    baseURL: url,
    async configure(settings) {
      const res = await fetch(control, { method: 'POST', body: JSON.stringify({ ...settings, stamp: true }) });
      if (!res.ok) throw new Error(`upstream settings refused: ${res.status} ${await res.text()}`);
    },
  };
}

/** Drives one scenario through `once(i)` and returns every chat's result and the phase's wall time. */
async function drive(
  spec: ScenarioSpec,
  deltaDelayMs: number,
  once: (i: number) => Promise<ChatResult>,
): Promise<{ results: ChatResult[]; wallMs: number }> {
  const results: ChatResult[] = [];
  const t0 = performance.now();
  if (spec.kind === 'burst') {
    const spread = spec.spreadMs ?? 1000;
    await Promise.all(
      Array.from({ length: spec.chats }, async (_, i) => {
        await sleep((i * spread) / spec.chats);
        results.push(await once(i));
      }),
    );
  } else {
    const slots = Math.max(1, Math.min(spec.concurrency, spec.chats));
    let next = 0;
    // Steady load: the slots' first chats start spread over one answer, so as many end as start.
    const answerMs = spec.deltas * deltaDelayMs;
    await Promise.all(
      Array.from({ length: slots }, async (_, slot) => {
        if (spec.kind === 'steady') await sleep((slot * answerMs) / slots);
        while (next < spec.chats) results.push(await once(next++));
      }),
    );
  }
  return { results, wallMs: performance.now() - t0 };
}

interface TargetHandle {
  target: Target;
  watched: Watched[];
  once: (i: number) => Promise<ChatResult>;
  jobTimes?: (runIds: string[]) => Promise<Map<string, { enqueued: number; started: number }>>;
  /** Cumulative command counters of the target's Redis and MongoDB (a phase takes the difference). */
  operations?: () => Promise<Operations>;
  stop(): Promise<void>;
}

async function startFloor(transport: Transport, upstream: Upstream, concurrency: number): Promise<TargetHandle> {
  const { proc, url } = await spawnTs('floor-server', 'scripts/bench/floor-server.ts', [], {
    FLOOR_MODEL_BASE_URL: upstream.baseURL,
    FLOOR_TRANSPORT: transport,
    FLOOR_CONCURRENCY: String(concurrency),
  });
  return {
    target: 'floor',
    watched: [{ label: 'floor server', pid: proc.pid }],
    once: (i) => chat(`${url}/chat`, { text: chatText(i) }),
    stop: () => proc.stop(),
  };
}

/** CPU_PROFILE_DIR=<dir> profiles every service process and the MongoDB test server (scripts/bench/cpu-profile.mjs). */
function profileEnv(): Record<string, string> {
  const dir = process.env.CPU_PROFILE_DIR;
  return dir ? { NODE_OPTIONS: `--import ${new URL('./cpu-profile.mjs', import.meta.url).pathname}`, CPU_PROFILE_DIR: dir } : {};
}

async function startSwitchyard(transport: Transport, upstream: Upstream, concurrency: number, deltaDelayMs: number): Promise<TargetHandle> {
  // The MongoDB test server runs in its own process, so its CPU is measured apart from the clients':
  // startSystem uses MONGODB_URL when set (with a fresh database it drops at stop()).
  const mongo = await startMongoTestServerProcess({ env: profileEnv() });
  const savedMongoUrl = process.env.MONGODB_URL;
  process.env.MONGODB_URL = mongo.url;
  let sys: System;
  try {
    sys = await startSystem({
      transport,
      deltaDelayMs,
      env: {
        // Every model call goes to the one stamping upstream (startSystem's embedded model stays idle).
        OPENAI_API_KEY: 'bench',
        OPENAI_BASE_URL: upstream.baseURL,
        WORKER_CONCURRENCY: String(concurrency),
        LOG_LEVEL: 'warn',
        SSE_HEARTBEAT_MS: '15000',
        MAX_CONCURRENT_RUNS_PER_USER: '0',
        RATE_LIMIT_PER_MINUTE: '0',
        // MODEL_BACKGROUND=true measures background mode (docs/resume.md): what a resumable run costs.
        ...(process.env.MODEL_BACKGROUND ? { MODEL_BACKGROUND: process.env.MODEL_BACKGROUND } : {}),
        ...profileEnv(),
      },
    });
  } catch (err) {
    await mongo.close();
    throw err;
  } finally {
    if (savedMongoUrl === undefined) delete process.env.MONGODB_URL;
    else process.env.MONGODB_URL = savedMongoUrl;
  }
  const gateway = sys.gateways[0]!;
  const runsQueue = createQueue(RUNS_QUEUE, { redisUrl: sys.redisUrl });
  const statsRedis = createRedis(sys.redisUrl, { name: 'bench-stats' });
  const statsMongo = await new MongoClient(mongo.url, { serverSelectionTimeoutMS: 5_000 }).connect();
  const redisPid = sys.embedded.redis?.pid;
  if (redisPid === undefined) throw new Error('startSystem ran no private redis-server');
  return {
    target: 'switchyard',
    watched: [
      { label: 'gateway', pid: gateway.process.pid },
      { label: 'generation worker', pid: sys.worker.pid },
      { label: 'ingest worker', pid: sys.ingest.pid },
      { label: 'redis-server', pid: redisPid },
      { label: 'mongo test server', pid: mongo.pid },
    ],
    once: (i) =>
      chat(
        `${gateway.url}/chatkit`,
        {
          type: 'threads.create',
          params: { input: { content: [{ type: 'input_text', text: chatText(i) }], attachments: [], inference_options: {} } },
        },
        { 'x-switchyard-user': `bench-user-${i % 1000}` },
      ),
    async jobTimes(runIds) {
      const jobs = await Promise.all(runIds.map((id) => runsQueue.getJob(id)));
      const out = new Map<string, { enqueued: number; started: number }>();
      for (const j of jobs) if (j?.id && j.processedOn) out.set(j.id, { enqueued: j.timestamp, started: j.processedOn });
      return out;
    },
    async operations() {
      const redis: Operations['redis'] = {};
      for (const line of (await statsRedis.info('commandstats')).split('\n')) {
        const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
        if (m) redis[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
      }
      const status = await statsMongo.db('admin').command({ serverStatus: 1 });
      const commands = (status.metrics?.commands ?? {}) as Record<string, { total: number }>;
      const micros = (status.switchyardTestServer?.micros ?? {}) as Record<string, number>;
      const mongoOps: Operations['mongo'] = {};
      for (const [name, c] of Object.entries(commands)) mongoOps[name] = { calls: Number(c.total), usec: micros[name] ?? 0 };
      return { redis, mongo: mongoOps };
    },
    async stop() {
      statsRedis.disconnect();
      await statsMongo.close();
      await runsQueue.close();
      await sys.stop();
      await mongo.close();
    },
  };
}

async function runPhase(
  handle: TargetHandle,
  transport: Transport,
  spec: ScenarioSpec,
  upstream: Upstream,
  deltaDelayMs: number,
): Promise<PhaseResult> {
  await upstream.configure({ deltaDelayMs, textDeltas: spec.deltas });
  const others: Watched[] = [
    { label: UPSTREAM_LABEL, pid: upstream.proc.pid },
    { label: CLIENT_LABEL, pid: process.pid },
  ];
  const opsBefore = handle.operations ? await handle.operations() : null;
  const meter = measure([...handle.watched, ...others]);
  const { results, wallMs } = await drive(spec, deltaDelayMs, handle.once);
  const usage = meter.stop();
  const opsAfter = opsBefore && handle.operations ? await handle.operations() : null;
  const own = new Set(handle.watched.map((w) => w.label));
  const pick = (m: Record<string, number>, keep: boolean) =>
    Object.fromEntries(
      Object.entries(m)
        .filter(([k]) => own.has(k) === keep)
        .map(([k, v]) => [k, v * 1000]),
    );
  const failed = results.filter((r) => !r.ok);
  const deltasReceived = results.reduce((a, r) => a + r.deltaLatencies.length, 0);
  const runIds = results.flatMap((r) => (r.runId ? [r.runId] : []));
  const jobs = handle.jobTimes ? await handle.jobTimes(runIds) : null;
  const withJob = jobs ? results.flatMap((r) => (r.runId && jobs.has(r.runId) ? [{ r, job: jobs.get(r.runId)! }] : [])) : [];
  return {
    transport,
    target: handle.target,
    scenario: spec,
    chats: results.length,
    failed: failed.length,
    errors: [...new Set(failed.map((r) => r.error ?? `HTTP ${r.status}`))].slice(0, 3),
    deltasExpected: results.length * spec.deltas,
    deltasReceived,
    wallMs,
    headers: summarize(results.map((r) => r.headersMs)),
    firstDelta: summarize(results.map((r) => r.firstDeltaMs)),
    deltaLatency: summarize(results.flatMap((r) => r.deltaLatencies)),
    deltasPerSecond: deltasReceived / (wallMs / 1000),
    cpuMs: pick(usage.cpu, true),
    rssMiB: Object.fromEntries(Object.entries(usage.rss).filter(([k]) => own.has(k))),
    otherCpuMs: pick(usage.cpu, false),
    rssPerPhase: usage.rssPerPhase,
    queueWait: jobs ? summarize(withJob.map(({ job }) => job.started - job.enqueued)) : null,
    operations: opsBefore && opsAfter ? diffOperations(opsBefore, opsAfter) : null,
    stages: jobs
      ? {
          postToEnqueue: summarize(withJob.map(({ r, job }) => job.enqueued - r.wallStart)),
          startToFirstDelta: summarize(withJob.map(({ r, job }) => r.wallStart + r.firstDeltaMs - job.started)),
        }
      : null,
  };
}

function diffOperations(before: Operations, after: Operations): Operations {
  const diff = (a: Operations['redis'], b: Operations['redis']) =>
    Object.fromEntries(
      Object.entries(b)
        .map(([name, v]) => [name, { calls: v.calls - (a[name]?.calls ?? 0), usec: v.usec - (a[name]?.usec ?? 0) }] as const)
        .filter(([, v]) => v.calls > 0),
    );
  return { redis: diff(before.redis, after.redis), mongo: diff(before.mongo, after.mongo) };
}

function machineFacts(): Machine {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  const redis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return {
    date: new Date().toISOString(),
    commit: `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty ? ' (with uncommitted changes)' : ''}`,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    redis: /v=([\d.]+)/.exec(redis)?.[1] ?? 'unknown',
  };
}

export async function runBenchmark(opts: BenchOptions): Promise<BenchResult> {
  const { log } = opts;
  const machine = machineFacts();
  const concurrency = Math.max(1, ...opts.scenarios.map((s) => (s.kind === 'burst' ? s.chats : s.concurrency)));
  const phases: PhaseResult[] = [];
  const upstream = await startUpstream(opts.deltaDelayMs);
  try {
    for (const transport of opts.transports) {
      for (const target of opts.targets) {
        log(`[bench] ${target} over ${transport}: starting`);
        const handle =
          target === 'floor'
            ? await startFloor(transport, upstream, concurrency)
            : await startSwitchyard(transport, upstream, concurrency, opts.deltaDelayMs);
        try {
          if (opts.warmupChats > 0) {
            await upstream.configure({ deltaDelayMs: opts.deltaDelayMs, textDeltas: 5 });
            const warm: ScenarioSpec = {
              name: 'warm-up',
              kind: 'perrun',
              concurrency: Math.min(10, opts.warmupChats),
              chats: opts.warmupChats,
              deltas: 5,
            };
            await drive(warm, opts.deltaDelayMs, handle.once);
          }
          for (const spec of opts.scenarios) {
            log(`[bench] ${target} over ${transport}: ${spec.name} (${spec.chats} chats × ${spec.deltas} deltas)`);
            const phase = await runPhase(handle, transport, spec, upstream, opts.deltaDelayMs);
            if (phase.failed > 0) log(`[bench]   ${phase.failed} chats failed: ${phase.errors.join('; ')}`);
            phases.push(phase);
          }
        } finally {
          await handle.stop();
        }
      }
    }
  } finally {
    await upstream.proc.stop();
    closeClientSockets();
  }
  const { log: _log, ...rest } = opts;
  return { machine, options: rest, phases };
}

/** The standard scenarios at full size (or `quick`: smaller answers and fewer rounds). */
export function standardScenarios(sizes: {
  deltas: number;
  rounds: number;
  burstChats: number;
  burstSpreadMs: number;
  perRunChats: number;
  perRunConcurrency: number;
}): Record<string, ScenarioSpec> {
  return {
    steady10: { name: 'steady10', kind: 'steady', concurrency: 10, chats: 10 * sizes.rounds, deltas: sizes.deltas },
    steady100: { name: 'steady100', kind: 'steady', concurrency: 100, chats: 100 * sizes.rounds, deltas: sizes.deltas },
    burst: {
      name: 'burst',
      kind: 'burst',
      concurrency: sizes.burstChats,
      chats: sizes.burstChats,
      deltas: sizes.deltas,
      spreadMs: sizes.burstSpreadMs,
    },
    perrun: { name: 'perrun', kind: 'perrun', concurrency: sizes.perRunConcurrency, chats: sizes.perRunChats, deltas: 1 },
  };
}
