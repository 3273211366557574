// `aio-sim reproduce` (host/reproduce.ts): the direction of each row against the seed's story,
// on pipetest arguments long enough for the delayed worker to run (the quick size finishes
// before HZ/10 and shows 0 cs/s in every delayed variant), and the report's shape on --quick.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { runPipetest, type PipetestReport } from "../host/experiments.ts";
import { runReproduce, formatReproduce, PIPETEST_QUICK } from "../host/reproduce.ts";
import { AIO_STRESS_REPRODUCE_ARGS } from "../host/workloads/aio-stress.ts";
import { resolveVariant } from "../host/variant.ts";

// 60,000 passes: patched runs ~0.15 simulated s, past the first HZ/10 delayed worker runs.
const DIRECTION_ARGS = { pipes: 100, threads: 10, generations: 6000 };

const rows = new Map<string, PipetestReport>();
async function row(variant: string): Promise<PipetestReport> {
  if (!rows.has(variant)) rows.set(variant, await runPipetest({}, resolveVariant(variant), DIRECTION_ARGS));
  return rows.get(variant)!;
}
const cs = (r: PipetestReport) => r.contextSwitches.switchesPerSec;

test("pre-patch switches at least 100x as often as the seed (patched), which still switches", async () => {
  const pre = await row("pre-patch"), patched = await row("patched");
  assert.ok(cs(patched) > 0, "the delayed worker ran in the patched row");
  assert.ok(cs(pre) >= 100 * cs(patched), `pre-patch ${cs(pre).toFixed(0)} cs/s vs patched ${cs(patched).toFixed(1)} cs/s`);
  assert.ok(cs(pre) > 300_000, `pre-patch ${cs(pre).toFixed(0)} cs/s`);
  assert.ok(cs(patched) < 100, `patched ${cs(patched).toFixed(1)} cs/s is not at "2.4 levels"`);
});

test("feb-step1 (opt 1-3, kicks still queue_work) lies strictly between pre-patch and patched", async () => {
  const pre = await row("pre-patch"), step1 = await row("feb-step1"), patched = await row("patched");
  assert.ok(cs(step1) < cs(pre), `feb-step1 ${cs(step1).toFixed(0)} vs pre-patch ${cs(pre).toFixed(0)} cs/s`);
  assert.ok(cs(step1) > cs(patched), `feb-step1 ${cs(step1).toFixed(0)} vs patched ${cs(patched).toFixed(1)} cs/s`);
  // the seed's 600,000 -> 360,000: a cut, but the same order of magnitude
  assert.ok(cs(step1) > cs(pre) / 10, `feb-step1 ${cs(step1).toFixed(0)} cs/s`);
});

test("feb and july, with the HZ/10 delayed work, switch as rarely as patched", async () => {
  for (const v of ["feb", "july"]) {
    const r = await row(v);
    assert.ok(cs(r) < 100, `${v}: ${cs(r).toFixed(1)} cs/s`);
    assert.equal(r.passes, DIRECTION_ARGS.threads * DIRECTION_ARGS.generations);
  }
});

test("fewer switches means more passes per second: pre-patch < feb-step1 < patched", async () => {
  const pre = await row("pre-patch"), step1 = await row("feb-step1"), patched = await row("patched");
  assert.ok(pre.passesPerSec < step1.passesPerSec && step1.passesPerSec < patched.passesPerSec,
    `passes/s: ${pre.passesPerSec.toFixed(0)}, ${step1.passesPerSec.toFixed(0)}, ${patched.passesPerSec.toFixed(0)}`);
});

test("reproduce --quick: five pipetest rows in the patch's order, two aio-stress rows on the aio-stress test's arguments", async () => {
  const r = await runReproduce({}, { quick: true });
  assert.deepEqual(r.pipetest.options, PIPETEST_QUICK);
  assert.deepEqual(r.pipetest.rows.map((x) => x.row), ["pre-patch", "feb-step1", "feb", "july", "patched"]);
  assert.deepEqual(r.pipetest.rows.filter((x) => x.fitted).map((x) => x.row), ["pre-patch"]);
  for (const x of r.pipetest.rows) {
    assert.equal(x.report.passes, PIPETEST_QUICK.threads * PIPETEST_QUICK.generations, x.row);
    assert.deepEqual(x.report.errors, [], x.row);
    assert.ok(x.report.variant.startsWith(x.row), `${x.row}: ${x.report.variant}`);
  }
  // the same arguments the aio-stress test checks July's >= 10x stall on (tests/aio-stress.test.ts)
  assert.deepEqual(r.aioStress.args, AIO_STRESS_REPRODUCE_ARGS);
  assert.deepEqual(r.aioStress.rows.map((x) => x.row), ["july", "patched"]);
  const [july, patched] = r.aioStress.rows.map((x) => x.report.stall.longestUs);
  assert.ok(july >= 10 * patched, `july's longest stall ${july.toFixed(0)} µs vs patched ${patched.toFixed(0)} µs`);
  assert.deepEqual(r.checks.map((c) => c.name), ["pre-patch throughput vs patched", "without ctx->running (july) vs feb",
    "aio-stress longest stall, july vs patched"]);
  const text = formatReproduce(r);
  for (const name of ["pre-patch *", "feb-step1", "feb ", "july", "patched"]) assert.ok(text.includes(`\n${name}`), `row ${name} missing:\n${text}`);
  assert.match(text, /events\/wall s/);
  assert.match(text, /pipetest: 20 pipe pairs, 4 message threads, 300 generations, 12 bufsize\n/);
});

test("the fitted row: pre-patch pipetest at reproduce's defaults makes 600,000 cs/s within 2 % (docs/calibration.md)", async () => {
  const { runPipetest } = await import("../host/experiments.ts");
  const { resolveVariant } = await import("../host/variant.ts");
  const { PIPETEST_DEFAULTS } = await import("../host/reproduce.ts");
  const r = await runPipetest({ profile: "xeon-2004" }, resolveVariant("pre-patch"), PIPETEST_DEFAULTS);
  const cs = r.contextSwitches.switchesPerSec;
  assert.ok(Math.abs(cs - 600_000) <= 12_000, `pre-patch makes ${Math.round(cs)} cs/s; refit userWork (node --import tsx scripts/calibrate.ts)`);
});
