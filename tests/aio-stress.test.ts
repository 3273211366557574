// aio-stress v0.21 on the simulated machine: its command line (errors name the option, the
// v0.21 defaults and quirks), its output, determinism, and the July stall it was used to find.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import "../host/node.ts";
import { UsageError } from "../host/cli/args.ts";
import { parseAioStressArgs } from "../host/cli/aio-stress.ts";
import { resolveAioStress, runAioStress, GlibcRand, AIO_STRESS_REPRODUCE_ARGS, AIO_STRESS_REPRODUCE_OPTIONS, type AioStressReport } from "../host/workloads/aio-stress.ts";
import { resolveVariant } from "../host/variant.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const usageError = (argv: string[], message: RegExp) =>
  assert.throws(() => parseAioStressArgs(argv), (e: Error) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${e.name}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });

test("a non-numeric depth is a UsageError naming -d", () => usageError(["-d", "deep", "f"], /^-d: expected an integer, got "deep"$/));
test("an unknown short option is a UsageError naming it", () => usageError(["-z", "f"], /^-z: unknown option$/));
test("a stage number above 3 is a UsageError naming -o", () => usageError(["-o", "4", "f"], /^-o: must be from 0 to 3, got 4$/));
test("a size option without its value is a UsageError naming -s", () => usageError(["f", "-s"], /^-s: requires a value$/));
test("a size with an unknown suffix is a UsageError naming -r", () => usageError(["-r", "4x", "f"], /^-r: expected a size/));
test("an alignment that is not a power of two is a UsageError naming -a", () => usageError(["-a", "3k", "f"], /^-a: alignment must be a power of two, got 3072 bytes$/));
test("-m shm is reported as unsupported, naming -m", () => usageError(["-m", "shm", "f"], /^-m: shm buffers are not supported/));
test("an unknown long option is a UsageError naming it", () => usageError(["--cpu", "2", "f"], /^--cpu: unknown option$/));

test("through the CLI a bad option exits 2 with one line naming it", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "host/cli/main.ts", "aio-stress", "-o", "7", "file1"],
    { cwd: root, encoding: "utf8", env: { ...process.env } });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "aio-sim aio-stress: -o: must be from 0 to 3, got 7\n");
});

test("through the CLI a run without files exits 2 naming the missing file argument", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "host/cli/main.ts", "aio-stress", "-s", "4m"],
    { cwd: root, encoding: "utf8", env: { ...process.env } });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "aio-sim aio-stress: file: at least one file name is required\n");
});

test("short options cluster and take attached values as getopt reads them", () => {
  const { options: o } = parseAioStressArgs(["-nOs16m", "f1", "-r", "4k", "f2", "--", "-f3"]);
  assert.equal(o.fsyncStages, false);
  assert.equal(o.oDirect, true);
  assert.equal(o.fileSize, 16 * 1024 * 1024);
  assert.equal(o.recLen, 4096);
  assert.deepEqual(o.files, ["f1", "f2", "-f3"]);
});

test("-C falls through to -b as in v0.21: -C 4m also sets 4 iocbs per io_submit", () => {
  const { options: o } = parseAioStressArgs(["-C", "4m", "f"]);
  assert.equal(o.contextOffset, 4 * 1024 * 1024);
  assert.equal(o.maxIoSubmit, 4);
  assert.equal(parseAioStressArgs(["-C", "4m", "-b", "16", "f"]).options.maxIoSubmit, 16);
});

test("v0.21 defaults give its header lines: 1024MB files, 64KB records, depth 64, 8 ios per iteration", () => {
  const cfg = resolveAioStress(parseAioStressArgs(["file1"]).options);
  assert.deepEqual(cfg.lines, [
    "file size 1024MB, record size 64KB, depth 64, ios per iteration 8",
    "max io_submit 8, buffer alignment set to 4KB",
    "threads 1 files 1 contexts 1 context offset 2MB verification off",
  ]);
});

test("io_iter is dropped to the depth, threads to the number of contexts, and -o names the first stage", () => {
  const cfg = resolveAioStress(parseAioStressArgs(["-d", "4", "-t", "5", "-o", "3", "-o", "1", "a", "b"]).options);
  assert.deepEqual(cfg.lines.slice(0, 5), ["adding stage random read", "adding stage read", "dropping io_iter to 4",
    "dropping thread count to the number of contexts 2", "starting with read"]);
  assert.equal(cfg.ioIter, 4);
  assert.equal(cfg.threads, 2);
  assert.equal(cfg.maxIoSubmit, 8);
});

test("the offsets' generator is glibc rand(): seed 1 starts 1804289383, 846930886", () => {
  const r = new GlibcRand(1);
  assert.deepEqual([r.next(), r.next(), r.next()], [1804289383, 846930886, 1681692777]);
});

test("the reproduce arguments and the options reproduce runs are the same", () => {
  assert.deepEqual(AIO_STRESS_REPRODUCE_OPTIONS, parseAioStressArgs(AIO_STRESS_REPRODUCE_ARGS).options);
});

// ---- on the simulated machine

const run = (argv: string[], variant = "patched", seed?: number, coldFiles = false) => {
  const p = parseAioStressArgs(argv);
  return runAioStress({ seed }, resolveVariant(variant), p.options, { coldFiles, maxSeconds: 120 });
};

const SMALL = ["-s", "2m", "-d", "4", "-i", "2", "f1", "f2"];

test("a default-stage run goes write, read, random write, random read over every file, one totals line each", async () => {
  const r = await run(SMALL);
  assert.equal(r.exitCode, 0, r.lines.join("\n"));
  assert.ok(r.lines.includes("threads 1 files 2 contexts 1 context offset 2MB verification off"), r.lines.join("\n"));
  assert.ok(r.lines.includes("Running single thread version "));
  const perFile = r.lines.map((l) => /^(write|read|random write|random read) on (f\d) \(/.exec(l)).filter((m) => m).map((m) => `${m![1]} ${m![2]}`);
  assert.deepEqual(perFile, ["write f1", "write f2", "read f1", "read f2", "random write f1", "random write f2", "random read f1", "random read f2"]);
  const totals = r.lines.filter((l) => l.startsWith("thread 0 ")).map((l) => /^thread 0 (.*) totals \([\d.]+ MB\/s\) 4\.00 MB in [\d.]+s$/.exec(l)?.[1]);
  assert.deepEqual(totals, ["write", "read", "random write", "random read"]);
  assert.deepEqual(r.throughput.map((t) => t.stage), ["write", "read", "random write", "random read"]);
  assert.equal(r.latency.count, 4 * 64, "every 64KB record of 2 × 2MB, in 4 stages, reaped once");
});

test("the same seed gives the same output lines, latencies and stall", async () => {
  const a = await run(["-o", "2", "-o", "3", ...SMALL], "patched", 7);
  const b = await run(["-o", "2", "-o", "3", ...SMALL], "patched", 7);
  assert.deepEqual(a.lines, b.lines);
  assert.deepEqual(a.latency, b.latency);
  assert.deepEqual(a.stall, b.stall);
  assert.ok(a.latency.count > 0);
});

test("-t 2 runs two clone()d threads with a combined throughput line per stage", async () => {
  const r = await run(["-t", "2", "-x", "-o", "0", ...SMALL]);
  assert.equal(r.exitCode, 0, r.lines.join("\n"));
  assert.ok(r.lines.includes("Running multi thread version num_threads:2"));
  assert.ok(r.lines.some((l) => /^thread 0 write totals/.test(l)) && r.lines.some((l) => /^thread 1 write totals/.test(l)), r.lines.join("\n"));
  assert.match(r.lines.find((l) => l.startsWith("write throughput")) ?? "", /^write throughput \([\d.]+ MB\/s\) 4\.00 MB in [\d.]+s$/);
});

const stallOf = (r: AioStressReport) => r.stall.longestUs;

test("on the reproduce arguments July's longest stall is at least 10x the seed's", async () => {
  const july = await run(AIO_STRESS_REPRODUCE_ARGS, "july", undefined, true);
  const patched = await run(AIO_STRESS_REPRODUCE_ARGS, "patched", undefined, true);
  assert.equal(july.exitCode, 0, july.lines.join("\n"));
  assert.equal(patched.exitCode, 0, patched.lines.join("\n"));
  assert.ok(stallOf(july) >= 10 * stallOf(patched),
    `july ${stallOf(july).toFixed(0)} µs vs patched ${stallOf(patched).toFixed(0)} µs`);
  // July always delays a kicked retry by HZ/10 (100 ms at HZ=1000); the seed cuts it to a jiffy
  // while someone waits. With 2.6.9's readahead a cold 64 KiB record needs one retry round.
  assert.ok(stallOf(july) >= 100_000, `july's longest stall is only ${stallOf(july).toFixed(0)} µs, less than HZ/10`);
});

test("more file data than the simulator holds is refused with a one-line -s error (the 1 GB default included)", async () => {
  const { checkAioStressLimits } = await import("../host/workloads/aio-stress.ts");
  assert.throws(() => checkAioStressLimits(parseAioStressArgs(["file1"]).options), /^AioStressConfigError: -s: 1024MB x 1 file\(s\) exceeds/);
  assert.doesNotThrow(() => checkAioStressLimits(parseAioStressArgs(["-s", "256m", "a", "b"]).options));
});
