// `npm run diff`: runs the whole differential corpus on the simulator and on this machine's
// real kernel and prints the table — one row per step that states an expectation, names an
// era entry or differs — then the summary and the era table.
//
//   node --import tsx host/cref/diff.ts [--all] [--json] [--alarm S] [filter …]
//     --all     print every step, declarations included
//     --json    print {rows, summary} as JSON instead of the table
//     filter    run only scenarios whose name contains one of the words
import "../node.ts";
import { SCENARIOS } from "./scenarios.ts";
import { ERA_TABLE } from "./era.ts";
import { compareScenario, summarize, type Row, type Summary } from "./compare.ts";
import { prepareRealKernel, runOnReal, disposeRealKernel, type RealKernel } from "./real.ts";
import { runOnSim } from "./simrun.ts";
import type { Scenario } from "./format.ts";

export interface CorpusResult { rows: Row[]; summary: Summary; realKernel: string | null; skipReal?: string }

// Runs scenarios on both sides and compares them.
export async function runCorpus(scenarios: Scenario[] = SCENARIOS, alarmSeconds = 1,
                                progress?: (sc: Scenario) => void): Promise<CorpusResult> {
  const k = prepareRealKernel();
  const real: RealKernel | null = "skip" in k ? null : k;
  const rows: Row[] = [];
  try {
    for (const sc of scenarios) {
      progress?.(sc);
      if (sc.outOfScope?.sim || sc.outOfScope?.real) { rows.push(...compareScenario(sc, null, null)); continue; }
      const sim = await runOnSim(sc, { alarmSeconds });
      const r = real ? runOnReal(real, sc, alarmSeconds) : null;
      rows.push(...compareScenario(sc, sim.log, r?.log ?? null,
        { sim: sim.error, real: r ? r.error : (k as { skip: string }).skip }));
    }
  } finally {
    if (real) disposeRealKernel(real);
  }
  return { rows, summary: summarize(rows), realKernel: real?.release ?? null, skipReal: "skip" in k ? k.skip : undefined };
}

const clip = (s: string | undefined, n: number) => {
  const t = s ?? "";
  return t.length > n ? t.slice(0, n - 1) + "…" : t.padEnd(n);
};

export function formatTable(res: CorpusResult, all = false): string {
  const out: string[] = [];
  out.push(`differential corpus: simulator (Linux 2.6.9 port) vs the real kernel ${res.realKernel ?? "(not run: " + res.skipReal + ")"}`);
  let last = "";
  for (const r of res.rows) {
    if (!all && !r.shown) continue;
    if (r.scenario !== last) {
      const sc = SCENARIOS.find((x) => x.name === r.scenario);
      out.push("", `■ ${r.scenario}${sc?.covers?.length ? `  [${sc.covers.join(", ")}]` : ""}`);
      last = r.scenario;
    }
    if (r.step < 0) {
      out.push(`    ${clip(r.line || "(scenario)", 44)} ${r.verdict.toUpperCase() === "MISMATCH" ? "MISMATCH" : r.verdict}` +
        `${r.sim ? `  sim: ${r.sim}  real: ${r.real}` : ""}${r.note ? `  — ${r.note}` : ""}`);
      continue;
    }
    const verdict = r.verdict === "era" ? "era" : r.verdict;
    const split = r.split && r.split !== "same" ? ` split:${r.split}` : "";
    out.push(`  ${String(r.step).padStart(3)} ${clip(r.line, 40)} ${verdict.padEnd(8)}${split}`);
    if (r.verdict === "same" && !split) out.push(`        both: ${r.sim}`);
    else {
      out.push(`        sim (2.6.9): ${r.sim}`);
      out.push(`        real:        ${r.real}`);
    }
    if (r.era && (r.verdict === "era" || split)) out.push(`        era table: ${r.era}`);
    if (r.note) out.push(`        ${r.note}`);
  }
  const s = res.summary;
  out.push("", "summary",
    `  scenarios ${s.scenarios} (${s.inScope} in scope, ${s.outOfScope} out of scope)`,
    `  compared steps ${s.steps}: same ${s.same}, era difference ${s.era}, MISMATCH ${s.mismatch}` +
      `; sync split differences outside the table ${s.splitMismatch}`);
  out.push("", "era table (rows using each entry)");
  for (const e of ERA_TABLE) {
    out.push(`  ${clip(e.title, 52)} ${String(s.byEra.get(e.title) ?? 0).padStart(3)} rows`);
    out.push(`      2.6.9:  ${e.v2_6_9}`);
    out.push(`      modern: ${e.modern}${e.note ? `\n      note:   ${e.note}` : ""}`);
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const all = args.includes("--all");
  const ai = args.indexOf("--alarm");
  const alarm = ai >= 0 ? Number(args[ai + 1]) : 1;
  const filters = args.filter((a, i) => !a.startsWith("--") && !(ai >= 0 && i === ai + 1));
  const list = filters.length ? SCENARIOS.filter((sc) => filters.some((f) => sc.name.includes(f))) : SCENARIOS;
  if (!list.length) { console.error("diff: no scenario matches"); process.exit(2); }
  const tty = !json && process.stderr.isTTY;
  const res = await runCorpus(list, alarm, tty ? (sc) => process.stderr.write(`  running: ${sc.name.slice(0, 70)}\x1b[K\r`) : undefined);
  if (tty) process.stderr.write("\x1b[K");
  if (json) {
    console.log(JSON.stringify({ realKernel: res.realKernel, skipReal: res.skipReal, summary: { ...res.summary, byEra: Object.fromEntries(res.summary.byEra) }, rows: res.rows }, null, 2));
  } else console.log(formatTable(res, all));
  process.exit(res.summary.mismatch || res.summary.splitMismatch ? 1 : 0);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
