// jiffies, the timer interrupt and the kernel timer lists (kernel/timer.c of 2.6.9).
//
// Every CPU takes a tick each 1/HZ s of its own clock; the first CPU to reach tick k advances
// jiffies to k (do_timer), each CPU charges the running task's time slice (scheduler_tick) and
// then, as the timer softirq, runs its own expired timers (run_timer_softirq). Ticks missed
// with interrupts off are lost, as on real hardware; jiffies catches up.
//
// Timers are per CPU as in 2.6.9: each CPU has a tvec_base_t with its lock and running_timer,
// add_timer/mod_timer arm on the calling CPU's base (moving the timer there), and a timer fires
// in the softirq of the CPU it is armed on, with the base lock dropped around its function.
// Deviation (docs/port-map.md, "kernel"): 2.6.9 files timers into a five-level wheel
// (tv1..tv5) and cascades them down; ours keeps one list per base sorted by the jiffy the timer
// will be run at, ties in arming order. The jiffy each timer fires at is the same; only the order
// among timers due at the same jiffy can differ (the wheel runs a cascaded timer after ones
// filed directly into that slot, we run them in arming order).
import { list_head, INIT_LIST_HEAD, list_add, list_del, list_move_tail, list_empty } from "../include/linux/list";
import { spinlock_t } from "../include/linux/spinlock";
import {
  timer_list, timer_of_entry, timer_pending, TIMER_MAGIC, MAX_SCHEDULE_TIMEOUT,
  time_after, time_after_eq, time_before_eq,
} from "../include/linux/timer";
import { task_struct, TASK_RUNNING } from "../include/linux/sched";
import { this_cpu, charge, current, cpu_of, nr_cpus, interleave, cpu_update_event } from "./cpu";
import { COST_TIMER_IRQ, COST_TIMER_OP, COST_SPIN_ITER, cycles_per_jiffy, HZ } from "./profile";
import { scheduler_tick, schedule, wake_up_process } from "./sched";
import { spin_lock_init, spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq,
         spin_lock_irqsave, spin_unlock_irqrestore, lock_class_register } from "./spinlock";
import { BUG, printk, KERN_WARNING, KERN_ERR } from "./panic";
import { trace_on, trace_record, TR_IRQ, TR_TIMER } from "./trace";

export let jiffies: u32 = 0;
export let jiffies_64: u64 = 0;

// Installed by init_timers: runs this CPU's expired timers (softirq context).
export let run_timers_fn: u32 = 0;
export function set_run_timers(fn: u32): void { run_timers_fn = fn; }

// struct tvec_t_base_s (simulator: the wheel replaced by one sorted list) — 44 bytes
//   0                 8               12              16                24
//   +--------+--------+---------------+---------------+--------+--------+
//   |      lock       | timer_jiffies | running_timer |     pending     |
//   +--------+--------+---------------+---------------+--------+--------+
//  24                 32      36           40         44
//   +--------+--------+-------+------------+----------+
//   |    work_list    |  cpu  | nr_pending | nr_fired |
//   +--------+--------+-------+------------+----------+
// timer_jiffies: the next jiffy whose timers this base has not run yet. pending: armed timers,
// sorted by the jiffy they will run at. work_list: the timers of the jiffy being run (2.6.9
// keeps it in __run_timers' frame; a base runs only in its own CPU's softirq, which does not
// nest, so one per base suffices). nr_pending counts timers on either list.
// @ts-ignore: decorator
@unmanaged export class tvec_base_t {
  lock_slock: u32;
  lock_dep: u32;
  timer_jiffies: u32;
  running_timer: usize;
  pending_next: usize;
  pending_prev: usize;
  work_list_next: usize;
  work_list_prev: usize;
  cpu: i32;
  nr_pending: i32;
  nr_fired: u32;

  // @ts-ignore: decorator
  @inline get lock(): spinlock_t { return changetype<spinlock_t>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get pending(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<tvec_base_t>("pending_next"));
  }
  // @ts-ignore: decorator
  @inline get work_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<tvec_base_t>("work_list_next"));
  }
}

// per_cpu(tvec_bases, cpu)
// @ts-ignore: decorator
@inline export function tvec_base_of(cpu: i32): tvec_base_t { return changetype<tvec_base_t>(cpu_of(cpu).timers); }

let timer_lock_class: i32 = 0;
let base_lock_class: i32 = 0;

// Times del_timer_sync had to spin for a handler running on another CPU (for tests, reports).
export let nr_del_timer_sync_waits: u32 = 0;

// Sets up a timer so the other timer functions accept it: not pending, magic, its lock.
// include/linux/timer.h (2.6.9): init_timer
export function init_timer(timer: timer_list): void {
  if (!timer_lock_class) timer_lock_class = lock_class_register("timer_list.lock");
  timer.base = 0;
  timer.magic = TIMER_MAGIC;
  spin_lock_init(timer.lock, timer_lock_class);
}

let whine_count: i32 = 0;

// A timer that never went through init_timer: complain (a few times) and repair it.
// kernel/timer.c (2.6.9): check_timer_failed
function check_timer_failed(timer: timer_list): void {
  if (whine_count < 16) {
    whine_count++;
    printk(KERN_WARNING, "Uninitialised timer! (repaired; function and data kept)");
  }
  if (!timer_lock_class) timer_lock_class = lock_class_register("timer_list.lock");
  spin_lock_init(timer.lock, timer_lock_class);
  timer.magic = TIMER_MAGIC;
}

// @ts-ignore: decorator
@inline function check_timer(timer: timer_list): void {
  if (timer.magic != TIMER_MAGIC) check_timer_failed(timer);
}

// A timer found on a base's list whose magic is wrong: its memory was reused or freed while
// it was armed (the B6 case: a kioctx freed with its work's timer pending). 2.6.9's wheel
// would call whatever function the freed struct now holds; we stop with the evidence instead.
// The timer code examines list entries only here (the head every tick, and each entry
// internal_add_timer walks past), so a freed timer is caught no later than its old expiry.
function timer_list_corrupt(base: tvec_base_t, timer: timer_list): void {
  let m = timer.magic;
  BUG("run_timers: timer_list 0x" + changetype<usize>(timer).toString(16) + " on CPU " + base.cpu.toString() +
      "'s timer list has bad magic 0x" + m.toString(16) +
      (m == 0x6b6b6b6b ? " (slab free poison: freed while armed)" : " (not TIMER_MAGIC)"));
}

// @ts-ignore: decorator
@inline function check_listed_timer(base: tvec_base_t, timer: timer_list): void {
  if (timer.magic != TIMER_MAGIC) timer_list_corrupt(base, timer);
}

// How many jiffies after base.timer_jiffies the timer's slot is; an overdue timer (expires
// at or before timer_jiffies, or more than 2^31 ahead) belongs to timer_jiffies itself.
// @ts-ignore: decorator
@inline function slot_of(expires: u32, timer_jiffies: u32): u32 {
  let idx = <i32>(expires - timer_jiffies);
  return idx < 0 ? 0 : <u32>idx;
}

// Files the timer on base's pending list behind every timer due no later than it.
// Caller holds base.lock. kernel/timer.c (2.6.9): internal_add_timer
function internal_add_timer(base: tvec_base_t, timer: timer_list): void {
  let tj = base.timer_jiffies;
  let mine = slot_of(timer.expires, tj);
  let head = base.pending;
  let at = head.prev;
  while (at !== head) {
    check_listed_timer(base, timer_of_entry(at));
    if (slot_of(timer_of_entry(at).expires, tj) <= mine) break;
    at = at.prev;
  }
  list_add(timer.entry, at);
  base.nr_pending++;
}

// Arms (or re-arms) the timer for `expires` on the calling CPU's base, taking it off whatever
// base it was on. Returns 1 if it was pending. Takes timer.lock, then both base locks in
// address order. kernel/timer.c (2.6.9): __mod_timer
export function __mod_timer(timer: timer_list, expires: u32): i32 {
  if (!timer.function) BUG("__mod_timer: timer has no function");
  check_timer(timer);
  charge(COST_TIMER_OP);
  let ret = 0;
  let flags = spin_lock_irqsave(timer.lock);
  let new_base = tvec_base_of(this_cpu.id);
  let old_base: tvec_base_t;
  let again = true;
  do {
    old_base = changetype<tvec_base_t>(timer.base);
    if (changetype<usize>(old_base) && old_base !== new_base) {
      // two bases: lock them in a fixed order so two CPUs moving timers cannot deadlock
      if (changetype<usize>(old_base) < changetype<usize>(new_base)) {
        spin_lock(new_base.lock);
        spin_lock(old_base.lock);
      } else {
        spin_lock(old_base.lock);
        spin_lock(new_base.lock);
      }
      // the timer may have fired or been deleted while we spun
      if (timer.base != changetype<usize>(old_base)) {
        spin_unlock(new_base.lock);
        spin_unlock(old_base.lock);
        continue;
      }
    } else {
      spin_lock(new_base.lock);
      if (timer.base != changetype<usize>(old_base)) {
        spin_unlock(new_base.lock);
        continue;
      }
    }
    again = false;
  } while (again);
  if (changetype<usize>(old_base)) {
    list_del(timer.entry);
    old_base.nr_pending--;
    ret = 1;
  }
  timer.expires = expires;
  internal_add_timer(new_base, timer);
  timer.base = changetype<usize>(new_base);
  if (changetype<usize>(old_base) && old_base !== new_base) spin_unlock(old_base.lock);
  spin_unlock(new_base.lock);
  spin_unlock_irqrestore(timer.lock, flags);
  return ret;
}

// Arms the timer for timer.expires on the calling CPU. A timer already due runs at the next
// tick. include/linux/timer.h (2.6.9): add_timer
export function add_timer(timer: timer_list): void {
  __mod_timer(timer, timer.expires);
}

// Arms a timer that is not pending on a chosen CPU's base (keventd's per-CPU delayed works).
// kernel/timer.c (2.6.9): add_timer_on
export function add_timer_on(timer: timer_list, cpu: i32): void {
  let base = tvec_base_of(cpu);
  if (timer_pending(timer) || !timer.function) BUG("add_timer_on: timer pending or without function");
  check_timer(timer);
  charge(COST_TIMER_OP);
  let flags = spin_lock_irqsave(base.lock);
  internal_add_timer(base, timer);
  timer.base = changetype<usize>(base);
  spin_unlock_irqrestore(base.lock, flags);
}

// Changes a timer's expiry, arming it if it was not; 1 if it was pending. Re-arming a pending
// timer for the jiffy it already has is a no-op (the timer stays on its CPU).
// kernel/timer.c (2.6.9): mod_timer
export function mod_timer(timer: timer_list, expires: u32): i32 {
  if (!timer.function) BUG("mod_timer: timer has no function");
  check_timer(timer);
  if (timer.expires == expires && timer_pending(timer)) {
    charge(COST_TIMER_OP);
    return 1;
  }
  return __mod_timer(timer, expires);
}

// Disarms the timer; 1 if it was pending. Does not wait for a handler already running.
// kernel/timer.c (2.6.9): del_timer
export function del_timer(timer: timer_list): i32 {
  check_timer(timer);
  charge(COST_TIMER_OP);
  let base: tvec_base_t;
  let flags: u32;
  do {
    base = changetype<tvec_base_t>(timer.base);
    if (!changetype<usize>(base)) return 0;
    flags = spin_lock_irqsave(base.lock);
    if (timer.base == changetype<usize>(base)) break;
    // it moved to another base (or fired) before we got the lock
    spin_unlock_irqrestore(base.lock, flags);
  } while (true);
  list_del(timer.entry);
  base.nr_pending--;
  timer.base = 0;
  spin_unlock_irqrestore(base.lock, flags);
  return 1;
}

// Disarms the timer and, if its handler is running on another CPU, spins until it returns;
// repeats if the handler re-armed it. Returns how many times it found the timer pending.
// Must not be called from the timer's own handler, nor holding a lock the handler takes.
// kernel/timer.c (2.6.9): del_timer_sync
export function del_timer_sync(timer: timer_list): i32 {
  check_timer(timer);
  let ret = 0;
  for (;;) {
    ret += del_timer(timer);
    for (let i = 0; i < nr_cpus; i++) {
      let base = tvec_base_of(i);
      if (base.running_timer == changetype<usize>(timer)) {
        // 2.6.9 would spin here forever; say why instead
        if (i == this_cpu.id) BUG("del_timer_sync: called from the timer's own handler");
        nr_del_timer_sync_waits++;
        while (base.running_timer == changetype<usize>(timer)) {
          charge(COST_SPIN_ITER);
          interleave();
        }
        break;
      }
    }
    if (!timer_pending(timer)) break;
  }
  return ret;
}

// del_timer_sync for a timer whose handler never re-arms it: the plain delete usually
// suffices; only if the timer was not pending can its handler be running, so then wait.
// kernel/timer.c (2.6.9): del_singleshot_timer_sync
export function del_singleshot_timer_sync(timer: timer_list): i32 {
  let ret = del_timer(timer);
  if (!ret) {
    ret = del_timer_sync(timer);
    if (ret) BUG("del_singleshot_timer_sync: the timer re-armed itself");
  }
  return ret;
}

// Runs, in order, the timers of every jiffy from base.timer_jiffies up to jiffies. Each
// function is called with the base lock dropped and interrupts on, the timer already off its
// list and not pending (so it may re-arm itself), and running_timer pointing at it.
// Softirq context on base's own CPU. kernel/timer.c (2.6.9): __run_timers
function __run_timers(base: tvec_base_t): void {
  spin_lock_irq(base.lock);
  let head = base.pending;
  let work_list = base.work_list;
  while (time_after_eq(jiffies, base.timer_jiffies)) {
    // the head is the next timer due: a freed one there would otherwise hide behind its
    // poisoned expiry for ever
    if (!list_empty(head)) check_listed_timer(base, timer_of_entry(head.next));
    // Jiffies with no timer cost nothing in the wheel either; step straight over them.
    if (list_empty(head) || time_after(timer_of_entry(head.next).expires, jiffies)) {
      base.timer_jiffies = jiffies + 1;
      break;
    }
    let tj = base.timer_jiffies;
    let first = timer_of_entry(head.next).expires;
    if (time_after(first, tj)) tj = first;
    while (!list_empty(head) && time_before_eq(timer_of_entry(head.next).expires, tj)) {
      list_move_tail(head.next, work_list);
      if (!list_empty(head)) check_listed_timer(base, timer_of_entry(head.next));
    }
    base.timer_jiffies = tj + 1;
    while (!list_empty(work_list)) {
      let timer = timer_of_entry(work_list.next);
      let fn = timer.function;
      let data = timer.data;
      list_del(timer.entry);
      base.nr_pending--;
      base.running_timer = changetype<usize>(timer);
      timer.base = 0;
      spin_unlock_irq(base.lock);
      base.nr_fired++;
      if (trace_on) trace_record(this_cpu.clock, TR_TIMER, this_cpu.id, <i32>fn, <i32>data, <i32>jiffies);
      call_indirect<void>(fn, data);
      spin_lock_irq(base.lock);
    }
  }
  base.running_timer = 0;
  spin_unlock_irq(base.lock);
}

// The timer softirq: this CPU's expired timers. kernel/timer.c (2.6.9): run_timer_softirq
function run_timer_softirq(): void {
  let base = tvec_base_of(this_cpu.id);
  if (time_after_eq(jiffies, base.timer_jiffies)) __run_timers(base);
}

// One timer interrupt on this CPU: advance jiffies (do_timer), charge the running task's slice
// (update_process_times), then the timer softirq — unless this CPU is already inside it (a
// tick taken while a timer function runs): softirqs do not nest, and the outer __run_timers
// loop picks up whatever the new tick made due.
export function timer_interrupt(): void {
  let c = this_cpu;
  c.in_irq++;
  charge(COST_TIMER_IRQ);
  let tick = c.next_tick / cycles_per_jiffy;          // the tick being taken
  let now_tick = c.clock / cycles_per_jiffy;
  c.next_tick = (now_tick + 1) * cycles_per_jiffy;
  cpu_update_event(c);
  c.nr_ticks++;
  if (now_tick > jiffies_64) {
    jiffies_64 = now_tick;
    jiffies = <u32>now_tick;
  }
  if (trace_on) trace_record(c.clock, TR_IRQ, c.id, 0, <i32>tick);
  scheduler_tick();
  c.in_irq--;
  if (run_timers_fn && !c.in_softirq) {
    c.in_softirq++;
    call_indirect<void>(run_timers_fn);
    this_cpu.in_softirq--;
  }
}

// Any timer armed on any CPU: a machine whose tasks all sleep can still wake up.
export function timers_pending(): bool {
  for (let i = 0; i < nr_cpus; i++) {
    let base = tvec_base_of(i);
    if (changetype<usize>(base) && base.nr_pending > 0) return true;
  }
  return false;
}

// ---- schedule_timeout

// Timers that 2.6.9 keeps in schedule_timeout's stack frame come from this free list (first
// word links them); taking one costs nothing, as a stack slot does not.
let onstack_timers: usize = 0;
function onstack_timer_get(): timer_list {
  let p = onstack_timers;
  if (p) onstack_timers = load<usize>(p);
  else p = heap.alloc(offsetof<timer_list>());
  memory.fill(p, 0, offsetof<timer_list>());
  return changetype<timer_list>(p);
}
function onstack_timer_put(t: timer_list): void {
  store<usize>(changetype<usize>(t), onstack_timers);
  onstack_timers = changetype<usize>(t);
}

// schedule_timeout's timer function: wakes the sleeper. kernel/timer.c (2.6.9): process_timeout
function process_timeout(data: usize): void {
  wake_up_process(changetype<task_struct>(data));
}

// Sleeps for up to `timeout` jiffies in the state the caller set; returns the jiffies left
// (0 once the time is up). MAX_SCHEDULE_TIMEOUT sleeps with no timer; a negative timeout
// is refused with a message and returns 0 at once. kernel/timer.c (2.6.9): schedule_timeout
export function schedule_timeout(timeout: i32): i32 {
  if (timeout == MAX_SCHEDULE_TIMEOUT) {
    schedule();
    return timeout;
  }
  if (timeout < 0) {
    printk(KERN_ERR, "schedule_timeout: wrong timeout value (negative)");
    current.state = TASK_RUNNING;
    return 0;
  }
  let expire: u32 = <u32>timeout + jiffies;
  let timer = onstack_timer_get();
  init_timer(timer);
  timer.expires = expire;
  timer.data = changetype<usize>(current);
  timer.function = process_timeout.index;
  add_timer(timer);
  schedule();
  del_singleshot_timer_sync(timer);
  onstack_timer_put(timer);
  let left = <i32>(expire - jiffies);
  return left < 0 ? 0 : left;
}

// ---- boot

// Gives every CPU its timer base, starting at the current jiffy, and installs the softirq.
// kernel/timer.c (2.6.9): init_timers_cpu, init_timers
export function init_timers(): void {
  if (!timer_lock_class) timer_lock_class = lock_class_register("timer_list.lock");
  base_lock_class = lock_class_register("tvec_base.lock");
  for (let i = 0; i < nr_cpus; i++) {
    let base = changetype<tvec_base_t>(heap.alloc(offsetof<tvec_base_t>()));
    memory.fill(changetype<usize>(base), 0, offsetof<tvec_base_t>());
    spin_lock_init(base.lock, base_lock_class);
    INIT_LIST_HEAD(base.pending);
    INIT_LIST_HEAD(base.work_list);
    base.timer_jiffies = jiffies;
    base.cpu = i;
    cpu_of(i).timers = changetype<usize>(base);
  }
  set_run_timers(run_timer_softirq.index);
  time_conversion_init();
}

// ---- timespec to jiffies (include/linux/time.h, timex.h, asm-i386/timex.h of 2.6.9)
//
// 2.6.9 converts with the tick length the clock hardware really gives (the i8254 runs at
// 1193182 Hz, so a "1 ms" tick at HZ=1000 is 999848 ns) and with scaled fixed-point
// multiplies, in 32-bit unsigned longs. The constants are compile-time in C; ours follow HZ,
// which the profile sets at boot.

export const MAX_JIFFY_OFFSET: u32 = ((0xffffffff >> 1) - 1);
const CLOCK_TICK_RATE: u32 = 1193182;
const NSEC_PER_SEC: u32 = 1000000000;

export let TICK_NSEC: u32 = 0;
let SEC_JIFFIE_SC: u32 = 0;
let NSEC_JIFFIE_SC: u32 = 0;
let SEC_CONVERSION: u32 = 0;
let NSEC_CONVERSION: u32 = 0;
let MAX_SEC_IN_JIFFIES: u32 = 0;
let conversion_hz: u32 = 0;

// nom / den with lsh extra bits of precision, rounded, without overflowing 32 bits.
function SH_DIV(nom: u32, den: u32, lsh: u32): u32 {
  return ((nom / den) << lsh) + (((nom % den) << lsh) + den / 2) / den;
}

// The power of two nearest HZ, as its exponent (timex.h's table).
function SHIFT_HZ(hz: u32): u32 {
  if (hz >= 12 && hz < 24) return 4;
  if (hz >= 24 && hz < 48) return 5;
  if (hz >= 48 && hz < 96) return 6;
  if (hz >= 96 && hz < 192) return 7;
  if (hz >= 192 && hz < 384) return 8;
  if (hz >= 384 && hz < 768) return 9;
  if (hz >= 768 && hz < 1536) return 10;
  BUG("SHIFT_HZ: HZ out of the range 2.6.9 supports");
  return 0;
}

function time_conversion_init(): void {
  if (conversion_hz == HZ) return;
  conversion_hz = HZ;
  let latch = (CLOCK_TICK_RATE + HZ / 2) / HZ;
  let acthz = SH_DIV(CLOCK_TICK_RATE, latch, 8);
  TICK_NSEC = SH_DIV(NSEC_PER_SEC, acthz, 8);
  let shift_hz = SHIFT_HZ(HZ);
  // one more bit of scale when the seconds factor leaves bit 31 free (cpp arithmetic: 64-bit)
  let sc = 31 - shift_hz;
  if (!((((<u64>NSEC_PER_SEC << 2) / <u64>TICK_NSEC) << <u64>(sc - 2)) & 0x80000000)) sc = 32 - shift_hz;
  SEC_JIFFIE_SC = sc;
  NSEC_JIFFIE_SC = sc + 29;
  SEC_CONVERSION = <u32>(((<u64>NSEC_PER_SEC << <u64>SEC_JIFFIE_SC) + <u64>TICK_NSEC - 1) / <u64>TICK_NSEC);
  NSEC_CONVERSION = <u32>(((<u64>1 << <u64>NSEC_JIFFIE_SC) + <u64>TICK_NSEC - 1) / <u64>TICK_NSEC);
  MAX_SEC_IN_JIFFIES = <u32>((<u64>MAX_JIFFY_OFFSET * <u64>TICK_NSEC) / <u64>NSEC_PER_SEC);
}

// Jiffies in a relative timespec, rounded up to whole ticks of TICK_NSEC, with 2.6.9's i386
// arithmetic kept exactly: tv_sec is taken unsigned (a negative one saturates), tv_nsec is not
// validated — it is summed with TICK_NSEC - 1 in 32 bits and then widened with its sign, so
// a small negative tv_nsec at HZ=1000 gives 8191 jiffies. Seconds saturate at
// MAX_SEC_IN_JIFFIES. include/linux/time.h (2.6.9): timespec_to_jiffies
export function timespec_to_jiffies(tv_sec: i32, tv_nsec: i32): u32 {
  time_conversion_init();
  let sec = <u32>tv_sec;
  let nsec = <i32>(<u32>tv_nsec + TICK_NSEC - 1);
  if (sec >= MAX_SEC_IN_JIFFIES) {
    sec = MAX_SEC_IN_JIFFIES;
    nsec = 0;
  }
  let scaled = <u64>sec * <u64>SEC_CONVERSION +
               ((<u64><i64>nsec * <u64>NSEC_CONVERSION) >> <u64>(NSEC_JIFFIE_SC - SEC_JIFFIE_SC));
  return <u32>(scaled >> <u64>SEC_JIFFIE_SC);
}
