// Counting semaphores (include/asm-i386/semaphore.h, arch/i386/kernel/semaphore.c of 2.6.9),
// used as the inode's i_sem. The i386 version keeps a `sleepers` count so that the fast path is one
// locked decrement; ours keeps the same fields but takes the wait-queue lock on every down/up,
// which is observably the same to a task: a down() that finds count <= 0 sleeps
// (uninterruptibly) until an up() lets it through, waiters are woken one at a time in FIFO order.
import { wait_queue_head_t, wait_queue_t } from "../include/linux/wait";
import { TASK_UNINTERRUPTIBLE, TASK_INTERRUPTIBLE } from "../include/linux/sched";
import { EINTR } from "../include/linux/errno";
import { init_waitqueue_head, init_wait, prepare_to_wait_exclusive, finish_wait, wake_up } from "./wait";
import { spin_lock_irqsave, spin_unlock_irqrestore } from "./spinlock";
import { schedule, signal_pending } from "./sched";
import { current } from "./cpu";

// struct semaphore — 24 bytes
//   0        4        8                  24
//   +--------+--------+------------------+
//   | count  |sleepers| wait (16)        |
//   +--------+--------+------------------+
// @ts-ignore: decorator
@unmanaged export class semaphore {
  count: i32;
  sleepers: i32;
  wait_lock_slock: u32;
  wait_lock_dep: u32;
  wait_task_list_next: usize;
  wait_task_list_prev: usize;

  // @ts-ignore: decorator
  @inline get wait(): wait_queue_head_t {
    return changetype<wait_queue_head_t>(changetype<usize>(this) + offsetof<semaphore>("wait_lock_slock"));
  }
}

export function sema_init(sem: semaphore, val: i32, cls: i32): void {
  sem.count = val;
  sem.sleepers = 0;
  init_waitqueue_head(sem.wait, cls);
}

// init_MUTEX: a semaphore that one task may hold.
export function init_MUTEX(sem: semaphore, cls: i32): void { sema_init(sem, 1, cls); }

// Takes one unit; the caller may sleep. Returns 0, or -EINTR when `intr` and a signal came.
function __down_common(sem: semaphore, state: i32): i32 {
  let flags = spin_lock_irqsave(sem.wait.lock);
  if (sem.count > 0) {
    sem.count--;
    spin_unlock_irqrestore(sem.wait.lock, flags);
    return 0;
  }
  spin_unlock_irqrestore(sem.wait.lock, flags);
  // DECLARE_WAITQUEUE on the C stack becomes an entry from the free list below.
  let w = wait_entry_alloc();
  init_wait(w);
  let ret = 0;
  sem.sleepers++;
  for (;;) {
    prepare_to_wait_exclusive(sem.wait, w, state);
    flags = spin_lock_irqsave(sem.wait.lock);
    if (sem.count > 0) {
      sem.count--;
      spin_unlock_irqrestore(sem.wait.lock, flags);
      break;
    }
    spin_unlock_irqrestore(sem.wait.lock, flags);
    if (state == TASK_INTERRUPTIBLE && signal_pending(current)) { ret = -EINTR; break; }
    schedule();
  }
  sem.sleepers--;
  finish_wait(sem.wait, w);
  wait_entry_free(w);
  // A unit may have arrived while we gave up (signal): pass the wake-up on.
  if (ret != 0 && sem.count > 0) wake_up(sem.wait);
  return ret;
}

export function down(sem: semaphore): void { __down_common(sem, TASK_UNINTERRUPTIBLE); }
export function down_interruptible(sem: semaphore): i32 { return __down_common(sem, TASK_INTERRUPTIBLE); }

// Returns 0 when the unit was taken, 1 when it was not available (as 2.6.9).
export function down_trylock(sem: semaphore): i32 {
  let flags = spin_lock_irqsave(sem.wait.lock);
  let ok = sem.count > 0;
  if (ok) sem.count--;
  spin_unlock_irqrestore(sem.wait.lock, flags);
  return ok ? 0 : 1;
}

export function up(sem: semaphore): void {
  let flags = spin_lock_irqsave(sem.wait.lock);
  sem.count++;
  spin_unlock_irqrestore(sem.wait.lock, flags);
  if (sem.sleepers) wake_up(sem.wait);
}

// Wait entries that C declares on the sleeper's stack (DEFINE_WAIT, DECLARE_WAITQUEUE): AS has no
// stack-allocated structs, so a sleeper takes a 20-byte entry from this free list and gives it back
// before returning. Entries never outlive the function that took them. Used by fs/ too.
let free_entries: usize = 0;
export function wait_entry_alloc(): wait_queue_t {
  let p = free_entries;
  if (p) free_entries = load<usize>(p);
  else p = heap.alloc(offsetof<wait_queue_t>());
  return changetype<wait_queue_t>(p);
}
export function wait_entry_free(w: wait_queue_t): void {
  store<usize>(changetype<usize>(w), free_entries);
  free_entries = changetype<usize>(w);
}
