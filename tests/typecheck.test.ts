// The TypeScript host, tests, benchmarks and scripts' declarations type-check under tsc (strict).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("tsc -p . reports no type errors", () => {
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], {
    cwd: new URL("../", import.meta.url), encoding: "utf8",
  });
  assert.equal(r.status, 0, (r.stdout + r.stderr).split("\n").slice(0, 20).join("\n"));
});
