// Address spaces of tasks: mm_alloc / mmput / mmdrop, fork and clone (kernel/fork.c of 2.6.9),
// exit_mm (kernel/exit.c), use_mm / unuse_mm (fs/aio.c — they live here because any kernel
// thread may borrow an mm; fs/aio.ts calls them), and the mm half of context_switch.
//
// Two counts as in C: mm_users (tasks sharing the address space; the last mmput tears down
// areas and pages, after the exit_aio hook), mm_count (references to the struct itself: one
// for all the users together, one per lazy/borrowed holder, one per kioctx; the last mmdrop
// frees the page directory and the struct).
//
// Deviations (docs/port-map.md "mm"):
//  - fork copies every present page (no copy-on-write); MAP_SHARED pages are shared.
//  - No lazy-TLB hand-off between tasks: our scheduler gives a kernel thread no active_mm of
//    its own. The reference a task keeps on its active_mm once its mm is gone (after unuse_mm,
//    or in exit) is dropped when it next switches out (context_switch_mm), which 2.6.9 does
//    only when a task with an mm of its own runs on that CPU. Counts reach zero sooner; the
//    order of the drops is the same.
//  - The child of fork runs a host program the parent named (host/machine.ts: the syscall
//    request carries it); there is no return into a copy of the parent's user stack.
import { task_struct, mm_struct, PF_USER, PF_KTHREAD } from "../include/linux/sched";
import { TASK_SIZE, MMAP_MIN_GAP, VM_DONTCOPY, vm_area_struct } from "../include/linux/mm";
import { ENOMEM, EINVAL } from "../include/linux/errno";
import { current, this_cpu } from "./cpu";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free, SLAB_PANIC, SLAB_HWCACHE_ALIGN } from "../mm/slab";
import { pgd_alloc, pgd_free, copy_page_range } from "../mm/memory";
import { vm_area_cachep, vma_cache_init, exit_mmap, insert_vm_struct } from "../mm/mmap";
import { init_rwsem, down_write, up_write } from "./rwsem";
import { spin_lock_init, spin_lock, spin_unlock, rwlock_init, lock_class_register } from "./spinlock";
import { wake_up_new_task, free_task } from "./sched";
import * as sched from "./sched";
import { spawn_user } from "./entry";
import { BUG } from "./panic";

// ---- hook slots the upper layers fill at boot

export let exit_aio_fn: u32 = 0;        // (mm: mm_struct) => void — fs/aio.ts: exit_aio
export let copy_files_fn: u32 = 0;      // (clone_flags: u32, tsk: task_struct) => i32 — fs/file.ts: copy_files
export let exit_files_fn: u32 = 0;      // (tsk: task_struct) => void — fs/file.ts: exit_files
export function set_exit_aio(fn: u32): void { exit_aio_fn = fn; }
export function set_files_hooks(copy_fn: u32, exit_fn: u32): void { copy_files_fn = copy_fn; exit_files_fn = exit_fn; }

// clone flags (include/linux/sched.h)
export const CSIGNAL: u32 = 0x000000ff;
export const CLONE_VM: u32 = 0x00000100;
export const CLONE_FS: u32 = 0x00000200;
export const CLONE_FILES: u32 = 0x00000400;
export const CLONE_SIGHAND: u32 = 0x00000800;
export const CLONE_THREAD: u32 = 0x00010000;
export const SIGCHLD: u32 = 17;

let mm_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let mmap_sem_class: i32 = 0;
let ioctx_list_lock_class: i32 = 0;
let page_table_lock_class: i32 = 0;
let next_mm_id: i32 = 1;
export let nr_mm_live: i32 = 0;
export let nr_forks: i32 = 0;

// Where mmaps are placed from, top-down: below a 128 MiB stack gap under TASK_SIZE
// (arch/i386/mm/mmap.c (2.6.9): mmap_base with the default 8 MiB stack limit).
const MMAP_BASE: u32 = <u32>(TASK_SIZE - MMAP_MIN_GAP);

// Slab caches for mm_struct and vm_area_struct; boot. kernel/fork.c (2.6.9): proc_caches_init
export function proc_caches_init(): void {
  if (changetype<usize>(mm_cachep)) return;
  mm_cachep = kmem_cache_create("mm_struct", offsetof<mm_struct>(), SLAB_HWCACHE_ALIGN | SLAB_PANIC);
  vma_cache_init();
  mmap_sem_class = lock_class_register("mm_struct.mmap_sem");
  ioctx_list_lock_class = lock_class_register("mm_struct.ioctx_list_lock");
  page_table_lock_class = lock_class_register("mm_struct.page_table_lock");
  sched.exit_hook_fn = do_exit_hooks.index;
  sched.switch_mm_fn = context_switch_mm.index;
}

// Fills in a fresh mm: one user, one count, empty page directory. kernel/fork.c (2.6.9): mm_init
function mm_init(mm: mm_struct): mm_struct {
  memory.fill(changetype<usize>(mm), 0, offsetof<mm_struct>());
  mm.mm_users = 1;
  mm.mm_count = 1;
  init_rwsem(mm.mmap_sem, mmap_sem_class);
  rwlock_init(mm.ioctx_list_lock, ioctx_list_lock_class);
  spin_lock_init(mm.page_table_lock, page_table_lock_class);
  mm.ioctx_list = 0;
  mm.pgd = pgd_alloc();
  mm.mmap_base = MMAP_BASE;
  mm.free_area_cache = MMAP_BASE;
  mm.id = next_mm_id++;
  nr_mm_live++;
  return mm;
}

// A new empty address space, or null when out of memory. kernel/fork.c (2.6.9): mm_alloc
export function mm_alloc(): mm_struct {
  let mm = changetype<mm_struct>(kmem_cache_alloc(mm_cachep));
  if (!changetype<usize>(mm)) return mm;
  return mm_init(mm);
}

// Frees the struct once nothing refers to it. kernel/fork.c (2.6.9): __mmdrop
function __mmdrop(mm: mm_struct): void {
  if (mm.mm_users) BUG("__mmdrop: mm " + mm.id.toString() + " still has users");
  pgd_free(mm.pgd);
  mm.pgd = 0;
  nr_mm_live--;
  kmem_cache_free(mm_cachep, changetype<usize>(mm));
}

// Drops a reference on the struct. include/linux/sched.h (2.6.9): mmdrop
export function mmdrop(mm: mm_struct): void {
  if (mm.mm_count <= 0) BUG("mmdrop: mm " + mm.id.toString() + " count already zero");
  if (--mm.mm_count == 0) __mmdrop(mm);
}

// Drops a user of the address space; the last one runs exit_aio, unmaps everything and drops
// the users' struct reference. May sleep (exit_aio waits for I/O). kernel/fork.c (2.6.9): mmput
export function mmput(mm: mm_struct): void {
  if (mm.mm_users <= 0) BUG("mmput: mm " + mm.id.toString() + " has no users");
  if (--mm.mm_users == 0) {
    if (exit_aio_fn) call_indirect<void>(exit_aio_fn, changetype<usize>(mm));
    exit_mmap(mm);
    mmdrop(mm);
  }
}

// Takes a user reference for a caller that will use mm (0 if it is already going away).
export function get_task_mm(tsk: task_struct): mm_struct {
  spin_lock(tsk.alloc_lock);
  let mm = tsk.mm;
  if (changetype<usize>(mm)) {
    if (tsk.flags & PF_KTHREAD) mm = changetype<mm_struct>(0);
    else mm.mm_users++;
  }
  spin_unlock(tsk.alloc_lock);
  return mm;
}

// ---- use_mm / unuse_mm (fs/aio.c)

// A kernel thread takes on mm as its address space: user copies now reach mm. The previous
// active_mm's reference is dropped after task_lock. fs/aio.c (2.6.9): use_mm
export function use_mm(mm: mm_struct): void {
  let tsk = current;
  spin_lock(tsk.alloc_lock);
  let active_mm = tsk.active_mm;
  mm.mm_count++;
  tsk.mm = mm;
  tsk.active_mm = mm;
  spin_unlock(tsk.alloc_lock);
  if (changetype<usize>(active_mm)) mmdrop(active_mm);
}

// The kernel thread stops using mm; active_mm still names it (lazily) and keeps its reference.
// fs/aio.c (2.6.9): unuse_mm
export function unuse_mm(mm: mm_struct): void {
  let tsk = current;
  spin_lock(tsk.alloc_lock);
  tsk.mm = changetype<mm_struct>(0);
  spin_unlock(tsk.alloc_lock);
}

// The mm part of context_switch, called by schedule() with the runqueue lock held just before
// prev leaves the CPU: a task without an mm gives up the reference on its lazy active_mm.
// kernel/sched.c (2.6.9): context_switch / finish_task_switch (see the deviation above)
function context_switch_mm(prev: task_struct, next: task_struct): void {
  if (!changetype<usize>(prev.mm) && changetype<usize>(prev.active_mm)) {
    let oldmm = prev.active_mm;
    prev.active_mm = changetype<mm_struct>(0);
    mmdrop(oldmm);
  }
}

// ---- exit

// The exiting task lets go of its address space. kernel/exit.c (2.6.9): exit_mm
export function exit_mm(tsk: task_struct): void {
  let mm = tsk.mm;
  if (!changetype<usize>(mm)) return;
  if (tsk.flags & PF_KTHREAD) BUG("exit_mm: kernel thread exits between use_mm and unuse_mm");
  mm.mm_count++;                       // the lazy reference active_mm keeps until the switch
  if (mm !== tsk.active_mm) BUG("exit_mm: mm is not active_mm");
  spin_lock(tsk.alloc_lock);
  tsk.mm = changetype<mm_struct>(0);
  spin_unlock(tsk.alloc_lock);
  mmput(mm);
}

// The exit hook kernel/sched.ts's do_exit calls: address space first, then files, as do_exit.
function do_exit_hooks(t: task_struct): void {
  exit_mm(t);
  if (exit_files_fn) call_indirect<void>(exit_files_fn, changetype<usize>(t));
}

// ---- fork

// Copies oldmm's areas and pages into mm. kernel/fork.c (2.6.9): dup_mmap
function dup_mmap(mm: mm_struct, oldmm: mm_struct): i32 {
  down_write(oldmm.mmap_sem);
  let retval = 0;
  mm.mmap_base = oldmm.mmap_base;
  mm.free_area_cache = oldmm.free_area_cache;
  for (let p = oldmm.mmap; p; p = changetype<vm_area_struct>(p).vm_next) {
    let mpnt = changetype<vm_area_struct>(p);
    if (mpnt.vm_flags & VM_DONTCOPY) continue;
    let tmp = changetype<vm_area_struct>(kmem_cache_alloc(vm_area_cachep));
    if (!changetype<usize>(tmp)) { retval = -ENOMEM; break; }
    memory.copy(changetype<usize>(tmp), p, offsetof<vm_area_struct>());
    tmp.vm_mm = mm;
    tmp.vm_next = 0;
    insert_vm_struct(mm, tmp);
    mm.total_vm += <u32>((tmp.vm_end - tmp.vm_start) >> 12);
    retval = copy_page_range(mm, oldmm, tmp);
    if (retval) break;
  }
  up_write(oldmm.mmap_sem);
  return retval;
}

// The child's address space: the parent's shared (CLONE_VM) or a copy; the child's ioctx_list
// starts empty (AIO contexts are not inherited). kernel/fork.c (2.6.9): copy_mm
function copy_mm(clone_flags: u32, tsk: task_struct): i32 {
  let oldmm = current.mm;
  tsk.mm = changetype<mm_struct>(0);
  tsk.active_mm = changetype<mm_struct>(0);
  if (!changetype<usize>(oldmm)) return 0;
  if (clone_flags & CLONE_VM) {
    oldmm.mm_users++;
    tsk.mm = oldmm;
    tsk.active_mm = oldmm;
    return 0;
  }
  let mm = mm_alloc();
  if (!changetype<usize>(mm)) return -ENOMEM;
  let retval = dup_mmap(mm, oldmm);
  if (retval) { mmput(mm); return retval; }
  tsk.mm = mm;
  tsk.active_mm = mm;
  return 0;
}

// Creates a child of current running the host program the caller registered for it; returns
// its pid or -errno. kernel/fork.c (2.6.9): do_fork / copy_process (the parts that apply)
export function do_fork(clone_flags: u32): i32 {
  let parent = current;
  if (!(parent.flags & PF_USER)) return -EINVAL;
  if ((clone_flags & CLONE_THREAD) && !(clone_flags & CLONE_SIGHAND)) return -EINVAL;
  if ((clone_flags & CLONE_SIGHAND) && !(clone_flags & CLONE_VM)) return -EINVAL;
  let p = spawn_user("", parent.static_prio - 120, -1);
  memory.copy(p.comm, parent.comm, 16);
  p.cpus_allowed = parent.cpus_allowed;
  p.cpu = this_cpu.id;
  p.parent = changetype<usize>(parent);
  p.files = parent.files;
  if (clone_flags & CLONE_THREAD) p.tgid = parent.tgid;
  let retval = copy_mm(clone_flags, p);
  if (!retval && copy_files_fn) {
    retval = call_indirect<i32>(copy_files_fn, clone_flags, changetype<usize>(p));
    if (retval && changetype<usize>(p.mm)) { mmput(p.mm); p.mm = changetype<mm_struct>(0); p.active_mm = p.mm; }
  }
  if (retval) {
    p.files = 0;
    free_task(p);
    sched.nr_user_alive--;
    sched.nr_user_spawned--;
    return retval;
  }
  nr_forks++;
  wake_up_new_task(p);
  return p.pid;
}

// arch/i386/kernel/process.c (2.6.9): sys_fork
export function sys_fork(): i32 { return do_fork(SIGCHLD); }
// arch/i386/kernel/process.c (2.6.9): sys_clone (no new stack: the child runs its own program)
export function sys_clone(clone_flags: u32): i32 { return do_fork(clone_flags); }

// A user task's first address space (spawn). 0 or -ENOMEM.
export function mm_for_new_task(t: task_struct): i32 {
  let mm = mm_alloc();
  if (!changetype<usize>(mm)) return -ENOMEM;
  t.mm = mm;
  t.active_mm = mm;
  return 0;
}

// ---- host read-outs
export function task_ppid(pid: i32): i32 {
  let t = sched.find_task_by_pid(pid);
  if (!changetype<usize>(t) || !t.parent) return -1;
  return changetype<task_struct>(t.parent).pid;
}
export function task_mm(pid: i32): usize {
  let t = sched.find_task_by_pid(pid);
  return changetype<usize>(t) ? changetype<usize>(t.mm) : 0;
}
export function mm_info(mm: usize, field: i32): i32 {
  let m = changetype<mm_struct>(mm);
  switch (field) {
    case 0: return m.mm_users;
    case 1: return m.mm_count;
    case 2: return m.map_count;
    case 3: return <i32>m.total_vm;
    case 4: return <i32>m.rss;
    case 5: return m.id;
    case 6: return <i32>m.ioctx_list;
  }
  return -1;
}
export function mm_live(): i32 { return nr_mm_live; }
