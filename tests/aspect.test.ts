// Runs every as-pect spec under tests/assembly/ as one node:test test, so node's summary counts
// them. Each spec file is compiled and run by as-pect on its own (ASP_ENTRIES selects it); the
// test fails with as-pect's exit code and its whole output.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const specDir = join(root, "tests/assembly");

function specs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...specs(p));
    else if (name.endsWith(".spec.ts")) out.push(relative(root, p));
  }
  return out;
}

// We start as-pect's runner directly rather than node_modules/.bin/asp: that wrapper forces
// colour (FORCE_COLOR=2) and exits as soon as its child does, which can cut the output short.
const ASP = join(root, "node_modules/@as-pect/cli/lib/test.js");
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

function runSpec(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ASP, "--config", "as-pect.config.js", "--no-logo"], {
      cwd: root,
      env: { ...process.env, ASP_ENTRIES: file, FORCE_COLOR: "0", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out: stripAnsi(out) }));
  });
}

// 8.1.0 prints its logo whatever --no-logo says; keep failure messages to what matters.
function trimmed(out: string): string {
  return out.split("\n").filter((l) => !/^\s*[_/|\\ ().]*$/.test(l) || l.trim() === "").join("\n").trim();
}

const files = specs(specDir);

describe("as-pect specs", { concurrency: 2 }, () => {
  if (files.length === 0) {
    test("as-pect specs exist", (t) => { t.skip("no tests/assembly/**/*.spec.ts found"); });
  }
  for (const file of files) {
    test(`as-pect ${relative("tests/assembly", file)}`, async () => {
      const { code, out } = await runSpec(file);
      assert.equal(code, 0, `as-pect exited with ${code} for ${file}:\n${trimmed(out)}`);
      // A spec file that compiled but ran nothing would pass silently; as-pect's summary says.
      const m = /\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/.exec(out);
      assert.ok(m, `no as-pect summary in the output of ${file}:\n${trimmed(out)}`);
      assert.ok(Number(m[2]) > 0, `${file} ran no tests:\n${trimmed(out)}`);
      assert.equal(m[1], m[2], `${file}: ${m[1]} of ${m[2]} tests passed:\n${trimmed(out)}`);
    });
  }
});
