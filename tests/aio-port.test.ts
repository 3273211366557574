// The fs/aio.c port's self-checks and the behaviour of the seed switches and 2.6.9's known bugs
// (kernel-aio.md §3, §4). Kernel-internal scenarios run in kernel threads
// (assembly/selftest/aio.ts, scenarios 3..7); the rest are user programs. After every scenario
// the self-check holds: each accepted iocb produced exactly one ring event or was cancelled,
// and no kiocb or kioctx is left in its slab cache.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine, KernelPanic } from "../host/machine.ts";
import { sys } from "../host/program.ts";
import { VARIANT_BITS as B } from "../host/variant.ts";
import { enableLockdep, lockdepReports, hangReport } from "../host/metrics.ts";
import { slabCache } from "../host/mm.ts";
import { UserHeap, ioSetup, writeIocb, writeIocbPointers, reapFromRing, IOCB_CMD_PREAD, IOCB_CMD_PWRITE,
         PROT_READ, MAP_PRIVATE, MAP_ANONYMOUS } from "../host/libaio.ts";

const PATCHED = B.opt1 | B.opt2 | B.waiter | B.runAll;
const FEB_STEP1 = B.opt1 | B.opt2 | B.opt3 | B.runAll;     // opt 1+2+3, kicks still queue_work
const EFAULT = -14, EINVAL = -22, EBADF = -9;
const CLONE_VM = 0x100;

type Ex = Record<string, (...a: number[]) => number | bigint>;
const exOf = (m: Machine) => m.ex as unknown as Ex;
const n = (v: number | bigint) => Number(v);

// The AIO state a bad call must leave alone.
function aioState(m: Machine) {
  const ex = exOf(m);
  return {
    aioNr: n(ex.aio_nr_now()), kiocbs: n(ex.aio_kiocbs_live()), kioctxs: n(ex.aio_kioctxs_live()),
    submitted: n(ex.aio_stat_submitted()), events: n(ex.aio_stat_events()), cancelled: n(ex.aio_stat_cancelled()),
    ctxAlloc: n(ex.aio_stat_ctx_alloc()), ctxFree: n(ex.aio_stat_ctx_free()),
  };
}

// The self-check after a scenario whose contexts are all gone: conservation of events and
// empty caches.
function assertAioClean(m: Machine, what: string) {
  const s = aioState(m);
  assert.equal(s.submitted, s.events + s.cancelled, `${what}: every accepted iocb gives one event or is cancelled`);
  assert.equal(s.kiocbs, 0, `${what}: kiocb cache empty`);
  assert.equal(slabCache(m, "kiocb").active, 0);
  assert.equal(s.kioctxs, 0, `${what}: kioctx cache empty`);
  assert.equal(slabCache(m, "kioctx").active, 0);
  assert.equal(s.ctxAlloc, s.ctxFree, `${what}: every context allocated was freed`);
  assert.equal(s.aioNr, 0, `${what}: aio_nr back to 0`);
  assert.equal(n(exOf(m).aio_stat_bad_put_ioctx()), 0, `${what}: __put_ioctx only in process context`);
}

// ---- kernel-thread scenarios

const S = { phase: 0, result: 1, kickJ: 3, eventRes: 7, doneJ: 9, submitJ: 11, kicks: 12, workerRuns: 14 } as const;
const M = { stepsAfterSubmit: 0, relPid: 1, relWorker: 2, relReqsActive: 3, relKiocbs: 4, relUsers: 5,
  liveAfterReap: 6, closed: 7, bounced: 8, submitted: 9, runs: 11 } as const;
const I = { steps: 0, pid: 1, worker: 2, start: 3, end: 4 } as const;

async function scenario(num: number, flags: number, kickDelay = 5, seconds = 0.3) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 }, boot: (ex) => {
    assert.equal((ex as unknown as Ex).aio_set_variant(flags), 0);
  } });
  const ex = exOf(m);
  ex.selftest_aio_scenario(num, kickDelay);
  m.run({ seconds });
  return {
    m,
    st: (i: number) => n(ex.st_aio(i)),
    misc: (i: number) => n(ex.st_aio_misc(i)),
    iocb: (i: number, f: number) => n(ex.st_aio_iocb(i, f)),
  };
}

test("opt3 (ctx->running): io_submit finds the aio/1 worker running the context's list and backs off; the worker runs the new iocb after its current one", async () => {
  const { m, st, misc, iocb } = await scenario(3, FEB_STEP1, 2);
  assert.equal(st(S.phase), 5);
  assert.ok(misc(M.bounced) >= 1, "the submitter was turned away by ctx->running");
  assert.equal(iocb(1, I.worker), 1, "iocb 1 ran in the worker, not in io_submit");
  assert.equal(iocb(1, I.pid), iocb(0, I.pid), "the same worker that ran iocb 0");
  assert.ok(iocb(1, I.start) > iocb(0, I.end), "after iocb 0's step had ended");
  assertAioClean(m, "opt3");
});

test("without opt3 the submitter runs its new iocb itself while the aio/1 worker is still inside another iocb of the same context", async () => {
  const { m, st, misc, iocb } = await scenario(3, FEB_STEP1 & ~B.opt3, 2);
  assert.equal(st(S.phase), 5);
  assert.equal(misc(M.bounced), 0);
  assert.equal(iocb(0, I.worker), 1, "iocb 0's retry ran in the worker");
  assert.equal(iocb(1, I.worker), 0, "iocb 1 ran in the io_submit caller");
  assert.ok(iocb(1, I.start) > iocb(0, I.start) && iocb(1, I.end) < iocb(0, I.end),
    "two runners in one context at once: iocb 1 started and ended inside iocb 0's step");
  assertAioClean(m, "no opt3");
});

test("run_all: io_submit drains a self-kicking iocb (4 bytes per step of 16) to completion before returning", async () => {
  const { m, st, misc, iocb } = await scenario(4, PATCHED);
  assert.equal(misc(M.stepsAfterSubmit), 4);
  assert.equal(iocb(0, I.worker), 0);
  assert.equal(st(S.eventRes), 16);
  assert.equal(st(S.doneJ), st(S.submitJ), "reaped in the jiffy it was submitted");
  assert.equal(st(S.workerRuns), 0);
  assertAioClean(m, "run_all");
});

test("one pass (July, no run_all): io_submit runs one step; the rest waits for io_getevents' pass and the worker HZ/10 later", async () => {
  const { m, st, misc, iocb } = await scenario(4, PATCHED & ~B.runAll);
  assert.equal(misc(M.stepsAfterSubmit), 1);
  assert.equal(iocb(0, I.steps), 4);
  assert.equal(iocb(0, I.worker), 1, "the last step ran in the aio worker");
  assert.equal(st(S.eventRes), 16);
  assert.equal(st(S.doneJ) - st(S.submitJ), 100, "completed HZ/10 after submission");
  assertAioClean(m, "one pass");
});

test("fput_work: a kiocb holding a file's last reference defers __fput to the aio worker, which releases the file before freeing the kiocb", async () => {
  const { m, st, misc } = await scenario(5, PATCHED);
  assert.equal(st(S.phase), 5);
  assert.equal(misc(M.closed), 1, "the descriptor was closed while the read was parked");
  assert.equal(st(S.eventRes), 16, "the read still completed");
  assert.equal(misc(M.relWorker), 1, "release ran in a kernel thread (aio/N), not in the user");
  assert.equal(misc(M.relReqsActive), 1, "__fput came first: the kiocb still counted in reqs_active");
  assert.equal(misc(M.relKiocbs), 1, "and still allocated");
  assert.equal(misc(M.relUsers), 3, "the parked kiocb pins the context (list + lookup + fput refs)");
  assertAioClean(m, "fput_work");
});

test("B3: a kick whose test-and-set lands after the retry it asked for has already run finds ki_wait queued again — 2.6.9 WARNs and runs one spurious retry", async () => {
  const { m, st, iocb } = await scenario(6, PATCHED);
  assert.equal(st(S.phase), 5);
  assert.ok(m.log.includes("<4>WARNING: queue_kicked_iocb: ki_wait still queued"), m.log.join("\n"));
  assert.equal(iocb(0, I.steps), 4, "three steps needed, one more ran for the stale kick");
  assert.equal(st(S.eventRes), 16);
  assert.equal(st(S.kicks), 2, "one kick per wake-up; the stale one is the second step's");
  assertAioClean(m, "B3");
});

test("B5: io_destroy racing the last completion from interrupt context — __put_ioctx runs in the interrupt and the self-check reports it", async () => {
  const { m, st } = await scenario(7, PATCHED);
  assert.equal(st(S.phase), 5);
  assert.equal(st(S.result), 0, "io_destroy returned");
  assert.equal(n(exOf(m).aio_stat_bad_put_ioctx()), 1);
  assert.ok(m.log.includes("<3>aio: __put_ioctx in interrupt context (B5)"), m.log.join("\n"));
  assert.equal(st(S.doneJ), st(S.kickJ), "io_destroy returned in the completion's jiffy");
  const s = aioState(m);
  assert.equal(s.kioctxs, 0, "the context was freed — by the interrupt");
  assert.equal(s.kiocbs, 0);
  assert.equal(s.cancelled, 1, "the request completed cancelled: no event");
});

// ---- user programs

async function user(prog: Parameters<Machine["spawn"]>[0], o: { flags?: number; seconds?: number; lockdep?: boolean } = {}) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 }, boot: (ex) => {
    if (o.flags !== undefined) assert.equal((ex as unknown as Ex).aio_set_variant(o.flags), 0);
  } });
  if (o.lockdep) enableLockdep(m);
  m.spawn(prog, { name: "aio-user" });
  return { m, r: () => m.run({ seconds: o.seconds ?? 0.5 }) };
}

// opt1: a pipe read parks; a write to that pipe kicks it (nobody waits, so the delayed work is
// armed for HZ/10); a write iocb on a second pipe is then submitted and the ring read at once.

for (const withOpt1 of [true, false]) {
  test(withOpt1
    ? "opt1: io_submit runs other kicked iocbs of its context — a pipe read kicked earlier completes inside the next io_submit"
    : "without opt1 io_submit runs only its own iocb: the kicked pipe read waits HZ/10 for the aio worker", async () => {
    const out: Record<string, number> = {};
    const flags = withOpt1 ? PATCHED & ~B.opt2 : PATCHED & ~B.opt2 & ~B.opt1;
    let mm: Machine | null = null;
    const { m, r } = await user(function* ({ mem }) {
      const heap = yield* UserHeap.create(16384);
      const ctx = yield* ioSetup(mem, heap, 8);
      const fds = heap.alloc(16);
      yield sys.pipe(fds);
      yield sys.pipe(fds + 8);
      const r1 = mem.u32(fds), w1 = mem.u32(fds + 4), w2 = mem.u32(fds + 12);
      const a = heap.alloc(64), b = heap.alloc(64), arr = heap.alloc(8), buf = heap.alloc(64), ev = heap.alloc(64);
      writeIocb(mem, a, { opcode: IOCB_CMD_PREAD, fd: r1, buf, nbytes: 8, data: 1n });
      writeIocbPointers(mem, arr, [a]);
      out.subA = yield sys.io_submit(ctx, 1, arr);
      out.write = yield sys.write(w1, buf + 32, 8);               // kicks the parked read
      const ex = exOf(mm!);
      out.workerBefore = n(ex.aio_stat_worker_runs());
      writeIocb(mem, b, { opcode: IOCB_CMD_PWRITE, fd: w2, buf: buf + 32, nbytes: 4, data: 2n });
      writeIocbPointers(mem, arr, [b]);
      out.subB = yield sys.io_submit(ctx, 1, arr);
      out.ringAfterB = reapFromRing(mem, ctx, 4).map((e) => Number(e.data)).sort().join(",") as unknown as number;
      out.j0 = mm!.jiffies;
      if (!withOpt1) {
        out.got = yield sys.io_getevents(ctx, 1, 1, ev, 0);
        out.j1 = mm!.jiffies;
        out.ev = Number(mem.u32(ev));
      }
      out.workerRuns = n(ex.aio_stat_worker_runs());
      out.destroy = yield sys.io_destroy(ctx);
      return 0;
    }, { flags });
    mm = m;
    assert.equal(r().reason, "exited");
    assert.equal(out.subA, 1);
    assert.equal(out.write, 8);
    assert.equal(out.subB, 1);
    // pre-patch io_submit wakes the worker for any iocb that has to wait (nothing runnable yet)
    assert.equal(out.workerBefore, withOpt1 ? 0 : 1);
    if (withOpt1) {
      assert.equal(out.ringAfterB, "1,2" as unknown as number, "both events are in the ring when io_submit returns");
      assert.equal(out.workerRuns, 0, "no worker ran");
    } else {
      assert.equal(out.ringAfterB, "2" as unknown as number, "only the new write completed");
      assert.equal(out.got, 1);
      assert.equal(out.ev, 1, "the read's event came later");
      assert.equal(out.workerRuns, 2, "from the aio worker (after the wasted run at submit)");
      assert.ok(out.j1 - out.j0 >= 99 && out.j1 - out.j0 <= 101, `about HZ/10 later (${out.j1 - out.j0})`);
    }
    assertAioClean(m, withOpt1 ? "opt1" : "no opt1");
  });
}

test("B1: io_setup with *ctxp readable 0 but read-only — 2.6.9 puts the new context twice and the use after free is caught naming the kioctx cache", async () => {
  const out: Record<string, number> = {};
  const { m, r } = await user(function* () {
    const ro = yield sys.mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    out.ro = ro;
    out.setup = yield sys.io_setup(1, ro >>> 0);
    return 0;
  });
  assert.throws(() => r(), (e: unknown) => {
    assert.ok(e instanceof KernelPanic, String(e));
    assert.match(e.bugMessage, /^slab kioctx: use after free: aio_cancel_all on freed kioctx 0x[0-9a-f]+ \(users holds the free poison 0x6b6b6b6b\)$/);
    assert.equal(e.comm, "aio-user");
    return true;
  });
  assert.equal(out.setup, undefined, "io_setup never returned");
  assert.equal(n(exOf(m).aio_stat_ctx_free()), 1, "freed by io_destroy's first put, before the cancel");
});

test("B7: io_getevents with no timeout never returns after io_destroy from another thread — the hang detector names the sleeper and kioctx.wait", async () => {
  const out: Record<string, number> = {};
  let sleeperPid = 0;
  const { m, r } = await user(function* ({ mem }) {
    const heap = yield* UserHeap.create(8192);
    const ctx = yield* ioSetup(mem, heap, 8);
    const ev = heap.alloc(64);
    out.clone = yield sys.clone(CLONE_VM, function* ({ pid }) {
      sleeperPid = pid;
      out.got = yield sys.io_getevents(ctx, 1, 1, ev, 0);   // never returns
      return 0;
    }, "reaper");
    while (!sleeperPid) yield sys.sched_yield();
    for (let i = 0; i < 5; i++) yield sys.sched_yield();      // the reaper is asleep by now
    out.destroy = yield sys.io_destroy(ctx);
    out.again = yield sys.io_destroy(ctx);
    return 0;
  }, { seconds: 5 });
  const res = r();
  assert.equal(res.reason, "hang", JSON.stringify(out));
  assert.equal(out.destroy, 0);
  assert.equal(out.again, EINVAL, "the context is gone from the mm's list");
  assert.equal(out.got, undefined);
  const h = hangReport(m)!;
  const t = h.tasks.find((x) => x.pid === sleeperPid);
  assert.deepEqual(t && { comm: t.comm, state: t.state, syscall: t.syscall, waitsOn: t.waitsOn },
    { comm: "aio-user", state: "S", syscall: 247, waitsOn: "kioctx.wait" });   // a clone keeps its parent's comm
  // the sleeper's lookup reference keeps the dead context allocated: no use after free
  assert.equal(n(exOf(m).aio_kioctxs_live()), 1);
});

test("B4: the aio lock order of 2.6.9 is flagged by lockdep in an aio run — softirq-safe kioctx.ctx_lock → task_struct.alloc_lock (unuse_mm under ctx_lock)", async () => {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 } });
  enableLockdep(m);
  exOf(m).selftest_aio_kick(1, 0, 5, 0);
  m.run({ seconds: 0.1 });
  const r = lockdepReports(m).find((x) => x.kind === "irq-safe-unsafe" && x.first === "kioctx.ctx_lock");
  assert.ok(r, lockdepReports(m).map((x) => x.text).join("\n") || "no reports");
  assert.equal(r.second, "task_struct.alloc_lock");
  assert.equal(r.irq, "softirq");
  assert.match(r.text, /kioctx\.ctx_lock/);
  assert.match(r.text, /task_struct\.alloc_lock/);
});

test("exit with requests outstanding (libaio 14.t): exit_aio cancels and waits, no event is written, and the kiocb and kioctx caches are empty", async () => {
  const out: Record<string, number> = {};
  const { m, r } = await user(function* ({ mem }) {
    const heap = yield* UserHeap.create(16384);
    const ctx = yield* ioSetup(mem, heap, 8);
    const ctx2 = yield* ioSetup(mem, heap, 4);
    const fds = heap.alloc(8);
    yield sys.pipe(fds);
    const rfd = mem.u32(fds);
    const arr = heap.alloc(16), buf = heap.alloc(64);
    const a = heap.alloc(64), b = heap.alloc(64);
    writeIocb(mem, a, { opcode: IOCB_CMD_PREAD, fd: rfd, buf, nbytes: 8, data: 1n });
    writeIocb(mem, b, { opcode: IOCB_CMD_PREAD, fd: rfd, buf: buf + 16, nbytes: 8, data: 2n });
    writeIocbPointers(mem, arr, [a, b]);
    out.sub = yield sys.io_submit(ctx, 2, arr);
    writeIocbPointers(mem, arr, [a]);
    out.sub2 = yield sys.io_submit(ctx2, 1, arr);
    out.live = n(exOf(m).aio_kiocbs_live());
    return 0;                                    // exit without io_destroy
  });
  assert.equal(r().reason, "exited");
  assert.equal(out.sub, 2);
  assert.equal(out.sub2, 1);
  assert.equal(out.live, 3);
  const s = aioState(m);
  assert.equal(s.cancelled, 3, "all three were cancelled by exit_aio");
  assert.equal(s.events, 0);
  assertAioClean(m, "exit_aio");
});

test("every bad call of the five syscalls leaves aio_nr, the counters and the kiocb/kioctx caches as they were", async () => {
  const seen: { call: string; diff: string }[] = [];
  let mm: Machine | null = null;
  const { m, r } = await user(function* ({ mem }) {
    const heap = yield* UserHeap.create(16384);
    const ctx = yield* ioSetup(mem, heap, 8);
    const fds = heap.alloc(8);
    yield sys.pipe(fds);
    const rfd = mem.u32(fds), wfd = mem.u32(fds + 4);
    const ctxp = heap.alloc(4), arr = heap.alloc(16), iocb = heap.alloc(64), buf = heap.alloc(64), ev = heap.alloc(64);
    const BAD = 0x1000;
    const ro = (yield sys.mmap(0, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) >>> 0;
    const calls: [string, () => ReturnType<typeof sys.getpid>, number][] = [
      ["io_setup bad ctxp", () => sys.io_setup(1, BAD), EFAULT],
      ["io_setup nr 0", () => (mem.setU32(ctxp, 0), sys.io_setup(0, ctxp)), EINVAL],
      ["io_setup *ctxp != 0", () => (mem.setU32(ctxp, ro), sys.io_setup(1, ctxp)), EINVAL],
      ["io_setup over aio_max_nr", () => (mem.setU32(ctxp, 0), sys.io_setup(65537, ctxp)), -11],
      ["io_destroy unknown", () => sys.io_destroy(ctx + 4096), EINVAL],
      ["io_submit nr < 0", () => sys.io_submit(ctx, -1, arr), EINVAL],
      ["io_submit bad array", () => sys.io_submit(ctx, 1, BAD), EFAULT],
      ["io_submit bad ctx", () => sys.io_submit(ctx + 4096, 1, arr), EINVAL],
      ["io_submit bad iocb pointer", () => (writeIocbPointers(mem, arr, [BAD]), sys.io_submit(ctx, 1, arr)), EFAULT],
      ["io_submit reserved", () => (writeIocb(mem, iocb, { opcode: IOCB_CMD_PREAD, fd: rfd, buf, nbytes: 8, reserved1: 1 }),
        writeIocbPointers(mem, arr, [iocb]), sys.io_submit(ctx, 1, arr)), EINVAL],
      ["io_submit bad fd", () => (writeIocb(mem, iocb, { opcode: IOCB_CMD_PREAD, fd: 99, buf, nbytes: 8 }), sys.io_submit(ctx, 1, arr)), EBADF],
      ["io_submit read on write end", () => (writeIocb(mem, iocb, { opcode: IOCB_CMD_PREAD, fd: wfd, buf, nbytes: 8 }), sys.io_submit(ctx, 1, arr)), EBADF],
      ["io_submit bad buffer", () => (writeIocb(mem, iocb, { opcode: IOCB_CMD_PREAD, fd: rfd, buf: 0xc0000000, nbytes: 8 }), sys.io_submit(ctx, 1, arr)), EFAULT],
      ["io_submit noop", () => (writeIocb(mem, iocb, { opcode: 6, fd: rfd }), sys.io_submit(ctx, 1, arr)), EINVAL],
      ["io_getevents bad ctx", () => sys.io_getevents(ctx + 4096, 0, 1, ev, 0), EINVAL],
      ["io_getevents min > nr", () => sys.io_getevents(ctx, 2, 1, ev, 0), EINVAL],
      ["io_getevents bad timeout", () => sys.io_getevents(ctx, 1, 1, ev, BAD), EFAULT],
      ["io_cancel bad iocb", () => sys.io_cancel(ctx, BAD, ev), EFAULT],
      ["io_cancel bad ctx", () => sys.io_cancel(ctx + 4096, iocb, ev), EINVAL],
      ["io_cancel not active", () => sys.io_cancel(ctx, iocb, ev), -11],
    ];
    for (const [name, mk, want] of calls) {
      const before = JSON.stringify(aioState(mm!));
      const got: number = yield mk();
      const after = JSON.stringify(aioState(mm!));
      seen.push({ call: name, diff: got !== want ? `returned ${got}, expected ${want}` : before === after ? "" : `${before} -> ${after}` });
    }
    yield sys.io_destroy(ctx);
    return 0;
  });
  mm = m;
  assert.equal(r().reason, "exited");
  assert.equal(seen.length, 20);
  assert.deepEqual(seen.filter((s) => s.diff), []);
  assertAioClean(m, "bad calls");
});
