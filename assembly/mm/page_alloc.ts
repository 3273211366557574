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

// One frame, contents undefined.
export function alloc_page(): usize {
  if (!free_list) refill();
  let p = free_list;
  free_list = load<usize>(p);
  nr_free_pages--;
  nr_used_pages++;
  return p;
}

export function get_zeroed_page(): usize {
  let p = alloc_page();
  memory.fill(p, 0, PAGE_SIZE);
  return p;
}

export function free_page(p: usize): void {
  if (!p || (p & (PAGE_SIZE - 1))) BUG("free_page: bad page address");
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
