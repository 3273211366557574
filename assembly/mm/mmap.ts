// Address-space areas (mm/mmap.c and mm/mprotect.c of 2.6.9, arch/i386/mm/mmap.c's top-down
// layout): find_vma, get_unmapped_area, do_mmap_pgoff, do_munmap, sys_mprotect, exit_mmap, and
// the mmap2/munmap/mprotect system calls.
//
// Deviations (docs/port-map.md "mm"): areas are a sorted singly linked list only (no rb-tree,
// no mmap_cache); adjacent areas are never merged (vma_merge), so map_count can exceed what
// 2.6.9 would show; only anonymous mappings exist (a file mapping gets -ENODEV, as a file
// without f_op->mmap does); MAP_LOCKED/MAP_POPULATE are accepted and change nothing.
import { mm_struct } from "../include/linux/sched";
import {
  vm_area_struct, TASK_SIZE, TASK_UNMAPPED_BASE, sysctl_max_map_count, PAGE_ALIGN,
  PROT_READ, PROT_WRITE, PROT_EXEC, PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP,
  MAP_SHARED, MAP_PRIVATE, MAP_TYPE, MAP_FIXED, MAP_ANONYMOUS, MAP_DENYWRITE, MAP_EXECUTABLE,
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE,
  VM_GROWSDOWN, calc_vm_prot_bits, calc_vm_flag_bits, vm_get_page_prot,
} from "../include/linux/mm";
import { EINVAL, ENOMEM, ENODEV, EBADF, EACCES } from "../include/linux/errno";
import { PAGE_SIZE, PAGE_MASK, PAGE_SHIFT } from "./page_alloc";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free, SLAB_PANIC } from "./slab";
import { zap_page_range, clear_page_tables, change_protection } from "./memory";
import { current } from "../kernel/cpu";
import { down_write, up_write } from "../kernel/rwsem";

export let vm_area_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);

// Called once at boot (from kernel/fork.ts proc_caches_init, as 2.6.9 creates it there).
export function vma_cache_init(): void {
  if (!changetype<usize>(vm_area_cachep))
    vm_area_cachep = kmem_cache_create("vm_area_struct", offsetof<vm_area_struct>(), SLAB_PANIC);
}

// @ts-ignore: decorator
@inline function VMA(p: usize): vm_area_struct { return changetype<vm_area_struct>(p); }
// @ts-ignore: decorator
@inline function ERR(e: i32): usize { return <usize>(-e); }

// The first area ending above addr, or null. mmap_sem held. mm/mmap.c (2.6.9): find_vma
export function find_vma(mm: mm_struct, addr: usize): vm_area_struct {
  for (let p = mm.mmap; p; p = VMA(p).vm_next) {
    if (VMA(p).vm_end > addr) return VMA(p);
  }
  return VMA(0);
}

// find_vma, also leaving the area before it in find_vma_prev_out (null if none).
// mm/mmap.c (2.6.9): find_vma_prev
export let find_vma_prev_out: usize = 0;
export function find_vma_prev(mm: mm_struct, addr: usize): vm_area_struct {
  let prev: usize = 0;
  for (let p = mm.mmap; p; p = VMA(p).vm_next) {
    if (VMA(p).vm_end > addr) { find_vma_prev_out = prev; return VMA(p); }
    prev = p;
  }
  find_vma_prev_out = prev;
  return VMA(0);
}

// Links vma into mm's sorted list. mmap_sem held for write. mm/mmap.c (2.6.9): __insert_vm_struct
function __insert_vm_struct(mm: mm_struct, vma: vm_area_struct): void {
  let prev: usize = 0;
  let p = mm.mmap;
  while (p && VMA(p).vm_start < vma.vm_start) { prev = p; p = VMA(p).vm_next; }
  vma.vm_next = p;
  if (prev) VMA(prev).vm_next = changetype<usize>(vma);
  else mm.mmap = changetype<usize>(vma);
  mm.map_count++;
}
export function insert_vm_struct(mm: mm_struct, vma: vm_area_struct): void { __insert_vm_struct(mm, vma); }

// ---- placement

// Lowest free hole of len bytes at or above free_area_cache. arch/i386/mm/mmap.c uses the generic
// mm/mmap.c (2.6.9): arch_get_unmapped_area
function arch_get_unmapped_area(mm: mm_struct, addr: usize, len: usize): usize {
  if (len > TASK_SIZE) return ERR(ENOMEM);
  if (addr) {
    addr = PAGE_ALIGN(addr);
    let vma = find_vma(mm, addr);
    if (TASK_SIZE - len >= addr && (!changetype<usize>(vma) || addr + len <= vma.vm_start)) return addr;
  }
  let start_addr: usize = <usize>mm.free_area_cache;
  addr = start_addr;
  for (;;) {
    let vma = find_vma(mm, addr);
    for (;;) {
      if (TASK_SIZE - len < addr) break;
      if (!changetype<usize>(vma) || addr + len <= vma.vm_start) {
        mm.free_area_cache = <u32>(addr + len);
        return addr;
      }
      addr = vma.vm_end;
      vma = VMA(vma.vm_next);
    }
    if (start_addr == <usize>TASK_UNMAPPED_BASE) return ERR(ENOMEM);
    start_addr = addr = <usize>TASK_UNMAPPED_BASE;   // one more pass from the bottom
  }
  return ERR(ENOMEM);
}

// Highest free hole of len bytes below free_area_cache (which starts at mmap_base), retried
// once from mmap_base, then the bottom-up search as a fallback.
// mm/mmap.c (2.6.9): arch_get_unmapped_area_topdown
function arch_get_unmapped_area_topdown(mm: mm_struct, addr0: usize, len: usize): usize {
  if (len > TASK_SIZE) return ERR(ENOMEM);
  let addr = addr0;
  if (mm.free_area_cache > mm.mmap_base) mm.free_area_cache = mm.mmap_base;
  if (addr) {
    addr = PAGE_ALIGN(addr);
    let vma = find_vma(mm, addr);
    if (TASK_SIZE - len >= addr && (!changetype<usize>(vma) || addr + len <= vma.vm_start)) return addr;
  }
  let first_time = true;
  for (;;) {
    if (<usize>mm.free_area_cache >= len) {
      addr = (<usize>mm.free_area_cache - len) & PAGE_MASK;
      for (;;) {
        let vma = find_vma_prev(mm, addr);
        let prev = find_vma_prev_out;
        if (!changetype<usize>(vma)) return addr;
        if (addr + len <= vma.vm_start && (!prev || addr >= VMA(prev).vm_end)) {
          mm.free_area_cache = <u32>addr;
          return addr;
        }
        if (<usize>mm.free_area_cache == vma.vm_end) mm.free_area_cache = <u32>vma.vm_start;
        addr = vma.vm_start - len;
        // (2.6.9 lets this reach address 0: a hole at the very bottom is used)
        if (len > vma.vm_start) break;
      }
    }
    if (!first_time) break;
    first_time = false;
    mm.free_area_cache = mm.mmap_base;
  }
  mm.free_area_cache = <u32>TASK_UNMAPPED_BASE;
  addr = arch_get_unmapped_area(mm, addr0, len);
  mm.free_area_cache = mm.mmap_base;
  return addr;
}

// Where a mapping of len bytes goes: addr itself for MAP_FIXED (checked), else the top-down
// search. mm/mmap.c (2.6.9): get_unmapped_area
export function get_unmapped_area(mm: mm_struct, file: usize, addr: usize, len: usize, pgoff: usize, flags: u32): usize {
  if (flags & MAP_FIXED) {
    if (addr > TASK_SIZE - len) return ERR(ENOMEM);
    if (addr & ~PAGE_MASK) return ERR(EINVAL);
    return addr;
  }
  return arch_get_unmapped_area_topdown(mm, addr, len);
}

// A freed area lets the top-down search start above it again. arch_unmap_area_topdown
function unmap_area(area: vm_area_struct): void {
  let mm = area.vm_mm;
  if (area.vm_end > mm.free_area_cache) mm.free_area_cache = <u32>area.vm_end;
}

// ---- mmap

// Maps len bytes of anonymous memory into current->mm; returns the address or -errno (test
// with IS_ERR_VALUE). Caller holds mmap_sem for write. mm/mmap.c (2.6.9): do_mmap_pgoff
export function do_mmap_pgoff(file: usize, addr: usize, len: usize, prot: u32, flags: u32, pgoff: usize): usize {
  let mm = current.mm;
  if (file) return ERR(ENODEV);          // no file here has an mmap method
  if (!len) return addr;
  len = PAGE_ALIGN(len);
  if (!len || len > TASK_SIZE) return ERR(EINVAL);
  if (pgoff + (len >> PAGE_SHIFT) < pgoff) return ERR(EINVAL);
  if (mm.map_count > sysctl_max_map_count) return ERR(ENOMEM);
  addr = get_unmapped_area(mm, file, addr, len, pgoff, flags);
  if (addr & ~PAGE_MASK) return addr;
  let vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  switch (flags & MAP_TYPE) {
    case MAP_SHARED: vm_flags |= VM_SHARED | VM_MAYSHARE; break;
    case MAP_PRIVATE: pgoff = addr >> PAGE_SHIFT; break;
    default: return ERR(EINVAL);
  }
  // A MAP_FIXED mapping replaces whatever was there.
  let vma = find_vma(mm, addr);
  if (changetype<usize>(vma) && vma.vm_start < addr + len) {
    if (do_munmap(mm, addr, len)) return ERR(ENOMEM);
  }
  vma = VMA(kmem_cache_alloc(vm_area_cachep));
  if (!changetype<usize>(vma)) return ERR(ENOMEM);
  memory.fill(changetype<usize>(vma), 0, offsetof<vm_area_struct>());
  vma.vm_mm = mm;
  vma.vm_start = addr;
  vma.vm_end = addr + len;
  vma.vm_flags = vm_flags;
  vma.vm_page_prot = vm_get_page_prot(vm_flags);
  vma.vm_pgoff = pgoff;
  __insert_vm_struct(mm, vma);
  mm.total_vm += <u32>(len >> PAGE_SHIFT);
  return addr;
}

// do_mmap with a byte offset. include/linux/mm.h (2.6.9): do_mmap
export function do_mmap(file: usize, addr: usize, len: usize, prot: u32, flag: u32, offset: usize): usize {
  if (PAGE_ALIGN(len) < len) return ERR(EINVAL);
  if (offset & ~PAGE_MASK) return ERR(EINVAL);
  return do_mmap_pgoff(file, addr, len, prot, flag, offset >> PAGE_SHIFT);
}

// ---- munmap

// Splits vma at addr into two areas; new_below puts the new one below. -ENOMEM when out of
// areas. mmap_sem held for write. mm/mmap.c (2.6.9): split_vma
export function split_vma(mm: mm_struct, vma: vm_area_struct, addr: usize, new_below: i32): i32 {
  if (mm.map_count >= sysctl_max_map_count) return -ENOMEM;
  let n = VMA(kmem_cache_alloc(vm_area_cachep));
  if (!changetype<usize>(n)) return -ENOMEM;
  memory.copy(changetype<usize>(n), changetype<usize>(vma), offsetof<vm_area_struct>());
  if (new_below) {
    n.vm_end = addr;
    vma.vm_start = addr;
    vma.vm_pgoff += (addr - n.vm_start) >> PAGE_SHIFT;
  } else {
    n.vm_start = addr;
    n.vm_pgoff += (addr - vma.vm_start) >> PAGE_SHIFT;
    vma.vm_end = addr;
  }
  __insert_vm_struct(mm, n);
  return 0;
}

// Removes the mappings in [start, start+len) of mm, splitting areas at the edges.
// mmap_sem held for write. mm/mmap.c (2.6.9): do_munmap
export function do_munmap(mm: mm_struct, start: usize, len: usize): i32 {
  if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start) return -EINVAL;
  len = PAGE_ALIGN(len);
  if (len == 0) return -EINVAL;
  let mpnt = find_vma_prev(mm, start);
  if (!changetype<usize>(mpnt)) return 0;
  let end = start + len;
  if (mpnt.vm_start >= end) return 0;
  if (start > mpnt.vm_start) {
    let e = split_vma(mm, mpnt, start, 0);
    if (e) return e;
  }
  let last = find_vma(mm, end);
  if (changetype<usize>(last) && end > last.vm_start) {
    let e = split_vma(mm, last, end, 1);
    if (e) return e;
  }
  // Detach every area inside [start, end), then unmap and free them.
  let prev: usize = 0;
  let p = mm.mmap;
  while (p && VMA(p).vm_end <= start) { prev = p; p = VMA(p).vm_next; }
  let detached: usize = 0;
  let tail: usize = 0;
  while (p && VMA(p).vm_start < end) {
    let next = VMA(p).vm_next;
    VMA(p).vm_next = 0;
    if (tail) VMA(tail).vm_next = p; else detached = p;
    tail = p;
    mm.map_count--;
    p = next;
  }
  if (prev) VMA(prev).vm_next = p; else mm.mmap = p;
  while (detached) {
    let v = VMA(detached);
    detached = v.vm_next;
    zap_page_range(v, v.vm_start, v.vm_end - v.vm_start);
    mm.total_vm -= <u32>((v.vm_end - v.vm_start) >> PAGE_SHIFT);
    unmap_area(v);
    kmem_cache_free(vm_area_cachep, changetype<usize>(v));
  }
  return 0;
}

// mm/mmap.c (2.6.9): sys_munmap
export function sys_munmap(addr: usize, len: usize): i32 {
  let mm = current.mm;
  down_write(mm.mmap_sem);
  let ret = do_munmap(mm, addr, len);
  up_write(mm.mmap_sem);
  return ret;
}

// arch/i386/kernel/sys_i386.c (2.6.9): sys_mmap2 (do_mmap2)
export function sys_mmap2(addr: usize, len: usize, prot: u32, flags: u32, fd: i32, pgoff: usize): i32 {
  flags &= ~(MAP_EXECUTABLE | MAP_DENYWRITE);
  if (!(flags & MAP_ANONYMOUS)) return fd < 0 ? -EBADF : -ENODEV;
  let mm = current.mm;
  down_write(mm.mmap_sem);
  let ret = do_mmap_pgoff(0, addr, len, prot, flags, pgoff);
  up_write(mm.mmap_sem);
  return <i32>ret;
}

// ---- mprotect

// Gives [start, end) of vma the flags newflags, splitting it as needed; returns 0 or -ENOMEM
// and leaves the area now covering [start, end) in mprotect_prev.
// mm/mprotect.c (2.6.9): mprotect_fixup
let mprotect_prev: usize = 0;
function mprotect_fixup(vma: vm_area_struct, start: usize, end: usize, newflags: u32): i32 {
  let mm = vma.vm_mm;
  if (newflags == vma.vm_flags) { mprotect_prev = changetype<usize>(vma); return 0; }
  if (start != vma.vm_start) {
    let e = split_vma(mm, vma, start, 1);
    if (e) return e;
  }
  if (end != vma.vm_end) {
    let e = split_vma(mm, vma, end, 0);
    if (e) return e;
  }
  vma.vm_flags = newflags;
  vma.vm_page_prot = vm_get_page_prot(newflags);
  change_protection(vma, start, end, vma.vm_page_prot);
  mprotect_prev = changetype<usize>(vma);
  return 0;
}

// mm/mprotect.c (2.6.9): sys_mprotect
export function sys_mprotect(start: usize, len: usize, prot: u32): i32 {
  let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if (start & ~PAGE_MASK) return -EINVAL;
  len = PAGE_ALIGN(len);
  let end = start + len;
  if (end < start) return -ENOMEM;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -EINVAL;
  if (end == start) return 0;
  let vm_flags = calc_vm_prot_bits(prot);
  let mm = current.mm;
  down_write(mm.mmap_sem);
  let error = mprotect_areas(mm, start, end, vm_flags, grows);
  up_write(mm.mmap_sem);
  return error;
}

// The body of sys_mprotect under mmap_sem (write): walk the areas covering [start, end).
function mprotect_areas(mm: mm_struct, start: usize, end: usize, vm_flags: u32, grows: u32): i32 {
  let vma = find_vma(mm, start);
  if (!changetype<usize>(vma)) return -ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    if (vma.vm_start >= end) return -ENOMEM;
    start = vma.vm_start;
    if (!(vma.vm_flags & VM_GROWSDOWN)) return -EINVAL;
  } else if (vma.vm_start > start) {
    return -ENOMEM;
  }
  let nstart = start;
  for (;;) {
    let newflags = vm_flags | (vma.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
    // A right the area may never have (its VM_MAY* bit clear) cannot be granted.
    if ((newflags & ~(newflags >> 4)) & 0xf) return -EACCES;
    let tmp = vma.vm_end;
    if (tmp > end) tmp = end;
    let error = mprotect_fixup(vma, nstart, tmp, newflags);
    if (error) return error;
    nstart = tmp;
    let prev = VMA(mprotect_prev);
    if (nstart < prev.vm_end) nstart = prev.vm_end;
    if (nstart >= end) return 0;
    vma = VMA(prev.vm_next);
    if (!changetype<usize>(vma) || vma.vm_start != nstart) return -ENOMEM;
  }
  return 0;
}

// ---- teardown

// Unmaps and frees every area and page table of mm; its last user is gone. mm/mmap.c (2.6.9): exit_mmap
export function exit_mmap(mm: mm_struct): void {
  let p = mm.mmap;
  mm.mmap = 0;
  while (p) {
    let v = VMA(p);
    p = v.vm_next;
    zap_page_range(v, v.vm_start, v.vm_end - v.vm_start);
    kmem_cache_free(vm_area_cachep, changetype<usize>(v));
  }
  clear_page_tables(mm);
  mm.map_count = 0;
  mm.total_vm = 0;
}
