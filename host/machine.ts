// A simulated machine: one kernel instance booted from a profile, its user programs, and its
// counters. The TypeScript side of every workload goes through this class.
import { instantiateKernel, exportOf, type Build, type KernelExports } from "./loader.ts";
import { COST_NAMES, DEFAULT_DISK, resolveProfile, type Profile, type ProfileOverrides } from "./profile.ts";
import { TraceSink } from "./trace.ts";
import type { Program, Request, ProcessApi, ChildSpec } from "./program.ts";
import { UserMemory } from "./usermem.ts";
import { lockStats, type LockClassStats } from "./metrics.ts";

export interface BootOptions {
  profile?: string | Profile;
  overrides?: ProfileOverrides;
  build?: Build;
  trace?: boolean | "lines";     // record the trace (hash only, or keep the text lines too)
  seed?: number;                 // seeds the kernel's pseudo-random choices (fault injection)
  boot?: (ex: KernelExports) => void;  // extra kernel set-up before the first run (variants, checks)
}

export interface SpawnOptions {
  name?: string;
  nice?: number;
  cpu?: number;
}

export type RunReason = "time" | "exited" | "hang" | "stopped" | "steps";
const REASONS: RunReason[] = ["time", "exited", "hang", "stopped", "steps"];

export interface RunOptions {
  seconds?: number;      // simulated seconds from now
  cycles?: bigint | number;  // or an absolute cycle limit (cycles since boot)
  maxSteps?: number;     // engine steps (task resumptions), for tests that must not spin
}

export interface RunResult { reason: RunReason; cycles: bigint; seconds: number }

// A kernel BUG/panic surfaced as an Error: message plus where it happened.
export class KernelPanic extends Error {
  constructor(readonly kind: "BUG" | "panic", readonly bugMessage: string, readonly pid: number,
              readonly comm: string, readonly cpu: number, readonly jiffies: number) {
    super(`kernel ${kind}: ${bugMessage} (task ${comm}/${pid}, CPU ${cpu}, jiffies ${jiffies})`);
    this.name = "KernelPanic";
  }
}

interface Proc {
  pid: number;
  name: string;
  gen: Generator<Request, number | void, number> | null;
  program: Program;
  api: ProcessApi;
  exitCode: number | null;
}

export class Machine {
  readonly log: string[] = [];
  private procs = new Map<number, Proc>();
  private forking = new Map<number, ChildSpec>();   // parent pid → the program its fork/clone child runs
  private panicInfo: KernelPanic | null = null;
  private userError: Error | null = null;
  private sink: TraceSink | null;
  private i32 = new Int32Array(0);

  private constructor(readonly ex: KernelExports, readonly profile: Profile, trace: BootOptions["trace"]) {
    this.sink = trace ? new TraceSink(trace === "lines") : null;
  }

  static async boot(opts: BootOptions = {}): Promise<Machine> {
    const profile = resolveProfile(opts.profile, opts.overrides);
    let m: Machine | null = null;
    const ex = await instantiateKernel(opts.build ?? "release", {
      printk_host: (level, msg) => { m!.log.push(`<${level}>${msg}`); },
      bug_host: (kind, msg) => { m!.recordPanic(kind, msg); },
      trace_flush: (buf, n) => { m!.sink?.take(m!.ex.memory.buffer, buf, n); },
      user_step: (pid, ret, args) => m!.userStep(pid, ret, args),
    });
    m = new Machine(ex, profile, opts.trace);
    COST_NAMES.forEach((name, i) => ex.set_cost(i, BigInt(profile.costs[name])));
    const disk = profile.disk ?? DEFAULT_DISK;
    exportOf<(lat: number, mbs: number, depth: number, irq: number) => void>(ex, "set_disk")?.(
      disk.latencyUs, disk.bandwidthMBs, disk.queueDepth, disk.irqCpu);
    m.guard(() => ex.boot(profile.cpus, BigInt(profile.khz), profile.hz, profile.balance ? 1 : 0));
    if (opts.trace) ex.set_trace(true);
    if (opts.seed !== undefined) {
      if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) throw new Error(`seed: must be an integer from 0 to 4294967295, got ${opts.seed}`);
      exportOf<(s: number) => void>(ex, "set_seed")?.(opts.seed >>> 0);
    }
    opts.boot?.(ex);
    return m;
  }

  get cyclesPerSecond(): number { return this.profile.khz * 1000; }

  // Simulated time: the clock of the CPU furthest behind.
  get now(): bigint { return this.ex.now(); }
  get seconds(): number { return Number(this.ex.now()) / this.cyclesPerSecond; }
  get jiffies(): number { return this.ex.get_jiffies() >>> 0; }
  // The clock of the CPU running the calling user program (for programs timing themselves).
  cpuNow(): bigint { return this.ex.cpu_now(); }

  spawn(program: Program, o: SpawnOptions = {}): number {
    this.checkUsable();
    if (typeof program !== "function") throw new Error("spawn.program: must be a generator function");
    const nice = o.nice ?? 0;
    if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new Error(`spawn.nice: must be an integer from -20 to 19, got ${o.nice}`);
    const cpu = o.cpu ?? 0;
    if (!Number.isInteger(cpu) || cpu < -1 || cpu >= this.profile.cpus)
      throw new Error(`spawn.cpu: must be -1 (any) or a CPU number below ${this.profile.cpus}, got ${o.cpu}`);
    const name = o.name ?? (program.name || "prog");
    // comm holds 15 bytes and a NUL; cut by bytes, not characters
    let bytes = new TextEncoder().encode(name);
    if (bytes.length > 15) bytes = bytes.subarray(0, 15);
    new Uint8Array(this.ex.memory.buffer, this.ex.scratch(), 16).fill(0).set(bytes);
    const pid = this.guard(() => this.ex.spawn_user(bytes.length, nice, cpu));
    if (pid < 0) throw new Error(`spawn: kernel refused (${pid})`);
    const api: ProcessApi = { pid, mem: new UserMemory(this.ex, pid), machine: this };
    this.procs.set(pid, { pid, name, gen: null, program, api, exitCode: null });
    return pid;
  }

  exitCode(pid: number): number | null { return this.procs.get(pid)?.exitCode ?? null; }

  run(o: RunOptions = {}): RunResult {
    this.checkUsable();
    const MAX = 0xffff_ffff_ffff_ffffn;
    let limit: bigint;
    if (o.cycles !== undefined) {
      const ok = typeof o.cycles === "bigint" ? o.cycles >= 0n && o.cycles <= MAX
        : Number.isSafeInteger(o.cycles) && o.cycles >= 0;
      if (!ok) throw new Error(`run.cycles: must be a non-negative integer below 2^64 (cycles since boot), got ${o.cycles}`);
      limit = BigInt(o.cycles);
    }
    else if (o.seconds !== undefined) {
      if (!(Number.isFinite(o.seconds) && o.seconds >= 0)) throw new Error(`run.seconds: must be a finite non-negative number, got ${o.seconds}`);
      const add = BigInt(Math.round(o.seconds * this.cyclesPerSecond));
      limit = this.now + add > MAX ? MAX : this.now + add;
    } else limit = MAX;
    if (o.maxSteps !== undefined && !(Number.isSafeInteger(o.maxSteps) && o.maxSteps >= 0))
      throw new Error(`run.maxSteps: must be a non-negative integer, got ${o.maxSteps}`);
    const steps = o.maxSteps === undefined ? -1n : BigInt(o.maxSteps);
    const code = this.guard(() => this.ex.run(limit, steps));
    const cycles = this.now;
    return { reason: REASONS[code], cycles, seconds: Number(cycles) / this.cyclesPerSecond };
  }

  traceHash(): string {
    if (!this.sink) throw new Error("traceHash: the machine was booted without trace");
    return this.sink.digest();
  }
  traceLines(): string[] {
    if (!this.sink?.lines) throw new Error("traceLines: boot with trace: \"lines\" to keep the text");
    return this.sink.lines;
  }

  // Lock classes that were ever taken, with their statistics. host/metrics.ts has the rest:
  // usage bits, per-CPU and per-task counters, lockdep reports, the hang report.
  lockClasses(): Pick<LockClassStats, "name" | "acquisitions" | "contended" | "spinCycles" | "transfers" | "maxHold">[] {
    return lockStats(this).filter((c) => c.acquisitions > 0)
      .map(({ name, acquisitions, contended, spinCycles, transfers, maxHold }) => ({ name, acquisitions, contended, spinCycles, transfers, maxHold }));
  }

  // ---- internals

  private recordPanic(kind: number, msg: string): void {
    const ex = this.ex;
    const pid = ex.current_pid();
    const commPtr = ex.current_comm();
    let comm = "?";
    if (commPtr) {
      const b = new Uint8Array(ex.memory.buffer, commPtr, 16);
      comm = new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? 16 : b.indexOf(0)));
    }
    this.panicInfo = new KernelPanic(kind === 2 ? "panic" : "BUG", msg, pid, comm, ex.current_cpu(), ex.get_jiffies() >>> 0);
  }

  // A machine whose kernel BUGged, or whose user program threw inside the kernel's call to it,
  // is left mid-call inside wasm: it cannot run again. Every later call says why.
  private deadBecause: Error | null = null;
  private checkUsable(): void {
    if (this.panicInfo) throw this.panicInfo;
    if (this.deadBecause) throw new Error(`machine unusable: ${this.deadBecause.message}`, { cause: this.deadBecause });
  }

  // Runs a kernel entry point; turns a trap into the kernel's own words.
  private guard<T>(fn: () => T): T {
    this.checkUsable();
    try {
      return fn();
    } catch (e) {
      if (this.userError) { const u = this.userError; this.userError = null; this.deadBecause = u; throw u; }
      if (this.panicInfo) throw this.panicInfo;
      if (e instanceof WebAssembly.RuntimeError) {
        const ex = this.ex;
        this.recordPanic(1, `wasm trap: ${e.message}`);
        throw this.panicInfo!;
      }
      throw e;
    }
  }

  private args(): Int32Array {
    if (this.i32.buffer !== this.ex.memory.buffer) this.i32 = new Int32Array(this.ex.memory.buffer);
    return this.i32;
  }

  // The import the kernel calls when a user task wants its next request.
  private userStep(pid: number, ret: number, argsPtr: number): number {
    const f = this.forking.get(pid);
    if (f) {
      // the parent's fork/clone returned: the child's pid, unless the child already stepped
      this.forking.delete(pid);
      if (ret > 0 && !this.procs.has(ret)) this.adopt(ret, f);
    }
    let p = this.procs.get(pid);
    if (!p) {
      // a fork/clone child stepping before its parent's syscall returned
      const ppid = (this.ex as unknown as { task_ppid(pid: number): number }).task_ppid(pid);
      const c = this.forking.get(ppid);
      if (c) { this.forking.delete(ppid); p = this.adopt(pid, c); }
    }
    if (!p) return this.writeExit(argsPtr, 127);
    let r: IteratorResult<Request, number | void>;
    try {
      if (!p.gen) { p.gen = p.program(p.api); r = p.gen.next(0); } else r = p.gen.next(ret);
    } catch (e) {
      this.userError = new Error(`user program ${p.name} (pid ${pid}) threw: ${(e as Error).message}`, { cause: e });
      throw this.userError;
    }
    const bad = (why: string): never => {
      this.userError = new Error(`user program ${p!.name} (pid ${pid}) made a bad request: ${why}`);
      throw this.userError;
    };
    if (r.done) {
      const code = typeof r.value === "number" ? r.value : 0;
      if (!Number.isInteger(code) || code < -(2 ** 31) || code >= 2 ** 31) bad(`exit code must be a 32-bit integer, got ${code}`);
      p.exitCode = code;
      return this.writeExit(argsPtr, p.exitCode);
    }
    const q = r.value;
    if (!q || typeof q !== "object" || !("kind" in q)) bad(`yielded ${String(q)}, not a request (sys.*, work() or exit)`);
    const a = this.args();
    const base = argsPtr >>> 2;
    if (q.kind === "work") {
      if (!(Number.isFinite(q.cycles) && q.cycles >= 0 && q.cycles <= Number.MAX_SAFE_INTEGER))
        bad(`work() takes a finite non-negative number of cycles, got ${q.cycles}`);
      const c = BigInt(Math.round(q.cycles));
      a[base] = Number(c & 0xffff_ffffn) | 0;
      a[base + 1] = Number(c >> 32n) | 0;
      return -2;
    }
    if (q.kind === "exit") {
      if (!Number.isInteger(q.code) || q.code < -(2 ** 31) || q.code >= 2 ** 31) bad(`exit code must be a 32-bit integer, got ${q.code}`);
      p.exitCode = q.code;
      return this.writeExit(argsPtr, q.code);
    }
    if (q.kind !== "syscall" || !Number.isInteger(q.nr) || !Array.isArray(q.args)) bad(`unknown request ${JSON.stringify(q)}`);
    for (let i = 0; i < 6; i++) a[base + i] = (q.args[i] ?? 0) | 0;
    if (q.child) this.forking.set(pid, q.child);
    return q.nr;
  }

  private adopt(pid: number, c: ChildSpec): Proc {
    const name = c.name ?? (c.program.name || "child");
    const api: ProcessApi = { pid, mem: new UserMemory(this.ex, pid), machine: this };
    const p: Proc = { pid, name, gen: null, program: c.program, api, exitCode: null };
    this.procs.set(pid, p);
    return p;
  }

  private writeExit(argsPtr: number, code: number): number {
    this.args()[argsPtr >>> 2] = code | 0;
    return -1;
  }
}
