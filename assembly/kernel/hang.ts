// The hang detector: tells the engine when the machine can never make progress again, and
// records who is stuck on what.
//
// The idle loop (kernel/sched.ts cpu_idle) asks hang_check() each time a CPU is about to halt.
// The machine is hung when all of these hold at once:
//   - every CPU is idle: it runs its idle task, its runqueue is empty, nothing asked it to
//     reschedule, and (other CPUs) it is halted outside interrupt context;
//   - no kernel timer is armed on any CPU (timers_pending()): no timer can wake anyone;
//   - no device I/O is in flight (pending_io): no completion interrupt can wake anyone;
//   - at least one user task is alive: someone is waiting for something that will not come.
// A machine whose user tasks have all exited is finished, not hung, and a machine that never
// had user tasks (kernel self-tests) is never called hung. The engine then returns RUN_HANG.
//
// The report lists every task that is not running (pid, comm, state, CPU, system call) and what
// it sleeps on: task.wchan is a wait_queue_head_t (its lock's class names it, e.g.
// "kioctx.wait") or, with task.wchan_name set, an object named by that static string.
// 2.6.9 has no equivalent (its closest is the NMI watchdog and SysRq-T's task dump).
import { task_struct, task_of_tasks, TASK_RUNNING, PF_IDLE, PF_USER } from "../include/linux/sched";
import { this_cpu, cpu_of, nr_cpus } from "./cpu";
import { all_tasks, nr_user_alive, cpu_rq } from "./sched";
import * as sched from "./sched";
import { lock_class_at } from "./spinlock";
import { jiffies, timers_pending } from "./timer";

// Device I/O in flight (requests submitted to a simulated device whose completion interrupt
// has not run yet). Block devices and anything else that completes from an interrupt count
// here, so the detector does not mistake "waiting for the disk" for a hang.
export let pending_io: i32 = 0;
export function pending_io_inc(): void { pending_io++; }
export function pending_io_dec(): void { pending_io--; }

// ---- the report
//
// struct hang entry (simulator) — 48 bytes, one per task that is not running
//   0 pid   4 state   8 flags   12 cpu   16 wchan   20 wchan class (0: none)   24 wchan_name
//  28 syscall_nr   32 comm[16]
export const HANG_ENTRY_SIZE: usize = 48;
export const HANG_MAX_TASKS: i32 = 64;
const hang_entries = memory.data(<i32>HANG_ENTRY_SIZE * HANG_MAX_TASKS);
export let hang_nr_tasks: i32 = 0;         // entries stored
export let hang_nr_sleeping: i32 = 0;      // tasks found (may exceed HANG_MAX_TASKS)
export let hang_reported: i32 = 0;
export let hang_jiffies: u32 = 0;
export let hang_cycle: u64 = 0;
export let hang_cpu: i32 = -1;

// @ts-ignore: decorator
@inline function idle_now(i: i32, self: bool): bool {
  let c = cpu_of(i);
  if (!(c.curr.flags & PF_IDLE) || c.curr.need_resched) return false;
  if (cpu_rq(i).nr_running != 0) return false;
  if (self) return true;
  return c.halted != 0 && c.in_irq == 0 && c.in_softirq == 0;
}

// Installed in sched.hang_check_fn; called by an idle CPU about to halt.
export function hang_check(): bool {
  if (nr_user_alive <= 0) return false;
  if (pending_io > 0) return false;
  let me = this_cpu.id;
  for (let i = 0; i < nr_cpus; i++) if (!idle_now(i, i == me)) return false;
  if (timers_pending()) return false;
  if (!hang_reported) hang_record();
  return true;
}

function hang_record(): void {
  hang_reported = 1;
  hang_jiffies = jiffies;
  hang_cycle = this_cpu.clock;
  hang_cpu = this_cpu.id;
  hang_nr_tasks = 0;
  hang_nr_sleeping = 0;
  let h = all_tasks;
  for (let l = h.next; l !== h; l = l.next) {
    let t = task_of_tasks(l);
    if (t.flags & PF_IDLE) continue;
    if (t.state == TASK_RUNNING) continue;
    hang_nr_sleeping++;
    if (hang_nr_tasks >= HANG_MAX_TASKS) continue;
    let p = hang_entries + <usize>hang_nr_tasks * HANG_ENTRY_SIZE;
    hang_nr_tasks++;
    store<i32>(p, t.pid);
    store<i32>(p, t.state, 4);
    store<u32>(p, t.flags, 8);
    store<i32>(p, t.cpu, 12);
    store<usize>(p, t.wchan, 16);
    store<i32>(p, t.wchan && !t.wchan_name ? lock_class_at(t.wchan) : 0, 20);
    store<usize>(p, t.wchan_name, 24);
    store<i32>(p, (t.flags & PF_USER) ? t.syscall_nr : -1, 28);
    memory.copy(p + 32, t.comm, 16);
  }
}

// Puts the detector in place (boot).
export function hang_init(): void {
  sched.hang_check_fn = hang_check.index;
}

// ---- read-outs
export function hang_task_word(i: i32, w: i32): i32 {
  if (i < 0 || i >= hang_nr_tasks || w < 0 || w >= <i32>(HANG_ENTRY_SIZE >> 2)) return 0;
  return load<i32>(hang_entries + <usize>i * HANG_ENTRY_SIZE + (<usize>w << 2));
}
export function hang_task_comm(i: i32): usize {
  return i >= 0 && i < hang_nr_tasks ? hang_entries + <usize>i * HANG_ENTRY_SIZE + 32 : 0;
}
// which = 0 reported (0/1), 1 jiffies, 2 cycle, 3 detecting CPU, 4 entries stored, 5 tasks found
export function hang_info(which: i32): u64 {
  switch (which) {
    case 0: return <u64>hang_reported;
    case 1: return <u64>hang_jiffies;
    case 2: return hang_cycle;
    case 3: return <u64>hang_cpu;
    case 4: return <u64>hang_nr_tasks;
    case 5: return <u64>hang_nr_sleeping;
  }
  return 0;
}
