// O_DIRECT (fs/direct-io.c of 2.6.9, cut to one iovec and one block device): the user buffer is
// pinned with get_user_pages and moved to or from the disk without the page cache. A synchronous
// caller sleeps until every request is done; an async kiocb gets -EIOCBQUEUED and its completion
// is reported from the disk interrupt through dio_aio_complete_fn (the aio port's aio_complete),
// as dio_bio_end_aio / finished_one_bio do.
// fs/aio.ts first: it must be initialised before include/linux/aio.ts, which imports it back.
import { aio_complete } from "./aio";
import { inode, file, READ, WRITE } from "../include/linux/fs";
import { TASK_UNINTERRUPTIBLE, TASK_RUNNING, task_struct } from "../include/linux/sched";
import { spinlock_t } from "../include/linux/spinlock";
import { EINVAL, ENOMEM, EFAULT, EIOCBQUEUED } from "../include/linux/errno";
import { kiocb, is_sync_kiocb } from "../include/linux/aio";
import { current, charge } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { spin_lock_init, spin_lock_irqsave, spin_unlock_irqrestore, lock_class_register } from "../kernel/spinlock";
import { schedule, wake_up_process } from "../kernel/sched";
import { down, up } from "../kernel/semaphore";
import { down_read, up_read } from "../kernel/rwsem";
import { BUG } from "../kernel/panic";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free, kmalloc, kfree } from "../mm/slab";
import { PAGE_SIZE, put_page } from "../mm/page_alloc";
import { get_user_pages } from "../mm/memory";
import { filemap_write_and_wait, iovec } from "../mm/filemap";
import { request, blk_get_request, blk_rq_add_seg, submit_request, blk_put_request, SECTOR_SHIFT,
         FILE_EXTENT_SHIFT, BLOCK_SHIFT } from "./blockdev";

// (kiocb, res: i32, res2: i32) => i32, called in interrupt context when an async direct I/O
// finishes. Points at fs/aio.ts aio_complete; the aio port may repoint it.
export let dio_aio_complete_fn: u32 = 0;
export function set_dio_aio_complete(fn: u32): void { dio_aio_complete_fn = fn; }

export let dio_nr_sync: u64 = 0;
export let dio_nr_async: u64 = 0;

// struct dio (subset) — 48 bytes
//   0 iocb   4 inode   8 rw   12 is_async   16 size   20 result   24 bio_count
//  28 bio_lock (8)   36 waiter   40 pages   44 nr_pages
// bio_count counts requests in flight plus one held by the submitter until it is done issuing.
// @ts-ignore: decorator
@unmanaged class dio {
  iocb: kiocb;
  inode: inode;
  rw: i32;
  is_async: i32;
  size: u32;
  result: u32;               // bytes issued
  bio_count: i32;
  bio_lock_slock: u32;
  bio_lock_dep: u32;
  waiter: task_struct;
  pages: usize;              // pinned user frames
  nr_pages: i32;

  // @ts-ignore: decorator
  @inline get bio_lock(): spinlock_t {
    return changetype<spinlock_t>(changetype<usize>(this) + offsetof<dio>("bio_lock_slock"));
  }
}

let dio_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let bio_lock_class: i32 = 0;

function dio_free(d: dio): void {
  for (let k = 0; k < d.nr_pages; k++) put_page(load<usize>(d.pages + (<usize>k << 2)));
  if (d.pages) kfree(d.pages);
  kmem_cache_free(dio_cachep, changetype<usize>(d));
}

// One request's worth is done; the last async one completes the kiocb. Any context.
// fs/direct-io.c (2.6.9): finished_one_bio
function finished_one_bio(d: dio): void {
  let flags = spin_lock_irqsave(d.bio_lock);
  if (d.bio_count == 1 && d.is_async) {
    spin_unlock_irqrestore(d.bio_lock, flags);
    let iocb = d.iocb;
    let res = <i32>d.result;
    dio_free(d);
    if (!dio_aio_complete_fn) BUG("direct-io: async completion with no aio_complete installed");
    call_indirect<i32>(dio_aio_complete_fn, changetype<usize>(iocb), res, 0);
    return;
  }
  d.bio_count--;
  if (d.waiter && d.bio_count == 1) wake_up_process(d.waiter);
  spin_unlock_irqrestore(d.bio_lock, flags);
}

// Request completion (interrupt context). fs/direct-io.c (2.6.9): dio_bio_end_io / dio_bio_end_aio
function dio_end_io(rq: request, error: i32): void {
  let d = changetype<dio>(rq.end_io_data);
  blk_put_request(rq);
  finished_one_bio(d);
}

// Moves [offset, offset+count) of the file between the disk and the user buffer at buf.
// Alignment: offset, buf and count must be multiples of the file's block size or, failing that,
// of the device's 512-byte sector, else -EINVAL. Reads stop at the block holding EOF.
// fs/direct-io.c (2.6.9): __blockdev_direct_IO + direct_io_worker
export function blockdev_direct_IO(rw: i32, iocb: kiocb, i: inode, iov: iovec, offset: i64, nr_segs: u32): i32 {
  let blkbits = i.i_blkbits;
  let mask: u64 = (<u64>1 << blkbits) - 1;
  let buf = iov.iov_base;
  let count = <u32>iov.iov_len;
  if ((<u64>offset & mask) || (<u64>buf & mask) || (<u64>count & mask)) {
    blkbits = SECTOR_SHIFT;
    mask = (<u64>1 << blkbits) - 1;
    if ((<u64>offset & mask) || (<u64>buf & mask) || (<u64>count & mask)) return -EINVAL;
  }
  let end = offset + <i64>count;
  let p = kmem_cache_alloc(dio_cachep);
  if (!p) return -ENOMEM;
  memory.fill(p, 0, offsetof<dio>());
  let d = changetype<dio>(p);
  spin_lock_init(d.bio_lock, bio_lock_class);
  d.iocb = iocb;
  d.inode = i;
  d.rw = rw;
  if (rw == READ) {
    // DIO_LOCKING: a reader takes i_sem while it looks blocks up, after flushing the cache
    down(i.i_sem);
    let r = filemap_write_and_wait(i.i_mapping);
    if (r) { up(i.i_sem); kmem_cache_free(dio_cachep, p); return r; }
    // reads do not go past the file-system block that holds EOF (holes beyond are not read)
    let fsmask: i64 = (<i64>1 << i.i_blkbits) - 1;
    let limit = (i.i_size + fsmask) & ~fsmask;
    if (end > limit) count = offset >= limit ? 0 : <u32>(limit - offset);
  }
  d.is_async = (!is_sync_kiocb(iocb) && !(rw == WRITE && end > i.i_size)) ? 1 : 0;
  d.size = count;
  d.bio_count = 1;
  if (d.is_async) dio_nr_async++; else dio_nr_sync++;

  // Pin the user pages (writes to memory for a read).
  let ret = 0;
  if (count) {
    let first = buf & ~(PAGE_SIZE - 1);
    let npages = <i32>(((buf + <usize>count + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) - first) >> 12;
    d.pages = kmalloc(<usize>npages << 2);
    if (!d.pages) { if (rw == READ) up(i.i_sem); kmem_cache_free(dio_cachep, p); return -ENOMEM; }
    let mm = current.mm;
    down_read(mm.mmap_sem);
    let got = get_user_pages(current, mm, first, npages, rw == READ ? 1 : 0, 0, d.pages, 0);
    up_read(mm.mmap_sem);
    d.nr_pages = got > 0 ? got : 0;
    if (got < npages) {
      if (rw == READ) up(i.i_sem);
      dio_free(d);
      return -EFAULT;
    }
    // Build and submit requests of up to MAX_SEGS page pieces each.
    let dev_off = (<u64>i.i_dev_block << BLOCK_SHIFT) + <u64>offset;
    let ua = buf;
    let left = count;
    let rq = changetype<request>(0);
    while (left > 0) {
      let pg = <i32>((ua - first) >> 12);
      let in_pg = <u32>(ua & (PAGE_SIZE - 1));
      let n = <u32>PAGE_SIZE - in_pg;
      if (n > left) n = left;
      let kaddr = load<usize>(d.pages + (<usize>pg << 2)) + <usize>in_pg;
      if (!changetype<usize>(rq)) {
        rq = blk_get_request(rw, dev_off, dio_end_io.index, changetype<usize>(d));
        if (!changetype<usize>(rq)) { ret = -ENOMEM; break; }
      }
      if (!blk_rq_add_seg(rq, kaddr, n)) {
        d.bio_count++;
        submit_request(rq);
        rq = changetype<request>(0);
        continue;
      }
      d.result += n;
      dev_off += <u64>n;
      ua += <usize>n;
      left -= n;
    }
    if (changetype<usize>(rq)) {
      if (rq.nr_segs) { d.bio_count++; submit_request(rq); }
      else blk_put_request(rq);
    }
  }
  if (rw == READ) up(i.i_sem);
  charge(COST_KERNEL_OP);

  if (d.is_async) {
    // The interrupt finishes the kiocb unless nothing went out at all (then we do it now).
    if (ret == 0) ret = <i32>d.result;
    finished_one_bio(d);
    return ret;
  }
  // Synchronous: wait for every request, then report what was transferred.
  let flags = spin_lock_irqsave(d.bio_lock);
  d.waiter = current;
  while (d.bio_count > 1) {
    current.state = TASK_UNINTERRUPTIBLE;
    spin_unlock_irqrestore(d.bio_lock, flags);
    schedule();
    flags = spin_lock_irqsave(d.bio_lock);
  }
  current.state = TASK_RUNNING;
  spin_unlock_irqrestore(d.bio_lock, flags);
  let transferred = <i64>d.result;
  if (rw == READ && offset + transferred > i.i_size) transferred = i.i_size - offset;
  if (ret == 0) ret = <i32>transferred;
  // an extending AIO write ran synchronously: it still owes its completion event
  if (!is_sync_kiocb(iocb) && rw == WRITE && ret >= 0 && d.result == d.size) {
    if (!dio_aio_complete_fn) BUG("direct-io: async completion with no aio_complete installed");
    call_indirect<i32>(dio_aio_complete_fn, changetype<usize>(iocb), ret, 0);
  }
  dio_free(d);
  return ret;
}

export function dio_init(): void {
  dio_cachep = kmem_cache_create("dio", offsetof<dio>());
  bio_lock_class = lock_class_register("dio.bio_lock");
  if (!dio_aio_complete_fn) dio_aio_complete_fn = aio_complete.index;
}
