// Atomic bit operations on a word array (include/asm-i386/bitops.h of 2.6.9: lock-prefixed
// bts/btr/bt). On a real SMP machine another CPU can act between any two of them, and 2.6.9's
// kick and workqueue paths race on exactly these bits, so each one is an interleave point:
// it first lets a CPU that is behind catch up, then acts atomically (nothing can interleave
// inside one operation).
// nr counts bits from addr upwards: word nr >> 5, bit nr & 31. Results are 0 or 1 (i386's
// test_and_* give 0 or -1; every caller only tests them for truth).
import { interleave } from "../../kernel/cpu";

// @ts-ignore: decorator
@inline function word_of(nr: i32, addr: usize): usize { return addr + (<usize>(<u32>nr >> 5) << 2); }

export function set_bit(nr: i32, addr: usize): void {
  interleave();
  let p = word_of(nr, addr);
  store<u32>(p, load<u32>(p) | (<u32>1 << (nr & 31)));
}

export function clear_bit(nr: i32, addr: usize): void {
  interleave();
  let p = word_of(nr, addr);
  store<u32>(p, load<u32>(p) & ~(<u32>1 << (nr & 31)));
}

// Sets the bit; returns what it was before.
export function test_and_set_bit(nr: i32, addr: usize): i32 {
  interleave();
  let p = word_of(nr, addr);
  let m = <u32>1 << (nr & 31);
  let old = load<u32>(p);
  store<u32>(p, old | m);
  return (old & m) != 0 ? 1 : 0;
}

// Clears the bit; returns what it was before.
export function test_and_clear_bit(nr: i32, addr: usize): i32 {
  interleave();
  let p = word_of(nr, addr);
  let m = <u32>1 << (nr & 31);
  let old = load<u32>(p);
  store<u32>(p, old & ~m);
  return (old & m) != 0 ? 1 : 0;
}

export function test_bit(nr: i32, addr: usize): i32 {
  interleave();
  return (load<u32>(word_of(nr, addr)) >> (nr & 31)) & 1;
}
