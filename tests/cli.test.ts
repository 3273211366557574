// The aio-sim command line run as a child process (node --import tsx host/cli/main.ts …): a bad
// option is one line on stderr naming it, exit status 2 and nothing on stdout; --help exits 0;
// --json is one JSON document, the same for the same arguments apart from the wall-clock fields.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function cli(...argv: string[]) {
  // AIO_SIM_BUILD_DIR passes through, so the child loads the build the test run was made with
  const r = spawnSync(process.execPath, ["--import", "tsx", "host/cli/main.ts", ...argv],
    { cwd: root, encoding: "utf8", env: { ...process.env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// One line naming `name`, status 2, empty stdout.
function usageError(argv: string[], line: RegExp) {
  const r = cli(...argv);
  assert.equal(r.status, 2, `status ${r.status} for ${argv.join(" ")}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, "", "nothing on stdout");
  assert.equal(r.stderr.split("\n").length, 2, `one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr.trimEnd(), line);
}

const BAD: [string, string[], RegExp][] = [
  ["an unknown flag", ["pipetest", "--frobnicate"], /^aio-sim pipetest: --frobnicate: unknown option$/],
  ["--cpus 0", ["pipetest", "--cpus", "0"], /^aio-sim pipetest: --cpus: must be from 1 to 8, got 0$/],
  ["--cpus 9", ["pipetest", "--cpus", "9"], /^aio-sim pipetest: --cpus: must be from 1 to 8, got 9$/],
  ["--hz 300", ["pipetest", "--hz", "300"], /^aio-sim pipetest: --hz: must be 100, 250 or 1000, got 300$/],
  ["one pipe", ["pipetest", "1", "1", "10"], /^aio-sim pipetest: pipes: must be from 2 to 4000, got 1$/],
  ["more threads than pipes", ["pipetest", "4", "5", "10"], /^aio-sim pipetest: threads: must be from 1 to 4, got 5$/],
  ["--threads above --pipes", ["pipetest", "--pipes", "4", "--threads", "5"], /^aio-sim pipetest: --threads: must be from 1 to 4, got 5$/],
  ["0 generations", ["pipetest", "4", "2", "0"], /^aio-sim pipetest: generations: must be from 1 to 10000000, got 0$/],
  ["a negative positional", ["pipetest", "4", "2", "-5"], /^aio-sim pipetest: generations: must be from 1 to 10000000, got -5$/],
  ["a negative option value", ["pipetest", "--cpus", "-1"], /^aio-sim pipetest: --cpus: must be from 1 to 8, got -1$/],
  ["a negative --generations=", ["pipetest", "--generations=-3"], /^aio-sim pipetest: --generations: must be from 1 to 10000000, got -3$/],
  ["a non-number", ["pipetest", "--seed", "x"], /^aio-sim pipetest: --seed: expected an integer, got "x"$/],
  ["an option without its value", ["pipetest", "--hz"], /^aio-sim pipetest: --hz: requires a value$/],
  ["an unknown --variant", ["pipetest", "--variant", "2.4"], /^aio-sim pipetest: --variant: unknown variant "2\.4"/],
  ["a bad --opt switch", ["pipetest", "--opt", "opt9=1"], /^aio-sim pipetest: --opt: unknown switch "opt9"/],
  ["a bad --opt value", ["pipetest", "--opt", "opt4=maybe"], /^aio-sim pipetest: --opt: opt4 takes none, hz10 or waiter, got "maybe"$/],
  ["an unknown profile", ["pipetest", "--profile", "vax"], /^aio-sim pipetest: --profile: /],
  ["a fourth positional", ["pipetest", "4", "2", "10", "7"], /^aio-sim pipetest: too many arguments: "7"/],
  ["an unknown command", ["frobnicate"], /^aio-sim: unknown command "frobnicate"/],
  ["no command", [], /^aio-sim: missing command/],
  ["--variant on reproduce", ["reproduce", "--variant", "july"], /^aio-sim reproduce: --variant: /],
  ["a positional on reproduce", ["reproduce", "extra"], /^aio-sim reproduce: "extra": unexpected argument/],
  ["an unknown aio-stress option", ["aio-stress", "-z", "f"], /^aio-sim aio-stress: -z: unknown option$/],
  ["--cpus 9 on aio-stress", ["aio-stress", "--cpus", "9", "f"], /^aio-sim aio-stress: --cpus: must be from 1 to 8, got 9$/],
];

for (const [what, argv, line] of BAD) {
  test(`${what} (${argv.join(" ") || "nothing"}) exits 2 with one line on stderr naming it`, () => usageError(argv, line));
}

test("--help exits 0 and prints the usage with every command", () => {
  for (const argv of [["--help"], ["pipetest", "--help"], ["reproduce", "-h"]]) {
    const r = cli(...argv);
    assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^usage: aio-sim <command> \[options\]\n/);
    for (const c of ["pipetest", "aio-stress", "reproduce", "--json"]) assert.ok(r.stdout.includes(c), `${c} missing`);
  }
  const a = cli("aio-stress", "-h");
  assert.equal(a.status, 0);
  assert.match(a.stdout, /^usage: aio-sim aio-stress /);
});

// What differs between two runs: the simulator's own speed, measured on the wall clock.
function stripWallClock(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc), (k, v) =>
    ["wallSeconds", "simSecondsPerWallSecond", "eventsPerWallSecond"].includes(k) ? undefined : v);
}

test("pipetest --json is one JSON document with the report's fields", () => {
  const r = cli("pipetest", "6", "3", "20", "--variant", "pre-patch", "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const j = JSON.parse(r.stdout);
  assert.equal(j.workload, "pipetest");
  assert.equal(j.passes, 60);
  assert.deepEqual(j.options, { pipes: 6, threads: 3, generations: 20, bufsize: 12 });
  assert.match(j.variant, /^pre-patch /);
  assert.equal(j.lines.length, 3);
  assert.equal(j.ctxLock.name, "kioctx.ctx_lock");
  for (const k of ["wallSeconds", "simSecondsPerWallSecond", "events", "eventsPerWallSecond"]) assert.equal(typeof j.speed[k], "number", k);
});

test("two runs of pipetest --json with one seed print the same document apart from the wall-clock fields", () => {
  const argv = ["pipetest", "8", "4", "50", "--variant", "feb-step1", "--seed", "3", "--json"];
  const a = cli(...argv), b = cli(...argv);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.notEqual(a.stdout, "");
  assert.deepEqual(stripWallClock(JSON.parse(a.stdout)), stripWallClock(JSON.parse(b.stdout)));
});

test("reproduce --quick --json is one JSON document with both tables", () => {
  const r = cli("reproduce", "--quick", "--json");
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.pipetest.rows.length, 5);
  assert.equal(j.aioStress.rows.length, 2);
  assert.equal(typeof j.wallSeconds, "number");
  assert.equal(j.pipetest.rows[0].report.workload, "pipetest");
  assert.equal(j.aioStress.rows[0].report.workload, "aio-stress");
});

test("aio-stress --json is one JSON document", () => {
  const r = cli("aio-stress", "-s", "2m", "-o", "0", "-d", "4", "-i", "2", "f1", "--json");
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.workload, "aio-stress");
  assert.equal(j.exitCode, 0);
  assert.deepEqual(j.throughput.map((t: { stage: string }) => t.stage), ["write"]);
});

test("package.json's bin, host/cli/aio-sim.mjs, runs the CLI and passes its exit status on", () => {
  const r = spawnSync(process.execPath, ["host/cli/aio-sim.mjs", "pipetest", "--cpus", "0"],
    { cwd: root, encoding: "utf8", env: { ...process.env }, timeout: 120_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "aio-sim pipetest: --cpus: must be from 1 to 8, got 0\n");
  const ok = spawnSync(process.execPath, ["host/cli/aio-sim.mjs", "pipetest", "4", "2", "10"],
    { cwd: root, encoding: "utf8", env: { ...process.env }, timeout: 120_000 });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^using 4 pipe pairs, 2 message threads, 10 generations, 12 bufsize\nOk! Mode aio: 20 passes in /);
});
