// Workqueues (kernel/workqueue.c and the inlines of include/linux/workqueue.h, 2.6.9).
//
// A workqueue has one cpu_workqueue_struct per CPU, each with a worker kthread "<name>/<cpu>"
// bound to that CPU at nice -10. queue_work puts a work on the calling CPU's list; a delayed
// work arms the work's own timer, and the timer function queues it on the CPU where the timer
// fired. The worker clears a work's pending bit before calling its function, so a work can be
// queued again — on any CPU — while it runs: two CPUs' workers can run one work at once.
// flush_workqueue waits only for works queued before it looked at each CPU.
// Not ported: CPU hotplug, destroy_workqueue/kthread_stop (nothing in the simulator destroys a
// workqueue), freezing.
import { list_head, INIT_LIST_HEAD, list_add, list_add_tail, list_del_init, list_empty } from "../include/linux/list";
import { spinlock_t } from "../include/linux/spinlock";
import { wait_queue_t, wait_queue_head_t } from "../include/linux/wait";
import { task_struct, TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE } from "../include/linux/sched";
import { timer_list, timer_pending } from "../include/linux/timer";
import { work_struct, work_of_entry } from "../include/linux/workqueue";
import { test_and_set_bit, clear_bit } from "../include/linux/bitops";
import { this_cpu, current, charge, nr_cpus, NR_CPUS } from "./cpu";
import { COST_WORK_DISPATCH } from "./profile";
import { schedule, kthread_create } from "./sched";
import { spin_lock_init, spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq,
         spin_lock_irqsave, spin_unlock_irqrestore, lock_class_register } from "./spinlock";
import { init_waitqueue_head, init_waitqueue_entry, init_wait, add_wait_queue, remove_wait_queue,
         prepare_to_wait, finish_wait, wake_up } from "./wait";
import { jiffies, init_timer, add_timer, add_timer_on, del_timer_sync } from "./timer";
import { BUG, BUG_ON, WARN_ON } from "./panic";
import { trace_on, trace_record, TR_WORK } from "./trace";
import { might_sleep } from "./lockdep";

// struct cpu_workqueue_struct — 68 bytes in 2.6.9, cache-line aligned (128 on a P4): ours puts
// its counters in the padding.
//   0                 8                 12                16                24
//   +--------+--------+-----------------+-----------------+--------+--------+
//   |      lock       | remove_sequence | insert_sequence |    worklist     |
//   +--------+--------+-----------------+-----------------+--------+--------+
//  24                                   40                                  56
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   |         more_work (16)            |         work_done (16)            |
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//  56      60       64          68       72           76    80 .. 128
//   +-------+--------+-----------+--------+------------+-----+---------+
//   |  wq   | thread | run_depth | nr_run | nr_wakeups | cpu | padding |
//   +-------+--------+-----------+--------+------------+-----+---------+
// nr_run: works this CPU's list has run; nr_wakeups: times its worker returned from sleeping.
// @ts-ignore: decorator
@unmanaged export class cpu_workqueue_struct {
  lock_slock: u32;
  lock_dep: u32;
  remove_sequence: i32;
  insert_sequence: i32;
  worklist_next: usize;
  worklist_prev: usize;
  more_work_lock_slock: u32;
  more_work_lock_dep: u32;
  more_work_task_list_next: usize;
  more_work_task_list_prev: usize;
  work_done_lock_slock: u32;
  work_done_lock_dep: u32;
  work_done_task_list_next: usize;
  work_done_task_list_prev: usize;
  wq: usize;
  thread: task_struct;
  run_depth: i32;
  nr_run: u32;
  nr_wakeups: u32;
  cpu: i32;

  // @ts-ignore: decorator
  @inline get lock(): spinlock_t { return changetype<spinlock_t>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get worklist(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<cpu_workqueue_struct>("worklist_next"));
  }
  // @ts-ignore: decorator
  @inline get more_work(): wait_queue_head_t {
    return changetype<wait_queue_head_t>(changetype<usize>(this) + offsetof<cpu_workqueue_struct>("more_work_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get work_done(): wait_queue_head_t {
    return changetype<wait_queue_head_t>(changetype<usize>(this) + offsetof<cpu_workqueue_struct>("work_done_lock_slock"));
  }
}
export const CWQ_STRIDE: usize = 128;

// struct workqueue_struct — NR_CPUS * 128 + 16 bytes
//   0                     NR_CPUS*128   +4            +12        +16
//   +---------------------+-------------+-------------+----------+
//   | cpu_wq[NR_CPUS]     |    name     |    list     | all_next |
//   +---------------------+-------------+-------------+----------+
// list links multi-threaded queues on `workqueues` (empty: single-threaded, as in 2.6.9);
// all_next (ours) chains every workqueue, for the host's look-up by name.
const WQ_NAME: usize = <usize>NR_CPUS * CWQ_STRIDE;
const WQ_LIST: usize = WQ_NAME + 4;
const WQ_ALL_NEXT: usize = WQ_LIST + 8;
export const WQ_SIZE: usize = WQ_ALL_NEXT + 4;

// @ts-ignore: decorator
@unmanaged export class workqueue_struct {
  // @ts-ignore: decorator
  @inline cpu_wq(cpu: i32): cpu_workqueue_struct {
    return changetype<cpu_workqueue_struct>(changetype<usize>(this) + <usize>cpu * CWQ_STRIDE);
  }
  // @ts-ignore: decorator
  @inline get name(): string { return changetype<string>(load<usize>(changetype<usize>(this) + WQ_NAME)); }
  // @ts-ignore: decorator
  @inline set name(s: string) { store<usize>(changetype<usize>(this) + WQ_NAME, changetype<usize>(s)); }
  // @ts-ignore: decorator
  @inline get list(): list_head { return changetype<list_head>(changetype<usize>(this) + WQ_LIST); }
  // @ts-ignore: decorator
  @inline get all_next(): usize { return load<usize>(changetype<usize>(this) + WQ_ALL_NEXT); }
  // @ts-ignore: decorator
  @inline set all_next(p: usize) { store<usize>(changetype<usize>(this) + WQ_ALL_NEXT, p); }
}

let workqueue_lock: spinlock_t = changetype<spinlock_t>(memory.data(8));
let workqueues: list_head = changetype<list_head>(memory.data(8));
let all_workqueues: usize = 0;
let wq_initialised = false;
let cwq_lock_class: i32 = 0;
let more_work_class: i32 = 0;
let work_done_class: i32 = 0;

// Wait entries 2.6.9 keeps in a stack frame (worker_thread, flush_cpu_workqueue) come from
// this free list; taking one costs nothing, as a stack slot does not.
let onstack_waits: usize = 0;
function onstack_wait_get(): wait_queue_t {
  let p = onstack_waits;
  if (p) onstack_waits = load<usize>(p);
  else p = heap.alloc(offsetof<wait_queue_t>());
  memory.fill(p, 0, offsetof<wait_queue_t>());
  return changetype<wait_queue_t>(p);
}
function onstack_wait_put(w: wait_queue_t): void {
  store<usize>(changetype<usize>(w), onstack_waits);
  onstack_waits = changetype<usize>(w);
}

// ---- header inlines (include/linux/workqueue.h)

// Sets func and data of a work. include/linux/workqueue.h (2.6.9): PREPARE_WORK
export function PREPARE_WORK(work: work_struct, func: u32, data: usize): void {
  work.func = func;
  work.data = data;
}

// Initialises all of a work: off any list, not pending, its timer ready.
// include/linux/workqueue.h (2.6.9): INIT_WORK
export function INIT_WORK(work: work_struct, func: u32, data: usize): void {
  INIT_LIST_HEAD(work.entry);
  work.pending = 0;
  PREPARE_WORK(work, func, data);
  init_timer(work.timer);
}

// Disarms a delayed work's timer, waiting for the timer function if it is running; only if a
// pending timer was removed is the work no longer pending. A work already on a CPU list, or
// running, is left alone. include/linux/workqueue.h (2.6.9): cancel_delayed_work
export function cancel_delayed_work(work: work_struct): i32 {
  let ret = del_timer_sync(work.timer);
  if (ret) clear_bit(0, work.pending_addr);
  return ret;
}

// ---- kernel/workqueue.c

// @ts-ignore: decorator
@inline function is_single_threaded(wq: workqueue_struct): bool { return list_empty(wq.list); }

// Puts the work on cwq's list and wakes its worker. kernel/workqueue.c (2.6.9): __queue_work
function __queue_work(cwq: cpu_workqueue_struct, work: work_struct): void {
  let flags = spin_lock_irqsave(cwq.lock);
  work.wq_data = changetype<usize>(cwq);
  list_add_tail(work.entry, cwq.worklist);
  cwq.insert_sequence++;
  wake_up(cwq.more_work);
  spin_unlock_irqrestore(cwq.lock, flags);
}

// Queues the work on the calling CPU's list unless it is already pending; 1 if queued.
// kernel/workqueue.c (2.6.9): queue_work
export function queue_work(wq: workqueue_struct, work: work_struct): i32 {
  let ret = 0;
  let cpu = this_cpu.id;
  if (!test_and_set_bit(0, work.pending_addr)) {
    if (is_single_threaded(wq)) cpu = 0;
    BUG_ON(!list_empty(work.entry), "queue_work: work not pending but on a list");
    __queue_work(wq.cpu_wq(cpu), work);
    ret = 1;
  }
  return ret;
}

// Timer function of a delayed work: queue it on this CPU (the one the timer fired on).
// kernel/workqueue.c (2.6.9): delayed_work_timer_fn
function delayed_work_timer_fn(__data: usize): void {
  let work = changetype<work_struct>(__data);
  let wq = changetype<workqueue_struct>(work.wq_data);
  let cpu = this_cpu.id;
  if (is_single_threaded(wq)) cpu = 0;
  __queue_work(wq.cpu_wq(cpu), work);
}

// Queues the work `delay` jiffies from now (delay 0: at the next tick) unless it is already
// pending — a pending work keeps its earlier delay. 1 if armed.
// kernel/workqueue.c (2.6.9): queue_delayed_work
export function queue_delayed_work(wq: workqueue_struct, work: work_struct, delay: u32): i32 {
  let ret = 0;
  let timer = work.timer;
  if (!test_and_set_bit(0, work.pending_addr)) {
    BUG_ON(timer_pending(timer), "queue_delayed_work: timer already pending");
    BUG_ON(!list_empty(work.entry), "queue_delayed_work: work not pending but on a list");
    // the timer function finds the workqueue here until the work is on a CPU list
    work.wq_data = changetype<usize>(wq);
    timer.expires = jiffies + delay;
    timer.data = changetype<usize>(work);
    timer.function = delayed_work_timer_fn.index;
    add_timer(timer);
    ret = 1;
  }
  return ret;
}

// Runs every work on cwq's list, the list lock dropped around each function; each work is
// off the list and no longer pending before its function is called.
// kernel/workqueue.c (2.6.9): run_workqueue
function run_workqueue(cwq: cpu_workqueue_struct): void {
  let flags = spin_lock_irqsave(cwq.lock);
  cwq.run_depth++;
  if (cwq.run_depth > 3) WARN_ON(true, "run_workqueue: recursion depth exceeded");
  while (!list_empty(cwq.worklist)) {
    let work = work_of_entry(cwq.worklist.next);
    let f = work.func;
    let data = work.data;
    list_del_init(cwq.worklist.next);
    charge(COST_WORK_DISPATCH);
    spin_unlock_irqrestore(cwq.lock, flags);

    BUG_ON(work.wq_data != changetype<usize>(cwq), "run_workqueue: work on a foreign list");
    clear_bit(0, work.pending_addr);
    cwq.nr_run++;
    if (trace_on) trace_record(this_cpu.clock, TR_WORK, this_cpu.id, <i32>f, <i32>data, current.pid);
    call_indirect<void>(f, data);

    flags = spin_lock_irqsave(cwq.lock);
    cwq.remove_sequence++;
    wake_up(cwq.work_done);
  }
  cwq.run_depth--;
  spin_unlock_irqrestore(cwq.lock, flags);
}

// The worker kthread of one CPU's list: sleeps interruptibly on more_work until the list has
// something, runs it, repeats. kernel/workqueue.c (2.6.9): worker_thread
function worker_thread(__cwq: usize): void {
  let cwq = changetype<cpu_workqueue_struct>(__cwq);
  let wait = onstack_wait_get();
  init_waitqueue_entry(wait, current);
  // 2.6.9 renices itself to -10 here; kthread_create already started it at -10.
  current.state = TASK_INTERRUPTIBLE;
  for (;;) {
    // 2.6.9 blocks and flushes every signal; ours drops any that arrived
    current.sigpending = 0;
    add_wait_queue(cwq.more_work, wait);
    if (list_empty(cwq.worklist)) {
      schedule();
      cwq.nr_wakeups++;
    } else {
      current.state = TASK_RUNNING;
    }
    remove_wait_queue(cwq.more_work, wait);
    if (!list_empty(cwq.worklist)) run_workqueue(cwq);
    current.state = TASK_INTERRUPTIBLE;
  }
}

// Waits until every work that was on cwq's list when we looked has run; a worker flushing its
// own list runs it instead. kernel/workqueue.c (2.6.9): flush_cpu_workqueue
function flush_cpu_workqueue(cwq: cpu_workqueue_struct): void {
  if (cwq.thread === current) {
    // keventd flushing its own queue would wait for itself: run it by hand
    run_workqueue(cwq);
  } else {
    let wait = onstack_wait_get();
    init_wait(wait);
    spin_lock_irq(cwq.lock);
    let sequence_needed = cwq.insert_sequence;
    while (sequence_needed - cwq.remove_sequence > 0) {
      prepare_to_wait(cwq.work_done, wait, TASK_UNINTERRUPTIBLE);
      spin_unlock_irq(cwq.lock);
      schedule();
      spin_lock_irq(cwq.lock);
    }
    finish_wait(cwq.work_done, wait);
    spin_unlock_irq(cwq.lock);
    onstack_wait_put(wait);
  }
}

// Waits for the works queued on every CPU's list before this call (CPU by CPU, each sampled
// when reached). Works queued later and delayed works whose timer has not fired are not
// waited for. May sleep. kernel/workqueue.c (2.6.9): flush_workqueue
export function flush_workqueue(wq: workqueue_struct): void {
  might_sleep("flush_workqueue");
  if (is_single_threaded(wq)) {
    flush_cpu_workqueue(wq.cpu_wq(0));
  } else {
    for (let cpu = 0; cpu < nr_cpus; cpu++) flush_cpu_workqueue(wq.cpu_wq(cpu));
  }
}

// Writes "<name>/<cpu>" (or "<name>") into the task's comm.
function set_worker_comm(t: task_struct, name: string, cpu: i32): void {
  let p = t.comm;
  memory.fill(p, 0, 16);
  let n = min(name.length, 15);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>name.charCodeAt(i));
  if (cpu < 0 || n > 12) return;
  store<u8>(p + <usize>n, 0x2f);   // '/'
  n++;
  if (cpu >= 10) { store<u8>(p + <usize>n, <u8>(0x30 + cpu / 10)); n++; }
  store<u8>(p + <usize>n, <u8>(0x30 + cpu % 10));
}

// Initialises one CPU's part of wq and starts its worker (bound to that CPU unless the queue
// is single-threaded). kernel/workqueue.c (2.6.9): create_workqueue_thread
function create_workqueue_thread(wq: workqueue_struct, cpu: i32): task_struct {
  let cwq = wq.cpu_wq(cpu);
  spin_lock_init(cwq.lock, cwq_lock_class);
  cwq.wq = changetype<usize>(wq);
  cwq.thread = changetype<task_struct>(0);
  cwq.insert_sequence = 0;
  cwq.remove_sequence = 0;
  cwq.cpu = cpu;
  INIT_LIST_HEAD(cwq.worklist);
  init_waitqueue_head(cwq.more_work, more_work_class);
  init_waitqueue_head(cwq.work_done, work_done_class);
  let single = is_single_threaded(wq);
  let p = kthread_create(wq.name, worker_thread.index, changetype<usize>(cwq), -10, single ? -1 : cpu);
  set_worker_comm(p, wq.name, single ? -1 : cpu);
  cwq.thread = p;
  return p;
}

function workqueue_init_once(): void {
  if (wq_initialised) return;
  wq_initialised = true;
  spin_lock_init(workqueue_lock, lock_class_register("workqueue_lock"));
  INIT_LIST_HEAD(workqueues);
  cwq_lock_class = lock_class_register("cpu_workqueue.lock");
  more_work_class = lock_class_register("cpu_workqueue.more_work");
  work_done_class = lock_class_register("cpu_workqueue.work_done");
}

// Creates a workqueue: one worker per online CPU, or one in all for a single-threaded queue.
// The name (a static string, at most 10 characters) must outlive the queue.
// kernel/workqueue.c (2.6.9): __create_workqueue
export function __create_workqueue(name: string, singlethread: bool): workqueue_struct {
  workqueue_init_once();
  if (name.length > 10) BUG("__create_workqueue: name longer than 10 characters");
  let wq = changetype<workqueue_struct>(heap.alloc(WQ_SIZE));
  memory.fill(changetype<usize>(wq), 0, WQ_SIZE);
  wq.name = name;
  wq.all_next = all_workqueues;
  all_workqueues = changetype<usize>(wq);
  if (singlethread) {
    INIT_LIST_HEAD(wq.list);
    create_workqueue_thread(wq, 0);
  } else {
    spin_lock(workqueue_lock);
    list_add(wq.list, workqueues);
    spin_unlock(workqueue_lock);
    for (let cpu = 0; cpu < nr_cpus; cpu++) create_workqueue_thread(wq, cpu);
  }
  return wq;
}

// include/linux/workqueue.h (2.6.9): create_workqueue, create_singlethread_workqueue
export function create_workqueue(name: string): workqueue_struct { return __create_workqueue(name, false); }
export function create_singlethread_workqueue(name: string): workqueue_struct { return __create_workqueue(name, true); }

// ---- keventd: the shared "events" queue

export let keventd_wq: workqueue_struct = changetype<workqueue_struct>(0);

// kernel/workqueue.c (2.6.9): schedule_work
export function schedule_work(work: work_struct): i32 { return queue_work(keventd_wq, work); }

// kernel/workqueue.c (2.6.9): schedule_delayed_work
export function schedule_delayed_work(work: work_struct, delay: u32): i32 {
  return queue_delayed_work(keventd_wq, work, delay);
}

// As queue_delayed_work on keventd, with the timer armed on a chosen CPU.
// kernel/workqueue.c (2.6.9): schedule_delayed_work_on
export function schedule_delayed_work_on(cpu: i32, work: work_struct, delay: u32): i32 {
  let ret = 0;
  let timer = work.timer;
  if (!test_and_set_bit(0, work.pending_addr)) {
    BUG_ON(timer_pending(timer), "schedule_delayed_work_on: timer already pending");
    BUG_ON(!list_empty(work.entry), "schedule_delayed_work_on: work not pending but on a list");
    work.wq_data = changetype<usize>(keventd_wq);
    timer.expires = jiffies + delay;
    timer.data = changetype<usize>(work);
    timer.function = delayed_work_timer_fn.index;
    add_timer_on(timer, cpu);
    ret = 1;
  }
  return ret;
}

// kernel/workqueue.c (2.6.9): flush_scheduled_work
export function flush_scheduled_work(): void { flush_workqueue(keventd_wq); }

// kernel/workqueue.c (2.6.9): keventd_up
export function keventd_up(): i32 { return changetype<usize>(keventd_wq) != 0 ? 1 : 0; }

// kernel/workqueue.c (2.6.9): current_is_keventd
export function current_is_keventd(): i32 {
  BUG_ON(!changetype<usize>(keventd_wq), "current_is_keventd: keventd not up");
  return keventd_wq.cpu_wq(this_cpu.id).thread === current ? 1 : 0;
}

// Boot: the "events/N" workers. kernel/workqueue.c (2.6.9): init_workqueues
export function init_workqueues(): void {
  keventd_wq = create_workqueue("events");
}

// ---- read-outs for the host

// The workqueue created under `name`, or null.
export function workqueue_by_name(name: string): workqueue_struct {
  for (let p = all_workqueues; p; p = changetype<workqueue_struct>(p).all_next) {
    if (changetype<workqueue_struct>(p).name == name) return changetype<workqueue_struct>(p);
  }
  return changetype<workqueue_struct>(0);
}
