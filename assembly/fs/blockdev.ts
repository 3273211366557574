// The simulated block device: one disk behind every regular file, with a request queue, a
// latency / bandwidth / queue-depth timing model from the machine profile, and a completion
// interrupt delivered on one chosen CPU. docs/storage-model.md describes the model; this file is
// the simulator's stand-in for drivers/block (ll_rw_blk.c, the elevator and an IDE/SCSI driver).
//
// Timing: a request is dispatched when one of the `depth` slots is free; its data moves at
// `bandwidth` over one channel shared by all slots, after `latency`:
//   begin = max(dispatch + latency, channel_free);  done = begin + bytes / bandwidth
// so completions come in dispatch order. The interrupt for a request is taken on the IRQ CPU at
// its first interleave point once that CPU's clock has reached `done` (an idle CPU halts only
// until then). The handler (hard-irq context) copies read data in, starts queued requests and
// calls each request's end_io, which unlocks pages, ends writeback or completes direct I/O.
//
// Storage: sparse. A 4 KiB block that was never written reads as zeros and counts as a hole;
// written blocks live in frames indexed by block number (a radix tree, mm/filemap.ts).
import { list_head, INIT_LIST_HEAD, list_add_tail, list_del_init, list_empty } from "../include/linux/list";
import { inode } from "../include/linux/fs";
import { TASK_UNINTERRUPTIBLE, TASK_RUNNING, task_struct } from "../include/linux/sched";
import { spinlock_t } from "../include/linux/spinlock";
import { EIO } from "../include/linux/errno";
import { cpu_t, this_cpu, current, charge, cpu_of, nr_cpus, cpu_kick, cpu_update_event } from "../kernel/cpu";
import * as cpu from "../kernel/cpu";
import { COST_KERNEL_OP, COST_DISK_IRQ, cpu_khz, disk_latency_us, disk_mb_s, disk_queue_depth, disk_irq_cpu } from "../kernel/profile";
import { spin_lock_init, spin_lock_irqsave, spin_unlock_irqrestore, lock_class_register } from "../kernel/spinlock";
import { schedule, wake_up_process } from "../kernel/sched";
import { BUG } from "../kernel/panic";
import { trace_on, trace_record, TR_IRQ } from "../kernel/trace";
import { pending_io_inc, pending_io_dec } from "../kernel/hang";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free } from "../mm/slab";
import { alloc_page, free_page, PAGE_SIZE } from "../mm/page_alloc";
import { radix_tree_lookup, radix_tree_insert, radix_tree_delete, radix_tree_gang_lookup } from "../mm/filemap";
import { set_release_blocks } from "./inode";

export const BLOCK_SHIFT: i32 = 12;               // device blocks are 4 KiB (one page)
export const BLOCK_SIZE: u32 = 1 << BLOCK_SHIFT;
export const SECTOR_SHIFT: i32 = 9;               // bdev_hardsect_size: 512 bytes
export const FILE_EXTENT_SHIFT: i32 = 20;         // each file owns 2^20 blocks (4 GiB) of the disk
export const MAX_SEGS: i32 = 16;                  // segments per request (64 KiB of pages)

// struct request (simulator) — 176 bytes
//   0 queuelist (8)   8 rw   12 nr_segs   16 nr_bytes   20 errors   24 dev_off (8)   32 done (8)
//  40 end_io   44 end_io_data   48 segs[16] {addr, len}
// end_io is a table index: (rq, error: i32) => void, called in interrupt context.
// @ts-ignore: decorator
@unmanaged export class request {
  queuelist_next: usize;
  queuelist_prev: usize;
  rw: i32;
  nr_segs: i32;
  nr_bytes: u32;
  errors: i32;
  dev_off: u64;              // byte offset on the disk
  done: u64;                 // cycle at which the device finishes it
  end_io: u32;
  end_io_data: usize;

  // @ts-ignore: decorator
  @inline get queuelist(): list_head {
    return changetype<list_head>(changetype<usize>(this) + offsetof<request>("queuelist_next"));
  }
  // @ts-ignore: decorator
  @inline seg_addr(i: i32): usize { return load<usize>(changetype<usize>(this) + offsetof<request>() + (<usize>i << 3)); }
  // @ts-ignore: decorator
  @inline seg_len(i: i32): u32 { return load<u32>(changetype<usize>(this) + offsetof<request>() + (<usize>i << 3), 4); }
}
// @ts-ignore: decorator
@inline function rq_of(l: list_head): request {
  return changetype<request>(changetype<usize>(l) - offsetof<request>("queuelist_next"));
}
const REQUEST_SIZE: usize = offsetof<request>() + (<usize>MAX_SEGS << 3);

let request_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);

// The queue: a spinlock (irq-safe), requests waiting for a slot, requests in service.
const queue_lock = memory.data(8);
// @ts-ignore: decorator
@inline function qlock(): spinlock_t { return changetype<spinlock_t>(queue_lock); }
const queue_head = changetype<list_head>(memory.data(8));
const in_flight = changetype<list_head>(memory.data(8));
let in_service: i32 = 0;
let channel_free: u64 = 0;

// The disk's contents: radix tree root (height, gfp_mask, rnode) of block -> frame.
const store_root = memory.data(12);

// Statistics the host reads.
export let disk_reads: u64 = 0;
export let disk_writes: u64 = 0;
export let disk_read_bytes: u64 = 0;
export let disk_write_bytes: u64 = 0;
export let disk_irqs: u64 = 0;
export const disk_irqs_cpu = memory.data(8 * 8);   // per CPU: u64 interrupts taken there
export let disk_busy_cycles: u64 = 0;
export let disk_blocks_stored: i32 = 0;
export let disk_inflight: i32 = 0;         // submitted and not yet completed

// ---- the store

// Is the block written (not a hole)?
export function blockdev_block_mapped(block: u32): bool { return radix_tree_lookup(store_root, block) != 0; }

function store_block(block: u32, create: bool): usize {
  let f = radix_tree_lookup(store_root, block);
  if (!f && create) {
    f = alloc_page();
    memory.fill(f, 0, PAGE_SIZE);
    if (radix_tree_insert(store_root, block, f)) BUG("blockdev: store insert failed");
    disk_blocks_stored++;
  }
  return f;
}

// Moves len bytes between memory at addr and the disk at byte offset off.
function store_copy(write: bool, off: u64, addr: usize, len: u32): void {
  while (len > 0) {
    let block = <u32>(off >> BLOCK_SHIFT);
    let in_blk = <u32>(off & (BLOCK_SIZE - 1));
    let n = BLOCK_SIZE - in_blk;
    if (n > len) n = len;
    let f = store_block(block, write);
    if (write) memory.copy(f + <usize>in_blk, addr, <usize>n);
    else if (f) memory.copy(addr, f + <usize>in_blk, <usize>n);
    else memory.fill(addr, 0, <usize>n);
    off += <u64>n;
    addr += <usize>n;
    len -= n;
  }
}

// Frees the stored blocks of a file's extent from block `from` (relative to the file) on:
// unlink and truncate. Reached from fs/inode.ts's release hook too.
const REL_GANG: u32 = 16;
const rel_items = memory.data(REL_GANG * 4);
const rel_index = memory.data(REL_GANG * 4);
export function blockdev_release_range(first_block: u32, from: u32): void {
  let start = first_block + from;
  let end = first_block + (1 << FILE_EXTENT_SHIFT) - 1;
  for (;;) {
    let n = radix_tree_gang_lookup(store_root, rel_items, rel_index, start, REL_GANG);
    let done = n == 0;
    for (let k: u32 = 0; k < n; k++) {
      let b = load<u32>(rel_index + (<usize>k << 2));
      if (b > end) { done = true; break; }
      free_page(radix_tree_delete(store_root, b));
      disk_blocks_stored--;
      start = b + 1;
    }
    if (done) break;
  }
}
function release_inode_blocks(i: inode): void {
  if (i.i_dev_block) blockdev_release_range(i.i_dev_block, 0);
}

// ---- requests

// A request for rw (0 read, 1 write) of the disk at byte offset off; segments are added with
// blk_rq_add_seg. Null when out of memory.
export function blk_get_request(rw: i32, off: u64, end_io: u32, data: usize): request {
  let p = kmem_cache_alloc(request_cachep);
  if (!p) return changetype<request>(0);
  memory.fill(p, 0, REQUEST_SIZE);
  let rq = changetype<request>(p);
  rq.rw = rw;
  rq.dev_off = off;
  rq.end_io = end_io;
  rq.end_io_data = data;
  INIT_LIST_HEAD(rq.queuelist);
  return rq;
}

// Adds a segment (kernel address, length). Returns false when the request is full.
export function blk_rq_add_seg(rq: request, addr: usize, len: u32): bool {
  if (rq.nr_segs >= MAX_SEGS) return false;
  let s = changetype<usize>(rq) + offsetof<request>() + (<usize>rq.nr_segs << 3);
  store<usize>(s, addr);
  store<u32>(s, len, 4);
  rq.nr_segs++;
  rq.nr_bytes += len;
  return true;
}

export function blk_put_request(rq: request): void { kmem_cache_free(request_cachep, changetype<usize>(rq)); }

// @ts-ignore: decorator
@inline function us_to_cycles(us: u64): u64 { return us * cpu_khz / 1000; }
// @ts-ignore: decorator
@inline function xfer_cycles(bytes: u64): u64 {
  // bytes / (MB/s) seconds, at cpu_khz * 1000 cycles a second
  return disk_mb_s ? bytes * cpu_khz / (<u64>disk_mb_s * 1000) : 0;
}

function irq_cpu(): cpu_t {
  let n = disk_irq_cpu < nr_cpus ? disk_irq_cpu : nr_cpus - 1;
  return cpu_of(n < 0 ? 0 : n);
}

// Arms the IRQ CPU for a completion at `when` (earlier than what it waits for, if anything).
function arm_irq(when: u64): void {
  let c = irq_cpu();
  if (c.next_irq == 0 || when < c.next_irq) { c.next_irq = when; cpu_update_event(c); }
  cpu_kick(c, when);
}

// Starts rq at `now` in a free slot. Queue lock held.
function start_request(rq: request, now: u64): void {
  let begin = now + us_to_cycles(<u64>disk_latency_us);
  if (channel_free > begin) begin = channel_free;
  let xfer = xfer_cycles(<u64>rq.nr_bytes);
  rq.done = begin + xfer;
  channel_free = rq.done;
  disk_busy_cycles += xfer;
  in_service++;
  if (rq.rw) {
    // the data leaves memory as the transfer starts
    let off = rq.dev_off;
    for (let s = 0; s < rq.nr_segs; s++) {
      store_copy(true, off, rq.seg_addr(s), rq.seg_len(s));
      off += <u64>rq.seg_len(s);
    }
  }
  list_add_tail(rq.queuelist, in_flight);
  arm_irq(rq.done);
}

// Queues rq; it starts now if a slot is free. Any context. drivers/block/ll_rw_blk.c (2.6.9):
// submit_bio / __make_request, without merging or plugging
export function submit_request(rq: request): void {
  charge(COST_KERNEL_OP);
  if (rq.rw) { disk_writes++; disk_write_bytes += <u64>rq.nr_bytes; }
  else { disk_reads++; disk_read_bytes += <u64>rq.nr_bytes; }
  let flags = spin_lock_irqsave(qlock());
  disk_inflight++;
  pending_io_inc();
  if (in_service < disk_queue_depth) start_request(rq, this_cpu.clock);
  else list_add_tail(rq.queuelist, queue_head);
  spin_unlock_irqrestore(qlock(), flags);
}

// The completion interrupt, run on the IRQ CPU (kernel/cpu.ts device_irq_fn) at an interleave
// point once its clock passed the earliest completion: finishes every request that is done,
// starts waiting ones in the freed slots, re-arms for the next completion.
const done_list = changetype<list_head>(memory.data(8));
export function disk_interrupt(): void {
  let c = this_cpu;
  c.next_irq = 0;
  cpu_update_event(c);
  c.in_irq++;
  charge(COST_DISK_IRQ);
  disk_irqs++;
  store<u64>(disk_irqs_cpu + (<usize>c.id << 3), load<u64>(disk_irqs_cpu + (<usize>c.id << 3)) + 1);
  let flags = spin_lock_irqsave(qlock());
  INIT_LIST_HEAD(done_list);
  let n = 0;
  while (!list_empty(in_flight)) {
    let rq = rq_of(in_flight.next);
    if (rq.done > this_cpu.clock) break;
    list_del_init(rq.queuelist);
    in_service--;
    if (!rq.rw) {
      let off = rq.dev_off;
      for (let s = 0; s < rq.nr_segs; s++) {
        store_copy(false, off, rq.seg_addr(s), rq.seg_len(s));
        off += <u64>rq.seg_len(s);
      }
    }
    list_add_tail(rq.queuelist, done_list);
    n++;
    // the slot it held is free from its completion on
    if (!list_empty(queue_head)) {
      let next = rq_of(queue_head.next);
      list_del_init(next.queuelist);
      start_request(next, rq.done);
    }
  }
  if (!list_empty(in_flight)) arm_irq(rq_of(in_flight.next).done);
  spin_unlock_irqrestore(qlock(), flags);
  if (trace_on) trace_record(this_cpu.clock, TR_IRQ, this_cpu.id, 1, n);
  while (!list_empty(done_list)) {
    let rq = rq_of(done_list.next);
    list_del_init(rq.queuelist);
    disk_inflight--;
    pending_io_dec();
    let fn = rq.end_io;
    if (fn) call_indirect<void>(fn, changetype<usize>(rq), rq.errors ? -EIO : 0);
    else blk_put_request(rq);
  }
  this_cpu.in_irq--;
}

// ---- synchronous helper: one request, the caller sleeps until it is done (prepare_write's
// read of a partly overwritten block, as block_prepare_write waits on its buffer heads).

function end_sync_request(rq: request, error: i32): void {
  let t = changetype<usize>(rq.end_io_data);
  rq.end_io_data = 0;                    // done marker
  rq.errors = error;
  wake_up_process(changetype<task_struct>(t));
}

export function blockdev_rw_sync(rw: i32, off: u64, addr: usize, len: u32): i32 {
  let rq = blk_get_request(rw, off, end_sync_request.index, changetype<usize>(current));
  if (!changetype<usize>(rq)) return -EIO;
  blk_rq_add_seg(rq, addr, len);
  submit_request(rq);
  for (;;) {
    current.state = TASK_UNINTERRUPTIBLE;
    if (!rq.end_io_data) break;
    schedule();
  }
  current.state = TASK_RUNNING;
  let err = rq.errors;
  blk_put_request(rq);
  return err;
}

export function blockdev_init(): void {
  request_cachep = kmem_cache_create("request", REQUEST_SIZE);
  spin_lock_init(qlock(), lock_class_register("request_queue.queue_lock"));
  INIT_LIST_HEAD(queue_head);
  INIT_LIST_HEAD(in_flight);
  INIT_LIST_HEAD(done_list);
  in_service = 0;
  channel_free = 0;
  memory.fill(store_root, 0, 12);
  set_release_blocks(release_inode_blocks.index);
  cpu.device_irq_fn = disk_interrupt.index;
}
