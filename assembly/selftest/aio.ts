// Self-test scenarios for tests/aio-*.test.ts: kernel threads that act as an AIO user (their own
// mm, a descriptor table, user pages) and drive the syscalls of fs/aio.ts directly, against a
// test file whose aio_read parks the kiocb on a wait queue and returns -EIOCBRETRY, to be kicked
// by a timer at a chosen jiffy (from timer softirq context, as a device would). Each retry
// records when it ran and who ran it, so a test can see which variant did what.
import { task_struct, mm_struct, TASK_INTERRUPTIBLE, PF_KTHREAD } from "../include/linux/sched";
import { wait_queue_t, wait_queue_head_t } from "../include/linux/wait";
import { timer_list } from "../include/linux/timer";
import { file, file_operations, dentry, inode, FMODE_READ, FMODE_WRITE, S_IFREG } from "../include/linux/fs";
import { kiocb, kioctx } from "../include/linux/aio";
import { IOCB_CMD_PREAD, IOCB_SIZE, IO_EVENT_SIZE } from "../include/linux/aio_abi";
import { PROT_READ, PROT_WRITE, MAP_ANONYMOUS, MAP_PRIVATE } from "../include/linux/mm";
import { EIOCBRETRY, EIOCBQUEUED } from "../include/linux/errno";
import { current, this_cpu, nr_cpus } from "../kernel/cpu";
import { kthread_create, schedule, wake_up_process } from "../kernel/sched";
import { jiffies, init_timer, add_timer, schedule_timeout, tvec_base_of } from "../kernel/timer";
import { init_waitqueue_head, prepare_to_wait, wake_up } from "../kernel/wait";
import { lock_class_register } from "../kernel/spinlock";
import { mm_alloc, mmput } from "../kernel/fork";
import { down_write, up_write } from "../kernel/rwsem";
import { do_mmap } from "../mm/mmap";
import { get_empty_filp, get_unused_fd, fd_install, get_file } from "../fs/file";
import { copy_to_user, copy_from_user } from "../mm/uaccess";
import { sys_io_setup, sys_io_destroy, sys_io_submit, sys_io_getevents, sys_io_cancel,
         aio_complete, aio_stat } from "../fs/aio";
import { charge, interleave } from "../kernel/cpu";
import { COST_COPY_PER_KB } from "../kernel/profile";
import { add_timer_on } from "../kernel/timer";
import { add_wait_queue, remove_wait_queue } from "../kernel/wait";
import { list_empty, INIT_LIST_HEAD } from "../include/linux/list";
import { sys_close } from "../fs/open";
import { aio_kiocb_active } from "../fs/aio";

// ---- the test file: a fake regular inode whose aio_read parks the kiocb until kicked

const st_fops = changetype<file_operations>(memory.data(offsetof<file_operations>()));
const st_inode = changetype<inode>(memory.data(offsetof<inode>()));
const st_dentry = changetype<dentry>(memory.data(offsetof<dentry>()));
const st_wq = changetype<wait_queue_head_t>(memory.data(offsetof<wait_queue_head_t>()));
const st_timer = changetype<timer_list>(memory.data(offsetof<timer_list>()));
let st_ready = false;

// What the scenario asks of the test file.
export let st_kick_delay: u32 = 5;       // jiffies from the first step to the kick
export let st_queued_mode: i32 = 0;      // 1: first step returns -EIOCBQUEUED, the timer completes
let st_parked: usize = 0;                // the kiocb parked on st_wq (queued mode)

// What happened (read by the test through selftest.ts).
export let st_steps: i32 = 0;             // aio_read calls
export let st_kick_jiffies: u32 = 0;      // when the timer kicked
export let st_retry_jiffies: u32 = 0;     // when the second step ran
export let st_retry_pid: i32 = 0;         // who ran it
export let st_retry_by_worker: i32 = 0;   // 1 if that was a kernel thread (an aio/N worker)
export let st_result: i32 = 0;            // the scenario's final syscall result
export let st_event_res: i64 = 0;         // res of the event reaped
export let st_event_data: u64 = 0;
export let st_done_jiffies: u32 = 0;
export let st_errno: i32 = 0;
export let st_phase: i32 = 0;             // how far the scenario got
export let st_submit_jiffies: u32 = 0;
export let st_armed_after_free: i32 = 0;  // B6: the kioctx's work timer is still armed after the free
export let st_freed_timer_magic: u32 = 0; // ... and its magic word as the slab left it

function st_kick(data: usize): void {
  st_kick_jiffies = jiffies;
  if (st_queued_mode || st_scenario == 7) {
    // a lower layer completing a -EIOCBQUEUED request from interrupt context (B5's path)
    let k = changetype<kiocb>(st_parked);
    st_parked = 0;
    aio_complete(k, <i32>k.ki_nbytes, 0);
  } else {
    wake_up(st_wq);                       // aio_wake_function → kick_iocb, in softirq context
  }
}

// aio_read of the test file: the first step parks on st_wq (async io_wait entry) and arms the
// kick; later steps complete the whole read.
function st_aio_read(iocb_: usize, buf: usize, count: usize, pos: i64): i32 {
  st_steps++;
  if (st_steps == 1) {
    init_timer(st_timer);
    st_timer.function = st_kick.index;
    st_timer.expires = jiffies + st_kick_delay;
    add_timer(st_timer);
    if (st_queued_mode) {
      st_parked = iocb_;
      return -EIOCBQUEUED;
    }
    prepare_to_wait(st_wq, changetype<wait_queue_t>(current.io_wait), TASK_INTERRUPTIBLE);
    return -EIOCBRETRY;
  }
  st_retry_jiffies = jiffies;
  st_retry_pid = current.pid;
  st_retry_by_worker = (current.flags & PF_KTHREAD) != 0 && changetype<usize>(current) != st_user ? 1 : 0;
  return <i32>count;
}

function st_file_init(): void {
  if (st_ready) return;
  st_ready = true;
  st_fops.aio_read = st_aio_read.index;
  st_inode.i_mode = S_IFREG;
  st_inode.i_count = 1;
  st_dentry.d_inode = st_inode;
  st_dentry.d_count = 1;
  init_waitqueue_head(st_wq, lock_class_register("selftest.aio_wq"));
}

// A descriptor for the test file in current's table (the table keeps one reference and we keep
// another, so the file is never released).
function st_open(): i32 {
  st_file_init();
  let f = get_empty_filp();
  f.f_op = st_fops;
  f.f_dentry = st_dentry;
  f.f_mode = FMODE_READ | FMODE_WRITE;
  get_file(f);
  let fd = get_unused_fd();
  fd_install(fd, f);
  return fd;
}

// ---- the user side

let st_user: usize = 0;        // the task acting as the AIO user
let st_mm: mm_struct = changetype<mm_struct>(0);
let st_base: u32 = 0;          // 8 user pages: 0 ctx handle, 64 iocb, 128 iocb pointers,
                               // 256 events, 1024 timeout, 4096 data buffer
export let st_scenario: i32 = 0;

// Gives the calling kernel thread an address space with 8 RW pages, like a user process (as
// mm_for_new_task does for a spawned one).
function st_become_user(): void {
  let t = current;
  st_mm = mm_alloc();
  t.mm = st_mm;
  t.active_mm = st_mm;
  t.flags &= ~PF_KTHREAD;      // a process now: on exit, exit_mm → mmput → exit_aio
  down_write(st_mm.mmap_sem);
  st_base = <u32>do_mmap(0, 0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
  up_write(st_mm.mmap_sem);
  st_user = changetype<usize>(t);
}

const st_tmp = memory.data(64);

// Copies n kernel bytes to user address uaddr (the thread's own mm).
function st_copy_out(uaddr: u32, from: usize, n: usize): void {
  if (copy_to_user(uaddr, from, n)) st_errno = -14;
}

// Is the timer at `timer` still on some CPU's pending list? (walks up to it; a freed timer's
// own links are poison, so the walk stops at the first match)
function st_timer_still_armed(timer: usize): i32 {
  for (let c = 0; c < nr_cpus; c++) {
    let head = tvec_base_of(c).pending;
    let l = head.next;
    for (let n = 0; n < 10000 && l !== head; n++) {
      if (changetype<usize>(l) == timer) return 1;
      l = l.next;
    }
  }
  return 0;
}

function load_user_u32(uaddr: u32): u32 {
  copy_from_user(st_tmp, uaddr, 4);
  return load<u32>(st_tmp);
}

// Writes a 16-byte PREAD iocb for fd at user address `at` and its pointer in slot `slot` of
// the array at st_base + 128.
function st_prep_pread(at: u32, slot: u32, fd: i32, data: u64): void {
  memory.fill(st_tmp, 0, IOCB_SIZE);
  store<u64>(st_tmp, data);
  store<u16>(st_tmp, IOCB_CMD_PREAD, 16);
  store<u32>(st_tmp, <u32>fd, 20);
  store<u64>(st_tmp, <u64>(st_base + 4096), 24);
  store<u64>(st_tmp, 16, 32);
  st_copy_out(at, st_tmp, IOCB_SIZE);
  store<u32>(st_tmp, at);
  st_copy_out(st_base + 128 + slot * 4, st_tmp, 4);
}

// Scenario 1 — one iocb through kick, retry and completion:
//   io_setup(8); submit a PREAD on the test file (it parks); then either sleep in
//   io_getevents(1, 1, no timeout) (waiter = 1) or nanosleep `sleep_j` jiffies first and only
//   then reap (waiter = 0). Records who ran the retry and when.
let st_waiter: i32 = 1;
let st_sleep_j: i32 = 0;

function st_thread_kick(data: usize): void {
  st_become_user();
  let fd = st_open();
  st_phase = 1;
  let ctxp = st_base;
  st_result = sys_io_setup(8, ctxp);
  if (st_result) return;
  let ctx = load_user_u32(ctxp);
  st_prep_pread(st_base + 64, 0, fd, 0x1234);
  st_phase = 2;
  st_submit_jiffies = jiffies;
  st_result = sys_io_submit(ctx, 1, st_base + 128);
  if (st_result != 1) return;
  st_phase = 3;
  if (!st_waiter) {
    current.state = TASK_INTERRUPTIBLE;
    schedule_timeout(st_sleep_j);
  }
  st_result = sys_io_getevents(ctx, 1, 1, st_base + 256, 0);
  st_done_jiffies = jiffies;
  copy_from_user(st_tmp, st_base + 256, IO_EVENT_SIZE);
  st_event_data = load<u64>(st_tmp);
  st_event_res = load<i64>(st_tmp, 16);
  st_phase = 4;
  if (st_scenario == 2) {
    // B6: destroy while the (now useless) delayed work may still be armed
    let kctx = changetype<kioctx>(st_mm.ioctx_list);
    let timer = changetype<usize>(kctx.wq.timer);
    st_result = sys_io_destroy(ctx);
    st_phase = 5;
    st_armed_after_free = st_timer_still_armed(timer);
    if (st_armed_after_free) st_freed_timer_magic = load<u32>(timer + offsetof<timer_list>("magic"));
  }
}

// Starts scenario 1 on `cpu`: waiter 1 sleeps in io_getevents at once; waiter 0 sleeps
// sleep_j jiffies before reaping. kick_delay: jiffies from submit to the kick.
export function selftest_aio_kick(waiter: i32, sleep_j: i32, kick_delay: u32, cpu: i32): void {
  st_scenario = 1;
  st_waiter = waiter;
  st_sleep_j = sleep_j;
  st_kick_delay = kick_delay;
  kthread_create("aio-user", st_thread_kick.index, 0, 0, cpu);
}

// Scenario 2 (B6) — as scenario 1 with nobody waiting at the kick (so opt4 arms the delayed
// work for HZ/10), reaping after sleep_j jiffies (opt2 runs the retry itself), then io_destroy
// while that delayed work may still be armed.
export function selftest_aio_destroy_armed(kick_delay: u32, sleep_j: i32, cpu: i32): void {
  st_scenario = 2;
  st_waiter = 0;
  st_sleep_j = sleep_j;
  st_kick_delay = kick_delay;
  kthread_create("aio-user", st_thread_kick.index, 0, 0, cpu);
}

// Result slots, for tests/aio-*.test.ts.
export function st_aio(i: i32): i64 {
  switch (i) {
    case 0: return st_phase;
    case 1: return st_result;
    case 2: return st_steps;
    case 3: return st_kick_jiffies;
    case 4: return st_retry_jiffies;
    case 5: return st_retry_pid;
    case 6: return st_retry_by_worker;
    case 7: return st_event_res;
    case 8: return <i64>st_event_data;
    case 9: return st_done_jiffies;
    case 10: return st_errno;
    case 11: return st_submit_jiffies;
    case 12: return <i64>aio_stat.kicks;
    case 13: return <i64>aio_stat.wakeups;
    case 14: return <i64>aio_stat.worker_runs;
    case 15: return <i64>aio_stat.retries;
    case 16: return <i64>aio_stat.events;
    case 17: return <i64>aio_stat.bad_put_ioctx;
    case 18: return <i64>aio_stat.queue_work;
    case 19: return st_armed_after_free;
    case 20: return st_freed_timer_magic;
  }
  return -1;
}

// ==== scenarios 3.. (tests/aio-port.test.ts): a second test file whose aio_read does what each
// scenario needs, per-iocb records, and the self-check read-outs.
//
// Scenario 3 — opt3 (ctx->running): iocb 0 parks; a timer on CPU 1 kicks it, so the aio/1
// worker runs its second step, which copies data until the user task on CPU 0 has submitted
// iocb 1 (and that one either ran or was bounced). Who ran iocb 1, and in what order?
// Scenario 4 — run_all vs one pass: iocb 0 transfers 4 of its 16 bytes per step without ever
// waiting, so each step kicks itself; how many steps has io_submit run when it returns?
// Scenario 5 — fput_work: iocb 0 parks on a file whose only other reference is the descriptor;
// the user closes the descriptor, so the kiocb's put is the file's last and __fput is deferred
// to aio_wq. The file's release method records who ran it and what was still alive.
// Scenario 6 — B3: iocb 0's first step parks on queue 1 and keeps running until a kernel thread
// on CPU 1 wakes that queue; a slow wake function ahead of the kiocb's entry gives CPU 0 time,
// between aio_wake_function's list_del_init and kick_iocb's test-and-set, to finish the step,
// requeue and run step 2 (which parks on queue 2). The late kick then finds ki_wait queued.

const st2_fops = changetype<file_operations>(memory.data(offsetof<file_operations>()));
const st2_inode = changetype<inode>(memory.data(offsetof<inode>()));
const st2_dentry = changetype<dentry>(memory.data(offsetof<dentry>()));
const st2_wq2 = changetype<wait_queue_head_t>(memory.data(offsetof<wait_queue_head_t>()));
const st2_timer2 = changetype<timer_list>(memory.data(offsetof<timer_list>()));
const st2_burner = changetype<wait_queue_t>(memory.data(offsetof<wait_queue_t>()));
let st2_ready = false;

// per-iocb records, indexed by aio_data (0..3)
const ST2_N = 4;
const st2_steps = memory.data(4 * ST2_N);
const st2_pid = memory.data(4 * ST2_N);
const st2_worker = memory.data(4 * ST2_N);
const st2_start = memory.data(4 * ST2_N);     // sequence number when its last step started
const st2_end = memory.data(4 * ST2_N);       // ... and ended
let st2_seq: i32 = 0;
// @ts-ignore: decorator
@inline function rec(a: usize, i: i32): usize { return a + (<usize>(i & 3) << 2); }

let st2_parked: i32 = 0;          // scenario 6: step 1 is on queue 1
let st2_step2_started: i32 = 0;   // scenario 3: the worker is in iocb 0's second step
let st2_b_done: i32 = 0;          // scenario 3: iocb 1 ran
let st2_bounced0: u64 = 0;
let st2_steps_after_submit: i32 = 0;
let st2_rel_pid: i32 = 0;
let st2_rel_worker: i32 = 0;
let st2_rel_reqs_active: i32 = -1;
let st2_rel_kiocbs: i32 = -1;
let st2_rel_users: i32 = -1;
let st2_live_after_reap: i32 = -1;
let st2_closed: i32 = 0;
let st2_kctx: usize = 0;

function st2_record_runner(i: i32): void {
  store<i32>(rec(st2_pid, i), current.pid);
  store<i32>(rec(st2_worker, i), (current.flags & PF_KTHREAD) != 0 && changetype<usize>(current) != st_user ? 1 : 0);
}

// Copies "a KB" per loop step (the cost of a retry that moves data), an interleave point each.
function st2_copy_until(cond: () => bool, cap: i32): void {
  for (let n = 0; n < cap && !cond(); n++) {
    charge(COST_COPY_PER_KB);
    interleave();
  }
}

function st2_kick2(data: usize): void { wake_up(st2_wq2); }

// A wake function that is slow (it stands for a waiter whose callback does real work) and
// does not claim the wake-up.
function st2_burn_wake(w: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  for (let i = 0; i < 40; i++) charge(COST_COPY_PER_KB);
  return 0;
}

function st2_aio_read(iocb_: usize, buf: usize, count: usize, pos: i64): i32 {
  let k = changetype<kiocb>(iocb_);
  let i = <i32>k.ki_user_data;
  let step = load<i32>(rec(st2_steps, i)) + 1;
  store<i32>(rec(st2_steps, i), step);
  store<i32>(rec(st2_start, i), ++st2_seq);
  st2_record_runner(i);
  let ret: i32 = <i32>count;
  let me = changetype<wait_queue_t>(current.io_wait);
  switch (st_scenario) {
    case 3: {
      if (i == 0 && step == 1) {
        init_timer(st_timer);
        st_timer.function = st_kick.index;
        st_timer.expires = jiffies + st_kick_delay;
        add_timer_on(st_timer, 1);
        prepare_to_wait(st_wq, me, TASK_INTERRUPTIBLE);
        ret = -EIOCBRETRY;
      } else if (i == 0) {
        st2_step2_started = 1;
        st2_copy_until((): bool => st2_b_done != 0 || aio_stat.opt3_bounced != st2_bounced0, 20000);
      } else {
        st2_b_done = 1;
      }
      break;
    }
    case 4: {
      ret = count < 4 ? <i32>count : 4;      // progress, nothing to wait for
      break;
    }
    case 5: {
      if (step == 1) {
        init_timer(st_timer);
        st_timer.function = st_kick.index;
        st_timer.expires = jiffies + st_kick_delay;
        add_timer(st_timer);
        prepare_to_wait(st_wq, me, TASK_INTERRUPTIBLE);
        ret = -EIOCBRETRY;
      }
      break;
    }
    case 7: {
      // a lower layer takes the request (-EIOCBQUEUED); its "interrupt" is a timer on CPU 1
      init_timer(st_timer);
      st_timer.function = st_kick.index;
      st_timer.expires = jiffies + st_kick_delay;
      add_timer_on(st_timer, 1);
      st_parked = iocb_;
      ret = -EIOCBQUEUED;
      break;
    }
    case 6: {
      if (step == 1) {
        prepare_to_wait(st_wq, me, TASK_INTERRUPTIBLE);
        st2_parked = 1;
        // keep the step running until the waker has taken our entry off queue 1
        st2_copy_until((): bool => list_empty(changetype<wait_queue_t>(current.io_wait).task_list), 20000);
        ret = -EIOCBRETRY;
      } else if (step < 4) {
        // queue 2 holds the data and has none yet: wait there (a no-op if already queued)
        prepare_to_wait(st2_wq2, me, TASK_INTERRUPTIBLE);
        if (step == 2) {
          init_timer(st2_timer2);
          st2_timer2.function = st2_kick2.index;
          st2_timer2.expires = jiffies + 20;
          add_timer(st2_timer2);
        }
        ret = -EIOCBRETRY;
      }
      break;
    }
  }
  store<i32>(rec(st2_end, i), ++st2_seq);
  return ret;
}

// release of the scenario 5 file: who does the final __fput, and what is still alive then
function st2_release(i_: usize, f: usize): i32 {
  st2_rel_pid = current.pid;
  st2_rel_worker = (current.flags & PF_KTHREAD) != 0 ? 1 : 0;
  if (st2_kctx) {
    st2_rel_reqs_active = changetype<kioctx>(st2_kctx).reqs_active;
    st2_rel_users = changetype<kioctx>(st2_kctx).users;
  }
  st2_rel_kiocbs = aio_kiocb_active();
  return 0;
}

function st2_file_init(): void {
  st_file_init();
  if (st2_ready) return;
  st2_ready = true;
  st2_fops.aio_read = st2_aio_read.index;
  st2_fops.release = st2_release.index;
  st2_inode.i_mode = S_IFREG;
  st2_inode.i_count = 1;
  st2_dentry.d_inode = st2_inode;
  st2_dentry.d_count = 1;
  init_waitqueue_head(st2_wq2, lock_class_register("selftest.aio_wq2"));
}

// A descriptor for the scenario file; with extra_ref the scenario keeps the file alive itself.
function st2_open(extra_ref: bool): i32 {
  st2_file_init();
  let f = get_empty_filp();
  f.f_op = st2_fops;
  f.f_dentry = st2_dentry;
  st2_dentry.d_count++;
  f.f_mode = FMODE_READ | FMODE_WRITE;
  if (extra_ref) get_file(f);
  let fd = get_unused_fd();
  fd_install(fd, f);
  return fd;
}

// Submits one PREAD of nbytes on fd, aio_data = idx; returns io_submit's result.
function st2_submit(ctx: u32, idx: i32, fd: i32, nbytes: u32): i32 {
  let at = st_base + 2048 + <u32>idx * 64;
  memory.fill(st_tmp, 0, IOCB_SIZE);
  store<u64>(st_tmp, <u64>idx);
  store<u16>(st_tmp, IOCB_CMD_PREAD, 16);
  store<u32>(st_tmp, <u32>fd, 20);
  store<u64>(st_tmp, <u64>(st_base + 4096 + <u32>idx * 256), 24);
  store<u64>(st_tmp, <u64>nbytes, 32);
  st_copy_out(at, st_tmp, IOCB_SIZE);
  store<u32>(st_tmp, at);
  st_copy_out(st_base + 128, st_tmp, 4);
  return sys_io_submit(ctx, 1, st_base + 128);
}

function st2_sleep(j: i32): void {
  current.state = TASK_INTERRUPTIBLE;
  schedule_timeout(j);
}

function st2_thread(data: usize): void {
  st_become_user();
  let fd = st2_open(st_scenario != 5);
  st_phase = 1;
  st_result = sys_io_setup(8, st_base);
  if (st_result) return;
  let ctx = load_user_u32(st_base);
  st2_kctx = st_mm.ioctx_list;
  st_phase = 2;
  st_submit_jiffies = jiffies;
  st2_bounced0 = aio_stat.opt3_bounced;
  st_result = st2_submit(ctx, 0, fd, 16);
  st2_steps_after_submit = load<i32>(rec(st2_steps, 0));
  if (st_result != 1) return;
  st_phase = 3;
  let want = 1;
  if (st_scenario == 3) {
    while (!st2_step2_started) st2_sleep(1);
    st_result = st2_submit(ctx, 1, fd, 16);
    if (st_result != 1) return;
    want = 2;
  } else if (st_scenario == 5) {
    st2_closed = sys_close(<u32>fd) == 0 ? 1 : 0;
  } else if (st_scenario == 7) {
    // B5: destroy while the request is with the lower layer; a second waiter with a slow
    // wake function sits on ctx->wait behind the one io_destroy will add
    st2_burner.flags = 0;
    st2_burner.task = changetype<task_struct>(0);
    st2_burner.func = st2_burn_wake.index;
    INIT_LIST_HEAD(st2_burner.task_list);
    add_wait_queue(changetype<kioctx>(st2_kctx).wait, st2_burner);
    st2_kctx = 0;
    st_result = sys_io_destroy(ctx);
    st_done_jiffies = jiffies;
    st_phase = 5;
    return;
  }
  st_result = sys_io_getevents(ctx, want, want, st_base + 256, 0);
  st_done_jiffies = jiffies;
  copy_from_user(st_tmp, st_base + 256, IO_EVENT_SIZE);
  st_event_data = load<u64>(st_tmp);
  st_event_res = load<i64>(st_tmp, 16);
  st2_live_after_reap = aio_kiocb_active();
  st_phase = 4;
  if (st_scenario == 5) st2_sleep(2);        // let fput_work run before the context goes
  st_result = sys_io_destroy(ctx);
  st2_kctx = 0;
  st_phase = 5;
}

// Scenario 6's waker on CPU 1: once step 1 is parked on queue 1, put the slow entry ahead of
// the kiocb's and wake the queue.
function st2_waker(data: usize): void {
  while (!st2_parked) { charge(COST_COPY_PER_KB); interleave(); }
  st2_burner.flags = 0;                      // init_waitqueue_func_entry
  st2_burner.task = changetype<task_struct>(0);
  st2_burner.func = st2_burn_wake.index;
  INIT_LIST_HEAD(st2_burner.task_list);
  add_wait_queue(st_wq, st2_burner);
  st_kick_jiffies = jiffies;
  wake_up(st_wq);
  remove_wait_queue_burner();
}
function remove_wait_queue_burner(): void {
  if (!list_empty(st2_burner.task_list)) remove_wait_queue(st_wq, st2_burner);
}

// Starts scenario n (3..6) with its user thread on CPU 0; kick_delay as in scenario 1.
export function selftest_aio_scenario(n: i32, kick_delay: u32): void {
  st_scenario = n;
  st_kick_delay = kick_delay;
  kthread_create("aio-user", st2_thread.index, 0, 0, 0);
  if (n == 6) kthread_create("st-waker", st2_waker.index, 0, 0, 1);
}

// Per-iocb records (field 0 steps, 1 pid, 2 by a worker, 3 start seq, 4 end seq) and the
// scenario's own read-outs (field 9).
export function st_aio_iocb(i: i32, field: i32): i32 {
  switch (field) {
    case 0: return load<i32>(rec(st2_steps, i));
    case 1: return load<i32>(rec(st2_pid, i));
    case 2: return load<i32>(rec(st2_worker, i));
    case 3: return load<i32>(rec(st2_start, i));
    case 4: return load<i32>(rec(st2_end, i));
  }
  return -1;
}
export function st_aio_misc(i: i32): i64 {
  switch (i) {
    case 0: return st2_steps_after_submit;
    case 1: return st2_rel_pid;
    case 2: return st2_rel_worker;
    case 3: return st2_rel_reqs_active;
    case 4: return st2_rel_kiocbs;
    case 5: return st2_rel_users;
    case 6: return st2_live_after_reap;
    case 7: return st2_closed;
    case 8: return <i64>aio_stat.opt3_bounced;
    case 9: return <i64>aio_stat.submitted;
    case 10: return <i64>aio_stat.cancelled;
    case 11: return <i64>aio_stat.runs;
    case 12: return <i64>aio_stat.abandoned;
  }
  return -1;
}
