// Read-write semaphores, the generic spinlock-based implementation 2.6.9 builds when the arch
// has no XADD version (lib/rwsem-spinlock.c). count is the activity: 0 free, n > 0 readers,
// -1 one writer. Sleepers queue FIFO on wait_list under wait_lock, uninterruptibly; a release
// hands the semaphore to the head of the queue (a writer alone, or the run of readers at the
// front), so a reader never overtakes a queued writer. mmap_sem is one.
//
// The waiter record lives on the sleeping task's C stack, as in C (it is carved below the
// task's C stack pointer for the duration of the sleep), so a down never allocates.
import { rw_semaphore, spinlock_t } from "../include/linux/spinlock";
import { list_head, INIT_LIST_HEAD, list_add_tail, list_del, list_empty } from "../include/linux/list";
import { task_struct, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import { current } from "./cpu";
import { spin_lock_init, spin_lock, spin_unlock, lock_class_register } from "./spinlock";
import { schedule, wake_up_process } from "./sched";
import { BUG } from "./panic";
import { might_sleep } from "./lockdep";
import * as arch from "../arch/switch";

const RWSEM_WAITING_FOR_READ: u32 = 0x00000001;
const RWSEM_WAITING_FOR_WRITE: u32 = 0x00000002;

// struct rwsem_waiter — 16 bytes
//   0        4        8        12       16
//   +--------+--------+--------+--------+
//   |      list       |  task  | flags  |
//   +--------+--------+--------+--------+
// @ts-ignore: decorator
@unmanaged class rwsem_waiter {
  list_next: usize;
  list_prev: usize;
  task: task_struct;       // cleared by the waker once the semaphore is granted
  flags: u32;
}

// @ts-ignore: decorator
@inline function wait_list(sem: rw_semaphore): list_head {
  return changetype<list_head>(changetype<usize>(sem) + offsetof<rw_semaphore>("wait_list_next"));
}
// @ts-ignore: decorator
@inline function wait_lock(sem: rw_semaphore): spinlock_t {
  return changetype<spinlock_t>(changetype<usize>(sem) + offsetof<rw_semaphore>("wait_lock_slock"));
}

let rwsem_class: i32 = 0;
export let nr_rwsem_sleeps: u64 = 0;

// Initialises sem free; cls names its wait_lock class (default "rw_semaphore.wait_lock").
// lib/rwsem-spinlock.c (2.6.9): init_rwsem
export function init_rwsem(sem: rw_semaphore, cls: i32 = 0): void {
  if (!cls) {
    if (!rwsem_class) rwsem_class = lock_class_register("rw_semaphore.wait_lock");
    cls = rwsem_class;
  }
  sem.count = 0;
  spin_lock_init(wait_lock(sem), cls);
  INIT_LIST_HEAD(wait_list(sem));
}

// Grants the semaphore to the head of the queue: one writer if wakewrite allows and a writer
// is first, else every reader at the front. Called with wait_lock held, queue non-empty.
// lib/rwsem-spinlock.c (2.6.9): __rwsem_do_wake
function __rwsem_do_wake(sem: rw_semaphore, wakewrite: i32): void {
  let head = wait_list(sem);
  let waiter = changetype<rwsem_waiter>(changetype<usize>(head.next));
  if (!wakewrite) {
    if (waiter.flags & RWSEM_WAITING_FOR_WRITE) return;
  } else if (waiter.flags & RWSEM_WAITING_FOR_WRITE) {
    sem.count = -1;
    list_del(changetype<list_head>(waiter));
    let tsk = waiter.task;
    waiter.task = changetype<task_struct>(0);
    wake_up_process(tsk);
    return;
  }
  let woken = 0;
  while (waiter.flags & RWSEM_WAITING_FOR_READ) {
    let next = changetype<list_head>(waiter).next;
    list_del(changetype<list_head>(waiter));
    let tsk = waiter.task;
    waiter.task = changetype<task_struct>(0);
    wake_up_process(tsk);
    woken++;
    if (list_empty(head)) break;
    waiter = changetype<rwsem_waiter>(changetype<usize>(next));
  }
  sem.count += woken;
}

// The first waiter is a writer and the semaphore just went free: give it to him.
// lib/rwsem-spinlock.c (2.6.9): __rwsem_wake_one_writer
function __rwsem_wake_one_writer(sem: rw_semaphore): void {
  sem.count = -1;
  let waiter = changetype<rwsem_waiter>(changetype<usize>(wait_list(sem).next));
  list_del(changetype<list_head>(waiter));
  let tsk = waiter.task;
  waiter.task = changetype<task_struct>(0);
  wake_up_process(tsk);
}

// Queues current on sem with `flags` and sleeps until a waker grants it. wait_lock held on
// entry, released here.
function rwsem_sleep(sem: rw_semaphore, flags: u32, what: string): void {
  let tsk = current;
  tsk.state = TASK_UNINTERRUPTIBLE;
  arch.c_stack_pointer -= offsetof<rwsem_waiter>();
  let waiter = changetype<rwsem_waiter>(arch.c_stack_pointer);
  waiter.task = tsk;
  waiter.flags = flags;
  list_add_tail(changetype<list_head>(waiter), wait_list(sem));
  spin_unlock(wait_lock(sem));
  tsk.wchan = 0;
  tsk.wchan_name = changetype<usize>(what);
  nr_rwsem_sleeps++;
  for (;;) {
    if (!changetype<usize>(waiter.task)) break;
    schedule();
    tsk.state = TASK_UNINTERRUPTIBLE;
  }
  tsk.state = TASK_RUNNING;
  tsk.wchan_name = 0;
  arch.c_stack_pointer += offsetof<rwsem_waiter>();
}

// Shared acquire: immediate when free or read-held with nobody queued. May sleep.
// lib/rwsem-spinlock.c (2.6.9): __down_read
export function down_read(sem: rw_semaphore): void {
  might_sleep("down_read");
  spin_lock(wait_lock(sem));
  if (sem.count >= 0 && list_empty(wait_list(sem))) {
    sem.count++;
    spin_unlock(wait_lock(sem));
    return;
  }
  rwsem_sleep(sem, RWSEM_WAITING_FOR_READ, "rwsem: down_read");
}

// lib/rwsem-spinlock.c (2.6.9): __down_read_trylock
export function down_read_trylock(sem: rw_semaphore): i32 {
  let ret = 0;
  spin_lock(wait_lock(sem));
  if (sem.count >= 0 && list_empty(wait_list(sem))) {
    sem.count++;
    ret = 1;
  }
  spin_unlock(wait_lock(sem));
  return ret;
}

// Exclusive acquire: immediate only when free with nobody queued. May sleep.
// lib/rwsem-spinlock.c (2.6.9): __down_write
export function down_write(sem: rw_semaphore): void {
  might_sleep("down_write");
  spin_lock(wait_lock(sem));
  if (sem.count == 0 && list_empty(wait_list(sem))) {
    sem.count = -1;
    spin_unlock(wait_lock(sem));
    return;
  }
  rwsem_sleep(sem, RWSEM_WAITING_FOR_WRITE, "rwsem: down_write");
}

// lib/rwsem-spinlock.c (2.6.9): __down_write_trylock
export function down_write_trylock(sem: rw_semaphore): i32 {
  let ret = 0;
  spin_lock(wait_lock(sem));
  if (sem.count == 0 && list_empty(wait_list(sem))) {
    sem.count = -1;
    ret = 1;
  }
  spin_unlock(wait_lock(sem));
  return ret;
}

// lib/rwsem-spinlock.c (2.6.9): __up_read
export function up_read(sem: rw_semaphore): void {
  spin_lock(wait_lock(sem));
  if (sem.count <= 0) BUG("up_read: rw_semaphore not read-held (count " + sem.count.toString() + ")");
  if (--sem.count == 0 && !list_empty(wait_list(sem))) __rwsem_wake_one_writer(sem);
  spin_unlock(wait_lock(sem));
}

// lib/rwsem-spinlock.c (2.6.9): __up_write
export function up_write(sem: rw_semaphore): void {
  spin_lock(wait_lock(sem));
  if (sem.count != -1) BUG("up_write: rw_semaphore not write-held (count " + sem.count.toString() + ")");
  sem.count = 0;
  if (!list_empty(wait_list(sem))) __rwsem_do_wake(sem, 1);
  spin_unlock(wait_lock(sem));
}

// Write-held → read-held, waking the readers queued at the front. lib/rwsem-spinlock.c (2.6.9): __downgrade_write
export function downgrade_write(sem: rw_semaphore): void {
  spin_lock(wait_lock(sem));
  sem.count = 1;
  if (!list_empty(wait_list(sem))) __rwsem_do_wake(sem, 0);
  spin_unlock(wait_lock(sem));
}

// @ts-ignore: decorator
@inline export function rwsem_is_locked(sem: rw_semaphore): bool { return sem.count != 0; }
