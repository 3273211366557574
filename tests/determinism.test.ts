// Determinism: the same program on a freshly booted machine yields the same trace, record for
// record, so the trace hash (SHA-256 over the canonical text, docs/trace.md) is equal across
// boots; a different program yields a different hash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
import { sys, work, type Program } from "../host/program.ts";

interface Run { hash: string; lines: string[]; switches: bigint }

async function pingpong(cpus: number, rounds: number): Promise<Run> {
  const m = await Machine.boot({ overrides: { cpus }, trace: "lines" });
  m.ex.start_pingpong(rounds, 0, cpus > 1 ? 1 : 0);
  m.run({ seconds: 0.05 });
  assert.equal(m.ex.pingpong_done(), rounds, "ping-pong did not finish in 50 simulated ms");
  return { hash: m.traceHash(), lines: m.traceLines(), switches: m.ex.total_switches() };
}

// Three processes on two CPUs: system calls (getpid, sched_yield) between bursts of user work
// of different lengths, so they preempt, yield and take ticks at interleaved moments.
function worker(burst: number, loops: number): Program {
  return function* () {
    let sum = 0;
    for (let i = 0; i < loops; i++) {
      sum += yield sys.getpid();
      yield work(burst * (1 + (i % 3)));
      if (i % 4 === 3) yield sys.sched_yield();
    }
    return sum & 0x7f;
  };
}

async function userRun(burst: number): Promise<Run & { codes: (number | null)[] }> {
  const m = await Machine.boot({ overrides: { cpus: 2 }, trace: "lines" });
  const pids = [
    m.spawn(worker(burst, 40), { name: "w0", cpu: 0 }),
    m.spawn(worker(burst * 3, 20), { name: "w1", cpu: 1 }),
    m.spawn(worker(burst * 7, 12), { name: "w2", cpu: 0 }),
  ];
  const r = m.run({ seconds: 5 });
  assert.equal(r.reason, "exited");
  return { hash: m.traceHash(), lines: m.traceLines(), switches: m.ex.total_switches(),
           codes: pids.map((p) => m.exitCode(p)) };
}

// The documented definition: SHA-256 of every canonical line followed by "\n", in order.
const sha256Lines = (lines: string[]) => createHash("sha256").update(lines.map((l) => l + "\n").join("")).digest("hex");

for (const cpus of [1, 2]) {
  test(`kthread ping-pong on ${cpus} CPU(s): two boots give the same trace hash`, async () => {
    const a = await pingpong(cpus, 2000), b = await pingpong(cpus, 2000);
    assert.ok(a.lines.some((l) => / switch \d+->\d+ /.test(l)), "the trace holds context switches");
    assert.ok(a.lines.length > 2000, `only ${a.lines.length} records`);
    assert.equal(a.switches, b.switches);
    assert.deepEqual(a.lines, b.lines);
    assert.equal(a.hash, b.hash);
    assert.equal(a.hash, sha256Lines(a.lines), "traceHash is SHA-256 over the lines, each ending in \\n");
  });
}

test("kthread ping-pong: a different number of rounds gives a different hash", async () => {
  const a = await pingpong(2, 2000), b = await pingpong(2, 2001);
  assert.notEqual(a.hash, b.hash);
});

test("kthread ping-pong: 1 and 2 CPUs give different hashes", async () => {
  const a = await pingpong(1, 2000), b = await pingpong(2, 2000);
  assert.notEqual(a.hash, b.hash);
});

test("user programs with system calls and user work on 2 CPUs: two boots give the same trace hash", async () => {
  const a = await userRun(20_000), b = await userRun(20_000);
  assert.deepEqual(a.codes, b.codes);
  assert.ok(a.codes.every((c) => c !== null), "every process exited");
  assert.ok(a.lines.some((l) => / syscall pid=\d+ nr=20 /.test(l)), "the trace holds getpid calls");
  assert.ok(a.lines.some((l) => / syscall pid=\d+ nr=158 /.test(l)), "the trace holds sched_yield calls");
  assert.equal(a.lines.length, b.lines.length);
  assert.deepEqual(a.lines, b.lines);
  assert.equal(a.hash, b.hash);
  assert.equal(a.hash, sha256Lines(a.lines));
});

test("user programs: changing one burst length changes the hash", async () => {
  const a = await userRun(20_000), b = await userRun(20_001);
  assert.notEqual(a.hash, b.hash);
});
