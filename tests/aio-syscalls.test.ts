// The five AIO system calls of the fs/aio.c port driven by user programs: every 2.6.9 error path
// with its errno, in 2.6.9's order (kernel-aio.md §2.6), the ring as user space sees it, and the
// state after each failure (aio_nr, live kiocbs and contexts).
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
import { sys, type ProcessApi, type Request } from "../host/program.ts";
import { UserHeap, ioSetup, writeIocb, writeIocbPointers, readRingHeader, readEvents, reapFromRing,
         IOCB_CMD_PREAD, IOCB_CMD_PWRITE, IOCB_CMD_FSYNC, IOCB_CMD_NOOP } from "../host/libaio.ts";

const EBADF = -9, EAGAIN = -11, EFAULT = -14, EINVAL = -22;
const BAD = 0x1000;   // never mapped

interface AioExports { aio_nr_now(): number; aio_kiocbs_live(): number; aio_kioctxs_live(): number }

let ex_: unknown = null;
let machineForJ: Machine | null = null;
function api_j(): number { return machineForJ ? machineForJ.jiffies : -1; }

type Prog = (api: ProcessApi, out: Record<string, unknown>) => Generator<Request, void, number>;

async function run(prog: Prog, seconds = 0.05) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 } });
  ex_ = m.ex;
  machineForJ = m;
  const out: Record<string, unknown> = {};
  m.spawn(function* (api) { yield* prog(api, out); return 0; }, { name: "aio-user" });
  const r = m.run({ seconds });
  assert.equal(r.reason, "exited", "the program did not finish");
  // self-check once the process is gone (exit_aio ran for anything it left): each accepted
  // iocb gave one event or was cancelled, and the kiocb/kioctx caches are empty
  const k = m.ex as unknown as Record<string, () => number | bigint>;
  assert.equal(Number(k.aio_stat_submitted()), Number(k.aio_stat_events()) + Number(k.aio_stat_cancelled()), "event conservation");
  assert.equal(Number(k.aio_kiocbs_live()), 0, "kiocb cache empty after exit");
  assert.equal(Number(k.aio_kioctxs_live()), 0, "kioctx cache empty after exit");
  assert.equal(Number(k.aio_nr_now()), 0, "aio_nr back to 0 after exit");
  return { m, out, ex: m.ex as unknown as AioExports };
}

test("io_setup errors in 2.6.9's order: EFAULT, EINVAL for *ctxp != 0, nr <= 0 and the overflow guard, EAGAIN over aio_max_nr", async () => {
  const { out, ex } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(8192);
    const ctxp = heap.alloc(4);
    out.fault = yield sys.io_setup(1, BAD);
    mem.setU32(ctxp, 7);
    out.nonzero = yield sys.io_setup(1, ctxp);
    out.nonzeroFirst = yield sys.io_setup(0, ctxp);         // *ctxp is checked along with nr
    mem.setU32(ctxp, 0);
    out.zero = yield sys.io_setup(0, ctxp);
    out.negative = yield sys.io_setup(0x80000000, ctxp);
    out.overflow = yield sys.io_setup(0x10000000 / 32 + 1, ctxp);
    out.overMax = yield sys.io_setup(65537, ctxp);
    out.ctxpAfter = mem.u32(ctxp);
  });
  assert.equal(out.fault, EFAULT);
  assert.equal(out.nonzero, EINVAL);
  assert.equal(out.nonzeroFirst, EINVAL);
  assert.equal(out.zero, EINVAL);
  assert.equal(out.negative, EINVAL);
  assert.equal(out.overflow, EINVAL);
  assert.equal(out.overMax, EAGAIN);
  assert.equal(out.ctxpAfter, 0);
  assert.equal(ex.aio_nr_now(), 0);
  assert.equal(ex.aio_kioctxs_live(), 0);
});

test("io_setup charges aio_nr before checking it: a second context that would pass 65536 fails with EAGAIN and gives its share back", async () => {
  const { out, ex } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(4096);
    out.a = yield* ioSetup(mem, heap, 40000);
    out.b = yield* ioSetup(mem, heap, 30000);
    out.nrMid = (ex_ as AioExports).aio_nr_now();
    out.destroyA = yield sys.io_destroy(out.a as number);
  });
  assert.ok((out.a as number) > 0);
  assert.equal(out.b, EAGAIN);
  assert.equal(out.nrMid, 40000);
  assert.equal(out.destroyA, 0);
  assert.equal(ex.aio_nr_now(), 0);
  assert.equal(ex.aio_kioctxs_live(), 0);
});

test("the ring is mapped at the handle: header magic 0xa10a10a1, 32-byte header, io_setup(1) gives 127 slots and io_setup(128) 255", async () => {
  const { out } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(4096);
    const a = yield* ioSetup(mem, heap, 1);
    const b = yield* ioSetup(mem, heap, 128);
    out.a = a;
    out.ha = readRingHeader(mem, a);
    out.hb = readRingHeader(mem, b);
    out.da = yield sys.io_destroy(a);
    out.db = yield sys.io_destroy(b);
    out.again = yield sys.io_destroy(a);
  });
  const ha = out.ha as ReturnType<typeof readRingHeader>, hb = out.hb as ReturnType<typeof readRingHeader>;
  assert.equal(ha.magic, 0xa10a10a1);
  assert.equal(ha.nr, 127);
  assert.equal(ha.id, out.a);
  assert.equal(ha.head, 0);
  assert.equal(ha.tail, 0);
  assert.equal(ha.compatFeatures, 1);
  assert.equal(ha.incompatFeatures, 0);
  assert.equal(ha.headerLength, 32);
  assert.equal(hb.nr, 255);
  assert.equal(out.da, 0);
  assert.equal(out.db, 0);
  assert.equal(out.again, EINVAL, "a destroyed context is gone");
});

test("io_submit errors: EINVAL for nr < 0, EFAULT for a bad array, EINVAL for an unknown context (even with nr 0), 0 for nr 0", async () => {
  const { out, ex } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(8192);
    const ctx = yield* ioSetup(mem, heap, 8);
    const arr = heap.alloc(16);
    out.neg = yield sys.io_submit(ctx, -1, arr);
    out.badArray = yield sys.io_submit(ctx, 1, BAD);
    out.badCtx = yield sys.io_submit(ctx + 4096, 1, arr);
    out.badCtxZero = yield sys.io_submit(ctx + 4096, 0, arr);
    out.zero = yield sys.io_submit(ctx, 0, arr);
    writeIocbPointers(mem, arr, [BAD]);
    out.badIocb = yield sys.io_submit(ctx, 1, arr);
    yield sys.io_destroy(ctx);
  });
  assert.equal(out.neg, EINVAL);
  assert.equal(out.badArray, EFAULT);
  assert.equal(out.badCtx, EINVAL);
  assert.equal(out.badCtxZero, EINVAL);
  assert.equal(out.zero, 0);
  assert.equal(out.badIocb, EFAULT);
  assert.equal(ex.aio_kiocbs_live(), 0);
});

test("io_submit_one errors in order: reserved fields, EBADF fd, opcode checks (EBADF mode, EFAULT buffer, EINVAL op); the count of accepted iocbs hides a later error", async () => {
  const { out, ex } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(16384);
    const ctx = yield* ioSetup(mem, heap, 8);
    const fds = heap.alloc(8);
    out.pipe = yield sys.pipe(fds);
    const rfd = mem.u32(fds), wfd = mem.u32(fds + 4);
    const iocb = heap.alloc(64), arr = heap.alloc(16), buf = heap.alloc(64);
    const one = function* (f: Parameters<typeof writeIocb>[2]): Generator<Request, number, number> {
      writeIocb(mem, iocb, f);
      writeIocbPointers(mem, arr, [iocb]);
      return yield sys.io_submit(ctx, 1, arr);
    };
    out.resv1 = yield* one({ opcode: IOCB_CMD_PREAD, fd: rfd, buf, nbytes: 8, reserved1: 1 });
    out.resv3 = yield* one({ opcode: IOCB_CMD_PREAD, fd: rfd, buf, nbytes: 8, reserved3: 1n });
    out.resvAndBadFd = yield* one({ opcode: IOCB_CMD_PREAD, fd: 99, buf, nbytes: 8, reserved2: 1n });
    out.bigBuf = yield* one({ opcode: IOCB_CMD_PREAD, fd: rfd, buf: 2 ** 33, nbytes: 8 });
    out.negLen = yield* one({ opcode: IOCB_CMD_PREAD, fd: rfd, buf, nbytes: 0x80000000 });
    out.badFd = yield* one({ opcode: IOCB_CMD_PREAD, fd: 99, buf, nbytes: 8 });
    out.readOnWrite = yield* one({ opcode: IOCB_CMD_PREAD, fd: wfd, buf, nbytes: 8 });
    out.badBuf = yield* one({ opcode: IOCB_CMD_PREAD, fd: rfd, buf: 0xc0000000, nbytes: 8 });
    out.writeOnRead = yield* one({ opcode: IOCB_CMD_PWRITE, fd: rfd, buf, nbytes: 8 });
    out.fsync = yield* one({ opcode: IOCB_CMD_FSYNC, fd: rfd });
    out.noop = yield* one({ opcode: IOCB_CMD_NOOP, fd: rfd });
    out.op5 = yield* one({ opcode: 5, fd: rfd });
    out.live = (ex_ as AioExports).aio_kiocbs_live();
    // two iocbs, the second bad: the call reports 1 and the error is lost
    const iocb2 = heap.alloc(64);
    writeIocb(mem, iocb, { opcode: IOCB_CMD_PWRITE, fd: wfd, buf, nbytes: 4, data: 77n });
    writeIocb(mem, iocb2, { opcode: IOCB_CMD_NOOP, fd: rfd });
    writeIocbPointers(mem, arr, [iocb, iocb2]);
    out.partial = yield sys.io_submit(ctx, 2, arr);
    const events = heap.alloc(64);
    out.got = yield sys.io_getevents(ctx, 1, 2, events, 0);
    out.ev = readEvents(mem, events, 1)[0];
    out.key = mem.u32(iocb + 8);
    yield sys.io_destroy(ctx);
  });
  assert.equal(out.pipe, 0);
  assert.equal(out.resv1, EINVAL);
  assert.equal(out.resv3, EINVAL);
  assert.equal(out.resvAndBadFd, EINVAL, "reserved fields are checked before the fd");
  assert.equal(out.bigBuf, EINVAL);
  assert.equal(out.negLen, EINVAL);
  assert.equal(out.badFd, EBADF);
  assert.equal(out.readOnWrite, EBADF);
  assert.equal(out.badBuf, EFAULT);
  assert.equal(out.writeOnRead, EBADF);
  assert.equal(out.fsync, EINVAL, "pipes have no aio_fsync");
  assert.equal(out.noop, EINVAL);
  assert.equal(out.op5, EINVAL);
  assert.equal(out.live, 0, "failed submissions freed their kiocbs");
  assert.equal(out.partial, 1);
  assert.equal(out.got, 1);
  const ev = out.ev as { data: bigint; res: number };
  assert.equal(ev.data, 77n);
  assert.equal(ev.res, 4);
  assert.equal(out.key, 0, "the kernel wrote aio_key = 0 back");
  assert.equal(ex.aio_kiocbs_live(), 0);
  assert.equal(ex.aio_kioctxs_live(), 0);
});

test("io_getevents errors: EINVAL for an unknown context and for min_nr > nr or negative counts; EFAULT for an unreadable timeout; 0 on a zero timeout", async () => {
  const { out } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(8192);
    const ctx = yield* ioSetup(mem, heap, 8);
    const ev = heap.alloc(64), ts = heap.alloc(8);
    out.badCtx = yield sys.io_getevents(ctx + 4096, 0, 1, ev, 0);
    out.minOverNr = yield sys.io_getevents(ctx, 2, 1, ev, 0);
    out.negMin = yield sys.io_getevents(ctx, -1, 1, ev, 0);
    out.negNr = yield sys.io_getevents(ctx, 0, -1, ev, 0);
    out.nrZero = yield sys.io_getevents(ctx, 0, 0, ev, 0);
    out.badTs = yield sys.io_getevents(ctx, 1, 1, ev, BAD);
    mem.setU32(ts, 0); mem.setU32(ts + 4, 0);
    out.zeroTs = yield sys.io_getevents(ctx, 1, 1, ev, ts);
    mem.setU32(ts, 0); mem.setU32(ts + 4, 5_000_000);
    out.t0 = api_j();
    out.fiveMs = yield sys.io_getevents(ctx, 1, 1, ev, ts);
    out.t1 = api_j();
    yield sys.io_destroy(ctx);
  });
  assert.equal(out.badCtx, EINVAL);
  assert.equal(out.minOverNr, EINVAL);
  assert.equal(out.negMin, EINVAL);
  assert.equal(out.negNr, EINVAL);
  assert.equal(out.nrZero, 0);
  assert.equal(out.badTs, EFAULT);
  assert.equal(out.zeroTs, 0);
  assert.equal(out.fiveMs, 0);
  // armed at entry jiffies + 5; the host reads the global jiffies, which the other CPU may have
  // moved one tick on by the time the program resumes
  const slept = (out.t1 as number) - (out.t0 as number);
  assert.ok(slept >= 5 && slept <= 6, `a 5 ms timeout sleeps 5 jiffies at HZ 1000 (slept ${slept})`);
});

test("io_cancel errors: EFAULT for an unreadable iocb, EINVAL for an unknown context, EAGAIN for an iocb that is not active", async () => {
  const { out } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(8192);
    const ctx = yield* ioSetup(mem, heap, 8);
    const iocb = heap.alloc(64), res = heap.alloc(32);
    out.badIocb = yield sys.io_cancel(ctx, BAD, res);
    out.badCtx = yield sys.io_cancel(ctx + 4096, iocb, res);
    out.notActive = yield sys.io_cancel(ctx, iocb, res);
    yield sys.io_destroy(ctx);
  });
  assert.equal(out.badIocb, EFAULT);
  assert.equal(out.badCtx, EINVAL);
  assert.equal(out.notActive, EAGAIN);
});

test("a pipe read parked by io_submit is cancelled by io_cancel: the result carries -EINTR, no ring event appears, and the kiocb is freed", async () => {
  const { out, ex } = await run(function* ({ mem }, out) {
    const heap = yield* UserHeap.create(8192);
    const ctx = yield* ioSetup(mem, heap, 8);
    const fds = heap.alloc(8);
    yield sys.pipe(fds);
    const rfd = mem.u32(fds);
    const iocb = heap.alloc(64), arr = heap.alloc(8), buf = heap.alloc(64), res = heap.alloc(32), ev = heap.alloc(64), ts = heap.alloc(8);
    writeIocb(mem, iocb, { opcode: IOCB_CMD_PREAD, fd: rfd, buf, nbytes: 16, data: 5n });
    writeIocbPointers(mem, arr, [iocb]);
    out.submit = yield sys.io_submit(ctx, 1, arr);
    out.cancel = yield sys.io_cancel(ctx, iocb, res);
    out.res = readEvents(mem, res, 1)[0];
    mem.setU32(ts, 0); mem.setU32(ts + 4, 20_000_000);
    out.after = yield sys.io_getevents(ctx, 1, 1, ev, ts);
    out.ring = reapFromRing(mem, ctx, 4).length;
    out.live = (ex_ as AioExports).aio_kiocbs_live();
    yield sys.io_destroy(ctx);
  });
  assert.equal(out.submit, 1);
  assert.equal(out.cancel, 0);
  const r = out.res as { data: bigint; res: number; obj: number };
  assert.equal(r.res, -4);
  assert.equal(r.data, 5n);
  assert.equal(out.after, 0);
  assert.equal(out.ring, 0);
  assert.equal(out.live, 0);
  assert.equal(ex.aio_kiocbs_live(), 0);
});
