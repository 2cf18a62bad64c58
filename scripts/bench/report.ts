// The benchmark's output: markdown tables (printed to stdout and written to
// docs/benchmarks/results.md) and hand-written SVG bar charts, Switchyard beside the floor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_LABEL, PROCESS_LABELS, UPSTREAM_LABEL, type BenchResult, type PhaseResult, type Summary, type Transport } from './run.ts';

const TRANSPORT_NAME: Record<Transport, string> = { http: 'HTTP streaming', websocket: 'Responses WebSocket mode' };

export function num(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function ratio(sy: number, floor: number): string {
  if (!Number.isFinite(sy) || !Number.isFinite(floor) || floor <= 0) return '—';
  return `${(sy / floor).toFixed(sy / floor >= 10 ? 0 : 1)}×`;
}

const pair = (s: Summary) => `${num(s.p50)} / ${num(s.p99)}`;
const pairRatio = (sy: Summary, fl: Summary) => `${ratio(sy.p50, fl.p50)} / ${ratio(sy.p99, fl.p99)}`;
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
export const cpuPerRun = (p: PhaseResult, label?: string) =>
  (label === undefined ? sum(p.cpuMs) : (p.cpuMs[label] ?? Number.NaN)) / p.chats;
export const cpuPerDelta = (p: PhaseResult, label?: string) =>
  ((label === undefined ? sum(p.cpuMs) : (p.cpuMs[label] ?? Number.NaN)) * 1000) / p.deltasReceived;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Pair {
  transport: Transport;
  scenario: string;
  floor?: PhaseResult;
  sy?: PhaseResult;
}

function pairs(result: BenchResult): Pair[] {
  const out: Pair[] = [];
  for (const p of result.phases) {
    let entry = out.find((e) => e.transport === p.transport && e.scenario === p.scenario.name);
    if (!entry) out.push((entry = { transport: p.transport, scenario: p.scenario.name }));
    if (p.target === 'floor') entry.floor = p;
    else entry.sy = p;
  }
  return out;
}

function describeScenario(p: PhaseResult, deltaDelayMs: number): string {
  const s = p.scenario;
  const answer = `${s.deltas} delta${s.deltas === 1 ? '' : 's'} at ${deltaDelayMs} ms`;
  switch (s.kind) {
    case 'steady':
      return `${s.concurrency} concurrent chats, ${s.chats / s.concurrency} back to back each (${s.chats} chats), ${answer}`;
    case 'burst':
      return `${s.chats} chats whose starts are spread over ${s.spreadMs ?? 1000} ms, ${answer}`;
    case 'perrun':
      return `${s.chats} chats, ${s.concurrency} at a time, ${answer}: CPU per run`;
  }
}

/** One scenario on one transport: every figure for the floor, Switchyard and their ratio. */
function detailTable(pr: Pair): string {
  const f = pr.floor;
  const s = pr.sy;
  const get = <T>(p: PhaseResult | undefined, fn: (p: PhaseResult) => T, fallback: T) => (p ? fn(p) : fallback);
  const rows: string[][] = [];
  const row = (figure: string, fl: string, sy: string, r: string) => rows.push([figure, fl, sy, r]);
  row(
    'chats (failed)',
    get(f, (p) => `${p.chats} (${p.failed})`, '—'),
    get(s, (p) => `${p.chats} (${p.failed})`, '—'),
    '',
  );
  row(
    'deltas received / sent',
    get(f, (p) => `${p.deltasReceived} / ${p.deltasExpected}`, '—'),
    get(s, (p) => `${p.deltasReceived} / ${p.deltasExpected}`, '—'),
    '',
  );
  const both = <T>(fn: (p: PhaseResult) => T) => [f ? fn(f) : undefined, s ? fn(s) : undefined] as const;
  const sumRow = (figure: string, fn: (p: PhaseResult) => Summary) => {
    const [a, b] = both(fn);
    row(figure, a ? pair(a) : '—', b ? pair(b) : '—', a && b ? pairRatio(b, a) : '');
  };
  sumRow('POST → response headers p50 / p99 (ms)', (p) => p.headers);
  sumRow('POST → first delta p50 / p99 (ms)', (p) => p.firstDelta);
  sumRow('per-delta latency p50 / p99 (ms, receive − send stamp)', (p) => p.deltaLatency);
  const [dfA, dfB] = both((p) => p.deltasPerSecond);
  row(
    'delivered deltas/s',
    dfA === undefined ? '—' : num(dfA),
    dfB === undefined ? '—' : num(dfB),
    dfA !== undefined && dfB !== undefined ? ratio(dfB, dfA) : '',
  );
  row('  first delta, stage 1: POST → job enqueued p50 / p99 (ms)', '—', s?.stages ? pair(s.stages.postToEnqueue) : '—', '');
  row('  stage 2: BullMQ enqueue → worker start p50 / p99 (ms)', '—', s?.queueWait ? pair(s.queueWait) : '—', '');
  row('  stage 3: worker start → first delta at the client p50 / p99 (ms)', '—', s?.stages ? pair(s.stages.startToFirstDelta) : '—', '');
  const floorRun = f ? cpuPerRun(f) : Number.NaN;
  const floorDelta = f ? cpuPerDelta(f) : Number.NaN;
  row('**CPU per run (ms), all processes**', num(floorRun), s ? num(cpuPerRun(s)) : '—', s ? ratio(cpuPerRun(s), floorRun) : '');
  for (const label of PROCESS_LABELS.switchyard)
    row(`  CPU per run: ${label}`, '', s ? num(cpuPerRun(s, label)) : '—', s ? ratio(cpuPerRun(s, label), floorRun) : '');
  row('**CPU per delta (µs), all processes**', num(floorDelta), s ? num(cpuPerDelta(s)) : '—', s ? ratio(cpuPerDelta(s), floorDelta) : '');
  for (const label of PROCESS_LABELS.switchyard)
    row(`  CPU per delta: ${label}`, '', s ? num(cpuPerDelta(s, label)) : '—', s ? ratio(cpuPerDelta(s, label), floorDelta) : '');
  const floorRss = f ? sum(f.rssMiB) : Number.NaN;
  row('**peak RSS (MiB), all processes**', num(floorRss), s ? num(sum(s.rssMiB)) : '—', s ? ratio(sum(s.rssMiB), floorRss) : '');
  for (const label of PROCESS_LABELS.switchyard)
    row(`  peak RSS: ${label}`, '', s ? num(s.rssMiB[label] ?? Number.NaN) : '—', s ? ratio(s.rssMiB[label] ?? Number.NaN, floorRss) : '');
  const other = (p: PhaseResult | undefined, label: string) => (p ? num((p.otherCpuMs[label] ?? Number.NaN) / p.chats) : '—');
  row(`(not measured against) CPU per run: ${UPSTREAM_LABEL}`, other(f, UPSTREAM_LABEL), other(s, UPSTREAM_LABEL), '');
  row(`(not measured against) CPU per run: ${CLIENT_LABEL}`, other(f, CLIENT_LABEL), other(s, CLIENT_LABEL), '');
  return table(['figure', 'floor (Agents SDK, one process)', 'Switchyard', 'Switchyard ÷ floor'], rows);
}

/**
 * Switchyard's Redis and MongoDB commands in a phase, per chat: how many and the time each server
 * spent on them (Redis: inside the command, script-run commands listed too; MongoDB test server:
 * decode, handler and encode). The per-run scenario shows a run's fixed cost command by command.
 */
function operationsTable(p: PhaseResult): string | null {
  const ops = p.operations;
  if (!ops || p.chats === 0) return null;
  const rows: string[][] = [];
  const add = (server: string, m: Record<string, { calls: number; usec: number }>, top: number) => {
    const entries = Object.entries(m).sort((a, b) => b[1].usec - a[1].usec);
    const total = entries.reduce((a, [, v]) => ({ calls: a.calls + v.calls, usec: a.usec + v.usec }), { calls: 0, usec: 0 });
    rows.push([`**${server}, all commands**`, num(total.calls / p.chats), num(total.usec / p.chats)]);
    for (const [name, v] of entries.slice(0, top)) rows.push([`  ${server}: ${name}`, num(v.calls / p.chats), num(v.usec / p.chats)]);
  };
  add('Redis', ops.redis, 12);
  add('MongoDB', ops.mongo, 8);
  return table(['command (Switchyard)', 'calls per chat', 'µs per chat in the server'], rows);
}

/** The overview: one line per transport and scenario with the headline figures. */
function overviewTable(all: Pair[]): string {
  const rows = all.map((pr) => {
    const f = pr.floor;
    const s = pr.sy;
    const cell = (fn: (p: PhaseResult) => number) => {
      const a = f ? fn(f) : Number.NaN;
      const b = s ? fn(s) : Number.NaN;
      return `${num(a)} → ${num(b)} (${ratio(b, a)})`;
    };
    return [
      `${pr.scenario} · ${pr.transport}`,
      cell((p) => p.firstDelta.p99),
      cell((p) => p.deltaLatency.p99),
      cell((p) => p.deltasPerSecond),
      cell((p) => cpuPerRun(p)),
      cell((p) => cpuPerDelta(p)),
    ];
  });
  return table(
    ['scenario · transport', 'first delta p99 (ms)', 'per-delta p99 (ms)', 'deltas/s', 'CPU per run (ms)', 'CPU per delta (µs)'],
    rows,
  );
}

/**
 * Per-delta cost: CPU in the steadiest many-delta phase (the steady scenario with the most
 * concurrency) per delivered delta, all in, and with the per-run cost of the perrun phase taken off
 * (marginal: what one more delta costs).
 */
function perDeltaTable(all: Pair[], transport: Transport): string | null {
  const steady = all
    .filter((p) => p.transport === transport && (p.floor ?? p.sy)?.scenario.kind === 'steady')
    .sort((a, b) => ((b.floor ?? b.sy)!.scenario.concurrency ?? 0) - ((a.floor ?? a.sy)!.scenario.concurrency ?? 0))[0];
  const perrun = all.find((p) => p.transport === transport && (p.floor ?? p.sy)?.scenario.kind === 'perrun');
  if (!steady) return null;
  const marginal = (st: PhaseResult | undefined, pr: PhaseResult | undefined, label?: string) => {
    if (!st || !pr) return Number.NaN;
    const total = label === undefined ? sum(st.cpuMs) : (st.cpuMs[label] ?? Number.NaN);
    const perRun = label === undefined ? sum(pr.cpuMs) / pr.chats : (pr.cpuMs[label] ?? Number.NaN) / pr.chats;
    return ((total - perRun * st.chats) * 1000) / st.deltasReceived;
  };
  const name = steady.scenario;
  const rows: string[][] = [];
  const fAll = steady.floor ? cpuPerDelta(steady.floor) : Number.NaN;
  const sAll = steady.sy ? cpuPerDelta(steady.sy) : Number.NaN;
  rows.push([`all in (${name} CPU ÷ deltas delivered), all processes`, num(fAll), num(sAll), ratio(sAll, fAll)]);
  const fM = marginal(steady.floor, perrun?.floor);
  const sM = marginal(steady.sy, perrun?.sy);
  rows.push([`marginal (${name} CPU − chats × perrun CPU per run) ÷ deltas, all processes`, num(fM), num(sM), ratio(sM, fM)]);
  for (const label of PROCESS_LABELS.switchyard) {
    const v = marginal(steady.sy, perrun?.sy, label);
    rows.push([`  marginal: ${label}`, '', num(v), ratio(v, fM)]);
  }
  return table(['CPU per delta (µs)', 'floor', 'Switchyard', 'Switchyard ÷ floor'], rows);
}

export function renderTables(result: BenchResult): string {
  const all = pairs(result);
  const out: string[] = [];
  out.push('## Overview (floor → Switchyard, ratio)', '', overviewTable(all), '');
  for (const transport of result.options.transports) {
    out.push(`## ${TRANSPORT_NAME[transport]} (MODEL_TRANSPORT=${transport})`, '');
    for (const pr of all.filter((p) => p.transport === transport)) {
      const any = (pr.floor ?? pr.sy)!;
      out.push(`### ${pr.scenario}: ${describeScenario(any, result.options.deltaDelayMs)}`, '', detailTable(pr), '');
      const ops = pr.sy ? operationsTable(pr.sy) : null;
      if (ops) out.push(ops, '');
    }
    const perDelta = perDeltaTable(all, transport);
    if (perDelta) out.push(`### Per-delta cost (${TRANSPORT_NAME[transport]})`, '', perDelta, '');
  }
  return out.join('\n');
}

/** What `npm run bench` prints: the machine line and every table. */
export function printableReport(result: BenchResult): string {
  return `\nSwitchyard benchmark — ${machineLine(result)}\n\n${renderTables(result)}`;
}

export function machineLine(result: BenchResult): string {
  const m = result.machine;
  return `${m.date} · commit ${m.commit} · ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB · Node ${m.node} · Redis ${m.redis}`;
}

// ---------------------------------------------------------------------------------------------
// SVG charts

interface Segment {
  label: string;
  value: number;
  color: string;
}
interface Bar {
  label: string;
  segments: Segment[];
  /** A tick drawn across the bar (e.g. the p50 on a p99 bar). */
  marker?: number;
}
interface Group {
  label: string;
  sublabel: string;
  bars: Bar[];
}

const COLORS = {
  floor: '#8a94a6',
  floorLight: '#c3c9d4',
  switchyard: '#2f6fde',
  gateway: '#2f6fde',
  'generation worker': '#f08c2e',
  'ingest worker': '#9b59b6',
  'redis-server': '#d64545',
  'mongo test server': '#2e9e6a',
  'floor server': '#8a94a6',
} as Record<string, string>;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function barChart(
  title: string,
  subtitle: string,
  unit: string,
  groups: Group[],
  legend: Array<{ label: string; color: string }>,
): string {
  const barW = 26;
  const barGap = 6;
  const groupGap = 30;
  const left = 70;
  const top = 70;
  const plotH = 260;
  const groupW = (g: Group) => g.bars.length * barW + (g.bars.length - 1) * barGap;
  const legendW = legend.reduce((a, l) => a + 24 + l.label.length * 6, 0);
  const width = Math.max(
    560,
    left + groups.reduce((a, g) => a + groupW(g) + groupGap, 0) + 20,
    left + subtitle.length * 6 + 20,
    left + legendW + 20,
  );
  const height = top + plotH + 80;
  const total = (b: Bar) => b.segments.reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);
  const max = niceMax(Math.max(0, ...groups.flatMap((g) => g.bars.map(total))));
  const y = (v: number) => top + plotH - (Math.max(0, v) / max) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${left}" y="40" fill="#555">${esc(subtitle)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${esc(v === 0 ? '0' : num(v))}</text>`);
  }
  parts.push(
    `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle" fill="#555">${esc(unit)}</text>`,
  );
  let x = left + groupGap / 2;
  for (const g of groups) {
    const gx = x;
    for (const b of g.bars) {
      let base = 0;
      for (const s of b.segments) {
        if (!Number.isFinite(s.value) || s.value <= 0) continue;
        const y0 = y(base);
        const y1 = y(base + s.value);
        parts.push(
          `<rect x="${x}" y="${y1.toFixed(1)}" width="${barW}" height="${(y0 - y1).toFixed(1)}" fill="${s.color}"><title>${esc(`${g.label} ${g.sublabel} · ${b.label} · ${s.label}: ${num(s.value)} ${unit}`)}</title></rect>`,
        );
        base += s.value;
      }
      if (b.marker !== undefined && Number.isFinite(b.marker)) {
        parts.push(
          `<line x1="${x - 2}" x2="${x + barW + 2}" y1="${y(b.marker).toFixed(1)}" y2="${y(b.marker).toFixed(1)}" stroke="#111" stroke-width="2"/>`,
        );
      }
      parts.push(
        `<text x="${x + barW / 2}" y="${(y(total(b)) - 4).toFixed(1)}" text-anchor="middle" font-size="9">${esc(num(total(b)))}</text>`,
      );
      parts.push(`<text x="${x + barW / 2}" y="${top + plotH + 12}" text-anchor="middle" font-size="9" fill="#555">${esc(b.label)}</text>`);
      x += barW + barGap;
    }
    x += groupGap - barGap;
    const cx = gx + groupW(g) / 2;
    parts.push(`<text x="${cx}" y="${top + plotH + 28}" text-anchor="middle" font-weight="bold">${esc(g.label)}</text>`);
    parts.push(`<text x="${cx}" y="${top + plotH + 42}" text-anchor="middle" fill="#555">${esc(g.sublabel)}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  let lx = left;
  const ly = height - 14;
  for (const l of legend) {
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${l.color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}">${esc(l.label)}</text>`);
    lx += 24 + l.label.length * 6;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** The charts, by file name. */
export function renderCharts(result: BenchResult): Record<string, string> {
  const all = pairs(result).filter((p) => p.floor && p.sy);
  const latencyGroups = (fn: (p: PhaseResult) => Summary): Group[] =>
    all.map((pr) => ({
      label: pr.scenario,
      sublabel: pr.transport,
      bars: [
        { label: 'floor', segments: [{ label: 'p99', value: fn(pr.floor!).p99, color: COLORS.floor! }], marker: fn(pr.floor!).p50 },
        { label: 'SY', segments: [{ label: 'p99', value: fn(pr.sy!).p99, color: COLORS.switchyard! }], marker: fn(pr.sy!).p50 },
      ],
    }));
  const cpuGroups = (fn: (p: PhaseResult, label: string) => number, pairsShown = all): Group[] =>
    pairsShown.map((pr) => ({
      label: pr.scenario,
      sublabel: pr.transport,
      bars: [
        { label: 'floor', segments: [{ label: 'floor server', value: fn(pr.floor!, 'floor server'), color: COLORS.floor! }] },
        { label: 'SY', segments: PROCESS_LABELS.switchyard.map((l) => ({ label: l, value: fn(pr.sy!, l), color: COLORS[l]! })) },
      ],
    }));
  const latencyLegend = [
    { label: 'floor (Agents SDK, one process) p99', color: COLORS.floor! },
    { label: 'Switchyard p99', color: COLORS.switchyard! },
    { label: 'black tick: p50', color: '#111' },
  ];
  const cpuLegend = [
    { label: 'floor server', color: COLORS.floor! },
    ...PROCESS_LABELS.switchyard.map((l) => ({ label: l, color: COLORS[l]! })),
  ];
  const when = machineLine(result);
  return {
    'first-delta.svg': barChart(
      'POST → first delta',
      when,
      'ms',
      latencyGroups((p) => p.firstDelta),
      latencyLegend,
    ),
    'delta-latency.svg': barChart(
      'Per-delta latency (client receive − upstream send stamp)',
      when,
      'ms',
      latencyGroups((p) => p.deltaLatency),
      latencyLegend,
    ),
    'cpu-per-run.svg': barChart(
      'CPU per run, by process',
      when,
      'ms CPU per chat',
      cpuGroups((p, l) => cpuPerRun(p, l)),
      cpuLegend,
    ),
    'cpu-per-delta.svg': barChart(
      'CPU per delivered delta, by process (one-delta perrun left out)',
      when,
      'µs CPU per delta',
      cpuGroups(
        (p, l) => cpuPerDelta(p, l),
        // One-delta runs measure the run, not the delta: their bars would dwarf the rest.
        all.filter((pr) => pr.floor!.scenario.kind !== 'perrun'),
      ),
      cpuLegend,
    ),
  };
}

export function renderResultsMarkdown(result: BenchResult, command: string): string {
  const o = result.options;
  const charts = Object.keys(renderCharts(result));
  return [
    '# Benchmark results',
    '',
    `Generated by \`${command}\` (scripts/bench/) — do not edit by hand; see [README.md](README.md) for`,
    'what each figure means and how it is measured.',
    '',
    `- Run: ${machineLine(result)}`,
    `- Upstream: the model test server in its own process, every text delta stamped with its send time; ${o.deltaDelayMs} ms before each delta.`,
    `- Transports: ${o.transports.join(', ')}; targets: ${o.targets.join(', ')}; warm-up: ${o.warmupChats} unmeasured chats per target.`,
    `- Clients: all in the benchmark process, on the same ${result.machine.cores} cores as every measured process.`,
    `- Peak RSS: ${result.phases.every((p) => p.rssPerPhase) ? 'per phase (VmHWM reset through /proc/<pid>/clear_refs at its start)' : 'since each process started (VmHWM could not be reset)'}.`,
    '',
    ...charts.map((c) => `![${c}](${c})`),
    '',
    renderTables(result),
  ].join('\n');
}

export function writeDocs(result: BenchResult, dir: string, command: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const charts = renderCharts(result);
  for (const [name, svg] of Object.entries(charts)) {
    writeFileSync(join(dir, name), svg);
    written.push(join(dir, name));
  }
  writeFileSync(join(dir, 'results.md'), renderResultsMarkdown(result, command));
  writeFileSync(join(dir, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  written.push(join(dir, 'results.md'), join(dir, 'results.json'));
  return written;
}
