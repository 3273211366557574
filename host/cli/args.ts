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
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    // node's messages name the option; keep the first line only
    throw new UsageError(String((e as Error).message).split("\n")[0]);
  }
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
  try { resolveProfile(profile, overrides); } catch (e) { throw new UsageError(`--profile: ${(e as Error).message}`); }
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

