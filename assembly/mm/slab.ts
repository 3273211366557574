// The slab allocator: named caches of fixed-size objects carved from page_alloc pages, the
// kmalloc size classes "size-32" … "size-131072" over them, and the debugging 2.6.9 builds in
// with CONFIG_DEBUG_SLAB (poisoning of free objects, red zones around live ones), plus two
// things of ours: live/allocation counters the host reads, and fault injection.
//
// Deviations from mm/slab.c (2.6.9), see docs/port-map.md "mm": no per-CPU arrays, no slab
// lists (full/partial/free), no cache colouring, no shrinking — a cache is one LIFO free list
// plus a bump pointer into its newest slab, and slabs never go back to the page allocator.
// Debugging is a run-time switch (slab_set_debug) rather than a per-cache flag, and it costs no
// simulated cycles: a benchmark with debug on and off charges the same COST_SLAB.
//
// Every object, debug or not, is laid out as
//
//   0        4        8        12       16                     16+align4(size)
//   +--------+--------+--------+--------+----------- … --------+--------+
//   | cache  |  link  | owner  |  red1  |  object (objsize)    |  red2  |
//   +--------+--------+--------+--------+----------- … --------+--------+
//
// cache: the owning kmem_cache_t (so kfree finds it, and a free into the wrong cache is caught);
// link: the free-list link while free; owner: pid that allocated it (for BUG messages);
// red1/red2: red-zone words. The object itself is never touched by the allocator except for
// poisoning, so a free object keeps its poison intact and a stray write shows.
import { PAGE_SIZE, alloc_page, alloc_contig } from "./page_alloc";
import { BUG } from "../kernel/panic";
import { charge, current } from "../kernel/cpu";
import { COST_SLAB } from "../kernel/profile";

// kmem_cache_create flags (include/linux/slab.h values; SLAB_NOFAULT is ours)
export const SLAB_DEBUG_FREE: u32 = 0x00000100;
export const SLAB_RED_ZONE: u32 = 0x00000400;
export const SLAB_POISON: u32 = 0x00000800;
export const SLAB_HWCACHE_ALIGN: u32 = 0x00002000;
export const SLAB_PANIC: u32 = 0x00040000;
export const SLAB_NOFAULT: u32 = 0x80000000;   // ours: never a fault-injection target (callers that cannot fail)

// gfp flags (include/linux/gfp.h): accepted and ignored — nothing here sleeps
export const GFP_ATOMIC: u32 = 0x20;
export const GFP_KERNEL: u32 = 0xd0;

// Red-zone words (the 2.6.9 values) and poison bytes.
export const RED_INACTIVE: u32 = 0x5A2CF071;
export const RED_ACTIVE: u32 = 0x170FC2A5;
// Ours: states written while debugging is off; they say "no poison / no trailing red zone to check".
const RED_INACTIVE_NODBG: u32 = 0x5A2C0000;
const RED_ACTIVE_NODBG: u32 = 0x170F0000;
export const POISON_FREE: u8 = 0x6b;
export const POISON_END: u8 = 0xa5;

const OBJ_HDR: usize = 16;
const SLAB_MAGIC: u32 = 0x51ab51ab;

// struct kmem_cache (simulator) — not C-visible
// @ts-ignore: decorator
@unmanaged export class kmem_cache_t {
  magic: u32;
  name: usize;           // static string
  objsize: usize;        // bytes handed out
  stride: usize;         // bytes per object incl. header and trailing red zone
  red2: usize;           // offset of the trailing red zone from the object
  freelist: usize;       // first free object (its header), linked through `link`
  cur: usize;            // bump pointer in the newest slab
  end: usize;
  flags: u32;
  nr_active: i32;        // objects live now
  nr_allocs: i32;        // allocations ever (successful)
  nr_frees: i32;
  nr_failed: i32;        // allocations refused by fault injection
  nr_slabs: i32;         // slabs carved
  high_water: i32;       // most objects live at once
  snap_active: i32;      // nr_active at the last slab_snapshot()
  next: usize;           // all caches, in creation order
  index: i32;
}

export let cache_chain: usize = 0;
let cache_tail: usize = 0;
export let nr_caches: i32 = 0;

// Debugging on by default; the host may switch it off for benchmarks.
export let slab_debug: bool = true;

// @ts-ignore: decorator
@inline function align(x: usize, a: usize): usize { return (x + a - 1) & ~(a - 1); }

// @ts-ignore: decorator
@inline function cache_name(c: kmem_cache_t): string { return changetype<string>(c.name); }

function hex(v: usize): string { return "0x" + (<u32>v).toString(16); }

// Creates a cache of `size`-byte objects. Boot/init time only. mm/slab.c (2.6.9): kmem_cache_create
export function kmem_cache_create(name: string, size: usize, flags: u32 = 0): kmem_cache_t {
  let c = changetype<kmem_cache_t>(heap.alloc(offsetof<kmem_cache_t>()));
  memory.fill(changetype<usize>(c), 0, offsetof<kmem_cache_t>());
  c.magic = SLAB_MAGIC;
  c.name = changetype<usize>(name);
  c.objsize = size;
  c.red2 = align(size, 4);
  c.stride = align(OBJ_HDR + c.red2 + 4, 8);
  c.flags = flags;
  c.index = nr_caches++;
  if (cache_tail) changetype<kmem_cache_t>(cache_tail).next = changetype<usize>(c);
  else cache_chain = changetype<usize>(c);
  cache_tail = changetype<usize>(c);
  return c;
}

// ---- fault injection (ours): fail the nth allocation, or each with a seeded probability

let fault_nth: i32 = 0;            // countdown; 0 = off
let fault_nth_cache: usize = 0;    // 0 = any cache
let fault_prob: u32 = 0;           // chance per allocation, in 1/2^32; 0 = off
let fault_prob_cache: usize = 0;
let fault_rng: u32 = 1;
export let fault_armed: bool = false;
export let nr_injected: i32 = 0;

export function slab_fault_nth(cache: usize, n: i32): void {
  fault_nth = n > 0 ? n : 0;
  fault_nth_cache = cache;
  fault_armed = fault_nth > 0 || fault_prob > 0;
}
export function slab_fault_random(cache: usize, seed: u32, prob: u32): void {
  fault_prob = prob;
  fault_prob_cache = cache;
  fault_rng = seed ? seed : 0x9e3779b9;
  fault_armed = fault_nth > 0 || fault_prob > 0;
}

// xorshift32: deterministic, seeded by the host.
function next_rand(): u32 {
  let x = fault_rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  fault_rng = x;
  return x;
}

function should_fail(c: kmem_cache_t): bool {
  if (c.flags & SLAB_NOFAULT) return false;
  let fail = false;
  if (fault_nth > 0 && (!fault_nth_cache || fault_nth_cache == changetype<usize>(c))) {
    if (--fault_nth == 0) fail = true;
  }
  if (!fail && fault_prob && (!fault_prob_cache || fault_prob_cache == changetype<usize>(c))) {
    if (next_rand() < fault_prob) fail = true;
  }
  fault_armed = fault_nth > 0 || fault_prob > 0;
  if (fail) { c.nr_failed++; nr_injected++; }
  return fail;
}

// ---- debug checks

// A free object's body must still be all poison; names the first byte that is not.
function check_poison(c: kmem_cache_t, obj: usize): void {
  let n = c.objsize;
  if (!n) return;
  let last = n - 1;
  let i: usize = 0;
  while (i + 8 <= last && load<u64>(obj + i) == 0x6b6b6b6b6b6b6b6b) i += 8;
  for (; i < last; i++) if (load<u8>(obj + i) != POISON_FREE) break;
  if (i == last && load<u8>(obj + last) == POISON_END) return;
  BUG("slab " + cache_name(c) + ": use after free: object " + hex(obj) + " written at offset " +
      i.toString() + " (byte " + hex(load<u8>(obj + i)) + ") after kmem_cache_free");
}

function poison(c: kmem_cache_t, obj: usize): void {
  let n = c.objsize;
  if (!n) return;
  memory.fill(obj, POISON_FREE, n - 1);
  store<u8>(obj + n - 1, POISON_END);
}

// Checks the header of an object being freed; red1 is the word right before the object.
function check_free(c: kmem_cache_t, hdr: usize, obj: usize): void {
  let red1 = load<u32>(hdr, 12);
  if (red1 == RED_INACTIVE || red1 == RED_INACTIVE_NODBG)
    BUG("slab " + cache_name(c) + ": double free of object " + hex(obj));
  if (red1 != RED_ACTIVE && red1 != RED_ACTIVE_NODBG)
    BUG("slab " + cache_name(c) + ": red zone before object " + hex(obj) + " overwritten (" + hex(red1) + ")");
  let owner = load<usize>(hdr);
  if (owner != changetype<usize>(c)) {
    if (is_cache(owner))
      BUG("slab " + cache_name(c) + ": object " + hex(obj) + " belongs to cache " + cache_name(changetype<kmem_cache_t>(owner)));
    BUG("slab " + cache_name(c) + ": object header of " + hex(obj) + " overwritten");
  }
  if (red1 == RED_ACTIVE) {
    let red2 = load<u32>(obj + c.red2);
    if (red2 != RED_ACTIVE)
      BUG("slab " + cache_name(c) + ": red zone after object " + hex(obj) + " overwritten (" + hex(red2) +
          "): write past its " + c.objsize.toString() + " bytes");
  }
}

function is_cache(p: usize): bool {
  for (let q = cache_chain; q; q = changetype<kmem_cache_t>(q).next) if (q == p) return true;
  return false;
}

// ---- allocation

// A new slab: one page for small objects, a contiguous run for large ones.
function cache_grow(c: kmem_cache_t): void {
  let bytes: usize;
  if (c.stride <= PAGE_SIZE / 8) bytes = PAGE_SIZE;
  else if (c.stride <= 16384) bytes = align(c.stride * 8, PAGE_SIZE);
  else bytes = align(c.stride, PAGE_SIZE);
  let s = bytes == PAGE_SIZE ? alloc_page() : alloc_contig(bytes);
  c.cur = s;
  c.end = s + bytes;
  c.nr_slabs++;
}

// One object of c, or 0 (fault injection; 2.6.9 callers must handle NULL). mm/slab.c (2.6.9): kmem_cache_alloc
export function kmem_cache_alloc(c: kmem_cache_t, gfp: u32 = GFP_KERNEL): usize {
  charge(COST_SLAB);
  if (fault_armed && should_fail(c)) return 0;
  let hdr = c.freelist;
  let obj: usize;
  if (hdr) {
    c.freelist = load<usize>(hdr, 4);
    obj = hdr + OBJ_HDR;
    if (slab_debug) {
      let red1 = load<u32>(hdr, 12);
      if (red1 == RED_INACTIVE) {
        check_poison(c, obj);
        let red2 = load<u32>(obj + c.red2);
        if (red2 != RED_INACTIVE)
          BUG("slab " + cache_name(c) + ": red zone after free object " + hex(obj) + " overwritten (" + hex(red2) + ")");
      } else if (red1 != RED_INACTIVE_NODBG) {
        BUG("slab " + cache_name(c) + ": red zone before free object " + hex(obj) + " overwritten (" + hex(red1) + ")");
      }
    }
  } else {
    if (c.cur + c.stride > c.end) cache_grow(c);
    hdr = c.cur;
    c.cur += c.stride;
    obj = hdr + OBJ_HDR;
  }
  store<usize>(hdr, changetype<usize>(c));
  store<usize>(hdr, 0, 4);
  store<i32>(hdr, changetype<usize>(current) ? current.pid : -1, 8);
  if (slab_debug) {
    store<u32>(hdr, RED_ACTIVE, 12);
    store<u32>(obj + c.red2, RED_ACTIVE);
  } else {
    store<u32>(hdr, RED_ACTIVE_NODBG, 12);
  }
  c.nr_active++;
  c.nr_allocs++;
  if (c.nr_active > c.high_water) c.high_water = c.nr_active;
  return obj;
}

// Returns obj to c. mm/slab.c (2.6.9): kmem_cache_free
export function kmem_cache_free(c: kmem_cache_t, obj: usize): void {
  if (!obj) BUG("slab " + cache_name(c) + ": kmem_cache_free(NULL)");
  charge(COST_SLAB);
  let hdr = obj - OBJ_HDR;
  check_free(c, hdr, obj);
  if (slab_debug) {
    poison(c, obj);
    store<u32>(hdr, RED_INACTIVE, 12);
    store<u32>(obj + c.red2, RED_INACTIVE);
  } else {
    store<u32>(hdr, RED_INACTIVE_NODBG, 12);
  }
  store<usize>(hdr, c.freelist, 4);
  c.freelist = hdr;
  c.nr_active--;
  c.nr_frees++;
}

export function kmem_cache_zalloc(c: kmem_cache_t, gfp: u32 = GFP_KERNEL): usize {
  let p = kmem_cache_alloc(c, gfp);
  if (p) memory.fill(p, 0, c.objsize);
  return p;
}

// The object size of c (mm/slab.c (2.6.9): kmem_cache_size).
export function kmem_cache_size(c: kmem_cache_t): usize { return c.objsize; }

// ---- kmalloc: power-of-two general caches, as 2.6.9's malloc_sizes (without the DMA twins)

export const KMALLOC_MIN_SHIFT: i32 = 5;      // 32
export const KMALLOC_MAX_SHIFT: i32 = 17;     // 131072
const NR_KMALLOC: i32 = KMALLOC_MAX_SHIFT - KMALLOC_MIN_SHIFT + 1;
const malloc_sizes = memory.data(NR_KMALLOC * 4);

// Creates the size-N caches. mm/slab.c (2.6.9): kmem_cache_init
export function kmem_cache_init(): void {
  if (load<usize>(malloc_sizes)) return;
  const names: StaticArray<string> = [
    "size-32", "size-64", "size-128", "size-256", "size-512", "size-1024", "size-2048", "size-4096",
    "size-8192", "size-16384", "size-32768", "size-65536", "size-131072",
  ];
  for (let i = 0; i < NR_KMALLOC; i++) {
    let c = kmem_cache_create(names[i], <usize>1 << (i + KMALLOC_MIN_SHIFT), SLAB_HWCACHE_ALIGN);
    store<usize>(malloc_sizes + (<usize>i << 2), changetype<usize>(c));
  }
}

// The general cache that serves `size` bytes, or null when size is over 128 KiB.
export function kmalloc_cache(size: usize): kmem_cache_t {
  if (!load<usize>(malloc_sizes)) kmem_cache_init();
  if (size > (<usize>1 << KMALLOC_MAX_SHIFT)) return changetype<kmem_cache_t>(0);
  let shift = size <= 32 ? KMALLOC_MIN_SHIFT : 32 - <i32>clz(<u32>(size - 1));
  return changetype<kmem_cache_t>(load<usize>(malloc_sizes + (<usize>(shift - KMALLOC_MIN_SHIFT) << 2)));
}

// size bytes from the smallest general cache that holds them; 0 over 128 KiB or on injected
// failure. mm/slab.c (2.6.9): __kmalloc
export function kmalloc(size: usize, gfp: u32 = GFP_KERNEL): usize {
  let c = kmalloc_cache(size);
  if (!changetype<usize>(c)) return 0;
  return kmem_cache_alloc(c, gfp);
}

export function kzalloc(size: usize, gfp: u32 = GFP_KERNEL): usize {
  let p = kmalloc(size, gfp);
  if (p) memory.fill(p, 0, size);
  return p;
}

// Frees a kmalloc'ed object; kfree(0) does nothing. mm/slab.c (2.6.9): kfree
export function kfree(obj: usize): void {
  if (!obj) return;
  let owner = load<usize>(obj - OBJ_HDR);
  if (!is_cache(owner)) {
    let red1 = load<u32>(obj - OBJ_HDR, 12);
    if (red1 == RED_INACTIVE || red1 == RED_INACTIVE_NODBG) BUG("slab: kfree: double free of " + hex(obj));
    BUG("slab: kfree of " + hex(obj) + ", not a slab object (or its header was overwritten)");
  }
  kmem_cache_free(changetype<kmem_cache_t>(owner), obj);
}

// The usable size of a kmalloc'ed object (its cache's size).
export function ksize(obj: usize): usize {
  return changetype<kmem_cache_t>(load<usize>(obj - OBJ_HDR)).objsize;
}

// ---- read-outs and controls for the host (exported from index.ts)

export function slab_set_debug(on: bool): void { slab_debug = on; }

export function kmem_cache_find(name: string): kmem_cache_t {
  for (let q = cache_chain; q; q = changetype<kmem_cache_t>(q).next) {
    if (cache_name(changetype<kmem_cache_t>(q)) == name) return changetype<kmem_cache_t>(q);
  }
  return changetype<kmem_cache_t>(0);
}

export function slab_cache_at(i: i32): usize {
  let q = cache_chain;
  while (q && i-- > 0) q = changetype<kmem_cache_t>(q).next;
  return q;
}

// Records every cache's live count; slab_leaks() then counts caches whose count differs.
export function slab_snapshot(): void {
  for (let q = cache_chain; q; q = changetype<kmem_cache_t>(q).next) {
    let c = changetype<kmem_cache_t>(q);
    c.snap_active = c.nr_active;
  }
}
export function slab_leaks(): i32 {
  let n = 0;
  for (let q = cache_chain; q; q = changetype<kmem_cache_t>(q).next) {
    let c = changetype<kmem_cache_t>(q);
    if (c.nr_active != c.snap_active) n++;
  }
  return n;
}

// Host read-outs by cache address (slab_cache_at(i) for i < nr_caches).
export function slab_nr_caches(): i32 { return nr_caches; }
export function slab_cache_name(c: usize): usize { return changetype<kmem_cache_t>(c).name; }
export function slab_cache_objsize(c: usize): u32 { return <u32>changetype<kmem_cache_t>(c).objsize; }
export function slab_cache_active(c: usize): i32 { return changetype<kmem_cache_t>(c).nr_active; }
export function slab_cache_allocs(c: usize): i32 { return changetype<kmem_cache_t>(c).nr_allocs; }
export function slab_cache_frees(c: usize): i32 { return changetype<kmem_cache_t>(c).nr_frees; }
export function slab_cache_failed(c: usize): i32 { return changetype<kmem_cache_t>(c).nr_failed; }
export function slab_cache_high_water(c: usize): i32 { return changetype<kmem_cache_t>(c).high_water; }
export function slab_cache_snap(c: usize): i32 { return changetype<kmem_cache_t>(c).snap_active; }
export function slab_injected(): i32 { return nr_injected; }

// Fault injection from the host: the cache is named by `len` UTF-8 bytes at `name` (len 0: any
// cache). Returns 0, or -1 when no cache has that name.
function named_cache(name: usize, len: i32): usize {
  if (len <= 0) return 0;
  let c = kmem_cache_find(String.UTF8.decodeUnsafe(name, <usize>len));
  return changetype<usize>(c) ? changetype<usize>(c) : <usize>-1;
}
export function slab_fail_nth(name: usize, len: i32, n: i32): i32 {
  let c = named_cache(name, len);
  if (c == <usize>-1) return -1;
  slab_fault_nth(c, n);
  return 0;
}
export function slab_fail_random(name: usize, len: i32, seed: u32, prob: u32): i32 {
  let c = named_cache(name, len);
  if (c == <usize>-1) return -1;
  slab_fault_random(c, seed, prob);
  return 0;
}
