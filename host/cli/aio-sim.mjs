#!/usr/bin/env node
// The `aio-sim` command of package.json's "bin": runs host/cli/main.ts under tsx with the same
// arguments and exit status (`npx aio-sim pipetest 20 4 300`).
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "host/cli/main.ts"), ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
