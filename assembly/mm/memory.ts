// Page tables and anonymous page faults (mm/memory.c of 2.6.9, i386 two-level paging).
//
// mm->pgd is a page of 1024 entries; each present entry is a page table's frame | _PAGE_TABLE;
// each present pte is a page's frame | vma's protection bits. "Physical" frames are pages of
// wasm linear memory from mm/page_alloc.ts, so a pte's frame is directly usable as an address.
// Only anonymous memory exists: a page is allocated and zeroed on first touch
// (do_anonymous_page, charged COST_PAGE_FAULT), and there is no copy-on-write — fork copies
// every present page (kernel/fork.ts) — so a writable area's ptes are writable from the start.
import { mm_struct, task_struct } from "../include/linux/sched";
import {
  vm_area_struct, PGDIR_SHIFT, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, _PAGE_TABLE, _PAGE_DIRTY, _PAGE_PROTNONE,
  VM_READ, VM_WRITE, VM_MAYWRITE, VM_SHARED, VM_IO, VM_FAULT_MINOR, VM_FAULT_OOM, VM_FAULT_SIGBUS, TASK_SIZE,
} from "../include/linux/mm";
import { EFAULT, ENOMEM } from "../include/linux/errno";
import { PAGE_SIZE, PAGE_MASK, PAGE_SHIFT, get_zeroed_page, free_page, get_page, put_page } from "./page_alloc";
import { charge, charge_cycles } from "../kernel/cpu";
import { COST_PAGE_FAULT, COST_KERNEL_OP, COST_COPY_PER_KB, cost } from "../kernel/profile";
import { spin_lock, spin_unlock } from "../kernel/spinlock";
import { find_vma } from "./mmap";

export let nr_page_faults: u64 = 0;

// @ts-ignore: decorator
@inline function pgd_entry(mm: mm_struct, addr: usize): usize { return mm.pgd + ((addr >> PGDIR_SHIFT) << 2); }
// @ts-ignore: decorator
@inline function pte_index(addr: usize): usize { return (addr >> PAGE_SHIFT) & 1023; }

export function pgd_alloc(): usize { return get_zeroed_page(); }
export function pgd_free(pgd: usize): void { free_page(pgd); }

// The pte slot for addr, or 0 when no page table covers it. Needs no lock to read (as the MMU).
export function pte_offset(mm: mm_struct, addr: usize): usize {
  let pgd = load<u32>(pgd_entry(mm, addr));
  if (!(pgd & _PAGE_PRESENT)) return 0;
  return (<usize>pgd & PAGE_MASK) + (pte_index(addr) << 2);
}

// The pte slot for addr, allocating its page table. page_table_lock held.
// mm/memory.c (2.6.9): pte_alloc_map
function pte_alloc_map(mm: mm_struct, addr: usize): usize {
  let e = pgd_entry(mm, addr);
  let pgd = load<u32>(e);
  if (!(pgd & _PAGE_PRESENT)) {
    let pt = get_zeroed_page();
    pgd = <u32>pt | _PAGE_TABLE;
    store<u32>(e, pgd);
  }
  return (<usize>pgd & PAGE_MASK) + (pte_index(addr) << 2);
}

// The page mapped at address if present and (for write) writable, else 0.
// page_table_lock held (or no other CPU can run). mm/memory.c (2.6.9): follow_page
export function follow_page(mm: mm_struct, address: usize, write: i32): usize {
  let p = pte_offset(mm, address);
  if (!p) return 0;
  let pte = load<u32>(p);
  if (!(pte & _PAGE_PRESENT)) return 0;
  if (write && !(pte & _PAGE_RW)) return 0;
  return <usize>pte & PAGE_MASK;
}

// First touch of an anonymous page: a zeroed frame mapped with the vma's protection.
// page_table_lock held. mm/memory.c (2.6.9): do_anonymous_page
function do_anonymous_page(mm: mm_struct, vma: vm_area_struct, pte: usize, addr: usize, write_access: i32): i32 {
  charge(COST_PAGE_FAULT);
  let page = get_zeroed_page();
  let bits = vma.vm_page_prot;
  if (write_access) bits |= _PAGE_DIRTY;
  store<u32>(pte, <u32>page | bits);
  mm.rss++;
  nr_page_faults++;
  return VM_FAULT_MINOR;
}

// The fault proper, without taking page_table_lock: the caller holds it, or is the host
// touching a user page between two steps of a program (nothing else runs then).
export function __handle_mm_fault(mm: mm_struct, vma: vm_area_struct, address: usize, write_access: i32): i32 {
  if (write_access && !(vma.vm_flags & VM_WRITE)) return VM_FAULT_SIGBUS;
  if (!(vma.vm_flags & (VM_READ | VM_WRITE))) return VM_FAULT_SIGBUS;
  let pte = pte_alloc_map(mm, address);
  let v = load<u32>(pte);
  if (v & _PAGE_PROTNONE) return VM_FAULT_SIGBUS;
  if (v & _PAGE_PRESENT) {
    // Already there (another CPU faulted it in first): a spurious fault.
    if (write_access && !(v & _PAGE_RW)) return VM_FAULT_SIGBUS;
    if (write_access) store<u32>(pte, v | _PAGE_DIRTY);
    return VM_FAULT_MINOR;
  }
  return do_anonymous_page(mm, vma, pte, address & PAGE_MASK, write_access);
}

// Resolves a fault at address in vma: VM_FAULT_MINOR, or VM_FAULT_SIGBUS when the access is
// not allowed. Caller holds mmap_sem (read). mm/memory.c (2.6.9): handle_mm_fault
export function handle_mm_fault(mm: mm_struct, vma: vm_area_struct, address: usize, write_access: i32): i32 {
  spin_lock(mm.page_table_lock);
  let ret = __handle_mm_fault(mm, vma, address, write_access);
  spin_unlock(mm.page_table_lock);
  return ret;
}

// Faults in and takes a reference on len pages from start, storing them in pages[] (if
// pages) and their vmas in vmas[] (if vmas). Returns how many it got, or -EFAULT / -ENOMEM if
// the first one failed. Caller holds mm->mmap_sem. force lets a write through a VM_MAYWRITE
// area (ptrace). mm/memory.c (2.6.9): get_user_pages
export function get_user_pages(tsk: task_struct, mm: mm_struct, start: usize, len: i32, write: i32,
                               force: i32, pages: usize, vmas: usize): i32 {
  let i = 0;
  let flags = write ? (force ? VM_MAYWRITE : VM_WRITE) : (force ? VM_MAYWRITE | VM_READ : VM_READ);
  while (len > 0) {
    let vma = find_vma(mm, start);
    if (!changetype<usize>(vma) || start < vma.vm_start || (vma.vm_flags & VM_IO) || !(vma.vm_flags & flags))
      return i ? i : -EFAULT;
    do {
      spin_lock(mm.page_table_lock);
      let page: usize;
      while (!(page = follow_page(mm, start, write))) {
        spin_unlock(mm.page_table_lock);
        let r = handle_mm_fault(mm, vma, start, write);
        if (r == VM_FAULT_OOM) return i ? i : -ENOMEM;
        if (r == VM_FAULT_SIGBUS) return i ? i : -EFAULT;
        spin_lock(mm.page_table_lock);
      }
      if (pages) {
        get_page(page);
        store<usize>(pages + (<usize>i << 2), page);
      }
      if (vmas) store<usize>(vmas + (<usize>i << 2), changetype<usize>(vma));
      spin_unlock(mm.page_table_lock);
      i++;
      start += PAGE_SIZE;
      len--;
    } while (len > 0 && start < vma.vm_end);
  }
  return i;
}

// Unmaps [address, address+size) of vma: each present page loses the mapping's reference.
// page_table_lock is taken here. mm/memory.c (2.6.9): zap_page_range
export function zap_page_range(vma: vm_area_struct, address: usize, size: usize): void {
  let mm = vma.vm_mm;
  let end = address + size;
  spin_lock(mm.page_table_lock);
  let a = address;
  while (a < end) {
    let pgd = load<u32>(pgd_entry(mm, a));
    if (!(pgd & _PAGE_PRESENT)) {
      a = ((a >> PGDIR_SHIFT) + 1) << PGDIR_SHIFT;
      if (!a) break;
      continue;
    }
    let pte = (<usize>pgd & PAGE_MASK) + (pte_index(a) << 2);
    let v = load<u32>(pte);
    if (v & (_PAGE_PRESENT | _PAGE_PROTNONE)) {
      store<u32>(pte, 0);
      put_page(<usize>v & PAGE_MASK);
      mm.rss--;
      charge(COST_KERNEL_OP);
    }
    a += PAGE_SIZE;
  }
  spin_unlock(mm.page_table_lock);
}

// Frees every page table of mm (after all areas are gone). mm/memory.c (2.6.9): clear_page_tables
export function clear_page_tables(mm: mm_struct): void {
  for (let i: usize = 0; i < (TASK_SIZE >> PGDIR_SHIFT); i++) {
    let e = mm.pgd + (i << 2);
    let pgd = load<u32>(e);
    if (pgd & _PAGE_PRESENT) {
      free_page(<usize>pgd & PAGE_MASK);
      store<u32>(e, 0);
    }
  }
}

// Copies vma's present pages from src into dst, each into a fresh page (no copy-on-write;
// a MAP_SHARED area's pages are shared instead).
// Returns 0 or -ENOMEM. Caller holds both mmap_sems for write. mm/memory.c (2.6.9): copy_page_range
export function copy_page_range(dst: mm_struct, src: mm_struct, vma: vm_area_struct): i32 {
  for (let a = vma.vm_start; a < vma.vm_end; a += PAGE_SIZE) {
    let sp = pte_offset(src, a);
    if (!sp) {
      a = (((a >> PGDIR_SHIFT) + 1) << PGDIR_SHIFT) - PAGE_SIZE;
      continue;
    }
    let v = load<u32>(sp);
    if (!(v & (_PAGE_PRESENT | _PAGE_PROTNONE))) continue;
    spin_lock(dst.page_table_lock);
    let dp = pte_alloc_map(dst, a);
    let page: usize;
    if (vma.vm_flags & VM_SHARED) {
      page = <usize>v & PAGE_MASK;          // MAP_SHARED: both processes see the same page
      get_page(page);
      charge(COST_KERNEL_OP);
    } else {
      page = get_zeroed_page();
      memory.copy(page, <usize>v & PAGE_MASK, PAGE_SIZE);
      charge_cycles(cost(COST_COPY_PER_KB) * (PAGE_SIZE >> 10));
    }
    store<u32>(dp, <u32>page | (v & ~(<u32>PAGE_MASK)));
    dst.rss++;
    spin_unlock(dst.page_table_lock);
  }
  return 0;
}

// Rewrites the protection of vma's present ptes in [start, end). mmap_sem held for write.
// mm/mprotect.c (2.6.9): change_protection
export function change_protection(vma: vm_area_struct, start: usize, end: usize, newprot: u32): void {
  let mm = vma.vm_mm;
  spin_lock(mm.page_table_lock);
  for (let a = start; a < end; a += PAGE_SIZE) {
    let p = pte_offset(mm, a);
    if (!p) continue;
    let v = load<u32>(p);
    if (!(v & (_PAGE_PRESENT | _PAGE_PROTNONE))) continue;
    if (!(newprot & _PAGE_PRESENT)) {
      // PROT_NONE: the page stays allocated but unreachable, as i386 marks it.
      store<u32>(p, (v & (<u32>PAGE_MASK | _PAGE_DIRTY)) | _PAGE_PROTNONE);
    } else {
      store<u32>(p, (v & (<u32>PAGE_MASK | _PAGE_DIRTY)) | newprot);
    }
    charge(COST_KERNEL_OP);
  }
  spin_unlock(mm.page_table_lock);
}
