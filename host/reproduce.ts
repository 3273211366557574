// `aio-sim reproduce`: the seed patch's experiment on one fixed machine profile. Pipetest for
// every step of the patch's history, aio-stress for July vs the seed, each row beside the
// figure Chris Mason reported. Only the pre-patch context-switch rate was fitted (one profile
// knob, once, at development time: docs/calibration.md); every other row is a prediction.
import { runPipetest, type MachineOptions, type PipetestReport } from "./experiments.ts";
import { resolveVariant, VARIANT_NOTES } from "./variant.ts";
import { table, fmt, fmtInt } from "./cli/format.ts";

// Fixed arguments, printed with every result. Chosen so reproduce fits its time budget.
export const PIPETEST_DEFAULTS = { pipes: 100, threads: 10, generations: 2000, bufsize: 12 };
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
  wallSeconds: number;
}

const ROWS: { variant: string; anchor: Anchor; fitted?: boolean }[] = [
  { variant: "pre-patch", anchor: { csPerSec: 600_000, text: "~600,000 cs/s" }, fitted: true },
  { variant: "feb-step1", anchor: { csPerSec: 360_000, text: "~360,000 cs/s (opt 1-3)" } },
  { variant: "feb", anchor: { csPerSec: 30, text: '"2.4 levels" (~30 cs/s)' } },
  { variant: "july", anchor: { csPerSec: 2000, text: "~2000 cs/s (no waiter check)" } },
  { variant: "patched", anchor: { csPerSec: 30, text: "~30 cs/s" } },
];

export interface ReproduceOptions {
  quick?: boolean;
  onProgress?: (f: number) => void;
  between?: () => Promise<void>;
  shouldStop?: () => boolean;
}

export async function runReproduce(mo: MachineOptions, o: ReproduceOptions = {}): Promise<ReproduceReport> {
  const args = o.quick ? PIPETEST_QUICK : PIPETEST_DEFAULTS;
  const t0 = performance.now();
  const rows: PipetestRow[] = [];
  for (const [i, r] of ROWS.entries()) {
    const v = resolveVariant(r.variant);
    if (o.shouldStop?.()) throw new Error("reproduce: stopped");
    const report = await runPipetest(mo, v, args, { onProgress: (f) => o.onProgress?.((i + f) / ROWS.length),
      between: o.between, shouldStop: o.shouldStop });
    rows.push({ row: r.variant, variant: report.variant, note: VARIANT_NOTES[r.variant], anchor: r.anchor, fitted: !!r.fitted, report });
  }
  const by = (n: string) => rows.find((r) => r.row === n)!.report;
  const checks = [
    { name: "pre-patch throughput vs patched", seed: "about 60 %", ours: `${fmt((100 * by("pre-patch").passesPerSec) / by("patched").passesPerSec)} %` },
    { name: "without ctx->running (july) vs feb", seed: "about 15 % slower", ours: `${fmt(100 - (100 * by("july").passesPerSec) / by("feb").passesPerSec)} % slower` },
  ];
  return { machine: rows[0].report.machine, pipetest: { options: args, rows }, checks, wallSeconds: (performance.now() - t0) / 1000 };
}

export function formatReproduce(r: ReproduceReport): string {
  const a = r.pipetest.options;
  let s = `aio-sim reproduce — machine ${r.machine.profile}: ${r.machine.cpus} CPUs at ${fmt(r.machine.khz / 1e6, 2)} GHz, HZ=${r.machine.hz}\n`;
  s += `pipetest: ${a.pipes} pipe pairs, ${a.threads} message threads, ${a.generations} generations, ${a.bufsize} bufsize\n\n`;
  s += table(["row", "cs/s (ours)", "seed's figure", "ours/seed", "passes/s", "sim s/wall s", "what it is"],
    r.pipetest.rows.map((x) => {
      const cs = x.report.contextSwitches.switchesPerSec;
      const ratio = x.anchor.csPerSec ? cs / x.anchor.csPerSec : NaN;
      return [x.row + (x.fitted ? " *" : ""), fmtInt(cs), x.anchor.text, Number.isFinite(ratio) ? `${fmt(ratio, 2)}x` : "-",
        fmtInt(x.report.passesPerSec), fmt(x.report.speed.simSecondsPerWallSecond, 3), x.note];
    }), [false, true, false, true, true, true, false]);
  s += "\n" + table(["check", "seed", "ours"], r.checks.map((c) => [c.name, c.seed, c.ours]));
  s += `\n* fitted: the profile's userWork knob was calibrated once so this row gives about 600,000 cs/s\n`;
  s += `  (docs/calibration.md); every other row is a prediction of the model, not a tuning.\n`;
  s += `wall time ${fmt(r.wallSeconds, 1)} s\n`;
  return s;
}
