// The VFS objects of include/linux/fs.h and include/linux/dcache.h (2.6.9), cut to the fields the
// simulator uses, kept in i386 order and sizes (pointers, longs, size_t: 4 bytes; a loff_t inside a
// struct is only 4-aligned on i386, so a loff_t that C has at a non-multiple of 8 is kept as lo/hi
// words with an accessor). Function pointers are u32 function-table indices, 0 = NULL.
import { list_head } from "./list";
import { spinlock_t } from "./spinlock";
import { semaphore } from "../../kernel/semaphore";

// ---- open flags (include/asm-i386/fcntl.h, octal as there)
export const O_ACCMODE: u32 = 0o3;
export const O_RDONLY: u32 = 0o0;
export const O_WRONLY: u32 = 0o1;
export const O_RDWR: u32 = 0o2;
export const O_CREAT: u32 = 0o100;
export const O_EXCL: u32 = 0o200;
export const O_NOCTTY: u32 = 0o400;
export const O_TRUNC: u32 = 0o1000;
export const O_APPEND: u32 = 0o2000;
export const O_NONBLOCK: u32 = 0o4000;
export const O_SYNC: u32 = 0o10000;
export const O_DIRECT: u32 = 0o40000;
export const O_LARGEFILE: u32 = 0o100000;
export const O_DIRECTORY: u32 = 0o200000;

// ---- file modes
export const FMODE_READ: u32 = 1;
export const FMODE_WRITE: u32 = 2;
export const FMODE_LSEEK: u32 = 4;
export const FMODE_PREAD: u32 = 8;
export const FMODE_PWRITE: u32 = FMODE_PREAD;

export const READ: i32 = 0;
export const WRITE: i32 = 1;

// ---- inode types (include/linux/stat.h)
export const S_IFMT: u32 = 0o170000;
export const S_IFREG: u32 = 0o100000;
export const S_IFIFO: u32 = 0o10000;
export const S_IFBLK: u32 = 0o60000;
export const S_IRUSR: u32 = 0o400;
export const S_IWUSR: u32 = 0o200;
// @ts-ignore: decorator
@inline export function S_ISREG(m: u32): bool { return (m & S_IFMT) == S_IFREG; }
// @ts-ignore: decorator
@inline export function S_ISFIFO(m: u32): bool { return (m & S_IFMT) == S_IFIFO; }

export const INR_OPEN: i32 = 1024;      // RLIMIT_NOFILE a task starts with
export const NR_FILE: i32 = 8192;       // files_stat.max_files
export const NR_OPEN: i32 = 1024 * 1024;

// Kernel-internal: the syscall would be restarted after a handler. Our signals have no
// handlers and do not restart, so the syscall layer turns it into -EINTR (see fs/read_write.ts).
export const ERESTARTSYS: i32 = 512;

// struct file_operations — 100 bytes, 25 slots in 2.6.9 order, each a function-table index
//   0 owner  4 llseek  8 read  12 aio_read  16 write  20 aio_write  24 readdir  28 poll
//  32 ioctl  36 mmap  40 open  44 flush  48 release  52 fsync  56 aio_fsync  60 fasync
//  64 lock  68 readv  72 writev  76 sendfile  80 sendpage  84 get_unmapped_area
//  88 check_flags  92 dir_notify  96 flock
// Signatures (AS): llseek(file, off: i64, origin: i32): i64; read(file, buf, count, ppos): i32;
// aio_read(kiocb, buf, count, pos: i64): i32; write/aio_write likewise; poll(file, pt): u32;
// open(inode, file): i32; flush(file): i32; release(inode, file): i32;
// fsync(file, dentry, datasync: i32): i32; aio_fsync(kiocb, datasync: i32): i32.
// @ts-ignore: decorator
@unmanaged export class file_operations {
  owner: usize;
  llseek: u32;
  read: u32;
  aio_read: u32;
  write: u32;
  aio_write: u32;
  readdir: u32;
  poll: u32;
  ioctl: u32;
  mmap: u32;
  open: u32;
  flush: u32;
  release: u32;
  fsync: u32;
  aio_fsync: u32;
  fasync: u32;
  lock: u32;
  readv: u32;
  writev: u32;
  sendfile: u32;
  sendpage: u32;
  get_unmapped_area: u32;
  check_flags: u32;
  dir_notify: u32;
  flock: u32;
}

// struct address_space_operations — 48 bytes, 2.6.9 order
//   0 writepage  4 readpage  8 sync_page  12 writepages  16 set_page_dirty  20 readpages
//  24 prepare_write  28 commit_write  32 bmap  36 invalidatepage  40 releasepage  44 direct_IO
// writepage(page, wbc): i32; readpage(file, page): i32; sync_page(page): i32;
// direct_IO(rw, kiocb, iov, offset: i64, nr_segs): i32.
// @ts-ignore: decorator
@unmanaged export class address_space_operations {
  writepage: u32;
  readpage: u32;
  sync_page: u32;
  writepages: u32;
  set_page_dirty: u32;
  readpages: u32;
  prepare_write: u32;
  commit_write: u32;
  bmap: u32;
  invalidatepage: u32;
  releasepage: u32;
  direct_IO: u32;
}

// struct address_space (subset) — 44 bytes
//   0 host   4 page_tree {height 4, gfp_mask 8, rnode 12}   16 tree_lock (8)   24 nrpages
//  28 a_ops  32 flags   36 dirty_pages (8)
// page_tree is a radix tree of struct page (mm/filemap.ts). Dirty pages sit on dirty_pages
// (the 2.6.5 scheme) rather than being tagged in the tree as 2.6.9 does; see storage-model.md.
// @ts-ignore: decorator
@unmanaged export class address_space {
  host: usize;               // struct inode *
  page_tree_height: u32;
  page_tree_gfp_mask: u32;
  page_tree_rnode: usize;
  tree_lock_slock: u32;
  tree_lock_dep: u32;
  nrpages: u32;
  a_ops: address_space_operations;
  flags: u32;
  dirty_pages_next: usize;
  dirty_pages_prev: usize;

  // @ts-ignore: decorator
  @inline get tree_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<address_space>("tree_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get page_tree(): usize { return changetype<usize>(this) + offsetof<address_space>("page_tree_height"); }
  // @ts-ignore: decorator
  @inline get dirty_pages(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<address_space>("dirty_pages_next"));
  }
}

// struct inode (subset) — 140 bytes
//   0 i_list (8)   8 i_ino   12 i_count   16 i_mode   20 i_nlink   24 i_size (8)   32 i_blkbits
//  36 i_blocks    40 i_sem (24)          64 i_fop    68 i_mapping  72 i_data (44)
// 116 i_pipe     120 i_bdev  124 i_state  128 i_writecount  132 i_flags  136 i_dev_block
// i_dev_block is ours: the first block of the file's extent on the block device (see
// storage-model.md); 2.6.9 finds blocks through the filesystem's get_block.
// @ts-ignore: decorator
@unmanaged export class inode {
  i_list_next: usize;
  i_list_prev: usize;
  i_ino: u32;
  i_count: i32;
  i_mode: u32;
  i_nlink: u32;
  i_size: i64;
  i_blkbits: u32;
  i_blocks: u32;
  i_sem_count: i32;
  i_sem_sleepers: i32;
  i_sem_wait_lock_slock: u32;
  i_sem_wait_lock_dep: u32;
  i_sem_wait_task_list_next: usize;
  i_sem_wait_task_list_prev: usize;
  i_fop: file_operations;
  i_mapping: address_space;
  i_data_host: usize;
  i_data_page_tree_height: u32;
  i_data_page_tree_gfp_mask: u32;
  i_data_page_tree_rnode: usize;
  i_data_tree_lock_slock: u32;
  i_data_tree_lock_dep: u32;
  i_data_nrpages: u32;
  i_data_a_ops: usize;
  i_data_flags: u32;
  i_data_dirty_pages_next: usize;
  i_data_dirty_pages_prev: usize;
  i_pipe: usize;             // struct pipe_inode_info *
  i_bdev: usize;             // struct block_device *
  i_state: u32;
  i_writecount: i32;
  i_flags: u32;
  i_dev_block: u32;

  // @ts-ignore: decorator
  @inline get i_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<inode>("i_list_next"));
  }
  // @ts-ignore: decorator
  @inline get i_sem(): semaphore {
    return changetype<semaphore>(changetype<usize>(this) + offsetof<inode>("i_sem_count"));
  }
  // @ts-ignore: decorator
  @inline get i_data(): address_space {
    return changetype<address_space>(changetype<usize>(this) + offsetof<inode>("i_data_host"));
  }
}
// @ts-ignore: decorator
@inline export function inode_of_i_list(l: list_head): inode {
  return changetype<inode>(changetype<usize>(l) - offsetof<inode>("i_list_next"));
}

// struct dentry (subset) — 28 bytes
//   0 d_count   4 d_flags   8 d_inode   12 d_name.name   16 d_name.len   20 d_child (8)
// The simulator has one flat directory: d_child links a name into it; pipes get a nameless one.
// @ts-ignore: decorator
@unmanaged export class dentry {
  d_count: i32;
  d_flags: u32;
  d_inode: inode;
  d_name: usize;             // bytes, not NUL-terminated
  d_name_len: u32;
  d_child_next: usize;
  d_child_prev: usize;

  // @ts-ignore: decorator
  @inline get d_child(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<dentry>("d_child_next"));
  }
}
// @ts-ignore: decorator
@inline export function dentry_of_d_child(l: list_head): dentry {
  return changetype<dentry>(changetype<usize>(l) - offsetof<dentry>("d_child_next"));
}

// struct file (subset) — 64 bytes
//   0        8        12       16       20       24       28       32       36                44
//   +--------+--------+--------+--------+--------+--------+--------+--------+--------+--------+
//   |  f_list         |f_dentry|f_vfsmnt|  f_op  |f_count |f_flags | f_mode |f_error | f_pos (8) |
//   +--------+--------+--------+--------+--------+--------+--------+--------+--------+--------+
//   44       48       52       56       60       64
//   +--------+--------+--------+--------+--------+
//   | f_uid  | f_gid  |f_versn |priv_dat|f_mappng|
//   +--------+--------+--------+--------+--------+
// 2.6.9 has f_owner, f_ra, f_security and the epoll links between f_pos and private_data; we
// leave them out (no fasync, readahead or epoll in the simulator).
// @ts-ignore: decorator
@unmanaged export class file {
  f_list_next: usize;
  f_list_prev: usize;
  f_dentry: dentry;
  f_vfsmnt: usize;
  f_op: file_operations;
  f_count: i32;              // atomic_t
  f_flags: u32;
  f_mode: u32;
  f_error: i32;
  f_pos_lo: u32;
  f_pos_hi: u32;
  f_uid: u32;
  f_gid: u32;
  f_version: u32;
  private_data: usize;
  f_mapping: address_space;

  // @ts-ignore: decorator
  @inline get f_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<file>("f_list_next"));
  }
  // &file->f_pos, the loff_t * the read/write methods take
  // @ts-ignore: decorator
  @inline get f_pos_ptr(): usize { return changetype<usize>(this) + offsetof<file>("f_pos_lo"); }
  // @ts-ignore: decorator
  @inline get f_pos(): i64 { return load<i64>(changetype<usize>(this) + offsetof<file>("f_pos_lo")); }
  // @ts-ignore: decorator
  @inline set f_pos(v: i64) { store<i64>(changetype<usize>(this) + offsetof<file>("f_pos_lo"), v); }
}
// @ts-ignore: decorator
@inline export function file_of_f_list(l: list_head): file {
  return changetype<file>(changetype<usize>(l) - offsetof<file>("f_list_next"));
}
// file->f_dentry->d_inode
// @ts-ignore: decorator
@inline export function file_inode(f: file): inode { return f.f_dentry.d_inode; }

// Layout self-check run at fs init: the offsets the diagrams promise.
export function fs_layout_check(): bool {
  return offsetof<file>("f_op") == 16 && offsetof<file>("f_count") == 20 && offsetof<file>("f_pos_lo") == 36 &&
    offsetof<file>("private_data") == 56 && offsetof<file>("f_mapping") == 60 && offsetof<file>() == 64 &&
    offsetof<file_operations>("read") == 8 && offsetof<file_operations>("aio_read") == 12 &&
    offsetof<file_operations>("release") == 48 && offsetof<file_operations>("aio_fsync") == 56 &&
    offsetof<file_operations>() == 100 && offsetof<address_space_operations>() == 48 &&
    offsetof<address_space>() == 44 && offsetof<inode>("i_size") == 24 && offsetof<inode>("i_sem_count") == 40 &&
    offsetof<inode>("i_data_host") == 72 && offsetof<inode>("i_pipe") == 116 && offsetof<inode>() == 140 &&
    offsetof<dentry>() == 28;
}
