// The chaos campaign: one system on loopback (2 gateways, 3 generation workers, 2 ingest workers,
// Redis with AOF), a seeded schedule of faults, a few new runs started before each fault, every run
// followed by its own client to its end and then judged (judge.ts). A run is affected by a fault
// when it was in flight at any moment of the fault's window; the table has one row per fault type
// (a run in flight during two faults counts in both rows) and one row of all runs, each once.
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import type { ServiceProcess } from '@switchyard/system-launcher';
import { startSystem, type System } from '../kit/system.ts';
import {
  FAULT_LABELS,
  FAULT_TYPES,
  FaultSkipped,
  injectFault,
  isLive,
  activeRuns,
  type FaultContext,
  type FaultRecord,
  type FaultType,
} from './faults.ts';
import { judgeRun, type Verdict } from './judge.ts';
import { followRun, newRunRecord, type RunKind, type RunRecord } from './run-client.ts';

/**
 * A run ended on the stall limit with three stall-capable faults in its lifetime. A Redis restart
 * shorter than the lock cannot stall a job, so a stall-limit failure that needs one to reach three
 * stays counted against Redis restarts. (With the production lock of 30 s, longer than the 15 s
 * outage window, no Redis restart inside the window stalls a job at all.)
 */
function failedOnStallLimit(r: RunResult): boolean {
  const lockMs = Number(CHAOS_ENV.WORKER_LOCK_MS);
  const stallCapable = (f: FaultRecord) =>
    f.type === 'worker-sigkill' ||
    f.type === 'worker-sigstop' ||
    ((f.type === 'redis-sigterm' || f.type === 'redis-sigkill') && (f.downtimeMs ?? 0) >= lockMs);
  return r.warnings.some((w) => w.includes('stalled more than allowable limit')) && r.faults.filter(stallCapable).length >= 3;
}

/** Lock and drain times short enough that take-overs and drains happen within a fault's few seconds. */
export const CHAOS_ENV = {
  WORKER_LOCK_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_DRAIN_MS: '1500',
  DISCONNECT_POLICY: 'detach',
  MAX_CONCURRENT_RUNS_PER_USER: '0',
  REDIS_OUTAGE_WINDOW_MS: '15000',
  LOG_LEVEL: 'info',
};

/** Text answers of 30 deltas 80 ms apart (about 3 s, longer than the drain) and 150 KB images. */
export function startChaosSystem(env: Record<string, string> = {}): Promise<System> {
  return startSystem({
    transport: 'http',
    gateways: 2,
    workers: 3,
    ingests: 2,
    deltaDelayMs: 80,
    textDeltas: 30,
    imageBytes: 150_000,
    redisPersistence: true,
    env: { ...CHAOS_ENV, ...env },
  });
}

/** mulberry32: a small seeded generator, so a seed replays the schedule and every choice made from it. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Every fault type `rounds` times, ingest first in each round (its recovery is the slowest). */
export function roundsSchedule(rounds: number): FaultType[] {
  const round: FaultType[] = ['ingest-sigkill', ...FAULT_TYPES.filter((t) => t !== 'ingest-sigkill')];
  return Array.from({ length: rounds }, () => round).flat();
}

/** `count` faults of types drawn uniformly from the seeded generator. */
export function randomSchedule(count: number, rng: () => number): FaultType[] {
  return Array.from({ length: count }, () => FAULT_TYPES[Math.floor(rng() * FAULT_TYPES.length)]!);
}

export interface CampaignOptions {
  seed: number;
  schedule: FaultType[];
  /** New runs started before each fault (besides those still in flight). */
  runsPerFault: number;
  /** A run with no end this long after it started is a hang. */
  hangMs: number;
  /** New runs wait while this many are in flight. */
  maxInFlight: number;
  progress?: (line: string) => void;
  /** The kinds of an episode's new runs, in turn (default: half text, half image). */
  kinds?: RunKind[];
  /** The workers' drain time, when not CHAOS_ENV's (background mode hands runs off at once: 0). */
  drainMs?: number;
}

export interface RunResult {
  rec: RunRecord;
  verdict: Verdict;
  /** The faults that affected the run (in flight at some moment of their window). */
  faults: FaultRecord[];
  /** Warnings and errors the services logged about the run (for the report of a run gone wrong). */
  warnings: string[];
  /** Take-overs of the run the workers logged: model response continued, or answer regenerated (docs/resume.md). */
  takeOvers: { resumed: number; regenerated: number; lines: string[] };
}

export type Row = Record<string, string | number>;

export interface CampaignReport {
  seed: number;
  faults: FaultRecord[];
  results: RunResult[];
  rows: Row[];
  /**
   * Runs that ended with an `error` while a Redis restart of under 10 s was in their lifetime, except
   * those that failed on the stall limit with three stalls explained without it (see below).
   */
  redisErrorRuns: RunResult[];
  /**
   * Runs whose job failed for good on the stall limit (`maxStalledCount: 2`, a third stall) and that
   * had at least three faults able to stall a run: a generation worker killed or frozen, or a Redis
   * restart longer than the job lock (`WORKER_LOCK_MS`, 3 s here), which lets every lock expire
   * like a freeze of every worker. The designed answer to a job stalled three times, reported apart.
   */
  stallLimitRuns: RunResult[];
  /** Scheduled faults that found no victim in time (each with the reason). */
  skipped: string[];
  /** Anything that kept the campaign from being judged on a quiet system. */
  notes: string[];
  durationMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Until when a run was in flight: its latest final event, or its whole deadline if it never ended. */
const inFlightUntil = (rec: RunRecord, hangMs: number) => (rec.ended ? (rec.finalAt ?? rec.startedAt) : rec.startedAt + hangMs);

export const affected = (rec: RunRecord, fault: FaultRecord, hangMs: number) =>
  rec.startedAt <= fault.end && inFlightUntil(rec, hangMs) >= fault.start;

/**
 * Waits until no generation worker is working on a run and neither queue has a job waiting, active
 * or delayed, so the store is judged after every late or zombie write had its chance.
 */
async function quiesce(sys: System, observer: RedisClient, timeoutMs: number): Promise<string | null> {
  const keys = ['{sy:runs}:runs', '{sy:image-ingest}:image-ingest'].flatMap((q) => [
    `${q}:wait`,
    `${q}:active`,
    `${q}:delayed`,
    `${q}:prioritized`,
  ]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busyWorkers = sys.workers.filter((w) => isLive(w) && activeRuns(w).size > 0).map((w) => w.name);
    const counts = await Promise.all(
      keys.map(async (k) => {
        const type = await observer.type(k);
        if (type === 'list') return observer.llen(k);
        if (type === 'zset') return observer.zcard(k);
        return 0;
      }),
    );
    const busyKeys = keys.filter((_, i) => counts[i]! > 0);
    if (busyWorkers.length === 0 && busyKeys.length === 0) return null;
    if (Date.now() > deadline)
      return `not quiet after ${timeoutMs} ms: workers ${busyWorkers.join(', ') || '-'}, queues ${busyKeys.join(', ') || '-'}`;
    await sleep(100);
  }
}

/** The columns of a row that count defects: each must be 0. */
export const DEFECT_COLUMNS = [
  'lost events',
  'duplicate events',
  'duplicate items',
  'zombie items',
  'zombie events',
  'text mismatch',
  'missing items',
  'hangs',
] as const;

/** One row of the table: the runs' outcomes and the sum of each defect over them. */
export function row(label: string, faults: number, results: RunResult[]): Row {
  const sum = (f: (v: Verdict) => number) => results.reduce((n, r) => n + f(r.verdict), 0);
  return {
    'fault type': label,
    faults,
    'runs affected': results.length,
    completed: results.filter((r) => r.verdict.outcome === 'completed').length,
    'clear errors': results.filter((r) => r.verdict.outcome === 'error').length,
    hangs: results.filter((r) => r.verdict.outcome === 'hang').length,
    'lost events': sum((v) => v.lost),
    'duplicate events': sum((v) => v.duplicateEvents),
    'duplicate items': sum((v) => v.duplicateItems),
    'zombie items': sum((v) => v.zombieItems),
    'zombie events': sum((v) => v.zombieEvents),
    'text mismatch': sum((v) => v.textMismatch),
    'missing items': sum((v) => v.missingItems),
  };
}

export async function runCampaign(sys: System, opts: CampaignOptions): Promise<CampaignReport> {
  const began = Date.now();
  const rng = seededRandom(opts.seed);
  const runs: RunRecord[] = [];
  const following: Array<Promise<RunRecord>> = [];
  const active = new Set<RunRecord>();
  const faults: FaultRecord[] = [];
  const notes: string[] = [];
  const skipped: string[] = [];
  const stopped = new Set<ServiceProcess>();
  // Every process the campaign saw, the killed ones too, for the warnings they logged about a run.
  const seen = new Set<ServiceProcess>(sys.processes);
  const observer = createRedis(sys.redisUrl, { name: 'chaos-observer' });
  const liveGateways = () => sys.gateways.filter((g) => isLive(g.process)).map((g) => g.url);
  try {
    for (const [i, type] of opts.schedule.entries()) {
      for (const deadline = Date.now() + opts.hangMs; active.size + opts.runsPerFault > opts.maxInFlight && Date.now() < deadline;)
        await sleep(50);
      const episode: RunRecord[] = [];
      const startRuns = (kind: RunKind, count: number) =>
        Array.from({ length: count }, () => {
          const rec = newRunRecord(runs.length, kind, String(opts.seed));
          runs.push(rec);
          episode.push(rec);
          active.add(rec);
          following.push(followRun(rec, liveGateways, opts.hangMs).finally(() => active.delete(rec)));
          return rec;
        });
      // Half text, half image; only images for the ingest worker's fault.
      for (let k = 0; k < opts.runsPerFault; k++)
        startRuns(opts.kinds ? opts.kinds[k % opts.kinds.length]! : type === 'ingest-sigkill' || k % 2 === 1 ? 'image' : 'text', 1);
      await sleep(100 + rng() * 500);
      const ctx: FaultContext = {
        sys,
        rng,
        observer,
        inFlight: () => [...active],
        allRuns: () => runs,
        episode,
        startRuns,
        drainMs: opts.drainMs ?? Number(CHAOS_ENV.WORKER_DRAIN_MS),
        stopped,
      };
      for (const p of sys.processes) seen.add(p);
      const inFlightAtFault = active.size;
      let fault: FaultRecord;
      try {
        fault = await injectFault(type, ctx);
      } catch (err) {
        if (!(err instanceof FaultSkipped)) throw err;
        skipped.push(`${FAULT_LABELS[type]}: ${err.message}`);
        opts.progress?.(`fault ${i + 1}/${opts.schedule.length}: ${FAULT_LABELS[type]} SKIPPED (${err.message.split('\n')[0]})`);
        continue;
      }
      faults.push(fault);
      opts.progress?.(
        `fault ${i + 1}/${opts.schedule.length}: ${FAULT_LABELS[type]} (${fault.victim}${fault.downtimeMs !== undefined ? `, down ${fault.downtimeMs} ms` : ''}${
          fault.exitCode !== undefined ? `, exit ${fault.exitCode}` : ''
        }) with ${inFlightAtFault} runs in flight, at ${Math.round((Date.now() - began) / 1000)} s`,
      );
      await sleep(300 + rng() * 900);
    }
    await Promise.all(following);
    const unquiet = await quiesce(sys, observer, 30_000);
    if (unquiet) notes.push(unquiet);
  } finally {
    for (const p of stopped) if (isLive(p)) process.kill(p.pid, 'SIGCONT');
    observer.disconnect();
  }

  const results: RunResult[] = [];
  for (const p of sys.processes) seen.add(p);
  for (const rec of runs)
    results.push(
      await judgeFollowedRun(
        sys,
        rec,
        seen,
        faults.filter((f) => affected(rec, f, opts.hangMs)),
      ),
    );
  const rows = FAULT_TYPES.map((type) =>
    row(
      FAULT_LABELS[type],
      faults.filter((f) => f.type === type).length,
      results.filter((r) => r.faults.some((f) => f.type === type)),
    ),
  );
  rows.push(row('all runs (each once)', faults.length, results));
  const shortRedisRestart = (f: FaultRecord) =>
    (f.type === 'redis-sigterm' || f.type === 'redis-sigkill') && (f.downtimeMs ?? Infinity) < 10_000;
  const stallLimitRuns = results.filter((r) => r.verdict.outcome === 'error' && failedOnStallLimit(r));
  const redisErrorRuns = results.filter(
    (r) => r.verdict.outcome === 'error' && r.faults.some(shortRedisRestart) && !stallLimitRuns.includes(r),
  );
  return { seed: opts.seed, faults, results, rows, redisErrorRuns, stallLimitRuns, skipped, notes, durationMs: Date.now() - began };
}

/**
 * Judges one followed run from what its client saw and what MongoDB holds for its thread, with
 * what `processes` (the killed ones too) logged about it: its warnings and its take-overs.
 */
export async function judgeFollowedRun(
  sys: System,
  rec: RunRecord,
  processes: Iterable<ServiceProcess>,
  faults: FaultRecord[],
): Promise<RunResult> {
  const stored = rec.threadId
    ? await sys.db
        .collection<{ item_id: string; type: string; thread_id: string }>('items')
        .find({ thread_id: rec.threadId }, { projection: { _id: 0, item_id: 1, type: 1 } })
        .toArray()
    : [];
  const lines = (match: (l: string) => boolean, keep = Infinity) =>
    rec.runId
      ? [...processes].flatMap((p) =>
          p.output.filter((l) => l.includes(rec.runId!) && match(l)).map((l) => `[${p.name}] ${l.slice(0, keep)}`),
        )
      : [];
  const takeOverLines = lines((l) => /"msg":"(took over a run|run taken over|drain time over|run started|run finished)/.test(l));
  return {
    rec,
    verdict: judgeRun(rec.events, rec.ended, stored),
    faults,
    warnings: lines((l) => /"level":(40|50|60)/.test(l), 400),
    takeOvers: {
      resumed: takeOverLines.filter((l) => l.includes('continuing its model response')).length,
      regenerated: takeOverLines.filter((l) => l.includes('regenerating')).length,
      lines: takeOverLines,
    },
  };
}

/** The report as printed: the table, the per-fault figures, and the first defects found. */
export function formatReport(report: CampaignReport): string {
  const lines: string[] = [];
  const of = (t: FaultType) => report.faults.filter((f) => f.type === t);
  const sigterms = of('worker-sigterm');
  lines.push(
    `SIGTERM'd generation workers: exit codes [${sigterms.map((f) => f.exitCode).join(', ')}], exited after [${sigterms
      .map((f) => `${f.exitAfterMs} ms`)
      .join(', ')}], runs held at SIGTERM [${sigterms.map((f) => f.heldRuns).join(', ')}], still active when the drain ran out [${sigterms
      .map((f) => f.activeAtDrainEnd)
      .join(', ')}], neither finished nor handed off at exit [${sigterms.map((f) => f.unfinishedAtExit).join(', ')}]`,
  );
  const ingests = of('ingest-sigkill');
  lines.push(
    `ingest worker kills: ${ingests.length}, holding jobs recovered only after their lock expired: [${ingests.map((f) => f.heldJobs).join(', ')}]`,
  );
  lines.push(
    `generation workers killed/frozen holding runs: [${[...of('worker-sigkill'), ...of('worker-sigstop')].map((f) => f.heldRuns).join(', ')}]`,
  );
  const downs = [...of('redis-sigterm'), ...of('redis-sigkill')].map((f) => f.downtimeMs ?? 0).sort((a, b) => a - b);
  if (downs.length)
    lines.push(
      `Redis downtime per restart: min ${downs[0]} ms, median ${downs[Math.floor(downs.length / 2)]} ms, max ${downs[downs.length - 1]} ms`,
    );
  lines.push(
    `runs ended with an error by a Redis restart under 10 s: ${report.redisErrorRuns.length}; runs failed on the stall limit after three stall-capable faults: ${report.stallLimitRuns.length}`,
  );
  for (const f of report.faults) if (f.victimDied) lines.push(`VICTIM GONE AT SIGCONT ${f.victim}: ${f.victimDied.slice(0, 4000)}`);
  for (const s of report.skipped) lines.push(`SKIPPED ${s.slice(0, 2000)}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  const defects = report.results.filter((r) => r.verdict.details.length > 0 || r.verdict.outcome !== 'completed');
  for (const r of defects.slice(0, 25)) {
    const last = r.rec.events[r.rec.events.length - 1];
    const ending =
      r.verdict.outcome === 'error' && last
        ? ` ${last.raw.slice(0, 200)} after ${Math.round(((r.rec.finalAt ?? 0) - r.rec.startedAt) / 1000)} s`
        : '';
    lines.push(
      `run ${r.rec.index} (${r.rec.kind}, ${r.rec.runId ?? 'no run'}, faults: ${r.faults.map((f) => f.type).join(' ') || '-'}): ${r.verdict.outcome}${ending}; ${[
        ...r.verdict.details.slice(0, 4),
        ...r.rec.notes.slice(-2),
      ].join('; ')}`,
    );
    // Why the job failed for good first, when a worker said so.
    const why = r.warnings.filter((w) => w.includes('failed for good'));
    for (const w of [...why, ...r.warnings.filter((w) => !why.includes(w))].slice(0, 4)) lines.push(`    ${w}`);
  }
  if (defects.length > 25) lines.push(`… and ${defects.length - 25} more runs with a defect or an error`);
  return lines.join('\n');
}
