// Read-outs of a machine as typed objects: lock class statistics (/proc/lock_stat's columns),
// per-CPU and per-task scheduler counters, lockdep-lite's reports and the hang detector's
// report. Every function takes a Machine and reads the kernel's exports; nothing is cached.
//
// Kernel side: assembly/kernel/lockdep.ts (reports, sites, class statistics),
// assembly/kernel/hang.ts (hang report); layouts of the records are drawn there.
import type { Machine } from "./machine.ts";
import { liftString } from "./loader.ts";
import { snapshot, readComm, type CpuCounters, type TaskCounters } from "./counters.ts";

type Ex = Record<string, (...a: number[]) => number | bigint>;
const exOf = (m: Machine) => m.ex as unknown as Ex;
const num = (v: number | bigint) => Number(v);

// ---- lock classes

export interface LockUsage {
  inHardirq: boolean;       // taken in hard-interrupt context (irq-safe)
  inSoftirq: boolean;       // taken in softirq context
  hardirqOn: boolean;       // held with hard interrupts enabled (irq-unsafe)
  softirqOn: boolean;       // held where a softirq could run
  flags: string[];          // lockdep's spelling: IN-HARDIRQ-W, HARDIRQ-ON-R, ...
}

export interface LockClassStats {
  id: number;
  name: string;
  acquisitions: number;
  contended: number;        // acquisitions that found the lock taken and spun
  spinCycles: number;       // cycles spent spinning, all CPUs
  transfers: number;        // acquisitions whose cache line came from another CPU
  maxHold: number;          // longest hold, cycles
  usage: LockUsage;         // filled while lockdep is on
}

const USAGE_NAMES = [
  "IN-HARDIRQ-W", "IN-HARDIRQ-R", "IN-SOFTIRQ-W", "IN-SOFTIRQ-R",
  "HARDIRQ-ON-W", "HARDIRQ-ON-R", "SOFTIRQ-ON-W", "SOFTIRQ-ON-R",
];

function usageOf(bits: number): LockUsage {
  return {
    inHardirq: (bits & 0x03) !== 0,
    inSoftirq: (bits & 0x0c) !== 0,
    hardirqOn: (bits & 0x30) !== 0,
    softirqOn: (bits & 0xc0) !== 0,
    flags: USAGE_NAMES.filter((_, i) => bits & (1 << i)),
  };
}

function className(m: Machine, id: number): string | null {
  if (id <= 0) return null;
  const p = num(exOf(m).lock_class_name(id)) >>> 0;
  return p ? liftString(m.ex.memory, p) : null;
}

// Every registered lock class, in registration order (class ids from 1).
export function lockStats(m: Machine): LockClassStats[] {
  const ex = exOf(m);
  const n = num(ex.lock_class_count());
  const out: LockClassStats[] = [];
  for (let i = 1; i < n; i++) {
    const s = (w: number) => num(ex.lock_class_stat(i, w));
    out.push({
      id: i, name: className(m, i) ?? `class${i}`,
      acquisitions: s(0), contended: s(1), spinCycles: s(2), transfers: s(3), maxHold: s(4),
      usage: usageOf(s(5)),
    });
  }
  return out;
}

// One class by name, or undefined if no lock of that class was ever initialised.
export function lockClass(m: Machine, name: string): LockClassStats | undefined {
  return lockStats(m).find((c) => c.name === name);
}

// A table for people: classes with any acquisitions, most contended first.
export function formatLockStats(stats: LockClassStats[], cyclesPerUs?: number): string {
  const rows = stats.filter((c) => c.acquisitions > 0)
    .sort((a, b) => b.contended - a.contended || b.acquisitions - a.acquisitions || a.id - b.id);
  const unit = cyclesPerUs ? "us" : "cycles";
  const t = (c: number) => (cyclesPerUs ? (c / cyclesPerUs).toFixed(2) : String(c));
  const head = ["class", "acquisitions", "contended", `spin (${unit})`, "transfers", `max hold (${unit})`];
  const body = rows.map((c) => [c.name, String(c.acquisitions), String(c.contended), t(c.spinCycles),
    String(c.transfers), t(c.maxHold)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join("  ");
  return [line(head), ...body.map(line)].join("\n");
}

// ---- per CPU and per task (the scheduler's counters)

export type CpuMetrics = CpuCounters;        // cpu, clock, switches, nvcsw, nivcsw, idleCycles, ticks
export type TaskMetrics = TaskCounters;      // pid, comm, kind, cpu, nvcsw, nivcsw, runtimeCycles

export function cpuMetrics(m: Machine): CpuMetrics[] { return snapshot(m).cpus; }
// Live tasks other than the idle tasks, by pid.
export function taskMetrics(m: Machine): TaskMetrics[] {
  return [...snapshot(m).tasks.values()].sort((a, b) => a.pid - b.pid);
}

// ---- lockdep-lite

export interface LockdepSwitches { bug?: boolean }

// Turns the lock checker on (boot option or any time between runs). With bug: true, a new
// report is a kernel BUG (machine.run throws) instead of a record.
export function enableLockdep(m: Machine, o: LockdepSwitches = {}): void {
  const ex = exOf(m);
  ex.lockdep_enable(1);
  ex.lockdep_set_bug(o.bug ? 1 : 0);
}

export type IrqContext = "process" | "softirq" | "hardirq";

// Who took a lock and how: lockdep-lite's "site" (kernel/lockdep.ts).
export interface LockSite {
  pid: number;
  comm: string;
  cpu: number;
  jiffies: number;
  syscall: number | null;    // i386 number of the system call in progress
  context: IrqContext;
  irqsOff: boolean;
  read: boolean;
  name: string | null;       // lockdep_site("…") or might_sleep("…") marker
  taking: string | null;     // class being taken
  held: string[];            // classes already held, outermost first
}

export type LockdepReportKind =
  | "order-inversion" | "irq-inconsistent" | "irq-safe-unsafe" | "recursive" | "sleep-in-atomic";
const KINDS: Record<number, LockdepReportKind> = {
  1: "order-inversion", 2: "irq-inconsistent", 3: "irq-safe-unsafe", 4: "recursive", 5: "sleep-in-atomic",
};

export interface LockdepReport {
  kind: LockdepReportKind;
  irq: "hardirq" | "softirq" | null;
  // order-inversion: first→…→second was recorded, now second is held while taking first.
  // irq-safe-unsafe: first is irq-safe, second irq-unsafe, chain leads from one to the other.
  // irq-inconsistent, recursive: first = second = the class. sleep-in-atomic: first = the
  // innermost held class (null with none held).
  first: string | null;
  second: string | null;
  chain: string[];
  // order-inversion: earlier = the first acquisition of the recorded order's first edge.
  // irq-*: earlier = first use in irq context, later = first hold with irqs enabled.
  earlier: LockSite | null;
  later: LockSite | null;
  now: LockSite | null;      // the acquisition (or call) that produced the report
  text: string;              // what the BUG would say
}

function readSite(m: Machine, s: number): LockSite | null {
  if (!s) return null;
  const ex = exOf(m);
  const w = (i: number) => num(ex.lockdep_site_word(s, i));
  const ctx = w(8);
  const nheld = w(11);
  const namePtr = w(9) >>> 0;
  return {
    pid: w(0), comm: readComm(m, num(ex.lockdep_site_comm(s)) >>> 0), cpu: w(1), jiffies: w(2) >>> 0,
    syscall: w(3) >= 0 ? w(3) : null,
    context: (["process", "softirq", "hardirq"] as const)[ctx & 3] ?? "process",
    irqsOff: (ctx & 16) !== 0, read: (ctx & 32) !== 0,
    name: namePtr ? liftString(m.ex.memory, namePtr) : null,
    taking: className(m, w(10)),
    held: Array.from({ length: nheld }, (_, i) => className(m, w(12 + i)) ?? "?"),
  };
}

export function lockdepReports(m: Machine): LockdepReport[] {
  const ex = exOf(m);
  const n = num(ex.lockdep_report_count());
  const out: LockdepReport[] = [];
  for (let i = 0; i < n; i++) {
    const w = (k: number) => num(ex.lockdep_report_word(i, k));
    const nchain = Math.min(w(7), 8);
    const irq = w(1);
    out.push({
      kind: KINDS[w(0)] ?? "recursive",
      irq: irq === 0 ? "hardirq" : irq === 1 ? "softirq" : null,
      first: className(m, w(2)), second: className(m, w(3)),
      chain: Array.from({ length: nchain }, (_, k) => className(m, w(8 + k)) ?? "?"),
      earlier: readSite(m, w(4) >>> 0), later: readSite(m, w(5) >>> 0), now: readSite(m, w(6) >>> 0),
      text: liftString(m.ex.memory, num(ex.lockdep_report_text(i)) >>> 0),
    });
  }
  return out;
}

// Reports found, including any past the kernel's list limit.
export function lockdepReportTotal(m: Machine): number { return num(exOf(m).lockdep_report_total()); }

// Where b was first taken while a was held (null if never).
export function lockdepEdge(m: Machine, a: string, b: string): LockSite | null {
  const ca = lockClass(m, a), cb = lockClass(m, b);
  if (!ca || !cb) return null;
  return readSite(m, num(exOf(m).lockdep_edge_site(ca.id, cb.id)) >>> 0);
}

// ---- hang detector

export interface HangTask {
  pid: number;
  comm: string;
  kind: "user" | "kthread";
  state: "S" | "D" | "T" | string;   // S interruptible, D uninterruptible, T stopped, else the number
  cpu: number;
  syscall: number | null;
  wchan: number;                      // address it sleeps on (0: none recorded)
  waitsOn: string | null;             // the wait queue's lock class, or the channel's name
}

export interface HangReport {
  jiffies: number;
  cycle: bigint;
  cpu: number;                        // the CPU that found it
  tasks: HangTask[];                  // every task not running, in task-list order
  omitted: number;                    // sleeping tasks past the kernel's list limit
}

const STATE: Record<number, string> = { 1: "S", 2: "D", 4: "T" };

// The hang detector's report, or null when no hang was detected.
export function hangReport(m: Machine): HangReport | null {
  const ex = exOf(m);
  if (!num(ex.hang_info(0))) return null;
  const n = num(ex.hang_info(4));
  const tasks: HangTask[] = [];
  for (let i = 0; i < n; i++) {
    const w = (k: number) => num(ex.hang_task_word(i, k));
    const cls = w(5), namePtr = w(6) >>> 0;
    tasks.push({
      pid: w(0), comm: readComm(m, num(ex.hang_task_comm(i)) >>> 0),
      kind: w(2) & 1 ? "kthread" : "user",
      state: STATE[w(1)] ?? String(w(1)), cpu: w(3), syscall: w(7) >= 0 ? w(7) : null,
      wchan: w(4) >>> 0,
      waitsOn: namePtr ? liftString(m.ex.memory, namePtr) : className(m, cls),
    });
  }
  return {
    jiffies: num(ex.hang_info(1)), cycle: BigInt(ex.hang_info(2)), cpu: num(ex.hang_info(3)),
    tasks, omitted: num(ex.hang_info(5)) - n,
  };
}

// ---- everything at once

export interface Metrics {
  cpus: CpuMetrics[];
  tasks: TaskMetrics[];
  locks: LockClassStats[];
  lockdep: LockdepReport[];
  hang: HangReport | null;
}

export function metrics(m: Machine): Metrics {
  return { cpus: cpuMetrics(m), tasks: taskMetrics(m), locks: lockStats(m), lockdep: lockdepReports(m), hang: hangReport(m) };
}
