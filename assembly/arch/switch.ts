// How a task switch is done — the only file that knows.
//
// Every simulated task runs on the one wasm stack. Suspending a task means unwinding its whole
// call stack into the task's save area with Binaryen Asyncify; resuming it means rewinding that
// stack, after which the call that suspended simply returns. So kernel code keeps C's shape:
// prepare_to_wait(); if (cond) break; schedule(); works at any depth, through call_indirect too.
//
// arch_resume() is Asyncify's "bottom-most runtime" (it calls start_rewind/stop_unwind) and is
// left uninstrumented; arch_switch_out() is the "top-most runtime" (start_unwind/stop_rewind),
// kept out of line by scripts/asyncify-transform.mjs. Everything between is instrumented.
// Managed (GC) objects never live across a suspend: Asyncify saves locals, not GC roots.

@external("asyncify", "start_unwind") declare function asyncify_start_unwind(buf: usize): void;
@external("asyncify", "stop_unwind") declare function asyncify_stop_unwind(): void;
@external("asyncify", "start_rewind") declare function asyncify_start_rewind(buf: usize): void;
@external("asyncify", "stop_rewind") declare function asyncify_stop_rewind(): void;

// Per-task machine state (Linux keeps the equivalent in task->thread).
//
// struct thread_struct — 32 bytes
//   0       4       8        12       16      20      24       28      32
//   +-------+-------+--------+--------+-------+-------+--------+-------+
//   | abuf  | size  | started| rewind | entry | arg   | c_base | c_sp  |
//   +-------+-------+--------+--------+-------+-------+--------+-------+
// abuf holds Asyncify's {cur, end} header followed by the saved frames.
// @ts-ignore: decorator
@unmanaged export class thread_struct {
  abuf: usize;
  size: usize;
  started: i32;
  rewinding: i32;
  entry: u32;       // table index of the task's entry function (arg: usize) => void
  arg: usize;
  c_base: usize;    // top of this task's C stack region (stacks grow down)
  c_sp: usize;      // C stack pointer saved while the task is suspended
}

// The C stack pointer of the running task. When the original C aio.c is linked in (cref), its
// __stack_pointer is this global; AS code itself keeps no shadow stack under the stub runtime.
export let c_stack_pointer: usize = 0;

let unwinding: bool = false;

export function arch_thread_init(th: thread_struct, entry: u32, arg: usize,
                                 abuf: usize, size: usize, c_stack: usize, c_size: usize): void {
  th.abuf = abuf;
  th.size = size;
  th.started = 0;
  th.rewinding = 0;
  th.entry = entry;
  th.arg = arg;
  th.c_base = c_stack + c_size;
  th.c_sp = c_stack + c_size;
  store<usize>(abuf, abuf + 8);        // Asyncify data cursor
  store<usize>(abuf, abuf + size, 4);  // and its end
}

// Suspends the calling task's whole stack into th. When the task is resumed, the rewind
// re-enters this function, which stops the rewind and returns to its caller.
export function arch_switch_out(th: thread_struct): void {
  if (th.rewinding) {
    th.rewinding = 0;
    asyncify_stop_rewind();
    return;
  }
  th.c_sp = c_stack_pointer;
  unwinding = true;
  asyncify_start_unwind(th.abuf);
}

// Runs th until it suspends itself (returns true) or its entry function returns (false).
export function arch_resume(th: thread_struct): bool {
  c_stack_pointer = th.c_sp;
  if (th.started) {
    th.rewinding = 1;
    asyncify_start_rewind(th.abuf);
  } else {
    th.started = 1;
  }
  unwinding = false;
  call_indirect<void>(th.entry, th.arg);
  if (unwinding) {
    asyncify_stop_unwind();
    unwinding = false;
    return true;
  }
  return false;
}
