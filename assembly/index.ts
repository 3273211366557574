// The module's face: boot, simulation controls, read-outs for the host. Nothing else.
import { nr_cpus as _nr_cpus, cpu_of, this_cpu, current, NR_CPUS } from "./kernel/cpu";
import * as cpu from "./kernel/cpu";
import { set_cost, set_clock, set_balance, NR_COSTS } from "./kernel/profile";
import { sched_init, idle_init, nr_context_switches, find_task_by_pid, wake_up_new_task, all_tasks,
         set_user_nice, send_signal, nr_tasks } from "./kernel/sched";
import { timer_interrupt, jiffies, init_timers } from "./kernel/timer";
import { init_workqueues, workqueue_by_name, workqueue_struct } from "./kernel/workqueue";
import { run as engine_run, now_cycles as engine_now, request_stop, nr_steps } from "./kernel/engine";
import { spawn_user as entry_spawn_user, set_syscall_table } from "./kernel/entry";
import { trace_enable } from "./kernel/trace";
import { sys_call } from "./syscalls";
import { pingpong_start, pp_rounds_done } from "./kernel/pingpong";
import { task_struct } from "./include/linux/sched";
import { BUG } from "./kernel/panic";
import { layout_check } from "./kernel/layout_check";
import { kmem_cache_init } from "./mm/slab";
import { proc_caches_init, mm_alloc } from "./kernel/fork";
import { ENOMEM } from "./include/linux/errno";
import { hang_init } from "./kernel/hang";
import { aio_setup, exit_aio, aio_stat, aio_nr, aio_kiocb_active, aio_kioctx_active } from "./fs/aio";
import { aio_set_variant_flags, aio_variant_effective } from "./fs/aio_variant";
import { set_exit_aio } from "./kernel/fork";
import { fs_init, drop_pagecache, nr_dir_entries } from "./fs/open";
import { set_disk } from "./kernel/profile";
import * as blockdev from "./fs/blockdev";
import * as filemap from "./mm/filemap";
import * as pipefs from "./fs/pipe";
import { nr_files, set_rlimit_nofile } from "./fs/file";
import { nr_inodes } from "./fs/inode";

export { set_cost, NR_COSTS };

let booted = false;

// Boots a machine: ncpus CPUs at khz, HZ ticks a second. The cost table must be set first.
export function boot(ncpus: i32, khz: u64, hz: u32, balance: i32): void {
  if (booted) BUG("boot: already booted");
  if (ncpus < 1 || ncpus > NR_CPUS) BUG("boot: bad CPU count");
  booted = true;
  layout_check();           // the C-visible structs have the layout scripts/layout-spec.mjs gives
  set_clock(khz, hz);
  set_balance(balance);
  cpu.nr_cpus = ncpus;
  kmem_cache_init();        // the size-N general caches
  proc_caches_init();       // mm_struct, vm_area_struct; the exit and switch_mm hooks
  sched_init(ncpus);
  idle_init(ncpus);
  cpu.timer_interrupt_fn = timer_interrupt.index;
  set_syscall_table(sys_call.index);
  hang_init();
  cpu.set_current(cpu_of(0));
  init_timers();            // per-CPU timer bases and the timer softirq
  init_workqueues();        // keventd: the "events/N" workers
  fs_init();                // files, pipes, the page cache, the disk and its interrupt
  aio_setup();              // fs/aio.c initcall: kiocb/kioctx caches, the "aio/N" workers
  set_exit_aio(exit_aio.index);
}

export function run(limit: u64, max_steps: i64): i32 { return engine_run(limit, max_steps); }
export function stop(): void { request_stop(); }
export function now(): u64 { return engine_now(); }
// Engine steps (task resumptions) since boot; the host reports them per wall second.
export function engine_steps(): u64 { return nr_steps; }
// The clock of the CPU running the current task (what a user program's own clock reads).
export function cpu_now(): u64 { return changetype<usize>(this_cpu) ? this_cpu.clock : engine_now(); }
export function get_jiffies(): u32 { return jiffies; }
export function set_trace(on: bool): void { trace_enable(on); }

// A small buffer the host writes arguments into (names, paths) before calling an export.
const scratch_area = memory.data(256);
export function scratch(): usize { return scratch_area; }

// Spawns a user task (its name in scratch) that runs the host program registered under the
// returned pid.
export function spawn_user(name_len: i32, nice: i32, cpu_: i32): i32 {
  let mm = mm_alloc();       // a user task starts with an empty address space of its own
  if (!changetype<usize>(mm)) return -ENOMEM;
  let t = entry_spawn_user(String.UTF8.decodeUnsafe(scratch_area, <usize>name_len), nice, cpu_);
  t.mm = mm;
  t.active_mm = mm;
  wake_up_new_task(t);
  return t.pid;
}
export function kill(pid: i32, sig: i32): i32 {
  let t = find_task_by_pid(pid);
  if (!changetype<usize>(t)) return -3;
  send_signal(t, sig);
  return 0;
}

// ---- read-outs (all cycles are u64; the host reads struct fields through these)
export function cpu_count(): i32 { return cpu.nr_cpus; }
export function cpu_clock(i: i32): u64 { return cpu_of(i).clock; }
export function cpu_idle_cycles(i: i32): u64 { return cpu_of(i).idle_cycles; }
// Idle time up to `now`, counting a halt still in progress (its clock already reads the next tick).
export function cpu_idle_until(i: i32, now: u64): u64 {
  let c = cpu_of(i);
  return c.idle_cycles + (c.halted && now > c.halt_start ? now - c.halt_start : 0);
}
export function cpu_switches(i: i32): u64 { return cpu_of(i).nr_switches; }
export function cpu_nvcsw(i: i32): u64 { return cpu_of(i).nvcsw; }
export function cpu_nivcsw(i: i32): u64 { return cpu_of(i).nivcsw; }
export function cpu_ticks(i: i32): u64 { return cpu_of(i).nr_ticks; }
export function total_switches(): u64 { return nr_context_switches; }
export function current_pid(): i32 { return changetype<usize>(current) ? current.pid : -1; }
export function current_cpu(): i32 { return changetype<usize>(this_cpu) ? this_cpu.id : -1; }
export function current_comm(): usize { return changetype<usize>(current) ? current.comm : 0; }

export function task_ptr(pid: i32): usize { return changetype<usize>(find_task_by_pid(pid)); }
export function task_nvcsw(t: usize): u64 { return changetype<task_struct>(t).nvcsw; }
export function task_nivcsw(t: usize): u64 { return changetype<task_struct>(t).nivcsw; }
export function task_runtime(t: usize): u64 { return changetype<task_struct>(t).runtime; }
// Walks every live task: task_iter(0) is the first, task_iter(t) the one after t, 0 at the end.
export function task_iter(t: usize): usize {
  let l = t ? changetype<task_struct>(t).tasks.next : all_tasks.next;
  return l === all_tasks ? 0 : changetype<usize>(l) - offsetof<task_struct>("tasks_next");
}
export function task_pid(t: usize): i32 { return changetype<task_struct>(t).pid; }
export function task_comm(t: usize): usize { return changetype<task_struct>(t).comm; }
export function task_flags(t: usize): u32 { return changetype<task_struct>(t).flags; }
export function task_state(t: usize): i32 { return changetype<task_struct>(t).state; }
export function task_cpu(t: usize): i32 { return changetype<task_struct>(t).cpu; }
export function task_user_cycles(t: usize): u64 { return changetype<task_struct>(t).user_cycles; }

// ---- built-in kernel workloads
export function start_pingpong(rounds: i32, cpu_a: i32, cpu_b: i32): void { pingpong_start(rounds, cpu_a, cpu_b); }
export function pingpong_done(): i32 { return pp_rounds_done; }

// ---- lock checking, lock statistics, hang detector (kernel/lockdep.ts, kernel/hang.ts;
// host/metrics.ts reads these)
export {
  lockdep_enable, lockdep_set_bug, lockdep_report_count, lockdep_report_total, lockdep_report_word,
  lockdep_report_text, lockdep_site_word, lockdep_site_comm, lockdep_edge_site, lockdep_has_edge,
  lock_class_count, lock_class_name, lock_class_stat,
} from "./kernel/lockdep";
export { hang_info, hang_task_word, hang_task_comm } from "./kernel/hang";

// ---- workqueue read-outs (kernel/workqueue.ts): wq is the address wq_lookup returns
// The workqueue created under the name in scratch (name_len bytes), or 0.
export function wq_lookup(name_len: i32): usize {
  return changetype<usize>(workqueue_by_name(String.UTF8.decodeUnsafe(scratch_area, <usize>name_len)));
}
// Works run from CPU cpu's list, and wake-ups of that CPU's worker.
export function wq_works_run(wq: usize, cpu_: i32): u32 { return changetype<workqueue_struct>(wq).cpu_wq(cpu_).nr_run; }
export function wq_worker_wakeups(wq: usize, cpu_: i32): u32 { return changetype<workqueue_struct>(wq).cpu_wq(cpu_).nr_wakeups; }
export function wq_worker_pid(wq: usize, cpu_: i32): i32 { return changetype<workqueue_struct>(wq).cpu_wq(cpu_).thread.pid; }

// ---- memory management (mm/slab.ts, mm/uaccess.ts, kernel/fork.ts; host/mm.ts reads these)
export {
  slab_set_debug, slab_nr_caches, slab_cache_at, slab_cache_name, slab_cache_objsize, slab_cache_active,
  slab_cache_allocs, slab_cache_frees, slab_cache_failed, slab_cache_high_water, slab_cache_snap,
  slab_snapshot, slab_leaks, slab_injected, slab_fail_nth, slab_fail_random,
} from "./mm/slab";
export { user_translate } from "./mm/uaccess";
export { task_ppid, task_mm, mm_info, mm_live } from "./kernel/fork";

// ---- the AIO port (fs/aio.ts): variant switches, counters, self-check read-outs
// Chooses the fs/aio.c text before the first run (flag bits: fs/aio_variant.ts). 0, or -1 once
// AIO has been used.
export function aio_set_variant(flags: u32): i32 { return aio_set_variant_flags(flags); }
// The switches in force, cancel_delayed resolved.
export function aio_variant(): u32 { return aio_variant_effective(); }
export function aio_stat_kicks(): u64 { return aio_stat.kicks; }
export function aio_stat_queued(): u64 { return aio_stat.queued; }
export function aio_stat_wakeups(): u64 { return aio_stat.wakeups; }
export function aio_stat_runs(): u64 { return aio_stat.runs; }
export function aio_stat_retries(): u64 { return aio_stat.retries; }
export function aio_stat_worker_runs(): u64 { return aio_stat.worker_runs; }
export function aio_stat_queue_work(): u64 { return aio_stat.queue_work; }
export function aio_stat_submitted(): u64 { return aio_stat.submitted; }
export function aio_stat_events(): u64 { return aio_stat.events; }
export function aio_stat_cancelled(): u64 { return aio_stat.cancelled; }
export function aio_stat_abandoned(): u64 { return aio_stat.abandoned; }
export function aio_stat_bad_put_ioctx(): u64 { return aio_stat.bad_put_ioctx; }
export function aio_stat_opt3_bounced(): u64 { return aio_stat.opt3_bounced; }
export function aio_stat_ctx_alloc(): u64 { return aio_stat.ctx_alloc; }
export function aio_stat_ctx_free(): u64 { return aio_stat.ctx_free; }
export function aio_nr_now(): i32 { return aio_nr; }
export function aio_kiocbs_live(): i32 { return aio_kiocb_active(); }
export function aio_kioctxs_live(): i32 { return aio_kioctx_active(); }

// ---- files, page cache and disk (fs/)
export { set_disk, set_rlimit_nofile };
// Buffered reads start all the pages of a request at once (up to 128 KiB) instead of one disk
// round trip per page. On by default, as in 2.6.9.
export function fs_set_readahead(on: i32): void { filemap.set_readahead(on != 0); }
// Evicts every clean, unused page-cache page (a cold cache for the next read). Returns pages freed.
export function fs_drop_caches(): u32 { return drop_pagecache(); }
// Counters, by index: 0 disk reads, 1 disk writes, 2 bytes read, 3 bytes written, 4 disk interrupts,
// 5 requests in flight, 6 blocks stored, 7 page-cache pages, 8 readpage calls, 9 page-wait retry
// exits, 10 struct files, 11 inodes, 12 directory entries, 13 pipe sleeps, 14 pipe retry exits,
// 15 disk busy cycles, 16+n disk interrupts taken on CPU n.
export function fs_stat(i: i32): u64 {
  switch (i) {
    case 0: return blockdev.disk_reads;
    case 1: return blockdev.disk_writes;
    case 2: return blockdev.disk_read_bytes;
    case 3: return blockdev.disk_write_bytes;
    case 4: return blockdev.disk_irqs;
    case 5: return <u64>blockdev.disk_inflight;
    case 6: return <u64>blockdev.disk_blocks_stored;
    case 7: return <u64>filemap.nr_pagecache;
    case 8: return filemap.nr_readpage;
    case 9: return filemap.nr_retry_exits;
    case 10: return <u64>nr_files;
    case 11: return <u64>nr_inodes;
    case 12: return <u64>nr_dir_entries;
    case 13: return pipefs.pipe_nr_waits;
    case 14: return pipefs.pipe_nr_retry_exits;
    case 15: return blockdev.disk_busy_cycles;
  }
  if (i >= 16 && i < 16 + NR_CPUS) return load<u64>(blockdev.disk_irqs_cpu + (<usize>(i - 16) << 3));
  return 0;
}
