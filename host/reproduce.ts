// `aio-sim reproduce`: the seed patch's experiment on one fixed machine profile. Pipetest for
// every step of the patch's history, aio-stress for July vs the seed, each row beside the
// figure Chris Mason reported. Only the pre-patch context-switch rate was fitted (one profile
// knob, once, at development time: docs/calibration.md); every other row is a prediction.
import { runPipetest, type MachineOptions, type PipetestReport } from "./experiments.ts";
import { resolveVariant, VARIANT_NOTES } from "./variant.ts";
import { table, fmt, fmtInt } from "./cli/format.ts";
import { runAioStress, AIO_STRESS_REPRODUCE_ARGS, AIO_STRESS_REPRODUCE_OPTIONS, type AioStressReport } from "./workloads/aio-stress.ts";

// Fixed arguments, printed with every result. Chosen so reproduce fits its time budget.
export const PIPETEST_DEFAULTS = { pipes: 100, threads: 10, generations: 20000, bufsize: 12 };
export const PIPETEST_QUICK = { pipes: 20, threads: 4, generations: 300, bufsize: 12 };

export interface Anchor { csPerSec?: number; text: string }

export interface PipetestRow {
  row: string;
  variant: string;
  note: string;
  anchor: Anchor;
  fitted: boolean;
  report: PipetestReport;
}

export interface ReproduceReport {
  machine: PipetestReport["machine"];
  pipetest: { options: typeof PIPETEST_DEFAULTS; rows: PipetestRow[] };
  checks: { name: string; seed: string; ours: string }[];
  aioStress: { args: string[]; coldFiles: boolean; rows: AioStressRow[] };
  wallSeconds: number;
}

export interface AioStressRow { row: string; variant: string; anchor: string; report: AioStressReport }

// aio-stress for July vs the seed: "I was able to trigger short stalls (1sec) with aio-stress,
// and with the current patch they are gone" (docs/aio-stress.md: arguments and what they show).
const AIO_STRESS_ROWS = [
  { variant: "july", anchor: "short stalls (~1 s)" },
  { variant: "patched", anchor: "stalls gone" },
];

const ROWS: { variant: string; anchor: Anchor; fitted?: boolean }[] = [
  { variant: "pre-patch", anchor: { csPerSec: 600_000, text: "~600,000 cs/s" }, fitted: true },
  { variant: "feb-step1", anchor: { csPerSec: 360_000, text: "~360,000 cs/s (opt 1-3)" } },
  { variant: "feb", anchor: { csPerSec: 30, text: '"2.4 levels" (~30 cs/s)' } },
  { variant: "july", anchor: { csPerSec: 30, text: '"2.4 levels" (HZ/10 always)' } },
  { variant: "patched", anchor: { csPerSec: 30, text: "~30 cs/s (vs ~2000 without the waiter check)" } },
];

export interface ReproduceOptions {
  quick?: boolean;
  onProgress?: (f: number) => void;
  between?: () => Promise<void>;
  shouldStop?: () => boolean;
}

// How much slower `a` is than `b`, in percent; rounding noise around zero prints as 0.0.
function slowerPct(a: number, b: number): number {
  const d = 100 - (100 * a) / b;
  return Math.abs(d) < 0.05 ? 0 : d;
}

export async function runReproduce(mo: MachineOptions, o: ReproduceOptions = {}): Promise<ReproduceReport> {
  const args = o.quick ? PIPETEST_QUICK : PIPETEST_DEFAULTS;
  const t0 = performance.now();
  const rows: PipetestRow[] = [];
  const nRuns = ROWS.length + AIO_STRESS_ROWS.length;
  for (const [i, r] of ROWS.entries()) {
    const v = resolveVariant(r.variant);
    if (o.shouldStop?.()) throw new Error("reproduce: stopped");
    const report = await runPipetest(mo, v, args, { onProgress: (f) => o.onProgress?.((i + f) / nRuns),
      between: o.between, shouldStop: o.shouldStop });
    rows.push({ row: r.variant, variant: report.variant, note: VARIANT_NOTES[r.variant], anchor: r.anchor, fitted: !!r.fitted, report });
  }
  const aioRows: AioStressRow[] = [];
  for (const [i, r] of AIO_STRESS_ROWS.entries()) {
    if (o.shouldStop?.()) throw new Error("reproduce: stopped");
    const report = await runAioStress(mo, resolveVariant(r.variant), AIO_STRESS_REPRODUCE_OPTIONS,
      { coldFiles: true, onProgress: (f) => o.onProgress?.((ROWS.length + i + f) / nRuns), between: o.between, shouldStop: o.shouldStop });
    aioRows.push({ row: r.variant, variant: report.variant, anchor: r.anchor, report });
  }
  const by = (n: string) => rows.find((r) => r.row === n)!.report;
  const stall = (n: string) => aioRows.find((r) => r.row === n)!.report.stall.longestUs;
  const checks = [
    { name: "pre-patch throughput vs patched", seed: "about 60 %", ours: `${fmt((100 * by("pre-patch").passesPerSec) / by("patched").passesPerSec)} %` },
    { name: "without ctx->running (july) vs feb", seed: "about 15 % slower", ours: `${fmt(slowerPct(by("july").passesPerSec, by("feb").passesPerSec))} % slower` },
    { name: "aio-stress longest stall, july vs patched", seed: "~1 s stalls, gone with the patch",
      ours: `${fmt(stall("july") / 1e6, 2)} s vs ${fmt(stall("patched") / 1e3, 1)} ms` },
  ];
  return { machine: rows[0].report.machine, pipetest: { options: args, rows }, checks,
    aioStress: { args: AIO_STRESS_REPRODUCE_ARGS, coldFiles: true, rows: aioRows }, wallSeconds: (performance.now() - t0) / 1000 };
}

export function formatReproduce(r: ReproduceReport): string {
  const a = r.pipetest.options;
  let s = `aio-sim reproduce — machine ${r.machine.profile}: ${r.machine.cpus} CPU${r.machine.cpus > 1 ? "s" : ""} at ${fmt(r.machine.khz / 1e6, 2)} GHz, HZ=${r.machine.hz}\n`;
  s += `pipetest: ${a.pipes} pipe pairs, ${a.threads} message threads, ${a.generations} generations, ${a.bufsize} bufsize\n\n`;
  s += table(["row", "cs/s (ours)", "seed's figure", "ours/seed", "passes/s", "sim s/wall s", "events/wall s", "what it is"],
    r.pipetest.rows.map((x) => {
      const cs = x.report.contextSwitches.switchesPerSec;
      const ratio = x.anchor.csPerSec ? cs / x.anchor.csPerSec : NaN;
      return [x.row + (x.fitted ? " *" : ""), fmtInt(cs), x.anchor.text, Number.isFinite(ratio) ? `${fmt(ratio, 2)}x` : "-",
        fmtInt(x.report.passesPerSec), fmt(x.report.speed.simSecondsPerWallSecond, 3), fmtInt(x.report.speed.eventsPerWallSecond), x.note];
    }), [false, true, false, true, true, true, true, false]);
  s += `\naio-stress ${r.aioStress.args.join(" ")} (files on disk, page cache cold)\n`;
  s += table(["row", "longest stall", "seed's words", "read MB/s", "completion p99", "cs/s", "sim s/wall s", "events/wall s"],
    r.aioStress.rows.map((x) => [x.row, `${fmt(x.report.stall.longestUs / 1e3, 1)} ms`, x.anchor,
      fmt(x.report.throughput[0]?.mbPerSec ?? 0, 2), `${fmt(x.report.latency.p99Us / 1e3, 1)} ms`,
      fmtInt(x.report.contextSwitches.switchesPerSec), fmt(x.report.speed.simSecondsPerWallSecond, 3),
      fmtInt(x.report.speed.eventsPerWallSecond)]),
    [false, true, false, true, true, true, true, true]);
  s += "\n" + table(["check", "seed", "ours"], r.checks.map((c) => [c.name, c.seed, c.ours]));
  s += `checks are predictions of the model set beside the seed's words, not pass/fail tests;\n`;
  s += `docs/reproduce.md explains each row and where the model and the 2004 machine disagree.\n`;
  s += `\n* fitted: the profile's userWork knob was calibrated once so this row gives about 600,000 cs/s\n`;
  s += `  (docs/calibration.md); every other row is a prediction of the model, not a tuning.\n`;
  s += `sim s/wall s and events/wall s are the simulator's own speed (events: engine steps, i.e. task resumptions).\n`;
  s += `wall time ${fmt(r.wallSeconds, 1)} s\n`;
  return s;
}
