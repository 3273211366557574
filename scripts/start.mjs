#!/usr/bin/env node
// `npm start`: builds the kernel if needed, then runs the main job, `aio-sim reproduce`
// (host/cli/main.ts). Until that CLI exists it runs the ping-pong demo (host/cli/pingpong.ts).
// Extra arguments are passed through: `npm start -- --json`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const b = spawnSync(process.execPath, [join(root, "scripts/build.mjs"), "--quiet"], { cwd: root, stdio: "inherit" });
if (b.status !== 0) process.exit(b.status ?? 1);
const main = join(root, "host/cli/main.ts");
const argv = existsSync(main)
  ? [main, "reproduce", ...process.argv.slice(2)]
  : [join(root, "host/cli/pingpong.ts"), ...process.argv.slice(2)];
const r = spawnSync(process.execPath, ["--import", "tsx", ...argv], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
