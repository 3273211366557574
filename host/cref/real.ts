// The real-kernel side (Node only): compiles tests/cref/driver.c with gcc into a temporary
// directory, probes that this machine's kernel answers the AIO system calls, and runs one
// scenario file through the driver in a fresh working directory.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, existsSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toLines, parseLog, type Log, type Scenario } from "./format.ts";

const driverSource = fileURLToPath(new URL("../../tests/cref/driver.c", import.meta.url));

export interface RealKernel {
  driver: string;        // path of the compiled driver
  workRoot: string;      // temporary directory holding per-scenario working directories
  release: string;       // uname -r of the kernel that answers
}

export interface RealRun {
  log: Log;
  text: string;
  error?: string;        // the driver failed or printed an error line
  seconds: number;       // wall time
}

// Compiles the driver and checks that io_setup/io_destroy work here. Returns the kernel, or
// the reason the real side cannot run (no gcc, no AIO in this kernel, …).
export function prepareRealKernel(): RealKernel | { skip: string } {
  const workRoot = mkdtempSync(join(tmpdir(), "aio-sim-cref-"));
  const driver = join(workRoot, "driver");
  const cc = process.env.CC || "gcc";
  const gcc = spawnSync(cc, ["-O2", "-Wall", "-o", driver, driverSource], { encoding: "utf8" });
  if (gcc.error) return { skip: `cannot run ${cc} (${(gcc.error as NodeJS.ErrnoException).code ?? gcc.error.message}): the C reference needs a C compiler` };
  if (gcc.status !== 0) return { skip: `${cc} could not compile tests/cref/driver.c: ${gcc.stderr.trim().split("\n").slice(0, 3).join(" / ")}` };
  const probe = runLines({ driver, workRoot, release: "" }, "probe", "ctxslot $p\nio_setup 1 $p $c\nio_destroy $c\n", 1);
  const setup = probe.log.get(1)?.fields.ret;
  if (setup !== "0") {
    return { skip: `this kernel does not answer io_setup (${setup ?? probe.error ?? "no output"}): built without CONFIG_AIO, or aio-max-nr exhausted` };
  }
  const uname = spawnSync("uname", ["-r"], { encoding: "utf8" });
  return { driver, workRoot, release: uname.status === 0 ? uname.stdout.trim() : "unknown" };
}

let seq = 0;

function runLines(k: RealKernel, name: string, lines: string, alarmSeconds: number): RealRun {
  const dir = join(k.workRoot, `s${++seq}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "scenario.txt");
  writeFileSync(file, lines);
  const t0 = performance.now();
  const r = spawnSync(k.driver, ["-a", String(alarmSeconds), file], {
    cwd: dir, encoding: "utf8", timeout: (alarmSeconds * 20 + 10) * 1000, killSignal: "SIGKILL",
  });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const text = r.stdout ?? "";
  const log = parseLog(text);
  let error: string | undefined;
  if (r.error) error = `driver: ${r.error.message}`;
  else if (r.status !== 0) error = `driver exited with ${r.status ?? r.signal}: ${(r.stderr || text.split("\n").filter((l) => / error /.test(l)).join("; ")).trim()}`;
  else {
    const e = [...log.values()].find((l) => l.op === "error");
    if (e) error = `driver: ${e.raw}`;
  }
  void name;
  return { log, text, error, seconds };
}

// Runs one scenario on the real kernel.
export function runOnReal(k: RealKernel, sc: Scenario, alarmSeconds = 1): RealRun {
  return runLines(k, sc.name, toLines(sc), alarmSeconds);
}

export function disposeRealKernel(k: RealKernel): void {
  if (existsSync(k.workRoot) && statSync(k.workRoot).isDirectory()) rmSync(k.workRoot, { recursive: true, force: true });
}
