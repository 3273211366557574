// The comparer: puts each step's simulator line beside the real kernel's and the scenario's
// 2.6.9 expectation, and classifies it:
//   same      — the simulator gives 2.6.9's answer and the real kernel gives the same;
//   era       — the simulator gives 2.6.9's answer, the real kernel the modern answer the step
//               names, under an entry of the era table (both answers are printed);
//   MISMATCH  — anything else: the simulator is not 2.6.9, or the real kernel differs in a way
//               no era-table entry names.
// sync steps (libaio's sync_submit) are compared on their result alone — "submit error or event
// res" as one value — and the split (at=submit|event) is reported in its own column, which an
// era entry must also name when it differs.
import { ERA_BY_ID } from "./era.ts";
import { describe, matches, type Expect, type Log, type LogLine, type Scenario } from "./format.ts";

export type Verdict = "same" | "era" | "MISMATCH" | "out of scope";

export interface Row {
  scenario: string;
  step: number;              // -1: a scenario-level row (out of scope, invariant)
  line: string;
  verdict: Verdict;
  split?: "same" | "era" | "MISMATCH";
  sim?: string;              // the simulator's fields, as printed
  real?: string;
  era?: string;              // era-table entry title
  note?: string;
  shown: boolean;            // worth a row in the table (expectation, era or difference)
}

const SPLIT_KEYS = new Set(["at", "obj", "res2", "getevents"]);
const IGNORED = new Set(["msg"]);

function fieldsText(l: LogLine | undefined): string {
  if (!l) return "(no line)";
  return Object.entries(l.fields).map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join(" ") || l.op;
}

function expectFailures(l: LogLine | undefined, e: Expect | undefined): string[] {
  if (!e) return [];
  return Object.entries(e).filter(([k, m]) => !matches(l?.fields[k], m))
    .map(([k, m]) => `${k}=${l?.fields[k] ?? "(none)"} (2.6.9: ${describe(m)})`);
}

function keysOf(...ls: (LogLine | undefined)[]): string[] {
  const ks = new Set<string>();
  for (const l of ls) if (l) for (const k of Object.keys(l.fields)) if (!IGNORED.has(k)) ks.add(k);
  return [...ks];
}

export function compareScenario(sc: Scenario, sim: Log | null, real: Log | null,
                                errors: { sim?: string; real?: string } = {}): Row[] {
  const rows: Row[] = [];
  const base = { scenario: sc.name };
  if (sc.outOfScope?.sim || sc.outOfScope?.real) {
    const reasons = [sc.outOfScope.sim && `simulator: ${sc.outOfScope.sim}`,
      sc.outOfScope.real && `real kernel: ${sc.outOfScope.real}`].filter(Boolean).join("; ");
    rows.push({ ...base, step: -1, line: "", verdict: "out of scope", note: reasons, shown: true });
    return rows;
  }
  if (!sim || !real) {
    rows.push({ ...base, step: -1, line: "", verdict: "MISMATCH", shown: true,
      note: !sim ? `no simulator log: ${errors.sim ?? "not run"}` : `no real-kernel log: ${errors.real ?? "not run"}` });
    return rows;
  }
  // A panic the scenario expects ends the simulator's log; later steps cannot be compared.
  let simDeadAfter = Infinity;

  sc.steps.forEach((st, i) => {
    const sl = sim.get(i), rl = real.get(i);
    const row: Row = { ...base, step: i, line: st.line, verdict: "same", sim: fieldsText(sl), real: fieldsText(rl),
      shown: !!(st.expect || st.era) };
    if (i > simDeadAfter) {
      if (rl) { row.verdict = "same"; row.note = "not run on the simulator: it stopped at the expected panic"; row.sim = "(stopped)"; }
      else return;
      rows.push(row);
      return;
    }
    if (!sl && !rl) return;        // lines that print nothing on either side (endfork, exit)
    const problems: string[] = [];
    if (sl?.op === "error") problems.push(`simulator error: ${sl.fields.msg ?? sl.raw}`);
    if (rl?.op === "error") problems.push(`real-kernel driver error: ${rl.fields.msg ?? rl.raw}`);
    if (!sl) problems.push("the simulator printed no line");
    if (!rl) problems.push("the real kernel printed no line");
    const notTwoSix9 = expectFailures(sl, st.expect);
    if (notTwoSix9.length) problems.push(`simulator is not 2.6.9: ${notTwoSix9.join(", ")}`);
    if (sl?.op === "panic" && st.expect?.panic !== undefined && !notTwoSix9.length) simDeadAfter = i;

    // Primary and split fields.
    const isSync = st.line.startsWith("sync ");
    const bothEvents = sl?.fields.at === "event" && rl?.fields.at === "event";
    const primary = keysOf(sl, rl).filter((k) => !isSync || !SPLIT_KEYS.has(k) || (bothEvents && k !== "at"));
    const era = st.era ? ERA_BY_ID.get(st.era.id) : undefined;
    // an expected simulator panic is the 2.6.9 answer of its era entry, never a real one
    const diff = primary.filter((k) => !(k === "panic" && era) && sl?.fields[k] !== rl?.fields[k]);
    if (st.era && !era) problems.push(`era entry ${st.era.id} is not in the table`);
    if (era) row.era = era.title;

    if (!problems.length && diff.length) {
      const modern = st.era?.modern ?? {};
      // a field only the simulator prints (events of a call that failed on the real kernel)
      // follows from the named fields; one the real kernel prints must be named
      const unnamed = diff.filter((k) => !(k in modern) && rl?.fields[k] !== undefined);
      const wrong = Object.entries(modern).filter(([k, m]) => (!isSync || !SPLIT_KEYS.has(k) || bothEvents) && !matches(rl?.fields[k], m));
      if (!era || unnamed.length || wrong.length) {
        problems.push(`real kernel differs: ${diff.map((k) => `${k}=${rl?.fields[k] ?? "(none)"}`).join(", ")}` +
          (era ? ` (modern answer named: ${Object.entries(modern).map(([k, m]) => `${k}=${describe(m)}`).join(" ")})` : " and no era-table entry names it"));
      } else row.verdict = "era";
    }
    if (problems.length) { row.verdict = "MISMATCH"; row.note = problems.join("; "); }

    if (isSync && sl && rl) {
      if (sl.fields.at === rl.fields.at) row.split = "same";
      else {
        const m = st.era?.modern.at;
        row.split = era && m !== undefined && matches(rl.fields.at, m) ? "era" : "MISMATCH";
      }
    }
    if (row.verdict !== "same" || (row.split && row.split !== "same")) row.shown = true;
    rows.push(row);
  });

  for (const inv of sc.invariants ?? []) {
    const okSim = inv.holds(sim), okReal = inv.holds(real);
    rows.push({ ...base, step: -1, line: `invariant: ${inv.desc}`, shown: true,
      verdict: okSim && okReal ? "same" : "MISMATCH",
      sim: okSim ? "holds" : "fails", real: okReal ? "holds" : "fails" });
  }
  return rows;
}

export interface Summary {
  scenarios: number;
  inScope: number;
  steps: number;
  same: number;
  era: number;
  mismatch: number;
  outOfScope: number;
  splitMismatch: number;
  byEra: Map<string, number>;
}

export function summarize(rows: Row[]): Summary {
  const names = new Set(rows.map((r) => r.scenario));
  const oos = new Set(rows.filter((r) => r.verdict === "out of scope").map((r) => r.scenario));
  const byEra = new Map<string, number>();
  for (const r of rows) if (r.verdict === "era" || r.split === "era") byEra.set(r.era!, (byEra.get(r.era!) ?? 0) + 1);
  return {
    scenarios: names.size,
    inScope: names.size - oos.size,
    steps: rows.filter((r) => r.step >= 0).length,
    same: rows.filter((r) => r.verdict === "same").length,
    era: rows.filter((r) => r.verdict === "era").length,
    mismatch: rows.filter((r) => r.verdict === "MISMATCH").length,
    outOfScope: oos.size,
    splitMismatch: rows.filter((r) => r.split === "MISMATCH").length,
    byEra,
  };
}
