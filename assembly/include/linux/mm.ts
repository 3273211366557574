// Virtual memory of a user process, i386 shape (include/linux/mm.h, include/asm-i386/pgtable*.h,
// include/asm-i386/mman.h of 2.6.9): vm_area_struct, vm_flags, the two-level page table's entry
// bits, mmap's PROT_/MAP_ values.
import { mm_struct } from "./sched";

export const TASK_SIZE: usize = 0xC0000000;              // user space ends at 3 GiB
export const TASK_UNMAPPED_BASE: usize = 0x40000000;     // bottom-up search starts here (TASK_SIZE/3)
export const MMAP_MIN_GAP: usize = 128 * 1024 * 1024;    // arch/i386/mm/mmap.c: stack gap floor
export const sysctl_max_map_count: i32 = 65536;

// Two-level page table: pgd (1024 entries) → page table (1024 ptes) → 4 KiB page.
export const PGDIR_SHIFT: i32 = 22;
export const PTRS_PER_PGD: usize = 1024;
export const PTRS_PER_PTE: usize = 1024;

// pte / pgd entry bits (include/asm-i386/pgtable.h)
export const _PAGE_PRESENT: u32 = 0x001;
export const _PAGE_RW: u32 = 0x002;
export const _PAGE_USER: u32 = 0x004;
export const _PAGE_ACCESSED: u32 = 0x020;
export const _PAGE_DIRTY: u32 = 0x040;
export const _PAGE_PROTNONE: u32 = 0x080;                 // not present, but a PROT_NONE page is there
export const _PAGE_TABLE: u32 = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

// vm_flags (include/linux/mm.h)
export const VM_READ: u32 = 0x00000001;
export const VM_WRITE: u32 = 0x00000002;
export const VM_EXEC: u32 = 0x00000004;
export const VM_SHARED: u32 = 0x00000008;
export const VM_MAYREAD: u32 = 0x00000010;
export const VM_MAYWRITE: u32 = 0x00000020;
export const VM_MAYEXEC: u32 = 0x00000040;
export const VM_MAYSHARE: u32 = 0x00000080;
export const VM_GROWSDOWN: u32 = 0x00000100;
export const VM_LOCKED: u32 = 0x00002000;
export const VM_IO: u32 = 0x00004000;
export const VM_DONTCOPY: u32 = 0x00020000;
export const VM_RESERVED: u32 = 0x00080000;

// mmap / mprotect (include/asm-i386/mman.h)
export const PROT_NONE: u32 = 0x0;
export const PROT_READ: u32 = 0x1;
export const PROT_WRITE: u32 = 0x2;
export const PROT_EXEC: u32 = 0x4;
export const PROT_SEM: u32 = 0x8;
export const PROT_GROWSDOWN: u32 = 0x01000000;
export const PROT_GROWSUP: u32 = 0x02000000;
export const MAP_SHARED: u32 = 0x01;
export const MAP_PRIVATE: u32 = 0x02;
export const MAP_TYPE: u32 = 0x0f;
export const MAP_FIXED: u32 = 0x10;
export const MAP_ANONYMOUS: u32 = 0x20;
export const MAP_GROWSDOWN: u32 = 0x0100;
export const MAP_DENYWRITE: u32 = 0x0800;
export const MAP_EXECUTABLE: u32 = 0x1000;
export const MAP_LOCKED: u32 = 0x2000;
export const MAP_NORESERVE: u32 = 0x4000;
export const MAP_POPULATE: u32 = 0x8000;

// handle_mm_fault results (include/linux/mm.h)
export const VM_FAULT_OOM: i32 = -1;
export const VM_FAULT_SIGBUS: i32 = 0;
export const VM_FAULT_MINOR: i32 = 1;
export const VM_FAULT_MAJOR: i32 = 2;

// @ts-ignore: decorator
@inline export function PAGE_ALIGN(x: usize): usize { return (x + 4095) & ~(<usize>4095); }

// A do_mmap result that is an error: the top 4095 values are -errno.
// @ts-ignore: decorator
@inline export function IS_ERR_VALUE(x: usize): bool { return x >= <usize>(-4095); }

// struct vm_area_struct (2.6.9 i386, leading subset) — 36 bytes
//   0 vm_mm   4 vm_start   8 vm_end   12 vm_next   16 vm_page_prot   20 vm_flags
//  24 vm_pgoff   28 vm_file   32 vm_private_data
// [vm_start, vm_end) is page aligned; the list hanging off mm->mmap is sorted by address.
// 2.6.9's rb-tree, anon_vma and shared-file links are left out (see docs/port-map.md "mm").
// @ts-ignore: decorator
@unmanaged export class vm_area_struct {
  vm_mm: mm_struct;
  vm_start: usize;
  vm_end: usize;
  vm_next: usize;
  vm_page_prot: u32;        // pte bits for pages of this area
  vm_flags: u32;
  vm_pgoff: usize;
  vm_file: usize;
  vm_private_data: usize;
}

// The pte protection bits a vma with these flags gives its pages (protection_map of i386:
// no execute bit, readable implies present|user, writable adds RW; private writes are not COW
// here — fork copies — so a private writable mapping gets RW directly).
export function vm_get_page_prot(flags: u32): u32 {
  if (!(flags & (VM_READ | VM_WRITE | VM_EXEC))) return 0;
  let p = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
  if (flags & VM_WRITE) p |= _PAGE_RW;
  return p;
}

// prot → vm_flags (include/linux/mman.h (2.6.9): calc_vm_prot_bits)
export function calc_vm_prot_bits(prot: u32): u32 {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}
// mmap flags → vm_flags (calc_vm_flag_bits)
export function calc_vm_flag_bits(flags: u32): u32 {
  return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0);
}
