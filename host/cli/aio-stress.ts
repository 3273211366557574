// aio-sim aio-stress [options] file... — aio-stress v0.21's command line on the simulated machine.
// Short options are read getopt-style, as the original did ("-s 64m", "-s64m", "-nO", options
// after file names, "--" ends them); the machine options are the long ones every command takes.
// Unlike the original, which reads numbers with atoi and accepts anything, every bad value is a
// UsageError naming the option (main.ts prints it on one line and exits 2).
import { UsageError, intOpt, sizeOpt, machineOptions, variantOf } from "./args.ts";
import { fmt, fmtInt, table, formatSpeed } from "./format.ts";
import { progressBar } from "./progress.ts";
import { AIO_STRESS_DEFAULTS, AioStressConfigError, resolveAioStress, checkAioStressLimits, runAioStress, RUN_FOREVER,
  type AioStressOptions, type AioStressReport } from "../workloads/aio-stress.ts";

// The original's option string: a letter followed by ':' takes a value.
const GETOPT = "a:b:c:C:m:s:r:d:i:I:o:t:lLnhOSxvu";
const LONG_WITH_VALUE = new Set(["cpus", "hz", "profile", "variant", "opt", "seed"]);
const LONG_FLAGS = new Set(["json", "help", "cold"]);

export const AIO_STRESS_USAGE = `usage: aio-sim aio-stress [-s size] [-r size] [-a size] [-d num] [-b num]
                          [-i num] [-t num] [-c num] [-C size] [-nxhOS ] file1 [file2 ...]
  -a size   buffer alignment (KB unless suffixed), default the page size
  -b num    most iocbs handed to one io_submit (default files x -i x -c)
  -c num    io contexts (operations) per file
  -C size   offset between contexts (MB unless suffixed), default 2MB
            (as in v0.21, -C also sets -b to the number it was given)
  -s size   file size (MB unless suffixed), default 1024MB
  -r size   record size of each I/O (KB unless suffixed), default 64KB
  -d num    pending requests per file, default 64
  -i num    I/Os per file before switching to the next, default 8
  -I num    rounds per stage (default: until the stage is done)
  -O        O_DIRECT
  -S        O_SYNC
  -o num    add a stage: write=0, read=1, random write=2, random read=3 (repeatable)
  -m shm|shmfs  not supported on the simulator (buffers are anonymous memory)
  -n        no fsync between stages
  -l        print io_submit latencies after each stage
  -L        print completion latencies after each stage
  -t num    threads
  -u        unlink the files at the end
  -v        verify the bytes written
  -x        no stonewalling between threads
  -h        this message
  sizes take k, m, g or b suffixes: -s 400m, -r 4k
simulator options:
  --cold    first create every file at its full size and drop the page cache, as if the files
            were left on disk by an earlier run (read stages then read from the disk)
machine options: --cpus N --hz HZ --profile NAME --variant NAME --opt LIST --seed N --json
  (--seed also seeds the program's rand(); the original's sequence is seed 1, the default)
version 0.21 (simulated)
`;

export interface ParsedAioStress {
  options: AioStressOptions;
  machine: Record<string, string | boolean | undefined>;
  help: boolean;
  json: boolean;
  cold: boolean;
}

// Leading decimal digits, as atoi reads them (for -C's fall-through into -b).
const atoi = (s: string) => { const m = /^\s*([+-]?\d+)/.exec(s); return m ? Number(m[1]) : 0; };

export function parseAioStressArgs(argv: string[]): ParsedAioStress {
  const o: AioStressOptions = { ...AIO_STRESS_DEFAULTS, files: [], addStages: [] };
  const machine: Record<string, string | boolean | undefined> = {};
  let help = false;
  let onlyFiles = false;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (onlyFiles || arg === "-" || !arg.startsWith("-")) { o.files.push(arg); continue; }
    if (arg === "--") { onlyFiles = true; continue; }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (LONG_FLAGS.has(name)) {
        if (eq >= 0) throw new UsageError(`--${name}: takes no value`);
        machine[name] = true;
      } else if (LONG_WITH_VALUE.has(name)) {
        const v = eq >= 0 ? arg.slice(eq + 1) : argv[++k];
        if (v === undefined) throw new UsageError(`--${name}: requires a value`);
        machine[name] = v;
      } else throw new UsageError(`--${name}: unknown option`);
      continue;
    }
    // a cluster of short options: -nO, -s64m, -s 64m
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      const at = GETOPT.indexOf(c);
      if (c === ":" || at < 0) throw new UsageError(`-${c}: unknown option`);
      let val: string | undefined;
      if (GETOPT[at + 1] === ":") {
        val = j + 1 < arg.length ? arg.slice(j + 1) : argv[++k];
        if (val === undefined) throw new UsageError(`-${c}: requires a value`);
        j = arg.length;
      }
      applyShort(o, c, val, () => { help = true; });
    }
  }
  return { options: o, machine, help: help || machine.help === true, json: machine.json === true, cold: machine.cold === true };
}

function applyShort(o: AioStressOptions, c: string, v: string | undefined, onHelp: () => void): void {
  const name = `-${c}`;
  switch (c) {
    case "a": {
      const a = sizeOpt(name, v, 0, 1024);
      if (a & (a - 1)) throw new UsageError(`${name}: alignment must be a power of two, got ${a} bytes`);
      o.alignment = a;
      break;
    }
    case "c": o.contexts = intOpt(name, v, 1, 1, 1024); break;
    case "C":
      o.contextOffset = sizeOpt(name, v, 0, 1024 * 1024);
      // v0.21 forgets the break here: -C also sets the io_submit batch to atoi(its argument)
      o.maxIoSubmit = atoi(v!);
      break;
    case "b": o.maxIoSubmit = intOpt(name, v, 0, 0, 1 << 20); break;
    case "s": o.fileSize = sizeOpt(name, v, 0, 1024 * 1024); break;
    case "d": o.depth = intOpt(name, v, 64, 1, 1 << 16); break;
    case "r": o.recLen = sizeOpt(name, v, 0, 1024); break;
    case "i": o.ioIter = intOpt(name, v, 8, 1, 1 << 16); break;
    case "I": {
      const n = intOpt(name, v, RUN_FOREVER, -1, 1 << 30);
      if (n === 0) throw new UsageError(`${name}: must be at least 1 (or -1 for no limit), got 0`);
      o.iterations = n;
      break;
    }
    case "n": o.fsyncStages = false; break;
    case "l": o.latencyStats = true; break;
    case "L": o.completionLatencyStats = true; break;
    case "m":
      if (v === "shm" || v === "shmfs") throw new UsageError(`${name}: ${v} buffers are not supported on the simulator (buffers are anonymous memory)`);
      throw new UsageError(`${name}: expected shm or shmfs, got "${v}"`);
    case "o": o.addStages.push(intOpt(name, v, 0, 0, 3)); break;
    case "O": o.oDirect = true; break;
    case "S": o.oSync = true; break;
    case "t": o.threads = intOpt(name, v, 1, 1, 64); break;
    case "x": o.stonewall = false; break;
    case "u": o.unlinkFiles = true; break;
    case "v": o.verify = true; break;
    case "h": onHelp(); break;
  }
}

export function formatAioStress(r: AioStressReport): string {
  const cs = r.contextSwitches;
  let s = r.lines.join("\n") + "\n\n";
  s += `variant   ${r.variant}\n`;
  s += `machine   ${r.machine.profile}, ${r.machine.cpus} CPU${r.machine.cpus > 1 ? "s" : ""} at ${fmt(r.machine.khz / 1e6, 2)} GHz, HZ=${r.machine.hz}\n`;
  s += `simulated ${fmt(r.seconds, 6)} s of stages, seed ${r.options.seed}` +
    (r.options.threads > 1 ? `, ${r.options.threads} threads sharing one mm` : "") + "\n";
  if (r.throughput.length) {
    s += "\nthroughput\n" + table(["stage", "MB", "seconds", "MB/s"],
      r.throughput.map((t) => [t.stage, fmt(t.mb, 2), fmt(t.seconds, 4), fmt(t.mbPerSec, 2)]), [false, true, true, true]);
  }
  const l = r.latency;
  s += `\nlatency   submit to reap: p50 ${fmt(l.p50Us)} µs, p90 ${fmt(l.p90Us)} µs, p99 ${fmt(l.p99Us)} µs, max ${fmt(l.maxUs)} µs (${fmtInt(l.count)} I/Os)\n`;
  s += `io_submit time inside: p50 ${fmt(r.submitLatency.p50Us)} µs, p99 ${fmt(r.submitLatency.p99Us)} µs, max ${fmt(r.submitLatency.maxUs)} µs\n`;
  s += `stall     longest with I/O outstanding and none reaped: ${fmt(r.stall.longestUs / 1000, 3)} ms` +
    (r.stall.longestUs ? ` (${r.stall.stage}, from ${fmt(r.stall.startSec, 6)} s, ${r.stall.outstanding} outstanding)` : "") + "\n";
  s += `context switches: ${fmt(cs.switchesPerSec, 2)} per simulated second\n`;
  const aio = Object.entries(r.aio);
  if (aio.length) s += "aio counters: " + aio.map(([k, v]) => `${k} ${fmtInt(v)}`).join(", ") + "\n";
  if (r.errors.length) s += `errors: ${r.errors.join("; ")}\n`;
  s += "\n" + formatSpeed(r.speed);
  return s;
}

export async function runAioStressCli(argv: string[]): Promise<void> {
  const p = parseAioStressArgs(argv);
  if (p.help) { process.stdout.write(AIO_STRESS_USAGE); return; }
  const mo = machineOptions(p.machine);
  const variant = variantOf(p.machine);
  try { resolveAioStress(p.options); checkAioStressLimits(p.options); } catch (e) {
    if (e instanceof AioStressConfigError) throw new UsageError(e.message);
    throw e;
  }
  const bar = p.json ? null : progressBar("aio-stress");
  const report = await runAioStress(mo, variant, p.options, { onProgress: (f) => bar?.update(f), coldFiles: p.cold });
  bar?.stop();
  process.stdout.write(p.json ? JSON.stringify(report, null, 2) + "\n" : formatAioStress(report));
  if (report.exitCode) throw new Error(`the program exited with status ${report.exitCode}`);
}
