// The page in real headless Chromium (Debian's package, driven by playwright-core): a short
// pipetest runs in the page's worker and its numbers equal the Node run with the same seed;
// bad input is refused beside the field. Skips, saying why, when chromium is not installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import type { Server } from "node:http";
import "../host/node.ts";
import { runPipetest } from "../host/experiments.ts";
import { resolveVariant } from "../host/variant.ts";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const root = new URL("../", import.meta.url);

let server: Server | null = null;
let base = "";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let browser: any = null;

before(async () => {
  if (!CHROMIUM) return;
  const r = spawnSync(process.execPath, ["scripts/build-web.mjs", "--quiet"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const { serve } = await import("../scripts/serve.mjs");
  server = (await serve(0)) as Server;
  const a = server.address() as { port: number };
  base = `http://127.0.0.1:${a.port}/`;
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const PT = { pipes: 8, threads: 2, generations: 40, bufsize: 12 };

test("a short pipetest in the page gives the same numbers as the Node run with the same seed", async (t) => {
  if (!CHROMIUM) { t.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it"); return; }
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e: Error) => errors.push(e.message));
  await page.goto(base);
  await page.selectOption("select[name=workload]", "pipetest");
  await page.selectOption("select[name=variant]", "pre-patch");
  for (const [k, v] of Object.entries({ cpus: "2", seed: "7", pipes: String(PT.pipes), threads: String(PT.threads), generations: String(PT.generations), bufsize: "12" }))
    await page.fill(`input[name=${k}]`, v);
  await page.click("#run");
  await page.waitForFunction(() => (window as unknown as { __aioSimResult?: unknown }).__aioSimResult || document.getElementById("status")?.textContent === "error", null, { timeout: 120_000 });
  const web = await page.evaluate(() => (window as unknown as { __aioSimResult: unknown }).__aioSimResult);
  assert.ok(web, `the page reported an error: ${await page.textContent("#output")}`);
  mkdirSync(new URL("build/", root), { recursive: true });
  await page.screenshot({ path: new URL("build/web-pipetest.png", root).pathname, fullPage: true });
  const node = await runPipetest({ profile: "xeon-2004", overrides: { cpus: 2, hz: 1000 }, seed: 7 }, resolveVariant("pre-patch"), PT);
  const w = web as typeof node;
  assert.equal(w.passes, node.passes);
  assert.equal(w.passes, PT.threads * PT.generations);
  assert.equal(w.contextSwitches.switches, node.contextSwitches.switches);
  assert.equal(w.seconds, node.seconds);
  assert.equal(w.lines.join("\n"), node.lines.join("\n"));
  assert.deepEqual(errors, []);
  await page.close();
});

test("zero CPUs or a negative size is refused beside the field and no run starts", async (t) => {
  if (!CHROMIUM) { t.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it"); return; }
  const page = await browser.newPage();
  await page.goto(base);
  await page.fill("input[name=cpus]", "0");
  await page.fill("input[name=bufsize]", "-5");
  await page.click("#run");
  const msgs: string[] = await page.$$eval(".field-error", (els: Element[]) => els.map((e) => e.textContent ?? ""));
  assert.ok(msgs.some((m) => m.startsWith("CPUs:")), msgs.join(" | "));
  assert.ok(msgs.some((m) => m.startsWith("bufsize:")), msgs.join(" | "));
  assert.equal(await page.textContent("#status"), "fix the marked fields");
  assert.equal(await page.isDisabled("#stop"), true);
  await page.close();
});

test("aio-stress runs in the page too, with the Node run's stall and output", async (t) => {
  if (!CHROMIUM) { t.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it"); return; }
  const page = await browser.newPage();
  await page.goto(base);
  await page.selectOption("select[name=workload]", "aio-stress");
  await page.selectOption("select[name=variant]", "july");
  await page.fill("input[name=seed]", "1");
  await page.click("#run");
  await page.waitForFunction(() => (window as unknown as { __aioSimResult?: unknown }).__aioSimResult || document.getElementById("status")?.textContent === "error", null, { timeout: 120_000 });
  const web = await page.evaluate(() => (window as unknown as { __aioSimResult: unknown }).__aioSimResult) as
    { workload: string; stall: { longestUs: number }; lines: string[] } | undefined;
  assert.ok(web, `the page reported an error: ${await page.textContent("#output")}`);
  const { runAioStress, AIO_STRESS_REPRODUCE_OPTIONS } = await import("../host/workloads/aio-stress.ts");
  const node = await runAioStress({ profile: "xeon-2004", overrides: { cpus: 2, hz: 1000 }, seed: 1 }, resolveVariant("july"),
    AIO_STRESS_REPRODUCE_OPTIONS, { coldFiles: true });
  assert.equal(web.workload, "aio-stress");
  assert.equal(web.stall.longestUs, node.stall.longestUs);
  assert.equal(web.lines.join("\n"), node.lines.join("\n"));
  await page.close();
});
