#!/usr/bin/env node
// Builds the web page into build/web/: the page and its worker bundled by esbuild (platform
// browser, so a node:* import anywhere in the host core fails the build), the stylesheets and
// the same kernel module the CLI runs.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const kernelDir = process.env.AIO_SIM_BUILD_DIR || "build";
const out = join(root, "build/web");
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { app: join(root, "host/web/app.ts"), worker: join(root, "host/web/worker.ts") },
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
});
for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "host/web", f), join(out, f));
copyFileSync(join(root, "node_modules/uplot/dist/uPlot.min.css"), join(out, "uPlot.min.css"));
for (const b of ["release", "debug"]) copyFileSync(join(root, kernelDir, `kernel.${b}.wasm`), join(out, `kernel.${b}.wasm`));
if (!process.argv.includes("--quiet")) console.log(`web: built ${out}`);
