// Command-line parsing for aio-sim. Every mistake becomes a UsageError whose message is one line
// naming the option; main.ts prints it and exits with status 2.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolveVariant } from "../variant.ts";
import { resolveProfile, type ProfileOverrides } from "../profile.ts";
import type { MachineOptions } from "../experiments.ts";

export class UsageError extends Error {
  constructor(msg: string) { super(msg); this.name = "UsageError"; }
}

type Spec = NonNullable<ParseArgsConfig["options"]>;

export function parse(argv: string[], options: Spec, allowPositionals = true) {
  try {
    return parseArgs({ args: withNegatives(argv, options), options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(usageText(e as Error & { code?: string }));
  }
}

// A negative number is a value, never an option: "--cpus -1" becomes "--cpus=-1" and a negative
// positional goes after "--", so the range check names the option instead of node calling
// "-5" an unknown option.
function withNegatives(argv: string[], options: Spec): string[] {
  const takesValue = (a: string) => {
    if (!a.startsWith("--") || a.includes("=")) return false;
    return options[a.slice(2)]?.type === "string";
  };
  const out: string[] = [], positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { positionals.push(...argv.slice(i + 1)); break; }
    if (takesValue(a) && i + 1 < argv.length && /^-\d/.test(argv[i + 1])) { out.push(`${a}=${argv[++i]}`); continue; }
    if (takesValue(a)) { out.push(a); if (i + 1 < argv.length) out.push(argv[++i]); continue; }
    if (a.startsWith("-") && !/^-\d/.test(a)) out.push(a); else positionals.push(a);
  }
  return positionals.length ? [...out, "--", ...positionals] : out;
}

// node's parseArgs errors in our form: the option first, then what is wrong, on one line.
function usageText(e: Error & { code?: string }): string {
  const m = e.message;
  const opt = /'(-[^' ]+)/.exec(m)?.[1];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && opt) return `${opt}: unknown option`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && opt) {
    if (/argument missing/.test(m)) return `${opt}: requires a value`;
    if (/does not take an argument/.test(m)) return `${opt}: takes no value`;
  }
  if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const arg = /argument '([^']*)'/.exec(m)?.[1] ?? "";
    return `"${arg}": unexpected argument (this command takes none)`;
  }
  return m.split("\n")[0];
}

// An integer option within [min, max]; `name` is how the user spelled it.
export function intOpt(name: string, v: string | undefined, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`${name}: expected an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`${name}: must be from ${min} to ${max}, got ${n}`);
  return n;
}

// aio-stress style sizes: 4k, 64m, 1g, 512b (bytes when no suffix unless `unit` says otherwise).
export function sizeOpt(name: string, v: string | undefined, def: number, unitBytes = 1): number {
  if (v === undefined) return def;
  const m = /^(\d+)([kmgb]?)$/i.exec(v.trim());
  if (!m) throw new UsageError(`${name}: expected a size like 64k, 4m or 1g, got "${v}"`);
  const n = Number(m[1]);
  const mult = { "": unitBytes, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "b" | "k" | "m" | "g"];
  const bytes = n * mult;
  if (bytes <= 0) throw new UsageError(`${name}: must be positive, got "${v}"`);
  return bytes;
}

export const MACHINE_OPTIONS: Spec = {
  cpus: { type: "string" },
  hz: { type: "string" },
  profile: { type: "string" },
  variant: { type: "string" },
  opt: { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

// The machine and variant options every command takes.
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function machineOptions(v: Values): MachineOptions {
  const overrides: ProfileOverrides = {};
  if (v.cpus !== undefined) overrides.cpus = intOpt("--cpus", v.cpus as string, 2, 1, 8);
  if (v.hz !== undefined) {
    const hz = intOpt("--hz", v.hz as string, 1000, 1);
    if (![100, 250, 1000].includes(hz)) throw new UsageError(`--hz: must be 100, 250 or 1000, got ${hz}`);
    overrides.hz = hz;
  }
  const profile = (v.profile as string | undefined) ?? "xeon-2004";
  try { resolveProfile(profile, overrides); } catch (e) { throw new UsageError(`--profile: ${(e as Error).message.replace(/^profile(\.[a-z]+)?: /, "")}`); }
  const seed = v.seed === undefined ? undefined : intOpt("--seed", v.seed as string, 0, 0, 0xffffffff);
  return { profile, overrides, seed };
}

export function variantOf(v: Values) {
  try {
    return resolveVariant((v.variant as string | undefined) ?? "patched", (v.opt as string | undefined) ?? "");
  } catch (e) {
    const msg = (e as Error).message;
    throw new UsageError(msg.startsWith("opt") ? `--${msg}` : `--${msg}`);
  }
}

