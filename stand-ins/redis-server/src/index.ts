// A private redis-server (or 3-master cluster) on loopback for tests and `npm start`: free port,
// no persistence unless asked (AOF, for tests that restart Redis on its data), daemonized with a
// pidfile and stopped by pid so nothing outlives its owner.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export { freePort } from './ports.ts';

export interface RedisServerHandle {
  url: string;
  port: number;
  pid: number;
  /** The data directory (pidfile, log, and the AOF when `appendonly` is on). */
  dir: string;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
  /**
   * Sends `signal` to the server (SIGTERM: a clean shutdown that flushes the AOF; SIGKILL: a crash)
   * and waits until it is gone. The data directory stays: `startRedisServer({ port, dir, appendonly })`
   * brings the same data back, and that new handle owns the directory from then on (do not call
   * this handle's stop(), which would delete it).
   */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface RedisServerOptions {
  /** Default: a free port. */
  port?: number;
  /** Data directory to use (created if missing); default: a fresh temporary one. */
  dir?: string;
  /** AOF persistence (`--appendonly yes`), so a restart on the same `dir` keeps the data. */
  appendonly?: boolean;
  /** With `appendonly`: how often the AOF is fsynced (default `everysec`, Redis' default). */
  appendfsync?: 'always' | 'everysec' | 'no';
}

const INSTALL_HINT = 'redis-server not found: install it with `sudo apt-get install -y redis-server`';

export function redisServerBinary(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
  return 'redis-server';
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.end();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not accept connections in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A daemonized redis-server is reparented to init, and a stopped one stays a zombie until init
 * reaps it (~1.7 s under this sandbox's init). kill(pid, 0) succeeds on a zombie, so on Linux the
 * process state in /proc decides: a zombie has exited.
 */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

async function stopPid(pid: number): Promise<void> {
  // kill(0) and kill(-1) signal a whole process group or every process: never let a bad pid get here.
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${pid}`);
  if (!pidAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Signals `pid` and waits until it has exited; the caller decides what a survivor means. */
async function signalPid(pid: number, signal: 'SIGTERM' | 'SIGKILL', timeoutMs: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${pid}`);
  if (!pidAlive(pid)) return true;
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return !pidAlive(pid);
}

interface Persistence {
  appendonly: boolean;
  appendfsync: 'always' | 'everysec' | 'no';
}

async function spawnRedis(
  port: number,
  dir: string,
  extraArgs: string[] = [],
  persistence: Persistence = { appendonly: false, appendfsync: 'everysec' },
): Promise<number> {
  const bin = redisServerBinary();
  const pidfile = join(dir, `redis-${port}.pid`);
  // A server killed on this dir leaves its pidfile behind: never read a dead server's pid as ours.
  rmSync(pidfile, { force: true });
  const res = spawnSync(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      persistence.appendonly ? 'yes' : 'no',
      ...(persistence.appendonly ? ['--appendfsync', persistence.appendfsync] : []),
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      dir,
      '--logfile',
      join(dir, `redis-${port}.log`),
      ...extraArgs,
    ],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`redis-server failed to start: ${res.stderr || res.stdout}`);
  await waitForPort(port, 5000);
  return readPidFile(pidfile, 2000);
}

/**
 * Redis writes its pidfile after the listener opens, with fopen then fprintf: a read can find no
 * file, or an empty one. An empty read once became pid 0, and stopping "pid 0" sent SIGTERM to the
 * test runner's whole process group. Only a complete `<pid>\n` naming a live process is accepted.
 */
export async function readPidFile(pidfile: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      last = readFileSync(pidfile, 'utf8');
    } catch {
      last = '';
    }
    const match = /^(\d+)\n$/.exec(last);
    const pid = match ? Number(match[1]) : 0;
    if (pid > 1 && pidAlive(pid)) return pid;
    if (Date.now() > deadline) throw new Error(`no complete pidfile at ${pidfile} after ${timeoutMs} ms (read ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Starts a private single-node Redis; `port` defaults to a free one, `dir` to a fresh one. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = opts.port ?? (await freePort());
  let dir = opts.dir;
  if (dir) mkdirSync(dir, { recursive: true });
  else dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  const dataDir = dir;
  const pid = await spawnRedis(port, dataDir, [], { appendonly: opts.appendonly ?? false, appendfsync: opts.appendfsync ?? 'everysec' });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    dir: dataDir,
    async stop() {
      await stopPid(pid);
      rmSync(dataDir, { recursive: true, force: true });
    },
    async kill(signal) {
      if (!(await signalPid(pid, signal, 10_000))) throw new Error(`redis-server pid ${pid} still runs 10 s after ${signal}`);
    },
  };
}

export interface RedisClusterHandle {
  nodes: Array<{ host: string; port: number }>;
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…`, the form REDIS_URL accepts for a cluster. */
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/** Starts a 3-master Redis Cluster (no replicas) from Debian's redis-server. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-cluster-'));
  const ports: number[] = [];
  const pids: number[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort({ clusterBus: true });
    ports.push(port);
    pids.push(
      await spawnRedis(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
      ]),
    );
  }
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
  // Wait until every node reports the cluster as ok.
  const deadline = Date.now() + 15_000;
  for (const port of ports) {
    for (;;) {
      const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' });
      if (info.stdout.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok: ${info.stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    nodes,
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    pids,
    async stop() {
      await Promise.all(pids.map(stopPid));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
