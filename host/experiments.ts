// Workload runs with their measurements, shared by the CLI, the web page and the tests.
// Everything here is simulated time; wall-clock figures are only the simulator's own speed.
import { Machine, type BootOptions } from "./machine.ts";
import type { ProfileOverrides } from "./profile.ts";
import { snapshot, rates, percentile, type Rates, type Snapshot } from "./counters.ts";
import { pipetestProgram, type PipetestOptions } from "./workloads/pipetest.ts";
import { describeVariant, variantFlags, type Variant } from "./variant.ts";
import { exportOf, type KernelExports } from "./loader.ts";

export interface MachineOptions {
  profile?: string;
  overrides?: ProfileOverrides;
  seed?: number;
  trace?: boolean;
  build?: BootOptions["build"];
}

// Upper bounds (µs) of the latency histogram's buckets; the last bucket holds the rest.
export const LATENCY_BUCKETS_US = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000, 1000000];

export interface LatencySummary {
  count: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number;
  histogram: number[];      // counts per LATENCY_BUCKETS_US bucket, plus one for the rest
}

// The simulator's own speed over a run (wall-clock figures: they differ from run to run).
export interface SimSpeed {
  wallSeconds: number;              // wall time of the engine's runs
  simSecondsPerWallSecond: number;  // simulated seconds advanced per wall second
  events: number;                   // engine steps (task resumptions) in that time; deterministic
  eventsPerWallSecond: number;
}

// Engine steps since boot (0 on a build without the counter).
export function engineSteps(m: Machine): number {
  const f = exportOf<() => bigint>(m.ex, "engine_steps");
  return f ? Number(f()) : 0;
}

// Starts a wall clock over the machine's runs; the returned function reads the speed so far.
export function speedMeter(m: Machine): () => SimSpeed {
  const wall0 = performance.now(), sim0 = m.now, steps0 = engineSteps(m);
  return () => {
    const wall = (performance.now() - wall0) / 1000;
    const sim = Number(m.now - sim0) / m.cyclesPerSecond, events = engineSteps(m) - steps0;
    return { wallSeconds: wall, simSecondsPerWallSecond: wall > 0 ? sim / wall : 0, events,
      eventsPerWallSecond: wall > 0 ? events / wall : 0 };
  };
}

export interface PipetestReport {
  workload: "pipetest";
  variant: string;
  variantFlags: number;
  machine: { profile: string; cpus: number; hz: number; khz: number };
  options: Required<PipetestOptions>;
  passes: number;
  seconds: number;
  passesPerSec: number;
  cyclesPerPass: number;
  contextSwitches: Rates;
  latency: LatencySummary;
  aio: Record<string, number>;
  locks: LockRow[];         // every lock class taken since boot (set-up included)
  ctxLock: LockRow | null;  // the kioctx.ctx_lock class of locks (null on a build without the AIO port)
  traceHash?: string;
  errors: string[];
  speed: SimSpeed;
  lines: string[];          // the original program's output lines, in simulated time
}

export const PIPETEST_NOFILE = 100_000;

export function applyVariant(ex: KernelExports, v: Variant): void {
  const set = exportOf<(f: number) => number>(ex, "aio_set_variant");
  if (!set) throw new Error("variant: this kernel build has no AIO port (aio_set_variant missing)");
  if (set(variantFlags(v)) !== 0) throw new Error("variant: the kernel refused the variant (already in use?)");
}

export async function bootFor(mo: MachineOptions, v: Variant): Promise<Machine> {
  return Machine.boot({ profile: mo.profile, overrides: mo.overrides, trace: mo.trace, build: mo.build,
    seed: mo.seed, boot: (ex) => applyVariant(ex, v) });
}

export function latencySummary(m: Machine, cycles: number[]): LatencySummary {
  const s = [...cycles].sort((a, b) => a - b);
  const us = (c: number) => (c / m.cyclesPerSecond) * 1e6;
  const histogram = new Array<number>(LATENCY_BUCKETS_US.length + 1).fill(0);
  for (const c of s) {
    const v = us(c);
    let i = LATENCY_BUCKETS_US.findIndex((b) => v < b);
    if (i < 0) i = LATENCY_BUCKETS_US.length;
    histogram[i]++;
  }
  return { count: s.length, p50Us: us(percentile(s, 50)), p90Us: us(percentile(s, 90)), p99Us: us(percentile(s, 99)),
    maxUs: us(s.length ? s[s.length - 1] : 0), histogram };
}

// Reads the port's counters (aio_wakeups & co.) where the build exports them.
export function aioCounters(m: Machine): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, f] of Object.entries(m.ex)) {
    if (k.startsWith("aio_stat_") && typeof f === "function") out[k.slice(9)] = Number((f as () => number | bigint)());
  }
  return out;
}

export interface LockRow { name: string; acquisitions: number; contended: number; spinCycles: number; transfers: number; maxHold: number }

export function lockStats(m: Machine): LockRow[] { return m.lockClasses(); }

// The contention the seed's opt 3 was about: every kioctx's ctx_lock, one class.
export const CTX_LOCK_CLASS = "kioctx.ctx_lock";

// A point of the live time series: rates over the last slice of simulated time.
export interface Sample {
  t: number;                  // simulated seconds since boot
  csPerSec: number;
  opsPerSec: number;          // passes (pipetest) or completed I/Os per second
  cpuBusyPct: number[];       // per CPU, 100 - idle
}

export interface RunHooks {
  onProgress?: (fraction: number) => void;
  onSample?: (s: Sample) => void;
  shouldStop?: () => boolean;   // polled between slices; a true answer ends the run early
  between?: () => Promise<void>;  // awaited between slices (a page's worker lets messages in)
}

// Rates between two snapshots as a chart sample.
export function sampleOf(m: Machine, a: Snapshot, b: Snapshot, ops: number): Sample {
  const r = rates(m, a, b);
  return { t: Number(b.cycle) / m.cyclesPerSecond, csPerSec: r.switchesPerSec,
    opsPerSec: r.seconds > 0 ? ops / r.seconds : 0, cpuBusyPct: r.perCpu.map((c) => 100 - c.idlePct) };
}

export async function runPipetest(mo: MachineOptions, v: Variant, po: PipetestOptions, hooks: RunHooks = {}): Promise<PipetestReport> {
  const m = await bootFor(mo, v);
  // The original raises RLIMIT_NOFILE to 100000 before opening its pipes; our kernel has no
  // setrlimit system call, so the host sets the limit it enforces.
  exportOf<(n: number) => void>(m.ex, "set_rlimit_nofile")?.(PIPETEST_NOFILE);
  const { program, result } = pipetestProgram(po, m.profile.costs.userWork);
  let start: Snapshot | null = null, end: Snapshot | null = null;
  const wrapped: typeof program = function* (api) {
    const g = program(api);
    let r = g.next(0);
    while (!r.done) {
      if (!start && result.startCycle) start = snapshot(m);
      if (!end && result.endCycle) end = snapshot(m);
      const ret: number = yield r.value;
      r = g.next(ret);
    }
    return r.value;
  };
  m.spawn(wrapped, { name: "pipetest", cpu: 0 });
  const speed = speedMeter(m);
  const totalPasses = po.threads * po.generations;
  let reason = "";
  let prev = snapshot(m), prevPasses = 0;
  for (;;) {
    // live charts want points often; a plain run wants few slices
    const r = m.run({ seconds: hooks.onSample ? 0.001 : 0.02 });
    hooks.onProgress?.(Math.min(1, result.passes / totalPasses));
    if (hooks.onSample) {
      const cur = snapshot(m);
      hooks.onSample(sampleOf(m, prev, cur, result.passes - prevPasses));
      prev = cur;
      prevPasses = result.passes;
    }
    if (r.reason !== "time") { reason = r.reason; break; }
    if (hooks.between) await hooks.between();
    if (hooks.shouldStop?.()) { reason = "stopped"; break; }
  }
  const runSpeed = speed();
  if (reason === "hang") throw new Error(`pipetest: the machine hung (${m.log.slice(-3).join(" | ")})`);
  const last = end ?? snapshot(m);
  const cs = rates(m, start ?? last, last);
  const seconds = Number(result.endCycle - result.startCycle) / m.cyclesPerSecond;
  const pps = seconds > 0 ? result.passes / seconds : 0;
  const p = m.profile;
  const locks = lockStats(m);
  // the original prints whole seconds and microseconds
  const us = Math.round(seconds * 1e6);
  const lines = [
    `using ${po.pipes} pipe pairs, ${po.threads} message threads, ${po.generations} generations, ${result.bufsize} bufsize`,
    `Ok! Mode aio: ${result.passes} passes in ${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")} seconds`,
    `passes_per_sec: ${pps.toFixed(2)}`,
  ];
  return {
    workload: "pipetest",
    variant: describeVariant(v),
    variantFlags: variantFlags(v),
    machine: { profile: p.name, cpus: p.cpus, hz: p.hz, khz: p.khz },
    options: { ...po, bufsize: result.bufsize },
    passes: result.passes,
    seconds,
    passesPerSec: pps,
    cyclesPerPass: result.passes ? Number(result.endCycle - result.startCycle) / result.passes : 0,
    contextSwitches: cs,
    latency: latencySummary(m, result.latencies),
    aio: aioCounters(m),
    locks,
    ctxLock: locks.find((l) => l.name === CTX_LOCK_CLASS) ?? null,
    traceHash: mo.trace ? m.traceHash() : undefined,
    errors: result.errors,
    speed: runSpeed,
    lines,
  };
}
