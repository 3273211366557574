// Memory-management read-outs and controls: slab caches (names, sizes, live counts, leaks),
// slab debugging and fault injection, per-process address-space figures.
import { liftString } from "./loader.ts";
import type { Machine } from "./machine.ts";

export interface SlabCache {
  name: string;
  objsize: number;     // bytes per object
  active: number;      // live now
  allocs: number;      // successful allocations ever
  frees: number;
  failed: number;      // allocations refused by fault injection
  highWater: number;   // most live at once
}

interface SlabExports {
  slab_set_debug(on: number): void;
  slab_nr_caches(): number;
  slab_cache_at(i: number): number;
  slab_cache_name(c: number): number;
  slab_cache_objsize(c: number): number;
  slab_cache_active(c: number): number;
  slab_cache_allocs(c: number): number;
  slab_cache_frees(c: number): number;
  slab_cache_failed(c: number): number;
  slab_cache_high_water(c: number): number;
  slab_cache_snap(c: number): number;
  slab_snapshot(): void;
  slab_leaks(): number;
  slab_injected(): number;
  slab_fail_nth(name: number, len: number, n: number): number;
  slab_fail_random(name: number, len: number, seed: number, prob: number): number;
  mm_info(mm: number, field: number): number;
  task_mm(pid: number): number;
  mm_live(): number;
  scratch(): number;
  memory: WebAssembly.Memory;
}
const ex = (m: Machine) => m.ex as unknown as SlabExports;

export function slabCaches(m: Machine): SlabCache[] {
  const k = ex(m);
  const out: SlabCache[] = [];
  for (let i = 0; i < k.slab_nr_caches(); i++) {
    const c = k.slab_cache_at(i);
    out.push({
      name: liftString(k.memory, k.slab_cache_name(c) >>> 0), objsize: k.slab_cache_objsize(c) >>> 0,
      active: k.slab_cache_active(c), allocs: k.slab_cache_allocs(c), frees: k.slab_cache_frees(c),
      failed: k.slab_cache_failed(c), highWater: k.slab_cache_high_water(c),
    });
  }
  return out;
}

export function slabCache(m: Machine, name: string): SlabCache {
  const c = slabCaches(m).find((x) => x.name === name);
  if (!c) throw new Error(`slab: no cache named "${name}"`);
  return c;
}

// Debugging (poison, red zones) is on after boot; benchmarks may switch it off.
export function slabSetDebug(m: Machine, on: boolean): void { ex(m).slab_set_debug(on ? 1 : 0); }

// Records every cache's live count; slabLeaks then lists the caches whose count moved.
export function slabSnapshot(m: Machine): void { ex(m).slab_snapshot(); }
export function slabLeaks(m: Machine): { name: string; before: number; now: number }[] {
  const k = ex(m);
  const out: { name: string; before: number; now: number }[] = [];
  for (let i = 0; i < k.slab_nr_caches(); i++) {
    const c = k.slab_cache_at(i);
    const before = k.slab_cache_snap(c), now = k.slab_cache_active(c);
    if (before !== now) out.push({ name: liftString(k.memory, k.slab_cache_name(c) >>> 0), before, now });
  }
  return out;
}

function withName(m: Machine, cache: string | null, f: (ptr: number, len: number) => number): void {
  const k = ex(m);
  let len = 0;
  if (cache) {
    const bytes = new TextEncoder().encode(cache);
    if (bytes.length > 255) throw new Error("slab: cache name too long");
    new Uint8Array(k.memory.buffer, k.scratch(), bytes.length).set(bytes);
    len = bytes.length;
  }
  if (f(k.scratch(), len) < 0) throw new Error(`slab: no cache named "${cache}"`);
}

// The nth allocation from now (of `cache`, or of any cache when null) returns NULL. n = 0 disarms.
export function slabFailNth(m: Machine, cache: string | null, n: number): void {
  withName(m, cache, (p, l) => ex(m).slab_fail_nth(p, l, n));
}

// Each allocation (of `cache`, or any) fails with probability `p` (0..1), from a seeded PRNG.
export function slabFailRandom(m: Machine, cache: string | null, seed: number, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`slabFailRandom: probability must be in [0, 1], got ${p}`);
  const prob = Math.min(0xffff_ffff, Math.round(p * 2 ** 32)) >>> 0;
  withName(m, cache, (ptr, l) => ex(m).slab_fail_random(ptr, l, seed >>> 0, prob | 0));
}

export function slabInjected(m: Machine): number { return ex(m).slab_injected(); }

export interface MmInfo { users: number; count: number; mapCount: number; totalVm: number; rss: number; id: number; ioctxList: number }

// The address space of pid (null if it has none, e.g. it exited).
export function mmInfo(m: Machine, pid: number): MmInfo | null {
  const k = ex(m);
  const mm = k.task_mm(pid);
  if (!mm) return null;
  const f = (i: number) => k.mm_info(mm, i);
  return { users: f(0), count: f(1), mapCount: f(2), totalVm: f(3) >>> 0, rss: f(4) >>> 0, id: f(5), ioctxList: f(6) >>> 0 };
}

export function mmLive(m: Machine): number { return ex(m).mm_live(); }
