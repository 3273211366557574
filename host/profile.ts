// Machine profiles: CPU count, clock, HZ and the cycle cost of every kernel operation the
// simulator charges. docs/calibration.md gives the source of each default.

export const COST_NAMES = [
  "syscallEntry", "syscallExit", "lock", "lockTransfer", "spinIter", "contextSwitch", "ipi",
  "copyPerKB", "timerIrq", "workDispatch", "userWork", "wakeup", "kernelOp", "slab",
  "pageFault", "timerOp", "diskIrq",
] as const;
export type CostName = (typeof COST_NAMES)[number];
export type Costs = Record<CostName, number>;

export interface Profile {
  name: string;
  cpus: number;          // 1..8
  khz: number;           // CPU clock in kHz
  hz: 100 | 250 | 1000;  // timer ticks per second
  balance: boolean;      // wake-affine placement of woken tasks
  costs: Costs;
  disk?: DiskProfile;    // the simulated disk (DEFAULT_DISK when absent)
}

// The simulated block device behind regular files (docs/storage-model.md).
export interface DiskProfile {
  latencyUs: number;     // per request, before its data moves (µs)
  bandwidthMBs: number;  // transfer rate of the one channel (10^6 bytes/s)
  queueDepth: number;    // requests in service at once
  irqCpu: number;        // the CPU that takes completion interrupts
}

// A 2004 SCSI array with a write-back cache: short per-request latency, 80 MB/s, TCQ depth 32.
export const DEFAULT_DISK: DiskProfile = { latencyUs: 200, bandwidthMBs: 80, queueDepth: 32, irqCpu: 0 };

// A 2004 dual 2.8 GHz Pentium 4 Xeon (the class of machine pipetest and aio-stress ran on).
export const XEON_2004: Profile = {
  name: "xeon-2004",
  cpus: 2,
  khz: 2_800_000,
  hz: 1000,
  balance: false,
  costs: {
    syscallEntry: 450,
    syscallExit: 250,
    lock: 120,
    lockTransfer: 600,
    spinIter: 60,
    contextSwitch: 1500,
    ipi: 3000,
    copyPerKB: 1400,
    timerIrq: 4000,
    workDispatch: 500,
    userWork: 3653,
    wakeup: 400,
    kernelOp: 60,
    slab: 150,
    pageFault: 2500,
    timerOp: 150,
    diskIrq: 5000,
  },
};

export const PROFILES: Record<string, Profile> = { [XEON_2004.name]: XEON_2004 };

export interface ProfileOverrides {
  cpus?: number;
  hz?: number;
  khz?: number;
  balance?: boolean;
  costs?: Partial<Costs>;
  disk?: Partial<DiskProfile>;
}

// Returns a validated profile: a named base with overrides. Throws an Error naming the field.
export function resolveProfile(base: string | Profile = XEON_2004.name, o: ProfileOverrides = {}): Profile {
  const known = ["cpus", "hz", "khz", "balance", "costs", "disk"];
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new Error(`profile.${k}: unknown setting (known: ${known.join(", ")}; cycle costs go under costs)`);
  }
  const b = typeof base === "string" ? PROFILES[base] : base;
  if (!b) throw new Error(`profile: unknown profile "${base}" (known: ${Object.keys(PROFILES).join(", ")})`);
  const p: Profile = {
    ...b,
    cpus: o.cpus ?? b.cpus,
    hz: (o.hz ?? b.hz) as Profile["hz"],
    khz: o.khz ?? b.khz,
    balance: o.balance ?? b.balance,
    costs: { ...b.costs, ...(o.costs ?? {}) },
    disk: { ...DEFAULT_DISK, ...(b.disk ?? {}), ...(o.disk ?? {}) },
  };
  validateProfile(p);
  return p;
}

export function validateProfile(p: Profile): void {
  if (!Number.isInteger(p.cpus) || p.cpus < 1 || p.cpus > 8) throw new Error(`profile.cpus: must be an integer from 1 to 8, got ${p.cpus}`);
  if (![100, 250, 1000].includes(p.hz)) throw new Error(`profile.hz: must be 100, 250 or 1000, got ${p.hz}`);
  if (!Number.isInteger(p.khz) || p.khz < 1000) throw new Error(`profile.khz: must be an integer of at least 1000, got ${p.khz}`);
  for (const k of Object.keys(p.costs)) {
    if (!(COST_NAMES as readonly string[]).includes(k)) throw new Error(`profile.costs.${k}: unknown cost`);
  }
  const d = p.disk ?? DEFAULT_DISK;
  if (!Number.isInteger(d.latencyUs) || d.latencyUs < 0) throw new Error(`profile.disk.latencyUs: must be a non-negative integer, got ${d.latencyUs}`);
  if (!Number.isInteger(d.bandwidthMBs) || d.bandwidthMBs < 1) throw new Error(`profile.disk.bandwidthMBs: must be a positive integer, got ${d.bandwidthMBs}`);
  if (!Number.isInteger(d.queueDepth) || d.queueDepth < 1) throw new Error(`profile.disk.queueDepth: must be a positive integer, got ${d.queueDepth}`);
  if (!Number.isInteger(d.irqCpu) || d.irqCpu < 0 || d.irqCpu >= p.cpus) throw new Error(`profile.disk.irqCpu: must be a CPU number below ${p.cpus}, got ${d.irqCpu}`);
  for (const k of COST_NAMES) {
    const v = p.costs[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || !Number.isInteger(v)) throw new Error(`profile.costs.${k}: must be a non-negative integer number of cycles, got ${v}`);
  }
}
