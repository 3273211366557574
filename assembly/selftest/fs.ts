// Self-test scenarios for tests/fs.test.ts and tests/pipe.test.ts: the retry exits the AIO port
// builds on, driven from a kernel thread that has made itself a user process (own mm, own fds).
// Instead of a kiocb, current->io_wait points at a bare async wait entry (task NULL) whose wake
// function counts and records the wake-up, as aio_wake_function would kick.
//   pipe:  an empty-pipe read and a full-pipe write return -EIOCBRETRY with the entry queued on the
//          pipe's wait queue; the other side's write/read wakes it.
//   page:  a read of an uncached page returns -EIOCBRETRY once the disk read is issued; the
//          completion interrupt's unlock_page wakes the entry; the retry returns the data.
//   dio:   an async O_DIRECT read returns -EIOCBQUEUED; the completion slot is called from the
//          disk interrupt with the byte count.
import { task_struct, PF_KTHREAD, TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/linux/sched";
import { wait_queue_t } from "../include/linux/wait";
import { INIT_LIST_HEAD, list_del_init, list_empty } from "../include/linux/list";
import { PROT_READ, PROT_WRITE, MAP_ANONYMOUS, MAP_PRIVATE } from "../include/linux/mm";
import { file, O_RDWR, O_CREAT, O_DIRECT } from "../include/linux/fs";
import { kiocb, KIOCB_SIZE } from "../include/linux/aio";
import { EIOCBRETRY, EIOCBQUEUED } from "../include/linux/errno";
import { current, this_cpu } from "../kernel/cpu";
import { kthread_create, schedule, wake_up_process } from "../kernel/sched";
import { jiffies } from "../kernel/timer";
import { mm_alloc } from "../kernel/fork";
import { down_write, up_write } from "../kernel/rwsem";
import { do_mmap } from "../mm/mmap";
import { copy_to_user, copy_from_user } from "../mm/uaccess";
import { generic_file_read, generic_file_aio_read, filemap_write_and_wait, invalidate_mapping_pages } from "../mm/filemap";
import { fget, fput } from "../fs/file";
import { do_pipe, do_pipe_read, do_pipe_write, pipe_mm_waiting_writers_leak } from "../fs/pipe";
import { PIPE_INFO } from "../include/linux/pipe_fs_i";
import { filp_open } from "../fs/open";
import { generic_file_write } from "../mm/filemap";
import * as dio from "../fs/direct-io";

const RES_N = 32;
const st_res = memory.data(RES_N * 8);
function res(i: i32, v: i64): void { store<i64>(st_res + (<usize>i << 3), v); }
export function st_fs(i: i32): i64 { return load<i64>(st_res + (<usize>i << 3)); }

let st_thread: usize = 0;
let st_base: u32 = 0;                    // 16 user pages
let st_wakes: i32 = 0;
let st_wake_in_irq: i32 = 0;
let st_wake_jiffies: u32 = 0;
const st_wait = changetype<wait_queue_t>(memory.data(offsetof<wait_queue_t>()));

// The async entry's wake function: unhook, count, note the context, wake the scenario thread.
function st_fs_wake(w: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  list_del_init(w.task_list);
  st_wakes++;
  st_wake_in_irq = this_cpu.in_irq;
  st_wake_jiffies = jiffies;
  if (st_thread) wake_up_process(changetype<task_struct>(st_thread));
  return 1;
}

function st_arm(): wait_queue_t {
  let w = st_wait;
  w.flags = 0;
  w.task = changetype<task_struct>(0);      // async: is_sync_wait() is false
  w.func = st_fs_wake.index;
  INIT_LIST_HEAD(w.task_list);
  return w;
}

// Sleeps until the entry was woken `n` times in all.
function st_wait_wakes(n: i32): void {
  for (;;) {
    current.state = TASK_INTERRUPTIBLE;
    if (st_wakes >= n) break;
    schedule();
  }
  current.state = TASK_RUNNING;
}

function st_become_user(): void {
  let t = current;
  let mm = mm_alloc();
  t.mm = mm;
  t.active_mm = mm;
  t.flags &= ~PF_KTHREAD;
  down_write(mm.mmap_sem);
  st_base = <u32>do_mmap(0, 0, 16 * 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
  up_write(mm.mmap_sem);
  st_thread = changetype<usize>(t);
}

const kbuf = memory.data(4096);

// ---- pipe

function st_pipe_thread(arg: usize): void {
  st_become_user();
  let fds = memory.data(8);
  res(0, do_pipe(fds));
  let rf = fget(load<u32>(fds));
  let wf = fget(load<u32>(fds, 4));
  let ubuf = <usize>st_base;

  // an empty pipe: the async reader is queued, not put to sleep
  current.io_wait = changetype<usize>(st_arm());
  res(1, do_pipe_read(rf, ubuf, 16, 0));
  res(2, list_empty(st_wait.task_list) ? 0 : 1);
  current.io_wait = 0;
  memory.fill(kbuf, 0x61, 5);
  copy_to_user(ubuf + 4096, kbuf, 5);
  res(3, do_pipe_write(wf, ubuf + 4096, 5, 0));
  res(4, st_wakes);
  current.io_wait = changetype<usize>(st_arm());
  res(5, do_pipe_read(rf, ubuf, 16, 0));      // the retry finds the data
  current.io_wait = 0;

  // a full pipe: the async writer is queued and waiting_writers is not left raised
  res(6, do_pipe_write(wf, ubuf, 4096, 0));
  current.io_wait = changetype<usize>(st_arm());
  res(7, do_pipe_write(wf, ubuf, 100, 0));
  res(8, <i64>PIPE_INFO(rf.f_dentry.d_inode).waiting_writers);
  current.io_wait = 0;
  let before = st_wakes;
  res(9, do_pipe_read(rf, ubuf + 8192, 200, 0));
  res(10, st_wakes - before);
  res(11, pipe_mm_waiting_writers_leak ? 1 : 0);
  fput(rf);
  fput(wf);
  res(31, 1);
}

export function st_fs_pipe_retry(cpu: i32): void {
  memory.fill(st_res, 0, RES_N * 8);
  st_wakes = 0;
  kthread_create("fs-pipe", st_pipe_thread.index, 0, 0, cpu);
}

// ---- page cache: a cold page read by an async reader

const name_f = memory.data(8);

function st_page_thread(arg: usize): void {
  st_become_user();
  let ubuf = <usize>st_base;
  store<u32>(name_f, 0x74736574);            // "test"
  let f = filp_open(name_f, 4, O_RDWR | O_CREAT, 0o644);
  for (let k = 0; k < 4096; k++) store<u8>(kbuf + <usize>k, <u8>(k * 3 + 1));
  copy_to_user(ubuf, kbuf, 4096);
  let pos = memory.data(8);
  store<i64>(pos, 0);
  res(0, generic_file_write(f, ubuf, 4096, pos));
  res(1, filemap_write_and_wait(f.f_mapping));
  res(2, invalidate_mapping_pages(f.f_mapping));

  current.io_wait = changetype<usize>(st_arm());
  store<i64>(pos, 0);
  let issued_at = jiffies;
  res(3, generic_file_read(f, ubuf + 8192, 4096, pos));
  res(4, list_empty(st_wait.task_list) ? 0 : 1);
  st_wait_wakes(1);
  res(5, st_wake_in_irq);
  res(6, <i64>(st_wake_jiffies - issued_at));
  current.io_wait = changetype<usize>(st_arm());
  store<i64>(pos, 0);
  res(7, generic_file_read(f, ubuf + 8192, 4096, pos));
  current.io_wait = 0;
  copy_from_user(kbuf, ubuf + 8192, 4096);
  let ok = 1;
  for (let k = 0; k < 4096; k++) if (load<u8>(kbuf + <usize>k) != <u8>(k * 3 + 1)) ok = 0;
  res(8, ok);
  res(31, 1);
}

export function st_fs_page_retry(cpu: i32): void {
  memory.fill(st_res, 0, RES_N * 8);
  st_wakes = 0;
  kthread_create("fs-page", st_page_thread.index, 0, 0, cpu);
}

// ---- O_DIRECT: an async read completes from the disk interrupt through the slot

let st_dio_res: i32 = 0;
let st_dio_in_irq: i32 = -1;
let st_dio_calls: i32 = 0;
let st_dio_kiocb: usize = 0;
function st_dio_done(iocb: kiocb, r: i32, r2: i32): i32 {
  st_dio_res = r;
  st_dio_in_irq = this_cpu.in_irq;
  st_dio_calls++;
  st_dio_kiocb = changetype<usize>(iocb);
  if (st_thread) wake_up_process(changetype<task_struct>(st_thread));
  return 1;
}

function st_dio_thread(arg: usize): void {
  st_become_user();
  let ubuf = <usize>st_base;
  store<u32>(name_f, 0x6f696464);            // "ddio"
  let f = filp_open(name_f, 4, O_RDWR | O_CREAT | O_DIRECT, 0o644);
  for (let k = 0; k < 4096; k++) store<u8>(kbuf + <usize>k, <u8>(k * 5 + 2));
  copy_to_user(ubuf, kbuf, 4096);
  copy_to_user(ubuf + 4096, kbuf, 4096);
  let pos = memory.data(8);
  store<i64>(pos, 0);
  res(0, generic_file_write(f, ubuf, 8192, pos));   // sync O_DIRECT write

  let saved = dio.dio_aio_complete_fn;
  dio.set_dio_aio_complete(st_dio_done.index);
  let k = changetype<kiocb>(heap.alloc(KIOCB_SIZE));
  memory.fill(changetype<usize>(k), 0, KIOCB_SIZE);
  k.ki_key = 0;                               // not KIOCB_SYNC_KEY: an aio request
  k.ki_filp = changetype<usize>(f);
  k.ki_users = 1;
  k.ki_pos = 0;
  res(1, generic_file_aio_read(k, ubuf + 8192, 8192, 0));
  res(2, st_dio_calls);                       // not yet: the disk has it
  for (;;) {
    current.state = TASK_INTERRUPTIBLE;
    if (st_dio_calls) break;
    schedule();
  }
  current.state = TASK_RUNNING;
  dio.set_dio_aio_complete(saved);
  res(3, st_dio_res);
  res(4, st_dio_in_irq);
  res(5, st_dio_kiocb == changetype<usize>(k) ? 1 : 0);
  copy_from_user(kbuf, ubuf + 8192 + 4096, 4096);
  let ok = 1;
  for (let j = 0; j < 4096; j++) if (load<u8>(kbuf + <usize>j) != <u8>(j * 5 + 2)) ok = 0;
  res(6, ok);
  res(31, 1);
}

export function st_fs_dio_async(cpu: i32): void {
  memory.fill(st_res, 0, RES_N * 8);
  st_dio_calls = 0;
  kthread_create("fs-dio", st_dio_thread.index, 0, 0, cpu);
}
