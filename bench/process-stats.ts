/**
 * CPU time and resident memory of a process and its descendants, read from /proc (Linux): what
 * a subject process costs, measured from outside, whatever language it is written in.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function descendants(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${all[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${all[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) all.push(...children.split(/\s+/).map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return all;
}

/** utime + stime of `pid` and its living descendants, in µs (resolution: one clock tick, 10 ms). */
export function cpuMicros(pid: number): number {
  let ticks = 0;
  for (const p of descendants(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // fields after "(comm)": state is the first, utime the 12th, stime the 13th
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended meanwhile
    }
  }
  return (ticks / CLOCK_TICKS) * 1e6;
}

/** VmRSS of `pid` and its living descendants, in KiB. */
export function rssKiB(pid: number): number {
  let total = 0;
  for (const p of descendants(pid)) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (match) total += Number(match[1]);
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** Busy and total time of each core since boot, in clock ticks (/proc/stat). */
export function coreTimes(): Array<{ busy: number; total: number }> {
  const cores: Array<{ busy: number; total: number }> = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2]!.trim().split(/\s+/).map(Number) as number[];
    const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
    cores[Number(match[1])] = { busy: total - idle! - iowait!, total };
  }
  return cores;
}

/** Share of each core that was busy (any process) between two `coreTimes()` readings. */
export function coreBusy(before: ReturnType<typeof coreTimes>, after: ReturnType<typeof coreTimes>): number[] {
  return after.map((core, i) => {
    const b = before[i] ?? { busy: 0, total: 0 };
    return core.total > b.total ? (core.busy - b.busy) / (core.total - b.total) : 0;
  });
}
