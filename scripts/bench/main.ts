// `npm run bench`: the Switchyard benchmark against its floor (see docs/benchmarks/README.md).
//   npm run bench -- [--scenarios steady10,steady100,burst,perrun] [--transports http,websocket]
//                    [--targets floor,switchyard] [--quick] [--deltas 200] [--delay-ms 20]
//                    [--rounds 3] [--burst-chats 100] [--burst-spread-ms 1000] [--perrun-chats 300]
//                    [--perrun-concurrency 4] [--warmup 20] [--write-docs] [--json FILE]
//   npm run bench:docs   (rewrites docs/benchmarks/ from docs/benchmarks/results.json, no run)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@switchyard/system-launcher';
import { printableReport, writeDocs } from './report.ts';
import { runBenchmark, standardScenarios, type BenchResult, type Target, type Transport } from './run.ts';

const USAGE = `usage: npm run bench -- [--scenarios steady10,steady100,burst,perrun] [--transports http,websocket]
  [--targets floor,switchyard] [--quick] [--deltas N] [--delay-ms N] [--rounds N] [--burst-chats N]
  [--burst-spread-ms N] [--perrun-chats N] [--perrun-concurrency N] [--warmup N] [--write-docs] [--json FILE]
  [--from FILE] (render a saved results.json instead of running)`;

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'steady10,steady100,burst,perrun' },
    transports: { type: 'string', default: 'http,websocket' },
    targets: { type: 'string', default: 'floor,switchyard' },
    quick: { type: 'boolean', default: false },
    deltas: { type: 'string' },
    'delay-ms': { type: 'string', default: '20' },
    rounds: { type: 'string' },
    'burst-chats': { type: 'string', default: '100' },
    'burst-spread-ms': { type: 'string', default: '1000' },
    'perrun-chats': { type: 'string' },
    'perrun-concurrency': { type: 'string', default: '4' },
    warmup: { type: 'string', default: '20' },
    'write-docs': { type: 'boolean', default: false },
    json: { type: 'string' },
    from: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function int(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}
function list<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((i) => !allowed.includes(i as T));
  if (bad.length > 0 || items.length === 0) {
    console.error(`--${name}: unknown ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return items as T[];
}

const docsDir = join(REPO_ROOT, 'docs', 'benchmarks');
let result: BenchResult;
if (values.from) {
  result = JSON.parse(readFileSync(values.from, 'utf8')) as BenchResult;
} else {
  const quick = values.quick;
  const deltas = int('deltas', values.deltas ?? (quick ? '50' : '200'), 1);
  // The upstream cuts an answer of about 370 characters; more deltas than that would be fewer.
  if (deltas > 350) {
    console.error('--deltas: at most 350 (the upstream answer is about 370 characters)');
    process.exit(2);
  }
  const all = standardScenarios({
    deltas,
    rounds: int('rounds', values.rounds ?? (quick ? '1' : '3'), 1),
    burstChats: int('burst-chats', values['burst-chats'], 1),
    burstSpreadMs: int('burst-spread-ms', values['burst-spread-ms'], 0),
    perRunChats: int('perrun-chats', values['perrun-chats'] ?? (quick ? '60' : '300'), 1),
    perRunConcurrency: int('perrun-concurrency', values['perrun-concurrency'], 1),
  });
  const names = list('scenarios', values.scenarios, Object.keys(all));
  result = await runBenchmark({
    transports: list<Transport>('transports', values.transports, ['http', 'websocket']),
    targets: list<Target>('targets', values.targets, ['floor', 'switchyard']),
    scenarios: names.map((n) => all[n]!),
    deltaDelayMs: int('delay-ms', values['delay-ms'], 0),
    warmupChats: int('warmup', values.warmup, 0),
    log: (line) => console.error(line),
  });
}

console.log(printableReport(result));
if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
if (values['write-docs']) {
  const written = writeDocs(result, docsDir, 'npm run bench -- --write-docs');
  console.error(`[bench] wrote ${written.map((w) => w.slice(REPO_ROOT.length + 1)).join(', ')}`);
}
