// Where a CPU profile's time goes (scripts/bench/cpu-profile.mjs writes them): self time by package
// (or repository folder) and the top functions. Usage: node --import tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++)
  self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));

/** The package a frame belongs to: node_modules/<pkg>, a repository folder, node:internal, or (native). */
function owner(url: string): string {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
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
