// Chaos suite (issue 5, grown for issue 18): runs in flight on one loopback system while generation
// workers are killed, frozen past their lock and drained, gateways and ingest workers are killed and
// Redis is stopped or killed and restarted on its AOF data. Every run is followed by its own client
// (re-attaching with Last-Event-ID) and judged from what that client saw and what MongoDB holds
// (judge.ts). Default (part of `npm test`): every fault type twice. `CHAOS_FAULTS=200` runs a
// seeded campaign of that many faults instead; `CHAOS_SEED=<n>` replays a seed's schedule and
// choices. Prints a row per fault type; docs/chaos.md describes the columns and holds the figures.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { System } from '../kit/system.ts';
import {
  DEFECT_COLUMNS,
  formatReport,
  randomSchedule,
  roundsSchedule,
  runCampaign,
  seededRandom,
  startChaosSystem,
  type Row,
} from './campaign.ts';

const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
const longFaults = Number(process.env.CHAOS_FAULTS ?? 0);
const long = longFaults > 0;
// The schedule has a generator of its own, so the same seed gives the same faults in the same order.
const schedule = long ? randomSchedule(longFaults, seededRandom(seed ^ 0x5eed)) : roundsSchedule(2);
const HANG_MS = 90_000;

let sys: System;
beforeAll(async () => {
  sys = await startChaosSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

/** The table as Markdown, ready for docs/chaos.md. */
function markdown(rows: Row[]): string {
  const cols = Object.keys(rows[0]!);
  return [
    `| ${cols.join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`),
  ].join('\n');
}

it(
  `loses, duplicates and leaves behind nothing while processes and Redis die (${long ? `${longFaults} seeded faults` : 'every fault type twice'})`,
  async () => {
    const report = await runCampaign(sys, {
      seed,
      schedule,
      runsPerFault: 4,
      hangMs: HANG_MS,
      maxInFlight: 16,
      ...(long ? { progress: (line: string) => console.log(line) } : {}),
    });
    console.log(
      `\nchaos campaign: seed ${seed} (CHAOS_SEED=${seed} replays it), ${report.faults.length} faults, ${report.results.length} runs, ${Math.round(report.durationMs / 1000)} s`,
    );
    console.table(report.rows);
    console.log(`${markdown(report.rows)}\n\n${formatReport(report)}`);

    const all = report.rows[report.rows.length - 1]!;
    for (const column of DEFECT_COLUMNS) expect.soft(all[column], `${column} (seed ${seed})`).toBe(0);
    expect.soft(report.skipped, `faults that found no victim (seed ${seed})`).toEqual([]);
    expect.soft(report.redisErrorRuns.length, `runs ended with an error by a Redis restart under 10 s (seed ${seed})`).toBe(0);
    for (const f of report.faults.filter((f) => f.type === 'worker-sigterm'))
      expect.soft(f.exitCode, `exit code of ${f.victim} after SIGTERM (seed ${seed})`).toBe(0);
  },
  long ? longFaults * 30_000 + 300_000 : 300_000,
);
