// struct task_struct and struct mm_struct: the fields the kernel and aio.c touch, C-visible ones
// first, in i386 sizes (pointers and longs are 4 bytes). Offsets are checked at boot against
// include/linux/layout.ts, which scripts/gen-layout.mjs generates from one spec.
import { list_head } from "./list";
import { spinlock_t, rwlock_t, rw_semaphore } from "./spinlock";
import { thread_struct } from "../../arch/switch";

export const TASK_RUNNING: i32 = 0;
export const TASK_INTERRUPTIBLE: i32 = 1;
export const TASK_UNINTERRUPTIBLE: i32 = 2;
export const TASK_STOPPED: i32 = 4;
export const EXIT_ZOMBIE: i32 = 16;
export const EXIT_DEAD: i32 = 32;

export const PF_KTHREAD: u32 = 0x00000001;   // ours: a kernel thread (2.6.9 tells by mm == NULL)
export const PF_IDLE: u32 = 0x00000002;      // ours: the per-CPU idle task
export const PF_EXITING: u32 = 0x00000004;
export const PF_USER: u32 = 0x00000008;      // ours: a user task driven by a host program

export const MAX_PRIO: i32 = 140;
export const MAX_RT_PRIO: i32 = 100;
// @ts-ignore: decorator
@inline export function NICE_TO_PRIO(nice: i32): i32 { return MAX_RT_PRIO + nice + 20; }

export const MAX_HELD_LOCKS: i32 = 16;

// struct task_struct (simulator subset) — 224 bytes
//   0 state     4 flags     8 mm        12 active_mm  16 io_wait   20 alloc_lock (8)
//  28 pid      32 run_list (8)          40 prio       44 static_prio
//  48 time_slice  52 cpu   56 cpus_allowed  60 need_resched  64 sigpending  68 on_rq
//  72 nvcsw (8)  80 nivcsw (8)  88 runtime (8)  96 exec_start (8)
// 104 thread  108 lock_depth  112 held_locks  116 comm[16]  132 wchan  136 wchan_name
// 140 exit_code  144 tgid  148 files  152 sys_args[6] (24)  176 tasks (8)
// 184 user_cycles (8)  192 syscall_nr  196 irq_depth_saved  200 sleep_start (8)
// 208 kthread_fn  212 kthread_data  216 parent  220 sig_handled
// @ts-ignore: decorator
@unmanaged export class task_struct {
  state: i32;
  flags: u32;
  mm: mm_struct;
  active_mm: mm_struct;
  io_wait: usize;            // wait_queue_t*: NULL for ordinary blocking, else the kiocb's entry
  alloc_lock_slock: u32;
  alloc_lock_dep: u32;
  pid: i32;
  run_list_next: usize;
  run_list_prev: usize;
  prio: i32;
  static_prio: i32;
  time_slice: i32;           // jiffies left
  cpu: i32;                  // CPU it last ran on (task_cpu)
  cpus_allowed: u32;
  need_resched: i32;         // TIF_NEED_RESCHED
  sigpending: u32;           // pending signal bits (bit n = signal n)
  on_rq: i32;
  nvcsw: u64;
  nivcsw: u64;
  runtime: u64;              // cycles spent running
  exec_start: u64;
  thread: thread_struct;
  lock_depth: i32;           // spinlocks held (preempt count contribution)
  held_locks: usize;         // u32[MAX_HELD_LOCKS] of lock debug indices
  comm0: u32;
  comm1: u32;
  comm2: u32;
  comm3: u32;
  wchan: usize;              // what it sleeps on (a wait_queue_head_t or an object), for reports
  wchan_name: usize;         // static string naming it
  exit_code: i32;
  tgid: i32;
  files: usize;              // files_struct*
  sys_arg0: i32;
  sys_arg1: i32;
  sys_arg2: i32;
  sys_arg3: i32;
  sys_arg4: i32;
  sys_arg5: i32;
  tasks_next: usize;
  tasks_prev: usize;
  user_cycles: u64;
  syscall_nr: i32;
  irq_depth_saved: i32;
  sleep_start: u64;
  kthread_fn: u32;           // kernel threads: (data: usize) => void
  kthread_data: usize;
  parent: usize;             // task_struct* that spawned or forked it
  sig_handled: u32;          // signals whose delivery just interrupts (no default action)

  // @ts-ignore: decorator
  @inline get alloc_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<task_struct>("alloc_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get run_list(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<task_struct>("run_list_next"));
  }
  // @ts-ignore: decorator
  @inline get tasks(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<task_struct>("tasks_next"));
  }
  // @ts-ignore: decorator
  @inline get comm(): usize { return changetype<usize>(this) + offsetof<task_struct>("comm0"); }
  // @ts-ignore: decorator
  @inline get sys_args(): usize { return changetype<usize>(this) + offsetof<task_struct>("sys_arg0"); }
}

// @ts-ignore: decorator
@inline export function task_of_run_list(l: list_head): task_struct {
  return changetype<task_struct>(changetype<usize>(l) - offsetof<task_struct>("run_list_next"));
}
// @ts-ignore: decorator
@inline export function task_of_tasks(l: list_head): task_struct {
  return changetype<task_struct>(changetype<usize>(l) - offsetof<task_struct>("tasks_next"));
}

// struct mm_struct (simulator subset) — 80 bytes
//   0 mm_users   4 mm_count   8 mmap_sem (20)   28 ioctx_list_lock (8)   36 ioctx_list
//  40 pgd        44 mmap (vma list)   48 map_count   52 mmap_base   56 total_vm   60 id
//  64 page_table_lock (8)   72 rss   76 free_area_cache
// ioctx_list is the head of the singly linked kioctx list (kioctx.next), as in 2.6.9.
// @ts-ignore: decorator
@unmanaged export class mm_struct {
  mm_users: i32;
  mm_count: i32;
  mmap_sem_count: i32;
  mmap_sem_wait_lock_slock: u32;
  mmap_sem_wait_lock_dep: u32;
  mmap_sem_wait_list_next: usize;
  mmap_sem_wait_list_prev: usize;
  ioctx_list_lock_lock: u32;
  ioctx_list_lock_dep: u32;
  ioctx_list: usize;
  pgd: usize;                // page directory: 1024 entries, each a page table or 0
  mmap: usize;               // vm_area_struct list, sorted by address
  map_count: i32;
  mmap_base: u32;            // where the next unplaced mapping is searched from (top-down)
  total_vm: u32;             // pages mapped
  id: i32;
  page_table_lock_slock: u32; // guards the page tables and rss (mm/memory.ts)
  page_table_lock_dep: u32;
  rss: u32;                  // pages present in the page tables
  free_area_cache: u32;      // top-down search resumes below this (mm/mmap.ts)

  // @ts-ignore: decorator
  @inline get mmap_sem(): rw_semaphore {
    return changetype<rw_semaphore>(changetype<usize>(this) + offsetof<mm_struct>("mmap_sem_count"));
  }
  // @ts-ignore: decorator
  @inline get page_table_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<mm_struct>("page_table_lock_slock"));
  }
  // @ts-ignore: decorator
  @inline get ioctx_list_lock(): rwlock_t {
    return changetype<rwlock_t>(changetype<usize>(this) + offsetof<mm_struct>("ioctx_list_lock_lock"));
  }
}
