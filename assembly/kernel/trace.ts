// The trace: an ordered record of what the machine did (context switches, system calls, timer
// and work-item executions, wake-ups). Records are fixed-size binary rows in a buffer the host
// drains; the host turns them into the canonical text whose SHA-256 is the trace hash
// (docs/trace.md). Off by default; costs nothing when off.
//
// record — 48 bytes
//   0        8      12     16                                              48
//   +--------+------+------+-----------------------------------------------+
//   | cycle  | kind | cpu  | a0 a1 a2 a3 a4 a5 a6 a7 (i32 each)            |
//   +--------+------+------+-----------------------------------------------+

@external("env", "trace_flush") declare function trace_flush(buf: usize, n: i32): void;

export const TR_SWITCH: i32 = 1;    // a0 from pid, a1 to pid, a2 prev state
export const TR_SYSCALL: i32 = 2;   // a0 pid, a1 nr, a2..a6 args, a7 result
export const TR_TIMER: i32 = 3;     // a0 function index, a1 data, a2 jiffies
export const TR_WORK: i32 = 4;      // a0 function index, a1 data, a2 worker pid
export const TR_WAKEUP: i32 = 5;    // a0 woken pid, a1 target cpu, a2 waker pid
export const TR_EXIT: i32 = 6;      // a0 pid, a1 exit code
export const TR_IRQ: i32 = 7;       // a0 irq kind, a1 data

const REC: usize = 48;
const CAP: i32 = 2048;

export let trace_on: bool = false;
let buf: usize = 0;
let n: i32 = 0;

export function trace_enable(on: bool): void {
  if (on && !buf) buf = heap.alloc(<usize>CAP * REC);
  trace_on = on;
}

export function trace_record(cycle: u64, kind: i32, cpu: i32, a0: i32, a1: i32, a2: i32 = 0,
                             a3: i32 = 0, a4: i32 = 0, a5: i32 = 0, a6: i32 = 0, a7: i32 = 0): void {
  let p = buf + <usize>n * REC;
  store<u64>(p, cycle);
  store<i32>(p, kind, 8);
  store<i32>(p, cpu, 12);
  store<i32>(p, a0, 16);
  store<i32>(p, a1, 20);
  store<i32>(p, a2, 24);
  store<i32>(p, a3, 28);
  store<i32>(p, a4, 32);
  store<i32>(p, a5, 36);
  store<i32>(p, a6, 40);
  store<i32>(p, a7, 44);
  if (++n == CAP) trace_drain();
}

export function trace_drain(): void {
  if (n) trace_flush(buf, n);
  n = 0;
}
