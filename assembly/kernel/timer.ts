// jiffies and the timer interrupt. Every CPU takes a tick each 1/HZ s of its own clock; the
// first CPU to reach tick k advances jiffies to k (do_timer), each CPU runs its own expired
// timers (run_local_timers) and charges the running task's time slice (scheduler_tick).
// Ticks missed with interrupts off are lost, as on real hardware; jiffies catches up.
import { this_cpu, charge, current } from "./cpu";
import { COST_TIMER_IRQ, cycles_per_jiffy, HZ } from "./profile";
import { scheduler_tick } from "./sched";
import { trace_on, trace_record, TR_IRQ } from "./trace";

export let jiffies: u32 = 0;
export let jiffies_64: u64 = 0;

// Installed by the timer-list code: runs this CPU's expired timers (softirq context).
export let run_timers_fn: u32 = 0;
export function set_run_timers(fn: u32): void { run_timers_fn = fn; }

export function timer_interrupt(): void {
  let c = this_cpu;
  c.in_irq++;
  charge(COST_TIMER_IRQ);
  let tick = c.next_tick / cycles_per_jiffy;          // the tick being taken
  let now_tick = c.clock / cycles_per_jiffy;
  c.next_tick = (now_tick + 1) * cycles_per_jiffy;
  c.nr_ticks++;
  if (now_tick > jiffies_64) {
    jiffies_64 = now_tick;
    jiffies = <u32>now_tick;
  }
  if (trace_on) trace_record(c.clock, TR_IRQ, c.id, 0, <i32>tick);
  scheduler_tick();
  c.in_irq--;
  if (run_timers_fn) {
    c.in_softirq++;
    call_indirect<void>(run_timers_fn);
    this_cpu.in_softirq--;
  }
}

// 2.6.9 timespec_to_jiffies: rounds up to whole jiffies, saturating at MAX_JIFFY_OFFSET.
export const MAX_JIFFY_OFFSET: u32 = ((0xffffffff >> 1) - 1);
export function timespec_to_jiffies(sec: i32, nsec: i32): u32 {
  let max_sec: u32 = MAX_JIFFY_OFFSET / HZ;
  if (<u32>sec >= max_sec) return MAX_JIFFY_OFFSET;
  let tick_nsec: u64 = (1000000000 + <u64>HZ / 2) / <u64>HZ;
  let j = <u64><u32>sec * <u64>HZ + ((<u64><u32>nsec + tick_nsec - 1) / tick_nsec);
  return <u32>j;
}
