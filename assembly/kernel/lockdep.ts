// lockdep-lite: lock-order and irq-safety checking over lock classes, and might_sleep().
//
// 2.6.9 had no lockdep (it arrived in 2.6.18, and it is what found aio_kick_handler's
// inversion, kernel-aio.md §4 B4). This is a small version of its two graph rules, run on
// every acquisition while switched on:
//   - order: taking class N while holding class H records the edge H→N. If a path N→…→H is
//     already known, the new edge closes a cycle: two CPUs (or a CPU and an interrupt) can
//     deadlock, and we report it with the sites of both orders.
//   - irq safety: a class taken in hard-interrupt context (irq-safe) must never be held with
//     interrupts on (irq-unsafe), neither directly nor through a chain safe→…→unsafe, because
//     an interrupt arriving on the CPU that holds the unsafe end would spin forever. The same
//     for softirqs. A class's usage bits remember how it has been taken.
// Reports are collected in a bounded list the host reads; lockdep_set_bug(1) makes each new
// report a BUG instead. Each report pair (kind, classes) is reported once.
//
// "Site": wasm has no return address, so a site is a snapshot of who took the lock and how:
// task (pid, comm), CPU, jiffies, the system call in progress, the irq context, the class being
// taken, the classes already held (bottom first), and an optional name set just before the
// acquisition with lockdep_site("aio_kick_handler"). Sites are stored only for what lockdep
// keeps: the first acquisition of each edge, the first use of each usage bit, each report.
//
// Held-lock context: an interrupt runs nested in whatever task was running and pushes its locks
// on that task's held-lock stack (kernel/spinlock.ts). A task cannot leave its CPU while it
// holds a spinlock, so a per-CPU array parallel to the held stack remembers in which context
// (process, softirq, hardirq) and mode each held lock was taken; only locks taken in the same
// context as the new one give it dependencies, as lockdep splits its chains at irq entry.
import { task_struct, MAX_HELD_LOCKS, PF_USER } from "../include/linux/sched";
import { this_cpu, current, in_task, NR_CPUS } from "./cpu";
import * as cpu from "./cpu";
import {
  lock_class, lock_class_of, lock_dep_of, nr_lock_classes, MAX_LOCK_CLASSES, LOCK_KIND_READ,
  LOCK_TRY, set_lockdep_acquire,
} from "./spinlock";
import { jiffies } from "./timer";
import { BUG } from "./panic";

// ---- usage bits (lock_class.usage): how a class has been taken

export const LU_USED_IN_HARDIRQ: u32 = 1 << 0;
export const LU_USED_IN_HARDIRQ_READ: u32 = 1 << 1;
export const LU_USED_IN_SOFTIRQ: u32 = 1 << 2;
export const LU_USED_IN_SOFTIRQ_READ: u32 = 1 << 3;
export const LU_ENABLED_HARDIRQ: u32 = 1 << 4;       // held with hard interrupts enabled
export const LU_ENABLED_HARDIRQ_READ: u32 = 1 << 5;
export const LU_ENABLED_SOFTIRQ: u32 = 1 << 6;       // held where a softirq could run
export const LU_ENABLED_SOFTIRQ_READ: u32 = 1 << 7;
const NR_USAGE_BITS: i32 = 8;
// bit = (enabled ? 4 : 0) + irq * 2 + read, irq 0 hard, 1 soft
const IRQ_HARD: i32 = 0;
const IRQ_SOFT: i32 = 1;
// @ts-ignore: decorator
@inline function used_mask(irq: i32): u32 { return <u32>3 << (irq << 1); }
// @ts-ignore: decorator
@inline function enabled_mask(irq: i32): u32 { return <u32>3 << (4 + (irq << 1)); }

// Execution contexts of a held lock, kept in the per-CPU slot array (low 2 bits), bit 2 = read.
const CTX_PROCESS: u32 = 0;
const CTX_SOFTIRQ: u32 = 1;
const CTX_HARDIRQ: u32 = 2;
const SLOT_READ: u32 = 4;

// ---- report kinds

export const LD_ORDER_INVERSION: i32 = 1;   // first→…→second recorded; now second held, taking first
export const LD_IRQ_INCONSISTENT: i32 = 2;  // one class both irq-safe and irq-unsafe
export const LD_IRQ_SAFE_UNSAFE: i32 = 3;   // irq-safe first →…→ irq-unsafe second
export const LD_RECURSIVE: i32 = 4;         // a class taken again while held (same context)
export const LD_SLEEP_IN_ATOMIC: i32 = 5;   // might_sleep() with a lock held, irqs off or in irq

// ---- sites
//
// struct lockdep site (simulator) — 96 bytes
//   0 pid   4 cpu   8 jiffies   12 syscall_nr   16 comm[16]   32 ctx (bits 0-1 context,
//   bit 4 irqs off, bit 5 read)   36 name (static string or 0)   40 cls (being taken, or 0)
//  44 nheld   48 held[12] (class ids, bottom first)
export const SITE_SIZE: usize = 96;
export const SITE_MAX_HELD: i32 = 12;
const MAX_SITES: i32 = 4096;
let sites: usize = 0;
let nr_sites: i32 = 1;                 // site 0: "unknown" (table full)

// ---- reports
//
// struct lockdep report (simulator) — 80 bytes, i32 words
//   0 kind   4 irq (0 hard, 1 soft; -1 n/a)   8 first class   12 second class
//  16 site1  20 site2  24 site3 (now)   28 nchain   32 chain[8] (class ids)   64 key   68..80 pad
// ORDER_INVERSION: site1 = first acquisition of the edge first→chain[1]; site2 = site3 = now.
// IRQ_INCONSISTENT: site1 = first use in irq, site2 = first hold with irqs on.
// IRQ_SAFE_UNSAFE: site1 = first use of `first` in irq, site2 = first hold of `second` with
//   irqs on, site3 = the acquisition that completed the chain (chain = first … second).
// RECURSIVE: first = second = the class; site3 = now (its held list shows the earlier one).
// SLEEP_IN_ATOMIC: first = innermost held class (0 if none); site3 = now, its name the caller's.
export const REPORT_SIZE: usize = 80;
export const REPORT_CHAIN: i32 = 8;
export const MAX_REPORTS: i32 = 64;
let reports: usize = 0;
export let nr_reports: i32 = 0;        // stored
export let nr_reports_total: i32 = 0;  // found, including those past MAX_REPORTS
export let lockdep_bug: i32 = 0;       // 1: every new report BUGs
export let lockdep_enabled: i32 = 0;

// ---- the dependency graph: forward and backward adjacency bitsets, first-acquisition sites

const ROW_WORDS: i32 = MAX_LOCK_CLASSES >> 5;
let fwd: usize = 0;                    // u32[MAX_LOCK_CLASSES][ROW_WORDS]: a→b
let bwd: usize = 0;                    // the same transposed: b←a
let edge_site: usize = 0;              // u32[MAX_LOCK_CLASSES * MAX_LOCK_CLASSES]
let usage_site: usize = 0;             // u32[MAX_LOCK_CLASSES * NR_USAGE_BITS]
export let nr_edges: i32 = 0;
// per-CPU context of each held-lock slot (u8[NR_CPUS][MAX_HELD_LOCKS])
const slot_ctx = memory.data(NR_CPUS * MAX_HELD_LOCKS);
// per-CPU pending site name from lockdep_site(), valid for the irq nesting it was set in
const pending_name = memory.data(NR_CPUS * 4);
const pending_nest = memory.data(NR_CPUS * 4);

// breadth-first search scratch
const bfs_parent = memory.data(MAX_LOCK_CLASSES * 4);
const bfs_queue = memory.data(MAX_LOCK_CLASSES * 4);
const bfs_seen = memory.data(MAX_LOCK_CLASSES >> 3);
const path_buf = memory.data(MAX_LOCK_CLASSES * 4);
const chain_buf = memory.data(REPORT_CHAIN * 4 * 2);

function tables_init(): void {
  if (sites) return;
  sites = heap.alloc(<usize>MAX_SITES * SITE_SIZE);
  memory.fill(sites, 0, SITE_SIZE);
  reports = heap.alloc(<usize>MAX_REPORTS * REPORT_SIZE);
  let rows = <usize>MAX_LOCK_CLASSES * <usize>ROW_WORDS * 4;
  fwd = heap.alloc(rows);
  memory.fill(fwd, 0, rows);
  bwd = heap.alloc(rows);
  memory.fill(bwd, 0, rows);
  let es = <usize>MAX_LOCK_CLASSES * <usize>MAX_LOCK_CLASSES * 4;
  edge_site = heap.alloc(es);
  memory.fill(edge_site, 0, es);
  let us = <usize>MAX_LOCK_CLASSES * <usize>NR_USAGE_BITS * 4;
  usage_site = heap.alloc(us);
  memory.fill(usage_site, 0, us);
}

// @ts-ignore: decorator
@inline function has_edge(a: i32, b: i32): bool {
  return (load<u32>(fwd + ((<usize>a * <usize>ROW_WORDS + <usize>(b >> 5)) << 2)) & (1 << (b & 31))) != 0;
}
function set_edge(a: i32, b: i32): void {
  let p = fwd + ((<usize>a * <usize>ROW_WORDS + <usize>(b >> 5)) << 2);
  store<u32>(p, load<u32>(p) | (1 << (b & 31)));
  p = bwd + ((<usize>b * <usize>ROW_WORDS + <usize>(a >> 5)) << 2);
  store<u32>(p, load<u32>(p) | (1 << (a & 31)));
  nr_edges++;
}

// ---- sites

export function site_ptr(s: u32): usize { return sites + <usize>s * SITE_SIZE; }

function cur_ctx(): u32 {
  let c = this_cpu;
  return c.in_irq ? CTX_HARDIRQ : c.in_softirq ? CTX_SOFTIRQ : CTX_PROCESS;
}
// @ts-ignore: decorator
@inline function nest_key(): i32 { return (this_cpu.in_irq << 16) | this_cpu.in_softirq; }

// Names the next acquisition on this CPU (in the same irq nesting) for lockdep's reports.
export function lockdep_site(name: string): void {
  if (!lockdep_enabled) return;
  let o = <usize>this_cpu.id << 2;
  store<usize>(pending_name + o, changetype<usize>(name));
  store<i32>(pending_nest + o, nest_key());
}

function take_pending_name(): usize {
  let o = <usize>this_cpu.id << 2;
  let n = load<usize>(pending_name + o);
  if (!n) return 0;
  if (load<i32>(pending_nest + o) != nest_key()) return 0;
  store<usize>(pending_name + o, 0);
  return n;
}

// Snapshot of the acquisition in progress (or of a might_sleep call): cls is being taken.
function site_capture(cls: i32, read: bool, name: usize): u32 {
  tables_init();
  if (nr_sites >= MAX_SITES) return 0;
  let s = <u32>nr_sites;
  nr_sites++;
  let p = site_ptr(s);
  let t = current;
  let c = this_cpu;
  store<i32>(p, t.pid);
  store<i32>(p, c.id, 4);
  store<u32>(p, jiffies, 8);
  store<i32>(p, (t.flags & PF_USER) ? t.syscall_nr : -1, 12);
  memory.copy(p + 16, t.comm, 16);
  store<u32>(p, cur_ctx() | (c.irqs_off ? 16 : 0) | (read ? 32 : 0), 32);
  store<usize>(p, name, 36);
  store<i32>(p, cls, 40);
  let n = t.lock_depth < SITE_MAX_HELD ? t.lock_depth : SITE_MAX_HELD;
  store<i32>(p, n, 44);
  for (let i = 0; i < n; i++) {
    let idx = load<u32>(t.held_locks + (<usize>i << 2));
    store<i32>(p + 48 + (<usize>i << 2), lock_dep_of(idx).cls);
  }
  return s;
}

// The acquisition being checked; its site is captured on first need only.
let now_cls: i32 = 0;
let now_read: bool = false;
let now_name: usize = 0;
let now_site: u32 = 0;
let now_has_site: bool = false;
function site_now(): u32 {
  if (!now_has_site) {
    now_site = site_capture(now_cls, now_read, now_name);
    now_has_site = true;
  }
  return now_site;
}

// ---- reports

export function report_ptr(i: i32): usize { return reports + <usize>i * REPORT_SIZE; }

function class_name(id: i32): string {
  if (id <= 0) return "(none)";
  return changetype<string>(lock_class_of(id).name);
}

function site_text(s: u32): string {
  if (!s) return "(site unknown)";
  let p = site_ptr(s);
  let comm = String.UTF8.decodeUnsafe(p + 16, 16, true);
  let r = comm + "/" + load<i32>(p).toString() + " CPU " + load<i32>(p, 4).toString() +
          " jiffies " + load<u32>(p, 8).toString();
  let ctx = load<u32>(p, 32) & 3;
  r += ctx == CTX_HARDIRQ ? " in hardirq" : ctx == CTX_SOFTIRQ ? " in softirq" : "";
  if (load<i32>(p, 12) >= 0) r += " syscall " + load<i32>(p, 12).toString();
  let name = load<usize>(p, 36);
  if (name) r += " at " + changetype<string>(name);
  let n = load<i32>(p, 44);
  if (n) {
    r += " holding";
    for (let i = 0; i < n; i++) r += " " + class_name(load<i32>(p + 48 + (<usize>i << 2)));
  }
  return r;
}

function chain_text(p: usize): string {
  let n = load<i32>(p, 28);
  if (n < 3) return "";
  let r = " (chain";
  for (let i = 0; i < n && i < REPORT_CHAIN; i++) r += (i ? " -> " : " ") + class_name(load<i32>(p + 32 + (<usize>i << 2)));
  return r + (n > REPORT_CHAIN ? " ...)" : ")");
}

function report_text(p: usize): string {
  let kind = load<i32>(p);
  let a = class_name(load<i32>(p, 8)), b = class_name(load<i32>(p, 12));
  let irq = load<i32>(p, 4) == IRQ_SOFT ? "softirq" : "hardirq";
  let s1 = site_text(load<u32>(p, 16)), s2 = site_text(load<u32>(p, 20)), s3 = site_text(load<u32>(p, 24));
  if (kind == LD_ORDER_INVERSION)
    return "lockdep: lock order inversion: " + a + " -> " + b + chain_text(p) + " first taken by " + s1 +
           "; now " + b + " held taking " + a + " by " + s3;
  if (kind == LD_IRQ_INCONSISTENT)
    return "lockdep: inconsistent " + irq + " use of " + a + ": taken in " + irq + " by " + s1 +
           "; held with " + irq + "s enabled by " + s2;
  if (kind == LD_IRQ_SAFE_UNSAFE)
    return "lockdep: " + irq + "-safe " + a + " -> " + irq + "-unsafe " + b + chain_text(p) + ": " + a + " taken in " +
           irq + " by " + s1 + "; " + b + " held with " + irq + "s enabled by " + s2 + "; chain completed by " + s3;
  if (kind == LD_RECURSIVE) return "lockdep: recursive locking of " + a + " by " + s3;
  return "lockdep: sleeping function called from atomic context by " + s3;
}

// Records a report unless the same (kind, irq, first, second, key) was reported before.
function report(kind: i32, irq: i32, first: i32, second: i32, s1: u32, s2: u32, s3: u32,
                chain: usize, nchain: i32, key: u32): void {
  tables_init();
  for (let i = 0; i < nr_reports; i++) {
    let q = report_ptr(i);
    if (load<i32>(q) == kind && load<i32>(q, 4) == irq && load<i32>(q, 8) == first &&
        load<i32>(q, 12) == second && load<u32>(q, 64) == key) return;
  }
  nr_reports_total++;
  if (nr_reports >= MAX_REPORTS) {
    if (lockdep_bug) BUG("lockdep: report list full");
    return;
  }
  let p = report_ptr(nr_reports++);
  memory.fill(p, 0, REPORT_SIZE);
  store<i32>(p, kind);
  store<i32>(p, irq, 4);
  store<i32>(p, first, 8);
  store<i32>(p, second, 12);
  store<u32>(p, s1, 16);
  store<u32>(p, s2, 20);
  store<u32>(p, s3, 24);
  store<i32>(p, nchain, 28);
  let n = nchain < REPORT_CHAIN ? nchain : REPORT_CHAIN;
  for (let i = 0; i < n; i++) store<i32>(p + 32 + (<usize>i << 2), load<i32>(chain + (<usize>i << 2)));
  store<u32>(p, key, 64);
  if (lockdep_bug) BUG(report_text(p));
}

// ---- graph search

// Breadth-first from `start` along forward (or backward) edges, neighbours in class-id order.
// Stops at `target` (a class id) or, when target is 0, at the first class whose usage has a bit
// of `mask`; `start` itself is a candidate only when with_start. Returns the class found or 0;
// bfs_parent then leads from it back to start.
function bfs(start: i32, forward: bool, target: i32, mask: u32, with_start: bool): i32 {
  memory.fill(bfs_seen, 0, MAX_LOCK_CLASSES >> 3);
  let head = 0, tail = 0;
  store<i32>(bfs_queue, start);
  tail = 1;
  let m0: u32 = <u32>1 << <u32>(start & 7);
  store<u8>(bfs_seen + (<usize>start >> 3), <u8>(<u32>load<u8>(bfs_seen + (<usize>start >> 3)) | m0));
  store<i32>(bfs_parent + (<usize>start << 2), -1);
  let rows = forward ? fwd : bwd;
  let ncls = nr_lock_classes;
  while (head < tail) {
    let x = load<i32>(bfs_queue + (<usize>head << 2));
    head++;
    if (x != start || with_start) {
      if (target ? x == target : (lock_class_of(x).usage & mask) != 0) return x;
    }
    let row = rows + ((<usize>x * <usize>ROW_WORDS) << 2);
    for (let w = 0; w < ROW_WORDS; w++) {
      let bits = load<u32>(row + (<usize>w << 2));
      while (bits) {
        let y = (w << 5) + <i32>ctz(bits);
        bits &= bits - 1;
        if (y >= ncls) break;
        let sp = bfs_seen + (<usize>y >> 3);
        let m: u32 = <u32>1 << <u32>(y & 7);
        if (<u32>load<u8>(sp) & m) continue;
        store<u8>(sp, <u8>(<u32>load<u8>(sp) | m));
        store<i32>(bfs_parent + (<usize>y << 2), x);
        store<i32>(bfs_queue + (<usize>tail << 2), y);
        tail++;
      }
    }
  }
  return 0;
}

// Writes the path found by bfs into path_buf in edge direction; returns its length.
// A forward search yields start…found; a backward one found…start.
function bfs_path(found: i32, forward: bool): i32 {
  let n = 0;
  for (let x = found; x >= 0; x = load<i32>(bfs_parent + (<usize>x << 2))) {
    store<i32>(path_buf + (<usize>n << 2), x);
    n++;
  }
  if (forward) {
    for (let i = 0, j = n - 1; i < j; i++, j--) {
      let t = load<i32>(path_buf + (<usize>i << 2));
      store<i32>(path_buf + (<usize>i << 2), load<i32>(path_buf + (<usize>j << 2)));
      store<i32>(path_buf + (<usize>j << 2), t);
    }
  }
  return n;
}

// @ts-ignore: decorator
@inline function usage_site_of(cls: i32, bit: i32): u32 {
  return load<u32>(usage_site + ((<usize>cls * <usize>NR_USAGE_BITS + <usize>bit) << 2));
}
// First site with any bit of mask (write before read).
function usage_site_mask(cls: i32, mask: u32): u32 {
  let u = lock_class_of(cls).usage & mask;
  for (let b = 0; b < NR_USAGE_BITS; b++) if (u & (1 << b)) return usage_site_of(cls, b);
  return 0;
}

// Gives class cls a usage bit it did not have yet and checks what that bit can break.
function mark_lock(cls: i32, bit: i32): void {
  let lc = lock_class_of(cls);
  lc.usage |= <u32>1 << bit;
  let s = site_now();
  store<u32>(usage_site + ((<usize>cls * <usize>NR_USAGE_BITS + <usize>bit) << 2), s);
  let enabled = bit >= 4;
  let irq = (bit >> 1) & 1;
  let read = bit & 1;
  // the same class both ways: read-read is harmless (readers do not exclude readers)
  let other: u32 = enabled ? (read ? used_mask(irq) & ~(<u32>2 << (irq << 1)) : used_mask(irq))
                           : (read ? enabled_mask(irq) & ~(<u32>2 << (4 + (irq << 1))) : enabled_mask(irq));
  if (lc.usage & other) {
    let su = enabled ? usage_site_mask(cls, used_mask(irq)) : s;
    let se = enabled ? s : usage_site_mask(cls, enabled_mask(irq));
    store<i32>(path_buf, cls);
    report(LD_IRQ_INCONSISTENT, irq, cls, cls, su, se, s, path_buf, 1, 0);
    return;
  }
  if (!enabled) {
    // newly irq-safe: nothing reachable from here may be irq-unsafe
    let u = bfs(cls, true, 0, enabled_mask(irq), false);
    if (u) {
      let n = bfs_path(u, true);
      report(LD_IRQ_SAFE_UNSAFE, irq, cls, u, s, usage_site_mask(u, enabled_mask(irq)), s, path_buf, n, 0);
    }
  } else {
    // newly irq-unsafe: nothing that leads here may be irq-safe
    let sf = bfs(cls, false, 0, used_mask(irq), false);
    if (sf) {
      let n = bfs_path(sf, false);
      report(LD_IRQ_SAFE_UNSAFE, irq, sf, cls, usage_site_mask(sf, used_mask(irq)), s, s, path_buf, n, 0);
    }
  }
}

// Taking b while holding a.
function add_dep(a: i32, b: i32): void {
  if (has_edge(a, b)) return;
  // a path b→…→a already known: the new edge would close a cycle
  if (bfs(b, true, a, 0, false)) {
    let n = bfs_path(a, true);
    let first_edge = n >= 2 ? load<u32>(edge_site + ((<usize>b * <usize>MAX_LOCK_CLASSES + <usize>load<i32>(path_buf, 4)) << 2)) : 0;
    let s = site_now();
    report(LD_ORDER_INVERSION, -1, b, a, first_edge, s, s, path_buf, n, 0);
    return;
  }
  set_edge(a, b);
  store<u32>(edge_site + ((<usize>a * <usize>MAX_LOCK_CLASSES + <usize>b) << 2), site_now());
  for (let irq = IRQ_HARD; irq <= IRQ_SOFT; irq++) {
    let sf = bfs(a, false, 0, used_mask(irq), true);
    if (!sf) continue;
    let n1 = bfs_path(sf, false);                       // sf … a
    let ch = chain_buf;
    let k = 0;
    for (let i = 0; i < n1 && k < REPORT_CHAIN * 2; i++) { store<i32>(ch + (<usize>k << 2), load<i32>(path_buf + (<usize>i << 2))); k++; }
    let u = bfs(b, true, 0, enabled_mask(irq), true);
    if (!u) continue;
    let n2 = bfs_path(u, true);                         // b … u
    for (let i = 0; i < n2 && k < REPORT_CHAIN * 2; i++) { store<i32>(ch + (<usize>k << 2), load<i32>(path_buf + (<usize>i << 2))); k++; }
    let s = site_now();
    report(LD_IRQ_SAFE_UNSAFE, irq, sf, u, usage_site_mask(sf, used_mask(irq)),
           usage_site_mask(u, enabled_mask(irq)), s, ch, n1 + n2, 0);
  }
}

// ---- the hook (kernel/spinlock.ts calls it on every acquisition while lockdep is on)

// Checks the acquisition of lock debug record idx by current, in the current context (kind:
// LOCK_KIND_*, or'ed with LOCK_TRY for a trylock). Called
// once the lock is taken (and, when it must spin, also before spinning, so that a deadlock
// about to happen is reported first); repeated calls for one acquisition are harmless.
export function lockdep_acquire(idx: u32, kind: i32): void {
  let t = current;
  let c = this_cpu;
  let cls = lock_dep_of(idx).cls;
  if (cls <= 0) return;
  let ctx = cur_ctx();
  let read = (kind & ~LOCK_TRY) == LOCK_KIND_READ;
  let depth = t.lock_depth;
  let slots = slot_ctx + <usize>c.id * <usize>MAX_HELD_LOCKS;
  if (depth < MAX_HELD_LOCKS) store<u8>(slots + <usize>depth, <u8>(ctx | (read ? SLOT_READ : 0)));
  now_cls = cls;
  now_read = read;
  now_name = take_pending_name();
  now_has_site = false;

  let r: i32 = read ? 1 : 0;
  let bits: u32 = 0;
  if (ctx == CTX_HARDIRQ) bits |= <u32>1 << (IRQ_HARD * 2 + r);
  else if (ctx == CTX_SOFTIRQ) bits |= <u32>1 << (IRQ_SOFT * 2 + r);
  if (!c.irqs_off && ctx != CTX_HARDIRQ) {
    bits |= <u32>1 << (4 + IRQ_HARD * 2 + r);
    if (ctx == CTX_PROCESS) bits |= <u32>1 << (4 + IRQ_SOFT * 2 + r);
  }
  let fresh = bits & ~lock_class_of(cls).usage;
  while (fresh) {
    let b = <i32>ctz(fresh);
    fresh &= fresh - 1;
    mark_lock(cls, b);
  }

  // dependencies on the locks held in this same context, innermost first. A trylock gets
  // none: it does not wait, so it cannot be the waiting side of a deadlock.
  if (kind & LOCK_TRY) return;
  for (let i = (depth < MAX_HELD_LOCKS ? depth : MAX_HELD_LOCKS) - 1; i >= 0; i--) {
    let sc = <u32>load<u8>(slots + <usize>i);
    if ((sc & 3) != ctx) break;
    let pcls = lock_dep_of(load<u32>(t.held_locks + (<usize>i << 2))).cls;
    if (pcls <= 0) continue;
    if (pcls == cls) {
      if (!(read && (sc & SLOT_READ))) {
        store<i32>(path_buf, cls);
        report(LD_RECURSIVE, -1, cls, cls, 0, 0, site_now(), path_buf, 1, 0);
      }
      continue;
    }
    add_dep(pcls, cls);
  }
}

// Interrupts were just enabled (cpu.ts local_irq_enable): every lock the current context holds
// is now held with interrupts on.
export function lockdep_irqs_on(): void {
  let t = current;
  let c = this_cpu;
  if (!changetype<usize>(t) || t.lock_depth == 0 || c.in_irq) return;
  let ctx = cur_ctx();
  let slots = slot_ctx + <usize>c.id * <usize>MAX_HELD_LOCKS;
  let depth = t.lock_depth < MAX_HELD_LOCKS ? t.lock_depth : MAX_HELD_LOCKS;
  for (let i = depth - 1; i >= 0; i--) {
    let sc = <u32>load<u8>(slots + <usize>i);
    if ((sc & 3) != ctx) break;
    let cls = lock_dep_of(load<u32>(t.held_locks + (<usize>i << 2))).cls;
    if (cls <= 0) continue;
    let r: i32 = (sc & SLOT_READ) ? 1 : 0;
    let bits: u32 = <u32>1 << (4 + IRQ_HARD * 2 + r);
    if (ctx == CTX_PROCESS) bits |= <u32>1 << (4 + IRQ_SOFT * 2 + r);
    let fresh = bits & ~lock_class_of(cls).usage;
    if (!fresh) continue;
    now_cls = cls;
    now_read = r != 0;
    now_name = 0;
    now_has_site = false;
    while (fresh) {
      let b = <i32>ctz(fresh);
      fresh &= fresh - 1;
      mark_lock(cls, b);
    }
  }
}

// ---- might_sleep

// Complains when a function that may sleep is called where sleeping is forbidden: spinlock
// held, interrupts off, or interrupt context. Works whether or not lockdep is on; each
// (innermost held class, caller name) pair is reported once. Boot-time calls are not checked.
// kernel/sched.c (2.6.9): __might_sleep
export function might_sleep(where: string = ""): void {
  if (!in_task) return;
  let t = current;
  let c = this_cpu;
  if (t.lock_depth == 0 && !c.irqs_off && !c.in_irq && !c.in_softirq) return;
  let top = 0;
  if (t.lock_depth > 0) top = lock_dep_of(load<u32>(t.held_locks + (<usize>(t.lock_depth - 1) << 2))).cls;
  let s = site_capture(0, false, changetype<usize>(where));
  store<i32>(path_buf, top);
  report(LD_SLEEP_IN_ATOMIC, -1, top, 0, 0, 0, s, path_buf, top ? 1 : 0, <u32>changetype<usize>(where));
}

// ---- switches and read-outs

// Turns the checker on or off. Off, the spinlock hook slot is 0 and acquisitions pay nothing.
export function lockdep_enable(on: i32): void {
  if (on) tables_init();
  lockdep_enabled = on ? 1 : 0;
  set_lockdep_acquire(on ? lockdep_acquire.index : 0);
  cpu.lockdep_irqs_on_fn = on ? lockdep_irqs_on.index : 0;
}
export function lockdep_set_bug(on: i32): void { lockdep_bug = on; }

export function lockdep_report_count(): i32 { return nr_reports; }
export function lockdep_report_total(): i32 { return nr_reports_total; }
// Word w (0..19) of report i; see the report layout above.
export function lockdep_report_word(i: i32, w: i32): i32 {
  if (i < 0 || i >= nr_reports || w < 0 || w >= <i32>(REPORT_SIZE >> 2)) return 0;
  return load<i32>(report_ptr(i) + (<usize>w << 2));
}
// Word w (0..23) of site s; comm is words 4..7, the name pointer word 9.
export function lockdep_site_word(s: u32, w: i32): i32 {
  if (!sites || s == 0 || <i32>s >= nr_sites || w < 0 || w >= <i32>(SITE_SIZE >> 2)) return 0;
  return load<i32>(site_ptr(s) + (<usize>w << 2));
}
export function lockdep_site_comm(s: u32): usize { return sites && s && <i32>s < nr_sites ? site_ptr(s) + 16 : 0; }
// The site of the first acquisition of b while a was held, 0 if there is no such edge.
export function lockdep_edge_site(a: i32, b: i32): u32 {
  if (!fwd || a <= 0 || b <= 0 || a >= MAX_LOCK_CLASSES || b >= MAX_LOCK_CLASSES || !has_edge(a, b)) return 0;
  return load<u32>(edge_site + ((<usize>a * <usize>MAX_LOCK_CLASSES + <usize>b) << 2));
}
export function lockdep_has_edge(a: i32, b: i32): i32 {
  if (!fwd || a <= 0 || b <= 0 || a >= MAX_LOCK_CLASSES || b >= MAX_LOCK_CLASSES) return 0;
  return has_edge(a, b) ? 1 : 0;
}
// The text a BUG would carry for report i (for printk and the host).
export function lockdep_report_text(i: i32): string {
  if (i < 0 || i >= nr_reports) return "";
  return report_text(report_ptr(i));
}

// Lock class statistics for the host: which = 0 acquisitions, 1 contended, 2 spin cycles,
// 3 cache-line transfers, 4 longest hold (cycles), 5 usage bits.
export function lock_class_count(): i32 { return nr_lock_classes; }
export function lock_class_name(i: i32): usize {
  return i > 0 && i < nr_lock_classes ? lock_class_of(i).name : 0;
}
export function lock_class_stat(i: i32, which: i32): u64 {
  if (i <= 0 || i >= nr_lock_classes) return 0;
  let c = lock_class_of(i);
  switch (which) {
    case 0: return c.acquisitions;
    case 1: return c.contended;
    case 2: return c.spin_cycles;
    case 3: return c.transfers;
    case 4: return c.max_hold;
    case 5: return <u64>c.usage;
  }
  return 0;
}
