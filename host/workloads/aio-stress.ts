// aio-stress v0.21 (Chris Mason, 2004) as a user program of the simulated machine, written anew
// in TypeScript from the program's documented behaviour (docs/aio-stress.md). Each file argument
// gets one "operation" per context (-c); an operation walks through the enabled stages
// write → read → random write → random read. Within a stage the thread goes round the active
// operations, builds up to -i iocbs for each and hands at most -b of them to one io_submit,
// reaping with io_getevents(ctx, min(io_iter, pending), all, events, NULL). Between stages it
// waits for everything outstanding and fsyncs every file (unless -n).
//
// All times are simulated: the program reads the clock of the CPU it runs on (a gettimeofday
// that costs nothing, truncated to microseconds as struct timeval is). Besides the original's
// output lines the program records, for the runner's report, each I/O's submit-to-reap latency and
// the longest stall: the longest interval during which requests were outstanding and none was
// reaped (docs/aio-stress.md, "Stall").
import { sys, work, type Program, type Request, type ProcessApi } from "../program.ts";
import { UserHeap, ioSetup, writeIocb, writeIocbPointers, readEvents, IOCB_SIZE, IO_EVENT_SIZE,
  IOCB_CMD_PREAD, IOCB_CMD_PWRITE } from "../libaio.ts";
import type { Costs } from "../profile.ts";
import { snapshot, rates, percentile, type Rates, type Snapshot } from "../counters.ts";
import { bootFor, aioCounters, sampleOf, speedMeter, type MachineOptions, type SimSpeed, type RunHooks } from "../experiments.ts";
import { describeVariant, variantFlags, type Variant } from "../variant.ts";

export const WRITE = 0, READ = 1, RWRITE = 2, RREAD = 3, LAST_STAGE = 4;
export const STAGE_NAMES = ["write", "read", "random write", "random read"] as const;
export const stageName = (rw: number): string => STAGE_NAMES[rw] ?? "unknown";

// Open flags of the i386 ABI (include/asm-i386/fcntl.h).
export const O_RDWR = 0o2, O_CREAT = 0o100, O_SYNC = 0o10000, O_DIRECT = 0o40000;
const EAGAIN = 11;

// Histogram bucket bounds of the latency lines, in milliseconds.
export const DEVIATIONS = [100, 250, 500, 1000, 5000, 10000];
export const RUN_FOREVER = -1;
const MB = 1024 * 1024;

// The command line, after parsing (host/cli/aio-stress.ts) and before the program's own
// adjustments (resolveAioStress). Sizes are in bytes.
export interface AioStressOptions {
  files: string[];
  alignment: number;       // -a: buffer alignment (page_size_mask + 1), default the page size
  maxIoSubmit: number;     // -b: iocbs per io_submit; 0 = files × io_iter × contexts
  contexts: number;        // -c: operations (and file descriptors) per file
  contextOffset: number;   // -C: distance between the contexts' start offsets (also sets -b: see docs)
  fileSize: number;        // -s
  recLen: number;          // -r
  depth: number;           // -d: io units per operation
  ioIter: number;          // -i: iocbs per operation before moving to the next
  iterations: number;      // -I: rounds per stage, RUN_FOREVER = until the stage is done
  oDirect: boolean;        // -O
  oSync: boolean;          // -S
  addStages: number[];     // -o, in the order given (empty = every stage)
  fsyncStages: boolean;    // false with -n
  latencyStats: boolean;   // -l
  completionLatencyStats: boolean; // -L
  threads: number;         // -t
  unlinkFiles: boolean;    // -u
  verify: boolean;         // -v
  stonewall: boolean;      // false with -x
}

// Total file data one simulated machine can hold (see the check in resolveAioStress).
export const MAX_TOTAL_FILE_BYTES = 512 * 1024 * 1024;

export const AIO_STRESS_DEFAULTS: AioStressOptions = {
  files: [],
  alignment: 4096,
  maxIoSubmit: 0,
  contexts: 1,
  contextOffset: 2 * MB,
  fileSize: 1024 * MB,
  recLen: 64 * 1024,
  depth: 64,
  ioIter: 8,
  iterations: RUN_FOREVER,
  oDirect: false,
  oSync: false,
  addStages: [],
  fsyncStages: true,
  latencyStats: false,
  completionLatencyStats: false,
  threads: 1,
  unlinkFiles: false,
  verify: false,
  stonewall: true,
};

// What main() settles before any I/O: clamped counts, the stage mask, the first stage, and the
// lines it prints on the way.
export interface AioStressConfig extends AioStressOptions {
  stages: number;          // bit mask of enabled stages
  firstStage: number;
  lines: string[];         // messages printed while settling the options, in order
}

// Thrown for option combinations the original refuses at start-up (it exits with status 1).
export class AioStressConfigError extends Error {
  constructor(readonly option: string, msg: string) { super(`${option}: ${msg}`); this.name = "AioStressConfigError"; }
}

// The original main()'s adjustments, in its order, with the lines it prints.
// The simulated machine keeps file data in its own memory (the disk's blocks and the page cache,
// with no reclaim: docs/storage-model.md), inside one wasm32 instance; past this the instance
// runs out of memory. The original's 1024 MB default is therefore refused before a run starts
// rather than crashing it (the header lines above still describe it as v0.21 would).
export function checkAioStressLimits(o: AioStressOptions): void {
  if (o.fileSize * o.files.length > MAX_TOTAL_FILE_BYTES)
    throw new AioStressConfigError("-s", `${Math.floor(o.fileSize / MB)}MB x ${o.files.length} file(s) exceeds the simulator's ${MAX_TOTAL_FILE_BYTES / MB}MB of file data; use a smaller -s (e.g. -s 64m)`);
}

export function resolveAioStress(o: AioStressOptions): AioStressConfig {
  const lines: string[] = [];
  let stages = 0;
  for (const s of o.addStages) {
    if (!Number.isInteger(s) || s < 0 || s >= LAST_STAGE) throw new AioStressConfigError("-o", `stage must be 0, 1, 2 or 3, got ${s}`);
    stages |= 1 << s;
    lines.push(`adding stage ${stageName(s)}`);
  }
  if (!o.files.length) throw new AioStressConfigError("file", "at least one file name is required");
  let ioIter = o.ioIter;
  if (o.depth < ioIter) { ioIter = o.depth; lines.push(`dropping io_iter to ${ioIter}`); }
  const nFiles = o.files.length;
  let threads = o.threads;
  if (threads > nFiles * o.contexts) {
    threads = nFiles * o.contexts;
    lines.push(`dropping thread count to the number of contexts ${threads}`);
  }
  let maxIoSubmit = o.maxIoSubmit || nFiles * ioIter * o.contexts;
  if (maxIoSubmit < ioIter) { ioIter = maxIoSubmit; lines.push(`dropping io_iter to ${ioIter}`); }
  let firstStage = WRITE;
  if (!stages) stages = (1 << WRITE) | (1 << READ) | (1 << RREAD) | (1 << RWRITE);
  else {
    for (let i = 0; i < LAST_STAGE; i++) if (stages & (1 << i)) { firstStage = i; lines.push(`starting with ${stageName(i)}`); break; }
  }
  if (o.fileSize < o.contexts * o.contextOffset) throw new AioStressConfigError("-s", `file size ${o.fileSize} too small for ${o.contexts} contexts`);
  lines.push(`file size ${Math.floor(o.fileSize / MB)}MB, record size ${Math.floor(o.recLen / 1024)}KB, depth ${o.depth}, ios per iteration ${ioIter}`);
  lines.push(`max io_submit ${maxIoSubmit}, buffer alignment set to ${Math.floor(o.alignment / 1024)}KB`);
  lines.push(`threads ${threads} files ${nFiles} contexts ${o.contexts} context offset ${Math.floor(o.contextOffset / MB)}MB verification ${o.verify ? "on" : "off"}`);
  maxIoSubmit = Math.max(maxIoSubmit, 0);
  return { ...o, ioIter, threads, maxIoSubmit, stages, firstStage, lines };
}

// ---- glibc's rand(): the original never calls srand, so its offsets come from seed 1. Our
// generator is the same additive-feedback recurrence, seeded with --seed (default 1).
export class GlibcRand {
  private ring: number[];
  constructor(seed = 1) {
    const r: number[] = [(seed >>> 0 || 1) | 0];
    for (let k = 1; k < 31; k++) {
      // 16807 * r mod (2^31 - 1), kept in signed 32-bit range as the C code's Schrage step
      const hi = Math.trunc(r[k - 1] / 127773), lo = r[k - 1] % 127773;
      let w = 16807 * lo - 2836 * hi;
      if (w < 0) w += 2147483647;
      r.push(w);
    }
    for (let k = 31; k < 34; k++) r.push(r[k - 31]);
    this.ring = r;
    for (let k = 34; k < 344; k++) this.step();
  }
  private step(): number {
    const r = this.ring;
    const v = (r[r.length - 31] + r[r.length - 3]) | 0;
    r.push(v);
    if (r.length > 64) r.splice(0, r.length - 34);
    return v;
  }
  // A value in [0, RAND_MAX].
  next(): number { return this.step() >>> 1; }
}
export const RAND_MAX = 2147483647;

// ---- the program's bookkeeping (struct io_oper, io_unit, thread_info)

interface Oper {
  fd: number;
  start: number;
  end: number;
  reclen: number;
  depth: number;
  numPending: number;
  lastErr: number;
  numErr: number;
  rw: number;
  totalIos: number;
  startedIos: number;
  lastOffset: number;
  stonewalled: boolean;
  next: Oper;
  prev: Oper;
  startTime: number;       // µs
  fileName: string;
}

interface IoUnit {
  iocb: number;            // user address; the iocb leads the unit, as in the original
  oper: Oper | null;
  buf: number;
  bufSize: number;
  busy: boolean;
  res: number;
  offset: number;
  opcode: number;
  startTime: number;       // µs, when io_submit returned
  startCycle: bigint;
}

interface Latency { max: number; min: number; totalIo: number; totalLat: number; deviations: number[] }
const newLatency = (): Latency => ({ max: 0, min: 0, totalIo: 0, totalLat: 0, deviations: DEVIATIONS.map(() => 0) });

// A circular doubly linked list of operations addressed by its head, with the original's
// add-at-tail / delete semantics (the order of visits and re-visits depends on them).
class OperList {
  head: Oper | null = null;
  add(o: Oper): void {
    if (!this.head) { this.head = o; o.prev = o.next = o; return; }
    o.prev = this.head.prev;
    o.next = this.head;
    this.head.prev.next = o;
    this.head.prev = o;
  }
  del(o: Oper): void {
    const h = this.head!;
    if (h.next === h.prev && h === h.next) { this.head = null; return; }
    o.prev.next = o.next;
    o.next.prev = o.prev;
    if (h === o) this.head = o.next;
  }
}

interface ThreadState {
  index: number;
  ctx: number;
  ios: IoUnit[];
  free: IoUnit[];          // a stack: the last freed unit is reused first
  byIocb: Map<number, IoUnit>;
  pending: number;         // num_global_pending
  iocbs: number;           // user address of the iocb pointer array
  events: number;          // user address of the events array
  oneEvent: number;        // user address of io_oper_wait's single event
  numEvents: number;
  submitLat: Latency;
  completionLat: Latency;
  active: OperList;
  finished: OperList;
  numFiles: number;
  stageMb: number;
  opers: Oper[];
  byteBuf: number;         // a word for the wake-up pipe's byte
}

// What the run produced, filled in as it goes (read by the runner after the machine stops).
export interface AioStressResult {
  lines: string[];
  exitCode: number | null;
  threadsDone: number;
  stages: { stage: string; mb: number; seconds: number }[];      // per stage, all threads together
  latencies: number[];               // submit-to-reap of every I/O, cycles
  submitCycles: number[];            // time spent inside each io_submit call, cycles
  stall: { cycles: number; startCycle: bigint; endCycle: bigint; stage: string; outstanding: number };
  bytesStarted: number;              // for progress
  bytesPlanned: number;
  timedStartCycle: bigint;           // first stage starts
  timedEndCycle: bigint;             // last stage ends
  errors: string[];
}

class ProgramExit extends Error {
  constructor(readonly code: number) { super(`exit(${code})`); }
}

// A few errno names for the program's error lines (strerror).
const STRERROR: Record<number, string> = {
  0: "Success", 1: "Operation not permitted", 2: "No such file or directory", 4: "Interrupted system call", 5: "Input/output error",
  9: "Bad file descriptor", 11: "Resource temporarily unavailable", 12: "Cannot allocate memory", 14: "Bad address",
  22: "Invalid argument", 24: "Too many open files", 28: "No space left on device", 38: "Function not implemented",
  95: "Operation not supported",
};
const strerror = (e: number) => STRERROR[e] ?? `Unknown error ${e}`;
const asUlong = (v: number) => (v < 0 ? (v >>> 0) : v);          // %lu of a long on i386

// C's %.2f, including its spelling of infinities and NaN.
export function f2(x: number, d = 2): string {
  if (Number.isNaN(x)) return "-nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return x.toFixed(d);
}

// The shared parts of the run: options, output, the global stage barrier and counters.
export interface AioStressRun {
  program: Program;          // the main thread; it clones the others with -t
  result: AioStressResult;
}

// Called from inside the program (so the machine is seen at exactly that moment): when the first
// stage starts, and when the last thread has finished its last stage.
export interface AioStressProgramHooks { onTimedStart?: () => void; onTimedEnd?: () => void }

export function aioStressProgram(cfg: AioStressConfig, costs: Costs, seed = 1, hooks: AioStressProgramHooks = {}): AioStressRun {
  const nThreads = cfg.threads;
  const result: AioStressResult = {
    lines: [...cfg.lines], exitCode: null, threadsDone: 0, stages: [], latencies: [], submitCycles: [],
    stall: { cycles: 0, startCycle: 0n, endCycle: 0n, stage: "", outstanding: 0 },
    bytesStarted: 0, bytesPlanned: 0, timedStartCycle: 0n, timedEndCycle: 0n, errors: [],
  };
  const out = (s: string) => result.lines.push(s);
  const rand = new GlibcRand(seed);
  const pageMask = cfg.alignment - 1;
  const paddedReclen = Math.ceil(cfg.recLen / cfg.alignment) * cfg.alignment;

  // Operations per thread, assigned as main() does: the n-th opened descriptor goes to thread n % threads.
  const assign: { file: string; j: number }[][] = Array.from({ length: nThreads }, () => []);
  let openFds = 0;
  for (const file of cfg.files) for (let j = 0; j < cfg.contexts; j++) assign[openFds++ % nThreads].push({ file, j });
  const nStages = [0, 1, 2, 3].filter((s) => s >= cfg.firstStage && cfg.stages & (1 << s)).length;
  for (const a of assign) for (const { j } of a) {
    const total = Math.floor((cfg.fileSize - 2 * j * cfg.contextOffset) / cfg.recLen);
    result.bytesPlanned += Math.max(0, total) * cfg.recLen * nStages;
  }

  // Globals shared by the threads (the original's stage mutex state).
  const g = { threadsStarting: 0, threadsEnding: 0, globalStageStart: 0, stageMb: new Array<number>(nThreads).fill(0),
    outstanding: 0, stallFrom: 0n, curStage: "", aborted: false, timedStarted: false, stagesDone: 0, waiters: new Set<number>() };
  // Sizes of the files as this program has made them (st_size for oper_runnable; files start empty).
  const fileSize = new Map<string, number>();

  // What main() prepares before the threads start; the threads share its mm and descriptors.
  const threads: ThreadState[] = [];
  const shared = { wakeFds: [] as number[][], sleepReq: 0, heap: null as UserHeap | null };
  const verifyBuf = new Uint8Array(cfg.recLen).fill(0x62);
  const die = (code: number, line?: string): never => {
    if (line !== undefined) out(line);
    throw new ProgramExit(code);
  };

  // main()'s set-up: open every file once per context (the n-th descriptor goes to thread
  // n % threads), carve one buffer area for all io units (setup_shared_mem), then give each
  // thread its units, iocb pointer array and events (setup_ious).
  function* setupAll(api: ProcessApi): Generator<Request, void, number> {
    const mem = api.mem;
    const nIosAll = cfg.files.length * cfg.contexts * cfg.depth;
    const pathBytes = cfg.files.reduce((n, f) => n + f.length + 1, 0);
    const heapSize = nIosAll * (paddedReclen + IOCB_SIZE + IO_EVENT_SIZE + 32) + nThreads + cfg.alignment +
      (cfg.verify ? paddedReclen : 0) + nThreads * (4 * cfg.maxIoSubmit + IO_EVENT_SIZE + 64) + pathBytes + 8192;
    const heap: UserHeap = yield* UserHeap.create(heapSize + 64 * (nThreads + 1));
    shared.heap = heap;
    for (let i = 0; i < nThreads; i++) {
      threads.push({ index: i, ctx: 0, ios: [], free: [], byIocb: new Map(), pending: 0, iocbs: 0, events: 0, oneEvent: 0,
        numEvents: 0, submitLat: newLatency(), completionLat: newLatency(), active: new OperList(), finished: new OperList(),
        numFiles: 0, stageMb: 0, opers: [], byteBuf: 0 });
    }
    let openFds = 0;
    for (const file of cfg.files) {
      const path = heap.alloc(file.length + 1, 1);
      mem.cstring(path, file);
      fileSize.set(file, 0);
      for (let j = 0; j < cfg.contexts; j++) {
        const t = threads[openFds++ % nThreads];
        const fd = yield sys.open(path, O_CREAT | O_RDWR | (cfg.oDirect ? O_DIRECT : 0) | (cfg.oSync ? O_SYNC : 0), 0o600);
        if (fd < 0) die(1, `open ${file} failed: ${fd} (${strerror(-fd)})`);
        const start = j * cfg.contextOffset, end = cfg.fileSize - j * cfg.contextOffset;
        const o = { fd, start, end, reclen: cfg.recLen, depth: cfg.depth, numPending: 0, lastErr: 0, numErr: 0,
          rw: cfg.firstStage, totalIos: Math.floor((end - start) / cfg.recLen), startedIos: 0, lastOffset: start,
          stonewalled: false, startTime: 0, fileName: file } as Oper;
        t.opers.push(o);
        t.active.add(o);
        t.numFiles++;
      }
    }
    let bufs = heap.alloc(nIosAll * paddedReclen + (cfg.verify ? paddedReclen : 0), cfg.alignment);
    for (const t of threads) {
      const nIos = t.numFiles * cfg.depth;
      for (let i = 0; i < nIos; i++) {
        const u: IoUnit = { iocb: heap.alloc(IOCB_SIZE, 32), oper: null, buf: bufs, bufSize: cfg.recLen, busy: false,
          res: 0, offset: 0, opcode: 0, startTime: 0, startCycle: 0n };
        bufs += paddedReclen;
        if (cfg.verify) mem.write(u.buf, verifyBuf);
        t.ios.push(u);
        t.byIocb.set(u.iocb, u);
        t.free.push(u);
      }
      t.iocbs = heap.alloc(4 * Math.max(1, cfg.maxIoSubmit), 4);
      t.events = heap.alloc(Math.max(1, nIos) * IO_EVENT_SIZE, 8);
      t.oneEvent = heap.alloc(IO_EVENT_SIZE, 8);
      t.numEvents = nIos;
      t.byteBuf = heap.alloc(4, 4);
    }
    shared.sleepReq = heap.alloc(8, 4);
    mem.setU32(shared.sleepReq, 0);
    mem.setU32(shared.sleepReq + 4, 1_000_000);          // 1 ms
    if (nThreads > 1) {
      // one pipe per waiter (the threads, then main joining them): a blocking read is our
      // pthread_cond_wait, one byte written to it the wake-up
      const fds = heap.alloc(8, 4);
      for (let i = 0; i <= nThreads; i++) {
        const r = yield sys.pipe(fds);
        if (r < 0) { shared.wakeFds = []; result.errors.push(`pipe failed (${r}): thread waits poll with nanosleep`); break; }
        shared.wakeFds.push([mem.i32(fds), mem.i32(fds + 4)]);
      }
    }
  }

  // The stage barrier and the join: wait until done() holds (pthread_cond_wait).
  function* condWait(who: number, byteBuf: number, done: () => boolean): Generator<Request, void, number> {
    while (!done() && !g.aborted) {
      if (shared.wakeFds.length) {
        g.waiters.add(who);
        const r = yield sys.read(shared.wakeFds[who][0], byteBuf, 1);
        if (r < 0 && r !== -4) die(1, `read on the wake-up pipe failed: ${r} (${strerror(-r)})`);
      } else {
        const r = yield sys.nanosleep(shared.sleepReq, 0);
        if (r < 0 && r !== -4) yield sys.sched_yield();
      }
    }
  }

  // pthread_cond_broadcast: one byte to every registered waiter.
  function* broadcast(byteBuf: number): Generator<Request, void, number> {
    for (const w of [...g.waiters].sort((x, y) => x - y)) {
      g.waiters.delete(w);
      yield sys.write(shared.wakeFds[w][1], byteBuf, 1);
    }
  }

  function* thread(api: ProcessApi, index: number): Generator<Request, number, number> {
    const mem = api.mem;
    const cycles = () => api.machine.cpuNow();
    const cps = api.machine.cyclesPerSecond;
    const usNow = () => Math.floor((Number(cycles()) / cps) * 1e6);
    const timeSince = (fromUs: number, toUs: number) => Math.max(0, (toUs - fromUs) / 1e6);
    const t = threads[index];

    // ---- latency and stall bookkeeping

    const calcLatency = (fromUs: number, toUs: number, lat: Latency) => {
      const delta = timeSince(fromUs, toUs) * 1000;
      if (delta > lat.max) lat.max = delta;
      if (!lat.min || delta < lat.min) lat.min = delta;
      lat.totalIo++;
      lat.totalLat += delta;
      for (let i = 0; i < DEVIATIONS.length; i++) if (delta < DEVIATIONS[i]) { lat.deviations[i]++; break; }
    };
    const submitted = (n: number, at: bigint) => {
      if (n <= 0) return;
      if (g.outstanding === 0) g.stallFrom = at;
      g.outstanding += n;
    };
    const reaped = (n: number, at: bigint) => {
      if (n <= 0) return;
      const gap = at - g.stallFrom;
      if (g.outstanding > 0 && Number(gap) > result.stall.cycles) {
        result.stall = { cycles: Number(gap), startCycle: g.stallFrom, endCycle: at, stage: g.curStage, outstanding: g.outstanding };
      }
      g.stallFrom = at;
      g.outstanding -= n;
    };

    const operMbTrans = (o: Oper) => (o.startedIos * o.reclen) / MB;
    const printTime = (o: Oper) => {
      const runtime = timeSince(o.startTime, usNow());
      const mb = operMbTrans(o);
      out(`${stageName(o.rw)} on ${o.fileName} (${f2(mb / runtime)} MB/s) ${f2(mb)} MB in ${f2(runtime)}s`);
    };
    const printLat = (str: string, lat: Latency) => {
      const avg = lat.totalLat / lat.totalIo;
      out(`${str} min ${f2(lat.min)} avg ${f2(avg)} max ${f2(lat.max)}`);
      let s = "\t";
      let counted = 0;
      for (let i = 0; i < DEVIATIONS.length; i++) { s += ` ${lat.deviations[i].toFixed(0)} < ${DEVIATIONS[i]}`; counted += lat.deviations[i]; }
      if (counted && lat.totalIo - counted) s += ` < ${(lat.totalIo - counted).toFixed(0)}`;
      out(s);
      Object.assign(lat, newLatency());
    };

    function* checkFinishedIo(io: IoUnit): Generator<Request, number, number> {
      const o = io.oper!;
      if (io.res !== io.bufSize) {
        out(`io err ${asUlong(io.res)} (${strerror(-io.res)}) op ${io.opcode}, off ${io.offset} size ${io.bufSize}`);
        o.lastErr = io.res;
        o.numErr++;
        return -1;
      }
      if (cfg.verify && o.rw === READ) {
        yield work((costs.copyPerKB * o.reclen) / 1024);           // memcmp over the record
        const got = mem.read(io.buf, o.reclen);
        let bad = "";
        let shown = 0, diffs = 0;
        for (let i = 0; i < o.reclen; i++) {
          if (got[i] !== verifyBuf[i]) {
            diffs++;
            if (shown < 64) { bad += `${i}:${String.fromCharCode(got[i])}:${String.fromCharCode(verifyBuf[i])} `; shown++; }
          }
        }
        if (diffs) {
          out(`verify error, file ${o.fileName} offset ${io.offset} contents (offset:bad:good):`);
          out(bad + (diffs > shown ? `... (${diffs - shown} more)` : ""));
        }
      }
      return 0;
    }

    function* finishIo(io: IoUnit, res: number, nowUs: number, nowCycle: bigint): Generator<Request, void, number> {
      const o = io.oper!;
      calcLatency(io.startTime, nowUs, t.completionLat);
      result.latencies.push(Number(nowCycle - io.startCycle));
      io.res = res;
      io.busy = false;
      t.free.push(io);
      o.numPending--;
      t.pending--;
      if ((io.opcode === IOCB_CMD_PWRITE) && res > 0) {
        const sz = fileSize.get(o.fileName) ?? 0;
        if (io.offset + res > sz) fileSize.set(o.fileName, io.offset + res);
      }
      yield* checkFinishedIo(io);
      if (o.numPending === 0 && (o.startedIos === o.totalIos || o.stonewalled)) printTime(o);
    }

    function* readSomeEvents(): Generator<Request, number, number> {
      const minNr = t.pending < cfg.ioIter ? t.pending : cfg.ioIter;
      const nr = yield sys.io_getevents(t.ctx, minNr, t.numEvents, t.events, 0);
      if (nr <= 0) return nr;
      const nowCycle = cycles(), nowUs = usNow();
      reaped(nr, nowCycle);
      yield work((costs.userWork / 2) * nr);
      for (const ev of readEvents(mem, t.events, nr)) yield* finishIo(unitOf(ev.obj), ev.res, nowUs, nowCycle);
      return nr;
    }

    const unitOf = (obj: number): IoUnit => {
      const u = t.byIocb.get(obj >>> 0);
      if (!u) die(1, `event for an iocb we never submitted (0x${(obj >>> 0).toString(16)})`);
      return u!;
    };

    function* findIou(o: Oper): Generator<Request, IoUnit | null, number> {
      for (;;) {
        const u = t.free.pop();
        if (u) {
          if (u.busy) die(134, "io unit on free list but not free");
          u.busy = true;
          u.res = 0;
          u.oper = o;
          return u;
        }
        const nr = yield* readSomeEvents();
        if (nr <= 0) { out("no free ious after read_some_events"); return null; }
      }
    }

    const randomByteOffset = (o: Oper): number => {
      let randByte = o.start;
      let range = Math.floor((o.end - o.start) / MB);
      let offset = 1;
      if (pageMask + 1 > MB) offset = Math.floor((pageMask + 1) / MB);
      range = range < offset ? 0 : range - offset;
      let num = 1 + Math.trunc((range * rand.next()) / (RAND_MAX + 1.0));
      randByte += num * MB;
      num = 1 + Math.trunc((MB * rand.next()) / (RAND_MAX + 1.0));
      num = Math.floor((num + pageMask) / (pageMask + 1)) * (pageMask + 1);
      randByte += num;
      if (randByte + o.reclen > o.end) randByte -= o.reclen;
      return randByte;
    };

    function* buildIocb(o: Oper): Generator<Request, IoUnit | null, number> {
      const io = yield* findIou(o);
      if (!io) { out("unable to find io unit"); return null; }
      let offset: number;
      if (o.rw === WRITE || o.rw === READ) { offset = o.lastOffset; o.lastOffset += o.reclen; }
      else { offset = randomByteOffset(o); o.lastOffset = offset; }
      io.opcode = o.rw === WRITE || o.rw === RWRITE ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
      io.offset = offset;
      // io_prep_pread/pwrite: a cleared iocb with fd, buffer, length and offset; aio_data stays 0
      writeIocb(mem, io.iocb, { opcode: io.opcode, fd: o.fd, buf: io.buf, nbytes: o.reclen, offset, data: 0n });
      return io;
    }

    function* buildOper(o: Oper, numIos: number, built: IoUnit[]): Generator<Request, number, number> {
      if (o.startedIos === 0) o.startTime = usNow();
      if (numIos === 0) numIos = o.totalIos;
      if (o.startedIos + numIos > o.totalIos) numIos = o.totalIos - o.startedIos;
      const mine: IoUnit[] = [];
      for (let i = 0; i < numIos; i++) {
        const io = yield* buildIocb(o);
        if (!io) return -1;          // the units built so far stay busy and unsent, as in the original
        mine.push(io);
      }
      built.push(...mine);
      return numIos;
    }

    const updateIouCounters = (units: IoUnit[], nowUs: number, nowCycle: bigint) => {
      for (const io of units) {
        io.oper!.numPending++;
        io.oper!.startedIos++;
        io.startTime = nowUs;
        io.startCycle = nowCycle;
        result.bytesStarted += io.bufSize;
      }
    };

    function* runBuilt(units: IoUnit[]): Generator<Request, number, number> {
      let first = 0, num = units.length;
      writeIocbPointers(mem, t.iocbs, units.map((u) => u.iocb));
      for (;;) {
        const startUs = usNow(), startCycle = cycles();
        const ret = yield sys.io_submit(t.ctx, num, t.iocbs + 4 * first);
        const stopUs = usNow(), stopCycle = cycles();
        calcLatency(startUs, stopUs, t.submitLat);
        result.submitCycles.push(Number(stopCycle - startCycle));
        if (ret === num) {
          updateIouCounters(units.slice(first, first + ret), stopUs, stopCycle);
          submitted(ret, stopCycle);
          t.pending += ret;
          return 0;
        }
        if (ret > 0) {
          updateIouCounters(units.slice(first, first + ret), stopUs, stopCycle);
          submitted(ret, stopCycle);
          first += ret;
          t.pending += ret;
          num -= ret;
        }
        if (ret > 0 || ret === -EAGAIN) {
          const oldRet = ret;
          const got = (yield* readSomeEvents()) > 0 ? 1 : 0;
          if (got) continue;
          die(134, `ret was ${got} and now is ${oldRet}`);
        }
        out(`ret ${ret} (${strerror(-ret)}) on io_submit`);
        return -1;
      }
    }

    // Whether an operation may start: a context whose range begins beyond the file's current
    // end waits (sequential stages only) until the earlier contexts have written that far.
    const operRunnable = (o: Oper) => {
      if (o.startedIos || o.start === 0) return true;
      if (o.rw >= RWRITE) return true;
      return (fileSize.get(o.fileName) ?? 0) >= o.start;
    };

    function* runActiveList(): Generator<Request, number, number> {
      const built = new OperList();
      const units: IoUnit[] = [];
      let o = t.active.head;
      while (o) {
        if (!operRunnable(o)) {
          o = o.next;
          if (o === t.active.head) break;
          continue;
        }
        const ret = yield* buildOper(o, cfg.ioIter, units);
        if (ret >= 0) {
          t.active.del(o);
          built.add(o);
          o = t.active.head;
          if (units.length + cfg.ioIter > cfg.maxIoSubmit) break;
        } else break;
      }
      if (units.length) {
        yield work((costs.userWork / 2) * units.length);
        const ret = yield* runBuilt(units);
        if (ret < 0) die(1, `error ${ret} on run_built`);
        while (built.head) {
          o = built.head;
          built.del(o);
          t.active.add(o);
          if (o.startedIos === o.totalIos) {
            t.active.del(o);
            t.finished.add(o);
          }
        }
      }
      return 0;
    }

    function* ioOperWait(o: Oper | null): Generator<Request, number, number> {
      if (!o) return 0;
      if (o.numPending !== 0) {
        for (;;) {
          const n = yield sys.io_getevents(t.ctx, 1, 1, t.oneEvent, 0);
          if (n <= 0) break;
          const nowCycle = cycles(), nowUs = usNow();
          reaped(n, nowCycle);
          yield work(costs.userWork / 2);
          const [ev] = readEvents(mem, t.oneEvent, 1);
          yield* finishIo(unitOf(ev.obj), ev.res, nowUs, nowCycle);
          if (o.numPending === 0) break;
        }
      }
      if (o.numErr) out(`${o.numErr} errors on oper, last ${asUlong(o.lastErr)}`);
      return 0;
    }

    const restartOper = (o: Oper): boolean => {
      if (o.lastErr) return false;
      let newRw = 0;
      // the stage after the current one that is enabled (the original's falling-through switch)
      for (let s = o.rw + 1; s < LAST_STAGE; s++) if (cfg.stages & (1 << s)) { newRw = s; break; }
      if (!newRw) return false;
      o.startedIos = 0;
      o.lastOffset = o.start;
      o.stonewalled = false;
      if (o.numPending) printTime(o);
      o.rw = newRw;
      return true;
    };

    const globalThreadThroughput = (thisStage: string) => {
      const runtime = timeSince(g.globalStageStart, usNow());
      let totalMb = 0, minTrans = 0;
      for (let i = 0; i < nThreads; i++) {
        totalMb += g.stageMb[i];
        // the original compares the calling thread's figure here, not thread i's
        if (!minTrans || t.stageMb < minTrans) minTrans = t.stageMb;
      }
      if (totalMb) {
        out(`${thisStage} throughput (${f2(totalMb / runtime)} MB/s) ${f2(totalMb)} MB in ${f2(runtime)}s` +
          (cfg.stonewall ? ` min transfer ${f2(minTrans)}MB` : ""));
      }
      result.stages.push({ stage: thisStage, mb: totalMb, seconds: runtime });
    };

    function* worker(): Generator<Request, number, number> {
      const ctx = yield* ioSetup(mem, shared.heap!, 512);
      if (ctx < 0) die(3, `io_queue_setup(512) returned ${ctx} (${strerror(-ctx)})`);
      t.ctx = ctx;
      let status = 0;
      let thisStage = "";
      let stageTime = 0;
      let cnt = 0;
      const forever = cfg.iterations === RUN_FOREVER;
      for (;;) {
        if (nThreads > 1) {
          g.threadsStarting++;
          if (g.threadsStarting === nThreads) {
            g.threadsEnding = 0;
            g.globalStageStart = usNow();
            yield* broadcast(t.byteBuf);
          }
          yield* condWait(index, t.byteBuf, () => g.threadsStarting === nThreads);
        }
        if (!g.timedStarted) { g.timedStarted = true; result.timedStartCycle = cycles(); hooks.onTimedStart?.(); }
        if (t.active.head) {
          thisStage = stageName(t.active.head.rw);
          g.curStage = thisStage;
          stageTime = usNow();
          t.stageMb = 0;
        }
        cnt = 0;
        while (t.active.head && (cnt < cfg.iterations || forever)) {
          if (g.aborted) throw new ProgramExit(1);
          if (cfg.stonewall && g.threadsEnding) {
            const o = t.active.head;
            o.stonewalled = true;
            t.active.del(o);
            t.finished.add(o);
          } else yield* runActiveList();
          cnt++;
        }
        if (cfg.latencyStats) printLat("latency", t.submitLat);
        if (cfg.completionLatencyStats) printLat("completion latency", t.completionLat);

        let o = t.finished.head;
        if (o) do {
          yield* ioOperWait(o);
          o = o.next;
        } while (o !== t.finished.head);

        o = t.finished.head;
        while (o) {
          if (cfg.fsyncStages) yield sys.fsync(o.fd);
          t.stageMb += operMbTrans(o);
          if (restartOper(o)) {
            t.finished.del(o);
            t.active.add(o);
            o = t.finished.head;
            continue;
          }
          o = o.next;
          if (o === t.finished.head) break;
        }
        if (t.stageMb && t.numFiles > 0) {
          const seconds = timeSince(stageTime, usNow());
          out(`thread ${index} ${thisStage} totals (${f2(t.stageMb / seconds)} MB/s) ${f2(t.stageMb)} MB in ${f2(seconds)}s`);
          if (nThreads === 1) result.stages.push({ stage: thisStage, mb: t.stageMb, seconds });
        }
        if (nThreads > 1) {
          g.stageMb[index] = t.stageMb;
          g.threadsEnding++;
          if (g.threadsEnding === nThreads) {
            g.threadsStarting = 0;
            yield* broadcast(t.byteBuf);
            globalThreadThroughput(thisStage);
          }
          yield* condWait(index, t.byteBuf, () => g.threadsEnding === nThreads);
        }
        if (t.active.head && (cnt < cfg.iterations || forever)) continue;
        break;
      }
      if (++g.stagesDone === nThreads) { result.timedEndCycle = cycles(); hooks.onTimedEnd?.(); }
      while (t.finished.head) {
        const o = t.finished.head;
        t.finished.del(o);
        yield* ioOperWait(o);
        if (o.numPending > 0) out(`oper num_pending is ${o.numPending}`);
        yield sys.close(o.fd);
        status = o.lastErr;
      }
      if (t.pending) out(`global num pending is ${t.pending}`);
      yield sys.io_destroy(t.ctx);
      return status;
    }

    return yield* worker();
  }

  // Runs one thread and turns the original's exit()/abort() into this task's exit status; an
  // exit in one thread ends the others at their next step, as exit() ends the whole process.
  function* guarded(api: ProcessApi, index: number): Generator<Request, number, number> {
    let code = 0;
    try {
      code = yield* thread(api, index);
    } catch (e) {
      if (!(e instanceof ProgramExit)) throw e;
      code = e.code;
      g.aborted = true;
      result.exitCode = code;
    }
    result.threadsDone++;
    if (nThreads > 1 && shared.wakeFds.length) yield* broadcast(threads[index].byteBuf);
    return code;
  }

  function* cleanup(api: ProcessApi): Generator<Request, void, number> {
    if (!cfg.unlinkFiles) return;
    const heap: UserHeap = yield* UserHeap.create(4096 + cfg.files.reduce((n, f) => n + f.length + 1, 0));
    for (const f of cfg.files) {
      out(`Cleaning up file ${f} `);
      const p = heap.alloc(f.length + 1, 1);
      api.mem.cstring(p, f);
      yield sys.unlink(p);
    }
  }

  // Threads are clone()d as pthread_create does: one mm, one descriptor table, one thread group.
  const CLONE_THREAD_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000;  // VM, FS, FILES, SIGHAND, THREAD

  const program: Program = function* (api) {
    try {
      yield* setupAll(api);
    } catch (e) {
      if (!(e instanceof ProgramExit)) throw e;
      result.exitCode = e.code;
      return e.code;
    }
    let status = 0;
    if (nThreads > 1) {
      out(`Running multi thread version num_threads:${nThreads}`);
      for (let i = 0; i < nThreads; i++) {
        const pid = yield sys.clone(CLONE_THREAD_FLAGS, function* (child) { return yield* guarded(child, i); }, "aio-stress");
        if (pid < 0) { out(`pthread_create: ${strerror(-pid)}`); result.exitCode = 1; g.aborted = true; return 1; }
      }
      // pthread_join of every thread; their statuses are not looked at
      yield* condWait(nThreads, threads[0].byteBuf, () => result.threadsDone >= nThreads);
    } else {
      out("Running single thread version ");
      status = yield* guarded(api, 0);
    }
    if (result.exitCode !== null) return result.exitCode;
    yield* cleanup(api);
    status = status ? 1 : 0;
    result.exitCode = status;
    return status;
  };
  return { program, result };
}

// ---- the runner: boot a machine with a variant, run the program, report

// The arguments `aio-sim reproduce` runs for July vs the seed, on files that already exist on
// disk with a cold page cache (coldFiles): buffered reads whose page waits go through the
// retry path, so every page that arrives is a kick. Chosen because they isolate the kick delay;
// see docs/aio-stress.md for what other arguments show.
export const AIO_STRESS_REPRODUCE_ARGS = ["-o", "1", "-s", "8m", "-r", "64k", "-d", "8", "file1", "file2"];
// The same, parsed (kept equal to the parse of the line above by a test; the web page has no CLI parser).
export const AIO_STRESS_REPRODUCE_OPTIONS: AioStressOptions = { ...AIO_STRESS_DEFAULTS, addStages: [READ], fileSize: 8 * MB,
  recLen: 64 * 1024, depth: 8, files: ["file1", "file2"] };

export interface AioStressLatency { count: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number }

export interface AioStressReport {
  workload: "aio-stress";
  variant: string;
  variantFlags: number;
  machine: { profile: string; cpus: number; hz: number; khz: number };
  options: AioStressConfig & { seed: number };
  exitCode: number | null;
  seconds: number;                                 // simulated, first stage start to last stage end
  throughput: { stage: string; mb: number; seconds: number; mbPerSec: number }[];
  latency: AioStressLatency;                       // submit (io_submit returned) to reap (io_getevents returned)
  submitLatency: AioStressLatency;                 // time inside io_submit
  stall: { longestUs: number; startSec: number; endSec: number; stage: string; outstanding: number };
  contextSwitches: Rates;
  aio: Record<string, number>;
  errors: string[];
  traceHash?: string;
  speed: SimSpeed;
  lines: string[];                                 // the original program's output, in simulated time
}

export interface AioStressRunHooks extends RunHooks {
  maxSeconds?: number;                             // stop the machine after this much simulated time
  // Before the program starts, create every file at its full size (-s) and drop the page cache,
  // as if the files were left on disk by an earlier run and the machine was rebooted: a read
  // stage then reads from the disk. Not part of aio-stress itself (docs/aio-stress.md).
  coldFiles?: boolean;
}

// Writes each file to `size` bytes with write(2), fsyncs and closes it.
function prefillProgram(files: string[], size: number): Program {
  return function* (api) {
    const chunk = 256 * 1024;
    const heap: UserHeap = yield* UserHeap.create(chunk + 4096 + files.reduce((n, f) => n + f.length + 1, 0));
    const buf = heap.alloc(chunk, 4096);
    for (const f of files) {
      const path = heap.alloc(f.length + 1, 1);
      api.mem.cstring(path, f);
      const fd = yield sys.open(path, O_CREAT | O_RDWR, 0o600);
      if (fd < 0) throw new Error(`prefill: open ${f} failed: errno ${-fd}`);
      for (let off = 0; off < size; off += chunk) {
        const n = Math.min(chunk, size - off);
        const w = yield sys.write(fd, buf, n);
        if (w !== n) throw new Error(`prefill: write to ${f} returned ${w}`);
      }
      yield sys.fsync(fd);
      yield sys.close(fd);
    }
    return 0;
  };
}

function summarize(cyclesPerSecond: number, values: number[]): AioStressLatency {
  const s = [...values].sort((a, b) => a - b);
  const us = (c: number) => (c / cyclesPerSecond) * 1e6;
  return { count: s.length, p50Us: us(percentile(s, 50)), p90Us: us(percentile(s, 90)), p99Us: us(percentile(s, 99)),
    maxUs: us(s.length ? s[s.length - 1] : 0) };
}

// Runs aio-stress on a freshly booted machine. Throws AioStressConfigError for options the
// original refuses, and an Error if the machine hangs.
export async function runAioStress(mo: MachineOptions, v: Variant, o: AioStressOptions, hooks: AioStressRunHooks = {}): Promise<AioStressReport> {
  checkAioStressLimits(o);
  const cfg = resolveAioStress(o);
  const m = await bootFor(mo, v);
  const seed = mo.seed ?? 1;
  if (hooks.coldFiles) {
    m.spawn(prefillProgram([...new Set(cfg.files)], cfg.fileSize), { name: "prefill", cpu: 0 });
    const r = m.run({});
    if (r.reason !== "exited") throw new Error(`aio-stress: preparing the files ended with "${r.reason}"`);
    const drop = (m.ex as unknown as { fs_drop_caches?: () => number }).fs_drop_caches;
    if (!drop) throw new Error("aio-stress: this kernel build cannot drop the page cache (fs_drop_caches missing)");
    drop();
  }
  let start: Snapshot | null = null, end: Snapshot | null = null;
  const { program, result } = aioStressProgram(cfg, m.profile.costs, seed,
    { onTimedStart: () => { start = snapshot(m); }, onTimedEnd: () => { end = snapshot(m); } });
  m.spawn(program, { name: "aio-stress", cpu: 0 });
  const speed = speedMeter(m);      // from here: the cold-file preparation is not counted
  let reason = "";
  let prev = snapshot(m), prevIos = 0;
  for (;;) {
    const r = m.run({ seconds: 0.05 });
    hooks.onProgress?.(result.bytesPlanned ? Math.min(1, result.bytesStarted / result.bytesPlanned) : 0);
    if (hooks.onSample) {
      const cur = snapshot(m);
      hooks.onSample(sampleOf(m, prev, cur, result.latencies.length - prevIos));
      prev = cur;
      prevIos = result.latencies.length;
    }
    if (r.reason !== "time") { reason = r.reason; break; }
    if (hooks.maxSeconds !== undefined && r.seconds >= hooks.maxSeconds) {
      result.errors.push(`stopped after ${hooks.maxSeconds} simulated seconds`);
      reason = "time";
      break;
    }
    if (hooks.between) await hooks.between();
    if (hooks.shouldStop?.()) { reason = "stopped"; result.errors.push("stopped on request"); break; }
  }
  const runSpeed = speed();
  if (reason === "hang") throw new Error(`aio-stress: the machine hung (${m.log.slice(-3).join(" | ")})`);
  const last = snapshot(m);
  const a = start ?? last, b = end ?? last;
  const cps = m.cyclesPerSecond;
  const t0 = result.timedStartCycle, t1 = result.timedEndCycle || last.cycle;
  const st = result.stall;
  const p = m.profile;
  return {
    workload: "aio-stress",
    variant: describeVariant(v),
    variantFlags: variantFlags(v),
    machine: { profile: p.name, cpus: p.cpus, hz: p.hz, khz: p.khz },
    options: { ...cfg, seed },
    exitCode: result.exitCode,
    seconds: Number(t1 - t0) / cps,
    throughput: result.stages.map((s) => ({ ...s, mbPerSec: s.seconds > 0 ? s.mb / s.seconds : 0 })),
    latency: summarize(cps, result.latencies),
    submitLatency: summarize(cps, result.submitCycles),
    stall: { longestUs: (st.cycles / cps) * 1e6, startSec: Number(st.startCycle) / cps, endSec: Number(st.endCycle) / cps,
      stage: st.stage, outstanding: st.outstanding },
    contextSwitches: rates(m, a, b),
    aio: aioCounters(m),
    errors: result.errors,
    traceHash: mo.trace ? m.traceHash() : undefined,
    speed: runSpeed,
    lines: result.lines,
  };
}
