// Wait queues, laid out as in 2.6.9 i386.
import { list_head } from "./list";
import { spinlock_t } from "./spinlock";
import { task_struct } from "./sched";

export const WQ_FLAG_EXCLUSIVE: u32 = 0x01;

// wait_queue_t — 20 bytes
//   0        4        8        12                20
//   +--------+--------+--------+--------+--------+
//   | flags  |  task  |  func  |    task_list    |
//   +--------+--------+--------+--------+--------+
// func is a table index: (wait, mode, sync, key) => i32. An entry whose task is NULL is an
// async entry (a kiocb's ki_wait): prepare_to_wait queues it without touching any task state.
// @ts-ignore: decorator
@unmanaged export class wait_queue_t {
  flags: u32;
  task: task_struct;
  func: u32;
  task_list_next: usize;
  task_list_prev: usize;

  // @ts-ignore: decorator
  @inline get task_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<wait_queue_t>("task_list_next"));
  }
}

// @ts-ignore: decorator
@inline export function wait_of_list(l: list_head): wait_queue_t {
  return changetype<wait_queue_t>(changetype<usize>(l) - offsetof<wait_queue_t>("task_list_next"));
}

// wait_queue_head_t — 16 bytes
//   0                 8                 16
//   +--------+--------+--------+--------+
//   |       lock      |    task_list    |
//   +--------+--------+--------+--------+
// @ts-ignore: decorator
@unmanaged export class wait_queue_head_t {
  lock_slock: u32;
  lock_dep: u32;
  task_list_next: usize;
  task_list_prev: usize;

  // @ts-ignore: decorator
  @inline get lock(): spinlock_t { return changetype<spinlock_t>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get task_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<wait_queue_head_t>("task_list_next"));
  }
}
