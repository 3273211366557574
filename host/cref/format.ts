// The differential scenario format: a scenario is a list of steps, each one line of a small
// command language that both sides interpret — tests/cref/driver.c on this machine's real
// kernel, host/cref/simrun.ts as a user program on a simulated Machine — and each side prints
// one canonical log line per step. docs/cref-diff.md is the reference for the language.
//
// A step line is "<op> <arg> …", tokens separated by single spaces. Names start with "$":
// memory regions ($buf1, $ro_page, $ctxp, iocbs, pointer arrays), file descriptors ($fd),
// contexts ($ctx). Built-in names: $null (address 0), $badptr (a user page nobody may touch),
// $kernelptr (a kernel address). An address may carry an offset: "$buf1+512".
//
// A log line is "<step> <op> key=value …"; the step number is the line's index in the scenario.
// Negative results print as errno names ("ret=-EINVAL"); addresses never print (an event's obj
// prints as the name of the iocb it points at, a context as set/zero).

// What a field must be: an exact log value, a pattern, or a lower bound on a number.
export type Matcher = string | number | RegExp | { atLeast: number };
export type Expect = Record<string, Matcher>;

// A step whose answer differs between eras names its era-table entry and the modern answer
// (what a current kernel gives); the 2.6.9 answer is the step's `expect`.
export interface EraRef {
  id: string;
  modern: Expect;
}

export interface Step {
  line: string;
  expect?: Expect;       // 2.6.9's answer (partial: unnamed fields are compared side to side)
  era?: EraRef;
}

export interface Scenario {
  name: string;                    // what it checks, as a sentence fragment
  covers?: string[];               // harness cases and error paths: "libaio 3.t", "io_submit 2"
  steps: Step[];
  // Why a side cannot run it (the scenario still prints, with the reason, in the table).
  outOfScope?: { sim?: string; real?: string };
  // Relations that must hold inside one side's log, e.g. accepted == reaped.
  invariants?: Invariant[];
}

export interface Invariant {
  desc: string;
  holds: (log: Log) => boolean;
}

export interface LogLine {
  step: number;
  op: string;
  fields: Record<string, string>;
  raw: string;
}

export type Log = Map<number, LogLine>;

// Step helper for the corpus: s("io_submit $ctx -1 $arr", { ret: "-EINVAL" }).
export function s(line: string, expect?: Expect, era?: EraRef): Step {
  return { line, expect, era };
}

// The scenario as the line file both interpreters read.
export function toLines(sc: Scenario): string {
  return sc.steps.map((st) => st.line.trim().replace(/\s+/g, " ")).join("\n") + "\n";
}

// Parses a log (either side's) into lines by step number. Lines that are not log lines are
// ignored; "<n> error msg=…" lines are kept (op "error").
export function parseLog(text: string): Log {
  const out: Log = new Map();
  for (const raw of text.split("\n")) {
    const m = /^(-?\d+) (\S+)(.*)$/.exec(raw.trim());
    if (!m) continue;
    const fields: Record<string, string> = {};
    for (const kv of m[3].trim().split(" ").filter(Boolean)) {
      const eq = kv.indexOf("=");
      if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
      else fields[kv] = "";
    }
    out.set(Number(m[1]), { step: Number(m[1]), op: m[2], fields, raw: raw.trim() });
  }
  return out;
}

export function formatLine(step: number, op: string, fields: [string, string | number][]): string {
  return [String(step), op, ...fields.map(([k, v]) => `${k}=${v}`)].join(" ");
}

export function matches(value: string | undefined, m: Matcher): boolean {
  if (value === undefined) return false;
  if (m instanceof RegExp) return m.test(value);
  if (typeof m === "object") return /^-?\d+$/.test(value) && Number(value) >= m.atLeast;
  return value === String(m);
}

export function describe(m: Matcher): string {
  if (m instanceof RegExp) return m.toString();
  if (typeof m === "object") return `>=${m.atLeast}`;
  return String(m);
}

// errno numbers (asm-generic/errno-base.h and errno.h values shared by i386 and x86_64).
export const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 9: "EBADF",
  10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST",
  19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY",
  27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 32: "EPIPE", 38: "ENOSYS", 88: "ENOTSOCK",
  95: "EOPNOTSUPP", 125: "ECANCELED",
};

// A result as the driver prints it: n, or -ENAME for a known errno.
export function resStr(v: number | bigint): string {
  const n = typeof v === "bigint" ? v : BigInt(v);
  if (n < 0n && n > -4096n) {
    const name = ERRNO_NAMES[Number(-n)];
    if (name) return `-${name}`;
  }
  return n.toString();
}
