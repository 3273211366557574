// Self-test scenarios for tests/locks.test.ts and tests/hang.test.ts: lock ordering, irq
// safety, contention statistics, lock misuse, might_sleep, and the hang detector. Each runs in
// kernel threads (or in a user task through a private system call) so it can block, spin and
// take interrupts like kernel code does; the tests read the results through the host metrics.
import { spinlock_t } from "../include/linux/spinlock";
import { wait_queue_t, wait_queue_head_t } from "../include/linux/wait";
import { timer_list } from "../include/linux/timer";
import { task_struct, TASK_UNINTERRUPTIBLE, TASK_INTERRUPTIBLE } from "../include/linux/sched";
import { kthread_create, schedule } from "../kernel/sched";
import { current, this_cpu, charge, interleave, local_irq_disable, local_irq_enable } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import {
  spin_lock_init, spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq, spin_lock_irqsave,
  spin_unlock_irqrestore, spin_trylock, lock_class_register,
} from "../kernel/spinlock";
import {
  init_waitqueue_head, init_wait, prepare_to_wait, finish_wait, wake_up, add_wait_queue,
  remove_wait_queue,
} from "../kernel/wait";
import { init_timer, add_timer, jiffies } from "../kernel/timer";
import { syscall_fn, set_syscall_table } from "../kernel/entry";
import { lockdep_site, might_sleep } from "../kernel/lockdep";
import { ENOSYS } from "../include/linux/errno";

// A few locks, each of its own class, set up on first use.
function new_lock(cls: string): spinlock_t {
  let l = changetype<spinlock_t>(heap.alloc(offsetof<spinlock_t>()));
  spin_lock_init(l, lock_class_register(cls));
  return l;
}
function new_wq(cls: string): wait_queue_head_t {
  let q = changetype<wait_queue_head_t>(heap.alloc(offsetof<wait_queue_head_t>()));
  init_waitqueue_head(q, lock_class_register(cls));
  return q;
}

// Some work done while holding a lock, with an interleave point after each piece so that
// another CPU gets its turn (and finds the lock taken).
function hold_work(n: i32): void {
  for (let i = 0; i < n; i++) {
    charge(COST_KERNEL_OP);
    interleave();
  }
}

// A stand-in for a device interrupt: what the disk completion path will do, entered from a
// kernel thread (interrupts off, hard-interrupt context, nested in the running task).
function fake_irq_enter(): void {
  local_irq_disable();
  this_cpu.in_irq++;
}
function fake_irq_exit(): void {
  this_cpu.in_irq--;
  local_irq_enable();
}

export let st_done: i32 = 0;
export function selftest_locks_done(): i32 { return st_done; }

// ---- lock order: one thread takes A then B, a second later takes B then A

let lk_a: spinlock_t = changetype<spinlock_t>(0);
let lk_b: spinlock_t = changetype<spinlock_t>(0);
let lk_c: spinlock_t = changetype<spinlock_t>(0);
let order_phase: i32 = 0;

function order_ab_thread(data: usize): void {
  spin_lock(lk_a);
  lockdep_site("st_take_ab");
  spin_lock(lk_b);
  spin_unlock(lk_b);
  spin_unlock(lk_a);
  order_phase = 1;
}
function order_ba_thread(data: usize): void {
  while (order_phase == 0) hold_work(1);
  spin_lock(lk_b);
  lockdep_site("st_take_ba");
  spin_lock(lk_a);
  spin_unlock(lk_a);
  spin_unlock(lk_b);
  st_done++;
}

// Thread "st-ab" on cpu_a takes st.A then st.B; then "st-ba" on cpu_b takes st.B then st.A.
export function selftest_lock_order(cpu_a: i32, cpu_b: i32): void {
  lk_a = new_lock("st.A");
  lk_b = new_lock("st.B");
  order_phase = 0;
  kthread_create("st-ab", order_ab_thread.index, 0, 0, cpu_a);
  kthread_create("st-ba", order_ba_thread.index, 0, 0, cpu_b);
}

function chain_thread(data: usize): void {
  spin_lock(lk_a); spin_lock(lk_b); spin_unlock(lk_b); spin_unlock(lk_a);
  spin_lock(lk_b); spin_lock(lk_c); spin_unlock(lk_c); spin_unlock(lk_b);
  spin_lock(lk_c);
  lockdep_site("st_close_cycle");
  spin_lock(lk_a);
  spin_unlock(lk_a); spin_unlock(lk_c);
  st_done++;
}

// Thread "st-chain" takes A→B, B→C, then C→A: a cycle of three classes.
export function selftest_lock_chain(cpu: i32): void {
  lk_a = new_lock("st.A");
  lk_b = new_lock("st.B");
  lk_c = new_lock("st.C");
  kthread_create("st-chain", chain_thread.index, 0, 0, cpu);
}

function trylock_thread(data: usize): void {
  spin_lock(lk_a);
  if (spin_trylock(lk_b)) spin_unlock(lk_b);
  spin_unlock(lk_a);
  spin_lock(lk_b);
  spin_lock(lk_a);
  spin_unlock(lk_a);
  spin_unlock(lk_b);
  st_done++;
}

// Thread "st-try" trylocks st.B holding st.A, later takes st.A holding st.B: no inversion,
// since a trylock never waits.
export function selftest_trylock_order(cpu: i32): void {
  lk_a = new_lock("st.A");
  lk_b = new_lock("st.B");
  kthread_create("st-try", trylock_thread.index, 0, 0, cpu);
}

// ---- irq safety with a real timer: the handler (timer softirq) takes st.timer_lock; a thread
// takes it with interrupts on, before or after the timer ran.

let irq_lock: spinlock_t = changetype<spinlock_t>(0);
let irq_timer: timer_list = changetype<timer_list>(0);
let timer_ran: i32 = 0;
let irq_mode: i32 = 0;

function st_timer_fn(data: usize): void {
  lockdep_site("st_timer_fn");
  spin_lock(irq_lock);
  spin_unlock(irq_lock);
  timer_ran = 1;
}
function irq_thread(data: usize): void {
  init_timer(irq_timer);
  irq_timer.function = st_timer_fn.index;
  irq_timer.data = 0;
  irq_timer.expires = jiffies + 2;
  add_timer(irq_timer);
  while (!timer_ran) hold_work(4);
  if (irq_mode == 0) {
    lockdep_site("st_irqs_on");
    spin_lock(irq_lock);               // the bug: irqs on, while a timer takes it too
    spin_unlock(irq_lock);
  } else {
    spin_lock_irq(irq_lock);           // the right way
    spin_unlock_irq(irq_lock);
  }
  st_done++;
}

// Thread "st-irq" arms a timer taking st.timer_lock, waits for it, then takes the lock with
// interrupts on (mode 0) or off (mode 1).
export function selftest_irq_timer(cpu: i32, mode: i32): void {
  irq_lock = new_lock("st.timer_lock");
  irq_timer = changetype<timer_list>(heap.alloc(offsetof<timer_list>()));
  memory.fill(changetype<usize>(irq_timer), 0, offsetof<timer_list>());
  timer_ran = 0;
  irq_mode = mode;
  kthread_create("st-irq", irq_thread.index, 0, 0, cpu);
}

// ---- 2.6.9's aio_kick_handler inversion (kernel-aio.md §4 B4), in miniature:
//   task_lock(current) with irqs on                        → alloc_lock is hardirq-unsafe
//   wake_up(wq) from a device interrupt                    → the wait-queue lock is hardirq-safe
//   wake_up(wq) → wake function → spin_lock_irqsave(ctx)   → wq.lock → ctx_lock
//   spin_lock_irq(ctx) → unuse_mm → task_lock(current)     → ctx_lock → alloc_lock
// The last step completes hardirq-safe wq.lock → ctx_lock → alloc_lock (hardirq-unsafe).

let b4_wq: wait_queue_head_t = changetype<wait_queue_head_t>(0);
let b4_ctx: spinlock_t = changetype<spinlock_t>(0);
let b4_entry: wait_queue_t = changetype<wait_queue_t>(0);

// Plays aio_wake_function → kick_iocb: takes the ctx lock under the wait-queue lock.
function b4_wake_function(wait: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  lockdep_site("aio_wake_function");
  let flags = spin_lock_irqsave(b4_ctx);
  spin_unlock_irqrestore(b4_ctx, flags);
  return 1;
}

function b4_thread(data: usize): void {
  lockdep_site("task_lock");
  spin_lock(current.alloc_lock);
  spin_unlock(current.alloc_lock);
  // a completion interrupt wakes the queue (no waiters yet)
  fake_irq_enter();
  wake_up(b4_wq);
  fake_irq_exit();
  // an async waiter (a kiocb's entry, no task) is woken from process context
  b4_entry.flags = 0;
  b4_entry.task = changetype<task_struct>(0);
  b4_entry.func = b4_wake_function.index;
  add_wait_queue(b4_wq, b4_entry);
  wake_up(b4_wq);
  remove_wait_queue(b4_wq, b4_entry);
  // aio_kick_handler: unuse_mm under ctx_lock
  spin_lock_irq(b4_ctx);
  lockdep_site("unuse_mm");
  spin_lock(current.alloc_lock);
  spin_unlock(current.alloc_lock);
  spin_unlock_irq(b4_ctx);
  st_done++;
}

// Thread "st-b4" runs the four steps above.
export function selftest_b4(cpu: i32): void {
  b4_wq = new_wq("st.kioctx.wait");
  b4_ctx = new_lock("st.kioctx.ctx_lock");
  b4_entry = changetype<wait_queue_t>(heap.alloc(offsetof<wait_queue_t>()));
  memory.fill(changetype<usize>(b4_entry), 0, offsetof<wait_queue_t>());
  kthread_create("st-b4", b4_thread.index, 0, 0, cpu);
}

// ---- contention: two threads hammer one lock, each holding it across charged work

let cont_lock: spinlock_t = changetype<spinlock_t>(0);
let cont_loops: i32 = 0;
let cont_work: i32 = 0;

function contend_thread(data: usize): void {
  for (let i = 0; i < cont_loops; i++) {
    spin_lock(cont_lock);
    hold_work(cont_work);
    spin_unlock(cont_lock);
    hold_work(1);
  }
  st_done++;
}

// Threads "st-cont0" on cpu_a and "st-cont1" on cpu_b each take st.contended `loops` times,
// holding it across `work` pieces of kernel work.
export function selftest_contend(cpu_a: i32, cpu_b: i32, loops: i32, work: i32): void {
  cont_lock = new_lock("st.contended");
  cont_loops = loops;
  cont_work = work;
  kthread_create("st-cont0", contend_thread.index, 0, 0, cpu_a);
  kthread_create("st-cont1", contend_thread.index, 1, 0, cpu_b);
}

// ---- misuse that must BUG

let misuse_lock: spinlock_t = changetype<spinlock_t>(0);
let misuse_held: i32 = 0;

function holder_thread(data: usize): void {
  spin_lock(misuse_lock);
  misuse_held = 1;
  for (let i = 0; i < 100000; i++) hold_work(1);
  spin_unlock(misuse_lock);
}
function thief_thread(data: usize): void {
  while (!misuse_held) hold_work(1);
  spin_unlock(misuse_lock);
}
function double_thread(data: usize): void {
  spin_lock(misuse_lock);
  spin_unlock(misuse_lock);
  spin_unlock(misuse_lock);
}
function atomic_sleep_thread(data: usize): void {
  spin_lock(misuse_lock);
  current.state = TASK_UNINTERRUPTIBLE;
  schedule();
}

// kind 0: "st-holder" on cpu_a takes st.misuse and "st-thief" on cpu_b releases it;
// kind 1: "st-double" unlocks st.misuse twice; kind 2: "st-atomic" calls schedule() holding it.
export function selftest_misuse(kind: i32, cpu_a: i32, cpu_b: i32): void {
  misuse_lock = new_lock("st.misuse");
  misuse_held = 0;
  if (kind == 0) {
    kthread_create("st-holder", holder_thread.index, 0, 0, cpu_a);
    kthread_create("st-thief", thief_thread.index, 0, 0, cpu_b);
  } else if (kind == 1) {
    kthread_create("st-double", double_thread.index, 0, 0, cpu_a);
  } else {
    kthread_create("st-atomic", atomic_sleep_thread.index, 0, 0, cpu_a);
  }
}

// ---- might_sleep

function might_sleep_thread(data: usize): void {
  might_sleep("st_fine");                 // nothing held: no report
  spin_lock(misuse_lock);
  might_sleep("st_under_lock");
  spin_unlock(misuse_lock);
  local_irq_disable();
  might_sleep("st_irqs_off");
  local_irq_enable();
  st_done++;
}

// Thread "st-might" calls might_sleep() with nothing held, under st.misuse, and with irqs off.
export function selftest_might_sleep(cpu: i32): void {
  misuse_lock = new_lock("st.misuse");
  kthread_create("st-might", might_sleep_thread.index, 0, 0, cpu);
}

// ---- the hang detector: private system calls for user tasks, and kernel sleepers

export const ST_NR_SLEEP: i32 = 0x5e00;          // sleep on st.hang_wq until woken
export const ST_NR_SLEEP_TIMER: i32 = 0x5e01;    // arm a timer in a0 jiffies (it wakes nobody), then sleep
export const ST_NR_WAKE: i32 = 0x5e02;           // wake st.hang_wq

let hang_wq: wait_queue_head_t = changetype<wait_queue_head_t>(0);
let hang_timer: timer_list = changetype<timer_list>(0);
let prev_syscall: u32 = 0;
let hang_woken: i32 = 0;

function hang_sleep(): i32 {
  let w = changetype<wait_queue_t>(heap.alloc(offsetof<wait_queue_t>()));
  init_wait(w);
  let seen = hang_woken;
  for (;;) {
    prepare_to_wait(hang_wq, w, TASK_UNINTERRUPTIBLE);
    if (hang_woken != seen) break;
    schedule();
  }
  finish_wait(hang_wq, w);
  return 0;
}
function hang_timer_fn(data: usize): void {}

function st_sys_call(nr: i32, args: usize): i32 {
  if (nr == ST_NR_SLEEP) return hang_sleep();
  if (nr == ST_NR_SLEEP_TIMER) {
    init_timer(hang_timer);
    hang_timer.function = hang_timer_fn.index;
    hang_timer.expires = jiffies + <u32>load<i32>(args);
    add_timer(hang_timer);
    return hang_sleep();
  }
  if (nr == ST_NR_WAKE) {
    hang_woken++;
    wake_up(hang_wq);
    return 0;
  }
  if (prev_syscall) return call_indirect<i32>(prev_syscall, nr, args);
  return -ENOSYS;
}

function named_sleeper_thread(data: usize): void {
  current.wchan = 0;
  current.wchan_name = changetype<usize>("st.named_wait");
  current.state = TASK_INTERRUPTIBLE;
  schedule();
}

// Installs the private system calls (in front of the real table) and, with sleeper != 0, a
// kernel thread "st-sleeper" that sleeps forever on a named channel.
export function selftest_hang_setup(sleeper: i32): void {
  hang_wq = new_wq("st.hang_wq");
  hang_timer = changetype<timer_list>(heap.alloc(offsetof<timer_list>()));
  memory.fill(changetype<usize>(hang_timer), 0, offsetof<timer_list>());
  if (syscall_fn != st_sys_call.index) {
    prev_syscall = syscall_fn;
    set_syscall_table(st_sys_call.index);
  }
  if (sleeper) kthread_create("st-sleeper", named_sleeper_thread.index, 0, 0, 0);
}
