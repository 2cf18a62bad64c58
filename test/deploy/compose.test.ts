// docker-compose.yml, checked the two ways this machine allows (no container engine runs here):
// 1. The Compose CLI validates and resolves the file (`config`): `docker compose` where the plugin
//    exists, else Debian's docker-compose, which the test bootstrap installs. A misspelled key is
//    shown to fail the same check, so a pass means something.
// 2. The resolved file's own settings start the services: each Switchyard service runs its Dockerfile
//    target's command in a folder laid out as that target's image (./image-tree.ts: its COPY steps
//    and its pnpm install), with the target's ENV, then its compose environment on top, after the
//    one-shot services it waits for (the signing-key maker) have run there to completion. Only what
//    containers give and processes on one host cannot is swapped: the addresses of redis, mongo, gcs
//    and model point at the embedded test servers (the GCS one checks V4 signatures against the key
//    the stack made), named volumes are folders, and every listener gets a free port. The generation
//    worker runs twice, as `docker compose up --scale generation-worker=2` would.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, loadConfig, uploadTokenSecret } from '@switchyard/config';
import { startGcsTestServer, type GcsTestServer } from '@switchyard/gcs-test-server';
import { createQueue, IMAGE_INGEST_QUEUE, RUNS_QUEUE } from '@switchyard/queues';
import { SHUTDOWN_GRACE_MS } from '@switchyard/service-kit';
import { freePort } from '@switchyard/redis-server';
import {
  REPO_ROOT,
  spawnProcess,
  startEmbeddedDependencies,
  waitForHttpOk,
  type EmbeddedDependencies,
  type ServiceName,
  type ServiceProcess,
} from '@switchyard/system-launcher';
import { postChatKit } from '../kit/sse-client.ts';
import { buildImageTrees, parseDockerfile, type ImageTrees } from './image-tree.ts';

type Json = Record<string, unknown>;
interface ComposeService {
  build?: { context: string; dockerfile?: string; target?: string };
  image?: string;
  environment?: Record<string, string | null>;
  ports?: Array<string | { target: number; published?: string | number }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  container_name?: string;
  stop_grace_period?: string;
  volumes?: Array<string | { type: string; source: string; target: string; read_only?: boolean }>;
  command?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}
interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  named: boolean;
}

/** A service's mounts, from v1's `source:target[:mode]` strings or v2's long form. */
function mounts(svc: ComposeService, file: ComposeFile): Mount[] {
  return (svc.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, readOnly: v.read_only === true, named: v.type === 'volume' };
    const [source, target, mode] = v.split(':') as [string, string, string?];
    return { source, target, readOnly: mode === 'ro', named: source in (file.volumes ?? {}) };
  });
}

const SWITCHYARD: ServiceName[] = ['gateway', 'generation-worker', 'image-ingest-worker'];
const SCALED: ServiceName[] = ['generation-worker', 'image-ingest-worker'];
/** Read by the OpenTelemetry SDK itself, not by @switchyard/config. */
const OTEL_KEYS = /^OTEL_/;
const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

let cli: string[] | undefined;
/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever runs here. */
function composeCli(): string[] {
  cli ??= [['docker', 'compose'], ['docker-compose']].find((cmd) => spawnSync(cmd[0]!, [...cmd.slice(1), 'version']).status === 0);
  if (!cli) throw new Error("no Compose CLI: install the docker compose plugin or Debian's docker-compose (npm test does)");
  return cli;
}

/** `config` of a compose file, interpolated with a clean environment (so every `${X:-default}` shows its default). */
function composeConfig(file: string): { status: number | null; stdout: string; stderr: string } {
  const [bin, ...pre] = composeCli();
  const r = spawnSync(bin!, [...pre, '-f', file, '--project-directory', REPO_ROOT, 'config'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const seconds = (d: string) => {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m || (!m[1] && !m[2])) throw new Error(`unreadable duration ${d}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
};

let compose: ComposeFile;
const DOCKERFILE = join(REPO_ROOT, 'infra/docker/Dockerfile');
const targets = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));

beforeAll(() => {
  const r = composeConfig(COMPOSE_FILE);
  expect(r.status, r.stderr).toBe(0);
  compose = parse(r.stdout) as ComposeFile;
});

describe('docker-compose.yml', () => {
  it('fails the Compose CLI check when a key is misspelled (the check is real)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-compose-'));
    try {
      const bad = join(dir, 'docker-compose.yml');
      writeFileSync(bad, readFileSync(COMPOSE_FILE, 'utf8').replace('    stop_grace_period: 30s', '    stop_grace_periods: 30s'));
      const r = composeConfig(bad);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/stop_grace_periods/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds every Switchyard service from its own Dockerfile target, which runs its main.ts', () => {
    for (const name of [...SWITCHYARD, 'model']) {
      const build = compose.services[name]?.build;
      expect(build?.dockerfile, name).toBe('infra/docker/Dockerfile');
      expect(targets.has(build!.target!), `${name} target ${build?.target}`).toBe(true);
    }
    for (const name of SWITCHYARD) expect(targets.get(name)!.cmd).toEqual(['node', '--import', 'tsx', `services/${name}/src/main.ts`]);
  });

  it('lets workers scale: no fixed container name, no published port', () => {
    for (const name of SCALED) {
      expect(compose.services[name]!.container_name, name).toBeUndefined();
      expect(compose.services[name]!.ports ?? [], name).toEqual([]);
    }
  });

  it('gives every Switchyard container more stop grace than the services’ shutdown bound', () => {
    for (const name of SWITCHYARD)
      expect(seconds(compose.services[name]!.stop_grace_period ?? '10s'), name).toBeGreaterThan(SHUTDOWN_GRACE_MS / 1000);
  });

  it('waits only on dependencies that have a healthcheck, and health-checks every Switchyard image', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        const d = compose.services[dep];
        expect(d, `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(
            Boolean(d!.healthcheck) || Boolean(d!.build && targets.get(d!.build.target!)?.healthcheck),
            `${dep} has a healthcheck`,
          ).toBe(true);
        // A one-shot is run to completion below, before the services that wait for it.
        else expect(condition, `${name} waits on ${dep}`).toBe('service_completed_successfully');
      }
    }
    for (const name of SWITCHYARD) expect(targets.get(name)!.healthcheck, name).toBe(true);
  });

  it('keeps the signing key in a named volume that only its maker writes', () => {
    const keyFile = compose.services.gateway!.environment!.GCS_KEY_FILE!;
    const maker = mounts(compose.services['gcs-key']!, compose).find((m) => keyFile.startsWith(`${m.target}/`));
    expect(maker?.named && !maker.readOnly).toBe(true);
    for (const name of SWITCHYARD) {
      expect(compose.services[name]!.environment!.GCS_KEY_FILE, name).toBe(keyFile);
      expect(
        mounts(compose.services[name]!, compose).find((m) => m.source === maker!.source),
        name,
      ).toMatchObject({ target: maker!.target, readOnly: true });
      expect(compose.services[name]!.depends_on?.['gcs-key']?.condition, name).toBe('service_completed_successfully');
    }
  });

  it('sets only configuration the services read, and a configuration they accept', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of SWITCHYARD) {
      const env = composeEnv(name);
      for (const key of Object.keys(env)) expect(known.has(key) || OTEL_KEYS.test(key), `${name}: ${key}`).toBe(true);
      const cfg = loadConfig(env);
      if (name === 'gateway') expect(() => uploadTokenSecret(cfg)).not.toThrow();
    }
  });
});

/** Dockerfile ENV of the service's target, then its compose environment (what the container sees). */
function composeEnv(name: string): Record<string, string> {
  const { PATH: _path, PNPM_HOME: _pnpm, ...imageEnv } = targets.get(compose.services[name]!.build!.target!)!.env;
  const env: Record<string, string> = { ...imageEnv };
  for (const [k, v] of Object.entries(compose.services[name]!.environment ?? {})) if (v !== null) env[k] = String(v);
  return env;
}

describe('the compose services, started with the compose file’s own settings', () => {
  let deps: EmbeddedDependencies;
  let gcs: GcsTestServer;
  let dir: string;
  let images: ImageTrees | undefined;
  const processes: ServiceProcess[] = [];
  let gatewayUrl: string;
  const healthUrls: string[] = [];
  /** What each one-shot service printed on its run before the services started. */
  const oneShotOutput = new Map<string, string[]>();
  let keyFile: string;
  /** `node <CMD args>` of a compose service, in its image's tree with its mounts, as the container runs it. */
  let run: (name: string, env: Record<string, string>, label: string) => ServiceProcess;
  let containerPath: (name: string) => (p: string) => string;
  /** A service's environment as its container sees it, with addresses and container paths swapped. */
  let envOf: (name: string) => Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-compose-'));
    const oneShots = [
      ...new Set(
        Object.values(compose.services).flatMap((svc) =>
          Object.entries(svc.depends_on ?? {}).flatMap(([dep, d]) => (d.condition === 'service_completed_successfully' ? [dep] : [])),
        ),
      ),
    ];
    images = buildImageTrees(
      DOCKERFILE,
      REPO_ROOT,
      [...oneShots, ...SWITCHYARD].map((n) => compose.services[n]!.build!.target!),
    );
    // A container path: under a mount, the mounted folder (a named volume is a folder of its own
    // here); anywhere else, the image's tree.
    containerPath = (name) => {
      const svc = compose.services[name]!;
      return (p) => {
        if (!p.startsWith('/')) return p;
        const m = mounts(svc, compose).find((x) => p === x.target || p.startsWith(`${x.target}/`));
        if (!m) return images!.path(svc.build!.target!, p);
        const source = m.named ? join(dir, 'volumes', m.source) : m.source;
        mkdirSync(source, { recursive: true });
        return join(source, p.slice(m.target.length));
      };
    };
    run = (name, env, label) => {
      const svc = compose.services[name]!;
      const target = targets.get(svc.build!.target!)!;
      const [bin, ...args] = svc.command ?? target.cmd;
      expect(bin, `${name} runs node`).toBe('node');
      return spawnProcess(args.map(containerPath(name)), { env, label, cwd: images!.path(svc.build!.target!, target.workdir) });
    };

    const externalMongo = process.env.MONGODB_URL;
    deps = await startEmbeddedDependencies({
      env: { BLOB_DRIVER: 'gcs', ...(externalMongo ? { MONGODB_URL: externalMongo } : {}) },
      announce: () => undefined,
      blobRoot: dir,
      model: { imageBytes: 120_000 },
    });
    const mongoUrl = externalMongo ?? deps.env.MONGODB_URL!;
    const gatewayPort = await freePort();
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const published = compose.services.gateway!.ports!.map((p) => (typeof p === 'string' ? Number(p.split(':')[0]) : Number(p.published)));
    // Container address → where that container's counterpart listens here (gcs once it runs).
    const origins = new Map<string, string>([
      ['redis', new URL(deps.env.REDIS_URL!).host],
      ['mongo', new URL(mongoUrl).host],
      ['model', new URL(deps.model!.baseURL).host],
      ...published.map((p) => [`localhost:${p}`, `127.0.0.1:${gatewayPort}`] as [string, string]),
    ]);
    const relocate = (value: string): string => {
      if (!/^[a-z]+:\/\//.test(value)) return value;
      const url = new URL(value);
      if (externalMongo && url.hostname === 'mongo') return externalMongo; // its credentials and options too
      const to = origins.get(url.host) ?? origins.get(url.hostname);
      return to ? value.replace(url.host, to) : value;
    };
    envOf = (name) => {
      const at = containerPath(name);
      return Object.fromEntries(Object.entries(composeEnv(name)).map(([k, v]) => [k, v.startsWith('/') ? at(v) : relocate(v)]));
    };

    // `up` runs the one-shots to completion before anything that waits for them.
    for (const name of oneShots) {
      const p = run(name, envOf(name), name);
      expect(await p.exited, `${name}:\n${p.output.join('\n')}`).toBe(0);
      oneShotOutput.set(name, p.output);
    }
    // The emulator checks V4 signatures against the key the stack made; its buckets are the folders
    // of its data volume (fake-gcs-server's -data).
    keyFile = containerPath('gateway')(compose.services.gateway!.environment!.GCS_KEY_FILE!);
    const key = JSON.parse(readFileSync(keyFile, 'utf8')) as { client_email: string; private_key: string };
    const data = mounts(compose.services.gcs!, compose)[0]!.source;
    gcs = await startGcsTestServer({
      buckets: readdirSync(data, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name),
      autoCreateBuckets: false,
      signingKeys: { [key.client_email]: key.private_key },
    });
    origins.set('gcs', new URL(gcs.url).host);

    const start = async (name: ServiceName, label: string) => {
      const env = envOf(name);
      for (const k of ['PORT', 'HEALTH_PORT', 'METRICS_PORT'] as const) {
        if (!(k in env)) continue;
        env[k] = k === 'PORT' ? String(gatewayPort) : String(await freePort());
        if (k !== 'PORT') healthUrls.push(`http://127.0.0.1:${env[k]}/${k === 'METRICS_PORT' ? 'metrics' : 'readyz'}`);
      }
      processes.push(run(name, env, label));
    };
    await start('gateway', 'gateway');
    await start('generation-worker', 'generation-worker-1');
    await start('generation-worker', 'generation-worker-2');
    await start('image-ingest-worker', 'image-ingest-worker-1');
    // Every service, not only the gateway: a worker serves health only once its queue connection is
    // ready, and on a loaded machine it can come up well after the gateway.
    for (const url of [`${gatewayUrl}/readyz`, ...healthUrls]) await waitForHttpOk(url, 60_000, processes);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await gcs?.close();
    await deps?.stop();
    images?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('make the signing key on the first up and keep it on the next', async () => {
    expect(oneShotOutput.get('gcs-key')?.join('\n')).toContain('made a signing key');
    const before = readFileSync(keyFile, 'utf8');
    const again = run('gcs-key', envOf('gcs-key'), 'gcs-key-again');
    expect(await again.exited, again.output.join('\n')).toBe(0);
    expect(again.output.join('\n')).toContain('kept the signing key');
    expect(readFileSync(keyFile, 'utf8')).toBe(before);
  });

  it('come up ready, with both scaled generation workers on the runs queue', async () => {
    for (const url of healthUrls) expect((await fetch(url)).status, url).toBe(200);
    const runs = createQueue(RUNS_QUEUE, { redisUrl: deps.env.REDIS_URL! });
    const ingest = createQueue(IMAGE_INGEST_QUEUE, { redisUrl: deps.env.REDIS_URL! });
    try {
      // BullMQ counts a worker by its named Redis connection; give a just-ready one a moment to show.
      const counts = async () => [await runs.getWorkersCount(), await ingest.getWorkersCount()];
      for (const deadline = Date.now() + 10_000; (await counts()).join() !== '2,1' && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 100));
      expect(await counts()).toEqual([2, 1]);
    } finally {
      await runs.close();
      await ingest.close();
    }
  });

  it('stream a chat whose generated image lands in the emulator’s bucket behind a verified signed URL', async () => {
    const s = await postChatKit(gatewayUrl, {
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: 'draw a fox' }], attachments: [], inference_options: {} } },
    });
    await s.done;
    const events = s.events.map((e) => e.data as Json);
    expect(events.at(-1)?.type).not.toBe('error');
    const final = events.find((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'generated_image');
    const url = ((final?.item as Json | undefined)?.image as Json | undefined)?.url as string | undefined;
    expect(url, JSON.stringify(events.map((e) => e.type))).toBeDefined();
    expect(url!.startsWith(gcs.url)).toBe(true);
    expect(url).toContain('X-Goog-Signature=');
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bucket = compose.services.gateway!.environment!.GCS_BUCKET!;
    expect(gcs.objects(bucket).length).toBe(deps.model!.sentImages.length);
  });
});
