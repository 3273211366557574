// The engine: runs the machine by always advancing the CPU whose clock is lowest (ties: lower
// CPU number first). It resumes that CPU's current task until the task gives the CPU back —
// by switching to another task, by reaching an interleave point behind another CPU, or by
// halting in the idle loop. Nothing here reads the wall clock.
import { cpu_t, nr_cpus, cpu_of, set_current, compute_yield_at, set_in_task } from "./cpu";
import { arch_resume } from "../arch/switch";
import { BUG } from "./panic";
import { hang_detected, nr_user_alive, nr_user_spawned, reap_dead_task } from "./sched";
import { trace_drain } from "./trace";

export const RUN_TIME: i32 = 0;       // reached the time limit
export const RUN_EXITED: i32 = 1;     // every user task has exited
export const RUN_HANG: i32 = 2;       // nothing can ever run again (hang detector)
export const RUN_STOPPED: i32 = 3;    // the host asked to stop
export const RUN_STEPS: i32 = 4;      // step budget used up

export let stop_requested: i32 = 0;

// Task resumptions since boot, over every run() call: the simulator's unit of work, which the
// host divides by wall time to report its own speed in events per second.
export let nr_steps: u64 = 0;
export function request_stop(): void { stop_requested = 1; }

// Lowest (clock, id).
function pick_cpu(): cpu_t {
  let best = cpu_of(0);
  for (let i = 1; i < nr_cpus; i++) {
    let c = cpu_of(i);
    if (c.clock < best.clock) best = c;
  }
  return best;
}

// The simulated time: the clock of the CPU that is furthest behind.
export function now_cycles(): u64 { return pick_cpu().clock; }

export function run(limit: u64, max_steps: i64): i32 {
  stop_requested = 0;
  let steps: i64 = 0;
  for (;;) {
    if (stop_requested) { stop_requested = 0; trace_drain(); return RUN_STOPPED; }
    if (hang_detected) { trace_drain(); return RUN_HANG; }
    if (nr_user_spawned > 0 && nr_user_alive == 0) { trace_drain(); return RUN_EXITED; }
    let c = pick_cpu();
    if (c.clock >= limit) { trace_drain(); return RUN_TIME; }
    if (max_steps >= 0 && steps++ >= max_steps) { trace_drain(); return RUN_STEPS; }
    set_current(c);
    compute_yield_at(c);
    set_in_task(true);
    nr_steps++;
    let suspended = arch_resume(c.curr.thread);
    set_in_task(false);
    if (!suspended) BUG("a task returned from its entry function");
    reap_dead_task();
  }
  return RUN_STOPPED;
}
