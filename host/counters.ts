// Counter snapshots of a machine and the difference between two of them: context switches per
// CPU and per task, run time, idle time. Workloads take one when their timed phase starts and
// one when it ends, and report rates over that simulated interval.
import type { Machine } from "./machine.ts";

export interface TaskCounters {
  pid: number;
  comm: string;
  kind: "user" | "kthread" | "idle";
  cpu: number;
  nvcsw: number;
  nivcsw: number;
  runtimeCycles: number;
}

export interface CpuCounters {
  cpu: number;
  clock: bigint;
  switches: number;
  nvcsw: number;
  nivcsw: number;
  idleCycles: number;
  ticks: number;
}

export interface Snapshot {
  cycle: bigint;
  totalSwitches: number;
  cpus: CpuCounters[];
  tasks: Map<number, TaskCounters>;   // by pid; idle tasks are left out (they are per CPU)
}

const PF_KTHREAD = 1, PF_IDLE = 2;

export function readComm(m: Machine, ptr: number): string {
  const b = new Uint8Array(m.ex.memory.buffer, ptr, 16);
  const z = b.indexOf(0);
  return new TextDecoder().decode(b.subarray(0, z < 0 ? 16 : z));
}

type Ex = Record<string, (...a: number[]) => number | bigint>;

export function snapshot(m: Machine): Snapshot {
  const ex = m.ex as unknown as Ex;
  const n = Number(ex.cpu_count());
  const now = m.cpuNow();
  const cpus: CpuCounters[] = [];
  for (let i = 0; i < n; i++) {
    cpus.push({
      cpu: i,
      clock: ex.cpu_clock(i) as bigint,
      switches: Number(ex.cpu_switches(i)),
      nvcsw: Number(ex.cpu_nvcsw(i)),
      nivcsw: Number(ex.cpu_nivcsw(i)),
      idleCycles: Number((ex.cpu_idle_until as unknown as (i: number, t: bigint) => bigint)(i, now)),
      ticks: Number(ex.cpu_ticks(i)),
    });
  }
  const tasks = new Map<number, TaskCounters>();
  for (let t = Number(ex.task_iter(0)) >>> 0; t; t = Number(ex.task_iter(t)) >>> 0) {
    const flags = Number(ex.task_flags(t)) >>> 0;
    if (flags & PF_IDLE) continue;
    const pid = Number(ex.task_pid(t));
    tasks.set(pid, {
      pid,
      comm: readComm(m, Number(ex.task_comm(t)) >>> 0),
      kind: flags & PF_KTHREAD ? "kthread" : "user",
      cpu: Number(ex.task_cpu(t)),
      nvcsw: Number(ex.task_nvcsw(t)),
      nivcsw: Number(ex.task_nivcsw(t)),
      runtimeCycles: Number(ex.task_runtime(t)),
    });
  }
  return { cycle: now, totalSwitches: Number(ex.total_switches()), cpus, tasks };
}

export interface Rates {
  seconds: number;                 // simulated
  switches: number;
  switchesPerSec: number;
  perCpu: { cpu: number; switchesPerSec: number; idlePct: number }[];
  perTask: { pid: number; comm: string; kind: string; switches: number; voluntary: number; involuntary: number; switchesPerSec: number; cpuPct: number }[];
}

// Rates between two snapshots of the same machine. Tasks that exited in between are counted by
// what the earlier snapshot saw of them (their last switches are lost, as after exit on Linux).
export function rates(m: Machine, a: Snapshot, b: Snapshot): Rates {
  const cyclesPerSec = m.cyclesPerSecond;
  const seconds = Number(b.cycle - a.cycle) / cyclesPerSec;
  const per = (x: number) => (seconds > 0 ? x / seconds : 0);
  const switches = b.totalSwitches - a.totalSwitches;
  const perCpu = b.cpus.map((c, i) => {
    const c0 = a.cpus[i];
    const span = Number(b.cycle - a.cycle);
    return { cpu: c.cpu, switchesPerSec: per(c.switches - c0.switches), idlePct: span > 0 ? (100 * (c.idleCycles - c0.idleCycles)) / span : 0 };
  });
  const perTask = [...b.tasks.values()].map((t) => {
    const t0 = a.tasks.get(t.pid);
    const vol = t.nvcsw - (t0?.nvcsw ?? 0), invol = t.nivcsw - (t0?.nivcsw ?? 0);
    const run = t.runtimeCycles - (t0?.runtimeCycles ?? 0);
    return { pid: t.pid, comm: t.comm, kind: t.kind, switches: vol + invol, voluntary: vol, involuntary: invol,
      switchesPerSec: per(vol + invol), cpuPct: seconds > 0 ? (100 * run) / (seconds * cyclesPerSec) : 0 };
  }).filter((t) => t.switches > 0 || t.cpuPct > 0).sort((x, y) => x.pid - y.pid);
  return { seconds, switches, switchesPerSec: per(switches), perCpu, perTask };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
