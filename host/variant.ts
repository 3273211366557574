// The fs/aio.c variants a machine can boot with: the pre-patch code, 2.6.9 as merged, and each
// optimisation of Chris Mason's patch as a switch (docs/port-map.md, "Variants").
export type DelayMode = "none" | "hz10" | "waiter";

export interface Variant {
  name: string;
  opt1: boolean;          // io_submit drains the run list (__aio_run_iocbs loop) instead of running one iocb
  opt2: boolean;          // io_getevents runs the run list once before sleeping
  opt3: boolean;          // ctx->running: one runner of a context's list at a time (Feb 2004, never merged)
  opt4: DelayMode;        // kicks: queue_work ("none"), HZ/10 delayed work, or 1 jiffy if someone waits else HZ/10
  runAll: boolean;        // aio_run_all_iocbs loops until the list stays empty (else one pass)
  cancelDelayed: boolean; // __put_ioctx cancels the delayed work before flushing
}

export const VARIANTS: Record<string, Variant> = {
  "pre-patch": { name: "pre-patch", opt1: false, opt2: false, opt3: false, opt4: "none", runAll: false, cancelDelayed: false },
  "feb-step1": { name: "feb-step1", opt1: true, opt2: true, opt3: true, opt4: "none", runAll: true, cancelDelayed: false },
  "feb": { name: "feb", opt1: true, opt2: true, opt3: true, opt4: "hz10", runAll: true, cancelDelayed: true },
  "july": { name: "july", opt1: true, opt2: true, opt3: false, opt4: "hz10", runAll: false, cancelDelayed: true },
  "patched": { name: "patched", opt1: true, opt2: true, opt3: false, opt4: "waiter", runAll: true, cancelDelayed: true },
};

export const VARIANT_NOTES: Record<string, string> = {
  "pre-patch": "2.6.8-rc3 + aio-retry + splice-runlist",
  "feb-step1": "opt 1+2+3, kicks still queue_work (Feb 2004, first step)",
  "feb": "opt 1+2+3 + HZ/10 delayed work (Feb 2004, complete)",
  "july": "opt 1+2, HZ/10 delayed work, no ctx->running, single run pass (Jul 2004)",
  "patched": "2.6.9 as merged: the seed (waiter-sensitive delay)",
};

// "--variant NAME --opt opt1=0,opt4=hz10": a named base with switches overridden.
export function resolveVariant(name = "patched", opts = ""): Variant {
  const base = VARIANTS[name];
  if (!base) throw new Error(`variant: unknown variant "${name}" (known: ${Object.keys(VARIANTS).join(", ")})`);
  const v: Variant = { ...base };
  for (const kv of opts.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [k, val = "1"] = kv.split("=");
    switch (k) {
      case "opt1": case "opt2": case "opt3": case "runAll": case "run_all": case "cancelDelayed": case "cancel_delayed": {
        if (!["0", "1", "on", "off", "true", "false"].includes(val)) throw new Error(`opt: ${k} takes 0 or 1, got "${val}"`);
        const on = ["1", "on", "true"].includes(val);
        const key = k === "run_all" ? "runAll" : k === "cancel_delayed" ? "cancelDelayed" : k;
        (v as unknown as Record<string, boolean>)[key] = on;
        break;
      }
      case "opt4":
        if (!["none", "hz10", "waiter", "0"].includes(val)) throw new Error(`opt: opt4 takes none, hz10 or waiter, got "${val}"`);
        v.opt4 = val === "0" ? "none" : (val as DelayMode);
        if (v.opt4 !== "none") v.cancelDelayed = true;
        break;
      default:
        throw new Error(`opt: unknown switch "${k}" (opt1, opt2, opt3, opt4, run_all, cancel_delayed)`);
    }
  }
  if (opts) v.name = `${name}+${opts}`;
  return v;
}

export function describeVariant(v: Variant): string {
  const on = (b: boolean) => (b ? "on" : "off");
  return `${v.name} [opt1 ${on(v.opt1)}, opt2 ${on(v.opt2)}, opt3 ${on(v.opt3)}, opt4 ${v.opt4}, run_all ${on(v.runAll)}, cancel_delayed ${on(v.cancelDelayed)}]`;
}

// The kernel's flag bits (assembly/fs/aio_variant.ts).
export const VARIANT_BITS = { opt1: 1 << 0, opt2: 1 << 1, opt3: 1 << 2, hz10: 1 << 3, waiter: 1 << 4, runAll: 1 << 5,
  cancelDelayed: 1 << 6, noCancelDelayed: 1 << 7 } as const;

export function variantFlags(v: Variant): number {
  const b = VARIANT_BITS;
  let f = 0;
  if (v.opt1) f |= b.opt1;
  if (v.opt2) f |= b.opt2;
  if (v.opt3) f |= b.opt3;
  if (v.opt4 === "hz10") f |= b.hz10;
  if (v.opt4 === "waiter") f |= b.waiter;
  if (v.runAll) f |= b.runAll;
  f |= v.cancelDelayed ? b.cancelDelayed : b.noCancelDelayed;
  return f;
}
