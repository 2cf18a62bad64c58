// Where a CPU profile's time goes (scripts/bench/cpu-profile.mjs writes them): self time by package
// (or repository folder), busy time by who asked for it (a socket write inside ioredis counted for
// BullMQ or for the run log, whichever called ioredis), and the top functions. Usage: node --import tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top] [skip-ms]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [skip-ms]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
// skip-ms: samples of the profile's first milliseconds (the process's start and the warm-up) are left out.
const skipUs = Number(skipArg ?? 0) * 1000;
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < skipUs) continue;
  self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

/** The package a frame belongs to: node_modules/<pkg>, a repository folder, node:internal, or (native). */
function owner(url: string): string {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes('deps/undici')) return 'undici';
  if (url.startsWith('node:')) return 'node:internal';
  const repo = /\/(packages|services|stand-ins)\/([^/]+)\//.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self].filter(([id]) => ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)!.callFrame.functionName));
const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
const groups = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  const special = ['(idle)', '(program)', '(garbage collector)'].includes(f.functionName);
  const g = special ? f.functionName : owner(f.url);
  groups.set(g, (groups.get(g) ?? 0) + us);
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/main\//, '')}:${f.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const top = Number(topArg ?? 25);
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, idle ${pct(idle.reduce((a, [, us]) => a + us, 0))}`);
console.log('\nself time by package:');
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${g}`);
console.log('\ntop functions (self):');
for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${f}`);

// Busy time by who asked for it: walk from the sampled frame towards the root; the first frame owned
// by a package (not node:internal or V8) names the sample, and a client library (ioredis, mongodb,
// undici) is followed by the first caller outside the client libraries. Module loading is start-up.
const CLIENTS = new Set(['ioredis', 'mongodb', 'bson', 'undici', 'standard-as-callback', 'cluster-key-slot', 'redis-errors']);
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const asked = new Map<string, number>();
let busy = 0;
for (const [id, us] of self) {
  const leaf = byId.get(id)!.callFrame;
  if (['(idle)', '(program)', '(garbage collector)'].includes(leaf.functionName)) continue;
  busy += us;
  let label = '';
  let client = '';
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const url = byId.get(cur)!.callFrame.url;
    if (url.includes('node:internal/modules') || url.includes('/tsx/dist/')) {
      label = 'start-up (module loading)';
      break;
    }
    const o = owner(url);
    if (o === 'node:internal' || o === '(native / V8)') continue;
    if (CLIENTS.has(o)) {
      client ||= o;
      continue;
    }
    label = client ? `${client} ← ${o}` : o;
    break;
  }
  label ||= client || 'node:internal only (event loop, streams)';
  asked.set(label, (asked.get(label) ?? 0) + us);
}
console.log(`\nbusy time (${(busy / 1000).toFixed(0)} ms, without idle and GC) by who asked for it:`);
for (const [g, us] of [...asked].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${g}`);
