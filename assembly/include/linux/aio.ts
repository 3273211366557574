// The kernel side of AIO (include/linux/aio.h of 2.6.9): struct kiocb, struct kioctx with its
// embedded aio_ring_info, the ring header as it sits in the first mapped page, the KIF_* bits,
// sync kiocbs, and the get_ioctx/put_ioctx reference macros. Layouts are i386: pointers and
// longs are 4 bytes, and a u64 inside a struct is only 4-aligned, so the two u64 fields of
// kiocb are kept as lo/hi words with accessors to stay where C has them.
import { list_head, INIT_LIST_HEAD } from "./list";
import { spinlock_t } from "./spinlock";
import { wait_queue_t, wait_queue_head_t } from "./wait";
import { task_struct, mm_struct } from "./sched";
import { work_struct } from "./workqueue";
import { current } from "../../kernel/cpu";
import { BUG } from "../../kernel/panic";
import { test_and_set_bit, set_bit, clear_bit, test_bit } from "./bitops";
import { init_wait } from "../../kernel/wait";
import { __put_ioctx, default_kioctx } from "../../fs/aio";

export const AIO_MAXSEGS: i32 = 4;            // declared by 2.6.9, unused
export const AIO_KIOGRP_NR_ATOMIC: i32 = 8;   // declared by 2.6.9, unused

export const KIOCB_C_CANCELLED: i32 = 0x01;   // declared, unused by aio.c
export const KIOCB_C_COMPLETE: i32 = 0x02;    // declared, unused by aio.c

export const KIOCB_SYNC_KEY: u32 = 0xffffffff;

// ki_flags bits
export const KIF_LOCKED: i32 = 0;
export const KIF_KICKED: i32 = 1;
export const KIF_CANCELLED: i32 = 2;

// struct kiocb — 120 bytes
//   0                 8        12       16       20       24       28       32       36
//   +--------+--------+--------+--------+--------+--------+--------+--------+--------+
//   |   ki_run_list   |ki_flags|ki_users| ki_key |ki_filp | ki_ctx |ki_cancl|ki_retry|
//   +--------+--------+--------+--------+--------+--------+--------+--------+--------+
//   36       40                48       52                60                68   70  72
//   +--------+--------+--------+--------+--------+--------+--------+--------+----+---+
//   |ki_dtor |     ki_list     | ki_obj |  ki_user_data   |     ki_pos      |opc |pad|
//   +--------+--------+--------+--------+--------+--------+--------+--------+----+---+
//   72       76       80       84                                  104      108
//   +--------+--------+--------+-----------------------------------+--------+
//   |ki_nbyts| ki_buf |ki_left |        ki_wait (wait_queue_t)     |retried |
//   +--------+--------+--------+-----------------------------------+--------+
//   108      112      116      120
//   +--------+--------+--------+
//   |kicked  |queued  |private |
//   +--------+--------+--------+
// ki_run_list has three states: self-linked (idle, kickable), on ctx.run_list (queued), both
// pointers 0 (a retry is running: kicks only set KIF_KICKED). ki_users is a plain int guarded
// by ctx_lock. ki_cancel/ki_retry/ki_dtor are function-table indices. ki_obj is the user iocb
// address for aio, the owning task for a sync kiocb.
// @ts-ignore: decorator
@unmanaged export class kiocb {
  ki_run_list_next: usize;
  ki_run_list_prev: usize;
  ki_flags: u32;
  ki_users: i32;
  ki_key: u32;
  ki_filp: usize;            // struct file *
  ki_ctx: kioctx;
  ki_cancel: u32;            // (kiocb, io_event*) => i32
  ki_retry: u32;             // (kiocb) => isize
  ki_dtor: u32;              // (kiocb) => void
  ki_list_next: usize;
  ki_list_prev: usize;
  ki_obj: usize;             // union { void __user *user; task_struct *tsk; }
  ki_user_data_lo: u32;
  ki_user_data_hi: u32;
  ki_pos_lo: u32;
  ki_pos_hi: u32;
  ki_opcode: u16;
  ki_nbytes: u32;            // size_t
  ki_buf: u32;               // char __user *: remaining buffer
  ki_left: u32;              // size_t: remaining bytes
  ki_wait_flags: u32;
  ki_wait_task: usize;
  ki_wait_func: u32;
  ki_wait_task_list_next: usize;
  ki_wait_task_list_prev: usize;
  ki_retried: i32;
  ki_kicked: i32;
  ki_queued: i32;
  private_: usize;           // `private` in C (a reserved word here)

  // @ts-ignore: decorator
  @inline get ki_run_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<kiocb>("ki_run_list_next"));
  }
  // @ts-ignore: decorator
  @inline get ki_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<kiocb>("ki_list_next"));
  }
  // @ts-ignore: decorator
  @inline get ki_wait(): wait_queue_t {
    return changetype<wait_queue_t>(changetype<usize>(this) + offsetof<kiocb>("ki_wait_flags"));
  }
  // @ts-ignore: decorator
  @inline get ki_flags_addr(): usize { return changetype<usize>(this) + offsetof<kiocb>("ki_flags"); }
  // @ts-ignore: decorator
  @inline get ki_user_data(): u64 { return load<u64>(changetype<usize>(this) + offsetof<kiocb>("ki_user_data_lo")); }
  // @ts-ignore: decorator
  @inline set ki_user_data(v: u64) { store<u64>(changetype<usize>(this) + offsetof<kiocb>("ki_user_data_lo"), v); }
  // @ts-ignore: decorator
  @inline get ki_pos(): i64 { return load<i64>(changetype<usize>(this) + offsetof<kiocb>("ki_pos_lo")); }
  // @ts-ignore: decorator
  @inline set ki_pos(v: i64) { store<i64>(changetype<usize>(this) + offsetof<kiocb>("ki_pos_lo"), v); }
  // @ts-ignore: decorator
  @inline get ki_obj_tsk(): task_struct { return changetype<task_struct>(this.ki_obj); }
}
export const KIOCB_SIZE: usize = 120;

// list_kiocb(): the kiocb whose ki_list is h
// @ts-ignore: decorator
@inline export function list_kiocb(h: list_head): kiocb {
  return changetype<kiocb>(changetype<usize>(h) - offsetof<kiocb>("ki_list_next"));
}
// the kiocb whose ki_run_list is h
// @ts-ignore: decorator
@inline export function run_list_kiocb(h: list_head): kiocb {
  return changetype<kiocb>(changetype<usize>(h) - offsetof<kiocb>("ki_run_list_next"));
}
// io_wait_to_kiocb(): the kiocb whose ki_wait is w
// @ts-ignore: decorator
@inline export function io_wait_to_kiocb(w: wait_queue_t): kiocb {
  return changetype<kiocb>(changetype<usize>(w) - offsetof<kiocb>("ki_wait_flags"));
}

// The kiocbTry*/Set*/Clear*/Is* macros of aio.h: atomic bit operations on ki_flags (each an
// interleave point, as the bitops are).
// @ts-ignore: decorator
@inline export function kiocbTryLock(k: kiocb): i32 { return test_and_set_bit(KIF_LOCKED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbTryKick(k: kiocb): i32 { return test_and_set_bit(KIF_KICKED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbSetLocked(k: kiocb): void { set_bit(KIF_LOCKED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbSetKicked(k: kiocb): void { set_bit(KIF_KICKED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbSetCancelled(k: kiocb): void { set_bit(KIF_CANCELLED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbClearLocked(k: kiocb): void { clear_bit(KIF_LOCKED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbClearKicked(k: kiocb): void { clear_bit(KIF_KICKED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbClearCancelled(k: kiocb): void { clear_bit(KIF_CANCELLED, k.ki_flags_addr); }
// @ts-ignore: decorator
@inline export function kiocbIsLocked(k: kiocb): bool { return test_bit(KIF_LOCKED, k.ki_flags_addr) != 0; }
// @ts-ignore: decorator
@inline export function kiocbIsKicked(k: kiocb): bool { return test_bit(KIF_KICKED, k.ki_flags_addr) != 0; }
// @ts-ignore: decorator
@inline export function kiocbIsCancelled(k: kiocb): bool { return test_bit(KIF_CANCELLED, k.ki_flags_addr) != 0; }

// @ts-ignore: decorator
@inline export function is_sync_kiocb(k: kiocb): bool { return k.ki_key == KIOCB_SYNC_KEY; }
// @ts-ignore: decorator
@inline export function is_retried_kiocb(k: kiocb): bool { return k.ki_retried > 1; }

// Prepares an on-stack (here: caller-owned) kiocb for a synchronous read or write: one user,
// the sync key, owned by current, its wait entry an ordinary task entry. 2.6.9 points ki_ctx
// at current->active_mm->default_kioctx; our mm_struct has no such member, so every sync
// kiocb shares the one default_kioctx that aio_setup() initialises (only its ctx_lock is
// ever used, by aio_complete's shared-reference path).
export function init_sync_kiocb(x: kiocb, filp: usize): void {
  let tsk = current;
  x.ki_flags = 0;
  x.ki_users = 1;
  x.ki_key = KIOCB_SYNC_KEY;
  x.ki_filp = filp;
  x.ki_ctx = default_kioctx;
  x.ki_cancel = 0;
  x.ki_dtor = 0;
  x.ki_obj = changetype<usize>(tsk);
  x.ki_user_data = 0;
  init_wait(x.ki_wait);
}

export const AIO_RING_MAGIC: u32 = 0xa10a10a1;
export const AIO_RING_COMPAT_FEATURES: u32 = 1;
export const AIO_RING_INCOMPAT_FEATURES: u32 = 0;

// struct aio_ring — the 32-byte header at the start of the ring's first page; the io_event
// slots follow it (event n at byte 32 + 32*n of the mapping, across page boundaries).
//   0      4      8      12     16     20        24          28          32
//   +------+------+------+------+------+---------+-----------+-----------+
//   |  id  |  nr  | head | tail |magic |compat_f |incompat_f |header_len |
//   +------+------+------+------+------+---------+-----------+-----------+
// head and tail are user-writable; the kernel keeps trusted copies of nr and tail.
// @ts-ignore: decorator
@unmanaged export class aio_ring {
  id: u32;
  nr: u32;
  head: u32;
  tail: u32;
  magic: u32;
  compat_features: u32;
  incompat_features: u32;
  header_length: u32;
}
export const AIO_RING_HEADER_SIZE: u32 = 32;

export const AIO_RING_PAGES: i32 = 8;

// struct aio_ring_info — 64 bytes (embedded in kioctx at 68)
//   0          4          8           12             20         24   28     32
//   +----------+----------+-----------+--------------+----------+----+------+
//   |mmap_base |mmap_size |ring_pages |  ring_lock   | nr_pages | nr | tail |
//   +----------+----------+-----------+--------------+----------+----+------+
//   32                                                                      64
//   +-----------------------------------------------------------------------+
//   |                 internal_pages[AIO_RING_PAGES]                        |
//   +-----------------------------------------------------------------------+
// A "struct page *" here is the frame's linear-memory address; kmap is the identity.
// @ts-ignore: decorator
@unmanaged export class aio_ring_info {
  mmap_base: u32;
  mmap_size: u32;
  ring_pages: usize;          // usize[nr_pages]: internal_pages or a kmalloc'ed array
  ring_lock_slock: u32;
  ring_lock_dep: u32;
  nr_pages: i32;
  nr: u32;
  tail: u32;
  internal_pages0: usize;
  internal_pages1: usize;
  internal_pages2: usize;
  internal_pages3: usize;
  internal_pages4: usize;
  internal_pages5: usize;
  internal_pages6: usize;
  internal_pages7: usize;

  // @ts-ignore: decorator
  @inline get ring_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<aio_ring_info>("ring_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get internal_pages(): usize {
    return changetype<usize>(this) + offsetof<aio_ring_info>("internal_pages0");
  }
  // @ts-ignore: decorator
  @inline ring_page(i: u32): usize { return load<usize>(this.ring_pages + (<usize>i << 2)); }
}

// aio_ring_avail(): free event slots as the (user-visible) head and tail say
// @ts-ignore: decorator
@inline export function aio_ring_avail(info: aio_ring_info, ring: aio_ring): u32 {
  return (ring.head + info.nr - 1 - ring.tail) % info.nr;
}

// struct kioctx — 136 bytes + sizeof(work_struct)
//   0       4       8       12       16       20                36              44
//   +-------+-------+-------+--------+--------+-----------------+---------------+
//   | users | dead  |  mm   |user_id |  next  | wait (wq head)  |   ctx_lock    |
//   +-------+-------+-------+--------+--------+-----------------+---------------+
//   44         48            56            64         68                 132      136
//   +----------+-------------+-------------+----------+-----------------+--------+----
//   |reqs_activ| active_reqs |  run_list   | max_reqs | ring_info (64)  |running | wq
//   +----------+-------------+-------------+----------+-----------------+--------+----
// users is an atomic_t; reqs_active, active_reqs, run_list and ring_info.tail are guarded by
// ctx_lock (taken irq-safe). next links the mm's ioctx_list under mm->ioctx_list_lock.
// `running` is not in 2.6.9: it is the reconstructed per-context runner flag of seed
// optimisation 3 (docs/opt3-reconstruction.md), read only when that switch is on.
// wq is the embedded work_struct (with its own timer in 2.6.9); its size comes from
// include/linux/workqueue.ts, so it is the tail of the object, as it is the last member in C.
// @ts-ignore: decorator
@unmanaged export class kioctx {
  users: i32;
  dead: i32;
  mm: mm_struct;
  user_id: u32;
  next: kioctx;
  wait_lock_slock: u32;
  wait_lock_dep: u32;
  wait_task_list_next: usize;
  wait_task_list_prev: usize;
  ctx_lock_slock: u32;
  ctx_lock_dep: u32;
  reqs_active: i32;
  active_reqs_next: usize;
  active_reqs_prev: usize;
  run_list_next: usize;
  run_list_prev: usize;
  max_reqs: u32;
  ri_mmap_base: u32;
  ri_mmap_size: u32;
  ri_ring_pages: usize;
  ri_ring_lock_slock: u32;
  ri_ring_lock_dep: u32;
  ri_nr_pages: i32;
  ri_nr: u32;
  ri_tail: u32;
  ri_internal_pages0: usize;
  ri_internal_pages1: usize;
  ri_internal_pages2: usize;
  ri_internal_pages3: usize;
  ri_internal_pages4: usize;
  ri_internal_pages5: usize;
  ri_internal_pages6: usize;
  ri_internal_pages7: usize;
  running: i32;              // seed opt 3 only (reconstructed); not a 2.6.9 member

  // @ts-ignore: decorator
  @inline get wait(): wait_queue_head_t {
    return changetype<wait_queue_head_t>(changetype<usize>(this) + offsetof<kioctx>("wait_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get ctx_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<kioctx>("ctx_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get active_reqs(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<kioctx>("active_reqs_next"));
  }
  // @ts-ignore: decorator
  @inline get run_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<kioctx>("run_list_next"));
  }
  // @ts-ignore: decorator
  @inline get ring_info(): aio_ring_info {
    return changetype<aio_ring_info>(changetype<usize>(this) + offsetof<kioctx>("ri_mmap_base"));
  }
  // @ts-ignore: decorator
  @inline get wq(): work_struct {
    return changetype<work_struct>(changetype<usize>(this) + offsetof<kioctx>());
  }
}

// sizeof(struct kioctx): the fields above plus the embedded work_struct
// @ts-ignore: decorator
@inline export function sizeof_kioctx(): usize { return offsetof<kioctx>() + offsetof<work_struct>(); }

// the kioctx whose embedded wq is w (container_of)
// @ts-ignore: decorator
@inline export function wq_kioctx(w: work_struct): kioctx {
  return changetype<kioctx>(changetype<usize>(w) - offsetof<kioctx>());
}

// Layout self-check run by aio_setup(): the offsets drawn above.
export function aio_layout_check(): bool {
  return offsetof<kiocb>() == KIOCB_SIZE &&
    offsetof<kiocb>("ki_list_next") == 40 && offsetof<kiocb>("ki_user_data_lo") == 52 &&
    offsetof<kiocb>("ki_pos_lo") == 60 && offsetof<kiocb>("ki_opcode") == 68 &&
    offsetof<kiocb>("ki_nbytes") == 72 && offsetof<kiocb>("ki_wait_flags") == 84 &&
    offsetof<kiocb>("ki_retried") == 104 && offsetof<kiocb>("private_") == 116 &&
    offsetof<aio_ring>() == <usize>AIO_RING_HEADER_SIZE && offsetof<aio_ring_info>() == 64 &&
    offsetof<kioctx>("wait_lock_slock") == 20 && offsetof<kioctx>("ctx_lock_slock") == 36 &&
    offsetof<kioctx>("reqs_active") == 44 && offsetof<kioctx>("run_list_next") == 56 &&
    offsetof<kioctx>("max_reqs") == 64 && offsetof<kioctx>("ri_mmap_base") == 68 &&
    offsetof<kioctx>("ri_tail") == 96 && offsetof<kioctx>("running") == 132 &&
    offsetof<kioctx>() == 136;
}

// Self-check (ours, not in 2.6.9): a kioctx whose users word holds the slab's free poison has
// been freed. 2.6.9 would go on to lock, walk and write it (B1's io_destroy after the double
// put); we stop at the first touch and name the cache. Slab debugging off: no poison, no check.
export const KIOCTX_POISON: i32 = 0x6b6b6b6b;
export function kioctx_check_live(kioctx_: kioctx, where: string): void {
  if (kioctx_.users == KIOCTX_POISON)
    BUG("slab kioctx: use after free: " + where + " on freed kioctx 0x" +
        changetype<usize>(kioctx_).toString(16) + " (users holds the free poison 0x6b6b6b6b)");
}

// get_ioctx(): one more reference on a live context (BUG if it is already dead)
export function get_ioctx(kioctx_: kioctx): void {
  kioctx_check_live(kioctx_, "get_ioctx");
  if (kioctx_.users <= 0) BUG("get_ioctx: kioctx users <= 0");
  kioctx_.users++;
}

// put_ioctx(): drop a reference; the last one frees the context through __put_ioctx
export function put_ioctx(kioctx_: kioctx): void {
  kioctx_check_live(kioctx_, "put_ioctx");
  if (--kioctx_.users == 0) __put_ioctx(kioctx_);
  else if (kioctx_.users < 0) BUG("put_ioctx: kioctx users went negative");
}

// in_aio(): the current task is running a retry (its io_wait is a kiocb's async entry)
export function in_aio(): bool {
  let w = current.io_wait;
  return !(w == 0 || changetype<wait_queue_t>(w).task != changetype<task_struct>(0));
}
