// The request-boundary fuzz at scale: `npm run fuzz -- --runs 10000 [--seed N] [--batch 250] [--families]`.
// Boots the whole system (test/kit/system.ts), runs the generated cases of test/fuzz/arbitraries.ts through
// the harness (test/fuzz/harness.ts) and prints cases, status counts, 5xx, timeouts, store changes by
// rejected requests, readiness and canary after every batch, time per rejected request and the gateway's
// peak RSS. Exits 1 if any invariant failed, known bugs included (their 5xx are listed once per bug).
// `--case <batch>/<index>` (repeatable) replays single cases of a seed.
import { parseArgs } from 'node:util';
import { formatFailures, formatFamilies, formatReport, runFuzz, startFuzzSystem } from '../test/fuzz/harness.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string', default: process.env.FUZZ_SEED ?? String(Date.now() % 2 ** 31) },
    batch: { type: 'string', default: '250' },
    timeout: { type: 'string', default: '10000' },
    case: { type: 'string', multiple: true },
    families: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const only = values.case?.map((c) => {
  const [batch, index] = c.split('/').map(Number);
  return { batch: batch!, index: index! };
});

console.log(`fuzz seed ${seed}: replay with npm run fuzz -- --runs ${runs} --seed ${seed}`);
const sys = await startFuzzSystem();
let failed = true;
try {
  const report = await runFuzz(sys, {
    runs,
    seed,
    batchSize: Number(values.batch),
    timeoutMs: Number(values.timeout),
    ...(only ? { only } : {}),
    log: (line) => console.log(line),
  });
  if (values.families) console.log(`\nstatus counts per family:\n${formatFamilies(report)}`);
  console.log('\n' + formatReport(report));
  if (report.nonJsonErrors.length) {
    console.log(`\nnon-JSON 4xx answers (first 10 of ${report.nonJsonErrors.length}):`);
    for (const e of report.nonJsonErrors.slice(0, 10))
      console.log(`  ${e.where} ${e.status} ${e.contentType || '(no type)'}: ${e.request.split('\n')[0]}`);
  }
  const unanswered = report.unanswered.filter((u) => u.family !== 'raw:framing' && u.family !== 'raw:bytes');
  if (unanswered.length) {
    console.log(`\nconnections closed without an answer, raw cases aside (first 10 of ${unanswered.length}):`);
    for (const u of unanswered.slice(0, 10)) console.log(`  ${u.where} ${u.family} ${u.error}: ${u.request.replaceAll('\n', ' | ')}`);
  }
  if (report.failures.length) console.log(`\n${report.failures.length} invariant failures:\n${formatFailures(report, 50)}`);
  failed = report.failures.length > 0 || report.fiveXx > 0;
  console.log(failed ? `\nINVARIANTS FAILED (${report.failures.length} failures, ${report.fiveXx} 5xx)` : '\nall invariants held');
} finally {
  await sys.stop();
}
process.exit(failed ? 1 : 0);
