// pipetest in AIO mode — a reconstruction (docs/pipetest.md): N pipe pairs, M message tokens,
// G generations. One process, one AIO context; one PREAD iocb of `bufsize` bytes outstanding on
// each read end. The loop, fixed across variants:
//   1. write(2) each pending token to its pipe (token t always travels on pipe N - t - 1);
//   2. io_getevents(ctx, 1, N, events, NULL);
//   3. for each completed read: one pass; the token's generation advances; it is queued again
//      unless it reached G; the read is resubmitted with io_submit(ctx, 1, &iocb).
// User-mode work per handled token is the profile's `userWork` cycles.
import { sys, work, type Program, type Request, type ProcessApi } from "../program.ts";
import { UserHeap, ioSetup, ioPrepPread, writeIocbPointers, readEvents, IOCB_SIZE, IO_EVENT_SIZE } from "../libaio.ts";

export interface PipetestOptions {
  pipes: number;        // N, at least 2
  threads: number;      // M message tokens, 1..N
  generations: number;  // G
  bufsize?: number;     // bytes per token (default: the token's size, 12)
}

export interface PipetestResult {
  pipes: number; threads: number; generations: number; bufsize: number;
  passes: number;
  startCycle: bigint; endCycle: bigint;
  latencies: number[];            // submit-to-reap of each pass, in cycles
  errors: string[];
}

export const TOKEN_SIZE = 12;    // { generation, tofd, thread } as three 32-bit words

// The original allows up to 32767-10 pipe pairs after raising RLIMIT_NOFILE; our kernel's
// system-wide file table (files_stat.max_files, 8192 as 2.6.9's floor) holds two files per pair.
export const PIPETEST_LIMITS = { minPipes: 2, maxPipes: 4000 };

export function validatePipetest(o: PipetestOptions): void {
  const int = (v: number) => Number.isInteger(v);
  if (!int(o.pipes) || o.pipes < PIPETEST_LIMITS.minPipes || o.pipes > PIPETEST_LIMITS.maxPipes)
    throw new Error(`pipes: must be an integer from ${PIPETEST_LIMITS.minPipes} to ${PIPETEST_LIMITS.maxPipes} (the simulated kernel's file table holds 8192 files), got ${o.pipes}`);
  if (!int(o.threads) || o.threads < 1 || o.threads > o.pipes)
    throw new Error(`threads: must be an integer from 1 to the number of pipes (${o.pipes}), got ${o.threads}`);
  if (!int(o.generations) || o.generations < 1) throw new Error(`generations: must be a positive integer, got ${o.generations}`);
  const b = o.bufsize ?? TOKEN_SIZE;
  if (!int(b) || b < TOKEN_SIZE || b > 4096) throw new Error(`bufsize: must be an integer from ${TOKEN_SIZE} to 4096, got ${b}`);
}

// Returns the program and the object it fills in as it runs.
export function pipetestProgram(o: PipetestOptions, userWork: number): { program: Program; result: PipetestResult } {
  validatePipetest(o);
  const bufsize = o.bufsize ?? TOKEN_SIZE;
  const result: PipetestResult = { pipes: o.pipes, threads: o.threads, generations: o.generations, bufsize,
    passes: 0, startCycle: 0n, endCycle: 0n, latencies: [], errors: [] };
  const N = o.pipes, M = o.threads, G = o.generations;

  function* program(api: ProcessApi): Generator<Request, number, number> {
    const mem = api.mem;
    const check = (what: string, r: number) => { if (r < 0) throw new Error(`pipetest: ${what} failed: errno ${-r}`); return r; };
    const heap: UserHeap = yield* UserHeap.create(8 * N + N * (IOCB_SIZE + 4 + bufsize) + N * IO_EVENT_SIZE + 4 * bufsize + 4096);
    const rfd: number[] = [], wfd: number[] = [];
    const fds = heap.alloc(8, 4);
    for (let i = 0; i < N; i++) {
      check("pipe", yield sys.pipe(fds));
      rfd.push(mem.i32(fds));
      wfd.push(mem.i32(fds + 4));
    }
    const ctx = check("io_setup", yield* ioSetup(mem, heap, N));
    const iocbs: number[] = [], ptrs: number[] = [], bufs: number[] = [];
    for (let i = 0; i < N; i++) {
      iocbs.push(heap.alloc(IOCB_SIZE, 8));
      ptrs.push(heap.alloc(4, 4));
      bufs.push(heap.alloc(bufsize, 4));
      ioPrepPread(mem, iocbs[i], rfd[i], bufs[i], bufsize, 0, BigInt(i));
      writeIocbPointers(mem, ptrs[i], [iocbs[i]]);
    }
    const events = heap.alloc(N * IO_EVENT_SIZE, 8);
    const tokenBuf = heap.alloc(bufsize, 4);
    // Submit the initial reads (before timing starts, as the original did).
    for (let i = 0; i < N; i++) check("io_submit", yield sys.io_submit(ctx, 1, ptrs[i]));
    const generation = new Array<number>(M).fill(0);
    const submittedAt = new Array<bigint>(N).fill(0n);
    let pending: number[] = Array.from({ length: M }, (_, t) => t);
    let finished = 0;
    result.startCycle = api.machine.cpuNow();
    while (finished < M) {
      for (const t of pending) {
        const pipe = N - t - 1;
        const tok = new Uint8Array(bufsize);
        const dv = new DataView(tok.buffer);
        dv.setUint32(0, generation[t], true);
        dv.setUint32(4, wfd[pipe], true);
        dv.setUint32(8, t, true);
        mem.write(tokenBuf, tok);
        const w = yield sys.write(wfd[pipe], tokenBuf, bufsize);
        if (w !== bufsize) result.errors.push(`write returned ${w}`);
      }
      pending = [];
      const n = yield sys.io_getevents(ctx, 1, N, events, 0);
      if (n < 0) { result.errors.push(`io_getevents returned ${n}`); break; }
      const now = api.machine.cpuNow();
      for (const ev of readEvents(mem, events, n)) {
        const pipe = Number(ev.data);
        if (ev.res !== bufsize) result.errors.push(`read on pipe ${pipe} returned ${ev.res}`);
        const t = N - pipe - 1;
        result.passes++;
        if (submittedAt[pipe]) result.latencies.push(Number(now - submittedAt[pipe]));
        generation[t]++;
        if (generation[t] < G) pending.push(t); else finished++;
        const s = yield sys.io_submit(ctx, 1, ptrs[pipe]);
        if (s !== 1) result.errors.push(`io_submit returned ${s}`);
        submittedAt[pipe] = api.machine.cpuNow();
      }
      yield work(userWork * Math.max(1, n));
    }
    result.endCycle = api.machine.cpuNow();
    yield sys.io_destroy(ctx);
    return 0;
  }
  return { program, result };
}
