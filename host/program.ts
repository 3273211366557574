// User programs: generator functions that yield requests — a system call, some user-mode
// work, or exit — and receive each system call's result (a negative errno on failure, as the
// raw syscall returns it). Example:
//
//   function* hello({ mem }: ProcessApi) {
//     const pid = yield sys.getpid();
//     yield work(5000);                 // 5000 cycles of user-mode computation
//     return 0;                         // exit code
//   }
import type { Machine } from "./machine.ts";
import type { UserMemory } from "./usermem.ts";

export type Request =
  | { kind: "syscall"; nr: number; args: number[]; name: string; child?: ChildSpec }
  | { kind: "work"; cycles: number }
  | { kind: "exit"; code: number };

// fork/clone: the child runs its own program (there is no copy of the parent's generator);
// the kernel copies (or, with CLONE_VM, shares) the parent's address space.
export interface ChildSpec { program: Program; name?: string }

export interface ProcessApi {
  pid: number;
  mem: UserMemory;
  machine: Machine;
}

export type Program = (p: ProcessApi) => Generator<Request, number | void, number>;

// i386 system call numbers (include/asm-i386/unistd.h, 2.6.9).
export const NR = {
  exit: 1, fork: 2, read: 3, write: 4, open: 5, close: 6, unlink: 10, getpid: 20, kill: 37, pipe: 42, fcntl: 55,
  munmap: 91, ftruncate: 93, fsync: 118, clone: 120, mprotect: 125, sched_yield: 158, nanosleep: 162,
  pread64: 180, pwrite64: 181, mmap2: 192,
  io_setup: 245, io_destroy: 246, io_getevents: 247, io_submit: 248, io_cancel: 249,
} as const;

type SyscallRequest = Extract<Request, { kind: "syscall" }>;
const call = (name: keyof typeof NR, ...args: number[]): SyscallRequest => ({ kind: "syscall", nr: NR[name], args, name });

export const sys = {
  syscall: (nr: number, ...args: number[]): Request => ({ kind: "syscall", nr, args, name: `nr${nr}` }),
  getpid: () => call("getpid"),
  // Returns the child's pid in the parent; `child` is what the child runs.
  fork: (child: Program, name?: string): Request => ({ ...call("fork"), child: { program: child, name } }),
  clone: (flags: number, child: Program, name?: string): Request => ({ ...call("clone", flags), child: { program: child, name } }),
  sched_yield: () => call("sched_yield"),
  read: (fd: number, buf: number, n: number) => call("read", fd, buf, n),
  write: (fd: number, buf: number, n: number) => call("write", fd, buf, n),
  open: (path: number, flags: number, mode = 0o644) => call("open", path, flags, mode),
  close: (fd: number) => call("close", fd),
  unlink: (path: number) => call("unlink", path),
  pipe: (fds: number) => call("pipe", fds),
  fcntl: (fd: number, cmd: number, arg = 0) => call("fcntl", fd, cmd, arg),
  kill: (pid: number, sig: number) => call("kill", pid, sig),
  ftruncate: (fd: number, len: number) => call("ftruncate", fd, len),
  fsync: (fd: number) => call("fsync", fd),
  nanosleep: (req: number, rem = 0) => call("nanosleep", req, rem),
  pread: (fd: number, buf: number, n: number, off: number) => call("pread64", fd, buf, n, off >>> 0, Math.floor(off / 2 ** 32)),
  pwrite: (fd: number, buf: number, n: number, off: number) => call("pwrite64", fd, buf, n, off >>> 0, Math.floor(off / 2 ** 32)),
  mmap: (addr: number, len: number, prot: number, flags: number, fd = -1, pgoff = 0) => call("mmap2", addr, len, prot, flags, fd, pgoff),
  munmap: (addr: number, len: number) => call("munmap", addr, len),
  mprotect: (addr: number, len: number, prot: number) => call("mprotect", addr, len, prot),
  io_setup: (nr: number, ctxp: number) => call("io_setup", nr, ctxp),
  io_destroy: (ctx: number) => call("io_destroy", ctx),
  io_submit: (ctx: number, nr: number, iocbpp: number) => call("io_submit", ctx, nr, iocbpp),
  io_cancel: (ctx: number, iocb: number, result: number) => call("io_cancel", ctx, iocb, result),
  io_getevents: (ctx: number, min: number, nr: number, events: number, timeout: number) =>
    call("io_getevents", ctx, min, nr, events, timeout),
  exit: (code: number): Request => ({ kind: "exit", code }),
};

export const work = (cycles: number): Request => ({ kind: "work", cycles });
