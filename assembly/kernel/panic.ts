// BUG(), WARN_ON(), panic() and printk(). A BUG records what the host needs to turn the trap
// into an Error naming the message, task, CPU and jiffies, then traps.

@external("env", "printk_host") declare function printk_host(level: i32, msg: string): void;
@external("env", "bug_host") declare function bug_host(kind: i32, msg: string): void;

export const KERN_ERR: i32 = 3;
export const KERN_WARNING: i32 = 4;
export const KERN_INFO: i32 = 6;
export const KERN_DEBUG: i32 = 7;

export const BUG_KIND_BUG: i32 = 1;
export const BUG_KIND_PANIC: i32 = 2;

export let nr_warnings: i32 = 0;
export let printk_level: i32 = KERN_INFO;   // messages above this level are dropped

export function printk(level: i32, msg: string): void {
  if (level <= printk_level) printk_host(level, msg);
}

// The host reads current task, CPU and jiffies itself when bug_host is called, before the trap.
export function BUG(msg: string): void {
  bug_host(BUG_KIND_BUG, msg);
  unreachable();
}
export function panic(msg: string): void {
  bug_host(BUG_KIND_PANIC, msg);
  unreachable();
}
export function BUG_ON(cond: bool, msg: string): void { if (cond) BUG(msg); }
export function WARN_ON(cond: bool, msg: string): bool {
  if (cond) {
    nr_warnings++;
    printk_host(KERN_WARNING, "WARNING: " + msg);
  }
  return cond;
}
