// Smoke run of the benchmark (scripts/bench/, `npm run bench`) in a tiny configuration: one transport,
// the floor and the whole Switchyard system, three chats of five deltas per scenario. Checks that every
// figure came out finite and was printed — never how fast anything was (timing belongs to the real
// benchmark on a quiet machine, docs/benchmarks/).
import { describe, expect, it } from 'vitest';
import { printableReport, renderCharts } from '../../scripts/bench/report.ts';
import { PROCESS_LABELS, runBenchmark, type PhaseResult, type Summary } from '../../scripts/bench/run.ts';

const finite = (s: Summary) => Number.isFinite(s.p50) && Number.isFinite(s.p99) && s.n > 0;

describe('npm run bench (smoke)', () => {
  it('produces a finite figure in every column for the floor and Switchyard, and prints them', { timeout: 60_000 }, async () => {
    const log: string[] = [];
    const result = await runBenchmark({
      transports: ['http'],
      targets: ['floor', 'switchyard'],
      scenarios: [
        { name: 'steady3', kind: 'steady', concurrency: 3, chats: 3, deltas: 5 },
        { name: 'burst3', kind: 'burst', concurrency: 3, chats: 3, deltas: 5, spreadMs: 100 },
        { name: 'perrun', kind: 'perrun', concurrency: 1, chats: 3, deltas: 1 },
      ],
      deltaDelayMs: 5,
      warmupChats: 1,
      log: (line) => log.push(line),
    });
    expect(result.phases).toHaveLength(6);
    const check = (p: PhaseResult) => {
      const where = `${p.target} ${p.scenario.name}: ${p.errors.join('; ')}`;
      expect(p.failed, where).toBe(0);
      expect(p.chats, where).toBe(3);
      expect(p.deltasReceived, where).toBe(p.deltasExpected);
      for (const s of [p.headers, p.firstDelta, p.deltaLatency]) expect(finite(s), where).toBe(true);
      expect(p.deltasPerSecond).toBeGreaterThan(0);
      const labels = PROCESS_LABELS[p.target];
      expect(Object.keys(p.cpuMs).sort()).toEqual([...labels].sort());
      for (const label of labels) {
        expect(Number.isFinite(p.cpuMs[label]), `${where} cpu ${label}`).toBe(true);
        expect(p.rssMiB[label], `${where} rss ${label}`).toBeGreaterThan(0);
      }
      if (p.target === 'switchyard') {
        expect(p.queueWait && finite(p.queueWait), where).toBe(true);
        expect(p.stages && finite(p.stages.postToEnqueue) && finite(p.stages.startToFirstDelta), where).toBe(true);
      }
    };
    result.phases.forEach(check);

    const printed = printableReport(result);
    console.log(printed);
    for (const figure of [
      'POST → response headers',
      'POST → first delta',
      'per-delta latency',
      'delivered deltas/s',
      'BullMQ enqueue → worker start',
      'CPU per run',
      'CPU per delta',
      'peak RSS',
      'marginal',
    ])
      expect(printed).toContain(figure);
    for (const label of PROCESS_LABELS.switchyard) expect(printed).toContain(`CPU per run: ${label}`);
    // Every cell holds a number: nothing came out NaN or infinite.
    expect(printed).not.toMatch(/n\/a|NaN|Infinity/);
    const charts = renderCharts(result);
    expect(Object.keys(charts)).toHaveLength(4);
    for (const svg of Object.values(charts)) expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });
});
