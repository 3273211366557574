// open(2), close(2), unlink(2), ftruncate(2), fsync(2) (fs/open.c, fs/namei.c, fs/buffer.c of
// 2.6.9) over a tiny in-memory filesystem: one flat directory of regular files whose data lives in
// the page cache and, once written back, on the simulated disk (fs/blockdev.ts). Its inodes are
// ramfs-like (no on-disk metadata: the name, size and block extent live only here) but its
// address_space methods do real I/O: readpage reads from the disk, writepage writes to it,
// direct_IO bypasses the cache. A path is a name in that directory; a leading "/" is ignored.
// fs/aio.ts first: it must be initialised before include/linux/aio.ts, which imports it back.
import "./aio";
import { list_head, INIT_LIST_HEAD, list_add_tail, list_del_init, list_empty } from "../include/linux/list";
import { file, inode, dentry, address_space, file_operations, address_space_operations, dentry_of_d_child, inode_of_i_list,
         O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC, O_DIRECT, O_APPEND, O_NONBLOCK, O_LARGEFILE, FMODE_READ, FMODE_WRITE, FMODE_LSEEK, FMODE_PREAD,
         FMODE_PWRITE, S_IFREG, S_ISREG, fs_layout_check } from "../include/linux/fs";
import { ENFILE, ENOENT, EEXIST, EINVAL, EBADF, ENOMEM, ENAMETOOLONG, ENOSPC, EISDIR, EFAULT, EIO } from "../include/linux/errno";
import { kiocb } from "../include/linux/aio";
import { current, charge, in_task } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { init_MUTEX, down, up, semaphore } from "../kernel/semaphore";
import { lock_class_register } from "../kernel/spinlock";
import { BUG, printk, KERN_ERR } from "../kernel/panic";
import { PAGE_SIZE, get_zeroed_page, free_page } from "../mm/page_alloc";
import { strncpy_from_user } from "../mm/uaccess";
import { page, page_of_lru, iovec, generic_file_read, generic_file_write, generic_file_aio_read, generic_file_aio_write,
         filemap_fdatawrite, filemap_fdatawait, truncate_inode_pages, unlock_page, SetPageUptodate, PageUptodate,
         set_page_dirty, end_page_writeback, invalidate_mapping_pages, filemap_init } from "../mm/filemap";
import { new_inode, d_alloc, d_instantiate, dget, dput, inode_in_use, inode_init } from "./inode";
import { get_empty_filp, put_filp, fput, get_unused_fd, put_unused_fd, fd_install, fd_remove, fget, file_count,
         set_filp_close, files_struct, files_init } from "./file";
import { request, blk_get_request, blk_rq_add_seg, submit_request, blk_put_request, blockdev_block_mapped,
         blockdev_rw_sync, blockdev_release_range, blockdev_init, BLOCK_SHIFT, FILE_EXTENT_SHIFT } from "./blockdev";
import { blockdev_direct_IO, dio_init } from "./direct-io";
import { pipe_init } from "./pipe";
import * as arch from "../arch/switch";

export const PATH_MAX: i32 = 256;                // ours; 2.6.9 allows 4096

// ---- the directory

const dir_sem = changetype<semaphore>(memory.data(24));
const dir_list = changetype<list_head>(memory.data(8));
let next_extent: u32 = 1;                        // extent 0 is never used: i_dev_block 0 = no blocks
export let nr_dir_entries: i32 = 0;

// The dentry named (name, len), or null. Caller holds dir_sem.
function d_lookup(name: usize, len: u32): dentry {
  let h = dir_list;
  for (let l = h.next; l !== h; l = l.next) {
    let d = dentry_of_d_child(l);
    if (d.d_name_len == len && memory.compare(d.d_name, name, len) == 0) return d;
  }
  return changetype<dentry>(0);
}

// ---- address_space methods

export const simfs_aops = changetype<address_space_operations>(memory.data(48));
export const simfs_file_operations = changetype<file_operations>(memory.data(100));

// @ts-ignore: decorator
@inline function page_dev_off(i: inode, p: page): u64 {
  return (<u64>(i.i_dev_block + p.index)) << BLOCK_SHIFT;
}

// Read completion: the data is in. fs/buffer.c (2.6.9): end_buffer_async_read (for a whole page)
function end_read_page(rq: request, error: i32): void {
  let p = changetype<page>(rq.end_io_data);
  blk_put_request(rq);
  if (!error) SetPageUptodate(p);
  unlock_page(p);
}

// Fills a locked page: a hole is zeroed at once, a written block is read from the disk and the
// page unlocked by the completion interrupt. fs/mpage.c (2.6.9): mpage_readpage
export function simfs_readpage(filp: file, p: page): i32 {
  let i = changetype<inode>(p.mapping.host);
  let block = i.i_dev_block + p.index;
  if (!blockdev_block_mapped(block)) {
    memory.fill(p.virtual, 0, PAGE_SIZE);
    SetPageUptodate(p);
    unlock_page(p);
    return 0;
  }
  let rq = blk_get_request(0, page_dev_off(i, p), end_read_page.index, changetype<usize>(p));
  if (!changetype<usize>(rq)) { unlock_page(p); return -ENOMEM; }
  blk_rq_add_seg(rq, p.virtual, <u32>PAGE_SIZE);
  submit_request(rq);
  return 0;
}

// Reads a list of new locked pages (ascending index, off page.lru): holes are zeroed at once,
// runs of written blocks go out as one request each, up to MAX_SEGS pages.
// fs/mpage.c (2.6.9): mpage_readpages
function end_read_pages(rq: request, error: i32): void {
  let first = changetype<page>(rq.end_io_data);
  let n = rq.nr_segs;
  blk_put_request(rq);
  // the pages of the run were chained through page.private_ by simfs_readpages
  let p = first;
  for (let k = 0; k < n; k++) {
    let next = changetype<page>(p.private_);
    p.private_ = 0;
    if (!error) SetPageUptodate(p);
    unlock_page(p);
    p = next;
  }
}
export function simfs_readpages(filp: file, mapping: address_space, pages: list_head, nr: u32): i32 {
  let i = changetype<inode>(mapping.host);
  let rq = changetype<request>(0);
  let prev = changetype<page>(0);
  while (!list_empty(pages)) {
    let p = page_of_lru(pages.next);
    list_del_init(p.lru);
    let block = i.i_dev_block + p.index;
    if (!blockdev_block_mapped(block)) {
      memory.fill(p.virtual, 0, PAGE_SIZE);
      SetPageUptodate(p);
      unlock_page(p);
      continue;
    }
    if (changetype<usize>(rq) && (prev.index + 1 != p.index || !blk_rq_add_seg(rq, p.virtual, <u32>PAGE_SIZE))) {
      submit_request(rq);
      rq = changetype<request>(0);
    }
    if (!changetype<usize>(rq)) {
      rq = blk_get_request(0, page_dev_off(i, p), end_read_pages.index, changetype<usize>(p));
      if (!changetype<usize>(rq)) { unlock_page(p); continue; }
      blk_rq_add_seg(rq, p.virtual, <u32>PAGE_SIZE);
    } else {
      prev.private_ = changetype<usize>(p);
    }
    p.private_ = 0;
    prev = p;
  }
  if (changetype<usize>(rq)) submit_request(rq);
  return 0;
}

function end_write_page(rq: request, error: i32): void {
  let p = changetype<page>(rq.end_io_data);
  blk_put_request(rq);
  end_page_writeback(p);
}

// Starts writing a locked page under writeback and unlocks it; the interrupt ends the writeback.
// fs/mpage.c (2.6.9): mpage_writepage (one page, one request)
export function simfs_writepage(p: page, wbc: usize): i32 {
  let i = changetype<inode>(p.mapping.host);
  let rq = blk_get_request(1, page_dev_off(i, p), end_write_page.index, changetype<usize>(p));
  if (!changetype<usize>(rq)) { end_page_writeback(p); unlock_page(p); return -ENOMEM; }
  blk_rq_add_seg(rq, p.virtual, <u32>PAGE_SIZE);
  submit_request(rq);
  unlock_page(p);
  return 0;
}

// Makes a page that is about to be partly overwritten hold the rest of its data: whole-page
// writes need nothing, data on the disk is read (synchronously), anything else is zeroed.
// fs/buffer.c (2.6.9): block_prepare_write (one block per page)
export function simfs_prepare_write(filp: file, p: page, from: u32, to: u32): i32 {
  if (PageUptodate(p)) return 0;
  if (from == 0 && to == <u32>PAGE_SIZE) return 0;
  let i = changetype<inode>(p.mapping.host);
  let block = i.i_dev_block + p.index;
  if (blockdev_block_mapped(block) && (<i64>p.index << BLOCK_SHIFT) < i.i_size) {
    let err = blockdev_rw_sync(0, page_dev_off(i, p), p.virtual, <u32>PAGE_SIZE);
    if (err) return -EIO;
  } else {
    memory.fill(p.virtual, 0, PAGE_SIZE);
  }
  SetPageUptodate(p);
  return 0;
}

// The copied bytes are in: dirty the page and grow the file. fs/buffer.c (2.6.9): generic_commit_write
export function simfs_commit_write(filp: file, p: page, from: u32, to: u32): i32 {
  let i = changetype<inode>(p.mapping.host);
  SetPageUptodate(p);
  set_page_dirty(p);
  let pos = (<i64>p.index << BLOCK_SHIFT) + <i64>to;
  if (pos > i.i_size) i.i_size = pos;
  return 0;
}

// fs/ext2/inode.c (2.6.9): ext2_direct_IO, which is blockdev_direct_IO with the fs's block map
export function simfs_direct_IO(rw: i32, iocb: kiocb, iov: iovec, offset: i64, nr_segs: u32): i32 {
  let f = changetype<file>(iocb.ki_filp);
  let i = changetype<inode>(f.f_mapping.host);
  return blockdev_direct_IO(rw, iocb, i, iov, offset, nr_segs);
}

// Data was written by filemap_fdatawrite before this runs; nothing else to flush.
// fs/libfs.c (2.6.9): simple_sync_file
export function simple_sync_file(filp: file, d: dentry, datasync: i32): i32 { return 0; }

// ---- inodes of the filesystem

function simfs_new_inode(mode: u32): inode {
  let i = new_inode();
  if (!changetype<usize>(i)) return i;
  if (next_extent >= (1 << (32 - FILE_EXTENT_SHIFT))) { i.i_nlink = 0; return changetype<inode>(0); }
  i.i_mode = S_IFREG | (mode & 0o7777);
  i.i_fop = simfs_file_operations;
  i.i_mapping.a_ops = simfs_aops;
  i.i_dev_block = (next_extent++) << FILE_EXTENT_SHIFT;
  return i;
}

// Sets the size and drops pages and disk blocks past it. Caller holds i_sem.
// mm/memory.c (2.6.9): vmtruncate (+ the fs's truncate of its blocks)
export function vmtruncate(i: inode, offset: i64): i32 {
  if (offset < 0) return -EINVAL;
  i.i_size = offset;
  truncate_inode_pages(i.i_mapping, offset);
  let from = <u32>((offset + <i64>PAGE_SIZE - 1) >> BLOCK_SHIFT);
  if (i.i_dev_block) blockdev_release_range(i.i_dev_block, from);
  // a partial last block keeps its head on disk; its tail was zeroed in the cache and is
  // written back from there when dirty, or reads back as the old bytes: zero it on disk too
  if (offset & (<i64>PAGE_SIZE - 1)) {
    let block = i.i_dev_block + <u32>(offset >> BLOCK_SHIFT);
    if (blockdev_block_mapped(block)) {
      let tail = <u32>(offset & (<i64>PAGE_SIZE - 1));
      let zeros = get_zeroed_page();
      blockdev_rw_sync(1, (<u64>block << BLOCK_SHIFT) + <u64>tail, zeros, <u32>PAGE_SIZE - tail);
      free_page(zeros);
    }
  }
  return 0;
}

// fs/open.c (2.6.9): do_truncate
export function do_truncate(d: dentry, length: i64): i32 {
  if (length < 0) return -EINVAL;
  let i = d.d_inode;
  down(i.i_sem);
  let err = vmtruncate(i, length);
  up(i.i_sem);
  return err;
}

// ---- open

// A struct file for dentry d opened with flags (the dentry reference passes to the file).
// fs/open.c (2.6.9): dentry_open
export function dentry_open(d: dentry, flags: u32): file {
  let f = get_empty_filp();
  if (!changetype<usize>(f)) { dput(d); return changetype<file>(<usize>-ENFILE); }
  let i = d.d_inode;
  f.f_flags = flags;
  f.f_mode = ((flags + 1) & O_ACCMODE) | FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
  if (f.f_mode & FMODE_WRITE) i.i_writecount++;
  f.f_dentry = d;
  f.f_mapping = i.i_mapping;
  f.f_pos = 0;
  f.f_op = i.i_fop;
  if (changetype<usize>(f.f_op) && f.f_op.open) {
    let error = call_indirect<i32>(f.f_op.open, changetype<usize>(i), changetype<usize>(f));
    if (error) { fput(f); return changetype<file>(<usize>error); }
  }
  f.f_flags &= ~(O_CREAT | O_EXCL | O_TRUNC);
  // O_DIRECT needs a ->direct_IO
  if (f.f_flags & O_DIRECT) {
    let a = f.f_mapping.a_ops;
    if (!changetype<usize>(a) || !a.direct_IO) { fput(f); return changetype<file>(<usize>-EINVAL); }
  }
  return f;
}

// IS_ERR for our file pointers: small negative numbers.
// @ts-ignore: decorator
@inline export function IS_ERR(p: usize): bool { return p >= <usize>-4095; }

// Looks the name up, creating or truncating as flags say, and opens it.
// fs/open.c + fs/namei.c (2.6.9): filp_open, open_namei
export function filp_open(name: usize, len: u32, flags: u32, mode: u32): file {
  let acc = (flags + 1) & O_ACCMODE;
  if (flags & O_TRUNC) acc |= FMODE_WRITE;
  down(dir_sem);
  let d = d_lookup(name, len);
  if (changetype<usize>(d)) {
    if ((flags & O_CREAT) && (flags & O_EXCL)) { up(dir_sem); return changetype<file>(<usize>-EEXIST); }
    dget(d);
  } else {
    if (!(flags & O_CREAT)) { up(dir_sem); return changetype<file>(<usize>-ENOENT); }
    let i = simfs_new_inode(mode);
    if (!changetype<usize>(i)) { up(dir_sem); return changetype<file>(<usize>-ENOSPC); }
    d = d_alloc(name, len);
    if (!changetype<usize>(d)) { up(dir_sem); return changetype<file>(<usize>-ENOMEM); }
    d_instantiate(d, i);
    list_add_tail(d.d_child, dir_list);   // the directory keeps this first reference
    nr_dir_entries++;
    dget(d);
    flags &= ~O_TRUNC;                   // a new file is empty already
  }
  up(dir_sem);
  if ((flags & O_TRUNC) && (acc & FMODE_WRITE)) {
    let err = do_truncate(d, 0);
    if (err) { dput(d); return changetype<file>(<usize>err); }
  }
  return dentry_open(d, flags);
}

// Copies a path from user memory; returns its length or a negative errno.
// fs/namei.c (2.6.9): getname / do_getname
const name_area = memory.data(PATH_MAX);
function getname(upath: usize, dst: usize): i32 {
  let n = strncpy_from_user(dst, upath, PATH_MAX);
  if (n < 0) return n;
  if (n >= PATH_MAX) return -ENAMETOOLONG;
  if (n == 0) return -ENOENT;
  // one flat directory: skip leading slashes
  let off = 0;
  while (off < n && load<u8>(dst + <usize>off) == 0x2f) off++;
  if (off == n) return -EISDIR;
  if (off) memory.copy(dst, dst + <usize>off, <usize>(n - off));
  return n - off;
}

// The path buffer lives on the task's kernel stack while the call runs (it may sleep).
// @ts-ignore: decorator
@inline function kstack_alloc(n: usize): usize {
  let sp = arch.c_stack_pointer - ((n + 7) & ~7);
  if (sp < current.thread.c_base - 8192) BUG("open: kernel stack overflow");
  arch.c_stack_pointer = sp;
  return sp;
}
// @ts-ignore: decorator
@inline function kstack_free(n: usize): void { arch.c_stack_pointer += (n + 7) & ~7; }

// fs/open.c (2.6.9): sys_open
export function sys_open(filename: usize, flags: u32, mode: u32): i32 {
  let tmp = kstack_alloc(<usize>PATH_MAX);
  let fd = getname(filename, tmp);
  if (fd >= 0) {
    let len = <u32>fd;
    fd = get_unused_fd();
    if (fd >= 0) {
      let f = filp_open(tmp, len, flags, mode);
      if (IS_ERR(changetype<usize>(f))) {
        put_unused_fd(fd);
        fd = <i32>changetype<usize>(f);
      } else {
        fd_install(fd, f);
      }
    }
  }
  kstack_free(<usize>PATH_MAX);
  return fd;
}

// Flushes and drops a file the descriptor table let go of. fs/open.c (2.6.9): filp_close
export function filp_close(filp: file, id: files_struct): i32 {
  let retval = 0;
  if (!file_count(filp)) {
    printk(KERN_ERR, "VFS: Close: file count is 0");
    return 0;
  }
  if (changetype<usize>(filp.f_op) && filp.f_op.flush) retval = call_indirect<i32>(filp.f_op.flush, changetype<usize>(filp));
  fput(filp);
  return retval;
}

// fs/open.c (2.6.9): sys_close
export function sys_close(fd: u32): i32 {
  let f = fd_remove(fd);
  if (!changetype<usize>(f)) return -EBADF;
  return filp_close(f, changetype<files_struct>(current.files));
}

// Removes a name; the inode goes when its last open file does. fs/namei.c (2.6.9): sys_unlink
export function sys_unlink(pathname: usize): i32 {
  let tmp = kstack_alloc(<usize>PATH_MAX);
  let error = getname(pathname, tmp);
  if (error >= 0) {
    let len = <u32>error;
    down(dir_sem);
    let d = d_lookup(tmp, len);
    if (!changetype<usize>(d)) {
      error = -ENOENT;
      up(dir_sem);
    } else {
      list_del_init(d.d_child);
      nr_dir_entries--;
      d.d_inode.i_nlink = 0;
      up(dir_sem);
      dput(d);                          // the directory's reference
      error = 0;
    }
  }
  kstack_free(<usize>PATH_MAX);
  return error;
}

// The length arrives as an unsigned long, so it is never negative here; above 2^31-1 it is refused
// unless the file was opened O_LARGEFILE. fs/open.c (2.6.9): sys_ftruncate, do_sys_ftruncate
const MAX_NON_LFS: i64 = 0x7fffffff;
export function sys_ftruncate(fd: u32, length_: u32): i32 {
  let length = <i64>length_;
  let small = true;
  let f = fget(fd);
  if (!changetype<usize>(f)) return -EBADF;
  if (f.f_flags & O_LARGEFILE) small = false;
  let d = f.f_dentry;
  let i = d.d_inode;
  let error = -EINVAL;
  if (S_ISREG(i.i_mode) && (f.f_mode & FMODE_WRITE) && !(small && length > MAX_NON_LFS))
    error = do_truncate(d, length);
  fput(f);
  return error;
}

// Writes the file's dirty pages and waits for them. fs/buffer.c (2.6.9): sys_fsync
export function sys_fsync(fd: u32): i32 {
  let f = fget(fd);
  if (!changetype<usize>(f)) return -EBADF;
  let ret = -EINVAL;
  if (changetype<usize>(f.f_op) && f.f_op.fsync) {
    let mapping = f.f_mapping;
    let i = f.f_dentry.d_inode;
    ret = filemap_fdatawrite(mapping);
    down(i.i_sem);
    let err = call_indirect<i32>(f.f_op.fsync, changetype<usize>(f), changetype<usize>(f.f_dentry), 0);
    if (!ret) ret = err;
    up(i.i_sem);
    err = filemap_fdatawait(mapping);
    if (!ret) ret = err;
  }
  fput(f);
  return ret;
}

export const F_GETFL: u32 = 3;
export const F_SETFL: u32 = 4;
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_DIRECT;

// fcntl(2), the two commands the simulator needs: read and change the status flags.
// fs/fcntl.c (2.6.9): sys_fcntl, do_fcntl, setfl
export function sys_fcntl(fd: u32, cmd: u32, arg: u32): i32 {
  let f = fget(fd);
  if (!changetype<usize>(f)) return -EBADF;
  let err = -EINVAL;
  if (cmd == F_GETFL) {
    err = <i32>f.f_flags;
  } else if (cmd == F_SETFL) {
    err = 0;
    // O_DIRECT can only be turned on where the mapping has ->direct_IO
    if ((arg & O_DIRECT) && !(f.f_flags & O_DIRECT)) {
      let a = f.f_mapping.a_ops;
      if (!changetype<usize>(f.f_mapping) || !changetype<usize>(a) || !a.direct_IO) err = -EINVAL;
    }
    if (!err) f.f_flags = (arg & SETFL_MASK) | (f.f_flags & ~SETFL_MASK);
  }
  fput(f);
  return err;
}

// Drops every clean page of every file from the cache (what `echo 1 > drop_caches` does in later
// kernels): lets a test or workload start cold. Returns pages freed.
export function drop_pagecache(): u32 {
  // Called by the host between runs: borrow current's kernel stack below its saved pointer.
  let saved = arch.c_stack_pointer;
  if (!in_task) arch.c_stack_pointer = current.thread.c_sp;
  let n: u32 = 0;
  let h = inode_in_use;
  for (let l = h.next; l !== h; l = l.next) {
    let i = inode_of_i_list(l);
    if (S_ISREG(i.i_mode)) n += invalidate_mapping_pages(i.i_mapping);
  }
  arch.c_stack_pointer = saved;
  return n;
}

// Boot: every fs piece, the method tables, the directory.
export function fs_init(): void {
  if (!fs_layout_check()) BUG("fs: struct layouts differ from include/linux/fs.ts diagrams");
  filemap_init();
  inode_init();
  files_init();
  set_filp_close(filp_close.index);
  pipe_init();
  blockdev_init();
  dio_init();
  init_MUTEX(dir_sem, lock_class_register("simfs.dir_sem"));
  INIT_LIST_HEAD(dir_list);
  let a = simfs_aops;
  a.readpage = simfs_readpage.index;
  a.readpages = simfs_readpages.index;
  a.writepage = simfs_writepage.index;
  a.prepare_write = simfs_prepare_write.index;
  a.commit_write = simfs_commit_write.index;
  a.direct_IO = simfs_direct_IO.index;
  let o = simfs_file_operations;
  o.read = generic_file_read.index;
  o.aio_read = generic_file_aio_read.index;
  o.write = generic_file_write.index;
  o.aio_write = generic_file_aio_write.index;
  o.fsync = simple_sync_file.index;
}
