// The WASI face of the kernel: a command-line module (`_start`) that boots a small machine,
// runs the kernel-thread ping-pong, and reports through the kernel's own printk(). Under WASI
// there is no TypeScript host, so scripts/wasi-imports-transform.mjs points the kernel's `env`
// imports at the wasi_* functions below; printk text leaves through fd_write on stdout.
//
// Usage (any WASI runtime):  printk.wasi.wasm <cpus> <rounds> <cost0> … <cost16>
// The costs are the profile table in kernel/profile.ts order (host/profile.ts COST_NAMES);
// tests/wasi.test.ts passes the xeon-2004 profile.
import { boot, run, set_cost, NR_COSTS, start_pingpong, pingpong_done, total_switches, get_jiffies,
         now } from "../index";
import { printk, KERN_INFO } from "../kernel/panic";
import { USER_EXIT } from "../kernel/entry";

// ---- the host functions the kernel imports, done with WASI

export function wasi_printk_host(level: i32, msg: string): void {
  process.stdout.write("<" + level.toString() + ">" + msg + "\n");
}

export function wasi_bug_host(kind: i32, msg: string): void {
  process.stderr.write((kind == 2 ? "Kernel panic: " : "kernel BUG: ") + msg + "\n");
  process.exit(70);
}

// Nobody collects the trace here; the buffer is simply dropped.
export function wasi_trace_flush(buf: usize, n: i32): void {}

// No user programs under WASI: a user task would exit at once.
export function wasi_user_step(pid: i32, ret: i32, args: usize): i32 {
  store<i32>(args, 127);
  return USER_EXIT;
}

// ---- main

const KHZ: u64 = 2800000;
const HZ: u32 = 1000;

function usage(): void {
  process.stderr.write("usage: printk.wasi.wasm <cpus 1-8> <rounds> <" + NR_COSTS.toString() + " costs in cycles>\n");
  process.exit(2);
}

let argv = process.argv;
if (argv.length != 3 + NR_COSTS) usage();
let cpus = I32.parseInt(argv[1]);
let rounds = I32.parseInt(argv[2]);
if (cpus < 1 || cpus > 8 || rounds < 1) usage();
for (let i = 0; i < NR_COSTS; i++) set_cost(i, U64.parseInt(argv[3 + i]));

boot(cpus, KHZ, HZ, 0);
printk(KERN_INFO, "aio-sim: booted " + cpus.toString() + " CPU(s) at " + (KHZ / 1000).toString() + " MHz, HZ=" + HZ.toString());
start_pingpong(rounds, 0, cpus > 1 ? 1 : 0);
// Advance simulated time a millisecond at a time until both threads are done (bounded).
let slice = KHZ;
for (let ms = 0; ms < 100000 && pingpong_done() < rounds; ms++) run(now() + slice, -1);
printk(KERN_INFO, "pingpong: rounds=" + pingpong_done().toString() + " switches=" + total_switches().toString() +
       " jiffies=" + get_jiffies().toString());
process.exit(pingpong_done() == rounds ? 0 : 1);
