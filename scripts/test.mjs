#!/usr/bin/env node
// `npm test`: builds the kernel once, then runs every tests/**/*.test.ts under node --test with
// tsx, a few files at a time. Node 20 does not find .ts files by itself, so the files are listed
// here; afterwards we check that node counted tests from every one of them (a file that fails to
// load or registers nothing must not pass silently) and end with node's summary.
//
//   node scripts/test.mjs [--no-build] [file-or-substring …]
// Environment: AIO_SIM_BUILD_DIR (build directory, as everywhere), TEST_CONCURRENCY (default 2).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync, readFileSync, mkdirSync, rmSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const noBuild = args.includes("--no-build");
const filters = args.filter((a) => !a.startsWith("--"));
const buildDir = process.env.AIO_SIM_BUILD_DIR || "build";
const concurrency = Number(process.env.TEST_CONCURRENCY || 2);

function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

let files = testFiles(join(root, "tests"));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error("test: no test files matched");
  process.exit(1);
}

if (!noBuild) {
  const b = spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const logDir = join(root, buildDir, "test");
mkdirSync(logDir, { recursive: true });
const eventsFile = join(logDir, `events-${process.pid}.jsonl`);
const t0 = performance.now();
const child = spawn(process.execPath, [
  "--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=300000",
  "--test-reporter=spec", "--test-reporter-destination=stdout",
  "--test-reporter=./scripts/test-files-reporter.mjs", `--test-reporter-destination=${eventsFile}`,
  ...files,
], { cwd: root, stdio: "inherit" });
const code = await new Promise((resolve) => child.on("close", (c, sig) => resolve(c ?? (sig ? 128 : 1))));
const seconds = (performance.now() - t0) / 1000;

let events = [];
try {
  events = readFileSync(eventsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  rmSync(eventsFile);
} catch (e) {
  console.error(`test: could not read node's results (${e.message})`);
  process.exit(code || 1);
}

// Per file: leaf tests (suites excluded) by result.
const perFile = new Map(files.map((f) => [f, { pass: 0, fail: 0, skip: 0, todo: 0 }]));
let unattributed = 0;
for (const e of events) {
  if (e.kind !== "test" || e.type === "suite") continue;
  const f = e.file ? relative(root, e.file) : null;
  const row = f && perFile.get(f);
  // A file that registers no test (or fails to load) is reported as one test named after its
  // path: a failure counts, a pass does not — it would be a file that tested nothing.
  if (row && e.name === e.file && e.result !== "fail") continue;
  if (row) row[e.result]++; else unattributed++;
}
const problems = [];
const w = Math.max(...files.map((f) => f.length));
console.log(`\nfiles (${files.length}):`);
for (const [f, r] of perFile) {
  const n = r.pass + r.fail + r.skip + r.todo;
  console.log(`  ${f.padEnd(w)}  ${String(n).padStart(4)} tests  ${r.pass} pass  ${r.fail} fail  ${r.skip} skip`);
  if (n === 0) problems.push(`${f}: node counted no tests from this file`);
}
if (unattributed) console.log(`  (${unattributed} results without a file)`);
for (const p of problems) console.error(`test: ${p}`);
console.log(`wall time: ${seconds.toFixed(1)} s\n`);

// Node's own summary, last.
for (const e of events) if (e.kind === "diagnostic") console.log(`# ${e.message}`);
process.exit(code !== 0 ? code : problems.length ? 1 : 0);
