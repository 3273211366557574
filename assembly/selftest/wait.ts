// Self-test scenarios for tests/wait.test.ts: sleepers of both kinds on one wait queue, and a
// waker, all kernel threads. What each sleeper saw is recorded in slots the test reads back.
import { wait_queue_t, wait_queue_head_t } from "../include/linux/wait";
import { TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import { init_waitqueue_head, init_wait, init_waitqueue_entry, prepare_to_wait, prepare_to_wait_exclusive,
         finish_wait, wake_up, wake_up_all, add_wait_queue_exclusive, remove_wait_queue,
         default_wake_function } from "../kernel/wait";
import { schedule, kthread_create } from "../kernel/sched";
import { schedule_timeout } from "../kernel/timer";
import { current } from "../kernel/cpu";
import { lock_class_register } from "../kernel/spinlock";

const q = changetype<wait_queue_head_t>(memory.data(16));
const slots = memory.data(4 * 32);
// slot i (0..7): how many times sleeper i woke; 8: wake-up rounds done; 9: custom function calls
// 10: how many waiters the custom-function round woke
// @ts-ignore: decorator
@inline function slot(i: i32): usize { return slots + (<usize>i << 2); }
export function st_wait_res(i: i32): i32 { return load<i32>(slot(i)); }

let nr_shared = 0, nr_excl = 0;

// Sleeper i: non-exclusive for i < nr_shared, exclusive after. Sleeps once per round until told
// to stop (slot 8 reaching 3).
function sleeper(i: usize): void {
  let w = changetype<wait_queue_t>(heap.alloc(offsetof<wait_queue_t>()));
  let excl = <i32>i >= nr_shared;
  for (;;) {
    init_wait(w);
    if (excl) prepare_to_wait_exclusive(q, w, TASK_INTERRUPTIBLE);
    else prepare_to_wait(q, w, TASK_INTERRUPTIBLE);
    if (load<i32>(slot(8)) >= 3) break;
    schedule();
    finish_wait(q, w);
    store<i32>(slot(<i32>i), load<i32>(slot(<i32>i)) + 1);
  }
  finish_wait(q, w);
}

// A wake function that declines: wake_up must not count it towards its one exclusive waiter.
function declining_wake(wait: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  store<i32>(slot(9), load<i32>(slot(9)) + 1);
  return 0;
}

// Round 1: one wake_up. Round 2: wake_up_all. Round 3: a declining exclusive entry ahead of the
// exclusive sleepers, then wake_up: the exclusive sleeper after it must still be woken (a wake
// function that returns 0 does not use up nr_exclusive). Then everyone is released.
// schedule_timeout sleeps only in the state the caller set, as in 2.6.9.
function nap(j: i32): void {
  current.state = TASK_UNINTERRUPTIBLE;
  schedule_timeout(j);
}

function waker(arg: usize): void {
  nap(3);
  wake_up(q);
  store<i32>(slot(8), 1);
  nap(3);
  wake_up_all(q);
  store<i32>(slot(8), 2);
  // The queue is empty now (every sleeper was woken and taken off): the declining exclusive entry
  // goes in first, so when the sleepers queue again it sits ahead of every exclusive sleeper.
  let d = changetype<wait_queue_t>(heap.alloc(offsetof<wait_queue_t>()));
  init_waitqueue_entry(d, current);
  d.func = declining_wake.index;
  add_wait_queue_exclusive(q, d);
  nap(3);
  let before = 0;
  for (let i = 0; i < 8; i++) before += load<i32>(slot(i));
  wake_up(q);
  nap(3);
  let after = 0;
  for (let i = 0; i < 8; i++) after += load<i32>(slot(i));
  store<i32>(slot(10), after - before);
  remove_wait_queue(q, d);
  store<i32>(slot(8), 3);
  wake_up_all(q);
}

export function st_wait_exclusive(shared: i32, excl: i32): void {
  memory.fill(slots, 0, 4 * 32);
  init_waitqueue_head(q, lock_class_register("selftest.wait_q"));
  nr_shared = shared;
  nr_excl = excl;
  for (let i = 0; i < shared + excl; i++) kthread_create("sleeper", sleeper.index, <usize>i, 0, 0);
  kthread_create("waker", waker.index, 0, 0, 0);
}


