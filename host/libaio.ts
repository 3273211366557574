// A libaio-shaped API for user programs, so the C habit carries over: ioSetup, ioPrepPread,
// ioSubmit, ioGetevents, ioCancel, ioDestroy. Like the raw syscalls (not like libaio's own
// wrappers, which answer some calls without entering the kernel) every call here enters the
// kernel, and failures come back as negative errno values.
//
// Structures are written into the process's simulated memory with the 2.6.9 ABI layout:
//   struct iocb (64 bytes): aio_data u64 @0, aio_key u32 @8, aio_reserved1 u32 @12,
//     aio_lio_opcode u16 @16, aio_reqprio s16 @18, aio_fildes u32 @20, aio_buf u64 @24,
//     aio_nbytes u64 @32, aio_offset s64 @40, aio_reserved2 u64 @48, aio_reserved3 u64 @56
//   struct io_event (32 bytes): data u64 @0, obj u64 @8, res s64 @16, res2 s64 @24
import { sys, type Request, type ProcessApi } from "./program.ts";
import type { UserMemory } from "./usermem.ts";

export const IOCB_SIZE = 64;
export const IO_EVENT_SIZE = 32;
export const IOCB_CMD_PREAD = 0;
export const IOCB_CMD_PWRITE = 1;
export const IOCB_CMD_FSYNC = 2;
export const IOCB_CMD_FDSYNC = 3;
export const IOCB_CMD_NOOP = 6;

export interface IoEvent { data: bigint; obj: number; res: number; res2: number }

export interface IocbFields {
  data?: bigint;
  key?: number;
  reserved1?: number;
  opcode: number;
  reqprio?: number;
  fd: number;
  buf?: number;
  nbytes?: number;
  offset?: number | bigint;
  reserved2?: bigint;
  reserved3?: bigint;
}

// Writes a whole iocb (every field, reserved ones included) at user address `at`.
export function writeIocb(mem: UserMemory, at: number, f: IocbFields): void {
  const b = new Uint8Array(IOCB_SIZE);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, BigInt.asUintN(64, f.data ?? 0n), true);
  dv.setUint32(8, f.key ?? 0, true);
  dv.setUint32(12, f.reserved1 ?? 0, true);
  dv.setUint16(16, f.opcode, true);
  dv.setInt16(18, f.reqprio ?? 0, true);
  dv.setUint32(20, f.fd >>> 0, true);
  dv.setBigUint64(24, BigInt(f.buf ?? 0), true);
  dv.setBigUint64(32, BigInt(f.nbytes ?? 0), true);
  dv.setBigInt64(40, BigInt(f.offset ?? 0), true);
  dv.setBigUint64(48, BigInt.asUintN(64, f.reserved2 ?? 0n), true);
  dv.setBigUint64(56, BigInt.asUintN(64, f.reserved3 ?? 0n), true);
  mem.write(at, b);
}

export const ioPrepPread = (mem: UserMemory, iocb: number, fd: number, buf: number, count: number, offset: number, data: bigint = BigInt(iocb)) =>
  writeIocb(mem, iocb, { opcode: IOCB_CMD_PREAD, fd, buf, nbytes: count, offset, data });
export const ioPrepPwrite = (mem: UserMemory, iocb: number, fd: number, buf: number, count: number, offset: number, data: bigint = BigInt(iocb)) =>
  writeIocb(mem, iocb, { opcode: IOCB_CMD_PWRITE, fd, buf, nbytes: count, offset, data });
export const ioPrepFsync = (mem: UserMemory, iocb: number, fd: number, data: bigint = BigInt(iocb)) =>
  writeIocb(mem, iocb, { opcode: IOCB_CMD_FSYNC, fd, data });

// Writes the array of iocb pointers io_submit takes.
export function writeIocbPointers(mem: UserMemory, at: number, iocbs: number[]): void {
  const b = new Uint8Array(4 * iocbs.length);
  const dv = new DataView(b.buffer);
  iocbs.forEach((p, i) => dv.setUint32(4 * i, p >>> 0, true));
  mem.write(at, b);
}

export function readEvents(mem: UserMemory, at: number, n: number): IoEvent[] {
  if (n <= 0) return [];
  const b = mem.read(at, n * IO_EVENT_SIZE);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: IoEvent[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * IO_EVENT_SIZE;
    out.push({
      data: dv.getBigUint64(o, true),
      obj: Number(dv.getBigUint64(o + 8, true)),
      res: Number(dv.getBigInt64(o + 16, true)),
      res2: Number(dv.getBigInt64(o + 24, true)),
    });
  }
  return out;
}

export interface RingHeader { id: number; nr: number; head: number; tail: number; magic: number;
  compatFeatures: number; incompatFeatures: number; headerLength: number }

// The completion ring is mapped at the context's address: user space may read it directly.
export function readRingHeader(mem: UserMemory, ctx: number): RingHeader {
  const b = mem.read(ctx, 32);
  const dv = new DataView(b.buffer, b.byteOffset, 32);
  const u = (o: number) => dv.getUint32(o, true);
  return { id: u(0), nr: u(4), head: u(8), tail: u(12), magic: u(16), compatFeatures: u(20),
    incompatFeatures: u(24), headerLength: u(28) };
}

// Reaps up to `max` events straight from the mapped ring, as a user-space reaper does, and
// publishes the new head.
export function reapFromRing(mem: UserMemory, ctx: number, max: number): IoEvent[] {
  const h = readRingHeader(mem, ctx);
  const out: IoEvent[] = [];
  let head = h.head;
  while (head !== h.tail && out.length < max) {
    out.push(...readEvents(mem, ctx + 32 + head * IO_EVENT_SIZE, 1));
    head = (head + 1) % h.nr;
  }
  mem.setU32(ctx + 8, head);
  return out;
}

// ---- memory for programs: an anonymous mapping carved by a bump allocator

export const PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;

export class UserHeap {
  private next: number;
  private constructor(readonly base: number, readonly size: number) { this.next = base; }

  // Maps `size` bytes of anonymous read/write memory in the calling process.
  static *create(size: number): Generator<Request, UserHeap, number> {
    const len = Math.ceil(size / 4096) * 4096;
    const addr = yield sys.mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr < 0 && addr > -4096) throw new Error(`UserHeap: mmap of ${len} bytes failed: errno ${-addr}`);
    return new UserHeap(addr >>> 0, len);
  }

  alloc(bytes: number, align = 8): number {
    const p = Math.ceil(this.next / align) * align;
    if (p + bytes > this.base + this.size) throw new Error(`UserHeap: out of memory (${bytes} bytes wanted)`);
    this.next = p + bytes;
    return p;
  }
}

// ---- generator wrappers (use with yield*)

// io_setup: returns the context id, or a negative errno.
export function* ioSetup(mem: UserMemory, heap: UserHeap, nrEvents: number): Generator<Request, number, number> {
  const ctxp = heap.alloc(4, 4);
  mem.setU32(ctxp, 0);
  const r = yield sys.io_setup(nrEvents, ctxp);
  return r < 0 ? r : mem.u32(ctxp);
}

export const ioSubmit = (ctx: number, nr: number, iocbpp: number) => sys.io_submit(ctx, nr, iocbpp);
export const ioGetevents = (ctx: number, min: number, nr: number, events: number, timeout = 0) =>
  sys.io_getevents(ctx, min, nr, events, timeout);
export const ioCancel = (ctx: number, iocb: number, result: number) => sys.io_cancel(ctx, iocb, result);
export const ioDestroy = (ctx: number) => sys.io_destroy(ctx);

export type { ProcessApi };
