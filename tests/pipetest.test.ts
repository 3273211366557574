// pipetest on the simulated machine (host/experiments.ts runPipetest): the original's three
// lines, its pass count, who does the context switches, the ctx_lock statistics, the simulator's
// speed counters, and that a run is a function of its arguments and seed only.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { runPipetest, CTX_LOCK_CLASS, type PipetestReport } from "../host/experiments.ts";
import type { PipetestOptions } from "../host/workloads/pipetest.ts";
import { formatPipetest } from "../host/cli/format.ts";
import { resolveVariant } from "../host/variant.ts";

const SMALL = { pipes: 20, threads: 4, generations: 300 };

const run = (variant: string, o: PipetestOptions = SMALL, seed?: number, trace = false) =>
  runPipetest({ seed, trace }, resolveVariant(variant), o);

// Everything but the wall-clock fields of `speed` (docs/json-schema.md lists them).
function withoutWallClock(r: PipetestReport): unknown {
  const { wallSeconds: _w, simSecondsPerWallSecond: _s, eventsPerWallSecond: _e, ...speed } = r.speed;
  return { ...r, speed };
}

test("pipetest prints the original's three lines, with passes = threads x generations", async () => {
  const r = await run("pre-patch", { pipes: 20, threads: 4, generations: 300 });
  assert.equal(r.passes, 4 * 300);
  assert.deepEqual(r.errors, []);
  assert.equal(r.lines.length, 3);
  assert.equal(r.lines[0], "using 20 pipe pairs, 4 message threads, 300 generations, 12 bufsize");
  const m = /^Ok! Mode aio: (\d+) passes in (\d+)\.(\d{6}) seconds$/.exec(r.lines[1]);
  assert.ok(m, r.lines[1]);
  assert.equal(Number(m[1]), 1200);
  assert.ok(Math.abs(Number(`${m[2]}.${m[3]}`) - r.seconds) <= 1e-6, `${r.lines[1]} vs ${r.seconds} s`);
  assert.equal(r.lines[2], `passes_per_sec: ${(1200 / r.seconds).toFixed(2)}`);
  const text = formatPipetest(r);
  assert.ok(text.startsWith(r.lines.join("\n") + "\ncontext_switches_per_sec: "), text.slice(0, 300));
});

test("passes = threads x generations with one token per pipe and with a padded bufsize", async () => {
  const r = await run("patched", { pipes: 3, threads: 3, generations: 7, bufsize: 100 });
  assert.equal(r.passes, 21);
  assert.deepEqual(r.errors, []);
  assert.equal(r.lines[0], "using 3 pipe pairs, 3 message threads, 7 generations, 100 bufsize");
});

test("pre-patch: the switches are the pipetest process's and the aio/N worker's, the worker about half", async () => {
  const r = await run("pre-patch");
  const cs = r.contextSwitches;
  const proc = cs.perTask.find((t) => t.comm === "pipetest");
  const worker = cs.perTask.find((t) => /^aio\/\d$/.test(t.comm));
  assert.ok(proc && worker, `tasks: ${cs.perTask.map((t) => t.comm).join(", ")}`);
  assert.equal(worker.kind, "kthread");
  assert.equal(proc.kind, "user");
  assert.equal(proc.switches + worker.switches, cs.switches, "nobody else switches in the timed interval");
  const share = worker.switches / cs.switches;
  assert.ok(share > 0.45 && share < 0.55, `worker share ${share.toFixed(3)} (${worker.switches} of ${cs.switches})`);
  // the worker sleeps of its own accord; the process is preempted by it (nice -10) every hop
  assert.ok(worker.voluntary >= 0.95 * worker.switches, JSON.stringify(worker));
  assert.ok(proc.involuntary >= 0.95 * proc.switches, JSON.stringify(proc));
  assert.ok(cs.switches >= 2 * r.passes, `${cs.switches} switches for ${r.passes} passes`);
  const text = formatPipetest(r);
  assert.match(text, /\n\s*\d+  pipetest\s/);
  assert.match(text, /\n\s*\d+  aio\/0\s/);
});

test("kioctx.ctx_lock statistics are in the report and the text, taken at least once per pass", async () => {
  const r = await run("pre-patch");
  assert.ok(r.ctxLock, `lock classes: ${r.locks.map((l) => l.name).join(", ")}`);
  assert.equal(r.ctxLock.name, CTX_LOCK_CLASS);
  assert.deepEqual(r.locks.find((l) => l.name === CTX_LOCK_CLASS), r.ctxLock);
  assert.ok(r.ctxLock.acquisitions >= r.passes, `${r.ctxLock.acquisitions} acquisitions for ${r.passes} passes`);
  assert.ok(r.ctxLock.contended <= r.ctxLock.acquisitions);
  assert.ok(r.ctxLock.maxHold > 0);
  const text = formatPipetest(r);
  assert.match(text, new RegExp(`\\nctx_lock  kioctx\\.ctx_lock: ${r.ctxLock.contended} of ${r.ctxLock.acquisitions.toLocaleString("en-US")} acquisitions contended`));
  assert.match(text, /\n\s*kioctx\.ctx_lock\s+[\d,]+\s+\d+/, "ctx_lock is a row of the locks table");
});

test("the simulator's speed counts engine steps: positive, and per wall second in the text", async () => {
  const r = await run("pre-patch");
  // every context switch is at least one resumption of a task by the engine
  assert.ok(r.speed.events >= r.contextSwitches.switches, `${r.speed.events} steps, ${r.contextSwitches.switches} switches`);
  assert.ok(r.speed.eventsPerWallSecond > 0 && r.speed.simSecondsPerWallSecond > 0);
  assert.ok(Math.abs(r.speed.eventsPerWallSecond * r.speed.wallSeconds - r.speed.events) < 1e-6 * r.speed.events + 1e-6);
  assert.match(formatPipetest(r), /\nsimulator: [\d,.]+ simulated s per wall s, [\d,]+ events per wall s \([\d,]+ engine steps in [\d.]+ s wall\)\n$/);
});

test("two runs with the same seed give the same report apart from the wall-clock speed fields", async () => {
  const a = await run("feb-step1", SMALL, 5, true), b = await run("feb-step1", SMALL, 5, true);
  assert.ok(a.traceHash && a.traceHash.length === 64);
  assert.deepEqual(withoutWallClock(a), withoutWallClock(b));
  assert.equal(JSON.stringify(withoutWallClock(a)), JSON.stringify(withoutWallClock(b)));
});

test("a different generation count gives a different trace", async () => {
  const a = await run("patched", SMALL, 5, true);
  const b = await run("patched", { ...SMALL, generations: 301 }, 5, true);
  assert.notEqual(a.traceHash, b.traceHash);
  assert.equal(b.passes, 4 * 301);
});
