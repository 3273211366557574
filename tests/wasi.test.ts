// The WASI build (asconfig.wasi.json, assembly/wasi/printk.ts): a command-line module that boots
// the kernel, runs the kernel-thread ping-pong and reports through printk, whose text must reach
// stdout through WASI's fd_write — with the same counters the host-driven machine produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
import { COST_NAMES, XEON_2004 } from "../host/profile.ts";

// node:wasi is experimental in Node 20 and says so once per process; this test knows.
const emitWarning = process.emitWarning.bind(process) as (...a: unknown[]) => void;
process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
  const text = typeof w === "string" ? w : w.message;
  const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if ((type === "ExperimentalWarning" || (w as Error).name === "ExperimentalWarning") && /WASI/i.test(text)) return;
  emitWarning(w, ...rest);
}) as typeof process.emitWarning;
const { WASI } = await import("node:wasi");

const buildDir = process.env.AIO_SIM_BUILD_DIR || "build";
const wasmPath = new URL(`../${buildDir}/printk.wasi.wasm`, import.meta.url);
const COSTS = COST_NAMES.map((n) => String(XEON_2004.costs[n]));

interface WasiRun { code: number; stdout: string; stderr: string }

async function runWasi(args: string[]): Promise<WasiRun> {
  const dir = mkdtempSync(join(tmpdir(), "aio-sim-wasi-"));
  const outFd = openSync(join(dir, "out"), "w"), errFd = openSync(join(dir, "err"), "w");
  try {
    const wasi = new WASI({ version: "preview1", args: ["printk.wasi.wasm", ...args], env: {},
                            stdout: outFd, stderr: errFd, returnOnExit: true });
    const mod = await WebAssembly.compile(await readFile(wasmPath));
    const inst = await WebAssembly.instantiate(mod, wasi.getImportObject() as WebAssembly.Imports);
    const code = wasi.start(inst);
    return { code, stdout: readFileSync(join(dir, "out"), "utf8"), stderr: readFileSync(join(dir, "err"), "utf8") };
  } finally {
    closeSync(outFd); closeSync(errFd);
    rmSync(dir, { recursive: true, force: true });
  }
}

// The same workload driven from TypeScript: ping-pong advanced a millisecond at a time.
async function hostPingpong(cpus: number, rounds: number): Promise<{ switches: bigint; jiffies: number }> {
  const m = await Machine.boot({ overrides: { cpus } });
  m.ex.start_pingpong(rounds, 0, cpus > 1 ? 1 : 0);
  const slice = BigInt(m.profile.khz);
  for (let ms = 0; ms < 100000 && m.ex.pingpong_done() < rounds; ms++) m.run({ cycles: m.now + slice });
  return { switches: m.ex.total_switches(), jiffies: m.jiffies };
}

const missing = existsSync(wasmPath) ? null : `${buildDir}/printk.wasi.wasm is not built (run: node scripts/build.mjs)`;

test("WASI module imports nothing but wasi_snapshot_preview1 and exports _start", async (t) => {
  if (missing) return t.skip(missing);
  const mod = await WebAssembly.compile(await readFile(wasmPath));
  const modules = new Set(WebAssembly.Module.imports(mod).map((i) => i.module));
  assert.deepEqual([...modules], ["wasi_snapshot_preview1"]);
  assert.ok(WebAssembly.Module.exports(mod).some((e) => e.name === "_start" && e.kind === "function"));
});

for (const cpus of [1, 2]) {
  test(`printk writes the boot banner and ${cpus}-CPU ping-pong counters to stdout through WASI, matching the host machine`, async (t) => {
    if (missing) return t.skip(missing);
    const rounds = 1000;
    const r = await runWasi([String(cpus), String(rounds), ...COSTS]);
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    const host = await hostPingpong(cpus, rounds);
    assert.ok(host.switches >= BigInt(rounds), `host ran ${host.switches} switches for ${rounds} rounds`);
    assert.equal(r.stdout,
      `<6>aio-sim: booted ${cpus} CPU(s) at 2800 MHz, HZ=1000\n` +
      `<6>pingpong: rounds=${rounds} switches=${host.switches} jiffies=${host.jiffies}\n`);
  });
}

test("WASI module rejects a wrong argument count with exit code 2 and a usage line on stderr", async (t) => {
  if (missing) return t.skip(missing);
  const r = await runWasi(["2", "10"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^usage: printk\.wasi\.wasm <cpus 1-8> <rounds> <17 costs in cycles>\n$/);
});
