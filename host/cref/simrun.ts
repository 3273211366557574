// The simulator side of the differential tests: runs a scenario's lines as a user program on a
// freshly booted Machine and prints the same canonical log as tests/cref/driver.c prints on
// the real kernel. The two interpreters are kept step for step alike; docs/cref-diff.md is
// the common reference. The simulated machine is i386: pointers and longs are 4 bytes, so
// pointer arrays and timespecs are 4-byte words and aio_context_t is 32 bits wide.
import { Machine, KernelPanic, type BootOptions } from "../machine.ts";
import { sys, work, type Request, type ProcessApi, type Program } from "../program.ts";
import type { UserMemory } from "../usermem.ts";
import { formatLine, parseLog, resStr, toLines, type Log, type Scenario } from "./format.ts";

const PAGE = 4096;
const PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
const SIGALRM = 14;
const NR_FCNTL = 55, F_SETFL = 4;
// An address the simulated kernel refuses as a user pointer (above TASK_SIZE, where i386
// 2.6.9 has its kernel text).
export const SIM_KERNEL_PTR = 0xc0100000n;

const OPEN_FLAGS: Record<string, number> = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000,
};

type Kind = "mem" | "fd" | "ctx";
interface Sym { kind: Kind; val: bigint; size: number }

export interface SimRun {
  log: Log;
  text: string;
  error?: string;
  simSeconds: number;
}

export interface SimRunOptions {
  alarmSeconds?: number;          // simulated seconds before a blocked step gets SIGALRM
  boot?: BootOptions;             // profile, build, … (default: the release build)
  limitSeconds?: number;          // simulated time after which the run is abandoned
}

class ScenarioError extends Error {}

// Shared between the parent program, its fork children and the runner loop.
interface Control {
  machine: Machine;
  alarmSeconds: number;
  out: string[];
  armed: Map<number, number>;     // pid → simulated second its current blocking call began
  fired: Set<number>;             // pids whose current call got SIGALRM
}

const u32 = (v: bigint) => Number(BigInt.asUintN(32, v));
const arg = (v: bigint) => u32(v) | 0;

function parseNum(t: string): bigint {
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) {
    return t.startsWith("-") ? -BigInt(t.slice(1)) : BigInt(t);
  }
  throw new ScenarioError(`bad number ${t}`);
}

// One process's interpreter state: its symbols and a bump heap for small objects.
class Interp {
  heapNext = 0;
  heapEnd = 0;

  constructor(readonly api: ProcessApi, readonly ctl: Control, readonly lines: string[],
              readonly syms: Map<string, Sym>) {}

  get mem(): UserMemory { return this.api.mem; }

  *mmap(bytes: number, prot: number): Generator<Request, number, number> {
    const len = Math.max(PAGE, Math.ceil(bytes / PAGE) * PAGE);
    const r = yield sys.mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r < 0 && r > -4096) throw new ScenarioError(`mmap of ${len} bytes failed: ${resStr(r)}`);
    return r >>> 0;
  }

  // Small objects (iocbs, pointer arrays, context slots, timespecs, paths) from a heap of
  // anonymous read/write pages.
  *alloc(bytes: number, align = 8): Generator<Request, number, number> {
    let p = Math.ceil(this.heapNext / align) * align;
    if (!this.heapNext || p + bytes > this.heapEnd) {
      const size = Math.max(64 * 1024, Math.ceil(bytes / PAGE) * PAGE);
      this.heapNext = yield* this.mmap(size, PROT_READ | PROT_WRITE);
      this.heapEnd = this.heapNext + size;
      p = this.heapNext;
    }
    this.heapNext = p + bytes;
    return p;
  }

  define(name: string, kind: Kind, val: bigint, size = 0): void {
    this.syms.set(name, { kind, val, size });
  }

  addr(t: string): bigint {
    if (!t.startsWith("$")) return parseNum(t);
    const plus = t.indexOf("+");
    const name = plus < 0 ? t : t.slice(0, plus);
    const off = plus < 0 ? 0n : parseNum(t.slice(plus + 1));
    if (name === "$null") return off;
    if (name === "$kernelptr") return SIM_KERNEL_PTR + off;
    const s = this.syms.get(name);
    if (!s) throw new ScenarioError(`unknown name ${name}`);
    return s.val + off;
  }

  fd(t: string): number {
    if (!t.startsWith("$")) return Number(parseNum(t));
    const s = this.syms.get(t);
    if (!s || s.kind !== "fd") throw new ScenarioError(`unknown fd ${t}`);
    return Number(s.val);
  }

  ctx(t: string): bigint {
    if (!t.startsWith("$")) return parseNum(t);
    const s = this.syms.get(t);
    if (!s || s.kind !== "ctx") throw new ScenarioError(`unknown context ${t}`);
    return s.val;
  }

  nameAt(a: bigint): string {
    for (const [name, s] of this.syms) if (s.kind === "mem" && s.val === a) return name;
    return "?";
  }

  // A syscall that may block: armed with the alarm, like the driver's alarm().
  *blocking(req: Request): Generator<Request, { r: number; fired: boolean }, number> {
    const pid = this.api.pid;
    this.ctl.fired.delete(pid);
    this.ctl.armed.set(pid, this.ctl.machine.seconds);
    const r = yield req;
    this.ctl.armed.delete(pid);
    const fired = this.ctl.fired.has(pid);
    this.ctl.fired.delete(pid);
    return { r, fired };
  }

  event(at: bigint): string {
    const b = this.mem.read(u32(at), 32);
    const dv = new DataView(b.buffer, b.byteOffset, 32);
    const data = dv.getBigUint64(0, true), obj = dv.getBigUint64(8, true);
    const res = dv.getBigInt64(16, true), res2 = dv.getBigInt64(24, true);
    return `${this.nameAt(obj)},0x${data.toString(16)},${resStr(res)},${resStr(res2)}`;
  }

  *timeout(t: string): Generator<Request, bigint, number> {
    if (t === "null") return 0n;
    const colon = t.indexOf(":");
    if (colon < 0 || t.startsWith("$")) return this.addr(t);
    const p = yield* this.alloc(8, 4);
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, Number(parseNum(t.slice(0, colon))), true);
    dv.setInt32(4, Number(parseNum(t.slice(colon + 1))), true);
    this.mem.write(p, b);
    return BigInt(p);
  }

  *cstring(s: string): Generator<Request, number, number> {
    const bytes = new TextEncoder().encode(s + "\0");
    const p = yield* this.alloc(bytes.length, 1);
    this.mem.write(p, bytes);
    return p;
  }

  writeIocb(at: number, fields: string[]): void {
    const b = new Uint8Array(64);
    const dv = new DataView(b.buffer);
    for (const kv of fields) {
      const eq = kv.indexOf("=");
      if (eq < 0) throw new ScenarioError(`bad iocb field ${kv}`);
      const key = kv.slice(0, eq), v = kv.slice(eq + 1);
      const n = () => parseNum(v);
      switch (key) {
        case "data": dv.setBigUint64(0, BigInt.asUintN(64, n()), true); break;
        case "key": dv.setUint32(8, u32(n()), true); break;
        case "res1": dv.setUint32(12, u32(n()), true); break;
        case "op": dv.setUint16(16, Number(BigInt.asUintN(16, n())), true); break;
        case "prio": dv.setInt16(18, Number(BigInt.asIntN(16, n())), true); break;
        case "fd": dv.setUint32(20, this.fd(v) >>> 0, true); break;
        case "buf": dv.setBigUint64(24, BigInt.asUintN(64, this.addr(v)), true); break;
        case "nbytes": dv.setBigUint64(32, BigInt.asUintN(64, n()), true); break;
        case "off": dv.setBigInt64(40, BigInt.asIntN(64, n()), true); break;
        case "res2": dv.setBigUint64(48, BigInt.asUintN(64, n()), true); break;
        case "res3": dv.setBigUint64(56, BigInt.asUintN(64, n()), true); break;
        default: throw new ScenarioError(`bad iocb field ${key}`);
      }
    }
    this.mem.write(at, b);
  }

  matchingEndfork(i: number): number {
    let depth = 0;
    for (let j = i + 1; j < this.lines.length; j++) {
      const op = this.lines[j].split(" ")[0];
      if (op === "fork") depth++;
      else if (op === "endfork") { if (!depth) return j; depth--; }
    }
    throw new ScenarioError("fork without endfork");
  }

  log(step: number, op: string, fields: [string, string | number][], alarm = false): void {
    if (alarm) fields.push(["alarm", 1]);
    this.ctl.out.push(formatLine(step, op, fields));
  }

  // Runs lines [from, to). Returns an exit code when an "exit" line ends the process.
  *run(from: number, to: number): Generator<Request, number | undefined, number> {
    for (let i = from; i < to; i++) {
      const r = yield* this.step(i);
      if (typeof r === "number" && r >= 0) {
        if (r >= 1000) { i = r - 1000; continue; }   // fork: continue after endfork
        return r;                                    // exit
      }
    }
    return undefined;
  }

  // One step. Returns -1 to go on, 1000+j to continue after line j, or an exit code 0..255.
  *step(i: number): Generator<Request, number, number> {
    const tok = this.lines[i].split(" ");
    const op = tok[0];
    const need = (n: number) => { if (tok.length < n) throw new ScenarioError(`${op}: too few arguments`); };
    const mem = this.mem;
    const ctl = this.ctl;

    switch (op) {
      case "mem": {
        need(4);
        const prot = tok[3] === "ro" ? PROT_READ : tok[3] === "none" ? 0 : PROT_READ | PROT_WRITE;
        const size = Number(parseNum(tok[2]));
        const p = yield* this.mmap(size, prot);
        this.define(tok[1], "mem", BigInt(p), size);
        ctl.out.push(`${i} mem ok`);
        return -1;
      }
      case "protect": {
        need(4);
        const prot = tok[3] === "ro" ? PROT_READ : tok[3] === "none" ? 0 : PROT_READ | PROT_WRITE;
        const r = yield sys.mprotect(arg(this.addr(tok[1])), Number(parseNum(tok[2])), prot);
        this.log(i, "protect", [["ret", resStr(r)]]);
        return -1;
      }
      case "unmapped": {
        need(2);
        const p = yield* this.mmap(PAGE, PROT_READ);
        yield sys.munmap(p, PAGE);
        this.define(tok[1], "mem", BigInt(p), 0);
        ctl.out.push(`${i} unmapped ok`);
        return -1;
      }
      case "fill": case "check": {
        need(3);
        const hex = tok[2];
        const bytes = new Uint8Array(hex.length / 2);
        for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
        const at = u32(this.addr(tok[1]));
        if (op === "fill") { mem.write(at, bytes); ctl.out.push(`${i} fill ok`); return -1; }
        const got = mem.read(at, bytes.length);
        this.log(i, "check", [["match", got.every((b, k) => b === bytes[k]) ? "yes" : "no"]]);
        return -1;
      }
      case "pattern": case "checkpattern": {
        need(4);
        const at = u32(this.addr(tok[1]));
        const n = Number(parseNum(tok[2])), b = Number(parseNum(tok[3])) & 0xff;
        if (op === "pattern") { mem.write(at, new Uint8Array(n).fill(b)); ctl.out.push(`${i} pattern ok`); return -1; }
        this.log(i, "checkpattern", [["match", mem.read(at, n).every((x) => x === b) ? "yes" : "no"]]);
        return -1;
      }
      case "ctxslot": {
        need(2);
        const p = yield* this.alloc(8, 8);
        mem.write(p, new Uint8Array(8));
        this.define(tok[1], "mem", BigInt(p), 8);
        ctl.out.push(`${i} ctxslot ok`);
        return -1;
      }
      case "open": {
        need(5);
        let flags = 0;
        for (const f of tok[3].split("|")) {
          if (!(f in OPEN_FLAGS)) throw new ScenarioError(`bad flag ${f}`);
          flags |= OPEN_FLAGS[f];
        }
        const path = yield* this.cstring(tok[2]);
        const { r, fired } = yield* this.blocking(sys.open(path, flags, Number(parseNum(tok[4]))));
        if (r >= 0) this.define(tok[1], "fd", BigInt(r));
        this.log(i, "open", [["ret", r >= 0 ? "fd" : resStr(r)]], fired);
        return -1;
      }
      case "close": {
        need(2);
        const r = yield sys.close(this.fd(tok[1]));
        this.log(i, "close", [["ret", resStr(r)]]);
        return -1;
      }
      case "unlink": {
        need(2);
        const path = yield* this.cstring(tok[1]);
        const r = yield sys.unlink(path);
        this.log(i, "unlink", [["ret", resStr(r)]]);
        return -1;
      }
      case "pipe": {
        need(3);
        const fds = yield* this.alloc(8, 4);
        const r = yield sys.pipe(fds);
        if (r === 0) {
          this.define(tok[1], "fd", BigInt(mem.i32(fds)));
          this.define(tok[2], "fd", BigInt(mem.i32(fds + 4)));
          if (tok[3] === "NONBLOCK") {          // fcntl(fd, F_SETFL, O_NONBLOCK) on both ends
            for (const fd of [mem.i32(fds), mem.i32(fds + 4)]) {
              const f = yield sys.syscall(NR_FCNTL, fd, F_SETFL, OPEN_FLAGS.NONBLOCK);
              if (f < 0) throw new ScenarioError(`fcntl(F_SETFL, O_NONBLOCK): ${resStr(f)}`);
            }
          }
        }
        this.log(i, "pipe", [["ret", resStr(r)]]);
        return -1;
      }
      case "socketpair":
        throw new ScenarioError("socketpair: the simulator has no sockets");
      case "read": case "write": {
        need(4);
        const fd = this.fd(tok[1]), p = arg(this.addr(tok[2])), n = Number(parseNum(tok[3]));
        const { r, fired } = yield* this.blocking(op === "read" ? sys.read(fd, p, n) : sys.write(fd, p, n));
        this.log(i, op, [["ret", resStr(r)]], fired);
        return -1;
      }
      case "pread": case "pwrite": {
        need(5);
        const fd = this.fd(tok[1]), p = arg(this.addr(tok[2])), n = Number(parseNum(tok[3]));
        const off = Number(parseNum(tok[4]));
        const { r, fired } = yield* this.blocking(op === "pread" ? sys.pread(fd, p, n, off) : sys.pwrite(fd, p, n, off));
        this.log(i, op, [["ret", resStr(r)]], fired);
        return -1;
      }
      case "ftruncate": {
        need(3);
        const r = yield sys.ftruncate(this.fd(tok[1]), Number(parseNum(tok[2])));
        this.log(i, "ftruncate", [["ret", resStr(r)]]);
        return -1;
      }
      case "io_setup": {
        need(3);
        const slot = this.addr(tok[2]);
        const s = tok[2].startsWith("$") && !tok[2].includes("+") ? this.syms.get(tok[2]) : undefined;
        const r = yield sys.io_setup(arg(parseNum(tok[1])), arg(slot));
        const fields: [string, string | number][] = [["ret", resStr(r)]];
        if (s && s.kind === "mem" && s.size >= 8) {
          const c = mem.u32(u32(slot));
          fields.push(["ctx", c ? "set" : "zero"]);
          if (tok[3]) this.define(tok[3], "ctx", BigInt(c));
        }
        this.log(i, "io_setup", fields);
        return -1;
      }
      case "io_destroy": {
        need(2);
        const { r, fired } = yield* this.blocking(sys.io_destroy(arg(this.ctx(tok[1]))));
        this.log(i, "io_destroy", [["ret", resStr(r)]], fired);
        return -1;
      }
      case "iocb": {
        need(2);
        const old = this.syms.get(tok[1]);
        // a region of at least 64 bytes already under this name holds the iocb at its start
        const placed = old && old.kind === "mem" && old.size >= 64;
        const at = placed ? u32(old.val) : yield* this.alloc(64, 8);
        if (!placed) this.define(tok[1], "mem", BigInt(at), 64);
        this.writeIocb(at, tok.slice(2));
        ctl.out.push(`${i} iocb ok`);
        return -1;
      }
      case "iocbs": {
        need(2);
        const ptrs = tok.slice(2).map((t) => this.addr(t));
        const at = yield* this.alloc(Math.max(1, ptrs.length) * 4, 4);
        const b = new Uint8Array(Math.max(1, ptrs.length) * 4);
        const dv = new DataView(b.buffer);
        ptrs.forEach((p, k) => dv.setUint32(4 * k, u32(p), true));
        mem.write(at, b);
        this.define(tok[1], "mem", BigInt(at), ptrs.length * 4);
        ctl.out.push(`${i} iocbs ok`);
        return -1;
      }
      case "io_submit": {
        need(4);
        const { r, fired } = yield* this.blocking(
          sys.io_submit(arg(this.ctx(tok[1])), arg(parseNum(tok[2])), arg(this.addr(tok[3]))));
        this.log(i, "io_submit", [["ret", resStr(r)]], fired);
        return -1;
      }
      case "io_getevents": {
        need(6);
        const ev = this.addr(tok[4]);
        const ts = yield* this.timeout(tok[5]);
        const { r, fired } = yield* this.blocking(sys.io_getevents(arg(this.ctx(tok[1])),
          arg(parseNum(tok[2])), arg(parseNum(tok[3])), arg(ev), arg(ts)));
        const fields: [string, string | number][] = [["ret", resStr(r)]];
        if (fired) fields.push(["alarm", 1]);
        for (let k = 0; k < r; k++) fields.push([`ev${k}`, this.event(ev + BigInt(32 * k))]);
        this.log(i, "io_getevents", fields);
        return -1;
      }
      case "io_cancel": {
        need(4);
        const res = this.addr(tok[3]);
        const { r, fired } = yield* this.blocking(
          sys.io_cancel(arg(this.ctx(tok[1])), arg(this.addr(tok[2])), arg(res)));
        const fields: [string, string | number][] = [["ret", resStr(r)]];
        if (fired) fields.push(["alarm", 1]);
        if (r === 0) fields.push(["ev", this.event(res)]);
        this.log(i, "io_cancel", fields);
        return -1;
      }
      case "sync": case "syncrepeat": {
        need(op === "sync" ? 3 : 4);
        const c = arg(this.ctx(tok[1]));
        const cb = this.addr(tok[2]);
        const scratch = yield* this.alloc(4 + 32 + 8, 8);
        const one = scratch, ev = scratch + 8, ts = scratch + 40;
        mem.setU32(one, u32(cb));
        const tsb = new Uint8Array(8);
        new DataView(tsb.buffer).setInt32(0, ctl.alarmSeconds, true);
        mem.write(ts, tsb);
        if (op === "sync") {
          const sub = yield* this.blocking(sys.io_submit(c, 1, one));
          if (sub.r !== 1) {
            this.log(i, "sync", [["result", resStr(sub.r)], ["at", "submit"]], sub.fired);
            return -1;
          }
          const g = yield* this.blocking(sys.io_getevents(c, 1, 1, ev, ts));
          const fired = sub.fired || g.fired;
          if (g.r === 1) {
            const e = this.event(BigInt(ev)).split(",");
            this.log(i, "sync", [["result", e[2]], ["at", "event"], ["obj", mem.u32(ev + 8) === u32(cb) ? "ok" : "other"],
              ["res2", e[3]]], fired);
          } else {
            this.log(i, "sync", [["result", "none"], ["at", "getevents"], ["getevents", resStr(g.r)]], fired);
          }
          return -1;
        }
        const count = Number(parseNum(tok[3]));
        let done = 0, first = 0n, mixed = false, fired = false;
        const start = ctl.machine.seconds;
        for (; done < count && !fired; done++) {
          const sub = yield sys.io_submit(c, 1, one);
          let v = BigInt(sub);
          if (sub === 1) {
            const g = yield* this.blocking(sys.io_getevents(c, 1, 1, ev, ts));
            fired = g.fired;
            v = g.r === 1 ? mem.i64(ev + 16) : -62n;
          }
          if (!done) first = v; else if (v !== first) mixed = true;
          if (ctl.machine.seconds - start > ctl.alarmSeconds) fired = true;
        }
        this.log(i, "syncrepeat", [["done", done], ["result", mixed ? "mixed" : resStr(first)]], fired);
        return -1;
      }
      case "fillring": {
        need(4);
        const c = arg(this.ctx(tok[1]));
        const one = yield* this.alloc(4, 4);
        mem.setU32(one, u32(this.addr(tok[2])));
        const max = Number(parseNum(tok[3]));
        let n = 0, r = 0;
        while (n < max) {
          r = yield sys.io_submit(c, 1, one);
          if (r !== 1) break;
          n++;
        }
        this.log(i, "fillring", [["accepted", n], ["stop", n < max ? resStr(r) : "max"]]);
        return -1;
      }
      case "drain": {
        need(4);
        const c = arg(this.ctx(tok[1]));
        const nr = Number(parseNum(tok[2]));
        const ev = u32(this.addr(tok[3]));
        let total = 0, bad = 0, r: number;
        while ((r = yield sys.io_getevents(c, 0, nr, ev, 0)) > 0) {
          total += r;
          for (let k = 0; k < r; k++) if (mem.i64(ev + 32 * k + 16) < 0n) bad++;
        }
        this.log(i, "drain", [["reaped", total], ["errors", bad], ["last", resStr(r)]]);
        return -1;
      }
      case "ring": {
        need(2);
        const c = u32(this.ctx(tok[1]));
        const h = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => mem.u32(c + 4 * k));
        this.log(i, "ring", [["id", h[0] === c ? "ctx" : "other"], ["nr", h[1]], ["head", h[2]], ["tail", h[3]],
          ["magic", `0x${h[4].toString(16)}`], ["compat", h[5]], ["incompat", h[6]], ["hlen", h[7]]]);
        return -1;
      }
      case "reap": {
        need(3);
        const c = u32(this.ctx(tok[1]));
        const max = Number(parseNum(tok[2]));
        const nr = mem.u32(c + 4);
        let head = mem.u32(c + 8);
        const tail = mem.u32(c + 12);
        const fields: [string, string | number][] = [];
        let n = 0;
        while (head !== tail && n < max) {
          fields.push([`ev${n}`, this.event(BigInt(c + 32 + head * 32))]);
          head = (head + 1) % nr;
          n++;
        }
        mem.setU32(c + 8, head);
        fields.push(["n", n], ["head", head]);
        this.log(i, "reap", fields);
        return -1;
      }
      case "fork": {
        const end = this.matchingEndfork(i);
        const childSyms = new Map(this.syms);
        const lines = this.lines;
        const heap = [this.heapNext, this.heapEnd];
        const child: Program = function* (api: ProcessApi) {
          const c = new Interp(api, ctl, lines, childSyms);
          [c.heapNext, c.heapEnd] = heap;
          const code = yield* c.run(i + 1, end);
          return code ?? 0;
        };
        const fork = (sys as unknown as { fork?: (p: Program, name?: string) => Request }).fork;
        if (!fork) throw new ScenarioError("fork: this host has no sys.fork");
        const pid = yield fork(child, "cref-child");
        if (pid < 0) { this.log(i, "fork", [["ret", resStr(pid)]]); return 1000 + end; }
        const m = ctl.machine;
        const deadline = m.seconds + ctl.alarmSeconds * 4;
        while (m.exitCode(pid) === null && m.seconds < deadline) {
          yield sys.sched_yield();
          yield work(10000);
        }
        const code = m.exitCode(pid);
        this.log(i, "fork", code === null ? [["child", "hung"]] : [["child_exit", code]]);
        return 1000 + end;
      }
      case "endfork":
        return -1;
      case "exit":
        need(2);
        return Number(parseNum(tok[1])) & 0xff;
      case "sleep": {
        need(2);
        const ms = Number(parseNum(tok[1]));
        const ts = yield* this.alloc(8, 4);
        const b = new Uint8Array(8);
        const dv = new DataView(b.buffer);
        dv.setInt32(0, Math.floor(ms / 1000), true);
        dv.setInt32(4, (ms % 1000) * 1_000_000, true);
        mem.write(ts, b);
        yield sys.nanosleep(ts);
        ctl.out.push(`${i} sleep ok`);
        return -1;
      }
      default:
        throw new ScenarioError(`unknown op ${op}`);
    }
  }
}

// Runs one scenario on a fresh simulated machine.
export async function runOnSim(sc: Scenario, o: SimRunOptions = {}): Promise<SimRun> {
  const alarmSeconds = o.alarmSeconds ?? 1;
  const limit = o.limitSeconds ?? 120;
  const machine = await Machine.boot(o.boot ?? {});
  const ctl: Control = { machine, alarmSeconds, out: [], armed: new Map(), fired: new Set() };
  const lines = toLines(sc).trimEnd().split("\n").filter((l) => l.length > 0);
  let current = -1;
  const program: Program = function* (api: ProcessApi) {
    const it = new Interp(api, ctl, lines, new Map());
    // $badptr: a page nobody may touch (PROT_NONE), so no later mapping lands on it
    it.define("$badptr", "mem", BigInt(yield* it.mmap(PAGE, 0)), 0);
    for (let i = 0; i < lines.length; i++) {
      current = i;
      try {
        const r = yield* it.step(i);
        if (r >= 1000) { i = r - 1000; continue; }
        if (r >= 0) return r;
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        ctl.out.push(`${i} error msg=${e.message.replace(/\s+/g, "_")}`);
        return 99;
      }
    }
    return 0;
  };
  const pid = machine.spawn(program, { name: "cref" });
  let error: string | undefined;
  try {
    for (;;) {
      const r = machine.run({ seconds: Math.min(0.05, alarmSeconds / 4) });
      if (r.reason === "exited" || machine.exitCode(pid) !== null) break;
      if (r.reason === "hang") { error = `the simulated machine hung at step ${current}`; break; }
      for (const [p, at] of ctl.armed) {
        if (!ctl.fired.has(p) && machine.seconds - at >= alarmSeconds) {
          ctl.fired.add(p);
          machine.ex.kill(p, SIGALRM);
        }
      }
      if (machine.seconds > limit) { error = `still running after ${limit} simulated seconds (step ${current})`; break; }
    }
  } catch (e) {
    if (e instanceof KernelPanic) {
      // the step that was running when the kernel died answers "panic"
      ctl.out.push(`${Math.max(current, 0)} panic panic=${e.kind} msg=${e.bugMessage.replace(/\s+/g, "_")}`);
      error = e.message;
    } else {
      error = `${(e as Error).message}`;
      ctl.out.push(`${Math.max(current, 0)} error msg=${error.replace(/\s+/g, "_")}`);
    }
  }
  if (error && !/ (panic|error) /.test(ctl.out[ctl.out.length - 1] ?? "")) ctl.out.push(`${Math.max(current, 0)} error msg=${error.replace(/\s+/g, "_")}`);
  const text = ctl.out.join("\n") + "\n";
  const log = parseLog(text);
  if (!error) {
    const e = [...log.values()].find((l) => l.op === "error");
    if (e) error = e.raw;
  }
  return { log, text, error, simSeconds: machine.seconds };
}
