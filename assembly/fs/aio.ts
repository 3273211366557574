// fs/aio.c of Linux 2.6.9, ported: the retry-based AIO core (Ben LaHaise's aio with Suparna
// Bhattacharya's retry engine, the splice-runlist fairness fix and Chris Mason's workqueue
// context-switch reduction), in the C file's order, under the C names, with the same locks and
// reference counts. The seed patch's changes sit behind aio_opt.* switches (fs/aio_variant.ts)
// beside the pre-patch lines, so one binary runs either text.
//
// Kept on purpose, because they are 2.6.9 (docs/port-map.md lists each with its test):
//  B1 sys_io_setup's put_user failure path puts the context once too often;
//  B2 aio_setup_ring records nr_pages before the mmap;
//  B3 kick_iocb test-and-sets KIF_KICKED outside ctx_lock, and aio_run_iocb peeks at
//     ki_wait.task_list unlocked;
//  B4 aio_kick_handler calls unuse_mm (task_lock) under ctx_lock;
//  B5 aio_complete and __aio_run_iocbs may drop the last context reference, so __put_ioctx
//     can run in interrupt context or under ctx_lock (we report it, see __put_ioctx);
//  B7 io_destroy does not wake io_getevents sleepers;
//  B9 aio_nr is added before it is checked; the retry cap abandons a kiocb.
//
// printk levels are 2.6.9's; the message texts are ours, not the kernel's strings.
//
// Memory that C keeps on the kernel stack (the io_getevents timer and wait entry, the copied
// iocb, the private run list) is carved from the task's C stack, which is saved with the task
// across schedule() (arch/switch.ts), so it has the C lifetime.
import * as arch from "../arch/switch";
import { list_head, INIT_LIST_HEAD, list_add, list_add_tail, list_del, list_del_init,
         list_empty, list_splice_init } from "../include/linux/list";
import { spinlock_t } from "../include/linux/spinlock";
import { wait_queue_t, wait_queue_head_t } from "../include/linux/wait";
import { task_struct, mm_struct, TASK_RUNNING, TASK_INTERRUPTIBLE,
         TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import { EINVAL, EAGAIN, ENOMEM, EFAULT, EBADF, EINTR, EIOCBRETRY, EIOCBQUEUED } from "../include/linux/errno";
import { iocb, io_event, IOCB_SIZE, IO_EVENT_SIZE, IOCB_CMD_PREAD, IOCB_CMD_PWRITE,
         IOCB_CMD_FSYNC, IOCB_CMD_FDSYNC, aio_abi_check } from "../include/linux/aio_abi";
import {
  kiocb, kioctx, aio_ring, aio_ring_info, KIOCB_SIZE, KIF_LOCKED, AIO_RING_PAGES, AIO_RING_MAGIC,
  AIO_RING_COMPAT_FEATURES, AIO_RING_INCOMPAT_FEATURES, AIO_RING_HEADER_SIZE, aio_ring_avail,
  list_kiocb, run_list_kiocb, io_wait_to_kiocb, kiocbTryKick, kiocbSetKicked, kiocbSetCancelled,
  kiocbClearKicked, kiocbIsKicked, kiocbIsCancelled, is_sync_kiocb, get_ioctx, put_ioctx,
  sizeof_kioctx, wq_kioctx, aio_layout_check, kioctx_check_live,
} from "../include/linux/aio";
import { work_struct } from "../include/linux/workqueue";
import { timer_list } from "../include/linux/timer";
import { current, this_cpu, charge, in_interrupt, irqs_disabled } from "../kernel/cpu";
import { COST_KERNEL_OP, HZ } from "../kernel/profile";
import { BUG, BUG_ON, WARN_ON, printk, KERN_DEBUG, KERN_WARNING, KERN_ERR } from "../kernel/panic";
import { spin_lock_init, spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq,
         spin_lock_irqsave, spin_unlock_irqrestore, rwlock_init, read_lock, read_unlock,
         write_lock, write_unlock, lock_class_register } from "../kernel/spinlock";
import { init_waitqueue_head, add_wait_queue, add_wait_queue_exclusive, remove_wait_queue,
         waitqueue_active, wake_up, init_waitqueue_entry } from "../kernel/wait";
import { schedule, wake_up_process, signal_pending } from "../kernel/sched";
import { jiffies, timespec_to_jiffies, init_timer, add_timer, del_singleshot_timer_sync } from "../kernel/timer";
import { workqueue_struct, create_workqueue, queue_work, queue_delayed_work, cancel_delayed_work,
         flush_workqueue, INIT_WORK } from "../kernel/workqueue";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free, kmalloc, kfree,
         SLAB_HWCACHE_ALIGN, SLAB_PANIC } from "../mm/slab";
import { PAGE_SIZE, PAGE_SHIFT, put_page } from "../mm/page_alloc";
import { do_mmap, do_munmap } from "../mm/mmap";
import { PROT_READ, PROT_WRITE, MAP_ANONYMOUS, MAP_PRIVATE } from "../include/linux/mm";
import { get_user_pages } from "../mm/memory";
import { mmdrop, use_mm, unuse_mm } from "../kernel/fork";
import { copy_to_user, copy_from_user, access_ok, get_user, __get_user, put_user, VERIFY_READ,
         VERIFY_WRITE } from "../mm/uaccess";
import { down_write, up_write } from "../kernel/rwsem";
import { file, file_inode, FMODE_READ, FMODE_WRITE, S_IFMT, S_ISFIFO } from "../include/linux/fs";
import { fget, fput, __fput } from "./file";
import { aio_opt, aio_variant_lock, OPT4_OFF, OPT4_WAITER } from "./aio_variant";

// include/linux/stat.h: sockets have no fs.ts constant yet
const S_IFSOCK: u32 = 0o140000;
// @ts-ignore: decorator
@inline function S_ISSOCK(m: u32): bool { return (m & S_IFMT) == S_IFSOCK; }

// f->f_op->aio_read & co., 0 when the file has no f_op or no such method
// @ts-ignore: decorator
@inline function f_op_aio_read(f: file): u32 { return changetype<usize>(f.f_op) ? f.f_op.aio_read : 0; }
// @ts-ignore: decorator
@inline function f_op_aio_write(f: file): u32 { return changetype<usize>(f.f_op) ? f.f_op.aio_write : 0; }
// @ts-ignore: decorator
@inline function f_op_aio_fsync(f: file): u32 { return changetype<usize>(f.f_op) ? f.f_op.aio_fsync : 0; }

// ---- globals (fs/aio.c 2.6.9: the two "testing only" counters, the sysctls, caches, aio_wq)

export let aio_run: i32 = 0;          // __aio_run_iocbs passes since the last submit (racy, as in C)
export let aio_wakeups: i32 = 0;      // queue_kicked_iocb activations since the last submit

export let aio_nr: i32 = 0;           // atomic_t: sum of max_reqs over live contexts
export let aio_max_nr: u32 = 0x10000;

let kiocb_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let kioctx_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);

let aio_wq: workqueue_struct = changetype<workqueue_struct>(0);

// DECLARE_WORK(fput_work, aio_fput_routine, NULL), initialised in aio_setup()
let fput_work: work_struct = changetype<work_struct>(0);
// spinlock_t fput_lock; LIST_HEAD(fput_head)
const fput_lock_area: usize = memory.data(8);
const fput_head_area: usize = memory.data(8);
// @ts-ignore: decorator
@inline function fput_lock(): spinlock_t { return changetype<spinlock_t>(fput_lock_area); }
// @ts-ignore: decorator
@inline function fput_head(): list_head { return changetype<list_head>(fput_head_area); }

// The kioctx every sync kiocb points at (2.6.9 has one per mm, INIT_KIOCTX; see
// include/linux/aio.ts init_sync_kiocb). Only its ctx_lock is ever used.
export let default_kioctx: kioctx = changetype<kioctx>(0);

// ---- our counters and self-checks (not in 2.6.9; read out through assembly/index.ts)

// @ts-ignore: decorator
@unmanaged export class aio_stats {
  kicks: u64;              // kick_iocb calls on async kiocbs
  queued: u64;             // kiocbs put on a run list by __queue_kicked_iocb
  wakeups: u64;            // queue_kicked_iocb activations of the workqueue (sum of aio_wakeups)
  runs: u64;               // __aio_run_iocbs passes (sum of aio_run)
  retries: u64;            // aio_run_iocb calls that reached the retry method
  worker_runs: u64;        // aio_kick_handler executions
  queue_work: u64;         // queue_work/queue_delayed_work calls made by aio for ctx->wq
  submitted: u64;          // iocbs accepted by io_submit_one
  events: u64;             // events written to a ring by aio_complete
  cancelled: u64;          // accepted iocbs that completed cancelled (no ring event)
  abandoned: u64;          // kiocbs aio_run_iocb gave up on (retry cap / no ki_retry)
  bad_put_ioctx: u64;      // __put_ioctx entered in interrupt context or with a lock held
  opt3_bounced: u64;       // runners turned away by ctx->running (seed opt 3)
  ctx_alloc: u64;
  ctx_free: u64;
  sync_completions: u64;
}
export const aio_stat: aio_stats = changetype<aio_stats>(memory.data(offsetof<aio_stats>()));

// ---- kernel-stack frames (see the file comment)

// @ts-ignore: decorator
@inline function stack_alloc(n: usize): usize {
  let sp = arch.c_stack_pointer - ((n + 7) & ~7);
  if (sp < current.thread.c_base - 8192) BUG("aio: kernel stack overflow");
  arch.c_stack_pointer = sp;
  return sp;
}
// @ts-ignore: decorator
@inline function stack_free(n: usize): void { arch.c_stack_pointer += (n + 7) & ~7; }

// get_user() of a u32 into an i64: the value, or -EFAULT
function get_user_u32(uaddr: u32): i64 {
  let buf = stack_alloc(4);
  let err = get_user<u32>(buf, uaddr);
  let v = load<u32>(buf);
  stack_free(4);
  return err ? <i64>err : <i64>v;
}
// __get_user(): the same without the range check (io_submit checked the array with access_ok)
function __get_user_u32(uaddr: u32): i64 {
  let buf = stack_alloc(4);
  let err = __get_user<u32>(buf, uaddr);
  let v = load<u32>(buf);
  stack_free(4);
  return err ? <i64>err : <i64>v;
}

let ctx_lock_class: i32 = 0;
let ring_lock_class: i32 = 0;
let ctx_wait_class: i32 = 0;
let ioctx_list_lock_class: i32 = 0;

// Creates the two slab caches and the per-CPU "aio" workqueue, and our boot-time checks.
// Runs once at boot (an initcall in 2.6.9).
// fs/aio.c (2.6.9): aio_setup
export function aio_setup(): i32 {
  if (!aio_abi_check() || !aio_layout_check()) BUG("aio_setup: struct layout differs from the diagrams");
  kiocb_cachep = kmem_cache_create("kiocb", KIOCB_SIZE, SLAB_HWCACHE_ALIGN | SLAB_PANIC);
  kioctx_cachep = kmem_cache_create("kioctx", sizeof_kioctx(), SLAB_HWCACHE_ALIGN | SLAB_PANIC);

  aio_wq = create_workqueue("aio");

  ctx_lock_class = lock_class_register("kioctx.ctx_lock");
  ring_lock_class = lock_class_register("aio_ring_info.ring_lock");
  ctx_wait_class = lock_class_register("kioctx.wait");
  ioctx_list_lock_class = lock_class_register("mm_struct.ioctx_list_lock");

  fput_work = changetype<work_struct>(memory.data(offsetof<work_struct>()) );
  INIT_WORK(fput_work, aio_fput_routine.index, 0);
  spin_lock_init(fput_lock(), lock_class_register("aio.fput_lock"));
  INIT_LIST_HEAD(fput_head());

  // INIT_KIOCTX for sync kiocbs: a context with a lock and a wait queue, never on any list
  default_kioctx = changetype<kioctx>(memory.data(offsetof<kioctx>() + 64));
  default_kioctx.users = 1;
  spin_lock_init(default_kioctx.ctx_lock, ctx_lock_class);
  init_waitqueue_head(default_kioctx.wait, ctx_wait_class);
  INIT_LIST_HEAD(default_kioctx.active_reqs);
  INIT_LIST_HEAD(default_kioctx.run_list);
  return 0;
}

// Unpins the ring pages, unmaps the ring from ctx->mm and frees a kmalloc'ed page array.
// Takes mmap_sem for writing, so it may sleep.
// fs/aio.c (2.6.9): aio_free_ring
function aio_free_ring(ctx: kioctx): void {
  let info = ctx.ring_info;
  for (let i = 0; i < info.nr_pages; i++)
    put_page(info.ring_page(<u32>i));    // B2: slots are still 0 if the mmap failed

  if (info.mmap_size) {
    down_write(ctx.mm.mmap_sem);
    do_munmap(ctx.mm, info.mmap_base, info.mmap_size);
    up_write(ctx.mm.mmap_sem);
  }

  if (info.ring_pages && info.ring_pages != info.internal_pages)
    kfree(info.ring_pages);
  info.ring_pages = 0;
  info.nr = 0;
}

// Sizes the ring for ctx->max_reqs events, maps it anonymously into the caller's address space
// and pins its pages; writes the header. -ENOMEM/-EAGAIN on failure (callers see -ENOMEM).
// fs/aio.c (2.6.9): aio_setup_ring
function aio_setup_ring(ctx: kioctx): i32 {
  let info = ctx.ring_info;
  let nr_events: u32 = ctx.max_reqs;

  // head == tail means empty, so n events need n + 1 slots; 2.6.9 asks for n + 2
  nr_events += 2;

  let size: u32 = AIO_RING_HEADER_SIZE;
  size += <u32>IO_EVENT_SIZE * nr_events;
  let nr_pages = <i32>((size + <u32>PAGE_SIZE - 1) >> <u32>PAGE_SHIFT);

  if (nr_pages < 0)
    return -EINVAL;

  info.nr_pages = nr_pages;                                  // B2: recorded before the mmap

  nr_events = (<u32>PAGE_SIZE * <u32>nr_pages - AIO_RING_HEADER_SIZE) / <u32>IO_EVENT_SIZE;

  info.nr = 0;
  info.ring_pages = info.internal_pages;
  if (nr_pages > AIO_RING_PAGES) {
    info.ring_pages = kmalloc(<usize>nr_pages << 2);
    if (!info.ring_pages)
      return -ENOMEM;
    memory.fill(info.ring_pages, 0, <usize>nr_pages << 2);
  }

  info.mmap_size = <u32>nr_pages * <u32>PAGE_SIZE;
  down_write(ctx.mm.mmap_sem);
  info.mmap_base = <u32>do_mmap(0, 0, info.mmap_size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
  if (info.mmap_base >= <u32>(-4095)) {                     // IS_ERR
    up_write(ctx.mm.mmap_sem);
    // C gives no level; the default is 4 (KERN_WARNING)
    printk(KERN_WARNING, "aio_setup_ring: ring mmap failed, errno " + (-<i32>info.mmap_base).toString());
    info.mmap_size = 0;
    aio_free_ring(ctx);
    return -EAGAIN;
  }

  info.nr_pages = get_user_pages(current, ctx.mm, info.mmap_base, nr_pages, 1, 0, info.ring_pages, 0);
  up_write(ctx.mm.mmap_sem);

  if (info.nr_pages != nr_pages) {
    aio_free_ring(ctx);
    return -EAGAIN;
  }

  ctx.user_id = info.mmap_base;

  info.nr = nr_events;        // the kernel indexes with this one only

  let ring = changetype<aio_ring>(info.ring_page(0));      // kmap_atomic(KM_USER0)
  ring.nr = nr_events;        // in the mapped page: user space may overwrite it
  ring.id = ctx.user_id;
  ring.head = ring.tail = 0;
  ring.magic = AIO_RING_MAGIC;
  ring.compat_features = AIO_RING_COMPAT_FEATURES;
  ring.incompat_features = AIO_RING_INCOMPAT_FEATURES;
  ring.header_length = AIO_RING_HEADER_SIZE;

  return 0;
}

const AIO_EVENTS_PER_PAGE: u32 = <u32>(PAGE_SIZE / IO_EVENT_SIZE);                         // 128
const AIO_EVENTS_FIRST_PAGE: u32 = <u32>((PAGE_SIZE - AIO_RING_HEADER_SIZE) / IO_EVENT_SIZE); // 127
const AIO_EVENTS_OFFSET: u32 = AIO_EVENTS_PER_PAGE - AIO_EVENTS_FIRST_PAGE;               // 1

// The io_event of slot nr: its page from ring_pages (kmap is the identity), then the slot.
// put_aio_ring_event has nothing to undo.
// fs/aio.c (2.6.9): aio_ring_event (macro)
// @ts-ignore: decorator
@inline function aio_ring_event(info: aio_ring_info, nr: u32): io_event {
  let pos = nr + AIO_EVENTS_OFFSET;
  let page = info.ring_page(pos / AIO_EVENTS_PER_PAGE);
  return changetype<io_event>(page + <usize>(pos % AIO_EVENTS_PER_PAGE) * IO_EVENT_SIZE);
}

// An error pointer for ioctx_alloc (ERR_PTR): small negative numbers as addresses.
// @ts-ignore: decorator
@inline function ERR_PTR(err: i32): kioctx { return changetype<kioctx>(<usize>err); }
// @ts-ignore: decorator
@inline function IS_ERR(p: kioctx): bool { return changetype<usize>(p) >= <usize>(-4095); }
// @ts-ignore: decorator
@inline function PTR_ERR(p: kioctx): i32 { return <i32>changetype<usize>(p); }

// Allocates and initialises a context with its ring, charges aio_nr and links it at the head
// of current->mm->ioctx_list. Returns an error pointer on failure.
// fs/aio.c (2.6.9): ioctx_alloc
function ioctx_alloc(nr_events: u32): kioctx {
  // overflow guard: 0x10000000 / sizeof(io_event), / sizeof(kiocb)
  if (nr_events > 0x10000000 / <u32>IO_EVENT_SIZE || nr_events > 0x10000000 / <u32>KIOCB_SIZE)
    return ERR_PTR(-EINVAL);

  if (nr_events > aio_max_nr)
    return ERR_PTR(-EAGAIN);

  let ctx = changetype<kioctx>(kmem_cache_alloc(kioctx_cachep));
  if (!changetype<usize>(ctx))
    return ERR_PTR(-ENOMEM);

  memory.fill(changetype<usize>(ctx), 0, sizeof_kioctx());
  ctx.max_reqs = nr_events;
  let mm = ctx.mm = current.mm;
  mm.mm_count++;                                            // atomic_inc(&mm->mm_count)

  ctx.users = 1;
  spin_lock_init(ctx.ctx_lock, ctx_lock_class);
  spin_lock_init(ctx.ring_info.ring_lock, ring_lock_class);
  init_waitqueue_head(ctx.wait, ctx_wait_class);

  INIT_LIST_HEAD(ctx.active_reqs);
  INIT_LIST_HEAD(ctx.run_list);
  INIT_WORK(ctx.wq, aio_kick_handler.index, changetype<usize>(ctx));

  if (aio_setup_ring(ctx) < 0) {
    // out_freectx: every ring failure becomes -ENOMEM
    mmdrop(mm);
    kmem_cache_free(kioctx_cachep, changetype<usize>(ctx));
    return ERR_PTR(-ENOMEM);
  }
  aio_stat.ctx_alloc++;

  // system-wide limit: added first, checked after (B9: racy by design in 2.6.9)
  aio_nr += <i32>ctx.max_reqs;
  if (<u32>aio_nr > aio_max_nr) {
    // out_cleanup
    aio_nr -= <i32>ctx.max_reqs;
    ctx.max_reqs = 0;           // aio_nr was given back just above
    __put_ioctx(ctx);
    return ERR_PTR(-EAGAIN);
  }

  write_lock(mm.ioctx_list_lock);
  ctx.next = changetype<kioctx>(mm.ioctx_list);
  mm.ioctx_list = changetype<usize>(ctx);
  write_unlock(mm.ioctx_list_lock);

  return ctx;
}

// Marks ctx dead and cancels every active request: each is taken off active_reqs and flagged
// cancelled; those with a cancel method get an extra reference and the method is called with
// ctx_lock dropped (its result is ignored).
// fs/aio.c (2.6.9): aio_cancel_all
function aio_cancel_all(ctx: kioctx): void {
  kioctx_check_live(ctx, "aio_cancel_all");     // our self-check (B1)
  let res = changetype<io_event>(stack_alloc(<u32>IO_EVENT_SIZE));
  spin_lock_irq(ctx.ctx_lock);
  ctx.dead = 1;
  while (!list_empty(ctx.active_reqs)) {
    let pos = ctx.active_reqs.next;
    let iocb_ = list_kiocb(pos);
    list_del_init(iocb_.ki_list);
    let cancel = iocb_.ki_cancel;
    kiocbSetCancelled(iocb_);
    if (cancel) {
      iocb_.ki_users++;
      spin_unlock_irq(ctx.ctx_lock);
      call_indirect<i32>(cancel, changetype<usize>(iocb_), changetype<usize>(res));
      spin_lock_irq(ctx.ctx_lock);
    }
  }
  spin_unlock_irq(ctx.ctx_lock);
  stack_free(IO_EVENT_SIZE);
}

// What a sleeper on ctx->wait waits on, for the hang report (2.6.9 derives wchan from the
// stack; prepare_to_wait records it for us, add_wait_queue does not).
// @ts-ignore: decorator
@inline function set_wchan(tsk: task_struct, q: wait_queue_head_t): void {
  tsk.wchan = changetype<usize>(q);
  tsk.wchan_name = 0;
}

// Sleeps uninterruptibly on ctx->wait until no request of ctx is allocated. reqs_active is
// read without ctx_lock, as in 2.6.9 (one half of B5).
// fs/aio.c (2.6.9): wait_for_all_aios
export function wait_for_all_aios(ctx: kioctx): void {
  let tsk = current;
  kioctx_check_live(ctx, "wait_for_all_aios");  // our self-check (B1)
  if (!ctx.reqs_active)
    return;

  let wait = changetype<wait_queue_t>(stack_alloc(offsetof<wait_queue_t>()));
  init_waitqueue_entry(wait, tsk);                          // DECLARE_WAITQUEUE(wait, tsk)
  add_wait_queue(ctx.wait, wait);
  tsk.state = TASK_UNINTERRUPTIBLE;
  set_wchan(tsk, ctx.wait);
  while (ctx.reqs_active) {
    schedule();
    tsk.state = TASK_UNINTERRUPTIBLE;
  }
  tsk.state = TASK_RUNNING;
  set_wchan(tsk, changetype<wait_queue_head_t>(0));
  remove_wait_queue(ctx.wait, wait);
  stack_free(offsetof<wait_queue_t>());
}

// Waits for a sync kiocb to drop its last user; returns its result (ki_user_data).
// fs/aio.c (2.6.9): wait_on_sync_kiocb
export function wait_on_sync_kiocb(iocb_: kiocb): i32 {
  while (iocb_.ki_users) {
    current.state = TASK_UNINTERRUPTIBLE;
    if (!iocb_.ki_users)
      break;
    schedule();
  }
  current.state = TASK_RUNNING;
  return <i32><i64>iocb_.ki_user_data;
}

// The mm's last user is gone (mmput): detach all its contexts; cancel, wait for, flush and put
// each one. Installed in the mm layer's exit_aio hook by aio_setup's caller.
// fs/aio.c (2.6.9): exit_aio
export function exit_aio(mm: mm_struct): void {
  let ctx = changetype<kioctx>(mm.ioctx_list);
  mm.ioctx_list = 0;
  while (changetype<usize>(ctx)) {
    let next = ctx.next;
    ctx.next = changetype<kioctx>(0);
    aio_cancel_all(ctx);

    wait_for_all_aios(ctx);
    // the put below may free ctx: its wq must be neither pending nor running (this waits for
    // every context's work on aio_wq, not just ctx's)
    flush_workqueue(aio_wq);

    if (1 != ctx.users)
      printk(KERN_DEBUG, "exit_aio: context still referenced: users=" + ctx.users.toString() +
             " dead=" + ctx.dead.toString() + " reqs_active=" + ctx.reqs_active.toString());
    put_ioctx(ctx);
    ctx = next;
  }
}

// The last reference to ctx is gone: cancel its delayed work (seed), flush aio_wq, free the
// ring, drop the mm and the slab object, give max_reqs back to aio_nr. It sleeps, so it is only
// correct in process context with no spinlock held; 2.6.9 can reach it from aio_complete in
// interrupt context or from __aio_run_iocbs under ctx_lock (B5), which we count and report.
// fs/aio.c (2.6.9): __put_ioctx
export function __put_ioctx(ctx: kioctx): void {
  let nr_events = ctx.max_reqs;

  if (in_interrupt() || current.lock_depth != 0 || irqs_disabled()) {
    aio_stat.bad_put_ioctx++;
    printk(KERN_ERR, "aio: __put_ioctx in " + (in_interrupt() ? "interrupt context" : "atomic context (" +
           current.lock_depth.toString() + " lock(s) held)") + " (B5)");
  }

  if (ctx.reqs_active)
    BUG("__put_ioctx: requests still active");

  if (aio_opt.cancel_delayed) {        // seed: the work may sit on its timer, which flush ignores
    cancel_delayed_work(ctx.wq);
  }
  flush_workqueue(aio_wq);
  aio_free_ring(ctx);
  mmdrop(ctx.mm);
  ctx.mm = changetype<mm_struct>(0);
  kmem_cache_free(kioctx_cachep, changetype<usize>(ctx));
  aio_stat.ctx_free++;

  aio_nr -= <i32>nr_events;
}

// Allocates a kiocb with two references (submit and I/O) and reserves a ring slot for its
// event: it is linked on active_reqs and pins ctx only if reqs_active is below what the ring
// (per its user-visible head and tail) can still take. NULL otherwise.
// fs/aio.c (2.6.9): __aio_get_req
function __aio_get_req(ctx: kioctx): kiocb {
  let okay = 0;

  let req = changetype<kiocb>(kmem_cache_alloc(kiocb_cachep));
  if (!changetype<usize>(req))
    return req;

  req.ki_flags = 1 << KIF_LOCKED;
  req.ki_users = 2;
  req.ki_key = 0;
  req.ki_ctx = ctx;
  req.ki_cancel = 0;
  req.ki_retry = 0;
  req.ki_obj = 0;
  req.ki_dtor = 0;
  req.private_ = 0;
  INIT_LIST_HEAD(req.ki_run_list);

  spin_lock_irq(ctx.ctx_lock);
  let ring = changetype<aio_ring>(ctx.ring_info.ring_page(0));   // kmap_atomic(KM_USER0)
  if (<u32>ctx.reqs_active < aio_ring_avail(ctx.ring_info, ring)) {
    list_add(req.ki_list, ctx.active_reqs);
    get_ioctx(ctx);
    ctx.reqs_active++;
    okay = 1;
  }
  spin_unlock_irq(ctx.ctx_lock);

  if (!okay) {
    kmem_cache_free(kiocb_cachep, changetype<usize>(req));
    req = changetype<kiocb>(0);
  }
  return req;
}

// __aio_get_req, retried once after reclaiming kiocbs parked for a deferred fput.
// fs/aio.c (2.6.9): aio_get_req
function aio_get_req(ctx: kioctx): kiocb {
  let req = __aio_get_req(ctx);
  if (!changetype<usize>(req)) {
    aio_fput_routine(0);
    req = __aio_get_req(ctx);
  }
  return req;
}

// Frees a kiocb whose last reference is gone and releases its ring slot; wakes io_destroy or
// exit_aio once a dead context has no requests left. Caller holds ctx_lock.
// fs/aio.c (2.6.9): really_put_req
function really_put_req(ctx: kioctx, req: kiocb): void {
  if (req.ki_dtor)
    call_indirect<void>(req.ki_dtor, changetype<usize>(req));
  req.ki_ctx = changetype<kioctx>(0);
  req.ki_filp = 0;
  req.ki_obj = 0;
  req.ki_dtor = 0;
  req.private_ = 0;
  kmem_cache_free(kiocb_cachep, changetype<usize>(req));
  ctx.reqs_active--;

  if (!ctx.reqs_active && ctx.dead)
    wake_up(ctx.wait);
}

// Work on aio_wq (fput_work): finishes the fputs deferred by __aio_put_req, frees those
// kiocbs and drops the context reference each of them held.
// fs/aio.c (2.6.9): aio_fput_routine
function aio_fput_routine(data: usize): void {
  spin_lock_irq(fput_lock());
  while (!list_empty(fput_head())) {
    let req = list_kiocb(fput_head().next);
    let ctx = req.ki_ctx;

    list_del(req.ki_list);
    spin_unlock_irq(fput_lock());

    __fput(changetype<file>(req.ki_filp));

    spin_lock_irq(ctx.ctx_lock);
    really_put_req(ctx, req);
    spin_unlock_irq(ctx.ctx_lock);

    put_ioctx(ctx);
    spin_lock_irq(fput_lock());
  }
  spin_unlock_irq(fput_lock());
}

// Drops one kiocb reference. On the last one the kiocb leaves active_reqs and loses its file
// reference; if that was the file's last reference the real fput needs process context, so the
// kiocb is parked on fput_head (pinning ctx) for fput_work, else it is freed at once.
// Returns 1 if this was the last reference. Caller holds ctx_lock.
// fs/aio.c (2.6.9): __aio_put_req
function __aio_put_req(ctx: kioctx, req: kiocb): i32 {
  req.ki_users--;
  if (req.ki_users < 0)
    BUG("__aio_put_req: ki_users went negative");
  if (req.ki_users)
    return 0;
  list_del(req.ki_list);              // io_cancel and aio_cancel_all can no longer find it
  req.ki_cancel = 0;
  req.ki_retry = 0;

  // ctx_lock is held (irqs off, maybe in an interrupt) and __fput sleeps: a last fput is deferred
  let f = changetype<file>(req.ki_filp);
  if (--f.f_count == 0) {             // atomic_dec_and_test(&f_count)
    get_ioctx(ctx);
    spin_lock(fput_lock());
    list_add(req.ki_list, fput_head());
    spin_unlock(fput_lock());
    queue_work(aio_wq, fput_work);
  } else
    really_put_req(ctx, req);
  return 1;
}

// Drops a kiocb reference with ctx_lock taken; the last one also drops the context reference.
// fs/aio.c (2.6.9): aio_put_req
export function aio_put_req(req: kiocb): i32 {
  let ctx = req.ki_ctx;
  spin_lock_irq(ctx.ctx_lock);
  let ret = __aio_put_req(ctx, req);
  spin_unlock_irq(ctx.ctx_lock);
  if (ret)
    put_ioctx(ctx);
  return ret;
}

// Finds the live context of current->mm whose handle is ctx_id and takes a reference.
// fs/aio.c (2.6.9): lookup_ioctx
export function lookup_ioctx(ctx_id: u32): kioctx {
  let mm = current.mm;
  read_lock(mm.ioctx_list_lock);
  let ioctx = changetype<kioctx>(mm.ioctx_list);
  for (; changetype<usize>(ioctx); ioctx = ioctx.next)
    if (ioctx.user_id == ctx_id && !ioctx.dead) {
      get_ioctx(ioctx);
      break;
    }
  read_unlock(mm.ioctx_list_lock);
  return ioctx;
}

// use_mm / unuse_mm (fs/aio.c 2.6.9) live in kernel/fork.ts beside the mm reference counting
// they belong to; aio_kick_handler calls them as 2.6.9 does (unuse_mm under ctx_lock: B4).

// Puts a kicked kiocb on its context's run list unless it is already there or running.
// Returns 1 if it queued it. Caller holds ctx_lock.
// fs/aio.c (2.6.9): __queue_kicked_iocb
function __queue_kicked_iocb(iocb_: kiocb): i32 {
  let ctx = iocb_.ki_ctx;
  if (list_empty(iocb_.ki_run_list)) {       // a running kiocb has NULL links: not "empty"
    list_add_tail(iocb_.ki_run_list, ctx.run_list);
    iocb_.ki_queued++;
    aio_stat.queued++;
    return 1;
  }
  return 0;
}

// One step of a kiocb: call its retry method with current->io_wait pointing at the kiocb's
// async wait entry, then complete it, leave it to a lower layer (-EIOCBQUEUED) or make it
// kickable again (-EIOCBRETRY; requeued at once if it was kicked meanwhile). The NULL links
// keep kicks from queueing it while the method runs. Entered and left with ctx_lock held
// (irqs off); the lock is dropped around the method.
// fs/aio.c (2.6.9): aio_run_iocb
function aio_run_iocb(iocb_: kiocb): i32 {
  let ctx = iocb_.ki_ctx;
  let ret: i32;
  charge(COST_KERNEL_OP);

  if (iocb_.ki_retried++ > 1024 * 1024) {
    printk(KERN_WARNING, "aio_run_iocb: retry limit reached, kiocb abandoned after " +
           (iocb_.ki_nbytes - iocb_.ki_left).toString() + " bytes");
    aio_stat.abandoned++;
    return -EAGAIN;
  }

  let retry = iocb_.ki_retry;
  if (!retry) {
    printk(KERN_WARNING, "aio_run_iocb: kiocb has no retry method, abandoned");
    aio_stat.abandoned++;
    return 0;
  }

  // Mark it running (NULL links, see __queue_kicked_iocb); a kick during the step shows up
  // as KIF_KICKED afterwards.
  kiocbClearKicked(iocb_);
  iocb_.ki_run_list_next = iocb_.ki_run_list_prev = 0;
  spin_unlock_irq(ctx.ctx_lock);

  if (kiocbIsCancelled(iocb_)) {
    ret = -EINTR;
    aio_complete(iocb_, ret, 0);
    // ret is not -EIOCBRETRY, so nothing below touches the (possibly freed) kiocb
  } else {
    aio_stat.retries++;
    BUG_ON(current.io_wait != 0, "aio_run_iocb: current->io_wait already set");
    current.io_wait = changetype<usize>(iocb_.ki_wait);
    ret = call_indirect<i32>(retry, changetype<usize>(iocb_));
    current.io_wait = 0;

    if (-EIOCBRETRY != ret) {
      if (-EIOCBQUEUED != ret) {
        BUG_ON(!list_empty(iocb_.ki_wait.task_list), "aio_run_iocb: completing a kiocb still on a wait queue");
        aio_complete(iocb_, ret, 0);
        // as above: ret keeps the code below away from the kiocb
      }
    } else {
      // ki_wait is on no queue, so no wake-up will ever kick it: kick it here. The peek is
      // unlocked and can race aio_wake_function on another CPU (B3, fixed in 2.6.14).
      if (list_empty(iocb_.ki_wait.task_list))
        kiocbSetKicked(iocb_);
    }
  }

  spin_lock_irq(ctx.ctx_lock);

  if (-EIOCBRETRY == ret) {
    // Kicks during the step could not queue it (NULL links); re-arm the links and honour them.
    INIT_LIST_HEAD(iocb_.ki_run_list);
    if (kiocbIsKicked(iocb_)) {
      __queue_kicked_iocb(iocb_);
    }
  }
  return ret;
}

// Runs each kiocb on ctx->run_list once, from a private batch spliced off the list, holding an
// extra reference around each step. Returns 1 if new kicks queued more meanwhile. Caller holds
// ctx_lock (irqs off) and runs in the submitter's mm.
// fs/aio.c (2.6.9): __aio_run_iocbs
function __aio_run_iocbs(ctx: kioctx): i32 {
  let count = 0;
  if (aio_opt.single_runner) {                  // seed opt 3 (reconstructed)
    // somebody already runs this list; it will not leave while the list is non-empty
    if (ctx.running) { aio_stat.opt3_bounced++; return 0; }
    ctx.running = 1;
  }
  let run_list = changetype<list_head>(stack_alloc(8));
  INIT_LIST_HEAD(run_list);                     // LIST_HEAD(run_list)

  let again = true;
  while (again) {
    list_splice_init(ctx.run_list, run_list);
    while (!list_empty(run_list)) {
      let iocb_ = run_list_kiocb(run_list.next);
      list_del(iocb_.ki_run_list);
      iocb_.ki_users++;                         // a completion inside the step must not free it
      aio_run_iocb(iocb_);
      if (__aio_put_req(ctx, iocb_))            // B5: may free ctx with ctx_lock held
        put_ioctx(ctx);
      count++;
    }
    aio_run++;
    aio_stat.runs++;
    // seed opt 3: the runner leaves only with the list empty, since others were turned away
    again = aio_opt.single_runner && !list_empty(ctx.run_list);
  }
  stack_free(8);
  if (aio_opt.single_runner) ctx.running = 0;   // seed opt 3
  if (!list_empty(ctx.run_list))
    return 1;
  return 0;
}

// Schedules ctx's retry work: soon (1 jiffy) when someone sleeps on ctx->wait, else in HZ/10.
// With opt4=hz10 (the July [11/22] form) always HZ/10.
// fs/aio.c (2.6.9): aio_queue_work (added by the seed patch)
function aio_queue_work(ctx: kioctx): void {
  let timeout: u32;
  if (aio_opt.queue_delay == OPT4_WAITER) {    // seed opt 4, with the [22/22] stall fix
    // smp_mb(): our accesses are sequentially consistent
    if (waitqueue_active(ctx.wait))
      timeout = 1;
    else
      timeout = HZ / 10;
  } else {                                      // seed opt 4 as first posted (July [11/22])
    timeout = HZ / 10;
  }
  aio_stat.queue_work++;
  queue_delayed_work(aio_wq, ctx.wq, timeout);
}

// One pass over the run list in the caller's context; leftovers go to the worker.
// Unused by 2.6.9 itself; the July form of seed opt 2 (run_all off) calls it.
// fs/aio.c (2.6.9): aio_run_iocbs
function aio_run_iocbs(ctx: kioctx): void {
  spin_lock_irq(ctx.ctx_lock);
  let requeue = __aio_run_iocbs(ctx);
  spin_unlock_irq(ctx.ctx_lock);
  if (requeue) {
    if (aio_opt.queue_delay != OPT4_OFF) {      // seed opt 4
      aio_queue_work(ctx);
    } else {                                    // pre-patch
      aio_stat.queue_work++;
      queue_work(aio_wq, ctx.wq);
    }
  }
}

// Drains ctx->run_list in the calling task, so io_getevents does the retries itself instead of
// waiting for aio/N (seed opt 2). Takes ctx_lock.
// fs/aio.c (2.6.9): aio_run_all_iocbs (added by the seed patch)
function aio_run_all_iocbs(ctx: kioctx): void {
  spin_lock_irq(ctx.ctx_lock);
  while (__aio_run_iocbs(ctx))
    ;
  spin_unlock_irq(ctx.ctx_lock);
}

// The work function of ctx->wq, run by an aio/N worker: borrow the submitter's mm, one pass
// over the run list, give the mm back (under ctx_lock: B4), and requeue at once if more came.
// Holds no reference on ctx.
// fs/aio.c (2.6.9): aio_kick_handler
function aio_kick_handler(data: usize): void {
  let ctx = changetype<kioctx>(data);
  aio_stat.worker_runs++;
  // set_fs(USER_DS) / set_fs(oldfs): our uaccess always checks user ranges
  use_mm(ctx.mm);
  spin_lock_irq(ctx.ctx_lock);
  let requeue = __aio_run_iocbs(ctx);
  unuse_mm(ctx.mm);                             // B4: task_lock nested in ctx_lock
  spin_unlock_irq(ctx.ctx_lock);
  // kicks arrived during this pass; requeue at once (the seed patch kept this queue_work)
  if (requeue) {
    aio_stat.queue_work++;
    queue_work(aio_wq, ctx.wq);
  }
}

// Queues a kicked kiocb for a retry and, if it was not queued yet, gets the work going.
// Any context (irqsave).
// fs/aio.c (2.6.9): queue_kicked_iocb
export function queue_kicked_iocb(iocb_: kiocb): void {
  let ctx = iocb_.ki_ctx;

  WARN_ON(!list_empty(iocb_.ki_wait.task_list), "queue_kicked_iocb: ki_wait still queued");

  let flags = spin_lock_irqsave(ctx.ctx_lock);
  let run = __queue_kicked_iocb(iocb_);
  spin_unlock_irqrestore(ctx.ctx_lock, flags);
  if (run) {
    if (aio_opt.queue_delay != OPT4_OFF) {      // seed opt 4
      aio_queue_work(ctx);
    } else {                                    // pre-patch: wake the worker now
      aio_stat.queue_work++;
      queue_work(aio_wq, ctx.wq);
    }
    aio_wakeups++;
    aio_stat.wakeups++;
  }
}

// Asks for a retry of iocb: a sync kiocb just wakes its task; an async one is queued unless
// KIF_KICKED was already set. The test-and-set is outside ctx_lock (B3).
// fs/aio.c (2.6.9): kick_iocb
export function kick_iocb(iocb_: kiocb): void {
  if (is_sync_kiocb(iocb_)) {
    kiocbSetKicked(iocb_);
    wake_up_process(iocb_.ki_obj_tsk);
    return;
  }

  iocb_.ki_kicked++;
  aio_stat.kicks++;
  if (!kiocbTryKick(iocb_)) {
    queue_kicked_iocb(iocb_);
  }
}

// Completion: a sync kiocb gets res and its task is woken; an async one gets an event at the
// ring's tail (none if cancelled), loses its I/O reference, and ctx->wait is woken. Returns 1
// if that was the last kiocb reference — and then drops the context reference, possibly in
// interrupt context (B5). Any context (irqsave).
// fs/aio.c (2.6.9): aio_complete
export function aio_complete(iocb_: kiocb, res: i32, res2: i32): i32 {
  let ctx = iocb_.ki_ctx;
  let ret: i32;
  charge(COST_KERNEL_OP);

  if (is_sync_kiocb(iocb_)) {
    iocb_.ki_user_data = <u64><i64>res;
    if (iocb_.ki_users == 1) {
      iocb_.ki_users = 0;
      ret = 1;
    } else {
      spin_lock_irq(ctx.ctx_lock);
      iocb_.ki_users--;
      ret = <i32>(0 == iocb_.ki_users);
      spin_unlock_irq(ctx.ctx_lock);
    }
    aio_stat.sync_completions++;
    wake_up_process(iocb_.ki_obj_tsk);
    return ret;
  }

  let info = ctx.ring_info;

  // irqsave: completions come from interrupt handlers as well as from tasks
  let flags = spin_lock_irqsave(ctx.ctx_lock);

  if (iocb_.ki_run_list_prev && !list_empty(iocb_.ki_run_list))
    list_del_init(iocb_.ki_run_list);

  // cancelled: io_cancel returned the event through its result (aio_cancel_all: to no one)
  if (kiocbIsCancelled(iocb_)) {
    aio_stat.cancelled++;
  } else {
    let ring = changetype<aio_ring>(info.ring_page(0));     // kmap_atomic(KM_IRQ1)

    let tail = info.tail;
    let event = aio_ring_event(info, tail);                  // KM_IRQ0
    tail = (tail + 1) % info.nr;

    event.obj = <u64>iocb_.ki_obj;
    event.data = iocb_.ki_user_data;
    event.res = <i64>res;
    event.res2 = <i64>res2;

    // smp_wmb() in C; our stores are already seen in program order
    info.tail = tail;
    ring.tail = tail;
    aio_stat.events++;
  }

  // put_rq:
  ret = __aio_put_req(ctx, iocb_);

  spin_unlock_irqrestore(ctx.ctx_lock, flags);

  if (waitqueue_active(ctx.wait))
    wake_up(ctx.wait);

  if (ret)
    put_ioctx(ctx);                             // B5: maybe the last, maybe in an interrupt

  return ret;
}

// Takes one event off the ring at head into *ent and advances the user-visible head.
// Returns 1 or 0. Process context (ring_lock is not irq-safe).
// fs/aio.c (2.6.9): aio_read_evt
function aio_read_evt(ioctx: kioctx, ent: io_event): i32 {
  let info = ioctx.ring_info;
  let ret = 0;
  charge(COST_KERNEL_OP);

  let ring = changetype<aio_ring>(info.ring_page(0));      // kmap_atomic(KM_USER0)

  if (ring.head == ring.tail)
    return ret;

  spin_lock(info.ring_lock);

  let head = ring.head % info.nr;
  if (head != ring.tail) {
    let evp = aio_ring_event(info, head);                  // KM_USER1
    memory.copy(changetype<usize>(ent), changetype<usize>(evp), IO_EVENT_SIZE);
    head = (head + 1) % info.nr;
    // smp_mb() in C; not needed in a sequentially consistent simulator
    ring.head = head;
    ret = 1;
  }
  spin_unlock(info.ring_lock);

  return ret;
}

// struct aio_timeout — on the caller's stack in read_events
//   0                 n                n+4        n+8
//   +-----------------+----------------+----------+
//   |  timer (timer_list)              |timed_out |  p   |
//   +-----------------+----------------+----------+
// @ts-ignore: decorator
@unmanaged class aio_timeout_tail {
  timed_out: i32;
  p: task_struct;
}
// @ts-ignore: decorator
@inline function TO_TIMER(to: usize): timer_list { return changetype<timer_list>(to); }
// @ts-ignore: decorator
@inline function TO_TAIL(to: usize): aio_timeout_tail {
  return changetype<aio_timeout_tail>(to + offsetof<timer_list>());
}
const AIO_TIMEOUT_SIZE: usize = offsetof<timer_list>() + offsetof<aio_timeout_tail>();

// Timer function of read_events' timeout: mark it and wake the sleeper.
// fs/aio.c (2.6.9): timeout_func
function timeout_func(data: usize): void {
  let to = TO_TAIL(data);
  to.timed_out = 1;
  wake_up_process(to.p);
}

// fs/aio.c (2.6.9): init_timeout
function init_timeout(to: usize): void {
  let t = TO_TIMER(to);
  init_timer(t);
  t.data = to;
  t.function = timeout_func.index;
  TO_TAIL(to).timed_out = 0;
  TO_TAIL(to).p = current;
}

// Arms the timeout start_jiffies + ts; one already past is marked timed out at once.
// fs/aio.c (2.6.9): set_timeout
function set_timeout(start_jiffies: u32, to: usize, sec: i32, nsec: i32): void {
  let t = TO_TIMER(to);
  t.expires = start_jiffies + timespec_to_jiffies(sec, nsec);
  if (<i32>(jiffies - t.expires) < 0)           // time_after(expires, jiffies)
    add_timer(t);
  else
    TO_TAIL(to).timed_out = 1;
}

// fs/aio.c (2.6.9): clear_timeout
function clear_timeout(to: usize): void {
  del_singleshot_timer_sync(TO_TIMER(to));
}

// io_getevents' body: copy out ready events; if fewer than min_nr, (seed) run the run list
// once and look again; then sleep exclusively on ctx->wait, with the optional relative
// timeout, taking events as they come until min_nr are in and the ring is empty, or the
// timeout or a signal ends it. Returns the number copied, else the last error (0 on timeout).
// fs/aio.c (2.6.9): read_events
function read_events(ctx: kioctx, min_nr: i32, nr: i32, event: u32, timeout: u32): i32 {
  let start_jiffies = jiffies;
  let tsk = current;
  let ret: i32 = 0;
  let i = 0;
  let retry = 0;

  let frame = IO_EVENT_SIZE + offsetof<wait_queue_t>() + AIO_TIMEOUT_SIZE + 8;
  let base = stack_alloc(frame);
  let ent = changetype<io_event>(base);
  let wait = changetype<wait_queue_t>(base + IO_EVENT_SIZE);
  let to = base + IO_EVENT_SIZE + offsetof<wait_queue_t>();
  let ts = to + AIO_TIMEOUT_SIZE;
  init_waitqueue_entry(wait, tsk);              // DECLARE_WAITQUEUE(wait, tsk)

  memory.fill(changetype<usize>(ent), 0, IO_EVENT_SIZE);
  let again = true;
  while (again) {   // retry:
    again = false;
    ret = 0;
    while (i < nr) {
      ret = aio_read_evt(ctx, ent);
      if (ret <= 0)
        break;

      ret = -EFAULT;
      if (copy_to_user(event, changetype<usize>(ent), <u32>IO_EVENT_SIZE))
        break;                                  // the event is lost (head already moved)
      ret = 0;

      event += <u32>IO_EVENT_SIZE;
      i++;
    }

    if (min_nr <= i) { stack_free(frame); return i; }
    if (ret) { stack_free(frame); return ret; }

    // end of the fast path

    if (aio_opt.getevents_run) {                // seed opt 2
      // read without ctx_lock: a wrong answer only wastes a pass or skips one
      if (!retry && !list_empty(ctx.run_list)) {
        retry = 1;
        if (aio_opt.run_all) aio_run_all_iocbs(ctx);   // as merged
        else aio_run_iocbs(ctx);                        // July [11/22]: one pass
        again = true;                                   // goto retry
      }
    }
  }

  init_timeout(to);
  let out = false;
  if (timeout) {
    ret = -EFAULT;
    if (copy_from_user(ts, timeout, 8)) {
      out = true;
    } else {
      set_timeout(start_jiffies, to, load<i32>(ts), load<i32>(ts, 4));
    }
  }

  if (!out) {
    while (i < nr) {
      add_wait_queue_exclusive(ctx.wait, wait);
      set_wchan(tsk, ctx.wait);
      do {
        tsk.state = TASK_INTERRUPTIBLE;
        ret = aio_read_evt(ctx, ent);
        if (ret)
          break;
        if (min_nr <= i)
          break;
        ret = 0;
        if (TO_TAIL(to).timed_out)              // after the read: an event racing the timer is kept
          break;
        schedule();
        if (signal_pending(tsk)) {
          ret = -EINTR;
          break;
        }
      } while (1);

      tsk.state = TASK_RUNNING;
      set_wchan(tsk, changetype<wait_queue_head_t>(0));
      remove_wait_queue(ctx.wait, wait);

      if (ret <= 0)
        break;

      ret = -EFAULT;
      if (copy_to_user(event, changetype<usize>(ent), <u32>IO_EVENT_SIZE))
        break;

      event += <u32>IO_EVENT_SIZE;
      i++;
    }

    if (timeout)
      clear_timeout(to);
  }
  // out:
  stack_free(frame);
  return i ? i : ret;
}

// Takes ioctx off current->mm's list, cancels and waits for its requests, and drops the
// caller's reference. Two io_destroy calls on one context are safe: only the one that set dead
// drops the list's reference. Sleepers in io_getevents are not woken (B7).
// fs/aio.c (2.6.9): io_destroy
function io_destroy(ioctx: kioctx): void {
  let mm = current.mm;

  write_lock(mm.ioctx_list_lock);
  let was_dead = ioctx.dead;
  ioctx.dead = 1;
  // walk the singly linked list by the address of each link
  let tmp: usize = changetype<usize>(mm) + offsetof<mm_struct>("ioctx_list");
  while (load<usize>(tmp) && load<usize>(tmp) != changetype<usize>(ioctx))
    tmp = load<usize>(tmp) + offsetof<kioctx>("next");
  if (load<usize>(tmp))
    store<usize>(tmp, changetype<usize>(ioctx.next));
  write_unlock(mm.ioctx_list_lock);

  if (!was_dead)
    put_ioctx(ioctx);             // ioctx_alloc's initial one, owned by mm's list

  aio_cancel_all(ioctx);
  wait_for_all_aios(ioctx);
  put_ioctx(ioctx);               // from lookup_ioctx (never taken on sys_io_setup's path: B1)
}

// Creates a context for at least nr_events events and stores its handle in *ctxp, which must
// hold 0. Errors in 2.6.9's order: -EFAULT, -EINVAL, ioctx_alloc's, then -EFAULT from the
// store — after an io_destroy that puts the new context once too often (B1).
// fs/aio.c (2.6.9): sys_io_setup
export function sys_io_setup(nr_events: u32, ctxp: u32): i32 {
  let ret: i32;
  aio_variant_lock();

  let ctx = get_user_u32(ctxp);
  ret = ctx < 0 ? <i32>ctx : 0;             // get_user(ctx, ctxp)
  if (ret)
    return ret;

  ret = -EINVAL;
  if (ctx != 0 || <i32>nr_events <= 0)
    return ret;

  let ioctx = ioctx_alloc(nr_events);
  ret = PTR_ERR(ioctx);
  if (!IS_ERR(ioctx)) {
    ret = put_user<u32>(ioctx.user_id, ctxp);
    if (!ret)
      return 0;

    io_destroy(ioctx);            // B1: the matching get_ioctx is missing in 2.6.9
  }
  return ret;
}

// Destroys the caller's context ctx: -EINVAL if there is no live one with that handle.
// fs/aio.c (2.6.9): sys_io_destroy
export function sys_io_destroy(ctx: u32): i32 {
  let ioctx = lookup_ioctx(ctx);
  if (changetype<usize>(ioctx)) {
    io_destroy(ioctx);
    return 0;
  }
  return -EINVAL;
}

// Default retry method of IOCB_CMD_PREAD: one f_op->aio_read step, advancing buffer and count.
// A partial read of a regular file asks for another step; pipes and sockets return what they
// have, as read(2) does. Done when a step reads 0 or nothing is left.
// fs/aio.c (2.6.9): aio_pread
function aio_pread(iocb_: kiocb): i32 {
  let f = changetype<file>(iocb_.ki_filp);
  let ret: i32 = call_indirect<i32>(f_op_aio_read(f), changetype<usize>(iocb_), iocb_.ki_buf,
                                        iocb_.ki_left, iocb_.ki_pos);

  if (ret > 0) {
    iocb_.ki_buf += <u32>ret;
    iocb_.ki_left -= <u32>ret;
    let mode = file_inode(f).i_mode;
    if (!S_ISFIFO(mode) && !S_ISSOCK(mode))
      ret = -EIOCBRETRY;
  }

  // EOF or the whole count: complete with the byte total
  if (ret == 0 || iocb_.ki_left == 0)
    ret = <i32>(iocb_.ki_nbytes - iocb_.ki_left);

  return ret;
}

// Default retry method of IOCB_CMD_PWRITE: one f_op->aio_write step; any progress means "go on"
// until nothing is left or a step writes 0.
// fs/aio.c (2.6.9): aio_pwrite
function aio_pwrite(iocb_: kiocb): i32 {
  let f = changetype<file>(iocb_.ki_filp);
  let ret: i32 = call_indirect<i32>(f_op_aio_write(f), changetype<usize>(iocb_), iocb_.ki_buf,
                                        iocb_.ki_left, iocb_.ki_pos);

  if (ret > 0) {
    iocb_.ki_buf += <u32>ret;
    iocb_.ki_left -= <u32>ret;
    ret = -EIOCBRETRY;
  }

  if (ret == 0 || iocb_.ki_left == 0)
    ret = <i32>(iocb_.ki_nbytes - iocb_.ki_left);

  return ret;
}

// fs/aio.c (2.6.9): aio_fdsync
function aio_fdsync(iocb_: kiocb): i32 {
  let f = changetype<file>(iocb_.ki_filp);
  let ret: i32 = -EINVAL;
  let fn = f_op_aio_fsync(f);
  if (fn)
    ret = call_indirect<i32>(fn, changetype<usize>(iocb_), 1);
  return ret;
}

// fs/aio.c (2.6.9): aio_fsync
function aio_fsync(iocb_: kiocb): i32 {
  let f = changetype<file>(iocb_.ki_filp);
  let ret: i32 = -EINVAL;
  let fn = f_op_aio_fsync(f);
  if (fn)
    ret = call_indirect<i32>(fn, changetype<usize>(iocb_), 0);
  return ret;
}

// Submit-time checks of the opcode against the file and buffer, and the choice of ki_retry.
// fs/aio.c (2.6.9): aio_setup_iocb
function aio_setup_iocb(kiocb_: kiocb): i32 {
  let f = changetype<file>(kiocb_.ki_filp);
  let ret: i32 = 0;

  switch (<i32>kiocb_.ki_opcode) {
    case IOCB_CMD_PREAD: {
      ret = -EBADF;
      if (!(f.f_mode & FMODE_READ))
        break;
      ret = -EFAULT;
      if (!access_ok(VERIFY_WRITE, kiocb_.ki_buf, kiocb_.ki_left))
        break;
      ret = -EINVAL;
      if (f_op_aio_read(f))
        kiocb_.ki_retry = aio_pread.index;
      break;
    }
    case IOCB_CMD_PWRITE: {
      ret = -EBADF;
      if (!(f.f_mode & FMODE_WRITE))
        break;
      ret = -EFAULT;
      if (!access_ok(VERIFY_READ, kiocb_.ki_buf, kiocb_.ki_left))
        break;
      ret = -EINVAL;
      if (f_op_aio_write(f))
        kiocb_.ki_retry = aio_pwrite.index;
      break;
    }
    case IOCB_CMD_FDSYNC: {
      ret = -EINVAL;
      if (f_op_aio_fsync(f))
        kiocb_.ki_retry = aio_fdsync.index;
      break;
    }
    case IOCB_CMD_FSYNC: {
      ret = -EINVAL;
      if (f_op_aio_fsync(f))
        kiocb_.ki_retry = aio_fsync.index;
      break;
    }
    default:
      ret = -EINVAL;
  }

  if (!kiocb_.ki_retry)
    return ret;

  return 0;
}

// The wake function of a kiocb's async wait entry: take the entry off the queue and kick the
// kiocb. Lock order: the wait-queue lock, then ctx_lock (in queue_kicked_iocb).
// fs/aio.c (2.6.9): aio_wake_function
export function aio_wake_function(wait: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  let iocb_ = io_wait_to_kiocb(wait);
  list_del_init(wait.task_list);
  kick_iocb(iocb_);
  return 1;
}

// Validates one copied iocb, takes a kiocb and a file reference, writes the key back, sets the
// kiocb up and starts it: (seed) on the run list, draining it; (pre-patch) one aio_run_iocb
// and a worker wake-up if it must wait. Errors in 2.6.9's order; none produces an event.
// fs/aio.c (2.6.9): io_submit_one
export function io_submit_one(ctx: kioctx, user_iocb: u32, iocb_: iocb): i32 {
  let ret: i32;
  charge(COST_KERNEL_OP);

  // refusing nonzero reserved fields keeps them free for a later ABI
  if (iocb_.aio_reserved1 || iocb_.aio_reserved2 || iocb_.aio_reserved3)
    return -EINVAL;

  // must fit an unsigned long / size_t / ssize_t of i386
  if (iocb_.aio_buf != <u64><u32>iocb_.aio_buf ||
      iocb_.aio_nbytes != <u64><u32>iocb_.aio_nbytes ||
      <i32><u32>iocb_.aio_nbytes < 0)
    return -EINVAL;

  let f = fget(iocb_.aio_fildes);
  if (!changetype<usize>(f))
    return -EBADF;

  let req = aio_get_req(ctx);          // ki_users = 2: this function's and the completion's
  if (!changetype<usize>(req)) {
    fput(f);
    return -EAGAIN;
  }

  req.ki_filp = changetype<usize>(f);
  iocb_.aio_key = req.ki_key;
  ret = put_user<u32>(iocb_.aio_key, user_iocb + <u32>offsetof<iocb>("aio_key"));
  if (!ret) {
    req.ki_obj = user_iocb;
    req.ki_user_data = iocb_.aio_data;
    req.ki_pos = iocb_.aio_offset;

    req.ki_buf = <u32>iocb_.aio_buf;
    req.ki_left = req.ki_nbytes = <u32>iocb_.aio_nbytes;
    req.ki_opcode = iocb_.aio_lio_opcode;
    // init_waitqueue_func_entry: an async entry, no task
    req.ki_wait.flags = 0;
    req.ki_wait.task = changetype<task_struct>(0);
    req.ki_wait.func = aio_wake_function.index;
    INIT_LIST_HEAD(req.ki_wait.task_list);
    req.ki_run_list_next = req.ki_run_list_prev = 0;
    req.ki_retry = 0;
    req.ki_retried = 0;
    req.ki_kicked = 0;
    req.ki_queued = 0;
    aio_run = 0;
    aio_wakeups = 0;

    ret = aio_setup_iocb(req);
  }

  if (ret) {
    // out_put_req: nothing was started, so both references go
    aio_put_req(req);
    aio_put_req(req);
    return <i32>ret;
  }

  aio_stat.submitted++;
  if (aio_opt.submit_drain) {          // seed opt 1
    spin_lock_irq(ctx.ctx_lock);
    list_add_tail(req.ki_run_list, ctx.run_list);
    if (aio_opt.run_all) {             // as merged: drain the run list
      while (__aio_run_iocbs(ctx))
        ;
    } else {                           // July [11/22]: one pass
      __aio_run_iocbs(ctx);
    }
    spin_unlock_irq(ctx.ctx_lock);
  } else {                             // pre-patch: run only the new iocb
    spin_lock_irq(ctx.ctx_lock);
    ret = aio_run_iocb(req);
    spin_unlock_irq(ctx.ctx_lock);

    if (-EIOCBRETRY == ret) {
      aio_stat.queue_work++;
      queue_work(aio_wq, ctx.wq);
    }
  }
  aio_put_req(req);                    // ours; aio_complete drops the other
  return 0;
}

// Submits nr iocbs (an array of user pointers), stopping at the first failure. Returns how many
// were accepted, or the first error if none was.
// fs/aio.c (2.6.9): sys_io_submit
export function sys_io_submit(ctx_id: u32, nr: i32, iocbpp: u32): i32 {
  let ret = 0;
  let i = 0;

  if (nr < 0)
    return -EINVAL;

  // nr * sizeof(ptr) may wrap (B8, CVE-2010-3067): 32-bit arithmetic as on i386
  if (!access_ok(VERIFY_READ, iocbpp, <u32>nr * 4))
    return -EFAULT;

  let ctx = lookup_ioctx(ctx_id);
  if (!changetype<usize>(ctx))
    return -EINVAL;

  let tmp = changetype<iocb>(stack_alloc(IOCB_SIZE));
  for (i = 0; i < nr; i++) {
    let user_iocb = __get_user_u32(iocbpp + <u32>i * 4);
    if (user_iocb < 0) {
      ret = -EFAULT;
      break;
    }

    if (copy_from_user(changetype<usize>(tmp), <u32>user_iocb, <u32>IOCB_SIZE)) {
      ret = -EFAULT;
      break;
    }

    ret = io_submit_one(ctx, <u32>user_iocb, tmp);
    if (ret)
      break;
  }
  stack_free(IOCB_SIZE);

  put_ioctx(ctx);
  return i ? i : ret;
}

// The active kiocb of ctx submitted from user address uiocb with key. Caller holds ctx_lock.
// fs/aio.c (2.6.9): lookup_kiocb
function lookup_kiocb(ctx: kioctx, uiocb: u32, key: u32): kiocb {
  let head = ctx.active_reqs;
  for (let pos = head.next; pos !== head; pos = pos.next) {
    let k = list_kiocb(pos);
    if (k.ki_obj == uiocb && k.ki_key == key)
      return k;
  }
  return changetype<kiocb>(0);
}

// Cancels a submitted iocb if its kiocb has a cancel method; on success the event goes to
// *result instead of the ring. -EAGAIN when there is nothing (cancellable) to cancel.
// fs/aio.c (2.6.9): sys_io_cancel
export function sys_io_cancel(ctx_id: u32, uiocb: u32, result: u32): i32 {
  let cancel: u32;
  let ret: i32;

  let key = get_user_u32(uiocb + <u32>offsetof<iocb>("aio_key"));
  if (key < 0)
    return -EFAULT;

  let ctx = lookup_ioctx(ctx_id);
  if (!changetype<usize>(ctx))
    return -EINVAL;

  spin_lock_irq(ctx.ctx_lock);
  ret = -EAGAIN;
  let kiocb_ = lookup_kiocb(ctx, uiocb, <u32>key);
  if (changetype<usize>(kiocb_) && kiocb_.ki_cancel) {
    cancel = kiocb_.ki_cancel;
    kiocb_.ki_users++;
    kiocbSetCancelled(kiocb_);
  } else
    cancel = 0;
  spin_unlock_irq(ctx.ctx_lock);

  if (cancel) {
    let tmp = changetype<io_event>(stack_alloc(<u32>IO_EVENT_SIZE));
    memory.fill(changetype<usize>(tmp), 0, IO_EVENT_SIZE);
    tmp.obj = <u64>kiocb_.ki_obj;
    tmp.data = kiocb_.ki_user_data;
    ret = call_indirect<i32>(cancel, changetype<usize>(kiocb_), changetype<usize>(tmp));
    if (!ret) {
      // cancelled: the event goes to the caller
      if (copy_to_user(result, changetype<usize>(tmp), <u32>IO_EVENT_SIZE))
        ret = -EFAULT;
    }
    stack_free(IO_EVENT_SIZE);
  } else
    printk(KERN_DEBUG, "io_cancel: no cancellable kiocb for this iocb");

  put_ioctx(ctx);

  return ret;
}

// Reads between min_nr and nr events of ctx_id into events, waiting at most *timeout (relative;
// NULL: forever). -EINVAL for an unknown context or bad counts.
// fs/aio.c (2.6.9): sys_io_getevents
export function sys_io_getevents(ctx_id: u32, min_nr: i32, nr: i32, events: u32, timeout: u32): i32 {
  let ioctx = lookup_ioctx(ctx_id);
  let ret = -EINVAL;

  if (changetype<usize>(ioctx)) {
    if (min_nr <= nr && min_nr >= 0 && nr >= 0)
      ret = read_events(ioctx, min_nr, nr, events, timeout);
    put_ioctx(ioctx);
  }

  return ret;
}

// ---- read-outs for the host and the self-checks

export function aio_kiocb_active(): i32 { return changetype<usize>(kiocb_cachep) ? kiocb_cachep.nr_active : 0; }
export function aio_kioctx_active(): i32 { return changetype<usize>(kioctx_cachep) ? kioctx_cachep.nr_active : 0; }
