// The seven faults of the chaos campaign, each injected while runs are in flight and each followed
// by its repair (the victim restarted, resumed or replaced), so the system keeps its size. Victims
// are chosen from what the system shows: a generation worker's `run started`/`run finished` log
// lines say which runs it holds, the clients say which gateway streams to them, and the image-ingest
// queue's active list in Redis says which ingest jobs are in progress.
import type { RedisClient } from '@switchyard/redis-connection';
import { startRedisServer } from '@switchyard/redis-server';
import type { ServiceProcess } from '@switchyard/system-launcher';
import type { System } from '../kit/system.ts';
import type { RunKind, RunRecord } from './run-client.ts';

export const FAULT_TYPES = [
  'worker-sigkill',
  'gateway-sigkill',
  'ingest-sigkill',
  'worker-sigstop',
  'worker-sigterm',
  'redis-sigterm',
  'redis-sigkill',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export const FAULT_LABELS: Record<FaultType, string> = {
  'worker-sigkill': 'generation worker SIGKILL',
  'gateway-sigkill': 'gateway SIGKILL',
  'ingest-sigkill': 'ingest worker SIGKILL',
  'worker-sigstop': 'generation worker SIGSTOP/SIGCONT',
  'worker-sigterm': 'generation worker SIGTERM',
  'redis-sigterm': 'Redis SIGTERM + restart',
  'redis-sigkill': 'Redis SIGKILL + restart',
};

export interface FaultRecord {
  type: FaultType;
  victim: string;
  /** Runs in flight at any moment of [start, end] are the runs this fault affected. */
  start: number;
  end: number;
  /** Runs the victim generation worker held when the fault hit it. */
  heldRuns?: number;
  /** SIGTERM: the worker's exit code (null: killed by a signal, or still running after 40 s). */
  exitCode?: number | null;
  /** SIGTERM: from the signal to the exit. */
  exitAfterMs?: number;
  /** SIGTERM: runs the worker was still working on when its drain time ran out (by its log's clock). */
  activeAtDrainEnd?: number;
  /** SIGTERM: runs the worker had started and neither finished nor handed off (by its log) when it exited. */
  unfinishedAtExit?: number;
  /** Ingest SIGKILL: jobs the killed worker held (stuck in `active` until their lock expires). */
  heldJobs?: number;
  /** Redis: from the signal to the restarted server accepting connections. */
  downtimeMs?: number;
  /** SIGSTOP: the frozen worker was gone at SIGCONT (how it exited, and its last output lines). */
  victimDied?: string;
}

export interface FaultContext {
  sys: System;
  rng: () => number;
  /** A Redis client of the campaign's own, for queue state. */
  observer: RedisClient;
  /** Runs whose clients are still following them. */
  inFlight: () => RunRecord[];
  /** Every run of the campaign so far. */
  allRuns: () => RunRecord[];
  /** The runs started for this fault. */
  episode: RunRecord[];
  /** Starts more runs for this fault (added to `episode`). */
  startRuns: (kind: RunKind, count: number) => RunRecord[];
  /** The workers' WORKER_DRAIN_MS. */
  drainMs: number;
  /** Processes the campaign has SIGSTOPped: resumed at teardown whatever happens. */
  stopped: Set<ServiceProcess>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pick = <T>(rng: () => number, xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
export const isLive = (p: ServiceProcess) => p.child.exitCode === null && p.child.signalCode === null;

/**
 * A fault that found no victim in time (nothing changed yet): the campaign records it as skipped
 * and goes on, and the suite fails on any skipped fault (a campaign must not pass by hitting nothing).
 */
export class FaultSkipped extends Error {}

/** Polls `probe` until it returns a value; on timeout throws FaultSkipped with `what` and the processes' last lines. */
async function waitFor<T>(
  ctx: FaultContext,
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      const tails = ctx.sys.processes.map((p) => `--- ${p.name}\n${p.output.slice(-5).join('\n')}`).join('\n');
      throw new FaultSkipped(`no ${what} within ${timeoutMs} ms\n${tails}`);
    }
    await sleep(25);
  }
}

// ── what a generation worker holds, from its log ────────────────────────────────────────────────

interface RunLine {
  msg: string;
  runId: string;
  /** The line's own timestamp (pino's `time`), ms since the epoch. */
  time: number;
}

/** The lines with which processRun stops working on a run (packages/chatkit-server/src/process-run/process-run.ts). */
const RUN_END_MESSAGES = new Set([
  'run finished',
  'run taken over by another worker; stopping this attempt',
  'drain time over; run handed to another worker',
  'could not claim the run',
  'run already ended by its previous attempt; stopping this attempt',
]);

function runLines(p: ServiceProcess): RunLine[] {
  const lines: RunLine[] = [];
  for (const line of p.output) {
    if (!line.includes('"runId"')) continue;
    try {
      const j = JSON.parse(line) as { msg?: unknown; runId?: unknown; time?: unknown };
      if (typeof j.msg === 'string' && typeof j.runId === 'string')
        lines.push({ msg: j.msg, runId: j.runId, time: Date.parse(String(j.time)) });
    } catch {
      // not a log line of ours
    }
  }
  return lines;
}

/** Runs the worker has started and not stopped working on, by its log (as of `at`, default now). */
export function activeRuns(p: ServiceProcess, at = Infinity): Set<string> {
  const active = new Set<string>();
  for (const l of runLines(p)) {
    if (l.time > at) break;
    if (l.msg === 'run started') active.add(l.runId);
    else if (RUN_END_MESSAGES.has(l.msg)) active.delete(l.runId);
  }
  return active;
}

function startsOf(p: ServiceProcess, runId: string): number {
  return runLines(p).filter((l) => l.msg === 'run started' && l.runId === runId).length;
}

/** A live generation worker that just started one of this episode's text runs (a run with seconds to go). */
function freshTextRunWorker(ctx: FaultContext): Promise<ServiceProcess> {
  return waitFor(ctx, 'generation worker starting one of the episode text runs', 30_000, () => {
    const ids = new Set(ctx.episode.filter((r) => r.kind === 'text' && r.runId && !r.ended).map((r) => r.runId!));
    const holders = ctx.sys.workers.filter((w) => isLive(w) && [...activeRuns(w)].some((id) => ids.has(id)));
    return holders.length > 0 ? pick(ctx.rng, holders) : undefined;
  });
}

// ── the faults ──────────────────────────────────────────────────────────────────────────────────

/** 1. A generation worker holding a run dies; another takes the run over once its lock expires. */
async function workerSigkill(ctx: FaultContext): Promise<FaultRecord> {
  const victim = await waitFor(ctx, 'generation worker holding an in-flight run', 30_000, () => {
    const ids = new Set(ctx.inFlight().flatMap((r) => (r.runId ? [r.runId] : [])));
    const holders = ctx.sys.workers.filter((w) => isLive(w) && [...activeRuns(w)].some((id) => ids.has(id)));
    return holders.length > 0 ? pick(ctx.rng, holders) : undefined;
  });
  const heldRuns = activeRuns(victim).size;
  const start = Date.now();
  await victim.stop('SIGKILL');
  await ctx.sys.restartProcess(victim.name);
  return { type: 'worker-sigkill', victim: victim.name, start, end: start, heldRuns };
}

/** 2. The gateway streaming to the most clients dies; they re-attach on the other one. Restarted 0–1 s later. */
async function gatewaySigkill(ctx: FaultContext): Promise<FaultRecord> {
  const gateway = await waitFor(ctx, 'gateway streaming to a client', 30_000, () => {
    const live = ctx.sys.gateways.filter((g) => isLive(g.process));
    const load = (url: string) => ctx.inFlight().filter((r) => r.gateway === url).length;
    const most = Math.max(0, ...live.map((g) => load(g.url)));
    const busiest = live.filter((g) => load(g.url) === most);
    return most > 0 ? pick(ctx.rng, busiest) : undefined;
  });
  const label = gateway.process.name;
  const start = Date.now();
  await gateway.process.stop('SIGKILL');
  await sleep(ctx.rng() * 1000);
  await ctx.sys.restartProcess(label);
  return { type: 'gateway-sigkill', victim: label, start, end: start };
}

const INGEST = '{sy:image-ingest}:image-ingest';

/**
 * 3. An image-ingest worker dies holding a job, which is recovered only when its lock expires (by
 * the other ingest worker or the restarted one). Which worker holds a job is not visible from
 * outside, so while jobs are active every ingest worker is frozen (SIGSTOP), all but the candidate
 * are resumed, and 0.45 s later the jobs still active are the candidate's: it is killed frozen. A
 * candidate holding none is resumed and the probe repeated (with more image runs if none are left).
 */
async function ingestSigkill(ctx: FaultContext): Promise<FaultRecord> {
  // Jobs active since the probe began: a job stuck since an earlier kill is nobody's now.
  const activeJobs = async (since: number) => {
    const ids = await ctx.observer.lrange(`${INGEST}:active`, 0, -1);
    const startedOn = await Promise.all(ids.map((id) => ctx.observer.hget(`${INGEST}:${id}`, 'processedOn')));
    return new Set(ids.filter((_, i) => Number(startedOn[i] ?? 0) >= since));
  };
  const freeze = (ps: ServiceProcess[], signal: 'SIGSTOP' | 'SIGCONT') => {
    for (const p of ps) {
      process.kill(p.pid, signal);
      if (signal === 'SIGSTOP') ctx.stopped.add(p);
      else ctx.stopped.delete(p);
    }
  };
  const deadline = Date.now() + 30_000;
  let victim: ServiceProcess | undefined;
  let held = new Set<string>();
  let start = Date.now();
  let lastStarted = Date.now();
  while (!victim && Date.now() < deadline) {
    const since = Date.now() - 2_000;
    if ((await activeJobs(since)).size === 0) {
      if (Date.now() - lastStarted > 3_000) {
        ctx.startRuns('image', 2);
        lastStarted = Date.now();
      }
      await sleep(20);
      continue;
    }
    const live = ctx.sys.ingests.filter(isLive);
    const candidate = pick(ctx.rng, live);
    start = Date.now();
    freeze(live, 'SIGSTOP');
    await sleep(50);
    const frozen = await activeJobs(since);
    freeze(
      live.filter((p) => p !== candidate),
      'SIGCONT',
    );
    await sleep(450);
    const after = await activeJobs(since);
    held = new Set([...frozen].filter((id) => after.has(id)));
    if (held.size > 0) victim = candidate;
    else {
      freeze([candidate], 'SIGCONT');
      await sleep(50);
    }
  }
  if (!victim) {
    // No job could be caught in 30 s: kill one anyway (the fault still counts; heldJobs says 0).
    victim = pick(ctx.rng, ctx.sys.ingests.filter(isLive));
    start = Date.now();
  }
  const end = Date.now();
  await victim.stop('SIGKILL');
  ctx.stopped.delete(victim);
  // Held jobs still active now are the dead worker's: only their lock's expiry frees them (checked
  // before that can happen, about WORKER_LOCK_MS/2 after the freeze at the earliest).
  const stuck = await activeJobs(0);
  const heldJobs = [...held].filter((id) => stuck.has(id)).length;
  await ctx.sys.restartProcess(victim.name);
  return { type: 'ingest-sigkill', victim: victim.name, start, end, heldJobs };
}

/**
 * 4. A generation worker that just started a text run is frozen until another worker has started
 * (taken over) every run it held, i.e. past its lock, then resumed: it must change nothing.
 */
async function workerSigstop(ctx: FaultContext): Promise<FaultRecord> {
  const victim = await freshTextRunWorker(ctx);
  const held = [...activeRuns(victim)];
  const others = () => ctx.sys.workers.filter((w) => w !== victim);
  const startsBefore = new Map(held.map((id) => [id, others().reduce((n, w) => n + startsOf(w, id), 0)]));
  const start = Date.now();
  process.kill(victim.pid, 'SIGSTOP');
  ctx.stopped.add(victim);
  try {
    const ended = (id: string) => ctx.allRuns().some((r) => r.runId === id && r.ended);
    // Past its lock: every run it held started elsewhere (or ended). Resumed after 60 s in any case.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(25)) {
      if (held.every((id) => ended(id) || others().reduce((n, w) => n + startsOf(w, id), 0) > startsBefore.get(id)!)) break;
    }
    // Resume at a random point of the new attempt's answer.
    await sleep(ctx.rng() * 1000);
  } finally {
    ctx.stopped.delete(victim);
  }
  let victimDied: string | undefined;
  try {
    process.kill(victim.pid, 'SIGCONT');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    // Gone while frozen, or exited just before the freeze: say how, and keep the system's size.
    await victim.exited.catch(() => undefined);
    victimDied = `exit code ${victim.child.exitCode}, signal ${victim.child.signalCode}; last output:\n${victim.output.slice(-20).join('\n')}`;
    await ctx.sys.restartProcess(victim.name);
  }
  return {
    type: 'worker-sigstop',
    victim: victim.name,
    start,
    end: Date.now(),
    heldRuns: held.length,
    ...(victimDied ? { victimDied } : {}),
  };
}

/**
 * 5. A generation worker that just started a text run is asked to stop (SIGTERM). Its drain time
 * (WORKER_DRAIN_MS) is shorter than the run, so it must hand the run off and still exit 0.
 */
async function workerSigterm(ctx: FaultContext): Promise<FaultRecord> {
  const victim = await freshTextRunWorker(ctx);
  const heldRuns = activeRuns(victim).size;
  const start = Date.now();
  victim.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([victim.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 40_000)))]);
  clearTimeout(timer);
  if (exit === 'timeout') await victim.stop('SIGKILL');
  const end = Date.now();
  const exitAfterMs = end - start;
  const unfinishedAtExit = activeRuns(victim).size;
  const activeAtDrainEnd = activeRuns(victim, start + ctx.drainMs).size;
  await ctx.sys.restartProcess(victim.name);
  return {
    type: 'worker-sigterm',
    victim: victim.name,
    start,
    end,
    heldRuns,
    exitCode: exit === 'timeout' ? null : exit,
    exitAfterMs,
    activeAtDrainEnd,
    unfinishedAtExit,
  };
}

/** Redis restarts so far: every other one is a long outage. */
let redisRestarts = 0;

/**
 * 6 and 7. Redis stops (cleanly, or killed) and is started again on its port and AOF data: 0.2–0.8 s
 * later, or, every other time, 3–7 s later (a restart well inside the 15 s outage window, and past
 * the workers' 3 s lock: runs may be taken over, never failed).
 */
async function redisRestart(ctx: FaultContext, signal: 'SIGTERM' | 'SIGKILL'): Promise<FaultRecord> {
  const old = ctx.sys.embedded.redis;
  if (!old) throw new Error('chaos: the system has no embedded Redis to restart');
  const long = redisRestarts++ % 2 === 1;
  const start = Date.now();
  await old.kill(signal);
  await sleep(long ? 3_000 + ctx.rng() * 4_000 : 200 + ctx.rng() * 600);
  ctx.sys.embedded.redis = await startRedisServer({ port: old.port, dir: old.dir, appendonly: true, appendfsync: 'always' });
  const end = Date.now();
  return {
    type: signal === 'SIGTERM' ? 'redis-sigterm' : 'redis-sigkill',
    victim: `redis-server :${old.port}`,
    start,
    end,
    downtimeMs: end - start,
  };
}

export function injectFault(type: FaultType, ctx: FaultContext): Promise<FaultRecord> {
  switch (type) {
    case 'worker-sigkill':
      return workerSigkill(ctx);
    case 'gateway-sigkill':
      return gatewaySigkill(ctx);
    case 'ingest-sigkill':
      return ingestSigkill(ctx);
    case 'worker-sigstop':
      return workerSigstop(ctx);
    case 'worker-sigterm':
      return workerSigterm(ctx);
    case 'redis-sigterm':
      return redisRestart(ctx, 'SIGTERM');
    case 'redis-sigkill':
      return redisRestart(ctx, 'SIGKILL');
  }
}
