// Self-test scenarios for tests/mm.test.ts: user copies driven from user programs through
// test-only system calls, slab debugging caught in kernel threads, rwsem ordering, use_mm.
// Results go to slots the test reads back (st_mm_res).
import { task_struct, mm_struct } from "../include/linux/sched";
import { rw_semaphore } from "../include/linux/spinlock";
import { ENOSYS } from "../include/linux/errno";
import { current, charge, interleave } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { kthread_create, find_task_by_pid, yield_current } from "../kernel/sched";
import { syscall_fn, set_syscall_table } from "../kernel/entry";
import {
  kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free, kmem_cache_find, kmalloc, kfree,
} from "../mm/slab";
import {
  copy_from_user, copy_to_user, clear_user, strncpy_from_user, get_user_val32, put_user_u64, get_user_u64,
} from "../mm/uaccess";
import { get_user_pages } from "../mm/memory";
import { put_page, page_count } from "../mm/page_alloc";
import { init_rwsem, down_read, up_read, down_write, up_write } from "../kernel/rwsem";
import { use_mm, unuse_mm, get_task_mm, mmput } from "../kernel/fork";

const NR_SLOTS: i32 = 32;
const res = memory.data(NR_SLOTS * 8);
// @ts-ignore: decorator
@inline function set(i: i32, v: i64): void { store<i64>(res + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function get(i: i32): i64 { return load<i64>(res + (<usize>i << 3)); }
export function st_mm_res(i: i32): i64 { return get(i); }
export function st_mm_reset(): void { memory.fill(res, 0, NR_SLOTS * 8); }

// ---- test-only system calls (numbers 1000..1009), chained in front of the real table

export const ST_NR_COPY_FROM: i32 = 1000;   // (uaddr, n) → bytes not copied; slot 0: byte sum, slot 1: nonzero bytes
export const ST_NR_COPY_TO: i32 = 1001;     // (uaddr, n, byte) → bytes not copied
export const ST_NR_GET_U32: i32 = 1002;     // (uaddr) → value, or -EFAULT (slot 2: the i64 form)
export const ST_NR_PUT_U64: i32 = 1003;     // (uaddr, lo, hi) → 0 / -EFAULT
export const ST_NR_CLEAR: i32 = 1004;       // (uaddr, n) → bytes not cleared
export const ST_NR_STRNCPY: i32 = 1005;     // (uaddr, count) → length / -EFAULT
export const ST_NR_GUP: i32 = 1006;         // (uaddr, npages, write) → pages pinned (slot 3: count of the first page while pinned)
export const ST_NR_GET_U64: i32 = 1007;     // (uaddr) → 0 / -EFAULT, value in slots 4

let next_table: u32 = 0;

function st_syscall(nr: i32, args: usize): i32 {
  if (nr < 1000 || nr >= 1010) return next_table ? call_indirect<i32>(next_table, nr, args) : -ENOSYS;
  let a0 = <usize>load<u32>(args), a1 = load<u32>(args, 4), a2 = load<u32>(args, 8);
  switch (nr) {
    case ST_NR_COPY_FROM: {
      let k = kmalloc(<usize>a1);
      memory.fill(k, 0xee, <usize>a1);
      let left = copy_from_user(k, a0, <usize>a1);
      let sum: i64 = 0, nz: i64 = 0;
      for (let i: usize = 0; i < <usize>a1; i++) { let b = load<u8>(k + i); sum += b; if (b) nz++; }
      set(0, sum);
      set(1, nz);
      kfree(k);
      return <i32>left;
    }
    case ST_NR_COPY_TO: {
      let k = kmalloc(<usize>a1);
      memory.fill(k, <u8>a2, <usize>a1);
      let left = copy_to_user(a0, k, <usize>a1);
      kfree(k);
      return <i32>left;
    }
    case ST_NR_GET_U32: {
      let v = get_user_val32(a0);
      set(2, v);
      return <i32>v;
    }
    case ST_NR_PUT_U64: return put_user_u64(<u64>a1 | (<u64>a2 << 32), a0);
    case ST_NR_CLEAR: return <i32>clear_user(a0, <usize>a1);
    case ST_NR_STRNCPY: {
      let k = kmalloc(<usize>a1 + 1);
      let r = strncpy_from_user(k, a0, <i32>a1);
      kfree(k);
      return r;
    }
    case ST_NR_GUP: {
      let pages = kmalloc(<usize>a1 * 4);
      let mm = current.mm;
      down_read(mm.mmap_sem);
      let n = get_user_pages(current, mm, a0, <i32>a1, <i32>a2, 0, pages, 0);
      up_read(mm.mmap_sem);
      if (n > 0) set(3, page_count(load<usize>(pages)));
      for (let i = 0; i < n; i++) put_page(load<usize>(pages + (<usize>i << 2)));
      kfree(pages);
      return n;
    }
    case ST_NR_GET_U64: {
      let k = kmalloc(8);
      let r = get_user_u64(k, a0);
      set(4, load<i64>(k));
      kfree(k);
      return r;
    }
  }
  return -ENOSYS;
}

// Puts the test system calls in front of the installed table (once).
export function st_mm_install(): void {
  if (syscall_fn == st_syscall.index) return;
  next_table = syscall_fn;
  set_syscall_table(st_syscall.index);
}

// ---- slab debugging, each in a kernel thread so the BUG surfaces from Machine.run

let st_cache: kmem_cache_t = changetype<kmem_cache_t>(0);
function test_cache(): kmem_cache_t {
  if (!changetype<usize>(st_cache)) st_cache = kmem_cache_create("selftest_obj", 100);
  return st_cache;
}

function uaf_thread(data: usize): void {
  let c = test_cache();
  let p = kmem_cache_alloc(c);
  kmem_cache_free(c, p);
  store<u8>(p + 40, 0x11);            // the stray write into a freed object
  set(0, 1);
  let q = kmem_cache_alloc(c);        // handed the same object back: its poison is broken
  set(1, <i64>(q == p ? 1 : 0));
}
function double_free_thread(data: usize): void {
  let c = test_cache();
  let p = kmem_cache_alloc(c);
  kmem_cache_free(c, p);
  set(0, 1);
  kmem_cache_free(c, p);
}
function overrun_thread(data: usize): void {
  let c = test_cache();
  let p = kmem_cache_alloc(c);
  store<u8>(p + 100, 0);              // one byte past the 100-byte object
  set(0, 1);
  kmem_cache_free(c, p);
}
function kfree_twice_thread(data: usize): void {
  let p = kmalloc(200);
  kfree(p);
  set(0, 1);
  kfree(p);
}

export function st_slab_uaf(): void { kthread_create("st-uaf", uaf_thread.index, 0, 0, 0); }
export function st_slab_double_free(): void { kthread_create("st-dfree", double_free_thread.index, 0, 0, 0); }
export function st_slab_overrun(): void { kthread_create("st-overrun", overrun_thread.index, 0, 0, 0); }
export function st_slab_kfree_twice(): void { kthread_create("st-kfree2", kfree_twice_thread.index, 0, 0, 0); }

// Allocates n objects of the test cache (boot-time call), returns a bitmask of the ones that
// came back NULL, then frees the rest.
export function st_slab_try(n: i32): u32 {
  let c = test_cache();
  let mask: u32 = 0;
  let objs = kmalloc(<usize>n * 4);
  for (let i = 0; i < n; i++) {
    let p = kmem_cache_alloc(c);
    store<usize>(objs + (<usize>i << 2), p);
    if (!p) mask |= 1 << i;
  }
  for (let i = 0; i < n; i++) {
    let p = load<usize>(objs + (<usize>i << 2));
    if (p) kmem_cache_free(c, p);
  }
  kfree(objs);
  return mask;
}
export function st_slab_cache(): usize { return changetype<usize>(test_cache()); }

// ---- rwsem: grant order of queued waiters (slot 8 + k = id of the k-th grant, slot 7 = count)

let st_sem: rw_semaphore = changetype<rw_semaphore>(0);
let rw_hold: i32 = 0;

function note_grant(id: i32): void {
  let k = <i32>get(7);
  set(8 + k, id);
  set(7, k + 1);
}
// Gives the CPU to the other threads a few times (sched_yield), so they queue up meanwhile.
function yield_cpu(times: i32): void {
  for (let i = 0; i < times; i++) {
    charge(COST_KERNEL_OP);
    yield_current();
  }
}
function hold(): void { yield_cpu(6); }
// data: id | (is_writer << 8) | (delay_steps << 16)
function rw_thread(data: usize): void {
  let id = <i32>(data & 0xff);
  let writer = (data >> 8) & 1;
  let delay = <i32>(data >> 16);
  yield_cpu(delay);
  if (writer) {
    down_write(st_sem);
    note_grant(id);
    hold();
    up_write(st_sem);
  } else {
    down_read(st_sem);
    note_grant(id);
    hold();
    up_read(st_sem);
  }
}

// One CPU: writer 1 holds; reader 2 and writer 3 queue behind it; reader 4 arrives while 2
// reads and 3 waits — FIFO makes it wait for 3 (grant order 1 2 3 4, not 1 2 4 3).
export function st_rwsem_fifo(): void {
  if (!changetype<usize>(st_sem)) st_sem = changetype<rw_semaphore>(kmalloc(offsetof<rw_semaphore>()));
  init_rwsem(st_sem);
  st_mm_reset();
  kthread_create("rw-w1", rw_thread.index, 1 | (1 << 8) | (0 << 16), 0, 0);
  kthread_create("rw-r2", rw_thread.index, 2 | (0 << 8) | (1 << 16), 0, 0);
  kthread_create("rw-w3", rw_thread.index, 3 | (1 << 8) | (2 << 16), 0, 0);
  kthread_create("rw-r4", rw_thread.index, 4 | (0 << 8) | (9 << 16), 0, 0);   // arrives while r2 reads
}

// ---- use_mm: a kernel thread writes into a user process's memory

let um_pid: i32 = 0;
let um_addr: usize = 0;
let um_len: usize = 0;
let um_byte: u8 = 0;

function use_mm_thread(data: usize): void {
  let t = find_task_by_pid(um_pid);
  if (!changetype<usize>(t)) { set(0, -1); return; }
  let mm = get_task_mm(t);
  if (!changetype<usize>(mm)) { set(0, -2); return; }
  let k = kmalloc(um_len);
  memory.fill(k, um_byte, um_len);
  set(3, <i64>(changetype<usize>(current.mm) == 0 ? 1 : 0));    // no mm before use_mm
  let before = copy_to_user(um_addr, k, um_len);                 // without an mm: nothing copied
  use_mm(mm);
  let left = copy_to_user(um_addr, k, um_len);
  unuse_mm(mm);
  kfree(k);
  set(1, <i64>left);
  set(2, <i64>before);
  set(4, mm.mm_count);
  mmput(mm);
  set(0, 1);
}

export function st_use_mm(pid: i32, addr: usize, len: usize, byte: u8): void {
  st_mm_reset();
  um_pid = pid;
  um_addr = addr;
  um_len = len;
  um_byte = byte;
  kthread_create("st-usemm", use_mm_thread.index, 0, 0, 1);
}
