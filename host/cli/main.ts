// aio-sim <pipetest|aio-stress|reproduce> [options] — the command line. Bad options: one line
// naming the option on stderr, exit status 2, nothing else written.
import "../node.ts";
import { UsageError, parse, intOpt, MACHINE_OPTIONS, machineOptions, variantOf } from "./args.ts";
import { runPipetest, type PipetestReport } from "../experiments.ts";
import { PIPETEST_LIMITS } from "../workloads/pipetest.ts";
import { PIPETEST_DEFAULTS, runReproduce, formatReproduce } from "../reproduce.ts";
import { runAioStressCli } from "./aio-stress.ts";
import { formatPipetest } from "./format.ts";
import { progressBar } from "./progress.ts";

const USAGE = `usage: aio-sim <command> [options]

commands:
  pipetest [pipes threads generations]   pipetest in AIO mode on the simulated kernel
  aio-stress [options] file...           aio-stress v0.21 on simulated files
  reproduce                              the seed patch's measurements, every variant side by side

machine options (every command):
  --cpus N          simulated CPUs, 1-8 (profile default: 2)
  --hz HZ           timer ticks per second: 100, 250 or 1000 (default 1000)
  --profile NAME    machine profile (default xeon-2004)
  --variant NAME    pre-patch | feb-step1 | feb | july | patched (default patched)
  --opt LIST        switches over the variant: opt1=0|1,opt2=..,opt3=..,opt4=none|hz10|waiter,
                    run_all=0|1,cancel_delayed=0|1
  --seed N          seed for the simulation's pseudo-random choices
  --json            print one JSON document (schema: docs/json-schema.md)
reproduce options:
  --quick           small pipetest arguments (a smoke run; the delayed variants then show 0 cs/s)
pipetest options:
  --pipes N --threads M --generations G --bufsize B   (or the three positionals, as the original)
`;

async function cmdPipetest(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    ...MACHINE_OPTIONS,
    pipes: { type: "string" }, threads: { type: "string" }, generations: { type: "string" }, bufsize: { type: "string" },
  });
  if (values.help) { process.stdout.write(USAGE); return; }
  if (positionals.length > 3) throw new UsageError(`too many arguments: "${positionals.slice(3).join(" ")}" (at most pipes, threads, generations)`);
  const [pp, pt, pg] = positionals;
  // named as the user gave it: "--pipes" for the option, "pipes" for the positional
  const pick = (name: string, pos: string | undefined): [string, string | undefined] =>
    values[name] !== undefined ? [`--${name}`, values[name] as string] : [name, pos];
  const pipes = intOpt(...pick("pipes", pp), PIPETEST_DEFAULTS.pipes, PIPETEST_LIMITS.minPipes, PIPETEST_LIMITS.maxPipes);
  const threads = intOpt(...pick("threads", pt), PIPETEST_DEFAULTS.threads, 1, pipes);
  const generations = intOpt(...pick("generations", pg), PIPETEST_DEFAULTS.generations, 1, 10_000_000);
  const bufsize = intOpt("--bufsize", values.bufsize as string | undefined, 12, 12, 4096);
  const mo = machineOptions(values);
  const variant = variantOf(values);
  const bar = values.json ? null : progressBar("pipetest");
  const report: PipetestReport = await runPipetest(mo, variant, { pipes, threads, generations, bufsize },
    { onProgress: (f) => bar?.update(f) });
  bar?.stop();
  process.stdout.write(values.json ? JSON.stringify(report, jsonBigint, 2) + "\n" : formatPipetest(report));
}

async function cmdReproduce(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...MACHINE_OPTIONS, quick: { type: "boolean" } }, false);
  if (values.help) { process.stdout.write(USAGE); return; }
  if (values.variant !== undefined) throw new UsageError("--variant: reproduce runs every variant; use pipetest for one");
  if (values.opt !== undefined) throw new UsageError("--opt: reproduce runs the fixed variants; use pipetest to switch one");
  const mo = machineOptions(values);
  const bar = values.json ? null : progressBar("reproduce");
  const rep = await runReproduce(mo, { quick: !!values.quick, onProgress: (f) => bar?.update(f) });
  bar?.stop();
  process.stdout.write(values.json ? JSON.stringify(rep, jsonBigint, 2) + "\n" : formatReproduce(rep));
}

export function jsonBigint(_k: string, v: unknown): unknown { return typeof v === "bigint" ? v.toString() : v; }

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "pipetest": await cmdPipetest(rest); return 0;
      case "aio-stress": await runAioStressCli(rest); return 0;
      case "reproduce": await cmdReproduce(rest); return 0;
      case "--help": case "-h": case "help": process.stdout.write(USAGE); return 0;
      case undefined: process.stderr.write("aio-sim: missing command (pipetest, aio-stress or reproduce; --help for more)\n"); return 2;
      default: process.stderr.write(`aio-sim: unknown command "${cmd}" (pipetest, aio-stress or reproduce)\n`); return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`aio-sim ${cmd}: ${e.message}\n`); return 2; }
    process.stderr.write(`aio-sim ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
