// Simulated CPUs and their cycle clocks.
//
// Each CPU has its own clock. The engine (kernel/engine.ts) always runs the CPU whose clock is
// lowest, ties broken by CPU number, so a run is a deterministic interleaving. A CPU gives way
// only at an interleave point (interleave(): spinlock acquire, wake-up, schedule, atomic bit
// ops, syscall boundaries, timer ticks, user-mode work) and only when another CPU is behind it,
// so a one-CPU machine never leaves its task. Timer interrupts are taken at interleave points
// too, once the clock has passed the CPU's next tick and interrupts are enabled.
import { cost, cycles_per_jiffy } from "./profile";
import { task_struct } from "../include/linux/sched";
import { arch_switch_out } from "../arch/switch";

export const NR_CPUS: i32 = 8;

// struct cpu (simulator) — per-CPU state; not C-visible
// @ts-ignore: decorator
@unmanaged export class cpu_t {
  clock: u64;            // cycles since boot on this CPU
  yield_at: u64;         // give way to the engine when clock reaches this
  event_at: u64;         // min(yield_at, next_tick, next_irq): see cpu_update_event
  next_tick: u64;        // cycle of the next timer interrupt
  halt_start: u64;       // when the idle loop halted
  idle_cycles: u64;
  irq_cycles: u64;
  nr_switches: u64;
  nvcsw: u64;
  nivcsw: u64;
  nr_ticks: u64;
  id: i32;
  curr: task_struct;
  idle: task_struct;
  halted: i32;
  irqs_off: i32;         // local interrupts disabled
  in_irq: i32;           // hard-interrupt nesting
  in_softirq: i32;
  ipi_pending: i32;      // a reschedule IPI arrived
  rq: usize;             // runqueue (kernel/sched.ts)
  timers: usize;         // timer base (kernel/timer.ts)
  worker_pid: i32;
  next_irq: u64;         // cycle of the next device (disk) completion interrupt, 0 = none (fs/blockdev.ts)
}

export let nr_cpus: i32 = 1;
export let cpus: StaticArray<usize> = new StaticArray<usize>(NR_CPUS);
export let this_cpu: cpu_t = changetype<cpu_t>(0);
export let current: task_struct = changetype<task_struct>(0);

// @ts-ignore: decorator
@inline export function cpu_of(i: i32): cpu_t { return changetype<cpu_t>(unchecked(cpus[i])); }

export function set_current(c: cpu_t): void {
  this_cpu = c;
  current = c.curr;
}
export function set_curr_task(t: task_struct): void {
  this_cpu.curr = t;
  current = t;
}

// @ts-ignore: decorator
@inline export function charge(which: i32): void { this_cpu.clock += cost(which); }
// @ts-ignore: decorator
@inline export function charge_cycles(n: u64): void { this_cpu.clock += n; }

// The earliest clock at which another CPU should run before us (engine order: clock, then id).
export function compute_yield_at(c: cpu_t): void {
  let lim: u64 = U64.MAX_VALUE;
  for (let i = 0; i < nr_cpus; i++) {
    if (i == c.id) continue;
    let o = cpu_of(i);
    let l = o.clock + (i > c.id ? 1 : 0);
    if (l < lim) lim = l;
  }
  c.yield_at = lim;
  cpu_update_event(c);
}

// event_at: the earliest clock at which interleave() has anything to do on c (give way to
// another CPU, a tick, a device interrupt), so the common case is one comparison. Whoever
// changes yield_at, next_tick or next_irq calls this.
export function cpu_update_event(c: cpu_t): void {
  let e = c.yield_at < c.next_tick ? c.yield_at : c.next_tick;
  if (c.next_irq && c.next_irq < e) e = c.next_irq;
  c.event_at = e;
}

// Hooks the rest of the kernel installs (function table indices), so cpu.ts stays at the
// bottom of the import graph.
export let timer_interrupt_fn: u32 = 0;   // () => void, runs one timer interrupt on this CPU
export let device_irq_fn: u32 = 0;        // () => void, runs this CPU's due device interrupt (fs/blockdev.ts)
export let lockdep_irqs_on_fn: u32 = 0;   // () => void, lockdep-lite: locks now held with irqs on

// Gives the CPU to the engine; returns when this CPU is the one to run again.
// @ts-ignore: decorator
@inline export function arch_cpu_yield(): void {
  arch_switch_out(current.thread);
}

// False while the host calls into the kernel from outside a task (boot, spawning): such
// calls run to completion without giving way, as boot-time code does.
export let in_task: bool = false;
export function set_in_task(v: bool): void { in_task = v; }

// @ts-ignore: decorator
@inline export function interleave(): void {
  let c = this_cpu;
  if (c.clock >= c.event_at) interleave_slow();
}

export function interleave_slow(): void {
  if (!in_task) return;
  let c = this_cpu;
  if (c.clock >= c.yield_at) arch_cpu_yield();
  c = this_cpu;
  if (c.clock >= c.next_tick && !c.irqs_off && !c.in_irq) call_indirect<void>(timer_interrupt_fn);
  c = this_cpu;
  if (c.next_irq && c.clock >= c.next_irq && !c.irqs_off && !c.in_irq) call_indirect<void>(device_irq_fn);
}

// A halted CPU pulled back to `when` by a wake-up from another CPU: it resumes no earlier than
// the halt began, and the waker's CPU must now give way at that time.
export function cpu_kick(target: cpu_t, when: u64): void {
  if (target.halted && target.clock > when) {
    target.clock = when > target.halt_start ? when : target.halt_start;
    let l = target.clock + (target.id > this_cpu.id ? 1 : 0);
    if (l < this_cpu.yield_at) { this_cpu.yield_at = l; cpu_update_event(this_cpu); }
  }
}

export function local_irq_disable(): void { this_cpu.irqs_off = 1; }
// @ts-ignore: decorator
@inline export function local_irq_enable(): void {
  let c = this_cpu;
  c.irqs_off = 0;
  if (lockdep_irqs_on_fn || c.clock >= c.event_at) local_irq_enable_slow();
}
function local_irq_enable_slow(): void {
  if (lockdep_irqs_on_fn) call_indirect<void>(lockdep_irqs_on_fn);
  let c = this_cpu;
  if ((c.clock >= c.next_tick || (c.next_irq && c.clock >= c.next_irq)) && !c.in_irq) interleave_slow();
}
export function local_irq_save(): u32 {
  let f = <u32>this_cpu.irqs_off;
  this_cpu.irqs_off = 1;
  return f;
}
export function local_irq_restore(flags: u32): void {
  if (flags) this_cpu.irqs_off = 1;
  else local_irq_enable();
}
// @ts-ignore: decorator
@inline export function irqs_disabled(): bool { return this_cpu.irqs_off != 0; }
// @ts-ignore: decorator
@inline export function in_interrupt(): bool { return this_cpu.in_irq != 0 || this_cpu.in_softirq != 0; }
// @ts-ignore: decorator
@inline export function in_irq(): bool { return this_cpu.in_irq != 0; }
// @ts-ignore: decorator
@inline export function in_atomic(): bool {
  return current.lock_depth != 0 || this_cpu.in_irq != 0 || this_cpu.in_softirq != 0;
}

export function jiffies_at(cycle: u64): u64 { return cycle / cycles_per_jiffy; }
