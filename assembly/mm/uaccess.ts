// Kernel access to user memory (include/asm-i386/uaccess.h, arch/i386/lib/usercopy.c,
// arch/i386/mm/fault.c of 2.6.9), acting on current->mm.
//
// A copy walks the user range page by page through current->mm's page tables, as the MMU
// would. A page that is not present (or not writable, for a write) takes the page-fault path:
// mmap_sem for read, find_vma, handle_mm_fault. An address no area covers, or an access the
// area forbids, stops the copy there — the C fixup path — and the copy reports the bytes it did
// not copy (or -EFAULT for the single-value and string forms), exactly at that byte.
// In atomic context (a spinlock held, an interrupt) there is no fault handling, as in 2.6.9:
// a not-yet-present page fails the copy. The checked forms call might_sleep() first, as
// 2.6.9's do, so lockdep-lite reports a copy made under a spinlock.
//
// Time: COST_COPY_PER_KB per KiB actually copied (pro rata); each fault COST_PAGE_FAULT.
import { mm_struct, task_struct } from "../include/linux/sched";
import { vm_area_struct, TASK_SIZE, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER } from "../include/linux/mm";
import { EFAULT } from "../include/linux/errno";
import { PAGE_SIZE, PAGE_MASK } from "./page_alloc";
import { current, in_atomic, charge_cycles } from "../kernel/cpu";
import { COST_COPY_PER_KB, cost } from "../kernel/profile";
import { down_read, up_read } from "../kernel/rwsem";
import { find_vma } from "./mmap";
import { pte_offset, handle_mm_fault, __handle_mm_fault } from "./memory";
import { VM_FAULT_MINOR, VM_FAULT_MAJOR } from "../include/linux/mm";
import { find_task_by_pid } from "../kernel/sched";
import { might_sleep } from "../kernel/lockdep";

export const VERIFY_READ: i32 = 0;
export const VERIFY_WRITE: i32 = 1;

// get_fs()/set_fs(): the address limit. Kernel memory is not addressable through these calls
// here (user and kernel do not share one address space in the simulator), so the limit is
// always USER_DS and set_fs only exists so ported code keeps its shape.
export const USER_DS: u32 = <u32>TASK_SIZE;
export const KERNEL_DS: u32 = 0xffffffff;
export function get_fs(): u32 { return USER_DS; }
export function set_fs(seg: u32): void {}

export let nr_uaccess_faults: u64 = 0;     // copies that stopped at a bad address

// Is [addr, addr+size) below the user limit? Says nothing about what is mapped.
// include/asm-i386/uaccess.h (2.6.9): access_ok
export function access_ok(type: i32, addr: usize, size: usize): bool {
  return size <= <usize>TASK_SIZE && addr <= <usize>TASK_SIZE - size;
}

// Linear address of user byte uaddr in mm if its page is present with the needed rights.
// @ts-ignore: decorator
@inline function translate(mm: mm_struct, uaddr: usize, write: bool): usize {
  let p = pte_offset(mm, uaddr);
  if (!p) return 0;
  let pte = load<u32>(p);
  if (!(pte & _PAGE_PRESENT) || !(pte & _PAGE_USER)) return 0;
  if (write && !(pte & _PAGE_RW)) return 0;
  return (<usize>pte & PAGE_MASK) + (uaddr & ~PAGE_MASK);
}

// The user-mode fault: returns true when the page is now there with the right access.
// arch/i386/mm/fault.c (2.6.9): do_page_fault (the parts a kernel-mode uaccess fault takes)
function do_page_fault(mm: mm_struct, address: usize, write: bool): bool {
  if (in_atomic() || !changetype<usize>(mm)) return false;
  down_read(mm.mmap_sem);
  let ok = false;
  let vma = find_vma(mm, address);
  if (changetype<usize>(vma) && vma.vm_start <= address) {
    let r = handle_mm_fault(mm, vma, address, write ? 1 : 0);
    ok = r == VM_FAULT_MINOR || r == VM_FAULT_MAJOR;
  }
  up_read(mm.mmap_sem);
  return ok;
}

// Linear address for user byte uaddr of current->mm, faulting it in; 0 = bad address.
function user_addr(uaddr: usize, write: bool): usize {
  let mm = current.mm;
  if (!changetype<usize>(mm)) return 0;
  let a = translate(mm, uaddr, write);
  if (a) return a;
  if (!do_page_fault(mm, uaddr, write)) return 0;
  return translate(mm, uaddr, write);
}

// @ts-ignore: decorator
@inline function charge_copy(n: usize): void {
  if (n) charge_cycles(cost(COST_COPY_PER_KB) * <u64>n / 1024);
}

// Copies n bytes between kernel buffer k and user range u (to_user: k → u). Returns the bytes
// not copied. arch/i386/lib/usercopy.c (2.6.9): __copy_user / __copy_user_zeroing
function __copy_user(u: usize, k: usize, n: usize, to_user: bool): usize {
  let done: usize = 0;
  while (done < n) {
    let ua = u + done;
    let chunk = PAGE_SIZE - (ua & ~PAGE_MASK);
    if (chunk > n - done) chunk = n - done;
    let la = user_addr(ua, to_user);
    if (!la) { nr_uaccess_faults++; break; }
    if (to_user) memory.copy(la, k + done, chunk);
    else memory.copy(k + done, la, chunk);
    done += chunk;
  }
  charge_copy(done);
  return n - done;
}

// Bytes not copied (0 on success). include/asm-i386/uaccess.h (2.6.9): __copy_to_user
export function __copy_to_user(to: usize, from: usize, n: usize): usize { return __copy_user(to, from, n, true); }

// Bytes not copied; the uncopied tail of the kernel buffer is zeroed, as i386 does.
export function __copy_from_user(to: usize, from: usize, n: usize): usize {
  let left = __copy_user(from, to, n, false);
  if (left) memory.fill(to + n - left, 0, left);
  return left;
}

// arch/i386/lib/usercopy.c (2.6.9): copy_to_user
export function copy_to_user(to: usize, from: usize, n: usize): usize {
  might_sleep("copy_to_user");
  if (access_ok(VERIFY_WRITE, to, n)) return __copy_to_user(to, from, n);
  return n;
}

// arch/i386/lib/usercopy.c (2.6.9): copy_from_user
export function copy_from_user(to: usize, from: usize, n: usize): usize {
  might_sleep("copy_from_user");
  if (access_ok(VERIFY_READ, from, n)) return __copy_from_user(to, from, n);
  memory.fill(to, 0, n);
  return n;
}

// Zeroes n user bytes; returns the bytes not cleared. arch/i386/lib/usercopy.c (2.6.9): clear_user
export function clear_user(to: usize, n: usize): usize {
  might_sleep("clear_user");
  if (!access_ok(VERIFY_WRITE, to, n)) return n;
  let done: usize = 0;
  while (done < n) {
    let ua = to + done;
    let chunk = PAGE_SIZE - (ua & ~PAGE_MASK);
    if (chunk > n - done) chunk = n - done;
    let la = user_addr(ua, true);
    if (!la) { nr_uaccess_faults++; break; }
    memory.fill(la, 0, chunk);
    done += chunk;
  }
  charge_copy(done);
  return n - done;
}

// Copies a NUL-terminated user string of at most count bytes into dst; returns its length
// (count if no NUL came first) or -EFAULT. arch/i386/lib/usercopy.c (2.6.9): strncpy_from_user
export function strncpy_from_user(dst: usize, src: usize, count: i32): i32 {
  might_sleep("strncpy_from_user");
  if (!access_ok(VERIFY_READ, src, 1)) return -EFAULT;
  let i = 0;
  let la: usize = 0;
  while (i < count) {
    let ua = src + <usize>i;
    if (!la || !(ua & ~PAGE_MASK)) {
      la = user_addr(ua, false);
      if (!la) { nr_uaccess_faults++; charge_copy(<usize>i); return -EFAULT; }
    }
    let b = load<u8>(la);
    store<u8>(dst + <usize>i, b);
    if (!b) break;
    i++;
    la++;
  }
  charge_copy(<usize>i);
  return i;
}

// Length of a user string including its NUL, 0 on a fault, n+1 if longer than n.
// arch/i386/lib/usercopy.c (2.6.9): strnlen_user
export function strnlen_user(s: usize, n: i32): i32 {
  let la: usize = 0;
  for (let i = 0; i < n; i++) {
    let ua = s + <usize>i;
    if (!la || !(ua & ~PAGE_MASK)) {
      la = user_addr(ua, false);
      if (!la) return 0;
    }
    if (!load<u8>(la)) return i + 1;
    la++;
  }
  return n + 1;
}

// ---- single values. C's get_user(x, ptr) assigns a variable; AS cannot take a local's
// address, so the value goes to kernel memory at dst (zeroed on a fault), or comes back from
// get_user_u32 as a non-negative i64.

// include/asm-i386/uaccess.h (2.6.9): get_user. 0 or -EFAULT.
export function get_user<T>(dst: usize, uaddr: usize): i32 {
  might_sleep("get_user");
  if (!access_ok(VERIFY_READ, uaddr, sizeof<T>())) { store<T>(dst, <T>0); return -EFAULT; }
  return __get_user<T>(dst, uaddr);
}
export function __get_user<T>(dst: usize, uaddr: usize): i32 {
  if (__copy_user(uaddr, dst, sizeof<T>(), false)) { store<T>(dst, <T>0); return -EFAULT; }
  return 0;
}
// include/asm-i386/uaccess.h (2.6.9): put_user. 0 or -EFAULT.
export function put_user<T>(v: T, uaddr: usize): i32 {
  might_sleep("put_user");
  if (!access_ok(VERIFY_WRITE, uaddr, sizeof<T>())) return -EFAULT;
  return __put_user<T>(v, uaddr);
}
// Where a value of `size` bytes at uaddr lives: every page it touches faulted in first (that
// may sleep), then both halves translated again with nothing in between that can sleep. The
// second page's address is left in span_second (0 when the value fits in one page).
let span_second: usize = 0;
function user_span(uaddr: usize, size: usize, write: bool): usize {
  let off = uaddr & ~PAGE_MASK;
  if (off + size <= PAGE_SIZE) { span_second = 0; return user_addr(uaddr, write); }
  let next = (uaddr & PAGE_MASK) + PAGE_SIZE;
  if (!user_addr(uaddr, write) || !user_addr(next, write)) return 0;
  let mm = current.mm;
  let la = translate(mm, uaddr, write);
  span_second = translate(mm, next, write);
  return la && span_second ? la : 0;
}

const put_tmp = memory.data(8);
export function __put_user<T>(v: T, uaddr: usize): i32 {
  let la = user_span(uaddr, sizeof<T>(), true);
  if (!la) { nr_uaccess_faults++; return -EFAULT; }
  if (!span_second) {
    store<T>(la, v);
  } else {
    store<T>(put_tmp, v);     // no sleep from here to the copies below
    let first = PAGE_SIZE - (uaddr & ~PAGE_MASK);
    memory.copy(la, put_tmp, first);
    memory.copy(span_second, put_tmp + first, sizeof<T>() - first);
  }
  charge_copy(sizeof<T>());
  return 0;
}

export function get_user_u32(dst: usize, uaddr: usize): i32 { return get_user<u32>(dst, uaddr); }
export function get_user_u64(dst: usize, uaddr: usize): i32 { return get_user<u64>(dst, uaddr); }
export function put_user_u32(v: u32, uaddr: usize): i32 { return put_user<u32>(v, uaddr); }
export function put_user_u64(v: u64, uaddr: usize): i32 { return put_user<u64>(v, uaddr); }

// The u32 at uaddr as a non-negative i64, or -EFAULT.
const get_tmp = memory.data(8);
export function get_user_val32(uaddr: usize): i64 {
  might_sleep("get_user");
  if (!access_ok(VERIFY_READ, uaddr, 4)) return -EFAULT;
  let la = user_span(uaddr, 4, false);
  if (!la) { nr_uaccess_faults++; return -EFAULT; }
  if (!span_second) { charge_copy(4); return <i64>load<u32>(la); }
  let first = PAGE_SIZE - (uaddr & ~PAGE_MASK);
  memory.copy(get_tmp, la, first);          // no sleep from here to the load below
  memory.copy(get_tmp + first, span_second, 4 - first);
  charge_copy(4);
  return <i64>load<u32>(get_tmp);
}

// ---- the host's view (host/usermem.ts): a user-mode access by pid's program

// Linear address of uaddr in pid's address space, faulting an anonymous page in as a user
// access would; 0 if unmapped or (write) read-only. Takes no lock and never sleeps: the host
// calls it between two steps of a program, when nothing else runs.
export function user_translate(pid: i32, uaddr: usize, write: i32): usize {
  let t = find_task_by_pid(pid);
  if (!changetype<usize>(t)) return 0;
  let mm = t.mm;
  if (!changetype<usize>(mm) || uaddr >= <usize>TASK_SIZE) return 0;
  let a = translate(mm, uaddr, write != 0);
  if (a) return a;
  let vma = find_vma(mm, uaddr);
  if (!changetype<usize>(vma) || vma.vm_start > uaddr) return 0;
  let r = __handle_mm_fault(mm, vma, uaddr, write);
  if (r != VM_FAULT_MINOR && r != VM_FAULT_MAJOR) return 0;
  return translate(mm, uaddr, write != 0);
}
