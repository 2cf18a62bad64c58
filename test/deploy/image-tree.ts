// What a Dockerfile target's image holds, laid out on disk without a container engine (none runs
// here): the stages' COPY steps applied to a folder standing for the image's root, honouring
// .dockerignore, and their `pnpm install` run in the WORKDIR with the stage's ENV. A process started
// there sees the files and packages the image would, so a COPY that misses what a command needs
// fails here as it would in the image. Written by hand: no package builds a Dockerfile without an
// engine. It understands only the instructions infra/docker/Dockerfile uses, and throws on others.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';

export interface DockerStage {
  name: string;
  /** The stage or image it is built FROM. */
  from: string;
  /** ENV, inherited from the stages it is built FROM. */
  env: Record<string, string>;
  /** CMD, inherited likewise. */
  cmd: string[];
  healthcheck: boolean;
  workdir: string;
  /** Its own filesystem steps, in order. */
  steps: Array<{ kind: 'copy'; sources: string[]; dest: string; workdir: string } | { kind: 'run'; command: string; workdir: string }>;
}

/** The stages of a Dockerfile by name, each with what it inherits. */
export function parseDockerfile(text: string): Map<string, DockerStage> {
  const stages = new Map<string, DockerStage>();
  let current: DockerStage | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [instruction, rest = ''] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
    if (instruction === 'FROM') {
      const m = /^(\S+) AS (\S+)$/.exec(rest);
      if (!m) throw new Error(`unnamed stage: ${line}`);
      const parent = stages.get(m[1]!);
      current = {
        name: m[2]!,
        from: m[1]!,
        env: { ...parent?.env },
        cmd: [...(parent?.cmd ?? [])],
        healthcheck: parent?.healthcheck ?? false,
        workdir: parent?.workdir ?? '/',
        steps: [],
      };
      stages.set(current.name, current);
      continue;
    }
    if (!current) throw new Error(`${instruction} before FROM`);
    switch (instruction) {
      case 'ENV':
        for (const m of rest.matchAll(/(\w+)=(\S+)/g)) current.env[m[1]!] = m[2]!;
        break;
      case 'CMD':
        current.cmd = JSON.parse(rest) as string[];
        break;
      case 'HEALTHCHECK':
        current.healthcheck = true;
        break;
      case 'WORKDIR':
        current.workdir = posix.resolve(current.workdir, rest);
        break;
      case 'COPY': {
        const words = rest.split(/\s+/);
        if (words.some((w) => w.startsWith('--'))) throw new Error(`COPY flags are not understood here: ${line}`);
        current.steps.push({ kind: 'copy', sources: words.slice(0, -1), dest: words.at(-1)!, workdir: current.workdir });
        break;
      }
      case 'RUN':
        current.steps.push({ kind: 'run', command: rest, workdir: current.workdir });
        break;
      case 'USER':
      case 'EXPOSE':
        break; // no effect on which files the image holds
      default:
        throw new Error(`Dockerfile instruction not understood here: ${line}`);
    }
  }
  return stages;
}

/** .dockerignore's patterns as a test of a context-relative path (the forms this repository uses). */
function dockerignore(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  return (rel) =>
    patterns.some((p) => {
      if (p.startsWith('**/')) return rel.split('/').includes(p.slice(3));
      if (/[*?[!]/.test(p)) throw new Error(`.dockerignore pattern not understood here: ${p}`);
      return rel === p || rel.startsWith(`${p}/`);
    });
}

export interface ImageTrees {
  /** A container path of the target image as a path on this machine. */
  path(target: string, containerPath: string): string;
  remove(): void;
}

/**
 * Lays out each of `targets` (and the stages they build on, shared by hard links) under a new
 * temporary folder. RUN steps are taken only where their effect on files is known: `corepack`
 * (pnpm comes from npm here, at the Dockerfile's version), `pnpm install` (run for real) and the
 * `mkdir`/`chown` of mount points; anything else throws, so a new RUN step is not silently skipped.
 */
export function buildImageTrees(dockerfile: string, context: string, targets: string[]): ImageTrees {
  const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const ignored = dockerignore(context);
  const base = mkdtempSync(join(tmpdir(), 'switchyard-image-'));
  const built = new Map<string, string>();
  const pnpmVersion = /^pnpm@(\S+)$/.exec(
    (JSON.parse(readFileSync(join(context, 'package.json'), 'utf8')) as { packageManager: string }).packageManager,
  )![1]!;

  const build = (name: string): string => {
    const done = built.get(name);
    if (done) return done;
    const stage = stages.get(name);
    if (!stage) throw new Error(`no stage ${name}`);
    const root = join(base, name);
    if (stages.has(stage.from)) {
      // -l: hard links, so a stage's copy of its parent's node_modules costs no space.
      const r = spawnSync('cp', ['-al', build(stage.from), root]);
      if (r.status !== 0) throw new Error(`cp -al: ${r.stderr}`);
    } else {
      mkdirSync(root);
    }
    for (const step of stage.steps) {
      const here = (p: string) => join(root, posix.resolve(step.workdir, p));
      if (step.kind === 'copy') {
        for (const src of step.sources) {
          const from = join(context, src);
          const into = step.dest.endsWith('/') || step.sources.length > 1 ? join(here(step.dest), basename(src)) : here(step.dest);
          cpSync(from, into, {
            recursive: true,
            filter: (f) => {
              const rel = posix.relative(context, f);
              return rel === '' || !ignored(rel);
            },
          });
        }
        continue;
      }
      if (/^corepack enable && corepack prepare pnpm@\S+ --activate$/.test(step.command)) {
        if (!step.command.includes(`pnpm@${pnpmVersion}`)) throw new Error(`${step.command} is not package.json's pnpm@${pnpmVersion}`);
        continue;
      }
      if (/^mkdir \/\S+ && chown node:node \/\S+$/.test(step.command)) {
        mkdirSync(join(root, step.command.split(' ')[1]!), { recursive: true });
        continue;
      }
      const install = /^pnpm (install(?: --[\w-]+(?:=\S+)?)*)$/.exec(step.command);
      if (!install) throw new Error(`RUN step not understood here: ${step.command}`);
      const { PATH: _path, PNPM_HOME: _home, ...stageEnv } = stage.env; // the image's pnpm home is not this machine's store
      const r = spawnSync('npx', ['-y', `pnpm@${pnpmVersion}`, ...install[1]!.split(' ')], {
        cwd: here('.'),
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...stageEnv },
      });
      if (r.status !== 0) throw new Error(`${step.command} failed in ${name}:\n${r.stdout}\n${r.stderr}`);
    }
    built.set(name, root);
    return root;
  };
  for (const t of targets) build(t);

  return {
    path: (target, containerPath) => join(build(target), containerPath),
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}
