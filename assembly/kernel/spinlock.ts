// Spinlocks, rwlocks and their statistics.
//
// A lock word behaves as on i386; the second word of each lock indexes a debug record that
// names the lock's class (like lockdep's class key: one per kind of lock, e.g. "kioctx.ctx_lock"),
// its owner and the CPU that last held it. Statistics are kept per class, as /proc/lock_stat
// does: acquisitions, contended acquisitions, spin cycles, cache-line transfers between CPUs,
// longest hold. Acquiring is an interleave point, so two CPUs really contend.
import { spinlock_t, rwlock_t, RW_LOCK_BIAS } from "../include/linux/spinlock";
import { task_struct, MAX_HELD_LOCKS } from "../include/linux/sched";
import { this_cpu, current, charge, interleave, local_irq_disable, local_irq_enable,
         local_irq_save, local_irq_restore, nr_cpus } from "./cpu";
import { COST_LOCK, COST_LOCK_TRANSFER, COST_SPIN_ITER, cost } from "./profile";
import { BUG } from "./panic";

// ---- lock classes

// struct lock_class (simulator) — 64 bytes, kept in a table indexed by class id
// @ts-ignore: decorator
@unmanaged export class lock_class {
  name: usize;               // static string
  acquisitions: u64;
  contended: u64;
  spin_cycles: u64;
  transfers: u64;
  max_hold: u64;
  usage: u32;                // lockdep-lite usage bits (kernel/lockdep.ts)
  id: i32;
  deps: usize;               // lockdep-lite: classes taken while holding this one
}
export const MAX_LOCK_CLASSES: i32 = 128;
const classes = memory.data(MAX_LOCK_CLASSES * 64);
export let nr_lock_classes: i32 = 1;          // class 0 is "unregistered"

// @ts-ignore: decorator
@inline export function lock_class_of(id: i32): lock_class {
  return changetype<lock_class>(classes + (<usize>id << 6));
}

// Registers (or finds) the class named `name`. Called at init time only.
export function lock_class_register(name: string): i32 {
  for (let i = 1; i < nr_lock_classes; i++) {
    if (changetype<string>(lock_class_of(i).name) == name) return i;
  }
  if (nr_lock_classes >= MAX_LOCK_CLASSES) BUG("lock_class_register: too many lock classes");
  let id = nr_lock_classes++;
  let c = lock_class_of(id);
  c.name = changetype<usize>(name);
  c.id = id;
  return id;
}

// ---- per-lock debug records

// struct lock_dep (simulator) — 32 bytes
// @ts-ignore: decorator
@unmanaged export class lock_dep {
  addr: usize;
  cls: i32;
  owner: task_struct;
  owner_cpu: i32;
  last_cpu: i32;
  acquired_at: u64;
}
const MAX_LOCK_DEPS: i32 = 1 << 16;
let deps: usize = 0;
let nr_deps: i32 = 1;                         // record 0: "never initialised"
// Records are found again by lock address when a lock is re-initialised (slab reuse), so the
// table stays bounded by the number of distinct lock addresses. Open addressing on addr.
const HASH_BITS: i32 = 17;
let dep_hash: usize = 0;

// @ts-ignore: decorator
@inline export function lock_dep_of(idx: u32): lock_dep {
  return changetype<lock_dep>(deps + (<usize>idx << 5));
}

function dep_for(addr: usize, cls: i32): u32 {
  if (!deps) {
    deps = heap.alloc(<usize>MAX_LOCK_DEPS << 5);
    memory.fill(deps, 0, <usize>MAX_LOCK_DEPS << 5);
    dep_hash = heap.alloc(<usize>4 << HASH_BITS);
    memory.fill(dep_hash, 0, <usize>4 << HASH_BITS);
  }
  let mask: u32 = (1 << HASH_BITS) - 1;
  let h: u32 = (<u32>addr * 2654435761) >> (32 - HASH_BITS);
  let idx: u32 = 0;
  for (;;) {
    let slot = dep_hash + (<usize>h << 2);
    idx = load<u32>(slot);
    if (!idx) {
      if (nr_deps >= MAX_LOCK_DEPS) BUG("lock debug table full");
      idx = <u32>nr_deps;
      nr_deps++;
      store<u32>(slot, idx);
      lock_dep_of(idx).addr = addr;
      break;
    }
    if (lock_dep_of(idx).addr == addr) break;
    h = (h + 1) & mask;
  }
  let d = lock_dep_of(idx);
  d.cls = cls;
  d.owner = changetype<task_struct>(0);
  d.owner_cpu = -1;
  d.last_cpu = -1;
  return idx;
}

// ---- lockdep hooks (kernel/lockdep.ts installs the checker; these keep the held-lock stack)

export let lockdep_acquire_fn: u32 = 0;       // (dep index, kind) => void, 0 = checker off
export const LOCK_KIND_SPIN: i32 = 0;
export const LOCK_KIND_READ: i32 = 1;
export const LOCK_KIND_WRITE: i32 = 2;
export const LOCK_TRY: i32 = 8;               // or'ed into kind: a trylock, which never waits
export function set_lockdep_acquire(fn: u32): void { lockdep_acquire_fn = fn; }

// @ts-ignore: decorator
@inline function held_push(idx: u32, kind: i32): void {
  if (lockdep_acquire_fn) call_indirect<void>(lockdep_acquire_fn, idx, kind);
  let t = current;
  let n = t.lock_depth;
  if (n >= MAX_HELD_LOCKS) too_many_locks();
  store<u32>(t.held_locks + (<usize>n << 2), idx);
  t.lock_depth = n + 1;
}
function too_many_locks(): void { BUG("too many locks held"); }
// @ts-ignore: decorator
@inline function held_pop(idx: u32): void {
  let t = current;
  let n = t.lock_depth;
  // the usual case: the most recent lock is released first
  if (n > 0 && load<u32>(t.held_locks + (<usize>(n - 1) << 2)) == idx) t.lock_depth = n - 1;
  else held_pop_slow(t, idx);
}
function held_pop_slow(t: task_struct, idx: u32): void {
  let n = t.lock_depth;
  for (let i = n - 1; i >= 0; i--) {
    let p = t.held_locks + (<usize>i << 2);
    if (load<u32>(p) == idx) {
      // locks need not be released in order: close the gap
      for (let j = i; j < n - 1; j++) store<u32>(t.held_locks + (<usize>j << 2), load<u32>(t.held_locks + (<usize>(j + 1) << 2)));
      t.lock_depth = n - 1;
      return;
    }
  }
  BUG("releasing a lock that is not held");
}

// ---- spinlocks

export function spin_lock_init(lock: spinlock_t, cls: i32): void {
  lock.slock = 1;
  lock.dep = dep_for(changetype<usize>(lock), cls);
}

// @ts-ignore: decorator
@inline function check_dep(idx: u32): lock_dep {
  if (idx - 1 >= <u32>(nr_deps - 1)) lock_uninitialised();
  return lock_dep_of(idx);
}
function lock_uninitialised(): void { BUG("spinlock used before spin_lock_init"); }

// The class of the lock at addr if one was initialised there (spin_lock_init, rwlock_init),
// else 0. Lets reports name what a task sleeps on from a bare wait_queue_head_t address.
export function lock_class_at(addr: usize): i32 {
  if (!deps || !addr) return 0;
  let idx = load<u32>(addr, 4);
  if (idx == 0 || <i32>idx >= nr_deps) return 0;
  let d = lock_dep_of(idx);
  return d.addr == addr ? d.cls : 0;
}

// For BUG messages only (builds managed strings).
export function comm_of(t: task_struct): string {
  return String.UTF8.decodeUnsafe(t.comm, 16, true);
}
export function held_locks_text(t: task_struct): string {
  let s = "";
  for (let i = 0; i < t.lock_depth && i < MAX_HELD_LOCKS; i++) {
    let d = lock_dep_of(load<u32>(t.held_locks + (<usize>i << 2)));
    s += (i ? ", " : "") + changetype<string>(lock_class_of(d.cls).name);
  }
  return s;
}

// Records an acquisition that just succeeded: transfer cost if the line was on another CPU.
// @ts-ignore: decorator
@inline function acquired(d: lock_dep, cls: lock_class): void {
  let c = this_cpu;
  if (d.last_cpu >= 0 && d.last_cpu != c.id) {
    c.clock += cost(COST_LOCK_TRANSFER);
    cls.transfers++;
  }
  d.last_cpu = c.id;
  d.owner = current;
  d.owner_cpu = c.id;
  d.acquired_at = c.clock;
  cls.acquisitions++;
}

function bad_unlock(d: lock_dep, cls: lock_class): void {
  let o = d.owner;
  BUG("unlock of " + changetype<string>(cls.name) + " by a task that does not hold it (held by " +
      (changetype<usize>(o) ? comm_of(o) + "/" + o.pid.toString() + " on CPU " + d.owner_cpu.toString() : "nobody") + ")");
}
// @ts-ignore: decorator
@inline function released(d: lock_dep, cls: lock_class): void {
  if (d.owner !== current) bad_unlock(d, cls);
  let hold = this_cpu.clock - d.acquired_at;
  if (hold > cls.max_hold) cls.max_hold = hold;
  d.owner = changetype<task_struct>(0);
  d.owner_cpu = -1;
}

// The lock is held by someone else: spin (each iteration an interleave point) until it is free.
function spin_contended(lock: spinlock_t, d: lock_dep, cls: lock_class): void {
  if (d.owner_cpu == this_cpu.id)
    BUG("spinlock deadlock: " + changetype<string>(cls.name) + " already held on this CPU");
  if (nr_cpus == 1) BUG("spinlock deadlock on a one-CPU machine: " + changetype<string>(cls.name));
  // let lockdep see the order before we spin: a real deadlock is reported, not just spun on
  if (lockdep_acquire_fn) call_indirect<void>(lockdep_acquire_fn, lock.dep, LOCK_KIND_SPIN);
  cls.contended++;
  let start = this_cpu.clock;
  do {
    this_cpu.clock += cost(COST_SPIN_ITER);
    interleave();
  } while (lock.slock == 0);
  cls.spin_cycles += this_cpu.clock - start;
}

export function _raw_spin_lock(lock: spinlock_t): void {
  let d = check_dep(lock.dep);
  let cls = lock_class_of(d.cls);
  charge(COST_LOCK);
  interleave();
  if (lock.slock == 0) spin_contended(lock, d, cls);
  lock.slock = 0;
  acquired(d, cls);
  held_push(lock.dep, LOCK_KIND_SPIN);
}

function double_unlock(cls: lock_class): void { BUG("double unlock of spinlock " + changetype<string>(cls.name)); }
export function _raw_spin_unlock(lock: spinlock_t): void {
  let d = check_dep(lock.dep);
  let cls = lock_class_of(d.cls);
  if (lock.slock != 0) double_unlock(cls);
  released(d, cls);
  held_pop(lock.dep);
  lock.slock = 1;
}

export function spin_trylock(lock: spinlock_t): i32 {
  let d = check_dep(lock.dep);
  charge(COST_LOCK);
  interleave();
  if (lock.slock == 0) return 0;
  lock.slock = 0;
  acquired(d, lock_class_of(d.cls));
  held_push(lock.dep, LOCK_KIND_SPIN | LOCK_TRY);
  return 1;
}

export function spin_lock(lock: spinlock_t): void { _raw_spin_lock(lock); }
export function spin_unlock(lock: spinlock_t): void { _raw_spin_unlock(lock); }
export function spin_lock_irq(lock: spinlock_t): void { local_irq_disable(); _raw_spin_lock(lock); }
export function spin_unlock_irq(lock: spinlock_t): void { _raw_spin_unlock(lock); local_irq_enable(); }
export function spin_lock_irqsave(lock: spinlock_t): u32 {
  let flags = local_irq_save();
  _raw_spin_lock(lock);
  return flags;
}
export function spin_unlock_irqrestore(lock: spinlock_t, flags: u32): void {
  _raw_spin_unlock(lock);
  local_irq_restore(flags);
}
export function spin_is_locked(lock: spinlock_t): bool { return lock.slock == 0; }

// ---- rwlocks (readers share; a writer excludes all). Spinning like spinlocks.

export function rwlock_init(lock: rwlock_t, cls: i32): void {
  lock.lock = RW_LOCK_BIAS;
  lock.dep = dep_for(changetype<usize>(lock), cls);
}

export function read_lock(lock: rwlock_t): void {
  let d = check_dep(lock.dep);
  let cls = lock_class_of(d.cls);
  charge(COST_LOCK);
  interleave();
  if (lock.lock == 0 || lock.lock > RW_LOCK_BIAS) BUG("rwlock corrupted: " + changetype<string>(cls.name));
  if (lock.lock < 1) {
    if (nr_cpus == 1 || d.owner_cpu == this_cpu.id) BUG("rwlock deadlock: " + changetype<string>(cls.name));
    if (lockdep_acquire_fn) call_indirect<void>(lockdep_acquire_fn, lock.dep, LOCK_KIND_READ);
    cls.contended++;
    let start = this_cpu.clock;
    do {
      this_cpu.clock += cost(COST_SPIN_ITER);
      interleave();
    } while (lock.lock < 1);
    cls.spin_cycles += this_cpu.clock - start;
  }
  lock.lock--;
  let c = this_cpu;
  if (d.last_cpu >= 0 && d.last_cpu != c.id) { c.clock += cost(COST_LOCK_TRANSFER); cls.transfers++; }
  d.last_cpu = c.id;
  cls.acquisitions++;
  held_push(lock.dep, LOCK_KIND_READ);
}
export function read_unlock(lock: rwlock_t): void {
  if (lock.lock >= RW_LOCK_BIAS) BUG("read_unlock of an rwlock not read-held");
  held_pop(lock.dep);
  lock.lock++;
}
export function write_lock(lock: rwlock_t): void {
  let d = check_dep(lock.dep);
  let cls = lock_class_of(d.cls);
  charge(COST_LOCK);
  interleave();
  if (lock.lock != RW_LOCK_BIAS) {
    if (nr_cpus == 1 || d.owner_cpu == this_cpu.id) BUG("rwlock deadlock: " + changetype<string>(cls.name));
    if (lockdep_acquire_fn) call_indirect<void>(lockdep_acquire_fn, lock.dep, LOCK_KIND_WRITE);
    cls.contended++;
    let start = this_cpu.clock;
    do {
      this_cpu.clock += cost(COST_SPIN_ITER);
      interleave();
    } while (lock.lock != RW_LOCK_BIAS);
    cls.spin_cycles += this_cpu.clock - start;
  }
  lock.lock = 0;
  acquired(d, cls);
  held_push(lock.dep, LOCK_KIND_WRITE);
}
export function write_unlock(lock: rwlock_t): void {
  let d = check_dep(lock.dep);
  if (lock.lock != 0) BUG("write_unlock of an rwlock not write-held");
  released(d, lock_class_of(d.cls));
  held_pop(lock.dep);
  lock.lock = RW_LOCK_BIAS;
}
