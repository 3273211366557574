// The system-call table (i386 numbers, include/asm-i386/unistd.h of 2.6.9). Arguments arrive
// as six 32-bit words, as in registers ebx, ecx, edx, esi, edi, ebp.
import { ENOSYS } from "./include/linux/errno";
import { current } from "./kernel/cpu";
import { schedule, preempt_point, yield_current } from "./kernel/sched";
import { sys_mmap2, sys_munmap, sys_mprotect } from "./mm/mmap";
import { sys_fork, sys_clone } from "./kernel/fork";
import { sys_io_setup, sys_io_destroy, sys_io_getevents, sys_io_submit, sys_io_cancel } from "./fs/aio";
import { sys_read, sys_write, sys_pread64, sys_pwrite64 } from "./fs/read_write";
import { sys_open, sys_close, sys_unlink, sys_ftruncate, sys_fsync, sys_fcntl } from "./fs/open";
import { sys_pipe } from "./fs/pipe";

export const __NR_exit: i32 = 1;
export const __NR_fork: i32 = 2;
export const __NR_read: i32 = 3;
export const __NR_write: i32 = 4;
export const __NR_open: i32 = 5;
export const __NR_close: i32 = 6;
export const __NR_unlink: i32 = 10;
export const __NR_getpid: i32 = 20;
export const __NR_kill: i32 = 37;
export const __NR_fcntl: i32 = 55;
export const __NR_pipe: i32 = 42;
export const __NR_munmap: i32 = 91;
export const __NR_ftruncate: i32 = 93;
export const __NR_fsync: i32 = 118;
export const __NR_clone: i32 = 120;
export const __NR_mprotect: i32 = 125;
export const __NR_sched_yield: i32 = 158;
export const __NR_nanosleep: i32 = 162;
export const __NR_pread64: i32 = 180;
export const __NR_pwrite64: i32 = 181;
export const __NR_mmap2: i32 = 192;
export const __NR_io_setup: i32 = 245;
export const __NR_io_destroy: i32 = 246;
export const __NR_io_getevents: i32 = 247;
export const __NR_io_submit: i32 = 248;
export const __NR_io_cancel: i32 = 249;

function sys_getpid(): i32 { return current.tgid; }

function sys_sched_yield(): i32 {
  yield_current();
  return 0;
}

export function sys_call(nr: i32, args: usize): i32 {
  let a0 = load<i32>(args), a1 = load<i32>(args, 4), a2 = load<i32>(args, 8);
  let a3 = load<i32>(args, 12), a4 = load<i32>(args, 16);
  switch (nr) {
    case __NR_getpid: return sys_getpid();
    case __NR_sched_yield: return sys_sched_yield();
    case __NR_mmap2: return sys_mmap2(<usize>a0, <usize>a1, <u32>a2, <u32>a3, a4, <usize>load<i32>(args, 20));
    case __NR_munmap: return sys_munmap(<usize>a0, <usize>a1);
    case __NR_mprotect: return sys_mprotect(<usize>a0, <usize>a1, <u32>a2);
    case __NR_fork: return sys_fork();
    case __NR_clone: return sys_clone(<u32>a0);
    case __NR_read: return sys_read(<u32>a0, <usize>a1, <usize>a2);
    case __NR_write: return sys_write(<u32>a0, <usize>a1, <usize>a2);
    case __NR_open: return sys_open(<usize>a0, <u32>a1, <u32>a2);
    case __NR_close: return sys_close(<u32>a0);
    case __NR_unlink: return sys_unlink(<usize>a0);
    case __NR_pipe: return sys_pipe(<usize>a0);
    case __NR_ftruncate: return sys_ftruncate(<u32>a0, a1);
    case __NR_fsync: return sys_fsync(<u32>a0);
    case __NR_fcntl: return sys_fcntl(<u32>a0, <u32>a1, <u32>a2);
    case __NR_pread64: return sys_pread64(<u32>a0, <usize>a1, <usize>a2, <i64>(<u64><u32>a3 | (<u64><u32>a4 << 32)));
    case __NR_pwrite64: return sys_pwrite64(<u32>a0, <usize>a1, <usize>a2, <i64>(<u64><u32>a3 | (<u64><u32>a4 << 32)));
    case __NR_io_setup: return sys_io_setup(<u32>a0, <u32>a1);
    case __NR_io_destroy: return sys_io_destroy(<u32>a0);
    case __NR_io_getevents: return sys_io_getevents(<u32>a0, a1, a2, <u32>a3, <u32>a4);
    case __NR_io_submit: return sys_io_submit(<u32>a0, a1, <u32>a2);
    case __NR_io_cancel: return sys_io_cancel(<u32>a0, <u32>a1, <u32>a2);
  }
  return -ENOSYS;
}
