// read(2), write(2), pread64(2), pwrite64(2) and the layer under them (fs/read_write.c of 2.6.9):
// vfs_read/vfs_write pick ->read/->write, or run ->aio_read/->aio_write on a synchronous kiocb
// (do_sync_read/do_sync_write) and wait for it when the method queued the I/O.
// fs/aio.ts first: it must be initialised before include/linux/aio.ts, which imports it back.
import { wait_on_sync_kiocb } from "./aio";
import * as arch from "../arch/switch";
import { file, FMODE_READ, FMODE_WRITE, FMODE_PREAD, ERESTARTSYS } from "../include/linux/fs";
import { EBADF, EINVAL, ESPIPE, EINTR, EIOCBQUEUED } from "../include/linux/errno";
import { kiocb, init_sync_kiocb, KIOCB_SIZE } from "../include/linux/aio";
import { current } from "../kernel/cpu";
import { BUG } from "../kernel/panic";
import { fget, fput } from "./file";

// ---- frames C keeps on the kernel stack (a sync kiocb): carved from the task's C stack region,
// which is saved and restored with the task like the real one.

// @ts-ignore: decorator
@inline export function kstack_alloc(n: usize): usize {
  let sp = arch.c_stack_pointer - ((n + 7) & ~7);
  if (sp < current.thread.c_base - 8192) BUG("fs: kernel stack overflow");
  arch.c_stack_pointer = sp;
  return sp;
}
// @ts-ignore: decorator
@inline export function kstack_free(n: usize): void { arch.c_stack_pointer += (n + 7) & ~7; }

// Runs ->aio_read on a kiocb of our own and waits if it was queued. fs/read_write.c (2.6.9): do_sync_read
export function do_sync_read(filp: file, buf: usize, len: usize, ppos: usize): i32 {
  let k = changetype<kiocb>(kstack_alloc(KIOCB_SIZE));
  init_sync_kiocb(k, changetype<usize>(filp));
  k.ki_pos = load<i64>(ppos);
  let ret = call_indirect<i32>(filp.f_op.aio_read, changetype<usize>(k), buf, len, k.ki_pos);
  if (ret == -EIOCBQUEUED) ret = <i32>wait_on_sync_kiocb(k);
  store<i64>(ppos, k.ki_pos);
  kstack_free(KIOCB_SIZE);
  return ret;
}

// fs/read_write.c (2.6.9): vfs_read
export function vfs_read(f: file, buf: usize, count: usize, pos: usize): i32 {
  if (!(f.f_mode & FMODE_READ)) return -EBADF;
  let op = f.f_op;
  if (!changetype<usize>(op) || (!op.read && !op.aio_read)) return -EINVAL;
  // (no mandatory locks and no security hooks in the simulator)
  if (op.read) return call_indirect<i32>(op.read, changetype<usize>(f), buf, count, pos);
  return do_sync_read(f, buf, count, pos);
}

// fs/read_write.c (2.6.9): do_sync_write
export function do_sync_write(filp: file, buf: usize, len: usize, ppos: usize): i32 {
  let k = changetype<kiocb>(kstack_alloc(KIOCB_SIZE));
  init_sync_kiocb(k, changetype<usize>(filp));
  k.ki_pos = load<i64>(ppos);
  let ret = call_indirect<i32>(filp.f_op.aio_write, changetype<usize>(k), buf, len, k.ki_pos);
  if (ret == -EIOCBQUEUED) ret = <i32>wait_on_sync_kiocb(k);
  store<i64>(ppos, k.ki_pos);
  kstack_free(KIOCB_SIZE);
  return ret;
}

// fs/read_write.c (2.6.9): vfs_write
export function vfs_write(f: file, buf: usize, count: usize, pos: usize): i32 {
  if (!(f.f_mode & FMODE_WRITE)) return -EBADF;
  let op = f.f_op;
  if (!changetype<usize>(op) || (!op.write && !op.aio_write)) return -EINVAL;
  if (op.write) return call_indirect<i32>(op.write, changetype<usize>(f), buf, count, pos);
  return do_sync_write(f, buf, count, pos);
}

// The syscall boundary: our signals have no handlers and never restart a call, so the
// restart code 2.6.9 would act on reaches user space as EINTR.
// @ts-ignore: decorator
@inline export function syscall_ret(r: i32): i32 { return r == -ERESTARTSYS ? -EINTR : r; }

// The position goes through a local copy as in 2.6.9 (file_pos_read / file_pos_write), so two
// tasks sharing a file race on f_pos the same way.
const POS_BYTES: usize = 8;

// fs/read_write.c (2.6.9): sys_read
export function sys_read(fd: u32, buf: usize, count: usize): i32 {
  let ret = -EBADF;
  let f = fget(fd);
  if (changetype<usize>(f)) {
    let pos = kstack_alloc(POS_BYTES);
    store<i64>(pos, f.f_pos);
    ret = vfs_read(f, buf, count, pos);
    f.f_pos = load<i64>(pos);
    kstack_free(POS_BYTES);
    fput(f);
  }
  return syscall_ret(ret);
}

// fs/read_write.c (2.6.9): sys_write
export function sys_write(fd: u32, buf: usize, count: usize): i32 {
  let ret = -EBADF;
  let f = fget(fd);
  if (changetype<usize>(f)) {
    let pos = kstack_alloc(POS_BYTES);
    store<i64>(pos, f.f_pos);
    ret = vfs_write(f, buf, count, pos);
    f.f_pos = load<i64>(pos);
    kstack_free(POS_BYTES);
    fput(f);
  }
  return syscall_ret(ret);
}

// fs/read_write.c (2.6.9): sys_pread64
export function sys_pread64(fd: u32, buf: usize, count: usize, pos: i64): i32 {
  if (pos < 0) return -EINVAL;
  let ret = -EBADF;
  let f = fget(fd);
  if (changetype<usize>(f)) {
    ret = -ESPIPE;
    if (f.f_mode & FMODE_PREAD) {
      let p = kstack_alloc(POS_BYTES);
      store<i64>(p, pos);
      ret = vfs_read(f, buf, count, p);
      kstack_free(POS_BYTES);
    }
    fput(f);
  }
  return syscall_ret(ret);
}

// fs/read_write.c (2.6.9): sys_pwrite64
export function sys_pwrite64(fd: u32, buf: usize, count: usize, pos: i64): i32 {
  if (pos < 0) return -EINVAL;
  let ret = -EBADF;
  let f = fget(fd);
  if (changetype<usize>(f)) {
    ret = -ESPIPE;
    if (f.f_mode & FMODE_PWRITE_) {
      let p = kstack_alloc(POS_BYTES);
      store<i64>(p, pos);
      ret = vfs_write(f, buf, count, p);
      kstack_free(POS_BYTES);
    }
    fput(f);
  }
  return syscall_ret(ret);
}
const FMODE_PWRITE_: u32 = FMODE_PREAD;
