// The Machine API's contract: profiles are validated with errors that name the field, a kernel
// BUG reaches TypeScript as an Error saying what, where and when, and machines in one process
// do not share state.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine, KernelPanic } from "../host/machine.ts";
import type { ProfileOverrides } from "../host/profile.ts";

const rejects = (overrides: ProfileOverrides, field: RegExp) =>
  assert.rejects(Machine.boot({ overrides }), (e: Error) => {
    assert.match(e.message, field);
    return true;
  });

test("a profile with 0 CPUs is rejected naming profile.cpus", () =>
  rejects({ cpus: 0 }, /^profile\.cpus: must be an integer from 1 to 8, got 0$/));

test("a profile with 9 CPUs is rejected naming profile.cpus", () =>
  rejects({ cpus: 9 }, /^profile\.cpus: .* got 9$/));

test("HZ 300 is rejected naming profile.hz", () =>
  rejects({ hz: 300 }, /^profile\.hz: must be 100, 250 or 1000, got 300$/));

test("a negative cost is rejected naming the cost", () =>
  rejects({ costs: { contextSwitch: -1 } }, /^profile\.costs\.contextSwitch: .* got -1$/));

test("an unknown cost is rejected naming it", () =>
  rejects({ costs: { warpDrive: 5 } as unknown as ProfileOverrides["costs"] }, /^profile\.costs\.warpDrive: unknown cost$/));

for (const cpu of [0, 1]) {
  test(`a BUG in a kernel thread on CPU ${cpu} surfaces as a KernelPanic with message, task, CPU and jiffies`, async () => {
    const m = await Machine.boot({ overrides: { cpus: 2 } });
    m.ex.selftest_bug_at(7, cpu);
    let caught: unknown = null;
    try { m.run({ seconds: 1 }); } catch (e) { caught = e; }
    assert.ok(caught instanceof KernelPanic, `expected a KernelPanic, got ${String(caught)}`);
    const p = caught as KernelPanic;
    assert.equal(p.kind, "BUG");
    assert.equal(p.bugMessage, "selftest: deliberate BUG at the requested jiffy");
    assert.equal(p.comm, "selftest-bug");
    assert.ok(p.pid > 0, `pid ${p.pid}`);
    assert.equal(p.cpu, cpu);
    assert.equal(p.jiffies, 7);
    assert.equal(p.message, `kernel BUG: selftest: deliberate BUG at the requested jiffy (task selftest-bug/${p.pid}, CPU ${cpu}, jiffies 7)`);
    // The machine stays dead: any further call reports the same BUG.
    assert.throws(() => m.run({ seconds: 1 }), (e: unknown) => e === caught);
  });
}

test("two machines in one process keep their own clocks, counters and traces", async () => {
  const a = await Machine.boot({ overrides: { cpus: 1 }, trace: true });
  const b = await Machine.boot({ overrides: { cpus: 2 }, trace: true });
  a.ex.start_pingpong(500, 0, 0);
  a.run({ seconds: 0.01 });
  // b has not run yet: nothing of a's run shows in it.
  assert.equal(b.now, 0n);
  assert.equal(b.ex.total_switches(), 0n);
  assert.equal(b.ex.pingpong_done(), 0);
  assert.equal(a.ex.pingpong_done(), 500);
  b.ex.start_pingpong(300, 0, 1);
  b.run({ seconds: 0.01 });
  assert.equal(b.ex.pingpong_done(), 300);
  assert.equal(a.ex.pingpong_done(), 500);
  assert.equal(a.ex.cpu_count(), 1);
  assert.equal(b.ex.cpu_count(), 2);
  assert.notEqual(a.traceHash(), b.traceHash());
  // A BUG in one machine leaves the other running.
  const c = await Machine.boot({ overrides: { cpus: 1 } });
  c.ex.selftest_bug_at(1, 0);
  assert.throws(() => c.run({ seconds: 1 }), KernelPanic);
  const before = a.ex.total_switches();
  a.ex.start_pingpong(10, 0, 0);
  a.run({ seconds: 0.01 });
  assert.equal(a.ex.total_switches() - before, 12n);
});

test("an unknown profile override is refused by name rather than ignored", async () => {
  await assert.rejects(Machine.boot({ overrides: { userWork: 5 } as never }), /profile\.userWork: unknown setting/);
});

test("run() takes a cycle limit as a number or a bigint, and refuses a negative one", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  // the limit is exclusive: the tick at exactly 3 jiffies' worth of cycles is taken one cycle later
  const r = m.run({ cycles: 2_800_000 * 3 + 1 });
  assert.equal(r.reason, "time");
  assert.equal(m.jiffies, 3);
  m.run({ cycles: 2_800_000n * 5n + 1n });
  assert.equal(m.jiffies, 5);
  assert.throws(() => m.run({ cycles: -1 }), /run\.cycles/);
});

test("a user program that throws or yields a bad request leaves a machine that says why, not a kernel trap", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  m.spawn(function* () { yield { kind: "work", cycles: Number.NaN } as never; return 0; }, { name: "bad" });
  assert.throws(() => m.run({ seconds: 0.01 }), /user program bad \(pid \d+\) made a bad request: work\(\) takes/);
  assert.throws(() => m.run({ seconds: 0.01 }), /machine unusable: user program bad/);
  const m2 = await Machine.boot({ overrides: { cpus: 1 } });
  m2.spawn(function* () { throw new Error("oops"); }, { name: "thrower" });
  assert.throws(() => m2.run({ seconds: 0.01 }), /user program thrower \(pid \d+\) threw: oops/);
  assert.throws(() => m2.spawn(function* () { return 0; }), /machine unusable/);
});

test("spawn and run refuse bad arguments by name", async () => {
  const m = await Machine.boot({ overrides: { cpus: 2 } });
  const prog = function* () { return 0; };
  assert.throws(() => m.spawn(prog, { nice: 20 }), /spawn\.nice/);
  assert.throws(() => m.spawn(prog, { nice: -21 }), /spawn\.nice/);
  assert.throws(() => m.spawn(prog, { cpu: 2 }), /spawn\.cpu/);
  assert.throws(() => m.run({ seconds: Infinity }), /run\.seconds/);
  assert.throws(() => m.run({ cycles: 2n ** 64n }), /run\.cycles/);
  assert.throws(() => m.run({ cycles: -1n }), /run\.cycles/);
  assert.throws(() => m.run({ maxSteps: -5 }), /run\.maxSteps/);
  // a long name is cut to 15 bytes, by bytes
  const pid = m.spawn(prog, { name: "é".repeat(40) });
  assert.equal(m.run({ seconds: 0.01 }).reason, "exited");
  assert.equal(m.exitCode(pid), 0);
});
