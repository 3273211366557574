// Self-test scenarios for tests/workqueue.test.ts: works queued, delayed, flushed and cancelled
// from kernel threads on a test workqueue "stwq", with what happened recorded in result slots
// the test reads back (st_wq_res). Work functions record the jiffy, CPU and worker pid of
// each run.
import { TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import { work_struct } from "../include/linux/workqueue";
import {
  workqueue_struct, create_workqueue, INIT_WORK, queue_work, queue_delayed_work,
  cancel_delayed_work, flush_workqueue,
} from "../kernel/workqueue";
import { jiffies, schedule_timeout } from "../kernel/timer";
import { kthread_create } from "../kernel/sched";
import { this_cpu, current } from "../kernel/cpu";

// Result slots (tests/workqueue.test.ts names the same numbers). Per work k (0..3) the slots
// 8 + 8k .. 8 + 8k + 7 hold: runs, jiffies of runs 1 and 2, CPU and worker pid of runs 1 and
// 2, clock of run 1, and whether run 1 has finished.
export const WR_J0: i32 = 0;             // jiffies when the scenario's first call was made
export const WR_RET1: i32 = 1;           // results of the scenario's queue/cancel calls
export const WR_RET2: i32 = 2;
export const WR_RET3: i32 = 3;
export const WR_J1: i32 = 4;             // a later jiffy the scenario notes (see each)
export const WR_J2: i32 = 5;
export const WR_MAX_ACTIVE: i32 = 6;     // most runs of one work at the same time
export const WR_DONE: i32 = 7;
export const WR_WORK: i32 = 8;           // + 8 * k
export const W_RUNS: i32 = 0;
export const W_J_1: i32 = 1;
export const W_J_2: i32 = 2;
export const W_CPU_1: i32 = 3;
export const W_CPU_2: i32 = 4;
export const W_PID_1: i32 = 5;
export const W_PID_2: i32 = 6;
export const W_FINISHED_1: i32 = 7;
export const WR_SNAP: i32 = 40;          // snapshots taken when flush returned: 40 + 8k = runs,
                                         // 41 + 8k = finished runs of work k
const NR_SLOTS: i32 = 80;

const res = memory.data(NR_SLOTS * 8);
// @ts-ignore: decorator
@inline function set(i: i32, v: i64): void { store<i64>(res + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function get(i: i32): i64 { return load<i64>(res + (<usize>i << 3)); }
export function st_wq_res(i: i32): i64 { return get(i); }

const NR_WORKS: i32 = 4;
let wq: workqueue_struct = changetype<workqueue_struct>(0);
let works: usize = 0;                     // work_struct[NR_WORKS]
const sleep_in_work = memory.data(NR_WORKS * 4);   // i32 per work: jiffies its first run sleeps
const finished = memory.data(NR_WORKS * 4);        // i32 per work: runs that have returned
let requeue_self: i32 = 0;
let active: i32 = 0;
let flushing: i32 = 0;

// @ts-ignore: decorator
@inline function work(k: i32): work_struct {
  return changetype<work_struct>(works + <usize>k * offsetof<work_struct>());
}

function sleep_jiffies(n: i32): void {
  current.state = TASK_UNINTERRUPTIBLE;
  schedule_timeout(n);
}

// Records the run, sleeps if asked (a work function may sleep: it runs in the worker), and for
// work 3 with requeue_self set, queues itself again from inside its own first run.
function st_work_fn(k: usize): void {
  let i = <i32>k;
  let base = WR_WORK + 8 * i;
  let n = <i32>get(base + W_RUNS);
  set(base + W_RUNS, n + 1);
  if (n < 2) {
    set(base + W_J_1 + n, jiffies);
    set(base + W_CPU_1 + n, this_cpu.id);
    set(base + W_PID_1 + n, current.pid);
  }
  active++;
  if (<i64>active > get(WR_MAX_ACTIVE)) set(WR_MAX_ACTIVE, active);
  if (i == 3 && requeue_self && n == 0) set(WR_RET3, queue_work(wq, work(3)));
  let s = load<i32>(sleep_in_work + (<usize>i << 2));
  if (s > 0 && n == 0) sleep_jiffies(s);
  active--;
  if (n == 0) set(base + W_FINISHED_1, 1);
  store<i32>(finished + (<usize>i << 2), load<i32>(finished + (<usize>i << 2)) + 1);
}

// One test workqueue per machine (each test boots its own); every scenario resets the works.
function reset(): void {
  memory.fill(res, 0, NR_SLOTS * 8);
  if (!changetype<usize>(wq)) {
    wq = create_workqueue("stwq");
    works = heap.alloc(<usize>NR_WORKS * offsetof<work_struct>());
  }
  for (let k = 0; k < NR_WORKS; k++) {
    memory.fill(changetype<usize>(work(k)), 0, offsetof<work_struct>());
    INIT_WORK(work(k), st_work_fn.index, <usize>k);
  }
  memory.fill(sleep_in_work, 0, NR_WORKS * 4);
  memory.fill(finished, 0, NR_WORKS * 4);
  requeue_self = 0;
  active = 0;
  flushing = 0;
}

// ---- a second queue_delayed_work does not shorten a pending delay

function delay_thread(data: usize): void {
  set(WR_J0, jiffies);
  set(WR_RET1, queue_delayed_work(wq, work(0), 10));
  sleep_jiffies(2);
  set(WR_J1, jiffies);
  set(WR_RET2, queue_delayed_work(wq, work(0), 1));
  sleep_jiffies(20);
  set(WR_DONE, 1);
}

// On cpu: work 0 delayed by 10; 2 jiffies later delayed again by 1.
export function st_wq_delay_twice(cpu: i32): void {
  reset();
  kthread_create("st-wq", delay_thread.index, 0, 0, cpu);
}

// ---- delay 0 waits for the next tick; queue_work does not

function delay0_thread(data: usize): void {
  sleep_jiffies(1);                      // start just after a tick
  set(WR_J0, jiffies);
  set(WR_RET1, queue_delayed_work(wq, work(0), 0));
  set(WR_RET2, queue_work(wq, work(1)));
  set(WR_J1, jiffies);
  set(WR_SNAP, get(WR_WORK + W_RUNS));   // runs of work 0 when queue_delayed_work returned
  sleep_jiffies(5);
  set(WR_DONE, 1);
}

// On cpu: work 0 with queue_delayed_work(…, 0), then work 1 with queue_work, same jiffy.
export function st_wq_delay_zero(cpu: i32): void {
  reset();
  kthread_create("st-wq", delay0_thread.index, 0, 0, cpu);
}

// ---- flush_workqueue waits for what was queued before it, not after

function flusher_thread(data: usize): void {
  set(WR_J0, jiffies);
  set(WR_RET1, queue_work(wq, work(0)));                   // A: sleeps 5 jiffies
  set(WR_RET2, queue_delayed_work(wq, work(2), 50));       // D: timer armed, not queued
  flushing = 1;
  flush_workqueue(wq);
  set(WR_J1, jiffies);
  for (let k = 0; k < NR_WORKS; k++) {
    set(WR_SNAP + 8 * k, get(WR_WORK + 8 * k + W_RUNS));
    set(WR_SNAP + 8 * k + 1, load<i32>(finished + (<usize>k << 2)));
  }
  sleep_jiffies(80);
  set(WR_DONE, 1);
}

function late_queuer_thread(data: usize): void {
  while (!flushing) sleep_jiffies(1);
  sleep_jiffies(1);
  set(WR_J2, jiffies);
  set(WR_RET3, queue_work(wq, work(1)));                   // B: queued during the flush
}

// Both threads on cpu. The flusher queues A (sleeps 5 jiffies in its function) and arms D for
// +50, then flushes; a jiffy into the flush the other thread queues B (sleeps 20) on the same
// CPU's list.
export function st_wq_flush(cpu: i32): void {
  reset();
  store<i32>(sleep_in_work, 5);
  store<i32>(sleep_in_work + 4, 20);
  kthread_create("st-flush", flusher_thread.index, 0, 0, cpu);
  kthread_create("st-late", late_queuer_thread.index, 0, 0, cpu);
}

// ---- cancel_delayed_work stops an armed delayed work

function cancel_thread(data: usize): void {
  set(WR_J0, jiffies);
  set(WR_RET1, queue_delayed_work(wq, work(0), 5));
  set(WR_RET2, cancel_delayed_work(work(0)));
  set(WR_SNAP, work(0).pending);
  sleep_jiffies(10);
  set(WR_SNAP + 1, get(WR_WORK + W_RUNS));               // runs by J0 + 10: none
  set(WR_J1, jiffies);
  set(WR_RET3, queue_delayed_work(wq, work(0), 3));       // not pending any more: accepted
  sleep_jiffies(5);
  set(WR_SNAP + 2, cancel_delayed_work(work(0)));        // already ran: nothing to cancel
  set(WR_DONE, 1);
}

export function st_wq_cancel(cpu: i32): void {
  reset();
  kthread_create("st-wq", cancel_thread.index, 0, 0, cpu);
}

// ---- a running work queued again from another CPU runs there at the same time

function first_queuer_thread(data: usize): void {
  set(WR_J0, jiffies);
  set(WR_RET1, queue_work(wq, work(0)));
}

function second_queuer_thread(data: usize): void {
  while (!active) sleep_jiffies(1);
  set(WR_J1, jiffies);
  set(WR_RET2, queue_work(wq, work(0)));
  sleep_jiffies(10);
  set(WR_DONE, 1);
}

// Work 0 (sleeps 4 jiffies in its first run) is queued from cpu_a; once it runs, a thread on
// cpu_b queues it again.
export function st_wq_concurrent(cpu_a: i32, cpu_b: i32): void {
  reset();
  store<i32>(sleep_in_work, 4);
  kthread_create("st-q0", first_queuer_thread.index, 0, 0, cpu_a);
  kthread_create("st-q1", second_queuer_thread.index, 0, 0, cpu_b);
}

// ---- a work may queue itself again from its own function

function self_thread(data: usize): void {
  set(WR_J0, jiffies);
  set(WR_RET1, queue_work(wq, work(3)));
  sleep_jiffies(5);
  set(WR_DONE, 1);
}

// Work 3 queues itself once from its first run (result in WR_RET3).
export function st_wq_requeue_self(cpu: i32): void {
  reset();
  requeue_self = 1;
  kthread_create("st-wq", self_thread.index, 0, 0, cpu);
}

// The test workqueue, for the wq_* read-outs of assembly/index.ts.
export function st_wq_ptr(): usize { return changetype<usize>(wq); }
