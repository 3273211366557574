// struct work_struct as i386 2.6.9 lays it out. The queueing code, and the header's inline
// helpers that need it (INIT_WORK, cancel_delayed_work), are in kernel/workqueue.ts.
import { list_head } from "./list";
import { timer_list } from "./timer";

// struct work_struct — 60 bytes
//   0         4                 12       16       20        24                          60
//   +---------+--------+--------+--------+--------+---------+-------- ... --------------+
//   | pending |      entry      |  func  |  data  | wq_data |    timer (timer_list, 36)  |
//   +---------+--------+--------+--------+--------+---------+-------- ... --------------+
// pending: bit 0 is set from queueing until the worker takes the work off its list (or until
// cancel_delayed_work removes its timer). func is a table index (data: usize) => void. wq_data
// is the cpu_workqueue_struct the work sits on, or, while only its timer is armed, the
// workqueue_struct the timer will queue it on.
// The embedded timer, flattened (see include/linux/timer.ts for its own diagram):
//  24 entry (8)  32 expires  36 lock (8)  44 magic  48 function  52 data  56 base
// @ts-ignore: decorator
@unmanaged export class work_struct {
  pending: u32;
  entry_next: usize;
  entry_prev: usize;
  func: u32;
  data: usize;
  wq_data: usize;
  timer_entry_next: usize;
  timer_entry_prev: usize;
  timer_expires: u32;
  timer_lock_slock: u32;
  timer_lock_dep: u32;
  timer_magic: u32;
  timer_function: u32;
  timer_data: usize;
  timer_base: usize;

  // @ts-ignore: decorator
  @inline get entry(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<work_struct>("entry_next"));
  }
  // @ts-ignore: decorator
  @inline get timer(): timer_list {
    return changetype<timer_list>(changetype<usize>(this) + offsetof<work_struct>("timer_entry_next"));
  }
  // Address of the pending word, for the bit operations.
  // @ts-ignore: decorator
  @inline get pending_addr(): usize { return changetype<usize>(this); }
}

// container_of(entry, struct work_struct, entry)
// @ts-ignore: decorator
@inline export function work_of_entry(l: list_head): work_struct {
  return changetype<work_struct>(changetype<usize>(l) - offsetof<work_struct>("entry_next"));
}
