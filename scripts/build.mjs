#!/usr/bin/env node
// Builds the kernel module (debug and release) once. Skips targets whose output is newer than
// every source under assembly/ and the build scripts, so `npm test` and the CLI stay quick.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");
const force = process.argv.includes("--force");
const only = process.argv.find((a) => a.startsWith("--target="))?.slice(9);

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const srcTime = Math.max(newest(join(root, "assembly")), statSync(join(root, "asconfig.json")).mtimeMs,
  statSync(join(root, "scripts/asyncify-transform.mjs")).mtimeMs, statSync(join(root, "scripts/build.mjs")).mtimeMs,
  ...["asconfig.wasi.json", "scripts/wasi-imports-transform.mjs"].filter((f) => existsSync(join(root, f)))
    .map((f) => statSync(join(root, f)).mtimeMs));
// AIO_SIM_BUILD_DIR lets parallel work build and load its own copy (host/node.ts reads it too).
const outDir = process.env.AIO_SIM_BUILD_DIR || "build";
mkdirSync(join(root, outDir), { recursive: true });

// The layout constants, their boot-time checker and the C header come from one spec.
{
  const g = spawnSync(process.execPath, [join(root, "scripts/gen-layout.mjs")], { cwd: root, stdio: "inherit" });
  if (g.status !== 0) process.exit(g.status ?? 1);
}

const targets = [
  { name: "release", out: `${outDir}/kernel.release.wasm`, config: "asconfig.json" },
  { name: "debug", out: `${outDir}/kernel.debug.wasm`, config: "asconfig.json" },
  { name: "wasi", out: `${outDir}/printk.wasi.wasm`, config: "asconfig.wasi.json" },
].filter((t) => !only || t.name === only);

for (const t of targets) {
  const out = join(root, t.out);
  if (!existsSync(join(root, t.config))) continue;
  if (!force && existsSync(out) && statSync(out).mtimeMs >= srcTime) continue;
  if (!quiet) process.stderr.write(`asc: building ${t.name} -> ${t.out}\n`);
  const r = spawnSync(process.execPath, [join(root, "node_modules/assemblyscript/bin/asc.js"),
    "--config", t.config, "--target", t.name, "--outFile", t.out,
    ...(t.name === "debug" ? ["--textFile", t.out.replace(/\.wasm$/, ".wat")] : []),
    "--transform", join(root, "scripts/asyncify-transform.mjs"),
    ...(t.name === "wasi" ? ["--transform", join(root, "scripts/wasi-imports-transform.mjs")] : [])], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) { process.stderr.write(`asc: ${t.name} failed\n`); process.exit(r.status ?? 1); }
  if (t.name === "release") {
    // Asyncify runs after asc's optimiser; one more -O3 pass cleans up the state checks it added
    // (measured: ~10-20 % faster task switches). Inlining after Asyncify is safe (the code is
    // already instrumented); arch_switch_out is kept out of line anyway, as the one place that
    // starts an unwind. (This wasm-opt takes a single no-inline pattern.)
    const o = spawnSync(join(root, "node_modules/.bin/wasm-opt"), [out, "-o", out,
      "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
      "--no-inline=*arch_switch_out*", "-O3"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    if (o.status !== 0) { process.stderr.write("wasm-opt: release post-pass failed\n"); process.exit(o.status ?? 1); }
  }
}
