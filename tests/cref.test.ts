// Differential tests of the fs/aio.c port against this machine's real kernel (issue cref-diff):
// every scenario of host/cref/scenarios.ts runs as a user program on the simulator, whose every
// step must give 2.6.9's answer, and through tests/cref/driver.c (compiled here with gcc) on the
// real kernel, whose answers must equal the simulator's or differ only as the era table says.
// Without gcc or kernel AIO the real-kernel half is skipped with the reason; the simulator half
// still runs.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { SCENARIOS } from "../host/cref/scenarios.ts";
import { ERA_BY_ID } from "../host/cref/era.ts";
import { compareScenario, summarize, type Row } from "../host/cref/compare.ts";
import { parseLog, s, toLines, type Scenario } from "../host/cref/format.ts";
import { prepareRealKernel, runOnReal, disposeRealKernel, type RealKernel } from "../host/cref/real.ts";
import { runOnSim, type SimRun } from "../host/cref/simrun.ts";

const ALARM = 1;

function explain(rows: Row[]): string {
  return rows.map((r) => `step ${r.step} "${r.line}": ${r.verdict}${r.split && r.split !== "same" ? ` split ${r.split}` : ""}` +
    `\n  sim:  ${r.sim}\n  real: ${r.real}${r.note ? `\n  ${r.note}` : ""}`).join("\n");
}

const bad = (rows: Row[]) => rows.filter((r) => r.verdict === "MISMATCH" || r.split === "MISMATCH");

describe("the differential corpus", () => {
  it("has at least 40 scenarios in scope, each naming what it covers, and every out-of-scope one says why", () => {
    const inScope = SCENARIOS.filter((sc) => !sc.outOfScope);
    assert.ok(inScope.length >= 40, `only ${inScope.length} scenarios in scope`);
    for (const sc of SCENARIOS) {
      assert.ok(sc.covers?.length, `${sc.name}: covers nothing`);
      if (sc.outOfScope) assert.ok(Object.values(sc.outOfScope).every((r) => typeof r === "string" && r.length > 10), sc.name);
    }
    assert.equal(new Set(SCENARIOS.map((sc) => sc.name)).size, SCENARIOS.length, "scenario names are unique");
  });

  it("names only era entries that exist, and gives each a modern answer", () => {
    for (const sc of SCENARIOS) for (const st of sc.steps) {
      if (!st.era) continue;
      assert.ok(ERA_BY_ID.has(st.era.id), `${sc.name}: "${st.line}" names unknown era entry ${st.era.id}`);
      assert.ok(Object.keys(st.era.modern).length > 0, `${sc.name}: "${st.line}" has no modern answer`);
      assert.ok(st.expect, `${sc.name}: "${st.line}" names an era entry but states no 2.6.9 answer`);
    }
  });

  it("covers the portable libaio harness cases 2.t, 3.t, 4.t, 11.t, 13.t and 14.t, and says 7.t is out of scope", () => {
    const covered = new Set(SCENARIOS.filter((sc) => !sc.outOfScope).flatMap((sc) => sc.covers ?? []));
    for (const c of ["2.t", "3.t", "4.t", "11.t", "13.t", "14.t"]) assert.ok(covered.has(`libaio ${c}`), c);
    assert.ok(SCENARIOS.find((sc) => sc.covers?.includes("libaio 7.t"))?.outOfScope?.sim);
  });
});

describe("the comparer", () => {
  const sc: Scenario = {
    name: "t", covers: ["t"], steps: [
      s("io_cancel $ctx $io $ev", { ret: "-EAGAIN" }, { id: "io_cancel-errno", modern: { ret: "-EINVAL" } }),
      s("io_destroy 0", { ret: "-EINVAL" }),
      s("sync $ctx $w", { result: "-EINVAL", at: "event" }, { id: "error-surface", modern: { result: "-EINVAL", at: "submit" } }),
    ],
  };
  const sim = parseLog("0 io_cancel ret=-EAGAIN\n1 io_destroy ret=-EINVAL\n2 sync result=-EINVAL at=event obj=ok res2=0\n");

  it("accepts a real answer the step's era entry names, as an era row showing both answers", () => {
    const rows = compareScenario(sc, sim, parseLog("0 io_cancel ret=-EINVAL\n1 io_destroy ret=-EINVAL\n2 sync result=-EINVAL at=submit\n"));
    assert.equal(rows[0].verdict, "era");
    assert.equal(rows[0].sim, "ret=-EAGAIN");
    assert.equal(rows[0].real, "ret=-EINVAL");
    assert.equal(rows[0].era, "io_cancel EAGAIN vs EINVAL");
    assert.equal(rows[1].verdict, "same");
  });

  it("calls a real answer that differs without an era entry a MISMATCH", () => {
    const rows = compareScenario(sc, sim, parseLog("0 io_cancel ret=-EAGAIN\n1 io_destroy ret=-EBADF\n2 sync result=-EINVAL at=event obj=ok res2=0\n"));
    assert.equal(rows[1].verdict, "MISMATCH");
    assert.match(rows[1].note ?? "", /no era-table entry/);
  });

  it("calls a real answer other than the named modern one a MISMATCH", () => {
    const rows = compareScenario(sc, sim, parseLog("0 io_cancel ret=-ENOSYS\n1 io_destroy ret=-EINVAL\n2 sync result=-EINVAL at=event obj=ok res2=0\n"));
    assert.equal(rows[0].verdict, "MISMATCH");
  });

  it("calls a simulator answer that is not 2.6.9's a MISMATCH even when the real kernel agrees", () => {
    const wrong = parseLog("0 io_cancel ret=-EINVAL\n1 io_destroy ret=-EINVAL\n2 sync result=-EINVAL at=event obj=ok res2=0\n");
    const rows = compareScenario(sc, wrong, wrong);
    assert.equal(rows[0].verdict, "MISMATCH");
    assert.match(rows[0].note ?? "", /not 2\.6\.9: ret=-EINVAL \(2\.6\.9: -EAGAIN\)/);
  });

  it("compares a sync step's submit-or-event result as one value and reports the split apart", () => {
    const rows = compareScenario(sc, sim, parseLog("0 io_cancel ret=-EINVAL\n1 io_destroy ret=-EINVAL\n2 sync result=-EINVAL at=submit\n"));
    assert.equal(rows[2].verdict, "same");
    assert.equal(rows[2].split, "era");
    const unnamed = compareScenario({ ...sc, steps: [sc.steps[0], sc.steps[1], s("sync $ctx $w", { result: "-EINVAL" })] }, sim,
      parseLog("0 io_cancel ret=-EINVAL\n1 io_destroy ret=-EINVAL\n2 sync result=-EINVAL at=submit\n"));
    assert.equal(unnamed[2].verdict, "same");
    assert.equal(unnamed[2].split, "MISMATCH");
    assert.equal(summarize(unnamed).splitMismatch, 1);
  });

  it("writes one line per step in the file both interpreters read", () => {
    assert.equal(toLines(sc).split("\n").filter(Boolean).length, sc.steps.length);
  });
});

// ---- the corpus on both sides

let real: RealKernel | null = null;
let skipReal = "";
let skipSim = "";

describe("the corpus", () => {
  before(async () => {
    const probe: Scenario = { name: "probe", covers: [], steps: [s("ctxslot $p"), s("io_setup 1 $p $c")] };
    try {
      const r = await runOnSim(probe);
      const ret = r.log.get(1)?.fields.ret;
      if (ret !== "0") skipSim = `the simulator's io_setup answers ${ret ?? r.error ?? "nothing"}: the AIO syscalls are not in this build yet`;
    } catch (e) {
      skipSim = `the simulator could not run a probe: ${(e as Error).message}`;
    }
    const k = prepareRealKernel();
    if ("skip" in k) skipReal = k.skip; else real = k;
  });
  after(() => { if (real) disposeRealKernel(real); });

  for (const sc of SCENARIOS) {
    describe(sc.name, () => {
      let sim: SimRun | null = null;
      const ensureSim = async () => (sim ??= await runOnSim(sc, { alarmSeconds: ALARM }));

      it("gives 2.6.9's answer at every step on the simulator", async (t) => {
        if (sc.outOfScope?.sim) return t.skip(`out of scope: ${sc.outOfScope.sim}`);
        if (skipSim) return t.skip(skipSim);
        const r = await ensureSim();
        const rows = compareScenario(sc, r.log, r.log, { sim: r.error, real: r.error });
        assert.deepEqual(bad(rows), [], explain(bad(rows)) + `\nsimulator log:\n${r.text}`);
      });

      it("agrees with the real kernel or differs only as the era table says", async (t) => {
        if (sc.outOfScope?.real || sc.outOfScope?.sim) return t.skip(`out of scope: ${sc.outOfScope.sim ?? sc.outOfScope.real}`);
        if (skipSim) return t.skip(skipSim);
        if (!real) return t.skip(skipReal || "the real-kernel side is not prepared");
        const r = await ensureSim();
        const k = runOnReal(real, sc, ALARM);
        const rows = compareScenario(sc, r.log, k.log, { sim: r.error, real: k.error });
        assert.deepEqual(bad(rows), [], explain(bad(rows)) + `\nsimulator log:\n${r.text}\nreal-kernel log:\n${k.text}`);
        for (const row of rows) if (row.verdict === "era" || row.split === "era") assert.ok(row.era, `step ${row.step}: era row without its entry`);
      });
    });
  }
});
