// The page cache (mm/filemap.c of 2.6.9, with the -mm aio-wait-page / aio-fs_read retry
// variants of July 2004; kernel-aio.md §2.10), its radix tree (lib/radix-tree.c, cut down), the
// page wait queues, buffered read and write, writeback and truncation.
//
// Pages of the cache are described by struct page (below); their data is a 4 KiB frame from
// mm/page_alloc.ts (page.virtual). Anonymous user memory (mm/memory.ts) does not use struct page.
// The address_space methods (readpage, writepage, direct_IO) belong to the filesystem
// (fs/open.ts) and reach the block device (fs/blockdev.ts).
// fs/aio.ts first: it must be initialised before include/linux/aio.ts, which imports it back.
import { wait_on_sync_kiocb } from "../fs/aio";
import { list_head, INIT_LIST_HEAD, list_add_tail, list_del_init, list_empty } from "../include/linux/list";
import { wait_queue_t, wait_queue_head_t, WQ_FLAG_EXCLUSIVE } from "../include/linux/wait";
import { TASK_UNINTERRUPTIBLE, TASK_INTERRUPTIBLE } from "../include/linux/sched";
import { address_space, inode, file, O_DIRECT, O_SYNC, O_APPEND, FMODE_READ, WRITE, READ } from "../include/linux/fs";
import { EEXIST, ENOMEM, EIO, EFAULT, EINVAL, EIOCBRETRY, EIOCBQUEUED } from "../include/linux/errno";
import { test_and_set_bit, test_and_clear_bit, set_bit, clear_bit, test_bit } from "../include/linux/bitops";
import { kiocb, is_sync_kiocb, init_sync_kiocb, KIOCB_SIZE } from "../include/linux/aio";
import { current, charge } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { spin_lock_irq, spin_unlock_irq, lock_class_register } from "../kernel/spinlock";
import { init_waitqueue_head, prepare_to_wait, prepare_to_wait_exclusive, finish_wait, is_sync_wait,
         autoremove_wake_function, __wake_up, waitqueue_active } from "../kernel/wait";
import { schedule } from "../kernel/sched";
import { down, up } from "../kernel/semaphore";
import { BUG } from "../kernel/panic";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free } from "./slab";
import { alloc_page, free_page, PAGE_SIZE, PAGE_SHIFT } from "./page_alloc";
import { copy_to_user, copy_from_user, access_ok, VERIFY_READ, VERIFY_WRITE } from "./uaccess";
import * as arch from "../arch/switch";

export const PAGE_CACHE_SIZE: u32 = <u32>PAGE_SIZE;
export const PAGE_CACHE_SHIFT: i32 = PAGE_SHIFT;
export const PAGE_CACHE_MASK: u32 = ~(PAGE_CACHE_SIZE - 1);

// ---- kernel-stack frames (C declares these structs as locals)

// @ts-ignore: decorator
@inline function kstack_alloc(n: usize): usize {
  let sp = arch.c_stack_pointer - ((n + 7) & ~7);
  if (sp < current.thread.c_base - 8192) BUG("filemap: kernel stack overflow");
  arch.c_stack_pointer = sp;
  return sp;
}
// @ts-ignore: decorator
@inline function kstack_free(n: usize): void { arch.c_stack_pointer += (n + 7) & ~7; }

// ---- the radix tree (lib/radix-tree.c, 2.6.9 shape: 64-way nodes, height grows on demand)

export const RADIX_TREE_MAP_SHIFT: i32 = 6;
export const RADIX_TREE_MAP_SIZE: u32 = 1 << RADIX_TREE_MAP_SHIFT;
const RADIX_TREE_MAP_MASK: u32 = RADIX_TREE_MAP_SIZE - 1;
const RADIX_TREE_MAX_HEIGHT: u32 = 6;                  // 36 bits cover every u32 index

// struct radix_tree_node — 260 bytes: count, slots[64]
// struct radix_tree_root — 12 bytes: height, gfp_mask, rnode
let radix_node_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
const NODE_SIZE: usize = 4 + (<usize>RADIX_TREE_MAP_SIZE << 2);

// @ts-ignore: decorator
@inline function root_height(root: usize): u32 { return load<u32>(root); }
// @ts-ignore: decorator
@inline function node_slot(node: usize, i: u32): usize { return node + 4 + (<usize>i << 2); }

function radix_tree_maxindex(height: u32): u64 {
  if (height == 0) return 0;
  let bits = <u64>height * RADIX_TREE_MAP_SHIFT;
  return bits >= 32 ? 0xffffffff : (<u64>1 << bits) - 1;
}

function radix_tree_node_alloc(): usize {
  let n = kmem_cache_alloc(radix_node_cachep);
  if (n) memory.fill(n, 0, NODE_SIZE);
  return n;
}

// Adds levels on top until index fits. lib/radix-tree.c (2.6.9): radix_tree_extend
function radix_tree_extend(root: usize, index: u32): i32 {
  let height = root_height(root) + 1;
  while (<u64>index > radix_tree_maxindex(height)) height++;
  if (load<usize>(root, 8)) {
    while (root_height(root) < height) {
      let node = radix_tree_node_alloc();
      if (!node) return -ENOMEM;
      store<usize>(node_slot(node, 0), load<usize>(root, 8));
      store<u32>(node, 1);
      store<usize>(root, node, 8);
      store<u32>(root, root_height(root) + 1);
    }
  } else {
    store<u32>(root, height);
  }
  return 0;
}

// Stores item at index; -EEXIST if the slot is taken. lib/radix-tree.c (2.6.9): radix_tree_insert
export function radix_tree_insert(root: usize, index: u32, item: usize): i32 {
  if (root_height(root) == 0 || <u64>index > radix_tree_maxindex(root_height(root))) {
    let e = radix_tree_extend(root, index);
    if (e) return e;
  }
  let slot = root + 8;
  let height = root_height(root);
  let shift = <i32>(height - 1) * RADIX_TREE_MAP_SHIFT;
  let node: usize = 0;
  while (height > 0) {
    if (!load<usize>(slot)) {
      let n = radix_tree_node_alloc();
      if (!n) return -ENOMEM;
      store<usize>(slot, n);
      if (node) store<u32>(node, load<u32>(node) + 1);
    }
    node = load<usize>(slot);
    slot = node_slot(node, (index >> <u32>shift) & RADIX_TREE_MAP_MASK);
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
  if (load<usize>(slot)) return -EEXIST;
  store<usize>(slot, item);
  if (node) store<u32>(node, load<u32>(node) + 1);
  return 0;
}

// The item at index, or 0. lib/radix-tree.c (2.6.9): radix_tree_lookup
export function radix_tree_lookup(root: usize, index: u32): usize {
  let height = root_height(root);
  if (<u64>index > radix_tree_maxindex(height)) return 0;
  let shift = <i32>(height - 1) * RADIX_TREE_MAP_SHIFT;
  let slot = root + 8;
  while (height > 0) {
    let node = load<usize>(slot);
    if (!node) return 0;
    slot = node_slot(node, (index >> <u32>shift) & RADIX_TREE_MAP_MASK);
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
  return load<usize>(slot);
}

// Removes and returns the item at index (0 if none), freeing nodes that become empty.
// lib/radix-tree.c (2.6.9): radix_tree_delete
const del_path = memory.data(8 * (RADIX_TREE_MAX_HEIGHT + 1));   // (slot, node) pairs; no sleeping inside
export function radix_tree_delete(root: usize, index: u32): usize {
  let height = root_height(root);
  if (<u64>index > radix_tree_maxindex(height)) return 0;
  let shift = <i32>(height - 1) * RADIX_TREE_MAP_SHIFT;
  let slot = root + 8;
  let depth = 0;
  while (height > 0) {
    let node = load<usize>(slot);
    if (!node) return 0;
    store<usize>(del_path + (<usize>depth << 3), slot);
    store<usize>(del_path + (<usize>depth << 3), node, 4);
    depth++;
    slot = node_slot(node, (index >> <u32>shift) & RADIX_TREE_MAP_MASK);
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
  let item = load<usize>(slot);
  if (!item) return 0;
  store<usize>(slot, 0);
  while (depth > 0) {
    depth--;
    let pslot = load<usize>(del_path + (<usize>depth << 3));
    let node = load<usize>(del_path + (<usize>depth << 3), 4);
    let c = load<u32>(node) - 1;
    store<u32>(node, c);
    if (c > 0) break;
    kmem_cache_free(radix_node_cachep, node);
    store<usize>(pslot, 0);
  }
  if (!load<usize>(root, 8)) store<u32>(root, 0);
  return item;
}

// Collects up to max items with index >= first, in index order, into items[] (and their indices
// into indices[] when that is not 0). lib/radix-tree.c (2.6.9): radix_tree_gang_lookup
let gang_items: usize = 0;
let gang_indices: usize = 0;
let gang_max: u32 = 0;
let gang_n: u32 = 0;
function gang_walk(node: usize, height: u32, base: u64, first: u64): void {
  let span: u64 = <u64>1 << (<u64>(height - 1) * RADIX_TREE_MAP_SHIFT);
  for (let i: u32 = 0; i < RADIX_TREE_MAP_SIZE && gang_n < gang_max; i++) {
    let lo = base + <u64>i * span;
    if (lo + span <= first) continue;
    let p = load<usize>(node_slot(node, i));
    if (!p) continue;
    if (height == 1) {
      store<usize>(gang_items + (<usize>gang_n << 2), p);
      if (gang_indices) store<u32>(gang_indices + (<usize>gang_n << 2), <u32>lo);
      gang_n++;
    } else {
      gang_walk(p, height - 1, lo, first);
    }
  }
}
export function radix_tree_gang_lookup(root: usize, items: usize, indices: usize, first: u32, max: u32): u32 {
  let height = root_height(root);
  let rnode = load<usize>(root, 8);
  if (!height || !rnode || <u64>first > radix_tree_maxindex(height)) return 0;
  gang_items = items;
  gang_indices = indices;
  gang_max = max;
  gang_n = 0;
  gang_walk(rnode, height, 0, <u64>first);
  return gang_n;
}

// ---- struct page of the page cache

export const PG_locked: i32 = 0;
export const PG_error: i32 = 1;
export const PG_referenced: i32 = 2;
export const PG_uptodate: i32 = 3;
export const PG_dirty: i32 = 4;
export const PG_lru: i32 = 5;
export const PG_private: i32 = 12;
export const PG_writeback: i32 = 13;

// struct page (page-cache subset) — 36 bytes
//   0 flags   4 _count   8 _mapcount   12 private   16 mapping   20 index   24 lru (8)   32 virtual
// lru links a dirty page on its mapping's dirty_pages list (see address_space).
// @ts-ignore: decorator
@unmanaged export class page {
  flags: u32;
  _count: i32;
  _mapcount: i32;
  private_: usize;           // page->private
  mapping: address_space;
  index: u32;
  lru_next: usize;
  lru_prev: usize;
  virtual: usize;            // the 4 KiB frame holding the data

  // @ts-ignore: decorator
  @inline get lru(): list_head { return changetype<list_head>(changetype<usize>(this) + offsetof<page>("lru_next")); }
  // @ts-ignore: decorator
  @inline get flags_addr(): usize { return changetype<usize>(this); }
}
// @ts-ignore: decorator
@inline export function page_of_lru(l: list_head): page {
  return changetype<page>(changetype<usize>(l) - offsetof<page>("lru_next"));
}

// The PageX / SetPageX / TestSetPageX macros of page-flags.h: atomic bitops on page.flags.
// @ts-ignore: decorator
@inline export function PageLocked(p: page): bool { return (p.flags & (1 << PG_locked)) != 0; }
// @ts-ignore: decorator
@inline export function PageUptodate(p: page): bool { return (p.flags & (1 << PG_uptodate)) != 0; }
// @ts-ignore: decorator
@inline export function PageDirty(p: page): bool { return (p.flags & (1 << PG_dirty)) != 0; }
// @ts-ignore: decorator
@inline export function PageWriteback(p: page): bool { return (p.flags & (1 << PG_writeback)) != 0; }
// @ts-ignore: decorator
@inline export function PageError(p: page): bool { return (p.flags & (1 << PG_error)) != 0; }
// @ts-ignore: decorator
@inline export function TestSetPageLocked(p: page): i32 { return test_and_set_bit(PG_locked, p.flags_addr); }
// @ts-ignore: decorator
@inline export function TestClearPageLocked(p: page): i32 { return test_and_clear_bit(PG_locked, p.flags_addr); }
// @ts-ignore: decorator
@inline export function SetPageLocked(p: page): void { set_bit(PG_locked, p.flags_addr); }
// @ts-ignore: decorator
@inline export function SetPageUptodate(p: page): void { set_bit(PG_uptodate, p.flags_addr); }
// @ts-ignore: decorator
@inline export function ClearPageUptodate(p: page): void { clear_bit(PG_uptodate, p.flags_addr); }
// @ts-ignore: decorator
@inline export function SetPageError(p: page): void { set_bit(PG_error, p.flags_addr); }
// @ts-ignore: decorator
@inline export function ClearPageError(p: page): void { clear_bit(PG_error, p.flags_addr); }
// @ts-ignore: decorator
@inline export function TestSetPageDirty(p: page): i32 { return test_and_set_bit(PG_dirty, p.flags_addr); }
// @ts-ignore: decorator
@inline export function TestClearPageDirty(p: page): i32 { return test_and_clear_bit(PG_dirty, p.flags_addr); }
// @ts-ignore: decorator
@inline export function SetPageWriteback(p: page): void { set_bit(PG_writeback, p.flags_addr); }
// @ts-ignore: decorator
@inline export function TestClearPageWriteback(p: page): i32 { return test_and_clear_bit(PG_writeback, p.flags_addr); }

let page_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
export let nr_pagecache: i32 = 0;          // pages in some mapping
export let nr_cache_pages_alloc: i32 = 0;  // struct pages alive (cache + in transit)

// A new page with one reference (the caller's), not in any mapping. include/linux/pagemap.h:
// page_cache_alloc / page_cache_alloc_cold
export function page_cache_alloc(mapping: address_space): page {
  let p = kmem_cache_alloc(page_cachep);
  if (!p) return changetype<page>(0);
  let frame = alloc_page();
  if (!frame) { kmem_cache_free(page_cachep, p); return changetype<page>(0); }
  memory.fill(p, 0, offsetof<page>());
  let pg = changetype<page>(p);
  pg._count = 1;
  pg._mapcount = -1;
  pg.virtual = frame;
  INIT_LIST_HEAD(pg.lru);
  nr_cache_pages_alloc++;
  return pg;
}

// @ts-ignore: decorator
@inline export function page_cache_get(p: page): void { p._count++; }

// Drops a reference; the last one frees the frame. include/linux/pagemap.h: page_cache_release
export function page_cache_release(p: page): void {
  if (p._count <= 0) BUG("page_cache_release: page count already 0");
  if (--p._count > 0) return;
  if (changetype<usize>(p.mapping)) BUG("page_cache_release: freeing a page still in the page cache");
  free_page(p.virtual);
  nr_cache_pages_alloc--;
  kmem_cache_free(page_cachep, changetype<usize>(p));
}

// Caller holds tree_lock. mm/filemap.c (2.6.9): __remove_from_page_cache
export function __remove_from_page_cache(p: page): void {
  let mapping = p.mapping;
  radix_tree_delete(mapping.page_tree, p.index);
  if (!list_empty(p.lru)) list_del_init(p.lru);
  p.mapping = changetype<address_space>(0);
  mapping.nrpages--;
  nr_pagecache--;
}

// The page must be locked. mm/filemap.c (2.6.9): remove_from_page_cache
export function remove_from_page_cache(p: page): void {
  let mapping = p.mapping;
  if (!PageLocked(p)) BUG("remove_from_page_cache: page not locked");
  spin_lock_irq(mapping.tree_lock);
  __remove_from_page_cache(p);
  spin_unlock_irq(mapping.tree_lock);
}

// Hook for sync_page (a_ops->sync_page: unplug the device queue). Our device has no plug, so
// the method is left NULL and this does nothing; kept so the wait loops read like 2.6.9.
// mm/filemap.c (2.6.9): sync_page
function sync_page(p: page): i32 {
  let mapping = p.mapping;
  if (changetype<usize>(mapping) && changetype<usize>(mapping.a_ops) && mapping.a_ops.sync_page)
    return call_indirect<i32>(mapping.a_ops.sync_page, changetype<usize>(p));
  return 0;
}

// Inserts a locked page with an extra reference, or -EEXIST. mm/filemap.c (2.6.9): add_to_page_cache
export function add_to_page_cache(p: page, mapping: address_space, offset: u32): i32 {
  spin_lock_irq(mapping.tree_lock);
  let error = radix_tree_insert(mapping.page_tree, offset, changetype<usize>(p));
  if (!error) {
    page_cache_get(p);
    SetPageLocked(p);
    p.mapping = mapping;
    p.index = offset;
    mapping.nrpages++;
    nr_pagecache++;
  }
  spin_unlock_irq(mapping.tree_lock);
  return error;
}

// ---- page wait queues: hashed, as 2.6.9's zone wait_table

const PAGE_WAIT_TABLE_BITS: i32 = 8;
const PAGE_WAIT_TABLE_SIZE: i32 = 1 << PAGE_WAIT_TABLE_BITS;
let page_wait_table: usize = 0;

// struct page_wait_queue — 28 bytes: page, bit, wait (20)
// @ts-ignore: decorator
@unmanaged class page_wait_queue {
  page: page;
  bit: i32;
  wait_flags: u32;
  wait_task: usize;
  wait_func: u32;
  wait_task_list_next: usize;
  wait_task_list_prev: usize;

  // @ts-ignore: decorator
  @inline get wait(): wait_queue_t {
    return changetype<wait_queue_t>(changetype<usize>(this) + offsetof<page_wait_queue>("wait_flags"));
  }
}

// Wakes a waiter only for its own page, and only once the bit it waits on is clear.
// mm/filemap.c (2.6.9): page_wake_function
export function page_wake_function(wait: wait_queue_t, mode: u32, sync: i32, key: usize): i32 {
  let wq = changetype<page_wait_queue>(changetype<usize>(wait) - offsetof<page_wait_queue>("wait_flags"));
  let p = changetype<page>(key);
  if (wq.page !== p || test_bit(wq.bit, p.flags_addr)) return 0;
  return autoremove_wake_function(wait, mode, sync, 0);
}

// DEFINE_PAGE_WAIT(_EXCLUSIVE): a page_wait_queue for current on the kernel stack.
function define_page_wait(p: page, bit: i32, flags: u32): page_wait_queue {
  let wq = changetype<page_wait_queue>(kstack_alloc(offsetof<page_wait_queue>()));
  wq.page = p;
  wq.bit = bit;
  let w = wq.wait;
  w.flags = flags;
  w.task = current;
  w.func = page_wake_function.index;
  INIT_LIST_HEAD(w.task_list);
  return wq;
}
// @ts-ignore: decorator
@inline function undefine_page_wait(): void { kstack_free(offsetof<page_wait_queue>()); }

// mm/filemap.c (2.6.9): page_waitqueue
export function page_waitqueue(p: page): wait_queue_head_t {
  let h = (<u32>changetype<usize>(p) * 0x9e370001) >> (32 - PAGE_WAIT_TABLE_BITS);
  return changetype<wait_queue_head_t>(page_wait_table + (<usize>h << 4));
}

// mm/filemap.c (2.6.9): wake_up_page
function wake_up_page(p: page): void {
  let q = page_waitqueue(p);
  if (waitqueue_active(q)) __wake_up(q, <u32>(TASK_UNINTERRUPTIBLE | TASK_INTERRUPTIBLE), 1, changetype<usize>(p));
}

// Waits until bit_nr of page is clear. With wait an async entry (a kiocb's), queues it on the
// page's wait queue and returns -EIOCBRETRY instead of sleeping; wait 0 means a sync wait.
// mm/filemap.c (2.6.9 + -mm aio-wait-page): wait_on_page_bit_wq
export function wait_on_page_bit_wq(p: page, bit_nr: i32, wait: wait_queue_t): i32 {
  let q = page_waitqueue(p);
  let local = define_page_wait(p, bit_nr, 0);
  if (!changetype<usize>(wait)) wait = local.wait;
  let ret = 0;
  do {
    prepare_to_wait(q, wait, TASK_UNINTERRUPTIBLE);
    if (test_bit(bit_nr, p.flags_addr)) {
      sync_page(p);
      if (!is_sync_wait(wait)) { ret = -EIOCBRETRY; break; }
      schedule();                       // io_schedule
    }
  } while (test_bit(bit_nr, p.flags_addr));
  if (ret == 0) finish_wait(q, wait);
  undefine_page_wait();
  return ret;
}

// mm/filemap.c (2.6.9): wait_on_page_bit
export function wait_on_page_bit(p: page, bit_nr: i32): void {
  wait_on_page_bit_wq(p, bit_nr, changetype<wait_queue_t>(0));
}

// include/linux/pagemap.h (-mm): wait_on_page_locked_wq, wait_on_page_locked, wait_on_page_writeback
export function wait_on_page_locked_wq(p: page, wait: wait_queue_t): i32 {
  if (PageLocked(p)) return wait_on_page_bit_wq(p, PG_locked, wait);
  return 0;
}
export function wait_on_page_locked(p: page): void {
  if (PageLocked(p)) wait_on_page_bit(p, PG_locked);
}
export function wait_on_page_writeback(p: page): void {
  if (PageWriteback(p)) wait_on_page_bit(p, PG_writeback);
}

// Clears PG_locked and wakes the page's waiters. mm/filemap.c (2.6.9): unlock_page
export function unlock_page(p: page): void {
  if (!TestClearPageLocked(p)) BUG("unlock_page: page was not locked");
  wake_up_page(p);
}

// mm/filemap.c (2.6.9): end_page_writeback
export function end_page_writeback(p: page): void {
  if (!TestClearPageWriteback(p)) BUG("end_page_writeback: page was not under writeback");
  wake_up_page(p);
}

// Takes PG_locked, waiting exclusively; an async entry gets -EIOCBRETRY instead of a sleep.
// mm/filemap.c (2.6.9 + -mm aio-wait-page): __lock_page_wq
export function __lock_page_wq(p: page, wait: wait_queue_t): i32 {
  let q = page_waitqueue(p);
  let local = define_page_wait(p, PG_locked, WQ_FLAG_EXCLUSIVE);
  if (!changetype<usize>(wait)) wait = local.wait;
  let ret = 0;
  while (TestSetPageLocked(p)) {
    prepare_to_wait_exclusive(q, wait, TASK_UNINTERRUPTIBLE);
    if (PageLocked(p)) {
      sync_page(p);
      if (!is_sync_wait(wait)) { ret = -EIOCBRETRY; break; }
      schedule();
    }
  }
  if (ret == 0) finish_wait(q, wait);
  undefine_page_wait();
  return ret;
}

// mm/filemap.c (2.6.9): __lock_page; include/linux/pagemap.h: lock_page, lock_page_wq
export function __lock_page(p: page): void { __lock_page_wq(p, changetype<wait_queue_t>(0)); }
export function lock_page(p: page): void {
  if (TestSetPageLocked(p)) __lock_page(p);
}
export function lock_page_wq(p: page, wait: wait_queue_t): i32 {
  if (TestSetPageLocked(p)) return __lock_page_wq(p, wait);
  return 0;
}

// ---- lookups

// mm/filemap.c (2.6.9): find_get_page
export function find_get_page(mapping: address_space, offset: u32): page {
  charge(COST_KERNEL_OP);
  spin_lock_irq(mapping.tree_lock);
  let p = changetype<page>(radix_tree_lookup(mapping.page_tree, offset));
  if (changetype<usize>(p)) page_cache_get(p);
  spin_unlock_irq(mapping.tree_lock);
  return p;
}

// Finds, pins and locks the page at offset (sleeping for the lock), or returns null.
// mm/filemap.c (2.6.9): find_lock_page
export function find_lock_page(mapping: address_space, offset: u32): page {
  charge(COST_KERNEL_OP);
  spin_lock_irq(mapping.tree_lock);
  let p: page = changetype<page>(0);
  let again = true;
  while (again) {
    again = false;
    p = changetype<page>(radix_tree_lookup(mapping.page_tree, offset));
    if (changetype<usize>(p)) {
      page_cache_get(p);
      if (TestSetPageLocked(p)) {
        spin_unlock_irq(mapping.tree_lock);
        lock_page(p);
        spin_lock_irq(mapping.tree_lock);
        if (p.mapping !== mapping || p.index != offset) {
          // truncated while we slept
          unlock_page(p);
          page_cache_release(p);
          again = true;
        }
      }
    }
  }
  spin_unlock_irq(mapping.tree_lock);
  return p;
}

// The locked page at index, created (not uptodate) if missing; null when out of memory.
// mm/filemap.c (2.6.9): find_or_create_page / __grab_cache_page
export function grab_cache_page(mapping: address_space, index: u32): page {
  let err = -EEXIST;
  while (err == -EEXIST) {
    let p = find_lock_page(mapping, index);
    if (changetype<usize>(p)) return p;
    let np = page_cache_alloc(mapping);
    if (!changetype<usize>(np)) return np;
    err = add_to_page_cache(np, mapping, index);
    if (err == 0) return np;            // our ref and the cache's: the caller releases one
    page_cache_release(np);
  }
  return changetype<page>(0);
}

// ---- dirty pages and writeback

// Marks the page dirty and puts it on its mapping's dirty list. Returns 1 if it was clean.
// mm/page-writeback.c (2.6.9): __set_page_dirty_nobuffers
export function set_page_dirty(p: page): i32 {
  if (TestSetPageDirty(p)) return 0;
  let mapping = p.mapping;
  if (changetype<usize>(mapping)) {
    spin_lock_irq(mapping.tree_lock);
    if (p.mapping === mapping && list_empty(p.lru)) list_add_tail(p.lru, mapping.dirty_pages);
    spin_unlock_irq(mapping.tree_lock);
  }
  return 1;
}

// Writes out the dirty pages of mapping whose index lies in [start, end] (page indices): each is
// locked, cleaned, marked under writeback and handed to ->writepage, which unlocks it and ends
// the writeback from the device's completion. Returns 0 or the first error.
// mm/filemap.c (2.6.9): __filemap_fdatawrite_range (with mpage_writepages' loop inlined)
export function filemap_fdatawrite_range(mapping: address_space, start: u32, end: u32): i32 {
  let ret = 0;
  let a = mapping.a_ops;
  if (!changetype<usize>(a) || !a.writepage) return 0;
  spin_lock_irq(mapping.tree_lock);
  let head = mapping.dirty_pages;
  // Take the pages one at a time off the front; pages outside the range are moved to a side list.
  let skip = changetype<list_head>(kstack_alloc(8));
  INIT_LIST_HEAD(skip);
  while (!list_empty(head)) {
    let p = page_of_lru(head.next);
    list_del_init(p.lru);
    if (p.index < start || p.index > end) { list_add_tail(p.lru, skip); continue; }
    page_cache_get(p);
    spin_unlock_irq(mapping.tree_lock);
    lock_page(p);
    wait_on_page_writeback(p);          // WB_SYNC_ALL: an earlier writeback must finish first
    if (p.mapping === mapping && TestClearPageDirty(p)) {
      SetPageWriteback(p);
      let err = call_indirect<i32>(a.writepage, changetype<usize>(p), 0);
      if (err && !ret) ret = err;
    } else {
      unlock_page(p);
    }
    page_cache_release(p);
    spin_lock_irq(mapping.tree_lock);
  }
  while (!list_empty(skip)) {
    let p = page_of_lru(skip.next);
    list_del_init(p.lru);
    list_add_tail(p.lru, head);
  }
  spin_unlock_irq(mapping.tree_lock);
  kstack_free(8);
  return ret;
}

// mm/filemap.c (2.6.9): filemap_fdatawrite
export function filemap_fdatawrite(mapping: address_space): i32 {
  return filemap_fdatawrite_range(mapping, 0, 0xffffffff);
}

const GANG: u32 = 16;

// Up to nr pages of mapping from index start on, each with a reference taken under the tree lock.
// Returns how many were stored in pages. mm/filemap.c (2.6.9): find_get_pages
export function find_get_pages(mapping: address_space, start: u32, nr: u32, pages: usize): u32 {
  spin_lock_irq(mapping.tree_lock);
  let n = radix_tree_gang_lookup(mapping.page_tree, pages, 0, start, nr);
  for (let k: u32 = 0; k < n; k++) page_cache_get(changetype<page>(load<usize>(pages + (<usize>k << 2))));
  spin_unlock_irq(mapping.tree_lock);
  return n;
}

// Waits for every page of mapping in [start, end] under writeback; -EIO if one failed.
// mm/filemap.c (2.6.9): wait_on_page_writeback_range
export function wait_on_page_writeback_range(mapping: address_space, start: u32, end: u32): i32 {
  let ret = 0;
  let items = kstack_alloc(<usize>GANG << 2);
  let index = start;
  for (;;) {
    let n = find_get_pages(mapping, index, GANG, items);
    if (!n) break;
    let last: u32 = 0;
    let past = false;
    for (let k: u32 = 0; k < n; k++) {
      let p = changetype<page>(load<usize>(items + (<usize>k << 2)));
      last = p.index;
      if (p.index > end) past = true;
      else {
        wait_on_page_writeback(p);
        if (PageError(p)) ret = -EIO;
      }
      page_cache_release(p);
    }
    if (past || last == 0xffffffff) break;
    index = last + 1;
  }
  kstack_free(<usize>GANG << 2);
  return ret;
}

// mm/filemap.c (2.6.9): filemap_fdatawait, filemap_write_and_wait
export function filemap_fdatawait(mapping: address_space): i32 {
  return wait_on_page_writeback_range(mapping, 0, 0xffffffff);
}
export function filemap_write_and_wait(mapping: address_space): i32 {
  let r = 0;
  if (mapping.nrpages) {
    r = filemap_fdatawrite(mapping);
    let r2 = filemap_fdatawait(mapping);
    if (!r) r = r2;
  }
  return r;
}

// Writes and waits for the pages holding bytes [pos, pos+count). mm/filemap.c (2.6.9): sync_page_range
export function sync_page_range(i: inode, mapping: address_space, pos: i64, count: i64): i32 {
  if (count <= 0) return 0;
  let start = <u32>(pos >> PAGE_CACHE_SHIFT);
  let end = <u32>((pos + count - 1) >> PAGE_CACHE_SHIFT);
  down(i.i_sem);
  let ret = filemap_fdatawrite_range(mapping, start, end);
  up(i.i_sem);
  let r2 = wait_on_page_writeback_range(mapping, start, end);
  if (!ret) ret = r2;
  return ret;
}

// ---- truncation (mm/truncate.c of 2.6.9)

// Drops every page from byte lstart on (the partial page at lstart is zeroed past it), waiting
// for locked pages and writeback. mm/truncate.c (2.6.9): truncate_inode_pages
export function truncate_inode_pages(mapping: address_space, lstart: i64): void {
  let start = <u32>((lstart + PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT);
  let partial = <u32>(lstart & (PAGE_CACHE_SIZE - 1));
  let items = kstack_alloc(<usize>GANG << 2);
  for (;;) {
    let n = find_get_pages(mapping, start, GANG, items);
    if (!n) break;
    for (let k: u32 = 0; k < n; k++) {
      let p = changetype<page>(load<usize>(items + (<usize>k << 2)));
      lock_page(p);
      wait_on_page_writeback(p);
      if (p.mapping === mapping) {
        TestClearPageDirty(p);
        remove_from_page_cache(p);
        page_cache_release(p);          // the cache's reference
      }
      unlock_page(p);
      page_cache_release(p);
    }
  }
  if (partial) {
    let p = find_lock_page(mapping, start - 1);
    if (changetype<usize>(p)) {
      wait_on_page_writeback(p);
      memory.fill(p.virtual + <usize>partial, 0, PAGE_SIZE - <usize>partial);
      unlock_page(p);
      page_cache_release(p);
    }
  }
  kstack_free(<usize>GANG << 2);
}

// Drops clean, unlocked, unused pages of mapping (what reclaim or drop_caches would free).
// Returns how many went. mm/truncate.c (2.6.9): invalidate_mapping_pages (whole range)
export function invalidate_mapping_pages(mapping: address_space): u32 {
  let freed: u32 = 0;
  let items = kstack_alloc(<usize>GANG << 2);
  let index: u32 = 0;
  for (;;) {
    let n = find_get_pages(mapping, index, GANG, items);
    if (!n) break;
    for (let k: u32 = 0; k < n; k++) {
      let p = changetype<page>(load<usize>(items + (<usize>k << 2)));
      index = p.index + 1;
      if (!TestSetPageLocked(p)) {
        // two references: ours and the cache's; anything more is a user we must not disturb
        if (p.mapping === mapping && !PageDirty(p) && !PageWriteback(p) && p._count == 2) {
          remove_from_page_cache(p);
          page_cache_release(p);
          freed++;
        }
        unlock_page(p);
      }
      page_cache_release(p);
    }
    if (index == 0) break;
  }
  kstack_free(<usize>GANG << 2);
  return freed;
}

// ---- buffered read

// read_descriptor_t — 16 bytes: written, count, buf, error
// @ts-ignore: decorator
@unmanaged export class read_descriptor_t {
  written: u32;
  count: u32;
  buf: usize;
  error: i32;
}

// Copies part of a page to the user buffer; a fault stops it with -EFAULT.
// mm/filemap.c (2.6.9): file_read_actor
export function file_read_actor(desc: read_descriptor_t, p: page, offset: u32, size: u32): u32 {
  let count = desc.count;
  if (size > count) size = count;
  let left = <u32>copy_to_user(desc.buf, p.virtual + <usize>offset, size);
  if (left) {
    size -= left;
    desc.error = -EFAULT;
  }
  desc.count = count - size;
  desc.written += size;
  desc.buf += size;
  return size;
}

export let nr_readpage: u64 = 0;        // ->readpage calls (cache misses that went to the fs)
export let nr_readahead_pages: u64 = 0; // pages read ahead of the copy loop

// VM_MAX_READAHEAD (128 KiB) in pages: the most a read issues ahead of its copy loop.
export const RA_PAGES: u32 = 32;
// On by default, as in 2.6.9; the host can turn it off with fs_set_readahead(0) (one disk request
// and one AIO retry per page). See docs/storage-model.md.
export let readahead_on: bool = true;
export function set_readahead(on: bool): void { readahead_on = on; }

// Puts the missing pages of [index, index+nr) into the cache, locked, and hands them to
// ->readpages (or ->readpage one by one); returns how many it started. Pages already cached or
// under read are left alone. mm/readahead.c (2.6.9): __do_page_cache_readahead + read_pages
export function do_page_cache_readahead(mapping: address_space, filp: file, index: u32, nr: u32): u32 {
  let a = mapping.a_ops;
  let pool = changetype<list_head>(kstack_alloc(8));
  INIT_LIST_HEAD(pool);
  let n: u32 = 0;
  for (let k: u32 = 0; k < nr; k++) {
    let off = index + k;
    spin_lock_irq(mapping.tree_lock);
    let there = radix_tree_lookup(mapping.page_tree, off) != 0;
    spin_unlock_irq(mapping.tree_lock);
    if (there) continue;
    let p = page_cache_alloc(mapping);
    if (!changetype<usize>(p)) break;
    if (add_to_page_cache(p, mapping, off)) { page_cache_release(p); continue; }
    page_cache_release(p);              // the cache holds it now; ->readpages unlocks it
    list_add_tail(p.lru, pool);
    n++;
  }
  if (n) {
    nr_readahead_pages += <u64>n;
    if (a.readpages) {
      call_indirect<i32>(a.readpages, changetype<usize>(filp), changetype<usize>(mapping), changetype<usize>(pool), n);
    } else {
      while (!list_empty(pool)) {
        let p = page_of_lru(pool.next);
        list_del_init(p.lru);
        call_indirect<i32>(a.readpage, changetype<usize>(filp), changetype<usize>(p));
      }
    }
  }
  kstack_free(8);
  return n;
}
export let nr_retry_exits: u64 = 0;     // reads stopped with -EIOCBRETRY on a page wait

// Reads from the page cache page by page, asking ->readpage for missing pages. When
// current->io_wait is a kiocb's async entry, a wait for a page lock or an I/O becomes an exit
// with desc.error = -EIOCBRETRY (the kiocb is queued on the page's wait queue and is kicked by
// the unlock). mm/filemap.c (2.6.9 + -mm aio-fs_read): do_generic_mapping_read
export function do_generic_mapping_read(mapping: address_space, filp: file, ppos: usize, desc: read_descriptor_t,
                                        actor: u32): void {
  let i = changetype<inode>(mapping.host);
  let pos = load<i64>(ppos);
  let index = <u32>(pos >> PAGE_CACHE_SHIFT);
  let offset = <u32>(pos & (PAGE_CACHE_SIZE - 1));
  let isize = i.i_size;
  let cached_page = changetype<page>(0);
  let io_wait = changetype<wait_queue_t>(current.io_wait);
  if (isize > 0) {
    let end_index = <u32>((isize - 1) >> PAGE_CACHE_SHIFT);
    if (readahead_on && desc.count) {
      // Read the pages this request will copy in one go, as 2.6.9's page_cache_readahead does
      // for a sequential reader (and the -mm aio-upfront-readahead for an AIO one): missing
      // pages are started together instead of one disk round trip per page.
      let last = <u32>((pos + <i64>desc.count - 1) >> PAGE_CACHE_SHIFT);
      if (last > end_index) last = end_index;
      if (last >= index) {
        let nr = last - index + 1;
        if (nr > RA_PAGES) nr = RA_PAGES;
        do_page_cache_readahead(mapping, filp, index, nr);
      }
    }
    for (;;) {
      let nr = PAGE_CACHE_SIZE;
      if (index >= end_index) {
        if (index > end_index) break;
        nr = <u32>((isize - 1) & (PAGE_CACHE_SIZE - 1)) + 1;
        if (nr <= offset) break;
      }
      nr = nr - offset;
      let p = find_get_page(mapping, index);
      let need_read = false;
      if (!changetype<usize>(p)) {
        // no_cached_page: a new locked page goes into the cache and is read
        if (!changetype<usize>(cached_page)) {
          cached_page = page_cache_alloc(mapping);
          if (!changetype<usize>(cached_page)) { desc.error = -ENOMEM; break; }
        }
        let error = add_to_page_cache(cached_page, mapping, index);
        if (error) {
          if (error == -EEXIST) continue;
          desc.error = error;
          break;
        }
        p = cached_page;
        cached_page = changetype<page>(0);
        need_read = true;
      } else if (!PageUptodate(p)) {
        // page_not_up_to_date: take the lock to read it ourselves, unless someone filled it
        let e = lock_page_wq(p, io_wait);
        if (e) { nr_retry_exits++; desc.error = e; page_cache_release(p); break; }
        if (!changetype<usize>(p.mapping)) { unlock_page(p); page_cache_release(p); continue; }
        if (PageUptodate(p)) unlock_page(p);
        else need_read = true;
      }
      if (need_read) {
        // readpage: the method unlocks the page when the data is in
        nr_readpage++;
        let error = call_indirect<i32>(mapping.a_ops.readpage, changetype<usize>(filp), changetype<usize>(p));
        if (error) { desc.error = error; page_cache_release(p); break; }
        if (!PageUptodate(p)) {
          let e = wait_on_page_locked_wq(p, io_wait);
          if (e) { nr_retry_exits++; desc.error = e; page_cache_release(p); break; }
          if (!PageUptodate(p)) { desc.error = -EIO; page_cache_release(p); break; }
        }
        // i_size may have moved while we read: recompute what this page holds
        isize = i.i_size;
        end_index = <u32>((isize - 1) >> PAGE_CACHE_SHIFT);
        if (isize == 0 || index > end_index) { page_cache_release(p); break; }
        nr = PAGE_CACHE_SIZE;
        if (index == end_index) {
          nr = <u32>((isize - 1) & (PAGE_CACHE_SIZE - 1)) + 1;
          if (nr <= offset) { page_cache_release(p); break; }
        }
        nr = nr - offset;
      }
      // page_ok: hand the bytes to the actor
      let ret = call_indirect<u32>(actor, changetype<usize>(desc), changetype<usize>(p), offset, nr);
      offset += ret;
      index += offset >> PAGE_CACHE_SHIFT;
      offset &= PAGE_CACHE_SIZE - 1;
      page_cache_release(p);
      if (ret == nr && desc.count) continue;
      break;
    }
  }
  store<i64>(ppos, (<i64>index << PAGE_CACHE_SHIFT) + <i64>offset);
  if (changetype<usize>(cached_page)) page_cache_release(cached_page);
}

// struct iovec — 8 bytes: iov_base, iov_len
// @ts-ignore: decorator
@unmanaged export class iovec {
  iov_base: usize;
  iov_len: usize;
}

// Direct I/O goes through the mapping's ->direct_IO after flushing (and, for writes,
// invalidating) the cached pages. mm/filemap.c (2.6.9): generic_file_direct_IO
export function generic_file_direct_IO(rw: i32, iocb: kiocb, iov: iovec, offset: i64, nr_segs: u32): i32 {
  let f = changetype<file>(iocb.ki_filp);
  let mapping = f.f_mapping;
  let retval = filemap_write_and_wait(mapping);
  if (retval == 0) {
    retval = call_indirect<i32>(mapping.a_ops.direct_IO, rw, changetype<usize>(iocb), changetype<usize>(iov), offset, nr_segs);
    if (rw == WRITE && mapping.nrpages) invalidate_mapping_pages(mapping);
  }
  return retval;
}

// The read side of every page-cache file, for read(2) and for AIO. O_DIRECT goes to the device;
// an async kiocb then gets -EIOCBQUEUED and aio_complete from the completion interrupt.
// mm/filemap.c (2.6.9): __generic_file_aio_read
export function __generic_file_aio_read(iocb: kiocb, iov: iovec, nr_segs: u32, ppos: usize): i32 {
  let filp = changetype<file>(iocb.ki_filp);
  let count = iov.iov_len;
  if (<i32>count < 0) return -EINVAL;
  if (!access_ok(VERIFY_WRITE, iov.iov_base, count)) return -EFAULT;
  let retval: i32 = 0;
  if (filp.f_flags & O_DIRECT) {
    let pos = load<i64>(ppos);
    let i = changetype<inode>(filp.f_mapping.host);
    if (!count) return 0;
    let size = i.i_size;
    if (pos < size) {
      retval = generic_file_direct_IO(READ, iocb, iov, pos, nr_segs);
      if (retval >= 0 && !is_sync_kiocb(iocb)) retval = -EIOCBQUEUED;
      if (retval > 0) store<i64>(ppos, pos + <i64>retval);
    }
    return retval;
  }
  if (count) {
    let desc = changetype<read_descriptor_t>(kstack_alloc(offsetof<read_descriptor_t>()));
    desc.written = 0;
    desc.buf = iov.iov_base;
    desc.count = <u32>count;
    desc.error = 0;
    do_generic_mapping_read(filp.f_mapping, filp, ppos, desc, file_read_actor.index);
    retval += <i32>desc.written;
    if (!retval) retval = desc.error;
    kstack_free(offsetof<read_descriptor_t>());
  }
  return retval;
}

// ->aio_read of page-cache files. mm/filemap.c (2.6.9): generic_file_aio_read
export function generic_file_aio_read(iocb: kiocb, buf: usize, count: usize, pos: i64): i32 {
  if (iocb.ki_pos != pos) BUG("generic_file_aio_read: ki_pos and pos differ");
  let iov = changetype<iovec>(kstack_alloc(8));
  iov.iov_base = buf;
  iov.iov_len = count;
  let ret = __generic_file_aio_read(iocb, iov, 1, changetype<usize>(iocb) + offsetof<kiocb>("ki_pos_lo"));
  kstack_free(8);
  return ret;
}

// ->read of page-cache files. mm/filemap.c (2.6.9): generic_file_read
export function generic_file_read(filp: file, buf: usize, count: usize, ppos: usize): i32 {
  let iov = changetype<iovec>(kstack_alloc(8));
  iov.iov_base = buf;
  iov.iov_len = count;
  let k = changetype<kiocb>(kstack_alloc(KIOCB_SIZE));
  init_sync_kiocb(k, changetype<usize>(filp));
  let ret = __generic_file_aio_read(k, iov, 1, ppos);
  if (ret == -EIOCBQUEUED) ret = <i32>wait_on_sync_kiocb(k);
  kstack_free(KIOCB_SIZE);
  kstack_free(8);
  return ret;
}

// ---- buffered write

// Direct write of count bytes at pos; the size grows as the data lands. mm/filemap.c (2.6.9):
// generic_file_direct_write
function generic_file_direct_write(iocb: kiocb, iov: iovec, pos: i64, ppos: usize, count: usize): i32 {
  let f = changetype<file>(iocb.ki_filp);
  let i = changetype<inode>(f.f_mapping.host);
  let written = generic_file_direct_IO(WRITE, iocb, iov, pos, 1);
  if (written > 0) {
    let end = pos + <i64>written;
    if (end > i.i_size) i.i_size = end;
    store<i64>(ppos, end);
  }
  if (written == <i32>count && !is_sync_kiocb(iocb)) written = -EIOCBQUEUED;
  return written;
}

// Copies user data into cache pages one page at a time through ->prepare_write/->commit_write;
// O_SYNC writes the range out before returning. mm/filemap.c (2.6.9): generic_file_buffered_write
function generic_file_buffered_write(iocb: kiocb, iov: iovec, pos: i64, ppos: usize, count: usize, written: i32): i32 {
  let f = changetype<file>(iocb.ki_filp);
  let mapping = f.f_mapping;
  let a = mapping.a_ops;
  let i = changetype<inode>(mapping.host);
  let status: i32 = 0;
  let buf = iov.iov_base + <usize>written;
  do {
    let offset = <u32>(pos & (PAGE_CACHE_SIZE - 1));
    let index = <u32>(pos >> PAGE_CACHE_SHIFT);
    let bytes = PAGE_CACHE_SIZE - offset;
    if (<usize>bytes > count) bytes = <u32>count;
    let p = grab_cache_page(mapping, index);
    if (!changetype<usize>(p)) { status = -ENOMEM; break; }
    status = call_indirect<i32>(a.prepare_write, changetype<usize>(f), changetype<usize>(p), offset, offset + bytes);
    if (status) {
      unlock_page(p);
      page_cache_release(p);
      break;
    }
    let left = <u32>copy_from_user(p.virtual + <usize>offset, buf, bytes);
    let copied = bytes - left;
    status = call_indirect<i32>(a.commit_write, changetype<usize>(f), changetype<usize>(p), offset, offset + copied);
    if (copied > 0) {
      if (!status) status = <i32>copied;
      if (status >= 0) {
        written += status;
        count -= <usize>status;
        pos += <i64>status;
        buf += <usize>status;
      }
    }
    if (copied != bytes && status >= 0) status = -EFAULT;
    unlock_page(p);
    page_cache_release(p);
    if (status < 0) break;
  } while (count);
  store<i64>(ppos, pos);
  // O_SYNC is handled by the caller (sync_page_range), as 2.6.9 does for files with ->writepage.
  if ((f.f_flags & O_DIRECT) && written) status = filemap_write_and_wait(mapping);
  return written ? written : status;
}

// Checks, then direct or buffered write; caller holds i_sem. mm/filemap.c (2.6.9):
// generic_file_aio_write_nolock (with generic_write_checks: O_APPEND, negative pos)
export function generic_file_aio_write_nolock(iocb: kiocb, iov: iovec, nr_segs: u32, ppos: usize): i32 {
  let f = changetype<file>(iocb.ki_filp);
  let mapping = f.f_mapping;
  let i = changetype<inode>(mapping.host);
  let ocount = iov.iov_len;
  if (<i32>ocount < 0) return -EINVAL;
  if (!access_ok(VERIFY_READ, iov.iov_base, ocount)) return -EFAULT;
  let count = ocount;
  let pos = load<i64>(ppos);
  let written: i32 = 0;
  if (pos < 0) return -EINVAL;
  if (f.f_error) { let e = f.f_error; f.f_error = 0; return e; }
  if (f.f_flags & O_APPEND) pos = i.i_size;
  if (count == 0) return 0;
  if (f.f_flags & O_DIRECT) {
    written = generic_file_direct_write(iocb, iov, pos, ppos, count);
    if (written < 0 || <usize>written == count) return written;
    // a short direct write finishes through the cache
    pos += <i64>written;
    count -= <usize>written;
  }
  return generic_file_buffered_write(iocb, iov, pos, ppos, count, written);
}

// ->aio_write of page-cache files. mm/filemap.c (2.6.9): generic_file_aio_write
export function generic_file_aio_write(iocb: kiocb, buf: usize, count: usize, pos: i64): i32 {
  let f = changetype<file>(iocb.ki_filp);
  let mapping = f.f_mapping;
  let i = changetype<inode>(mapping.host);
  if (iocb.ki_pos != pos) BUG("generic_file_aio_write: ki_pos and pos differ");
  let iov = changetype<iovec>(kstack_alloc(8));
  iov.iov_base = buf;
  iov.iov_len = count;
  down(i.i_sem);
  let ret = generic_file_aio_write_nolock(iocb, iov, 1, changetype<usize>(iocb) + offsetof<kiocb>("ki_pos_lo"));
  up(i.i_sem);
  kstack_free(8);
  if (ret > 0 && (f.f_flags & O_SYNC)) {
    let err = sync_page_range(i, mapping, pos, <i64>ret);
    if (err < 0) ret = err;
  }
  return ret;
}

// ->write of page-cache files. mm/filemap.c (2.6.9): generic_file_write (+ generic_file_write_nolock)
export function generic_file_write(filp: file, buf: usize, count: usize, ppos: usize): i32 {
  let mapping = filp.f_mapping;
  let i = changetype<inode>(mapping.host);
  let iov = changetype<iovec>(kstack_alloc(8));
  iov.iov_base = buf;
  iov.iov_len = count;
  let k = changetype<kiocb>(kstack_alloc(KIOCB_SIZE));
  init_sync_kiocb(k, changetype<usize>(filp));
  down(i.i_sem);
  let ret = generic_file_aio_write_nolock(k, iov, 1, ppos);
  if (ret == -EIOCBQUEUED) ret = <i32>wait_on_sync_kiocb(k);
  up(i.i_sem);
  kstack_free(KIOCB_SIZE);
  kstack_free(8);
  if (ret > 0 && (filp.f_flags & O_SYNC)) {
    let err = sync_page_range(i, mapping, load<i64>(ppos) - <i64>ret, <i64>ret);
    if (err < 0) ret = err;
  }
  return ret;
}

export function filemap_init(): void {
  radix_node_cachep = kmem_cache_create("radix_tree_node", NODE_SIZE);
  page_cachep = kmem_cache_create("page_cache_page", offsetof<page>());
  page_wait_table = heap.alloc(<usize>PAGE_WAIT_TABLE_SIZE << 4);
  let cls = lock_class_register("page_wait_table");
  for (let k = 0; k < PAGE_WAIT_TABLE_SIZE; k++)
    init_waitqueue_head(changetype<wait_queue_head_t>(page_wait_table + (<usize>k << 4)), cls);
}
