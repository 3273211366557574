// Self-test scenarios for tests/timer.test.ts: kernel timers driven from kernel threads, with
// what they saw recorded in result slots the test reads back (st_timer_res).
import { timer_list, timer_pending } from "../include/linux/timer";
import { TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import {
  jiffies, init_timer, add_timer, mod_timer, del_timer, del_timer_sync, schedule_timeout,
  timespec_to_jiffies, timers_pending, nr_del_timer_sync_waits,
} from "../kernel/timer";
import { kthread_create } from "../kernel/sched";
import { this_cpu, current, charge, interleave } from "../kernel/cpu";
import { COST_SPIN_ITER, cycles_per_jiffy } from "../kernel/profile";

// Result slots (tests/timer.test.ts names the same numbers).
export const TR_ARM_J: i32 = 0;          // jiffies when the timer was armed
export const TR_FIRES: i32 = 1;          // times the handler ran
export const TR_FIRE_J: i32 = 2;         // jiffies at the first run (then 3, 4, 5 for later runs)
export const TR_FIRE_CPU: i32 = 6;       // CPU of the latest run
export const TR_FIRE_CLOCK: i32 = 7;     // that CPU's cycle clock at the first run
export const TR_SOFTIRQ: i32 = 8;        // in_softirq seen by the handler
export const TR_SLEEP_J0: i32 = 9;       // schedule_timeout: jiffies before
export const TR_SLEEP_J1: i32 = 10;      //   and after
export const TR_SLEEP_RET: i32 = 11;     //   and its result
export const TR_MOD_J: i32 = 12;         // jiffies when mod_timer was called
export const TR_MOD_RET: i32 = 13;
export const TR_MOD2_J: i32 = 14;
export const TR_MOD2_RET: i32 = 15;
export const TR_H_START: i32 = 16;       // handler start / end clocks (del_timer_sync scenario)
export const TR_H_END: i32 = 17;
export const TR_DEL_CALL: i32 = 18;      // clock when del_timer(_sync) was called
export const TR_DEL_RET: i32 = 19;       //   its result
export const TR_DEL_RET_CLOCK: i32 = 20; //   clock when it returned
export const TR_DONE_AT_RET: i32 = 21;   //   whether the handler had finished by then
export const TR_SYNC_WAITS: i32 = 22;    // nr_del_timer_sync_waits after the call
export const TR_DEL_AGAIN: i32 = 23;     // a second delete of the same timer
export const TR_PENDING_BEFORE: i32 = 24;
export const TR_PENDING_AFTER: i32 = 25;
export const TR_ANY_BEFORE: i32 = 26;    // timers_pending() before / after the delete
export const TR_ANY_AFTER: i32 = 27;
export const TR_DONE: i32 = 28;          // the scenario's thread finished
const NR_SLOTS: i32 = 32;

const res = memory.data(NR_SLOTS * 8);
// @ts-ignore: decorator
@inline function set(i: i32, v: i64): void { store<i64>(res + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function get(i: i32): i64 { return load<i64>(res + (<usize>i << 3)); }
export function st_timer_res(i: i32): i64 { return get(i); }

let timer: timer_list = changetype<timer_list>(0);
let param_delay: i32 = 0;
let param_cpu2: i32 = 0;
let param_spin: i32 = 0;
let param_sync: i32 = 0;
let handler_started: i32 = 0;
let handler_done: i32 = 0;

function reset(): void {
  memory.fill(res, 0, NR_SLOTS * 8);
  if (!changetype<usize>(timer)) timer = changetype<timer_list>(heap.alloc(offsetof<timer_list>()));
  memory.fill(changetype<usize>(timer), 0, offsetof<timer_list>());
  init_timer(timer);
  handler_started = 0;
  handler_done = 0;
}

function sleep_jiffies(n: i32): i32 {
  current.state = TASK_UNINTERRUPTIBLE;
  return schedule_timeout(n);
}

// Records each run: jiffies (first four runs), CPU, clock, softirq context.
function fire_fn(data: usize): void {
  let n = <i32>get(TR_FIRES);
  if (n < 4) set(TR_FIRE_J + n, jiffies);
  if (n == 0) set(TR_FIRE_CLOCK, <i64>this_cpu.clock);
  set(TR_FIRE_CPU, this_cpu.id);
  set(TR_SOFTIRQ, this_cpu.in_softirq);
  set(TR_FIRES, n + 1);
}

// ---- a timer fires at its jiffy (and schedule_timeout sleeps exactly its jiffies)

function fire_thread(data: usize): void {
  let j0 = jiffies;
  set(TR_SLEEP_J0, j0);
  set(TR_SLEEP_RET, sleep_jiffies(3));
  set(TR_SLEEP_J1, jiffies);
  set(TR_ARM_J, jiffies);
  timer.expires = jiffies + <u32>param_delay;
  timer.function = fire_fn.index;
  timer.data = 0;
  add_timer(timer);
  set(TR_PENDING_BEFORE, timer_pending(timer) ? 1 : 0);
  set(TR_DONE, 1);
}

// A thread on `cpu` sleeps 3 jiffies, then arms a timer for jiffies + delay (delay may be 0 or
// negative: already due).
export function st_timer_fire(delay: i32, cpu: i32): void {
  reset();
  param_delay = delay;
  kthread_create("st-timer", fire_thread.index, 0, 0, cpu);
}

// ---- mod_timer re-arms, and moves the timer to the calling CPU

function mod_arm_thread(data: usize): void {
  set(TR_ARM_J, jiffies);
  timer.expires = jiffies + 10;
  timer.function = fire_fn.index;
  add_timer(timer);
}

function mod_thread(data: usize): void {
  sleep_jiffies(2);
  set(TR_MOD_J, jiffies);
  set(TR_MOD_RET, mod_timer(timer, jiffies + 5));   // pending: pulled in from +10 to here+5
  sleep_jiffies(20);
  set(TR_MOD2_J, jiffies);
  set(TR_MOD2_RET, mod_timer(timer, jiffies + 3));  // fired already: armed afresh
  sleep_jiffies(10);
  set(TR_DONE, 1);
}

// A thread on cpu_arm arms the timer for +10; 2 jiffies later a thread on cpu_mod moves it to
// its own jiffies + 5; after it fired, that thread arms it again for + 3.
export function st_timer_mod(cpu_arm: i32, cpu_mod: i32): void {
  reset();
  kthread_create("st-arm", mod_arm_thread.index, 0, 0, cpu_arm);
  kthread_create("st-mod", mod_thread.index, 0, 0, cpu_mod);
}

// ---- del_timer / del_timer_sync against a handler running on the other CPU

// Busy for param_spin jiffies of cycles, in softirq context, giving way at each step.
function slow_fn(data: usize): void {
  handler_started = 1;
  set(TR_H_START, <i64>this_cpu.clock);
  set(TR_FIRE_J, jiffies);
  set(TR_FIRE_CPU, this_cpu.id);
  let end = this_cpu.clock + <u64>param_spin * cycles_per_jiffy;
  while (this_cpu.clock < end) {
    charge(COST_SPIN_ITER);
    interleave();
  }
  set(TR_FIRES, get(TR_FIRES) + 1);
  set(TR_H_END, <i64>this_cpu.clock);
  handler_done = 1;
}

function slow_arm_thread(data: usize): void {
  set(TR_ARM_J, jiffies);
  timer.expires = jiffies + 2;
  timer.function = slow_fn.index;
  add_timer(timer);
}

function deleter_thread(data: usize): void {
  while (!handler_started) sleep_jiffies(1);
  set(TR_DEL_CALL, <i64>this_cpu.clock);
  set(TR_DEL_RET, param_sync ? del_timer_sync(timer) : del_timer(timer));
  set(TR_DEL_RET_CLOCK, <i64>this_cpu.clock);
  set(TR_DONE_AT_RET, handler_done);
  set(TR_SYNC_WAITS, nr_del_timer_sync_waits);
  set(TR_DONE, 1);
}

// The timer is armed on handler_cpu for +2 jiffies; its handler stays busy for spin jiffies.
// A thread on the other CPU waits until the handler has started, then deletes the timer with
// del_timer_sync (sync = 1) or del_timer (sync = 0).
export function st_timer_del_running(handler_cpu: i32, spin: i32, sync: i32): void {
  reset();
  param_spin = spin;
  param_sync = sync;
  kthread_create("st-arm", slow_arm_thread.index, 0, 0, handler_cpu);
  kthread_create("st-del", deleter_thread.index, 0, 0, handler_cpu ^ 1);
}

// ---- del_timer of a pending timer: it never fires

function del_pending_thread(data: usize): void {
  set(TR_ARM_J, jiffies);
  timer.expires = jiffies + 5;
  timer.function = fire_fn.index;
  add_timer(timer);
  sleep_jiffies(2);
  set(TR_PENDING_BEFORE, timer_pending(timer) ? 1 : 0);
  set(TR_ANY_BEFORE, timers_pending() ? 1 : 0);
  set(TR_DEL_RET, del_timer(timer));
  set(TR_PENDING_AFTER, timer_pending(timer) ? 1 : 0);
  set(TR_ANY_AFTER, timers_pending() ? 1 : 0);
  set(TR_DEL_AGAIN, del_timer(timer));
  sleep_jiffies(10);
  set(TR_DONE, 1);
}

// Arms +5 on cpu, deletes it 2 jiffies later, sleeps past the old expiry.
export function st_timer_del_pending(cpu: i32): void {
  reset();
  kthread_create("st-del", del_pending_thread.index, 0, 0, cpu);
}

// ---- timespec_to_jiffies at the booted HZ
export function st_timespec_to_jiffies(sec: i32, nsec: i32): u32 { return timespec_to_jiffies(sec, nsec); }
