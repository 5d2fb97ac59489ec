// CPU time of the machine and of its processes by who they are, between two moments, from Linux's
// /proc: whether a run was bound by the machine's cores, and whose work filled them. Where /proc is
// missing (not Linux) readings are undefined and nothing is printed.
import { promises as fs } from "node:fs";
import os from "node:os";

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux these benches run on). */
const TICKS = 100;

/** Who a process is, by its command line; the first match wins. */
const GROUPS: [string, RegExp][] = [
  ["kopia", /\/kopia\s/],
  ["velero-ts", /velero-ts\.js (server|node-agent)/],
  ["cluster", /kube-apiserver|kube-controller-manager|\betcd\b|simulator/],
  ["bench", /dist\/bench\//],
];

interface ProcessTimes {
  group: string;
  /** Its own CPU ticks, and those of its children that have ended (kopia runs, for the groups that start them). */
  own: number;
  children: number;
}

export interface CpuReading {
  at: number;
  /** Ticks the machine's cores were busy, all of them together. */
  machineBusy: number;
  processes: Map<number, ProcessTimes>;
}

export async function readCpu(): Promise<CpuReading | undefined> {
  let stat: string;
  try {
    stat = await fs.readFile("/proc/stat", "utf8");
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
  const [, ...fields] = stat.split("\n")[0]!.trim().split(/\s+/).map(Number);
  const machineBusy = fields.reduce((sum, n, i) => (i === 3 || i === 4 ? sum : sum + n), 0);
  const processes = new Map<number, ProcessTimes>();
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await fs.readFile(`/proc/${entry}/cmdline`, "utf8")).replaceAll("\0", " ");
      const group = GROUPS.find(([, pattern]) => pattern.test(cmdline))?.[0];
      if (!group) continue;
      // The fields after the command's closing parenthesis: utime is the 12th, then stime, cutime, cstime.
      const after = (await fs.readFile(`/proc/${entry}/stat`, "utf8")).split(")").pop()!.trim().split(" ");
      const [utime, stime, cutime, cstime] = after.slice(11, 15).map(Number) as [
        number,
        number,
        number,
        number,
      ];
      processes.set(Number(entry), { group, own: utime + stime, children: cutime + cstime });
    } catch {
      // It ended while being read.
    }
  }
  return { at: Date.now(), machineBusy, processes };
}

/** What the cores did between two readings, as a line (formatCpu). */
export function cpuBetween(from: CpuReading | undefined, to: CpuReading | undefined): string {
  return formatCpu(cpuUse(from, to));
}

/** How many of the cores were busy on average, and the CPU seconds of each group. */
export function formatCpu(use: CpuUse | undefined): string {
  if (!use) return "";
  const groups = [...use.seconds]
    .filter(([, s]) => s >= 0.05)
    .sort(([, a], [, b]) => b - a)
    .map(([group, s]) => `${group} ${s.toFixed(1)}s`)
    .join(", ");
  return `CPU over ${use.wallSeconds.toFixed(1)}s: ${(use.busySeconds / use.wallSeconds).toFixed(2)} of ${os.cpus().length} cores busy, ${use.busySeconds.toFixed(1)}s in all (${groups})`;
}

export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds of the whole machine. */
  busySeconds: number;
  /** CPU seconds of each group of processes. */
  seconds: Map<string, number>;
}

/**
 * What the cores did between two readings, as numbers. Children that ended meanwhile count as
 * kopia: the server, the node agents and the bench start no other programs that do real work.
 */
export function cpuUse(from: CpuReading | undefined, to: CpuReading | undefined): CpuUse | undefined {
  if (!from || !to) return undefined;
  const seconds = new Map<string, number>();
  const add = (group: string, ticks: number) =>
    seconds.set(group, (seconds.get(group) ?? 0) + Math.max(0, ticks) / TICKS);
  for (const [pid, end] of to.processes) {
    const start = from.processes.get(pid);
    add(end.group, end.own - (start?.own ?? 0));
    add("kopia", end.children - (start?.children ?? 0));
  }
  return {
    wallSeconds: (to.at - from.at) / 1000,
    busySeconds: (to.machineBusy - from.machineBusy) / TICKS,
    seconds,
  };
}
