// Pipes (fs/pipe.c of 2.6.9) with the retry support of the -mm "AIO pipe support" patch
// (Chris Mason, July 2004; kernel-aio.md §2.10): pipe_wait uses current->io_wait when it is an
// async kiocb entry — it queues that entry on the pipe's wait queue and returns -EIOCBRETRY
// instead of sleeping — and the read/write loops then stop with the bytes done so far, or
// -EIOCBRETRY when there were none.
//
// For the AIO port: do_pipe_read(file, buf, count, iocb) and do_pipe_write(file, buf, count, iocb)
// are the loop cores (the patch's pipe_aio_readv/pipe_aio_writev). pipe_read/pipe_write call them
// with iocb 0 and never see -EIOCBRETRY; aio_read/aio_write methods (pipe_aio_read/pipe_aio_write
// and pipe_aio_cancel) belong in this file on top of them, pass the kiocb, run with
// current->io_wait pointing at the kiocb's ki_wait, and install their fops into the slots of
// read_pipe_fops / write_pipe_fops / rdwr_pipe_fops (exported below).
import { inode, file, file_operations, dentry, O_RDONLY, O_WRONLY, O_NONBLOCK, FMODE_READ, FMODE_WRITE,
         S_IFIFO, S_IRUSR, S_IWUSR, ERESTARTSYS } from "../include/linux/fs";
import { pipe_inode_info, PIPE_INFO, PIPE_SEM, PIPE_WAIT, PIPE_BUF, PIPE_SIZE, PIPE_LEN, PIPE_START, PIPE_FREE,
         PIPE_END, PIPE_MAX_RCHUNK, PIPE_MAX_WCHUNK, PIPE_READERS, PIPE_WRITERS, PIPE_WAITING_WRITERS,
         PIPE_EMPTY } from "../include/linux/pipe_fs_i";
import { wait_queue_t } from "../include/linux/wait";
import { TASK_INTERRUPTIBLE } from "../include/linux/sched";
import { EFAULT, EAGAIN, EPIPE, EBADF, ENFILE, ENOMEM, ESPIPE, EIOCBRETRY, EINVAL, EINTR } from "../include/linux/errno";
import { current, charge } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { init_waitqueue_head, init_wait, prepare_to_wait, finish_wait, is_sync_wait,
         wake_up_interruptible, wake_up_interruptible_sync } from "../kernel/wait";
import { down, up, wait_entry_alloc, wait_entry_free } from "../kernel/semaphore";
import { schedule, signal_pending, send_signal } from "../kernel/sched";
import { lock_class_register } from "../kernel/spinlock";
import { BUG } from "../kernel/panic";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free } from "../mm/slab";
import { alloc_page, free_page } from "../mm/page_alloc";
import { copy_to_user, copy_from_user } from "../mm/uaccess";
import { new_inode, iput, d_alloc, d_instantiate, dget } from "./inode";
import { get_empty_filp, put_filp, get_unused_fd, put_unused_fd, fd_install } from "./file";
import { kiocb } from "../include/linux/aio";
import { io_event } from "../include/linux/aio_abi";
import { aio_put_req } from "./aio";

export const SIGPIPE: i32 = 13;

// The -mm patch leaves waiting_writers raised when an async writer takes the -EIOCBRETRY exit
// (its decrement sits after the break). Off: we decrement on that exit too, so a later
// O_NONBLOCK reader is not made to wait for a writer that is not there. On: the patch as posted.
export let pipe_mm_waiting_writers_leak: bool = false;
export function set_pipe_mm_waiting_writers_leak(on: bool): void { pipe_mm_waiting_writers_leak = on; }

let pipe_info_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let pipe_wait_class: i32 = 0;

// Counters the host reads (pipe traffic, sleeps, async retry exits).
export let pipe_nr_waits: u64 = 0;
export let pipe_nr_retry_exits: u64 = 0;

// Gives up i_sem and waits for the other side, atomically with respect to its wake-up. With an
// async entry in current->io_wait it only queues that entry and returns -EIOCBRETRY, i_sem still
// held. Called with i_sem held; returns 0 with it held again after a real sleep.
// fs/pipe.c (2.6.9 + -mm aio-pipe): pipe_wait
export function pipe_wait(i: inode): i32 {
  let local = wait_entry_alloc();
  init_wait(local);
  let wait = local;
  if (current.io_wait) wait = changetype<wait_queue_t>(current.io_wait);
  prepare_to_wait(PIPE_WAIT(i), wait, TASK_INTERRUPTIBLE);
  if (!is_sync_wait(wait)) {
    wait_entry_free(local);
    pipe_nr_retry_exits++;
    return -EIOCBRETRY;
  }
  pipe_nr_waits++;
  up(PIPE_SEM(i));
  schedule();
  finish_wait(PIPE_WAIT(i), wait);
  down(PIPE_SEM(i));
  wait_entry_free(local);
  return 0;
}

// The read loop: copies what the ring holds, waits while it is empty and writers exist.
// Returns bytes read, 0 at EOF (no writers), -EAGAIN, -EFAULT, -ERESTARTSYS, or -EIOCBRETRY
// (only when current->io_wait is async and nothing was read). iocb: the kiocb of an AIO read
// (0 for read(2)); the loop itself only needs current->io_wait.
// fs/pipe.c (2.6.9 + -mm aio-pipe): pipe_readv / pipe_aio_readv
export function do_pipe_read(filp: file, buf: usize, count: usize, iocb: usize): i32 {
  let i = filp.f_dentry.d_inode;
  let total_len = count;
  if (total_len == 0) return 0;
  let do_wakeup = false;
  let ret: i32 = 0;
  down(PIPE_SEM(i));
  let info = PIPE_INFO(i);
  for (;;) {
    let size = PIPE_LEN(i);
    if (size) {
      charge(COST_KERNEL_OP);
      let chars = <usize>PIPE_MAX_RCHUNK(i);
      if (chars > total_len) chars = total_len;
      if (chars > <usize>size) chars = <usize>size;
      if (copy_to_user(buf, info.base + <usize>info.start, chars)) {
        if (!ret) ret = -EFAULT;
        break;
      }
      ret += <i32>chars;
      buf += chars;
      info.start = (info.start + <u32>chars) & (PIPE_SIZE - 1);
      info.len -= <u32>chars;
      total_len -= chars;
      do_wakeup = true;
      if (!total_len) break;
    }
    if (PIPE_LEN(i)) continue;          // the data wrapped round the end of the page
    if (!PIPE_WRITERS(i)) break;
    if (!PIPE_WAITING_WRITERS(i)) {
      // Without a writer asleep in the kernel we must not wait once we have data, nor at all
      // with O_NONBLOCK; with one, waiting for its data keeps POSIX (syscall merging).
      if (ret) break;
      if (filp.f_flags & O_NONBLOCK) { ret = -EAGAIN; break; }
    }
    if (signal_pending(current)) {
      if (!ret) ret = -ERESTARTSYS;
      break;
    }
    if (do_wakeup) wake_up_interruptible_sync(PIPE_WAIT(i));
    let retry = pipe_wait(i);
    if (retry == -EIOCBRETRY) {
      if (!ret) ret = retry;
      break;
    }
  }
  up(PIPE_SEM(i));
  // Room was made: let writers know, without hurry.
  if (do_wakeup) wake_up_interruptible(PIPE_WAIT(i));
  return ret;
}

// read(2) on a pipe. fs/pipe.c (2.6.9 + -mm aio-pipe): pipe_read
export function pipe_read(filp: file, buf: usize, count: usize, ppos: usize): i32 {
  let ret = do_pipe_read(filp, buf, count, 0);
  if (ret == -EIOCBRETRY) BUG("pipe_read: retry exit in a synchronous read");
  return ret;
}

// The write loop: writes up to PIPE_BUF bytes atomically (all or wait), larger ones in pieces.
// Returns bytes written, -EPIPE (and SIGPIPE) without readers, -EAGAIN, -EFAULT, -ERESTARTSYS,
// or -EIOCBRETRY (async entry in current->io_wait, nothing written yet).
// fs/pipe.c (2.6.9 + -mm aio-pipe): pipe_writev / pipe_aio_writev
export function do_pipe_write(filp: file, buf: usize, count: usize, iocb: usize): i32 {
  let i = filp.f_dentry.d_inode;
  let total_len = count;
  if (total_len == 0) return 0;
  let do_wakeup = false;
  let ret: i32 = 0;
  let min = total_len;
  if (min > <usize>PIPE_BUF) min = 1;
  down(PIPE_SEM(i));
  let info = PIPE_INFO(i);
  for (;;) {
    if (!PIPE_READERS(i)) {
      send_signal(current, SIGPIPE);
      if (!ret) ret = -EPIPE;
      break;
    }
    let free = <usize>PIPE_FREE(i);
    if (free >= min) {
      charge(COST_KERNEL_OP);
      let chars = <usize>PIPE_MAX_WCHUNK(i);
      // Wake readers even if the copy fails, or a reader merged into our syscall sleeps on.
      do_wakeup = true;
      if (chars > total_len) chars = total_len;
      if (chars > free) chars = free;
      if (copy_from_user(info.base + <usize>PIPE_END(i), buf, chars)) {
        if (!ret) ret = -EFAULT;
        break;
      }
      ret += <i32>chars;
      buf += chars;
      info.len += <u32>chars;
      total_len -= chars;
      if (!total_len) break;
    }
    if (PIPE_FREE(i) && ret) {
      // the free space wrapped round the end of the page: keep going, a byte at a time is fine
      min = 1;
      continue;
    }
    if (filp.f_flags & O_NONBLOCK) {
      if (!ret) ret = -EAGAIN;
      break;
    }
    if (signal_pending(current)) {
      if (!ret) ret = -ERESTARTSYS;
      break;
    }
    if (do_wakeup) {
      wake_up_interruptible_sync(PIPE_WAIT(i));
      do_wakeup = false;
    }
    info.waiting_writers++;
    let retry = pipe_wait(i);
    if (retry == -EIOCBRETRY) {
      if (!pipe_mm_waiting_writers_leak) info.waiting_writers--;
      if (!ret) ret = retry;
      break;
    }
    info.waiting_writers--;
  }
  up(PIPE_SEM(i));
  if (do_wakeup) wake_up_interruptible(PIPE_WAIT(i));
  return ret;
}

// write(2) on a pipe. fs/pipe.c (2.6.9 + -mm aio-pipe): pipe_write
export function pipe_write(filp: file, buf: usize, count: usize, ppos: usize): i32 {
  let ret = do_pipe_write(filp, buf, count, 0);
  if (ret == -EIOCBRETRY) BUG("pipe_write: retry exit in a synchronous write");
  return ret;
}

// The wrong end. fs/pipe.c (2.6.9): bad_pipe_r, bad_pipe_w
export function bad_pipe_r(filp: file, buf: usize, count: usize, ppos: usize): i32 { return -EBADF; }
export function bad_pipe_w(filp: file, buf: usize, count: usize, ppos: usize): i32 { return -EBADF; }

// Pipes cannot seek. fs/read_write.c (2.6.9): no_llseek
export function no_llseek(filp: file, offset: i64, origin: i32): i64 { return -ESPIPE; }

export const POLLIN: u32 = 0x0001;
export const POLLOUT: u32 = 0x0004;
export const POLLERR: u32 = 0x0008;
export const POLLHUP: u32 = 0x0010;
export const POLLRDNORM: u32 = 0x0040;
export const POLLWRNORM: u32 = 0x0100;

// Readiness mask (no poll table: the simulator has no poll(2) yet). fs/pipe.c (2.6.9): pipe_poll
export function pipe_poll(filp: file, wait: usize): u32 {
  let i = filp.f_dentry.d_inode;
  let mask = POLLIN | POLLRDNORM;
  if (PIPE_EMPTY(i)) mask = POLLOUT | POLLWRNORM;
  if (!PIPE_WRITERS(i) && filp.f_version != PIPE_INFO(i).w_counter) mask |= POLLHUP;
  if (!PIPE_READERS(i)) mask |= POLLERR;
  return mask;
}

// One end goes away: the last one frees the buffer, otherwise the other side is woken (a reader
// sees EOF, a writer EPIPE). fs/pipe.c (2.6.9): pipe_release
function pipe_release(i: inode, decr: u32, decw: u32): i32 {
  down(PIPE_SEM(i));
  let info = PIPE_INFO(i);
  info.readers -= decr;
  info.writers -= decw;
  if (!info.readers && !info.writers) {
    i.i_pipe = 0;
    free_page(info.base);
    kmem_cache_free(pipe_info_cachep, changetype<usize>(info));
  } else {
    wake_up_interruptible(info.wait);
  }
  up(PIPE_SEM(i));
  return 0;
}

// fs/pipe.c (2.6.9): pipe_read_release, pipe_write_release, pipe_rdwr_release
export function pipe_read_release(i: inode, filp: file): i32 { return pipe_release(i, 1, 0); }
export function pipe_write_release(i: inode, filp: file): i32 { return pipe_release(i, 0, 1); }
export function pipe_rdwr_release(i: inode, filp: file): i32 {
  let decr: u32 = (filp.f_mode & FMODE_READ) != 0 ? 1 : 0;
  let decw: u32 = (filp.f_mode & FMODE_WRITE) != 0 ? 1 : 0;
  return pipe_release(i, decr, decw);
}

// ---- AIO methods (-mm "AIO pipe support", Chris Mason, July 2004; added by the AIO port)

// Cancel method of a pipe kiocb: the event says how much was done (-EINTR if nothing), the pipe
// queue is woken so the parked retry runs, sees KIF_CANCELLED and completes without an event,
// and the canceller's reference is dropped. fs/pipe.c (-mm aio-pipe): pipe_aio_cancel
export function pipe_aio_cancel(iocb_: usize, evt: usize): i32 {
  let k = changetype<kiocb>(iocb_);
  let i = changetype<file>(k.ki_filp).f_dentry.d_inode;
  let e = changetype<io_event>(evt);
  e.obj = <u64>k.ki_obj;
  e.data = k.ki_user_data;
  e.res = <i64>(k.ki_nbytes - k.ki_left);
  if (e.res == 0)
    e.res = -EINTR;
  e.res2 = 0;
  wake_up_interruptible(PIPE_WAIT(i));
  aio_put_req(k);
  return 0;
}

// aio_write of every pipe: one step of the write loop with current->io_wait set by aio_run_iocb.
// fs/pipe.c (-mm aio-pipe): pipe_aio_write
export function pipe_aio_write(iocb_: usize, buf: usize, count: usize, pos: i64): i32 {
  let k = changetype<kiocb>(iocb_);
  k.ki_cancel = pipe_aio_cancel.index;
  return do_pipe_write(changetype<file>(k.ki_filp), buf, count, iocb_);
}

// aio_read of every pipe. fs/pipe.c (-mm aio-pipe): pipe_aio_read
export function pipe_aio_read(iocb_: usize, buf: usize, count: usize, pos: i64): i32 {
  let k = changetype<kiocb>(iocb_);
  k.ki_cancel = pipe_aio_cancel.index;
  return do_pipe_read(changetype<file>(k.ki_filp), buf, count, iocb_);
}

// The method tables (filled at boot; the AIO port adds aio_read/aio_write to them).
export const read_pipe_fops: file_operations = changetype<file_operations>(memory.data(100));
export const write_pipe_fops: file_operations = changetype<file_operations>(memory.data(100));
export const rdwr_pipe_fops: file_operations = changetype<file_operations>(memory.data(100));

// The buffer page and pipe_inode_info for a new pipe inode. fs/pipe.c (2.6.9): pipe_new
export function pipe_new(i: inode): inode {
  let page = alloc_page();
  if (!page) return changetype<inode>(0);
  let p = kmem_cache_alloc(pipe_info_cachep);
  if (!p) { free_page(page); return changetype<inode>(0); }
  memory.fill(p, 0, offsetof<pipe_inode_info>());
  let info = changetype<pipe_inode_info>(p);
  i.i_pipe = p;
  init_waitqueue_head(info.wait, pipe_wait_class);
  info.base = page;
  info.start = 0;
  info.len = 0;
  info.readers = 0;
  info.writers = 0;
  info.waiting_writers = 0;
  info.r_counter = 1;
  info.w_counter = 1;
  return i;
}

// fs/pipe.c (2.6.9): get_pipe_inode
function get_pipe_inode(): inode {
  let i = new_inode();
  if (!changetype<usize>(i)) return i;
  if (!changetype<usize>(pipe_new(i))) {
    iput(i);
    return changetype<inode>(0);
  }
  let info = PIPE_INFO(i);
  info.readers = 1;
  info.writers = 1;
  i.i_fop = rdwr_pipe_fops;
  i.i_mode = S_IFIFO | S_IRUSR | S_IWUSR;
  return i;
}

// Creates a pipe: two files on one pipe inode, installed at the two lowest free descriptors,
// stored at fd[0] (read end) and fd[1] (write end), a kernel address. fs/pipe.c (2.6.9): do_pipe
export function do_pipe(fd: usize): i32 {
  let error = -ENFILE;
  let f1 = get_empty_filp();
  if (!changetype<usize>(f1)) return error;
  let f2 = get_empty_filp();
  if (!changetype<usize>(f2)) { put_filp(f1); return error; }
  let i = get_pipe_inode();
  if (!changetype<usize>(i)) { put_filp(f2); put_filp(f1); return error; }
  error = get_unused_fd();
  if (error < 0) { free_pipe_inode(i); put_filp(f2); put_filp(f1); return error; }
  let fdr = error;
  error = get_unused_fd();
  if (error < 0) { put_unused_fd(fdr); free_pipe_inode(i); put_filp(f2); put_filp(f1); return error; }
  let fdw = error;
  let d = d_alloc(0, 0);
  if (!changetype<usize>(d)) {
    put_unused_fd(fdw); put_unused_fd(fdr); free_pipe_inode(i); put_filp(f2); put_filp(f1);
    return -ENOMEM;
  }
  d_instantiate(d, i);
  f1.f_dentry = d;
  f2.f_dentry = dget(d);
  f1.f_mapping = i.i_mapping;
  f2.f_mapping = i.i_mapping;
  f1.f_pos = 0;
  f2.f_pos = 0;
  f1.f_flags = O_RDONLY;
  f1.f_op = read_pipe_fops;
  f1.f_mode = FMODE_READ;
  f1.f_version = 0;
  f2.f_flags = O_WRONLY;
  f2.f_op = write_pipe_fops;
  f2.f_mode = FMODE_WRITE;
  f2.f_version = 0;
  fd_install(fdr, f1);
  fd_install(fdw, f2);
  store<i32>(fd, fdr);
  store<i32>(fd, fdw, 4);
  return 0;
}

// The error path of do_pipe after the inode exists (its pipe has no files yet).
function free_pipe_inode(i: inode): void {
  let info = PIPE_INFO(i);
  free_page(info.base);
  kmem_cache_free(pipe_info_cachep, changetype<usize>(info));
  i.i_pipe = 0;
  iput(i);
}

// pipe(2): the two descriptors are written to user memory; when that fails the descriptors stay
// open, as in 2.6.9. arch/i386/kernel/sys_i386.c (2.6.9): sys_pipe
const pipe_fd_buf = memory.data(8);
export function sys_pipe(fildes: usize): i32 {
  let error = do_pipe(pipe_fd_buf);
  if (!error) {
    if (copy_to_user(fildes, pipe_fd_buf, 8)) error = -EFAULT;
  }
  return error;
}

export function pipe_init(): void {
  pipe_info_cachep = kmem_cache_create("pipe_inode_info", offsetof<pipe_inode_info>());
  pipe_wait_class = lock_class_register("pipe_inode_info.wait");
  let r = read_pipe_fops;
  r.llseek = no_llseek.index;
  r.read = pipe_read.index;
  r.write = bad_pipe_w.index;
  r.poll = pipe_poll.index;
  r.release = pipe_read_release.index;
  r.aio_read = pipe_aio_read.index;           // -mm aio-pipe
  let w = write_pipe_fops;
  w.llseek = no_llseek.index;
  w.read = bad_pipe_r.index;
  w.write = pipe_write.index;
  w.poll = pipe_poll.index;
  w.release = pipe_write_release.index;
  w.aio_write = pipe_aio_write.index;         // -mm aio-pipe
  let rw = rdwr_pipe_fops;
  rw.llseek = no_llseek.index;
  rw.read = pipe_read.index;
  rw.write = pipe_write.index;
  rw.poll = pipe_poll.index;
  rw.release = pipe_rdwr_release.index;
  rw.aio_read = pipe_aio_read.index;          // -mm aio-pipe
  rw.aio_write = pipe_aio_write.index;
}
