// Open files and per-process descriptor tables: get_empty_filp/fget/fput/__fput (fs/file_table.c),
// files_struct with get_unused_fd/put_unused_fd/fd_install (include/linux/file.h, fs/open.c,
// fs/file.c), and the fork/exit side (dup_fd/copy_files of kernel/fork.c, put_files_struct/
// exit_files of kernel/exit.c), all of 2.6.9.
//
// A task's table hangs off task_struct.files. A task that has none gets an empty one on first use
// (get_files), so spawned user tasks and kernel threads need no set-up; fork gives the child a copy
// (copy_files), and the exit hook drops it (exit_files).
import { INIT_LIST_HEAD } from "../include/linux/list";
import { spinlock_t } from "../include/linux/spinlock";
import { task_struct } from "../include/linux/sched";
import { file, dentry, inode, FMODE_WRITE, INR_OPEN, NR_FILE } from "../include/linux/fs";
import { EMFILE, ENFILE, EBADF, ENOMEM } from "../include/linux/errno";
import { current, charge } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { spin_lock_init, spin_lock, spin_unlock, lock_class_register } from "../kernel/spinlock";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free } from "../mm/slab";
import { alloc_page, free_page, PAGE_SIZE, alloc_contig } from "../mm/page_alloc";
import { BUG, printk, KERN_INFO } from "../kernel/panic";
import { dput } from "./inode";
import { set_files_hooks } from "../kernel/fork";

// ---- the file table (fs/file_table.c)

// files_stat: how many struct files exist and the system-wide cap (ENFILE above it)
export let nr_files: i32 = 0;
export let max_files: i32 = NR_FILE;

let filp_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let files_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let file_lock_class: i32 = 0;

// A zeroed struct file with one reference, or null (ENFILE / no memory).
// fs/file_table.c (2.6.9): get_empty_filp
export function get_empty_filp(): file {
  if (nr_files < max_files) {
    let p = kmem_cache_alloc(filp_cachep);
    if (p) {
      memory.fill(p, 0, offsetof<file>());
      let f = changetype<file>(p);
      f.f_count = 1;
      f.f_uid = 0;
      f.f_gid = 0;
      INIT_LIST_HEAD(f.f_list);
      nr_files++;
      return f;
    }
  }
  printk(KERN_INFO, "VFS: file-max limit reached");
  return changetype<file>(0);
}

// Frees a struct file that never got as far as having an f_op (failed opens).
// fs/file_table.c (2.6.9): put_filp
export function put_filp(f: file): void {
  if (--f.f_count == 0) {
    nr_files--;
    kmem_cache_free(filp_cachep, changetype<usize>(f));
  }
}

// @ts-ignore: decorator
@inline export function get_file(f: file): void { f.f_count++; }
// @ts-ignore: decorator
@inline export function file_count(f: file): i32 { return f.f_count; }

// The last reference is gone: ->release, then the dentry (and with it the inode) is dropped.
// Process context; may sleep. aio.c calls this from its fput work for deferred releases.
// fs/file_table.c (2.6.9): __fput
export function __fput(f: file): void {
  let d = f.f_dentry;
  let i = d.d_inode;
  charge(COST_KERNEL_OP);
  if (changetype<usize>(f.f_op) && f.f_op.release)
    call_indirect<i32>(f.f_op.release, changetype<usize>(i), changetype<usize>(f));
  if (f.f_mode & FMODE_WRITE) i.i_writecount--;
  f.f_dentry = changetype<dentry>(0);
  nr_files--;
  kmem_cache_free(filp_cachep, changetype<usize>(f));
  dput(d);
}

// Drops one reference. fs/file_table.c (2.6.9): fput
export function fput(f: file): void {
  if (f.f_count <= 0) BUG("fput: f_count already 0");
  if (--f.f_count == 0) __fput(f);
}

// ---- descriptor tables (include/linux/file.h)

// struct files_struct — 164 bytes
//   0 count   4 file_lock (8)   12 max_fds   16 max_fdset   20 next_fd   24 fd
//  28 close_on_exec   32 open_fds   36 open_fds_init (fd_set: 1024 bits, 128 bytes)
// 2.6.9 starts with a 32-slot fd_array inside the struct and grows it by expand_files; ours
// starts with one page of slots (1024 = INR_OPEN, the default RLIMIT_NOFILE) and the inline
// 1024-bit open_fds_init, and grows past that only when the rlimit is raised.
// @ts-ignore: decorator
@unmanaged export class files_struct {
  count: i32;
  file_lock_slock: u32;
  file_lock_dep: u32;
  max_fds: i32;
  max_fdset: i32;
  next_fd: i32;
  fd: usize;                 // struct file *[max_fds]
  close_on_exec: usize;
  open_fds: usize;           // bitmap of max_fdset bits

  // @ts-ignore: decorator
  @inline get file_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<files_struct>("file_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get open_fds_init(): usize { return changetype<usize>(this) + offsetof<files_struct>(); }
}
const FD_SET_BYTES: usize = 128;
const FILES_STRUCT_SIZE: usize = offsetof<files_struct>() + FD_SET_BYTES;

// RLIMIT_NOFILE of every task (the simulator has no setrlimit; the host may raise it).
export let rlimit_nofile: i32 = INR_OPEN;
export function set_rlimit_nofile(n: i32): void { rlimit_nofile = n; }

export let nr_files_structs: i32 = 0;

// @ts-ignore: decorator
@inline function fd_slot(files: files_struct, fd: i32): usize { return files.fd + (<usize>fd << 2); }
// @ts-ignore: decorator
@inline function fd_isset(fd: i32, set: usize): bool {
  return (load<u32>(set + (<usize>(fd >> 5) << 2)) & (1 << (fd & 31))) != 0;
}
// @ts-ignore: decorator
@inline function fd_set(fd: i32, set: usize): void {
  let w = set + (<usize>(fd >> 5) << 2);
  store<u32>(w, load<u32>(w) | (1 << (fd & 31)));
}
// @ts-ignore: decorator
@inline function fd_clr(fd: i32, set: usize): void {
  let w = set + (<usize>(fd >> 5) << 2);
  store<u32>(w, load<u32>(w) & ~(1 << (fd & 31)));
}

// An empty table with one user. Returns null when out of memory.
function alloc_files(): files_struct {
  let p = kmem_cache_alloc(files_cachep);
  if (!p) return changetype<files_struct>(0);
  memory.fill(p, 0, FILES_STRUCT_SIZE);
  let files = changetype<files_struct>(p);
  files.count = 1;
  spin_lock_init(files.file_lock, file_lock_class);
  files.max_fds = <i32>(PAGE_SIZE >> 2);
  files.max_fdset = <i32>(FD_SET_BYTES << 3);
  files.next_fd = 0;
  let fdp = alloc_page();
  memory.fill(fdp, 0, PAGE_SIZE);
  files.fd = fdp;
  files.open_fds = files.open_fds_init;
  nr_files_structs++;
  return files;
}

// current->files, created empty the first time a task needs one.
export function get_files(): files_struct {
  let t = current;
  if (!t.files) {
    let f = alloc_files();
    if (!changetype<usize>(f)) BUG("get_files: no memory for a files_struct");
    t.files = changetype<usize>(f);
  }
  return changetype<files_struct>(t.files);
}

// The file at fd, no reference taken; caller holds file_lock. include/linux/file.h: fcheck_files
export function fcheck_files(files: files_struct, fd: u32): file {
  if (fd < <u32>files.max_fds) return changetype<file>(load<usize>(fd_slot(files, <i32>fd)));
  return changetype<file>(0);
}

// Looks fd up in current's table and takes a reference, or returns null.
// fs/file_table.c (2.6.9): fget
export function fget(fd: u32): file {
  let files = get_files();
  spin_lock(files.file_lock);
  let f = fcheck_files(files, fd);
  if (changetype<usize>(f)) get_file(f);
  spin_unlock(files.file_lock);
  return f;
}

// Grows the table so that fd fits (doubling, up to the rlimit). Caller holds file_lock, which is
// dropped around the allocation as 2.6.9 does. Returns <0 on error, 1 if it grew, 0 if fd fit.
// fs/file.c (2.6.9): expand_files (expand_fd_array and expand_fdset together)
function expand_files(files: files_struct, nr: i32): i32 {
  if (nr < files.max_fds && nr < files.max_fdset) return 0;
  if (nr >= rlimit_nofile) return -EMFILE;
  let n = files.max_fds;
  while (n <= nr) n <<= 1;
  spin_unlock(files.file_lock);
  // Tables beyond the first page come from contiguous memory and are not given back.
  let fdp = alloc_contig(<usize>n << 2);
  let setp = alloc_contig(<usize>n >> 3);
  spin_lock(files.file_lock);
  if (files.max_fds >= n) return 1;      // someone else grew it meanwhile
  memory.fill(fdp, 0, <usize>n << 2);
  memory.fill(setp, 0, <usize>n >> 3);
  memory.copy(fdp, files.fd, <usize>files.max_fds << 2);
  memory.copy(setp, files.open_fds, <usize>files.max_fdset >> 3);
  if (files.max_fds == <i32>(PAGE_SIZE >> 2)) free_page(files.fd);
  files.fd = fdp;
  files.open_fds = setp;
  files.max_fds = n;
  files.max_fdset = n;
  return 1;
}

// Reserves the lowest free descriptor at or above next_fd. -EMFILE past the rlimit.
// fs/open.c (2.6.9): get_unused_fd
export function get_unused_fd(): i32 {
  let files = get_files();
  let error = -EMFILE;
  spin_lock(files.file_lock);
  let repeat = true;
  while (repeat) {
    repeat = false;
    let fd = files.next_fd;
    while (fd < files.max_fdset && fd_isset(fd, files.open_fds)) fd++;
    if (fd >= rlimit_nofile) break;
    let r = expand_files(files, fd);
    if (r < 0) { error = r; break; }
    if (r) { repeat = true; continue; }
    fd_set(fd, files.open_fds);
    files.next_fd = fd + 1;
    error = fd;
  }
  spin_unlock(files.file_lock);
  return error;
}

// Gives back a reserved descriptor; caller holds file_lock. fs/open.c (2.6.9): __put_unused_fd
export function __put_unused_fd(files: files_struct, fd: i32): void {
  fd_clr(fd, files.open_fds);
  if (fd < files.next_fd) files.next_fd = fd;
}

// fs/open.c (2.6.9): put_unused_fd
export function put_unused_fd(fd: i32): void {
  let files = get_files();
  spin_lock(files.file_lock);
  __put_unused_fd(files, fd);
  spin_unlock(files.file_lock);
}

// Publishes f at a reserved descriptor; the table takes over the caller's reference.
// fs/open.c (2.6.9): fd_install
export function fd_install(fd: i32, f: file): void {
  let files = get_files();
  spin_lock(files.file_lock);
  if (load<usize>(fd_slot(files, fd))) BUG("fd_install: descriptor already in use");
  store<usize>(fd_slot(files, fd), changetype<usize>(f));
  spin_unlock(files.file_lock);
}

// Takes fd out of the table and returns its file (the table's reference passes to the
// caller), or null with nothing done. The locked half of sys_close.
export function fd_remove(fd: u32): file {
  let files = get_files();
  spin_lock(files.file_lock);
  if (fd >= <u32>files.max_fds) { spin_unlock(files.file_lock); return changetype<file>(0); }
  let f = changetype<file>(load<usize>(fd_slot(files, <i32>fd)));
  if (!changetype<usize>(f)) { spin_unlock(files.file_lock); return f; }
  store<usize>(fd_slot(files, <i32>fd), 0);
  __put_unused_fd(files, <i32>fd);
  spin_unlock(files.file_lock);
  return f;
}

// ---- fork and exit

// A copy of oldf: same descriptors, each file with one more reference. Null when out of memory.
// kernel/fork.c (2.6.9): dup_fd (the body of copy_files)
export function dup_fd(oldf: files_struct): files_struct {
  let newf = alloc_files();
  if (!changetype<usize>(newf)) return newf;
  spin_lock(oldf.file_lock);
  let n = oldf.max_fds;
  if (n > newf.max_fds) {
    // grow the child's table to the parent's size before copying
    spin_unlock(oldf.file_lock);
    spin_lock(newf.file_lock);
    expand_files(newf, n - 1);
    spin_unlock(newf.file_lock);
    spin_lock(oldf.file_lock);
  }
  for (let fd = 0; fd < n; fd++) {
    let f = changetype<file>(load<usize>(fd_slot(oldf, fd)));
    if (changetype<usize>(f)) {
      get_file(f);
      store<usize>(fd_slot(newf, fd), changetype<usize>(f));
      fd_set(fd, newf.open_fds);
    }
  }
  newf.next_fd = oldf.next_fd;
  spin_unlock(oldf.file_lock);
  return newf;
}

export const CLONE_FILES: u32 = 0x00000400;

// fork's files step: tsk (whose files still point at the parent's) shares them under
// CLONE_FILES, else gets a copy. Returns 0 or -ENOMEM. The mm engineer's kernel/fork.ts calls it
// through its copy_files_fn slot. kernel/fork.c (2.6.9): copy_files
export function copy_files(clone_flags: u32, tsk: task_struct): i32 {
  let oldf = changetype<files_struct>(current.files);
  if (!changetype<usize>(oldf)) { tsk.files = 0; return 0; }
  if (clone_flags & CLONE_FILES) {
    oldf.count++;
    tsk.files = changetype<usize>(oldf);
    return 0;
  }
  tsk.files = 0;
  let newf = dup_fd(oldf);
  if (!changetype<usize>(newf)) return -ENOMEM;
  tsk.files = changetype<usize>(newf);
  return 0;
}

// Drops a user of the table; the last one closes every file. May sleep (->release).
// kernel/exit.c (2.6.9): put_files_struct, close_files
export function put_files_struct(files: files_struct): void {
  if (--files.count > 0) return;
  for (let fd = 0; fd < files.max_fds; fd++) {
    let f = changetype<file>(load<usize>(fd_slot(files, fd)));
    if (changetype<usize>(f)) {
      store<usize>(fd_slot(files, fd), 0);
      filp_close_fn_call(f, files);
    }
  }
  if (files.max_fds == <i32>(PAGE_SIZE >> 2)) free_page(files.fd);
  nr_files_structs--;
  kmem_cache_free(files_cachep, changetype<usize>(files));
}

// The exit side: tsk lets go of its table (kernel/fork.ts's exit hook calls it through its
// exit_files_fn slot, after exit_mm). kernel/exit.c (2.6.9): exit_files, __exit_files
export function exit_files(tsk: task_struct): void {
  let files = changetype<files_struct>(tsk.files);
  if (changetype<usize>(files)) {
    tsk.files = 0;
    put_files_struct(files);
  }
}

// filp_close lives in fs/open.ts (it calls ->flush); exit reaches it through this slot so that
// this file needs no import cycle. (file, files) => i32
let filp_close_fn: u32 = 0;
export function set_filp_close(fn: u32): void { filp_close_fn = fn; }
function filp_close_fn_call(f: file, files: files_struct): void {
  if (filp_close_fn) call_indirect<i32>(filp_close_fn, changetype<usize>(f), changetype<usize>(files));
  else fput(f);
}

export function files_init(): void {
  set_files_hooks(copy_files.index, exit_files.index);
  filp_cachep = kmem_cache_create("filp", offsetof<file>());
  files_cachep = kmem_cache_create("files_cache", FILES_STRUCT_SIZE);
  file_lock_class = lock_class_register("files_struct.file_lock");
}
