// User tasks and the system-call boundary.
//
// A user task's program is TypeScript on the host. The task's kernel side loops: ask the host
// for the program's next request (user_step runs the program up to its next system call),
// then either charge user-mode work, exit, or enter the kernel through the syscall table.
// The host code runs inside that import call, between two system calls, never while a task is
// suspended; a system call that blocks suspends inside wasm like any kernel path.
import { task_struct, PF_USER } from "../include/linux/sched";
import { this_cpu, current, charge, interleave, local_irq_enable, charge_cycles } from "./cpu";
import { COST_SYSCALL_ENTRY, COST_SYSCALL_EXIT } from "./profile";
import { alloc_task, wake_up_new_task, do_exit, preempt_point, signal_pending } from "./sched";
import { trace_on, trace_record, TR_SYSCALL } from "./trace";

@external("env", "user_step") declare function user_step(pid: i32, ret: i32, args: usize): i32;

export const USER_EXIT: i32 = -1;     // args[0]: exit code
export const USER_WORK: i32 = -2;     // args[0], args[1]: cycles (low, high) of user-mode work

// (nr: i32, args: usize) => i32, installed by assembly/syscalls.ts
export let syscall_fn: u32 = 0;
export function set_syscall_table(fn: u32): void { syscall_fn = fn; }

export const SIGKILL: i32 = 9;

// Return to user mode: deliver signals (the programs install no handlers: a signal just
// interrupts what it interrupted, SIGKILL ends the task), then the preemption point.
function ret_to_user(t: task_struct): void {
  if (t.sigpending) {
    if (t.sigpending & (1 << SIGKILL)) do_exit(128 + SIGKILL);
    t.sigpending = 0;
  }
  preempt_point();
}

// User-mode work: the clock advances in steps no longer than the next interleave, so ticks
// land inside it and other CPUs keep their order; the task can be preempted between steps.
export function user_work(cycles: u64): void {
  let t = current;
  while (cycles > 0) {
    let c = this_cpu;
    let room = c.next_tick > c.clock ? c.next_tick - c.clock : 1;
    if (c.next_irq) room = min(room, c.next_irq > c.clock ? c.next_irq - c.clock : 1);
    let ylim = c.yield_at > c.clock ? c.yield_at - c.clock : 1;
    if (ylim < room) room = ylim;
    let step = cycles < room ? cycles : room;
    charge_cycles(step);
    t.user_cycles += step;
    cycles -= step;
    interleave();
    ret_to_user(t);
  }
}

function user_entry(arg: usize): void {
  local_irq_enable();
  let t = changetype<task_struct>(arg);
  let ret = 0;
  for (;;) {
    let nr = user_step(t.pid, ret, t.sys_args);
    if (nr == USER_EXIT) {
      do_exit(t.sys_arg0);
    } else if (nr == USER_WORK) {
      user_work(<u64><u32>t.sys_arg0 | (<u64><u32>t.sys_arg1 << 32));
      ret = 0;
    } else {
      ret = do_syscall(t, nr);
    }
  }
}

function do_syscall(t: task_struct, nr: i32): i32 {
  charge(COST_SYSCALL_ENTRY);
  interleave();
  t.syscall_nr = nr;
  let a0 = t.sys_arg0, a1 = t.sys_arg1, a2 = t.sys_arg2, a3 = t.sys_arg3, a4 = t.sys_arg4;
  let ret = call_indirect<i32>(syscall_fn, nr, t.sys_args);
  t.syscall_nr = -1;
  charge(COST_SYSCALL_EXIT);
  if (trace_on) trace_record(this_cpu.clock, TR_SYSCALL, this_cpu.id, t.pid, nr, a0, a1, a2, a3, a4, ret);
  interleave();
  ret_to_user(t);
  return ret;
}

// Creates a user task; it starts runnable on `cpu` (or CPU 0) and runs its host program.
export function spawn_user(name: string, nice: i32, cpu: i32): task_struct {
  let t = alloc_task(name, nice, PF_USER, user_entry.index, cpu);
  t.syscall_nr = -1;
  return t;
}
