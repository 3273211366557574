// Counting semaphores as i386 2.6.9 has them (include/asm-i386/semaphore.h for the fast paths,
// arch/i386/kernel/semaphore.c for __down/__up), used as the inode's i_sem. The fast path is one
// atomic decrement or increment of count (no lock, no interleave point, as a locked decl is not
// one of ours); only contention takes the wait-queue lock. `sleepers` is i386's trick for folding
// the sleepers' own decrements back into count under that lock.
import { wait_queue_head_t, wait_queue_t, WQ_FLAG_EXCLUSIVE } from "../include/linux/wait";
import { TASK_UNINTERRUPTIBLE, TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/linux/sched";
import { list_add_tail, list_del_init } from "../include/linux/list";
import { EINTR } from "../include/linux/errno";
import { init_waitqueue_head, init_waitqueue_entry, __wake_up_common } from "./wait";
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

const WAKE_MODE: u32 = <u32>(TASK_UNINTERRUPTIBLE | TASK_INTERRUPTIBLE);

// The contended down: sleep (exclusively, FIFO) until the count, with every sleeper's decrement
// folded back in, is no longer negative. state TASK_INTERRUPTIBLE gives up with -EINTR on a
// signal. arch/i386/kernel/semaphore.c (2.6.9): __down, __down_interruptible
function __down_common(sem: semaphore, state: i32): i32 {
  let tsk = current;
  let wait = wait_entry_alloc();
  init_waitqueue_entry(wait, tsk);
  let retval = 0;
  tsk.state = state;
  let q = sem.wait;
  let flags = spin_lock_irqsave(q.lock);
  wait.flags |= WQ_FLAG_EXCLUSIVE;
  list_add_tail(wait.task_list, q.task_list);
  sem.sleepers++;
  for (;;) {
    let sleepers = sem.sleepers;
    if (state == TASK_INTERRUPTIBLE && signal_pending(tsk)) {
      // take our own decrement back, as if we had never come
      retval = -EINTR;
      sem.sleepers = 0;
      sem.count += sleepers;
      break;
    }
    // count += sleepers - 1: the others' decrements are ours to account while we hold the lock
    sem.count += sleepers - 1;
    if (sem.count >= 0) {
      sem.sleepers = 0;
      break;
    }
    sem.sleepers = 1;                 // only our own decrement stays outstanding
    spin_unlock_irqrestore(q.lock, flags);
    schedule();
    flags = spin_lock_irqsave(q.lock);
    tsk.state = state;
  }
  list_del_init(wait.task_list);
  // the next sleeper re-checks: there may be room for it too
  __wake_up_common(q, WAKE_MODE, 1, 0, 0);
  spin_unlock_irqrestore(q.lock, flags);
  tsk.state = TASK_RUNNING;
  wait_entry_free(wait);
  return retval;
}

// include/asm-i386/semaphore.h (2.6.9): down, down_interruptible, down_trylock, up
export function down(sem: semaphore): void {
  if (--sem.count < 0) __down_common(sem, TASK_UNINTERRUPTIBLE);
}
export function down_interruptible(sem: semaphore): i32 {
  if (--sem.count < 0) return __down_common(sem, TASK_INTERRUPTIBLE);
  return 0;
}
// Returns 0 when the unit was taken, 1 when it was not available.
export function down_trylock(sem: semaphore): i32 {
  if (sem.count > 0) { sem.count--; return 0; }
  return 1;
}
export function up(sem: semaphore): void {
  if (++sem.count <= 0) {
    // arch/i386/kernel/semaphore.c (2.6.9): __up
    let flags = spin_lock_irqsave(sem.wait.lock);
    __wake_up_common(sem.wait, WAKE_MODE, 1, 0, 0);
    spin_unlock_irqrestore(sem.wait.lock, flags);
  }
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
