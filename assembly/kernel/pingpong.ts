// A kernel-thread ping-pong through one wait queue: the scheduler benchmark's workload and the
// first determinism check. Two threads take turns; each turn is prepare_to_wait / check /
// schedule, exactly the loop shape aio.c's sleepers use.
import { wait_queue_t, wait_queue_head_t } from "../include/linux/wait";
import { TASK_INTERRUPTIBLE } from "../include/linux/sched";
import { init_waitqueue_head, init_wait, prepare_to_wait, finish_wait, wake_up } from "./wait";
import { schedule, kthread_create } from "./sched";
import { lock_class_register } from "./spinlock";

let pp_wq: wait_queue_head_t = changetype<wait_queue_head_t>(memory.data(16));
let turn: i32 = 0;
let rounds_left: i32 = 0;
export let pp_rounds_done: i32 = 0;

function pingpong_thread(me: usize): void {
  let w = changetype<wait_queue_t>(heap.alloc(offsetof<wait_queue_t>()));
  let id = <i32>me;
  for (;;) {
    init_wait(w);
    for (;;) {
      prepare_to_wait(pp_wq, w, TASK_INTERRUPTIBLE);
      if (turn == id || rounds_left <= 0) break;
      schedule();
    }
    finish_wait(pp_wq, w);
    if (rounds_left <= 0) break;
    rounds_left--;
    pp_rounds_done++;
    turn = id ^ 1;
    wake_up(pp_wq);
  }
  wake_up(pp_wq);
}

// Starts the two threads on cpu_a and cpu_b (the same CPU for the one-CPU benchmark).
export function pingpong_start(rounds: i32, cpu_a: i32, cpu_b: i32): void {
  init_waitqueue_head(pp_wq, lock_class_register("pingpong.wq"));
  turn = 0;
  rounds_left = rounds;
  pp_rounds_done = 0;
  kthread_create("ping", pingpong_thread.index, 0, 0, cpu_a);
  kthread_create("pong", pingpong_thread.index, 1, 0, cpu_b);
}
