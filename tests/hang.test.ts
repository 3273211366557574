// The hang detector: when every CPU is idle, no timer is armed, no I/O is in flight and a user
// task is still alive, the run ends with reason "hang" and a report naming each sleeping task
// and what it waits on. A machine that can still wake up (a timer is armed, another task will
// wake the sleeper) or whose user tasks have all exited is not hung.
// The sleeping system calls are private to assembly/selftest/locks.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
import { sys, work, type Program } from "../host/program.ts";
import { hangReport } from "../host/metrics.ts";

const ST_NR_SLEEP = 0x5e00, ST_NR_SLEEP_TIMER = 0x5e01, ST_NR_WAKE = 0x5e02;

type Fn = (...a: number[]) => number;
const st = (m: Machine) => m.ex as unknown as Record<string, Fn>;

async function boot(cpus: number, sleeper = false): Promise<Machine> {
  const m = await Machine.boot({ overrides: { cpus } });
  st(m).selftest_hang_setup(sleeper ? 1 : 0);
  return m;
}

const sleepForever: Program = function* () {
  yield sys.syscall(ST_NR_SLEEP);
  return 0;
};

test("a user task asleep on a wait queue with no timer armed is a hang naming the task and its queue", async () => {
  const m = await boot(2);
  const pid = m.spawn(sleepForever, { name: "sleeper", cpu: 1 });
  const r = m.run({ seconds: 5 });
  assert.equal(r.reason, "hang");
  assert.ok(r.seconds < 0.01, `found after ${r.seconds} s`);
  const h = hangReport(m)!;
  assert.ok(h, "no hang report");
  assert.equal(h.jiffies, m.jiffies);
  const users = h.tasks.filter((t) => t.kind === "user");
  assert.deepEqual(users, [{
    pid, comm: "sleeper", kind: "user", state: "D", cpu: 1, syscall: ST_NR_SLEEP,
    wchan: users[0]?.wchan, waitsOn: "st.hang_wq",
  }]);
  assert.notEqual(users[0].wchan, 0);
  // the idle keventd workers are listed too, as kernel threads
  assert.ok(h.tasks.filter((t) => t.kind === "kthread").every((t) => t.state === "S"));
  assert.equal(h.omitted, 0);
});

test("the report also names a kernel thread's named wait channel", async () => {
  const m = await boot(1, true);
  m.spawn(sleepForever, { name: "sleeper" });
  assert.equal(m.run({ seconds: 5 }).reason, "hang");
  const h = hangReport(m)!;
  const k = h.tasks.find((t) => t.comm === "st-sleeper");
  assert.deepEqual(k && { kind: k.kind, state: k.state, waitsOn: k.waitsOn, syscall: k.syscall },
    { kind: "kthread", state: "S", waitsOn: "st.named_wait", syscall: null });
  assert.equal(h.tasks.find((t) => t.comm === "sleeper")?.waitsOn, "st.hang_wq");
});

test("an armed timer is not a hang; once it has fired and woken nobody, the hang is reported", async () => {
  const m = await boot(2);
  m.spawn(function* () { yield sys.syscall(ST_NR_SLEEP_TIMER, 50); return 0; }, { name: "timed" });
  const early = m.run({ seconds: 0.03 });             // jiffy 30: the timer is still armed
  assert.equal(early.reason, "time");
  assert.equal(hangReport(m), null);
  const late = m.run({ seconds: 1 });
  assert.equal(late.reason, "hang");
  const h = hangReport(m)!;
  assert.ok(h.jiffies >= 50 && h.jiffies <= 51, `hang at jiffy ${h.jiffies}`);
  const t = h.tasks.find((x) => x.kind === "user");
  assert.equal(t?.comm, "timed");
  assert.equal(t?.waitsOn, "st.hang_wq");
});

test("a sleeper that another task wakes is not a hang", async () => {
  const m = await boot(2);
  const a = m.spawn(sleepForever, { name: "sleeper", cpu: 0 });
  const b = m.spawn(function* () { yield work(2_000_000); yield sys.syscall(ST_NR_WAKE); return 0; }, { name: "waker", cpu: 1 });
  const r = m.run({ seconds: 5 });
  assert.equal(r.reason, "exited");
  assert.equal(hangReport(m), null);
  assert.equal(m.exitCode(a), 0);
  assert.equal(m.exitCode(b), 0);
});

test("a machine whose user tasks have all exited is not hung, even with a kernel thread asleep", async () => {
  const m = await boot(2, true);
  m.spawn(function* () { yield sys.getpid(); return 0; }, { name: "brief" });
  const r = m.run({ seconds: 5 });
  assert.equal(r.reason, "exited");
  assert.equal(hangReport(m), null);
});
