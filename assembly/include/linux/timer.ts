// struct timer_list as i386 2.6.9 lays it out, and the jiffies comparisons of linux/jiffies.h.
// The functions that arm and run timers are in kernel/timer.ts.
import { list_head } from "./list";
import { spinlock_t } from "./spinlock";

// Written into every initialised timer; a timer without it was never passed to init_timer.
export const TIMER_MAGIC: u32 = 0x4b87ad6e;

// struct timer_list — 36 bytes
//   0        4        8         12       16       20       24         28       32       36
//   +--------+--------+---------+--------+--------+--------+----------+--------+--------+
//   |      entry      | expires |      lock       | magic  | function |  data  |  base  |
//   +--------+--------+---------+--------+--------+--------+----------+--------+--------+
// entry links the timer into its CPU's pending list (or the list being run); expires is in
// jiffies; lock serialises __mod_timer callers; function is a table index (data: usize) => void;
// base is the tvec_base_t the timer is armed on, 0 when it is not pending.
// @ts-ignore: decorator
@unmanaged export class timer_list {
  entry_next: usize;
  entry_prev: usize;
  expires: u32;
  lock_slock: u32;
  lock_dep: u32;
  magic: u32;
  function: u32;
  data: usize;
  base: usize;

  // @ts-ignore: decorator
  @inline get entry(): list_head { return changetype<list_head>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<timer_list>("lock_slock"));
  }
}

// container_of(entry, struct timer_list, entry)
// @ts-ignore: decorator
@inline export function timer_of_entry(l: list_head): timer_list {
  return changetype<timer_list>(changetype<usize>(l) - offsetof<timer_list>("entry_next"));
}

// True while the timer is armed on some CPU. Callers serialise against other users of the timer.
// include/linux/timer.h (2.6.9): timer_pending
// @ts-ignore: decorator
@inline export function timer_pending(t: timer_list): bool { return t.base != 0; }

// Wrap-safe jiffies comparisons: a is after b when the signed distance b - a is negative.
// include/linux/jiffies.h (2.6.9): time_after, time_before, time_after_eq, time_before_eq
// @ts-ignore: decorator
@inline export function time_after(a: u32, b: u32): bool { return <i32>(b - a) < 0; }
// @ts-ignore: decorator
@inline export function time_before(a: u32, b: u32): bool { return <i32>(a - b) < 0; }
// @ts-ignore: decorator
@inline export function time_after_eq(a: u32, b: u32): bool { return <i32>(a - b) >= 0; }
// @ts-ignore: decorator
@inline export function time_before_eq(a: u32, b: u32): bool { return <i32>(b - a) >= 0; }

// schedule_timeout's "forever".
export const MAX_SCHEDULE_TIMEOUT: i32 = 0x7fffffff;
