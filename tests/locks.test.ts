// Lock checking and lock statistics: lockdep-lite's order and irq-safety reports (with the
// sites a kernel engineer needs to find both sides), might_sleep, per-class contention
// statistics, and the BUGs for releasing a lock one does not hold or sleeping while holding one.
// Scenarios run as kernel threads from assembly/selftest/locks.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine, KernelPanic } from "../host/machine.ts";
import { enableLockdep, lockdepReports, lockClass, lockdepEdge, type LockdepReport } from "../host/metrics.ts";

type Fn = (...a: number[]) => number;
const st = (m: Machine) => m.ex as unknown as Record<string, Fn>;

async function boot(cpus: number, lockdep: boolean | "bug" = true): Promise<Machine> {
  const m = await Machine.boot({ overrides: { cpus } });
  if (lockdep) enableLockdep(m, { bug: lockdep === "bug" });
  return m;
}

function runExpectingPanic(m: Machine): KernelPanic {
  try { m.run({ seconds: 1 }); } catch (e) {
    assert.ok(e instanceof KernelPanic, `expected a KernelPanic, got ${String(e)}`);
    return e;
  }
  assert.fail("the run ended without a BUG");
}

const only = (reports: LockdepReport[], kind: LockdepReport["kind"]) => reports.filter((r) => r.kind === kind);

test("taking st.B then st.A after st.A then st.B is reported as an order inversion with both sites", async () => {
  const m = await boot(2);
  st(m).selftest_lock_order(0, 1);
  m.run({ seconds: 0.01 });
  assert.equal(st(m).selftest_locks_done(), 1);
  const reports = lockdepReports(m);
  assert.equal(reports.length, 1, reports.map((r) => r.text).join("\n"));
  const r = reports[0];
  assert.equal(r.kind, "order-inversion");
  assert.equal(r.first, "st.A");
  assert.equal(r.second, "st.B");
  assert.deepEqual(r.chain, ["st.A", "st.B"]);
  // the earlier order: st-ab on CPU 0 took st.B holding st.A
  assert.equal(r.earlier?.comm, "st-ab");
  assert.equal(r.earlier?.cpu, 0);
  assert.equal(r.earlier?.name, "st_take_ab");
  assert.equal(r.earlier?.taking, "st.B");
  assert.deepEqual(r.earlier?.held, ["st.A"]);
  // now: st-ba on CPU 1 takes st.A holding st.B
  assert.equal(r.now?.comm, "st-ba");
  assert.equal(r.now?.cpu, 1);
  assert.equal(r.now?.name, "st_take_ba");
  assert.equal(r.now?.taking, "st.A");
  assert.deepEqual(r.now?.held, ["st.B"]);
  assert.equal(r.now?.context, "process");
  assert.match(r.text, /^lockdep: lock order inversion: st\.A -> st\.B first taken by st-ab\/\d+ CPU 0 .* now st\.B held taking st\.A by st-ba\/\d+ CPU 1 /);
  // the recorded edge keeps its first site; the inverted one was never added
  assert.equal(lockdepEdge(m, "st.A", "st.B")?.name, "st_take_ab");
  assert.equal(lockdepEdge(m, "st.B", "st.A"), null);
});

test("with lockdep off the same two orders are not reported and cost no check", async () => {
  const m = await boot(2, false);
  st(m).selftest_lock_order(0, 1);
  m.run({ seconds: 0.01 });
  assert.equal(st(m).selftest_locks_done(), 1);
  assert.deepEqual(lockdepReports(m), []);
  assert.equal(lockClass(m, "st.A")?.acquisitions, 2);
  assert.deepEqual(lockClass(m, "st.A")?.usage.flags, []);
});

test("a cycle through three classes (A→B, B→C, then C→A) is reported with its chain", async () => {
  const m = await boot(1);
  st(m).selftest_lock_chain(0);
  m.run({ seconds: 0.01 });
  const r = only(lockdepReports(m), "order-inversion");
  assert.equal(r.length, 1);
  assert.equal(r[0].first, "st.A");
  assert.equal(r[0].second, "st.C");
  assert.deepEqual(r[0].chain, ["st.A", "st.B", "st.C"]);
  assert.equal(r[0].earlier?.taking, "st.B");          // the first edge of the old path, A→B
  assert.equal(r[0].now?.name, "st_close_cycle");
  assert.deepEqual(r[0].now?.held, ["st.C"]);
});

test("a trylock taken under another lock records no order, so the reverse order is not an inversion", async () => {
  const m = await boot(1);
  st(m).selftest_trylock_order(0);
  m.run({ seconds: 0.01 });
  assert.equal(st(m).selftest_locks_done(), 1);
  assert.deepEqual(lockdepReports(m).map((r) => r.text), []);
  assert.equal(lockdepEdge(m, "st.A", "st.B"), null);
  assert.equal(lockdepEdge(m, "st.B", "st.A")?.comm, "st-try");
});

test("with the bug switch on, an order inversion is a kernel BUG naming both classes", async () => {
  const m = await boot(2, "bug");
  st(m).selftest_lock_order(0, 1);
  const p = runExpectingPanic(m);
  assert.equal(p.kind, "BUG");
  assert.match(p.bugMessage, /^lockdep: lock order inversion: st\.A -> st\.B first taken by st-ab/);
  assert.equal(p.comm, "st-ba");
  assert.equal(p.cpu, 1);
});

test("a lock taken in a timer handler and elsewhere with interrupts on is an inconsistent softirq use", async () => {
  const m = await boot(1);
  st(m).selftest_irq_timer(0, 0);
  m.run({ seconds: 0.02 });
  assert.equal(st(m).selftest_locks_done(), 1);
  const reports = lockdepReports(m);
  assert.equal(reports.length, 1, reports.map((r) => r.text).join("\n"));
  const r = reports[0];
  assert.equal(r.kind, "irq-inconsistent");
  assert.equal(r.irq, "softirq");
  assert.equal(r.first, "st.timer_lock");
  assert.equal(r.earlier?.context, "softirq");
  assert.equal(r.earlier?.name, "st_timer_fn");
  assert.equal(r.later?.context, "process");
  assert.equal(r.later?.irqsOff, false);
  assert.equal(r.later?.name, "st_irqs_on");
  assert.equal(r.later?.comm, "st-irq");
  assert.deepEqual(lockClass(m, "st.timer_lock")?.usage.flags, ["IN-SOFTIRQ-W", "HARDIRQ-ON-W", "SOFTIRQ-ON-W"]);
});

test("the same lock taken with spin_lock_irq outside the timer handler is not reported", async () => {
  const m = await boot(1);
  st(m).selftest_irq_timer(0, 1);
  m.run({ seconds: 0.02 });
  assert.equal(st(m).selftest_locks_done(), 1);
  assert.deepEqual(lockdepReports(m).map((r) => r.text), []);
  assert.deepEqual(lockClass(m, "st.timer_lock")?.usage.flags, ["IN-SOFTIRQ-W", "HARDIRQ-ON-W"]);
});

test("2.6.9's aio_kick_handler order (wait-queue lock → ctx_lock → alloc_lock) is hardirq-safe → hardirq-unsafe", async () => {
  const m = await boot(1);
  st(m).selftest_b4(0);
  m.run({ seconds: 0.01 });
  assert.equal(st(m).selftest_locks_done(), 1);
  const reports = lockdepReports(m);
  assert.equal(reports.length, 1, reports.map((r) => r.text).join("\n"));
  const r = reports[0];
  assert.equal(r.kind, "irq-safe-unsafe");
  assert.equal(r.irq, "hardirq");
  assert.equal(r.first, "st.kioctx.wait");
  assert.equal(r.second, "task_struct.alloc_lock");
  assert.deepEqual(r.chain, ["st.kioctx.wait", "st.kioctx.ctx_lock", "task_struct.alloc_lock"]);
  assert.equal(r.earlier?.context, "hardirq");            // the wake-up from the interrupt
  assert.equal(r.later?.name, "task_lock");               // alloc_lock with irqs on
  assert.equal(r.now?.name, "unuse_mm");                  // the edge that closed the chain
  assert.deepEqual(r.now?.held, ["st.kioctx.ctx_lock"]);
  assert.equal(lockdepEdge(m, "st.kioctx.wait", "st.kioctx.ctx_lock")?.name, "aio_wake_function");
});

test("two CPUs contending for one spinlock show contention, spin cycles and line transfers", async () => {
  const m = await boot(2, false);
  st(m).selftest_contend(0, 1, 50, 5);
  m.run({ seconds: 0.05 });
  assert.equal(st(m).selftest_locks_done(), 2);
  const c = lockClass(m, "st.contended")!;
  assert.equal(c.acquisitions, 100);
  assert.ok(c.contended > 0, `contended ${c.contended}`);
  assert.ok(c.spinCycles > 0, `spin cycles ${c.spinCycles}`);
  assert.ok(c.transfers > 0, `transfers ${c.transfers}`);
  assert.ok(c.maxHold >= 5 * m.profile.costs.kernelOp, `max hold ${c.maxHold}`);
  const viaMachine = m.lockClasses().find((x) => x.name === "st.contended");
  assert.deepEqual(viaMachine, { name: c.name, acquisitions: c.acquisitions, contended: c.contended,
    spinCycles: c.spinCycles, transfers: c.transfers, maxHold: c.maxHold });
});

test("the same two threads on one CPU never contend and never move the lock's line", async () => {
  const m = await boot(1, false);
  st(m).selftest_contend(0, 0, 50, 5);
  m.run({ seconds: 0.05 });
  assert.equal(st(m).selftest_locks_done(), 2);
  const c = lockClass(m, "st.contended")!;
  assert.equal(c.acquisitions, 100);
  assert.equal(c.contended, 0);
  assert.equal(c.spinCycles, 0);
  assert.equal(c.transfers, 0);
});

test("releasing a spinlock another task holds is a BUG naming the class, the holder, the task, CPU and jiffies", async () => {
  const m = await boot(2, false);
  st(m).selftest_misuse(0, 0, 1);
  const p = runExpectingPanic(m);
  assert.match(p.bugMessage, /^unlock of st\.misuse by a task that does not hold it \(held by st-holder\/\d+ on CPU 0\)$/);
  assert.equal(p.comm, "st-thief");
  assert.equal(p.cpu, 1);
  assert.equal(p.jiffies, m.jiffies);
  assert.match(p.message, /\(task st-thief\/\d+, CPU 1, jiffies \d+\)$/);
});

test("unlocking a spinlock twice is a BUG naming the class and the task", async () => {
  const m = await boot(1, false);
  st(m).selftest_misuse(1, 0, 0);
  const p = runExpectingPanic(m);
  assert.equal(p.bugMessage, "double unlock of spinlock st.misuse");
  assert.equal(p.comm, "st-double");
  assert.equal(p.cpu, 0);
  assert.equal(p.jiffies, 0);
});

test("schedule() with a spinlock held is 'scheduling while atomic' naming the held class", async () => {
  const m = await boot(2, false);
  st(m).selftest_misuse(2, 1, 1);
  const p = runExpectingPanic(m);
  assert.equal(p.bugMessage, "scheduling while atomic: 1 lock(s) held (st.misuse)");
  assert.equal(p.comm, "st-atomic");
  assert.equal(p.cpu, 1);
});

test("might_sleep() under a spinlock or with irqs off is reported, with nothing held it is not", async () => {
  const m = await boot(1, false);            // might_sleep checks whether or not lockdep is on
  st(m).selftest_might_sleep(0);
  m.run({ seconds: 0.01 });
  assert.equal(st(m).selftest_locks_done(), 1);
  const r = lockdepReports(m);
  assert.deepEqual(r.map((x) => [x.kind, x.first, x.now?.name]), [
    ["sleep-in-atomic", "st.misuse", "st_under_lock"],
    ["sleep-in-atomic", null, "st_irqs_off"],
  ]);
  assert.deepEqual(r[0].now?.held, ["st.misuse"]);
  assert.equal(r[1].now?.irqsOff, true);
  assert.equal(r[0].now?.comm, "st-might");
});

test("lockdep finds 2.6.9's aio_kick_handler inversion in the port: softirq-safe ctx_lock → alloc_lock taken by unuse_mm", async (t) => {
  // The aio self-test parks an iocb and kicks it from a timer (softirq), which takes ctx_lock in
  // kick_iocb; the aio worker's aio_kick_handler runs unuse_mm (task_lock) under ctx_lock, and
  // use_mm took task_lock with interrupts on.
  const m = await boot(2);
  if (typeof st(m).selftest_aio_kick !== "function") return t.skip("assembly/selftest.ts does not export the aio self-test yet");
  st(m).selftest_aio_kick(1, 0, 5, 0);
  m.run({ seconds: 0.1 });
  const r = lockdepReports(m).find((x) => x.kind === "irq-safe-unsafe" && x.first === "kioctx.ctx_lock");
  assert.ok(r, lockdepReports(m).map((x) => x.text).join("\n") || "no reports");
  assert.equal(r.irq, "softirq");
  assert.equal(r.second, "task_struct.alloc_lock");
  assert.equal(r.earlier?.context, "softirq");               // the kick from the timer
  assert.equal(r.later?.context, "process");                 // task_lock with irqs on
  const edge = lockdepEdge(m, "kioctx.ctx_lock", "task_struct.alloc_lock");
  assert.equal(edge?.comm, "aio/0");                          // the aio worker thread
  assert.deepEqual(edge?.held, ["kioctx.ctx_lock"]);
});
