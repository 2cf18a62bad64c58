// Per-process resource readings from /proc (Linux): CPU time (utime + stime of every thread) and
// peak resident set (VmHWM), which `clear_refs` resets so each phase reports its own peak.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's CPU fields (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = (() => {
  const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(probe.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU seconds a process has used so far (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it start past its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Peak resident set of a process in MiB (VmHWM), NaN when it cannot be read. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`); false where not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A process whose CPU and peak RSS a phase reports. */
export interface Watched {
  label: string;
  pid: number;
}

export interface PhaseUsage {
  /** CPU seconds used during the phase, per label. */
  cpu: Record<string, number>;
  /** Peak RSS in MiB during the phase (since start, when clear_refs was allowed), per label. */
  rss: Record<string, number>;
  /** Whether every peak was reset at the start (else it is the peak since the process started). */
  rssPerPhase: boolean;
}

/** Starts measuring `procs`; `stop()` returns what each used since. */
export function measure(procs: Watched[]): { stop(): PhaseUsage } {
  const rssPerPhase = procs.map((p) => resetPeakRss(p.pid)).every(Boolean);
  const before = procs.map((p) => cpuSeconds(p.pid));
  return {
    stop() {
      const cpu: Record<string, number> = {};
      const rss: Record<string, number> = {};
      procs.forEach((p, i) => {
        cpu[p.label] = cpuSeconds(p.pid) - before[i]!;
        rss[p.label] = peakRssMiB(p.pid);
      });
      return { cpu, rss, rssPerPhase };
    },
  };
}
