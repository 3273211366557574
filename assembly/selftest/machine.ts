// Self-test scenarios for tests/machine.test.ts: machine-level behaviour that needs a running
// kernel thread (a BUG raised from task context, at a known jiffy, on a known CPU).
import { kthread_create } from "../kernel/sched";
import { jiffies } from "../kernel/timer";
import { charge, interleave } from "../kernel/cpu";
import { COST_KERNEL_OP } from "../kernel/profile";
import { BUG } from "../kernel/panic";

let bug_jiffies: u32 = 0;

// Spins (taking ticks at its interleave points) until jiffies reaches bug_jiffies, then BUGs.
function selftest_bug_thread(data: usize): void {
  while (jiffies < bug_jiffies) {
    charge(COST_KERNEL_OP);
    interleave();
  }
  BUG("selftest: deliberate BUG at the requested jiffy");
}

// Starts kernel thread "selftest-bug" on `cpu`; it BUGs once jiffies reaches `at`.
export function selftest_bug_at(at: u32, cpu: i32): void {
  bug_jiffies = at;
  kthread_create("selftest-bug", selftest_bug_thread.index, 0, 0, cpu);
}
