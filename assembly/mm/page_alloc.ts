// Physical pages: 4 KiB frames carved from linear memory. The stub runtime's heap never frees,
// so freed frames go on a free list of our own and are handed out again.
import { BUG } from "../kernel/panic";

export const PAGE_SHIFT: i32 = 12;
export const PAGE_SIZE: usize = 4096;
export const PAGE_MASK: usize = ~(PAGE_SIZE - 1);

const CHUNK_PAGES: usize = 64;
let free_list: usize = 0;      // singly linked through the first word of each free frame
export let nr_free_pages: i32 = 0;
export let nr_used_pages: i32 = 0;

function refill(): void {
  let raw = heap.alloc((CHUNK_PAGES + 1) * PAGE_SIZE);
  let base = (raw + PAGE_SIZE - 1) & PAGE_MASK;
  for (let i: usize = 0; i < CHUNK_PAGES; i++) {
    let p = base + i * PAGE_SIZE;
    store<usize>(p, free_list);
    free_list = p;
    nr_free_pages++;
  }
}

// ---- page reference counts (struct page's _count)
//
// We have no struct page: a page is named by its frame address (page_address(page) == page, so
// kmap is the identity). Its use count lives in a side table indexed by frame number, two levels
// like a page table, because frames come from anywhere in linear memory.
const count_dir = memory.data(1024 * 4);

function count_slot(p: usize): usize {
  let pfn = p >> PAGE_SHIFT;
  let d = count_dir + ((pfn >> 10) << 2);
  let leaf = load<usize>(d);
  if (!leaf) {
    leaf = heap.alloc(4096);
    memory.fill(leaf, 0, 4096);
    store<usize>(d, leaf);
  }
  return leaf + ((pfn & 1023) << 2);
}

export function page_count(page: usize): i32 { return load<i32>(count_slot(page)); }

// Takes a reference on a page in use. include/linux/mm.h (2.6.9): get_page
export function get_page(page: usize): void {
  let s = count_slot(page);
  let n = load<i32>(s);
  if (n <= 0) BUG("get_page: page 0x" + (<u32>page).toString(16) + " is free");
  store<i32>(s, n + 1);
}

// Drops a reference; the last one frees the frame. mm/swap.c (2.6.9): put_page
export function put_page(page: usize): void {
  let s = count_slot(page);
  let n = load<i32>(s);
  if (n <= 0) BUG("put_page: page 0x" + (<u32>page).toString(16) + " already free");
  store<i32>(s, n - 1);
  if (n == 1) __free_frame(page);
}

// @ts-ignore: decorator
@inline export function page_address(page: usize): usize { return page; }
// @ts-ignore: decorator
@inline export function virt_to_page(addr: usize): usize { return addr & PAGE_MASK; }
// highmem does not exist here: mapping a page is naming it.
// @ts-ignore: decorator
@inline export function kmap(page: usize): usize { return page; }
// @ts-ignore: decorator
@inline export function kunmap(page: usize): void {}
// @ts-ignore: decorator
@inline export function kmap_atomic(page: usize, type: i32): usize { return page; }
// @ts-ignore: decorator
@inline export function kunmap_atomic(addr: usize, type: i32): void {}
export const KM_USER0: i32 = 3;
export const KM_USER1: i32 = 4;
export const KM_IRQ0: i32 = 9;
export const KM_IRQ1: i32 = 10;

// One frame with a use count of 1, contents undefined.
export function alloc_page(): usize {
  if (!free_list) refill();
  let p = free_list;
  free_list = load<usize>(p);
  nr_free_pages--;
  nr_used_pages++;
  store<i32>(count_slot(p), 1);
  return p;
}

export function get_zeroed_page(): usize {
  let p = alloc_page();
  memory.fill(p, 0, PAGE_SIZE);
  return p;
}

// Frees a frame whatever its count (__free_page for a page nobody else references).
export function free_page(p: usize): void {
  if (!p || (p & (PAGE_SIZE - 1))) BUG("free_page: bad page address");
  let s = count_slot(p);
  if (load<i32>(s) > 1) BUG("free_page: page 0x" + (<u32>p).toString(16) + " still referenced");
  store<i32>(s, 0);
  __free_frame(p);
}

function __free_frame(p: usize): void {
  store<usize>(p, free_list);
  free_list = p;
  nr_free_pages++;
  nr_used_pages--;
}

// Physically contiguous runs (task save areas, big kmallocs) come straight from the heap and
// are kept on size-keyed free lists by their users; see mm/slab.ts.
export function alloc_contig(bytes: usize): usize {
  let raw = heap.alloc(bytes + PAGE_SIZE);
  return (raw + PAGE_SIZE - 1) & PAGE_MASK;
}
