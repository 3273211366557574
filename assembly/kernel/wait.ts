// Wait queues (kernel/wait.c and kernel/sched.c of 2.6.9), including the async entries that
// aio-retry added: an entry with no task belongs to a kiocb, and prepare_to_wait() queues it
// without changing any task's state; waking it calls its function (aio_wake_function), which
// kicks the kiocb instead of waking a task.
import { wait_queue_t, wait_queue_head_t, wait_of_list, WQ_FLAG_EXCLUSIVE } from "../include/linux/wait";
import { INIT_LIST_HEAD, list_add, list_add_tail, list_del_init, list_empty } from "../include/linux/list";
import { task_struct, TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import { current } from "./cpu";
import { spin_lock_init, spin_lock_irqsave, spin_unlock_irqrestore, spin_lock, spin_unlock } from "./spinlock";
import { try_to_wake_up } from "./sched";

export function init_waitqueue_head(q: wait_queue_head_t, cls: i32): void {
  spin_lock_init(q.lock, cls);
  INIT_LIST_HEAD(q.task_list);
}

export function default_wake_function(wait: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  return try_to_wake_up(wait.task, <i32>mode, sync != 0);
}

// Wakes the task and takes the entry off the queue, so finish_wait has nothing to do.
export function autoremove_wake_function(wait: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  let ret = default_wake_function(wait, mode, sync, key);
  if (ret) list_del_init(wait.task_list);
  return ret;
}

export function init_waitqueue_entry(w: wait_queue_t, t: task_struct): void {
  w.flags = 0;
  w.task = t;
  w.func = default_wake_function.index;
  INIT_LIST_HEAD(w.task_list);
}

// DEFINE_WAIT(): an entry for current that removes itself when woken.
export function init_wait(w: wait_queue_t): void {
  w.flags = 0;
  w.task = current;
  w.func = autoremove_wake_function.index;
  INIT_LIST_HEAD(w.task_list);
}

// @ts-ignore: decorator
@inline export function is_sync_wait(w: wait_queue_t): bool {
  return changetype<usize>(w) == 0 || changetype<usize>(w.task) != 0;
}

// @ts-ignore: decorator
@inline export function waitqueue_active(q: wait_queue_head_t): bool { return !list_empty(q.task_list); }

export function add_wait_queue(q: wait_queue_head_t, w: wait_queue_t): void {
  w.flags &= ~WQ_FLAG_EXCLUSIVE;
  let flags = spin_lock_irqsave(q.lock);
  list_add(w.task_list, q.task_list);
  spin_unlock_irqrestore(q.lock, flags);
}

export function add_wait_queue_exclusive(q: wait_queue_head_t, w: wait_queue_t): void {
  w.flags |= WQ_FLAG_EXCLUSIVE;
  let flags = spin_lock_irqsave(q.lock);
  list_add_tail(w.task_list, q.task_list);
  spin_unlock_irqrestore(q.lock, flags);
}

export function remove_wait_queue(q: wait_queue_head_t, w: wait_queue_t): void {
  let flags = spin_lock_irqsave(q.lock);
  list_del_init(w.task_list);
  spin_unlock_irqrestore(q.lock, flags);
}

// @ts-ignore: decorator
@inline function note_wchan(w: wait_queue_t, q: wait_queue_head_t): void {
  w.task.wchan = changetype<usize>(q);
  w.task.wchan_name = 0;
}

export function prepare_to_wait(q: wait_queue_head_t, w: wait_queue_t, state: i32): void {
  w.flags &= ~WQ_FLAG_EXCLUSIVE;
  let flags = spin_lock_irqsave(q.lock);
  if (list_empty(w.task_list)) list_add(w.task_list, q.task_list);
  if (is_sync_wait(w)) {
    current.state = state;
    note_wchan(w, q);
  }
  spin_unlock_irqrestore(q.lock, flags);
}

export function prepare_to_wait_exclusive(q: wait_queue_head_t, w: wait_queue_t, state: i32): void {
  w.flags |= WQ_FLAG_EXCLUSIVE;
  let flags = spin_lock_irqsave(q.lock);
  if (list_empty(w.task_list)) list_add_tail(w.task_list, q.task_list);
  if (is_sync_wait(w)) {
    current.state = state;
    note_wchan(w, q);
  }
  spin_unlock_irqrestore(q.lock, flags);
}

export function finish_wait(q: wait_queue_head_t, w: wait_queue_t): void {
  current.state = TASK_RUNNING;
  current.wchan = 0;
  if (!list_empty(w.task_list)) {
    let flags = spin_lock_irqsave(q.lock);
    list_del_init(w.task_list);
    spin_unlock_irqrestore(q.lock, flags);
  }
}

// Calls each entry's wake function; stops after nr_exclusive exclusive entries said yes.
// Caller holds q.lock.
export function __wake_up_common(q: wait_queue_head_t, mode: u32, nr_exclusive: i32, sync: i32, key: usize): void {
  let head = q.task_list;
  let l = head.next;
  while (l !== head) {
    let next = l.next;
    let w = wait_of_list(l);
    let flags = w.flags;
    if (call_indirect<i32>(w.func, changetype<usize>(w), mode, sync, key) &&
        (flags & WQ_FLAG_EXCLUSIVE) && !--nr_exclusive) break;
    l = next;
  }
}

export function __wake_up(q: wait_queue_head_t, mode: u32, nr_exclusive: i32, key: usize): void {
  let flags = spin_lock_irqsave(q.lock);
  __wake_up_common(q, mode, nr_exclusive, 0, key);
  spin_unlock_irqrestore(q.lock, flags);
}

export function __wake_up_sync(q: wait_queue_head_t, mode: u32, nr_exclusive: i32): void {
  let flags = spin_lock_irqsave(q.lock);
  __wake_up_common(q, mode, nr_exclusive, 1, 0);
  spin_unlock_irqrestore(q.lock, flags);
}

const TASK_NORMAL: u32 = <u32>(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE);

export function wake_up(q: wait_queue_head_t): void { __wake_up(q, TASK_NORMAL, 1, 0); }
export function wake_up_all(q: wait_queue_head_t): void { __wake_up(q, TASK_NORMAL, 0, 0); }
export function wake_up_interruptible(q: wait_queue_head_t): void { __wake_up(q, <u32>TASK_INTERRUPTIBLE, 1, 0); }
export function wake_up_interruptible_sync(q: wait_queue_head_t): void { __wake_up_sync(q, <u32>TASK_INTERRUPTIBLE, 1); }
