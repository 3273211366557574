// The machine profile: every simulated cycle the kernel charges comes from this one table.
// The host fills it from a named profile (host/profile.ts) before boot; docs/calibration.md
// says where each default comes from. Kernel code charges with charge(COST_X), never a literal.

export const COST_SYSCALL_ENTRY: i32 = 0;   // int 0x80 / sysenter entry and register save
export const COST_SYSCALL_EXIT: i32 = 1;    // return to user mode
export const COST_LOCK: i32 = 2;            // uncontended lock acquire + release, line already local
export const COST_LOCK_TRANSFER: i32 = 3;   // moving a lock's cache line from another CPU
export const COST_SPIN_ITER: i32 = 4;       // one iteration of a contended spin loop
export const COST_CONTEXT_SWITCH: i32 = 5;  // schedule() picking another task and switching to it
export const COST_IPI: i32 = 6;             // cross-CPU wake-up: IPI send plus the target's entry
export const COST_COPY_PER_KB: i32 = 7;     // copy_to_user / copy_from_user, per 1024 bytes
export const COST_TIMER_IRQ: i32 = 8;       // one timer interrupt (entry, do_timer, exit)
export const COST_WORK_DISPATCH: i32 = 9;   // a worker thread taking one work item off its list
export const COST_USER_WORK: i32 = 10;      // user-mode work a program does per loop step
export const COST_WAKEUP: i32 = 11;         // try_to_wake_up on an already-local runqueue
export const COST_KERNEL_OP: i32 = 12;      // a small fixed piece of kernel work (list ops, checks)
export const COST_SLAB: i32 = 13;           // one kmem_cache_alloc or kmem_cache_free
export const COST_PAGE_FAULT: i32 = 14;     // first touch of an anonymous user page
export const COST_TIMER_OP: i32 = 15;       // add_timer / mod_timer / del_timer
export const COST_DISK_IRQ: i32 = 16;       // block device completion interrupt
export const NR_COSTS: i32 = 17;

// Non-cycle machine parameters live beside the costs.
export let cpu_khz: u64 = 2800000;          // 2.8 GHz
export let HZ: u32 = 1000;
export let cycles_per_jiffy: u64 = 2800000;
export let sched_balance: i32 = 0;          // wake-affine balancing (off: a woken task stays on its CPU)

// The simulated disk (fs/blockdev.ts, docs/storage-model.md).
export let disk_latency_us: u32 = 200;      // per request, before its data moves
export let disk_mb_s: u32 = 80;             // one transfer channel, MB/s (10^6 bytes)
export let disk_queue_depth: i32 = 32;      // requests in service at once
export let disk_irq_cpu: i32 = 0;           // the CPU that takes completion interrupts
export function set_disk(latency_us: u32, mb_s: u32, depth: i32, irq_cpu: i32): void {
  disk_latency_us = latency_us;
  disk_mb_s = mb_s;
  disk_queue_depth = depth > 0 ? depth : 1;
  disk_irq_cpu = irq_cpu;
}

const costs = memory.data(NR_COSTS * 8);

// @ts-ignore: decorator
@inline export function cost(i: i32): u64 { return load<u64>(costs + (<usize>i << 3)); }
export function set_cost(i: i32, v: u64): void { store<u64>(costs + (<usize>i << 3), v); }

export function set_clock(khz: u64, hz: u32): void {
  cpu_khz = khz;
  HZ = hz;
  cycles_per_jiffy = khz * 1000 / <u64>hz;
}
export function set_balance(on: i32): void { sched_balance = on; }
