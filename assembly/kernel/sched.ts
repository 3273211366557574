// The scheduler, shaped like 2.6.9's O(1) scheduler where its rules decide how many context
// switches an AIO kick costs: per-CPU runqueues of 140 priority lists with a bitmap; static
// priority from nice; a woken task goes back to the CPU it last ran on; a woken task of higher
// priority than the running one sets need_resched, and the switch happens at the next
// preemption point (return to user mode); time slices from nice, expired at a tick.
// Deviations (docs/port-map.md, "kernel"): no interactivity bonus and no expired array — a
// task whose slice runs out goes to the tail of its priority list; no load balancing unless
// the profile turns on wake-affine placement.
import { list_head, INIT_LIST_HEAD, list_add_tail, list_del_init, list_empty } from "../include/linux/list";
import { spinlock_t } from "../include/linux/spinlock";
import {
  task_struct, mm_struct, task_of_run_list, task_of_tasks, TASK_RUNNING, TASK_INTERRUPTIBLE,
  TASK_UNINTERRUPTIBLE, EXIT_ZOMBIE, EXIT_DEAD, PF_KTHREAD, PF_IDLE, PF_USER, PF_EXITING,
  MAX_PRIO, NICE_TO_PRIO, MAX_HELD_LOCKS,
} from "../include/linux/sched";
import { thread_struct, arch_thread_init, arch_switch_out } from "../arch/switch";
import {
  cpu_t, cpus, nr_cpus, this_cpu, current, cpu_of, charge, interleave, set_curr_task,
  local_irq_disable, local_irq_enable, local_irq_save, local_irq_restore, cpu_kick, in_atomic,
  NR_CPUS, compute_yield_at, in_task,
} from "./cpu";
import { COST_CONTEXT_SWITCH, COST_IPI, COST_WAKEUP, HZ, cost, cycles_per_jiffy, sched_balance } from "./profile";
import { spin_lock_init, spin_lock, spin_unlock, lock_class_register, held_locks_text } from "./spinlock";
import { BUG, panic } from "./panic";
import { trace_on, trace_record, TR_SWITCH, TR_WAKEUP, TR_EXIT } from "./trace";
import { alloc_contig } from "../mm/page_alloc";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free, SLAB_NOFAULT } from "../mm/slab";

// ---- runqueues

// struct runqueue (simulator) — per CPU
// @ts-ignore: decorator
@unmanaged export class runqueue {
  lock_slock: u32;
  lock_dep: u32;
  nr_running: i32;
  cpu: i32;
  bitmap0: u32;
  bitmap1: u32;
  bitmap2: u32;
  bitmap3: u32;
  bitmap4: u32;
  queues: usize;            // list_head[MAX_PRIO]

  // @ts-ignore: decorator
  @inline get lock(): spinlock_t { return changetype<spinlock_t>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline queue(prio: i32): list_head { return changetype<list_head>(this.queues + (<usize>prio << 3)); }
  // @ts-ignore: decorator
  @inline get bitmap(): usize { return changetype<usize>(this) + offsetof<runqueue>("bitmap0"); }
}

// @ts-ignore: decorator
@inline export function cpu_rq(cpu: i32): runqueue { return changetype<runqueue>(cpu_of(cpu).rq); }

function enqueue_task(p: task_struct, rq: runqueue): void {
  list_add_tail(p.run_list, rq.queue(p.prio));
  let w = rq.bitmap + (<usize>(p.prio >> 5) << 2);
  store<u32>(w, load<u32>(w) | (1 << (p.prio & 31)));
  rq.nr_running++;
  p.on_rq = 1;
}

function dequeue_task(p: task_struct, rq: runqueue): void {
  list_del_init(p.run_list);
  if (list_empty(rq.queue(p.prio))) {
    let w = rq.bitmap + (<usize>(p.prio >> 5) << 2);
    store<u32>(w, load<u32>(w) & ~(1 << (p.prio & 31)));
  }
  rq.nr_running--;
  p.on_rq = 0;
}

// Highest-priority runnable task, or null.
function sched_find_first(rq: runqueue): task_struct {
  for (let i = 0; i < 5; i++) {
    let w = load<u32>(rq.bitmap + (<usize>i << 2));
    if (w) return task_of_run_list(rq.queue((i << 5) + <i32>ctz(w)).next);
  }
  return changetype<task_struct>(0);
}

// 2.6.9 BASE_TIMESLICE: 10 ms at nice 19 up to 200 ms at nice -20, about 100 ms at nice 0.
export function task_timeslice(p: task_struct): i32 {
  let ms = 10 + (200 - 10) * (MAX_PRIO - 1 - p.static_prio) / 39;
  let j = ms * <i32>HZ / 1000;
  return j > 0 ? j : 1;
}

// ---- global task bookkeeping

export let all_tasks: list_head = changetype<list_head>(memory.data(8));
export let nr_tasks: i32 = 0;
export let nr_user_alive: i32 = 0;
export let nr_user_spawned: i32 = 0;
let next_pid: i32 = 1;
export let nr_context_switches: u64 = 0;

let task_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let rq_lock_class: i32 = 0;
let alloc_lock_class: i32 = 0;

export let abuf_size: usize = 64 * 1024;   // Asyncify save area per task
export const C_STACK_SIZE: usize = 8192;    // 2.6.9 i386 THREAD_SIZE

// Save areas are recycled by size through this free list (first word links them).
let free_stacks: usize = 0;

function alloc_stack_area(): usize {
  let p = free_stacks;
  if (p) { free_stacks = load<usize>(p); return p; }
  return alloc_contig(abuf_size + C_STACK_SIZE + offsetof<thread_struct>() + 4 * MAX_HELD_LOCKS);
}

export function set_comm(t: task_struct, name: string): void {
  let p = t.comm;
  memory.fill(p, 0, 16);
  let n = min(name.length, 15);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>name.charCodeAt(i));
}

// Allocates a task, its save area and C stack. entry(arg) is where it starts when first run.
export function alloc_task(name: string, nice: i32, flags: u32, entry: u32, cpu: i32): task_struct {
  let t = changetype<task_struct>(kmem_cache_alloc(task_cachep));
  memory.fill(changetype<usize>(t), 0, offsetof<task_struct>());
  let area = alloc_stack_area();
  let th = changetype<thread_struct>(area + abuf_size + C_STACK_SIZE);
  arch_thread_init(th, entry, changetype<usize>(t), area, abuf_size, area + abuf_size, C_STACK_SIZE);
  t.thread = th;
  t.held_locks = changetype<usize>(th) + offsetof<thread_struct>();
  t.flags = flags;
  t.pid = next_pid++;
  t.tgid = t.pid;
  t.static_prio = NICE_TO_PRIO(nice);
  t.prio = t.static_prio;
  t.time_slice = task_timeslice(t);
  t.cpu = cpu >= 0 ? cpu : 0;
  t.cpus_allowed = cpu >= 0 ? (1 << cpu) : 0xffffffff;
  t.state = TASK_RUNNING;
  INIT_LIST_HEAD(t.run_list);
  spin_lock_init(t.alloc_lock, alloc_lock_class);
  set_comm(t, name);
  list_add_tail(t.tasks, all_tasks);
  nr_tasks++;
  if (flags & PF_USER) { nr_user_alive++; nr_user_spawned++; }
  return t;
}

export function free_task(t: task_struct): void {
  list_del_init(t.tasks);
  nr_tasks--;
  let area = changetype<usize>(t.thread) - abuf_size - C_STACK_SIZE;
  store<usize>(area, free_stacks);
  free_stacks = area;
  kmem_cache_free(task_cachep, changetype<usize>(t));
}

export function find_task_by_pid(pid: i32): task_struct {
  let h = all_tasks;
  for (let l = h.next; l !== h; l = l.next) {
    let t = task_of_tasks(l);
    if (t.pid == pid) return t;
  }
  return changetype<task_struct>(0);
}

// Puts a new task on its CPU's runqueue (wake_up_new_task / wake_up_forked_process).
export function wake_up_new_task(p: task_struct): void {
  let rq = cpu_rq(p.cpu);
  let flags = local_irq_save();
  spin_lock(rq.lock);
  enqueue_task(p, rq);
  let cur = cpu_of(p.cpu).curr;
  if (p.prio < cur.prio) resched_task(cur, cpu_of(p.cpu));
  spin_unlock(rq.lock);
  local_irq_restore(flags);
}

// ---- wake-ups

function resched_task(p: task_struct, c: cpu_t): void {
  if (p.need_resched) return;
  p.need_resched = 1;
  if (c !== this_cpu) {
    // smp_send_reschedule: the target notices at its next interleave point; a halted one wakes
    charge(COST_IPI);
    c.ipi_pending = 1;
    cpu_kick(c, this_cpu.clock);
  }
}

export let nr_wakeups: u64 = 0;

// Wakes p if its state is in `state`; returns 1 if it was woken. sync: the waker is about to
// sleep, so do not preempt it for the wakee (wake_up_*_sync).
export function try_to_wake_up(p: task_struct, state: i32, sync: bool): i32 {
  if (!(p.state & state)) return 0;
  charge(COST_WAKEUP);
  let cpu = p.cpu;
  if (sched_balance && (p.cpus_allowed & (1 << this_cpu.id)) && !(p.flags & PF_KTHREAD)) {
    // wake-affine (profile option): pull the task to the waker's CPU when that CPU is idle
    if (cpu_of(this_cpu.id).curr.flags & PF_IDLE) cpu = this_cpu.id;
  }
  let rq = cpu_rq(cpu);
  let flags = local_irq_save();
  spin_lock(rq.lock);
  let ok = 0;
  if (p.state & state) {
    p.cpu = cpu;
    if (!p.on_rq) enqueue_task(p, rq);
    p.state = TASK_RUNNING;
    nr_wakeups++;
    let c = cpu_of(cpu);
    let cur = c.curr;
    if (p.prio < cur.prio && !(sync && c === this_cpu)) resched_task(cur, c);
    if (trace_on) trace_record(this_cpu.clock, TR_WAKEUP, this_cpu.id, p.pid, cpu, current.pid);
    ok = 1;
  }
  spin_unlock(rq.lock);
  local_irq_restore(flags);
  return ok;
}

export function wake_up_process(p: task_struct): i32 {
  return try_to_wake_up(p, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE | 4 /* TASK_STOPPED */, false);
}
export function wake_up_state(p: task_struct, state: i32): i32 { return try_to_wake_up(p, state, false); }

// ---- signals (just enough for -EINTR)

export function signal_pending(p: task_struct): bool { return p.sigpending != 0; }

export function send_signal(p: task_struct, sig: i32): void {
  p.sigpending |= 1 << sig;
  try_to_wake_up(p, TASK_INTERRUPTIBLE, false);
}

// ---- schedule()

export function schedule(): void {
  if (!in_task) BUG("schedule() called outside any task");
  let prev = current;
  if (in_atomic()) {
    if (prev.lock_depth) BUG("scheduling while atomic: " + prev.lock_depth.toString() + " lock(s) held (" + held_locks_text(prev) + ")");
    BUG("scheduling while atomic: in interrupt context");
  }
  let c = this_cpu;
  let rq = changetype<runqueue>(c.rq);
  local_irq_disable();
  spin_lock(rq.lock);
  c = this_cpu;
  let voluntary = false;
  if (prev.state != TASK_RUNNING && !(prev.flags & PF_IDLE)) {
    if (prev.state == TASK_INTERRUPTIBLE && prev.sigpending) {
      prev.state = TASK_RUNNING;
    } else {
      if (prev.on_rq) dequeue_task(prev, rq);
      voluntary = true;
    }
  }
  let next = sched_find_first(rq);
  if (!next) next = c.idle;
  prev.need_resched = 0;
  if (next === prev) {
    spin_unlock(rq.lock);
    local_irq_enable();
    return;
  }
  // Account and switch. A preempted task keeps its place in its queue (scheduler_tick moves a
  // task whose slice ran out behind its peers).
  charge(COST_CONTEXT_SWITCH);
  let now = c.clock;
  prev.runtime += now - prev.exec_start;
  next.exec_start = now;
  c.nr_switches++;
  nr_context_switches++;
  if (!(prev.flags & PF_IDLE)) {
    if (voluntary) { prev.nvcsw++; c.nvcsw++; } else { prev.nivcsw++; c.nivcsw++; }
  }
  if (trace_on) trace_record(now, TR_SWITCH, c.id, prev.pid, next.pid, prev.state);
  next.cpu = c.id;
  if (switch_mm_fn) call_indirect<void>(switch_mm_fn, changetype<usize>(prev), changetype<usize>(next));
  spin_unlock(rq.lock);
  set_curr_task(next);
  arch_switch_out(prev.thread);
  // resumed: we are current again, possibly much later
  local_irq_enable();
}

// ---- exit

// (prev, next) => void: the mm half of context_switch (kernel/fork.ts context_switch_mm),
// called with the runqueue lock held just before prev leaves the CPU.
export let switch_mm_fn: u32 = 0;
export let exit_hook_fn: u32 = 0;       // (task) => void: releases mm and files (kernel/exit.ts)

// The current task ends: its resources are released, then it schedules away for good.
export function do_exit(code: i32): void {
  let t = current;
  if (t.flags & PF_IDLE) panic("attempted to kill the idle task");
  t.flags |= PF_EXITING;
  t.exit_code = code;
  if (exit_hook_fn) call_indirect<void>(exit_hook_fn, changetype<usize>(t));
  if (trace_on) trace_record(this_cpu.clock, TR_EXIT, this_cpu.id, t.pid, code);
  if (t.flags & PF_USER) nr_user_alive--;
  t.state = EXIT_DEAD;
  unchecked(dead_tasks[this_cpu.id] = changetype<usize>(t));
  schedule();
  BUG("do_exit: a dead task was scheduled");
}
// Per CPU, the task that died there; the engine frees it once it is off the CPU. One slot per
// CPU is enough: a dead task is reaped right after the resume in which it switched away.
const dead_tasks = new StaticArray<usize>(NR_CPUS);
export function reap_dead_task(): void {
  for (let i = 0; i < nr_cpus; i++) {
    let d = unchecked(dead_tasks[i]);
    if (!d) continue;
    // A dying task can give way at an interleave point inside its last schedule() (the runqueue
    // lock) before it has switched away; it is still its CPU's current task then, and freeing
    // it would recycle the save area it is about to be rewound from.
    if (changetype<usize>(cpu_of(i).curr) == d) continue;
    free_task(changetype<task_struct>(d));
    unchecked(dead_tasks[i] = 0);
  }
}

// ---- time slices (called from the timer interrupt)

export function scheduler_tick(): void {
  let c = this_cpu;
  let p = c.curr;
  if (p.flags & PF_IDLE) return;
  if (--p.time_slice <= 0) {
    // Slice used up: a new slice, and the tail of its priority list (2.6.9 would move it to the
    // expired array; with no expired array this is the nearest round-robin).
    p.time_slice = task_timeslice(p);
    p.need_resched = 1;
    let rq = cpu_rq(c.id);
    spin_lock(rq.lock);
    if (p.on_rq) { dequeue_task(p, rq); enqueue_task(p, rq); }
    spin_unlock(rq.lock);
  }
}

// sched_yield: current goes behind every runnable task of its priority and gives way (2.6.9
// moves it to the expired array; without one, the tail of its list is the nearest thing —
// before this, schedule() picked the yielding task again since it was still first in line).
export function yield_current(): void {
  let p = current;
  let rq = cpu_rq(this_cpu.id);
  let flags = local_irq_save();
  spin_lock(rq.lock);
  if (p.on_rq) { dequeue_task(p, rq); enqueue_task(p, rq); }
  p.need_resched = 1;
  spin_unlock(rq.lock);
  local_irq_restore(flags);
  preempt_point();
}

// Preemption point on return to user mode (syscall exit, interrupt return, user work).
export function preempt_point(): void {
  if (current.need_resched) schedule();
}

export function set_user_nice(p: task_struct, nice: i32): void {
  let rq = cpu_rq(p.cpu);
  let flags = local_irq_save();
  spin_lock(rq.lock);
  let queued = p.on_rq;
  if (queued) dequeue_task(p, rq);
  p.static_prio = NICE_TO_PRIO(nice);
  p.prio = p.static_prio;
  if (queued) enqueue_task(p, rq);
  spin_unlock(rq.lock);
  local_irq_restore(flags);
}

// ---- the idle task: halts until the next event, takes ticks, schedules when work appears

export let hang_check_fn: u32 = 0;     // () => bool: true when the machine can never progress

function cpu_idle(arg: usize): void {
  local_irq_enable();
  for (;;) {
    while (!current.need_resched) {
      if (hang_check_fn && call_indirect<bool>(hang_check_fn)) hang_detected = 1;
      let c = this_cpu;
      c.halted = 1;
      c.halt_start = c.clock;
      let wake_at = c.next_tick;
      if (c.next_irq && c.next_irq < wake_at) wake_at = c.next_irq;   // a disk completion comes first
      if (wake_at > c.clock) c.clock = wake_at;
      arch_switch_out(current.thread);
      c = this_cpu;
      c.halted = 0;
      c.idle_cycles += c.clock - c.halt_start;
      c.ipi_pending = 0;
      interleave();
    }
    schedule();
  }
}
export let hang_detected: i32 = 0;

// ---- kernel threads

function kthread_entry(arg: usize): void {
  local_irq_enable();
  let t = changetype<task_struct>(arg);
  call_indirect<void>(t.kthread_fn, t.kthread_data);
  do_exit(0);
}

// Creates a kernel thread running fn(data); cpu >= 0 binds it there. It starts runnable.
export function kthread_create(name: string, fn: u32, data: usize, nice: i32, cpu: i32): task_struct {
  let t = alloc_task(name, nice, PF_KTHREAD, kthread_entry.index, cpu);
  t.kthread_fn = fn;
  t.kthread_data = data;
  wake_up_new_task(t);
  return t;
}

// ---- boot

export function sched_init(ncpus: i32): void {
  INIT_LIST_HEAD(all_tasks);
  task_cachep = kmem_cache_create("task_struct", offsetof<task_struct>(), SLAB_NOFAULT);  // alloc_task cannot fail
  rq_lock_class = lock_class_register("runqueue.lock");
  alloc_lock_class = lock_class_register("task_struct.alloc_lock");
  for (let i = 0; i < ncpus; i++) {
    let c = changetype<cpu_t>(heap.alloc(offsetof<cpu_t>()));
    memory.fill(changetype<usize>(c), 0, offsetof<cpu_t>());
    c.id = i;
    c.next_tick = cycles_per_jiffy;
    let rq = changetype<runqueue>(heap.alloc(offsetof<runqueue>()));
    memory.fill(changetype<usize>(rq), 0, offsetof<runqueue>());
    rq.cpu = i;
    rq.queues = heap.alloc(<usize>MAX_PRIO << 3);
    for (let q = 0; q < MAX_PRIO; q++) INIT_LIST_HEAD(rq.queue(q));
    spin_lock_init(rq.lock, rq_lock_class);
    c.rq = changetype<usize>(rq);
    unchecked(cpus[i] = changetype<usize>(c));
  }
}

// Called after sched_init once CPUs exist: each gets its idle task (not on any runqueue).
export function idle_init(ncpus: i32): void {
  for (let i = 0; i < ncpus; i++) {
    let c = cpu_of(i);
    let t = alloc_task("swapper", 0, PF_IDLE | PF_KTHREAD, cpu_idle.index, i);
    t.pid = 0;
    t.prio = MAX_PRIO;
    t.static_prio = MAX_PRIO;
    c.idle = t;
    c.curr = t;
  }
}
